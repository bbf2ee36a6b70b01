#!/usr/bin/env node
// The application forms end to end: `site-gen serve` (the site and the form handler under /api/
// on one origin) storing in a real DynamoDB-compatible server (moto), driven in headless Chromium.
//
//   node api-e2e.mjs --site-gen PATH --form-handler PATH [--chromium PATH] [--timeout SECONDS]
//
// --site-gen must be built with `--features dynamodb` (else it stores in a local file and the
// start check fails); --form-handler is `cargo build -p form-handler`. Needs `moto_server` on
// PATH (`pip install 'moto[server]'`) and, for the Nu HTML checker, `java`. Steps:
//   1. moto on a free port; a temp copy of content/ + templates/; `site-gen serve --date
//      2019-03-01` on a free port with AWS_ENDPOINT_URL_DYNAMODB / APPLICATIONS_TABLE set: it
//      must say it stores in DynamoDB table applications-e2e;
//   2. JavaScript on, /minivejledningsforloeb/: an empty submit shows the error summary above
//      the h1, focused, and posts nothing; a valid submit gets 201 from the handler and shows
//      div.form-receipt with the reference; axe (WCAG 2.0/2.1 A+AA, 1280 and 375 px) on it;
//   3. JavaScript off: a post with an invalid CVR gives the 422 page (summary above the h1,
//      focused by autofocus, the entered values kept, the inline error); the fixed CVR gives a
//      303 to the receipt page (h1, strong.reference, time); the receipt holds none of the
//      applicant's data; a reload is a GET answering 200 and stores nothing. axe on the 422 and
//      receipt pages runs on the bytes served to the JavaScript-off context, reopened at the
//      same URL in a JavaScript-on context with scripts refused (axe cannot run with
//      JavaScript off; see axeOnServedCopy);
//   4. `form-handler export --form minivejledning --format json` against the same table lists
//      exactly the two applications (each reference once; round 2019-03, form_version 2,
//      kontakt_telefon +4522334455, cvr 10103940; idempotency key from the script's header
//      for the JavaScript one, from the content for the plain one);
//   5. the Nu HTML checker (errors only) on the 422 page and the receipt page as served, and on
//      the DOM of the form page with the script's receipt (its <time datetime>);
//   6. no uncaught script error, no request to another host, no local answer >= 400 other
//      than the expected 422.
// Ends with one line `N passed, M failed`; exit 1 on any failure. Moto, the server, the browser
// and the temp folders are always cleaned up; overall timeout 180 s (--timeout).

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
  freePort,
  launchChromium,
  makeUsage,
  openWatched,
  pollUntil,
  readArgs,
  removeDir,
  runCommand,
  runTest,
  runVnu,
  show,
  spawnServe,
  startMoto,
  stopChild,
  tail,
  tempDir,
  vnuErrors,
} from './lib.mjs';

const STEP_TIMEOUT_MS = 10_000;
const DATE = '2019-03-01';
const TABLE = 'applications-e2e';
const FORM = 'minivejledning';
const PAGE = '/minivejledningsforloeb/';
const ACTION = `/api/applications/${FORM}`;
const REFERENCE = /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/;
const CHALLENGE =
  'Vi har svært ved at få øje på de stille børn i hverdagen og vil gerne blive bedre til at inddrage dem i leg og fællesskaber.';

// Two applicants; both valid, told apart by every personal field.
const APPLICANT_JS = {
  institution: 'Børnehuset Mælkebøtten',
  adresse: 'Vesterbrogade 12',
  by: 'København V',
  kontakt_navn: 'Anne Kirstine Hansen',
  kontakt_stilling: 'Dagtilbudsleder',
  kontakt_email: 'anne.hansen@maelkeboetten.dk',
};
const APPLICANT_PLAIN = {
  institution: 'Den selvejende børnehave Solsikken',
  adresse: 'Frederiksberg Allé 40',
  by: 'København V',
  kontakt_navn: 'Bent Ørum Mikkelsen',
  kontakt_stilling: 'Pædagogisk leder',
  kontakt_email: 'bent.orum@solsikken.dk',
};
const COMMON = { cvr: '10103940', kommune: '101', postnummer: '1550', kontakt_telefon: '22 33 44 55', udfordring: CHALLENGE };

const usage = makeUsage(
  'api-e2e',
  'usage: node api-e2e.mjs --site-gen PATH --form-handler PATH [--chromium PATH] [--timeout SECONDS]',
);

function parseArgs(argv) {
  const opts = { siteGen: null, formHandler: null, chromium: DEFAULT_CHROMIUM, timeoutS: 180 };
  readArgs(argv, opts, {
    '--site-gen': ['siteGen', path.resolve],
    '--form-handler': ['formHandler', path.resolve],
    ...BROWSER_ARGS,
  }, usage);
  if (!opts.siteGen) usage('--site-gen is required (cargo build -p site-gen --features dynamodb)');
  if (!opts.formHandler) usage('--form-handler is required (cargo build -p form-handler)');
  for (const bin of [opts.siteGen, opts.formHandler]) if (!fs.existsSync(bin)) usage(`no binary at ${bin}`);
  checkTimeout(opts, usage);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Results

// Each check's info ends with its milliseconds; after an abort (the browser is gone) later
// failures are noise and are not recorded.
const results = new Results({ timed: true });
const record = (name, problems, info) => results.record(name, problems, info);
// Runs one named check; `fn` returns a list of problems, or {problems, info} (or throws).
const check = (name, fn) => results.check(name, fn);

// ---------------------------------------------------------------------------------------------
// Processes and clean-up

const state = {
  tmp: [],
  moto: null,
  server: null,
  serverLog: '',
  motoLog: '',
  browser: null,
  children: new Set(),
  cleaned: false,
};

function awsEnv(motoPort) {
  return {
    ...process.env,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${motoPort}`,
    APPLICATIONS_TABLE: TABLE,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'eu-central-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function cleanup() {
  if (state.cleaned) return;
  state.cleaned = true;
  await closeBrowser(state);
  await closeAll({ children: state.children });
  await stopChild(state.server, 'SIGINT');
  // moto leads its own process group (its launcher may start the Python process as a child).
  await stopChild(state.moto, 'SIGTERM', { group: true });
  for (const dir of state.tmp) removeDir(dir);
  state.tmp = [];
}

// Runs a short command; resolves {code (or the signal), stdout, stderr}.
async function run(cmd, args, { env = process.env, timeoutMs = 60_000 } = {}) {
  const r = await runCommand(cmd, args, { env, timeoutMs, children: state.children });
  if (r.error) return { code: null, stdout: r.stdout, stderr: `could not run ${cmd}: ${r.error.message}` };
  return { code: r.signal || r.code, stdout: r.stdout, stderr: r.stderr };
}

async function startMotoServer() {
  const { child, port } = await startMoto({ onLog: (d) => (state.motoLog += d) });
  state.moto = child;
  return port;
}

async function startSiteGen(bin, motoPort) {
  const root = tempDir('api-e2e-site-');
  state.tmp.push(root);
  copySiteSources(root);
  const port = await freePort();
  const { child, ready } = spawnServe(bin, {
    root,
    port,
    date: DATE,
    env: awsEnv(motoPort),
    onLog: (d) => (state.serverLog += d),
    who: 'site-gen serve',
    line: 'Serving the site at',
  });
  state.server = child;
  const r = await ready;
  const problems = r === 'ready' ? [] : [r];
  const storeLine = state.serverLog.split('\n').find((l) => l.includes('Applications sent from the forms are stored in'));
  if (!storeLine) problems.push('no "Applications sent from the forms are stored in" line');
  else if (!storeLine.includes(`DynamoDB table ${TABLE}`)) {
    problems.push(`stores in ${show(collapse(storeLine))}, want DynamoDB table ${TABLE} (is site-gen built with --features dynamodb?)`);
  }
  return { origin: `http://127.0.0.1:${port}`, problems };
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

// A fresh context and page. Collects uncaught script errors, requests to other hosts (blocked)
// and local answers >= 400 (except `allowed(response)`).
async function openContext(origin, { js = true, allowed = () => false } = {}) {
  const { context, page, errors } = await openWatched(state.browser, origin, { js, stepTimeoutMs: STEP_TIMEOUT_MS });
  context.on('response', (r) => {
    if (r.status() >= 400 && r.url().startsWith(origin) && !allowed(r)) {
      errors.push(`${r.request().method()} ${new URL(r.url()).pathname} answered ${r.status()}`);
    }
  });
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
  });
  return { context, page, errors, posts };
}

// axe (WCAG 2.0/2.1 A+AA, 1280 and 375 px) runs: each within 60 s.
const AXE_RUN = { timeoutMs: 60_000 };

// axe on a page the JavaScript-off context received (`url`, `status`, `html` as served). axe
// cannot run where JavaScript is off (its timers never fire, also not after switching script
// execution on over CDP), so the same bytes are opened at the same URL in a JavaScript-on
// context, with every script request refused; the page must have no executable script and no
// <noscript>, so that its DOM is the one the JavaScript-off browser built. Stylesheets and
// images come from the live server as before.
async function axeOnServedCopy(origin, url, status, html) {
  const { context, page, errors } = await openContext(origin, { allowed: (r) => r.url() === url && r.status() === status });
  try {
    await page.route('**/*', (route) => {
      const req = route.request();
      if (req.resourceType() === 'script') {
        errors.push(`the page requested the script ${req.url()}`);
        return route.abort('blockedbyclient');
      }
      if (req.url() === url && req.resourceType() === 'document') {
        return route.fulfill({ status, contentType: 'text/html; charset=utf-8', body: html });
      }
      return route.fallback();
    });
    const resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if (!resp || resp.status() !== status) throw new Error(`the copy of ${url} opened with ${resp ? resp.status() : 'nothing'}`);
    const scripts = await page.evaluate(() => ({
      executable: [...document.scripts].filter((s) => !/json/i.test(s.type)).length,
      noscript: document.querySelectorAll('noscript').length,
    }));
    const problems = [];
    if (scripts.executable || scripts.noscript) problems.push(`the page has ${scripts.executable} executable scripts and ${scripts.noscript} noscript elements: the copy would differ`);
    problems.push(...(await axeViolations(page, AXE_RUN)), ...errors);
    return problems;
  } finally {
    await context.close();
  }
}

const fid = (field) => `#f-${FORM}-${field}`;

// Fills the form as a person would: "Selvejende dagtilbud", the texts, København, the ticks.
async function fillValid(page, applicant, overrides = {}) {
  const v = { ...COMMON, ...applicant, ...overrides };
  await page.getByLabel('Selvejende dagtilbud', { exact: true }).check();
  for (const f of ['institution', 'cvr', 'adresse', 'postnummer', 'by', 'kontakt_navn', 'kontakt_stilling', 'kontakt_email', 'kontakt_telefon', 'udfordring']) {
    await page.locator(fid(f)).fill(v[f]);
  }
  await page.locator(fid('kommune')).selectOption(v.kommune);
  for (const f of ['ledelsesopbakning', 'bestyrelsesopbakning', 'privatliv']) await page.locator(fid(f)).check();
  return v;
}

// The value of every control of the form (for "the entered values are kept").
const formValues = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('form.application-form input, form.application-form select, form.application-form textarea')]
        .filter((el) => el.type !== 'hidden')
        .map((el) => [el.id || el.name, el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value]),
    ),
  );

// Where the error summary is and whether it has the focus.
const summaryState = (page) =>
  page.evaluate(() => {
    const s = document.querySelectorAll('div.form-error-summary');
    const h1 = document.querySelector('h1');
    if (s.length !== 1) return { count: s.length };
    return {
      count: 1,
      beforeH1: !!h1 && !!(s[0].compareDocumentPosition(h1) & Node.DOCUMENT_POSITION_FOLLOWING),
      focused: document.activeElement === s[0],
      active: document.activeElement ? `${document.activeElement.tagName.toLowerCase()}.${document.activeElement.className}` : null,
      links: [...s[0].querySelectorAll('a')].map((a) => a.getAttribute('href')),
    };
  });

const submit = (page) => page.locator('form.application-form button[type=submit]').click();

// ---------------------------------------------------------------------------------------------
// The steps

async function withJavaScript(origin, saveDir) {
  const out = { reference: null, file: null };
  const { context, page, errors, posts } = await openContext(origin);
  try {
    const resp = await page.goto(origin + PAGE, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if (!resp || resp.status() !== 200) throw new Error(`${PAGE}: HTTP ${resp ? resp.status() : 'no response'}`);

    await check('JavaScript on: an empty submit shows the error summary above the h1, focused, and posts nothing', async () => {
      const problems = [];
      await submit(page);
      const s = await pollUntil(async () => {
        const st = await summaryState(page);
        return st.count === 1 && st.focused ? st : null;
      }, STEP_TIMEOUT_MS).then((st) => st || summaryState(page));
      if (s.count !== 1) return [`${s.count} div.form-error-summary`];
      if (!s.beforeH1) problems.push('the summary is not above the h1');
      if (!s.focused) problems.push(`the focus is on ${show(s.active)}, not on the summary`);
      if (s.links.length < 10) problems.push(`only ${s.links.length} errors listed: ${show(s.links)}`);
      if (posts.length) problems.push(`posted ${show(posts)}`);
      return { problems, info: `${s.links.length} errors listed` };
    });

    await check('JavaScript on: a valid submit is stored (201) and div.form-receipt shows the reference', async () => {
      const problems = [];
      await fillValid(page, APPLICANT_JS);
      const t0 = performance.now();
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === ACTION, { timeout: STEP_TIMEOUT_MS });
      await submit(page);
      const r = await answer;
      const body = await r.json().catch(() => null);
      if (r.status() !== 201) problems.push(`the handler answered ${r.status()} ${show(body)}`);
      await page.waitForSelector('div.form-receipt', { timeout: STEP_TIMEOUT_MS });
      const ms = Math.round(performance.now() - t0);
      const st = await page.evaluate(() => {
        const el = document.querySelector('div.form-receipt');
        return {
          count: document.querySelectorAll('div.form-receipt').length,
          reference: el.querySelector('strong')?.textContent.trim() ?? null,
          text: el.textContent.replace(/\s+/g, ' ').trim(),
          focused: document.activeElement === el.querySelector('h3'),
          title: document.title,
          forms: document.querySelectorAll('form.application-form').length,
          summaries: document.querySelectorAll('.form-error-summary').length,
        };
      });
      if (st.count !== 1) problems.push(`${st.count} receipts`);
      if (!REFERENCE.test(st.reference ?? '')) problems.push(`reference ${show(st.reference)} does not match ${REFERENCE}`);
      if (body && body.reference !== st.reference) problems.push(`shown ${show(st.reference)}, the handler said ${show(body.reference)}`);
      if (body && body.round !== '2019-03') problems.push(`round ${show(body.round)}, want "2019-03"`);
      if (!st.focused) problems.push('the receipt\'s heading is not focused');
      if (!st.title.startsWith('Ansøgningen er modtaget: ')) problems.push(`title ${show(st.title)}`);
      if (st.forms !== 0 || st.summaries !== 0) problems.push(`${st.forms} forms and ${st.summaries} error summaries left`);
      if (!st.text.includes('Ansøgningen er modtaget')) problems.push(`receipt text ${show(st.text)}`);
      if (posts.length !== 1) problems.push(`${posts.length} posts, want 1`);
      out.reference = st.reference;
      out.file = path.join(saveDir, 'receipt-script-dom.html');
      fs.writeFileSync(out.file, await page.content());
      return { problems, info: `${st.reference}, click to receipt ${ms} ms` };
    });

    await check('JavaScript on: axe finds no violation with the receipt shown', async () => {
      if ((await page.locator('div.form-receipt').count()) !== 1) return ['no receipt shown'];
      return axeViolations(page, AXE_RUN);
    });

    await check('JavaScript on: no uncaught script error, foreign request or failing local request', async () => errors.slice());
  } finally {
    await context.close();
  }
  return out;
}

async function withoutJavaScript(origin, saveDir, formHandler, motoPort) {
  const out = { reference: null, files: [] };
  const isInvalidPost = (r) => r.status() === 422 && r.request().method() === 'POST' && new URL(r.url()).pathname === ACTION;
  const { context, page, errors, posts } = await openContext(origin, { js: false, allowed: isInvalidPost });
  try {
    const resp = await page.goto(origin + PAGE, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if (!resp || resp.status() !== 200) throw new Error(`${PAGE}: HTTP ${resp ? resp.status() : 'no response'}`);

    let entered = null;
    let invalid = null;
    await check('JavaScript off: an invalid CVR gives the 422 page: summary above the h1 focused (autofocus), values kept', async () => {
      const problems = [];
      await fillValid(page, APPLICANT_PLAIN, { cvr: '12345678' });
      entered = await formValues(page);
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === ACTION, { timeout: STEP_TIMEOUT_MS });
      await submit(page);
      const r = await answer;
      await page.waitForLoadState('load');
      if (r.status() !== 422) problems.push(`the handler answered ${r.status()}, want 422`);
      const html = await r.text();
      invalid = { url: r.url(), html };
      const file = path.join(saveDir, 'invalid-422.html');
      fs.writeFileSync(file, html);
      out.files.push(file);
      const s = await pollUntil(async () => {
        const st = await summaryState(page);
        return st.count === 1 && st.focused ? st : null;
      }, STEP_TIMEOUT_MS).then((st) => st || summaryState(page));
      if (s.count !== 1) problems.push(`${s.count} div.form-error-summary`);
      else {
        if (!s.beforeH1) problems.push('the summary is not above the h1');
        if (!s.focused) problems.push(`the focus is on ${show(s.active)}, not on the summary`);
        if (show(s.links) !== show([fid('cvr')])) problems.push(`summary links ${show(s.links)}, want only the CVR`);
      }
      if (!/<div class="form-error-summary"[^>]*\bautofocus\b/.test(html)) problems.push('the summary has no autofocus attribute');
      const kept = await formValues(page);
      for (const [k, v] of Object.entries(entered)) if (kept[k] !== v) problems.push(`${k}: ${show(kept[k])}, entered ${show(v)}`);
      const inline = await page.evaluate((id) => {
        const input = document.querySelector(id);
        const msg = document.querySelector(`${id}-error`);
        return {
          invalid: input?.getAttribute('aria-invalid'),
          describedby: input?.getAttribute('aria-describedby') ?? '',
          message: msg ? msg.textContent.replace(/\s+/g, ' ').trim() : null,
        };
      }, fid('cvr'));
      if (inline.invalid !== 'true' || !inline.describedby.split(' ').includes(`f-${FORM}-cvr-error`) || !inline.message?.startsWith('Fejl:')) {
        problems.push(`inline CVR error ${show(inline)}`);
      }
      if (!(await page.title()).startsWith('Fejl: ')) problems.push(`title ${show(await page.title())}`);
      return { problems, info: `saved ${path.basename(file)}` };
    });

    await check('JavaScript off: axe finds no violation on the 422 page', async () => {
      if (!invalid) return ['the 422 page was not saved'];
      return axeOnServedCopy(origin, invalid.url, 422, invalid.html);
    });

    let receiptUrl = null;
    let receiptHtml = '';
    await check('JavaScript off: the fixed CVR gives a 303 to the receipt page with the reference', async () => {
      const problems = [];
      await page.locator(fid('cvr')).fill(COMMON.cvr);
      const t0 = performance.now();
      const answer = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().includes(`${ACTION}/kvittering/`), { timeout: STEP_TIMEOUT_MS });
      await submit(page);
      const r = await answer;
      await page.waitForLoadState('load');
      const ms = Math.round(performance.now() - t0);
      const from = r.request().redirectedFrom();
      const post = from ? await from.response() : null;
      if (!from || from.method() !== 'POST' || new URL(from.url()).pathname !== ACTION) problems.push(`the receipt was not reached by a redirect from the POST (${show(from && from.url())})`);
      else if (!post || post.status() !== 303) problems.push(`the POST answered ${post ? post.status() : 'nothing'}, want 303`);
      if (r.status() !== 200) problems.push(`the receipt page answered ${r.status()}`);
      receiptUrl = r.url();
      receiptHtml = await r.text();
      const file = path.join(saveDir, 'receipt.html');
      fs.writeFileSync(file, receiptHtml);
      out.files.push(file);
      if (page.url() !== receiptUrl) problems.push(`the browser is at ${page.url()}`);
      const st = await page.evaluate(() => ({
        h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
        reference: document.querySelector('strong.reference')?.textContent.trim() ?? null,
        time: document.querySelector('time')?.getAttribute('datetime') ?? null,
      }));
      if (show(st.h1) !== show(['Ansøgningen er modtaget'])) problems.push(`h1 ${show(st.h1)}`);
      if (!REFERENCE.test(st.reference ?? '')) problems.push(`reference ${show(st.reference)} does not match ${REFERENCE}`);
      if (!receiptUrl.endsWith(`/kvittering/${st.reference}`)) problems.push(`the URL ${receiptUrl} does not end with the reference`);
      if (!st.time) problems.push('no time received');
      out.reference = st.reference;
      return { problems, info: `${st.reference}, click to receipt ${ms} ms` };
    });

    await check('JavaScript off: axe finds no violation on the receipt page', async () => {
      if (!receiptUrl || !receiptHtml) return ['the receipt page was not saved'];
      return axeOnServedCopy(origin, receiptUrl, 200, receiptHtml);
    });

    await check('JavaScript off: the receipt page holds none of the applicant\'s data', async () => {
      const problems = [];
      const text = `${receiptHtml}\n${await page.content()}`;
      const personal = {
        name: APPLICANT_PLAIN.kontakt_navn,
        email: APPLICANT_PLAIN.kontakt_email,
        phone: COMMON.kontakt_telefon,
        'stored phone': '+4522334455',
        'phone digits': '22334455',
        institution: APPLICANT_PLAIN.institution,
        address: APPLICANT_PLAIN.adresse,
        challenge: CHALLENGE.slice(0, 40),
      };
      for (const [what, value] of Object.entries(personal)) if (text.includes(value)) problems.push(`contains the ${what} ${show(value)}`);
      if (!receiptHtml) problems.push('no receipt HTML saved');
      return problems;
    });

    await check('JavaScript off: reloading the receipt page is a GET answering 200 and stores nothing new', async () => {
      const problems = [];
      const before = posts.length;
      const r = await page.reload({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      if (!r || r.status() !== 200) problems.push(`reload answered ${r ? r.status() : 'nothing'}`);
      else if (r.request().method() !== 'GET') problems.push(`the reload was a ${r.request().method()}`);
      if (page.url() !== receiptUrl) problems.push(`the browser is at ${page.url()}`);
      if ((await page.locator('strong.reference').textContent().catch(() => null)) !== out.reference) problems.push('the reloaded page shows another reference');
      if (posts.length !== before) problems.push(`the reload posted ${show(posts.slice(before))}`);
      const apps = await exportApplications(formHandler, motoPort);
      if (apps.length !== 2) problems.push(`${apps.length} applications stored after the reload, want 2`);
      return problems;
    });

    await check('JavaScript off: no foreign request or failing local request (besides the 422)', async () => {
      const problems = errors.slice();
      if (posts.length !== 2) problems.push(`${posts.length} posts, want 2: ${show(posts)}`);
      return problems;
    });
  } finally {
    await context.close();
  }
  return out;
}

async function exportApplications(formHandler, motoPort) {
  const r = await run(formHandler, ['export', '--form', FORM, '--format', 'json'], { env: awsEnv(motoPort) });
  if (r.code !== 0) throw new Error(`form-handler export exited with ${r.code}: ${collapse(r.stderr).slice(0, 400)}`);
  const apps = JSON.parse(r.stdout);
  if (!Array.isArray(apps)) throw new Error(`form-handler export printed ${collapse(r.stdout).slice(0, 200)}, not a JSON array`);
  return apps;
}

async function checkTable(formHandler, motoPort, refs) {
  await check(`export: both applications are in DynamoDB table ${TABLE}, once each, as typed`, async () => {
    const problems = [];
    const apps = await exportApplications(formHandler, motoPort);
    if (apps.length !== 2) problems.push(`${apps.length} applications, want 2: ${show(apps.map((a) => a.reference))}`);
    for (const [how, ref, keyPrefix, applicant] of [
      ['JavaScript', refs.js, 'client:', APPLICANT_JS],
      ['plain HTML', refs.plain, 'content:', APPLICANT_PLAIN],
    ]) {
      if (!ref) {
        problems.push(`no ${how} reference to look for`);
        continue;
      }
      const mine = apps.filter((a) => a.reference === ref);
      if (mine.length !== 1) {
        problems.push(`${how} ${ref}: ${mine.length} times`);
        continue;
      }
      const a = mine[0];
      const f = a.fields || {};
      const want = {
        form_id: [a.form_id, FORM],
        round: [a.round, '2019-03'],
        form_version: [a.form_version, 2],
        'fields.kontakt_telefon': [f.kontakt_telefon, '+4522334455'],
        'fields.cvr': [f.cvr, '10103940'],
        'fields.kommune': [f.kommune, '101'],
        'fields.kontakt_navn': [f.kontakt_navn, applicant.kontakt_navn],
        'fields.ansoegertype': [f.ansoegertype, 'selvejende'],
        'fields.privatliv': [f.privatliv, true],
      };
      for (const [k, [have, wanted]] of Object.entries(want)) if (have !== wanted) problems.push(`${how} ${ref}: ${k} = ${show(have)}, want ${show(wanted)}`);
      if (!String(a.idempotency_key ?? '').startsWith(keyPrefix)) problems.push(`${how} ${ref}: idempotency_key ${show(a.idempotency_key)}, want ${keyPrefix}…`);
      for (const k of ['received_at', 'privacy_notice_version', 'expires_at']) if (!a[k]) problems.push(`${how} ${ref}: no ${k}`);
    }
    return { problems, info: `${apps.length} applications: ${apps.map((a) => a.reference).join(', ')}` };
  });
}

async function checkVnu(name, files, names) {
  await check(name, async () => {
    const missing = names.filter((n) => !files.some((f) => path.basename(f) === n));
    if (missing.length) return [`not saved: ${missing.join(', ')}`];
    const r = await runVnu(files, state.children);
    if (r.fatal) return [r.fatal];
    const { errors, quiet } = vnuErrors(r);
    const problems = errors.map((m) => `${path.basename(m.file)}:${m.lastLine ?? '?'}:${m.firstColumn ?? m.lastColumn ?? '?'}: ${collapse(m.message)}`);
    if (quiet) problems.push(quiet);
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(opts) {
  const t0 = performance.now();
  let motoPort = null;
  const motoOk = await check('moto (DynamoDB) starts', async () => {
    motoPort = await startMotoServer();
    return { problems: [], info: `port ${motoPort}` };
  });
  if (!motoOk) return;

  let origin = null;
  const serverOk = await check(`site-gen serve --date ${DATE} starts with DynamoDB table ${TABLE}`, async () => {
    const s = await startSiteGen(opts.siteGen, motoPort);
    origin = s.origin;
    if (s.problems.length) console.log(tail(state.serverLog, 15, '  server: '));
    return { problems: s.problems, info: origin };
  });
  if (!serverOk) return;

  state.browser = await launchChromium(opts.chromium);

  const saveDir = tempDir('api-e2e-html-');
  state.tmp.push(saveDir);

  const js = await withJavaScript(origin, saveDir);
  const plain = await withoutJavaScript(origin, saveDir, opts.formHandler, motoPort);
  if (js.reference && js.reference === plain.reference) record('the two applications have different references', [`both ${js.reference}`]);
  await checkTable(opts.formHandler, motoPort, { js: js.reference, plain: plain.reference });
  await checkVnu('Nu HTML checker: no error on the 422 page and the receipt page as served', plain.files, ['invalid-422.html', 'receipt.html']);
  await checkVnu('Nu HTML checker: no error in the DOM of the form page with the script\'s receipt', js.file ? [js.file] : [], ['receipt-script-dom.html']);

  if (results.failed) console.log(tail(state.serverLog, 30, '  server: '));
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const opts = parseArgs(process.argv.slice(2));
const printServerLog = () => {
  if (state.serverLog) console.log(tail(state.serverLog, 15, '  server: '));
};

await runTest({
  name: 'api-e2e',
  timeoutMs: opts.timeoutS * 1000,
  timeoutText: `${opts.timeoutS} s`,
  main: () => main(opts),
  cleanup,
  onAbort: () => {
    results.closed = true;
    printServerLog();
  },
  abortTally: () => results.tally(1),
  onError: (err) => {
    record('api-e2e', [collapse(err && err.stack ? err.stack : err).slice(0, 800)]);
    printServerLog();
  },
  tally: () => results.tally(),
});
