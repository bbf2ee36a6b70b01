#!/usr/bin/env node
// The mails of the live preview, end to end in headless Chromium.
//
//   node mail-test.mjs [--bin PATH_TO_SITE_GEN] [--chromium PATH] [--timeout SECONDS]
//
// Copies content/ and templates/ into a temp folder and starts `site-gen serve --date
// 2019-03-01` there (the local store: nothing is sent anywhere). Then:
//   1. the mini-course form, filled in and sent with JavaScript on, gives its receipt;
//   2. both mails are written as .eml files under .site-gen/mail/ (headers: To, Reply-To
//      for the caseworkers, the subject as RFC 2047 encoded words with the reference);
//   3. /_mail/ lists the application with both mails; axe (WCAG 2.2 A+AA) finds nothing there;
//   4. each mail opens at /_mail/<reference>/<kind>.html and .txt and shows the reference; the
//      caseworkers' mail holds the answers, the receipt none of them; axe on both;
//   5. the Nu HTML checker finds no error in the mails' HTML parts (from the .eml files) and in
//      /_mail/ as served;
//   6. editing the receipt's words (content/mail/minivejledning/kvittering.md) reloads the open
//      receipt with the new title.
// Ends with one line `N passed, M failed`; exit 1 on any failure.

import fs from 'node:fs';
import path from 'node:path';
import {
  BROWSER_ARGS,
  DEFAULT_CHROMIUM,
  NAV_TIMEOUT_MS,
  Results,
  axeViolations,
  checkTimeout,
  closeAll,
  closeBrowser,
  collapse,
  copySiteSources,
  defaultSiteGenBin,
  freePort,
  launchChromium,
  makeUsage,
  openWatched,
  pollUntil,
  readArgs,
  removeDir,
  runTest,
  runVnu,
  show,
  spawnServe,
  stopChild,
  tail,
  tempDir,
  vnuErrors,
} from './lib.mjs';

const DATE = '2019-03-01';
const FORM = 'minivejledning';
const PAGE = '/minivejledningsforloeb/';
const STEP_TIMEOUT_MS = 20_000;
const REFERENCE = /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/;
const APPLICANT = {
  institution: 'Børnehuset Kastanjetræet',
  cvr: '10103940',
  adresse: 'Østergade 7',
  postnummer: '8000',
  by: 'Aarhus C',
  kontakt_navn: 'Mette Østergård Nielsen',
  kontakt_stilling: 'Dagtilbudsleder',
  kontakt_email: 'mette.nielsen@kastanjetraeet.dk',
  kontakt_telefon: '86 12 34 56',
  udfordring: 'Vi vil blive bedre til at se og støtte de børn, der trækker sig fra fællesskabet i de store grupper.',
};

const usage = makeUsage('mail-test', 'usage: node mail-test.mjs [--bin PATH_TO_SITE_GEN] [--chromium PATH] [--timeout SECONDS]');

function parseArgs(argv) {
  const opts = { bin: defaultSiteGenBin(), chromium: DEFAULT_CHROMIUM, timeoutS: 180 };
  readArgs(argv, opts, { '--bin': ['bin', path.resolve], ...BROWSER_ARGS }, usage);
  if (!fs.existsSync(opts.bin)) usage(`no site-gen binary at ${opts.bin} (run cargo build -p site-gen)`);
  checkTimeout(opts, usage);
  return opts;
}

const results = new Results({ timed: true });
const check = (name, fn) => results.check(name, fn);
const state = { root: null, server: null, log: '', browser: null, cleaned: false };

async function cleanup() {
  if (state.cleaned) return;
  state.cleaned = true;
  await closeBrowser(state);
  await stopChild(state.server, 'SIGINT');
  await closeAll({});
  if (state.root) removeDir(state.root);
}

// ---------------------------------------------------------------------------------------------
// .eml files

// {headers: Map(lower-case name -> value, unfolded), parts: {plain, html}} of a message.
function parseEml(text) {
  const [head, ...rest] = text.replace(/\r\n/g, '\n').split('\n\n');
  const headers = new Map();
  let last = null;
  for (const line of head.split('\n')) {
    if (/^\s/.test(line) && last) headers.set(last, headers.get(last) + line);
    else {
      const i = line.indexOf(': ');
      last = line.slice(0, i).toLowerCase();
      headers.set(last, line.slice(i + 2));
    }
  }
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1];
  const parts = {};
  for (const part of rest.join('\n\n').split(`--${boundary}`)) {
    const m = /Content-Type: text\/(plain|html)[^\n]*\nContent-Transfer-Encoding: (base64|quoted-printable)\n\n([\s\S]*)/.exec(part);
    if (m) parts[m[1]] = m[2] === 'base64' ? Buffer.from(m[3].replace(/\s+/g, ''), 'base64').toString('utf8') : quotedPrintable(m[3]);
  }
  return { headers, parts };
}

// Quoted-printable (RFC 2045): soft line breaks joined, =XX as bytes, read as UTF-8.
function quotedPrintable(text) {
  const joined = text.replace(/=\n/g, '').replace(/\n$/, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

// The address of an address header without a display name: `<a@b.dk>` or `a@b.dk`.
const address = (value) => (value ?? '').trim().replace(/^<(.*)>$/, '$1');

// A header with its RFC 2047 encoded words (B or Q) decoded; white space between two
// encoded words is not part of the text.
const decodeWords = (value) =>
  value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=(\s+(?==\?utf-8\?[BQ]\?))?/gi, (_, kind, data) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : quotedPrintable(data.replace(/_/g, ' ')));

// ---------------------------------------------------------------------------------------------

// This machine's environment without DynamoDB: the preview keeps applications locally.
function localEnv() {
  const env = { ...process.env };
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  delete env.APPLICATIONS_TABLE;
  return env;
}

async function fill(page) {
  const id = (f) => `#f-${FORM}-${f}`;
  await page.locator(`input[type=radio][name="ansoegertype"][value="selvejende"]`).check();
  for (const [field, value] of Object.entries(APPLICANT)) await page.locator(id(field)).fill(value);
  await page.locator(id('kommune')).selectOption('751');
  for (const f of ['ledelsesopbakning', 'bestyrelsesopbakning', 'privatliv']) await page.locator(id(f)).check();
}

async function main(opts) {
  state.root = tempDir('mail-test-');
  copySiteSources(state.root);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const { child, ready } = spawnServe(opts.bin, {
    root: state.root,
    port,
    date: DATE,
    env: localEnv(),
    onLog: (d) => (state.log += d),
    who: 'site-gen serve',
    line: 'Serving the site at',
  });
  state.server = child;
  const started = await check('site-gen serve starts and says where the mails go', async () => {
    const r = await ready;
    const problems = r === 'ready' ? [] : [r];
    if (!/mails of each application are written to .*\.site-gen\/mail/.test(state.log)) problems.push('no line naming .site-gen/mail');
    return problems;
  });
  if (!started) return;
  state.browser = await launchChromium(opts.chromium);
  const { context, page, errors } = await openWatched(state.browser, origin, { stepTimeoutMs: STEP_TIMEOUT_MS });
  let reference = null;
  try {
    await check('the mini-course form sends and shows its receipt', async () => {
      await page.goto(origin + PAGE, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await fill(page);
      await page.locator('form.application-form button[type=submit]').click();
      await page.waitForSelector('div.form-receipt', { timeout: STEP_TIMEOUT_MS });
      reference = collapse(await page.locator('div.form-receipt strong').first().textContent());
      return REFERENCE.test(reference) ? [] : [`reference ${show(reference)}`];
    });
    if (!reference) return;

    const mailDir = path.join(state.root, '.site-gen', 'mail');
    const files = { caseworkers: path.join(mailDir, `${reference}-caseworkers.eml`), receipt: path.join(mailDir, `${reference}-receipt.eml`) };
    const eml = {};
    await check('both mails are written as .eml files: recipients, Reply-To, the subject with the reference', async () => {
      const there = await pollUntil(() => Object.values(files).every((f) => fs.existsSync(f)), STEP_TIMEOUT_MS, 100);
      if (!there) return [`not written: ${Object.values(files).filter((f) => !fs.existsSync(f)).join(', ')}`];
      const problems = [];
      for (const [kind, file] of Object.entries(files)) eml[kind] = parseEml(fs.readFileSync(file, 'utf8'));
      const cw = eml.caseworkers.headers;
      if (address(cw.get('to')) !== 'dagtilbudsvejledning@socialstyrelsen.dk') problems.push(`caseworkers To ${show(cw.get('to'))}`);
      if (address(cw.get('reply-to')) !== APPLICANT.kontakt_email) problems.push(`caseworkers Reply-To ${show(cw.get('reply-to'))}`);
      if (decodeWords(cw.get('subject') ?? '') !== `Ny ansøgning: Minivejledningsforløb – ${reference}`) problems.push(`caseworkers Subject ${show(decodeWords(cw.get('subject') ?? ''))}`);
      if (!/^=\?utf-8\?[BQ]\?/i.test(cw.get('subject') ?? '')) problems.push('the subject is not encoded (it has æøå)');
      const rc = eml.receipt.headers;
      if (address(rc.get('to')) !== APPLICANT.kontakt_email) problems.push(`receipt To ${show(rc.get('to'))}`);
      if (rc.has('reply-to')) problems.push('the receipt has a Reply-To');
      if (!decodeWords(rc.get('subject') ?? '').endsWith(reference)) problems.push(`receipt Subject ${show(decodeWords(rc.get('subject') ?? ''))}`);
      for (const kind of Object.keys(files)) {
        for (const part of ['plain', 'html']) if (!eml[kind].parts[part]?.includes(reference)) problems.push(`${kind} ${part} part without the reference`);
      }
      return problems;
    });

    let indexHtml = '';
    await check('/_mail/ lists the application with both mails; axe finds nothing', async () => {
      const r = await page.goto(`${origin}/_mail/`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      indexHtml = await r.text();
      const problems = [];
      if (r.status() !== 200) problems.push(`HTTP ${r.status()}`);
      const links = await page.evaluate(() => [...document.querySelectorAll('main a')].map((a) => a.getAttribute('href')));
      for (const kind of ['caseworkers', 'receipt']) {
        for (const ext of ['html', 'txt']) if (!links.includes(`/_mail/${reference}/${kind}.${ext}`)) problems.push(`no link to ${kind}.${ext}`);
      }
      if (!(await page.locator('main').textContent()).includes(reference)) problems.push('the reference is not listed');
      problems.push(...(await axeViolations(page)));
      return problems;
    });

    for (const kind of ['caseworkers', 'receipt']) {
      await check(`the ${kind} mail opens as HTML and as text with the reference; axe finds nothing`, async () => {
        const problems = [];
        const r = await page.goto(`${origin}/_mail/${reference}/${kind}.html`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        if (r.status() !== 200) problems.push(`HTTP ${r.status()}`);
        const text = await page.locator('main').textContent();
        if (!text.includes(reference)) problems.push('no reference in the HTML');
        if (kind === 'caseworkers') {
          for (const v of [APPLICANT.kontakt_navn, APPLICANT.institution, 'Aarhus (751)', 'Selvejende dagtilbud']) if (!text.includes(v)) problems.push(`the answers lack ${show(v)}`);
        } else {
          for (const v of Object.values(APPLICANT)) if (v.length > 5 && text.includes(v)) problems.push(`the receipt holds ${show(v)}`);
        }
        problems.push(...(await axeViolations(page)));
        const t = await page.request.get(`${origin}/_mail/${reference}/${kind}.txt`);
        if (!(await t.text()).includes(reference)) problems.push('no reference in the text');
        return problems;
      });
    }

    await check('Nu HTML checker: no error in the mails\' HTML parts and in /_mail/', async () => {
      const dir = tempDir('mail-test-vnu-');
      try {
        const saved = [];
        for (const [kind, m] of Object.entries(eml)) {
          const f = path.join(dir, `${kind}.html`);
          fs.writeFileSync(f, m.parts.html ?? '');
          saved.push(f);
        }
        const f = path.join(dir, 'index.html');
        fs.writeFileSync(f, indexHtml);
        saved.push(f);
        const r = await runVnu(saved);
        if (r.fatal) return [r.fatal];
        const { errors: found, quiet } = vnuErrors(r);
        return [...found.map((m) => `${path.basename(m.file)}:${m.lastLine}: ${collapse(m.message)}`), ...(quiet ? [quiet] : [])];
      } finally {
        removeDir(dir);
      }
    });

    await check('editing the receipt\'s words reloads the open receipt with them', async () => {
      await page.goto(`${origin}/_mail/${reference}/receipt.html`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      const file = path.join(state.root, 'content', 'mail', FORM, 'kvittering.md');
      const before = fs.readFileSync(file, 'utf8');
      const title = 'Tak – vi har fået jeres ansøgning';
      fs.writeFileSync(file, before.replace(/^title: .*$/m, `title: ${title}`));
      const shown = await pollUntil(async () => (await page.locator('h1').textContent({ timeout: 500 })) === title, STEP_TIMEOUT_MS, 50);
      return shown ? [] : [`the h1 is ${show(await page.locator('h1').textContent().catch(() => null))}`];
    });

    await check('no uncaught script error or request to another host', async () => errors.slice());
  } finally {
    await context.close();
  }
  if (results.failed) console.log(tail(state.log, 20, '  server: '));
}

const opts = parseArgs(process.argv.slice(2));
await runTest({
  name: 'mail-test',
  timeoutMs: opts.timeoutS * 1000,
  timeoutText: `${opts.timeoutS} s`,
  main: () => main(opts),
  cleanup,
  onAbort: () => {
    results.closed = true;
    console.log(tail(state.log, 20, '  server: '));
  },
  abortTally: () => results.tally(1),
  onError: (err) => {
    results.record('mail-test', [collapse(err && err.stack ? err.stack : err).slice(0, 800)]);
    console.log(tail(state.log, 20, '  server: '));
  },
  tally: () => results.tally(),
});
