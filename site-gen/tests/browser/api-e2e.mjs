#!/usr/bin/env node
// The application forms end to end, in headless Chromium, storing in a real DynamoDB-compatible
// server (moto), on one of two stacks:
//
//   node api-e2e.mjs --stack serve --site-gen PATH --form-handler PATH [--chromium PATH] [--timeout S]
//   node api-e2e.mjs --stack lambda --site DIR --lambda PATH --form-handler PATH [--chromium PATH] [--timeout S]
//
// serve: `site-gen serve --date 2019-03-01` (the site and the form handler under /api/ on one
//   origin; site-gen built with `--features dynamodb`), the mini-course form (its round is open
//   on that day).
// lambda: production's path. The site DIR (built for today) behind a CloudFront-shaped server
//   (cloudfront.mjs: the template's behaviours, functions, origin headers, response headers and
//   error pages), /api/* forwarded to the deployed Lambda binary (`api`, --lambda) polling the
//   Lambda runtime API behind a Function URL (lambda-runtime.mjs; it says why not `cargo lambda
//   watch`), with the environment the template gives the Lambda (samconfig's test environment)
//   and the table made from the template's definition; the one-year form (open every month).
// Both need `moto_server` on PATH (`pip install 'moto[server]'`) and, for the Nu HTML checker,
// `java`. Steps:
//   1. moto on a free port (ready when it answers ListTables); the stack on free ports;
//   2. JavaScript on, the form's page: an empty submit shows the error summary above the h1,
//      focused, and posts nothing; a valid submit gets 201 from the handler and shows
//      div.form-receipt with the reference; axe (WCAG 2.x A+AA, 1280 and 375 px) on it;
//   3. JavaScript off: a post with one invalid field (serve: a CVR failing modulus 11; lambda: a
//      phone number starting with 1) gives the 422 page (summary above the h1, focused by
//      autofocus, the entered values kept, the inline error with the message for that input);
//      the fixed value gives a 303 to the receipt page (h1, strong.reference, time); the
//      receipt holds none of the applicant's data; a reload is a GET answering 200 and stores
//      nothing. axe on the 422 and receipt pages runs on the bytes served to the JavaScript-off
//      context, reopened at the same URL in a JavaScript-on context with scripts refused (axe
//      cannot run with JavaScript off; see axeOnServedCopy);
//   4. `form-handler export --form FORM --format json` against the same table lists exactly the
//      two applications (each reference once, the round the handler answered, the form's
//      version, the typed values as stored: +45 phone numbers, numbers, ticks; idempotency key
//      from the script's header for the JavaScript one, from the content for the plain one);
//   5. the Nu HTML checker (errors only) on the 422 page and the receipt page as served, and on
//      the DOM of the form page with the script's receipt (its <time datetime>);
//   6. no uncaught script error, no request to another host, no local answer >= 400 other
//      than the expected 422;
//   7. lambda only: a post straight to the Lambda's URL, around CloudFront (no origin secret),
//      gets 403; every line the binary wrote is JSON, with an `application` line per request,
//      and none holds anything the applicants typed.
// Ends with one line `N passed, M failed`; exit 1 on any failure. Moto, the server, the browser
// and the temp folders are always cleaned up; overall timeout 180 s (--timeout).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startCloudFront, stackShape } from './cloudfront.mjs';
import { startFunctionUrl } from './lambda-runtime.mjs';
import {
  BROWSER_ARGS,
  DEFAULT_CHROMIUM,
  NAV_TIMEOUT_MS,
  REPO,
  Results,
  START_TIMEOUT_MS,
  awsJson,
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
const TABLE = 'applications-e2e';
const REFERENCE = /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/;

// What each stack fills in. `values`: field id -> what a person types or picks (a radio's
// value, a select's value, 'on' for a tick); `applicants` add the personal fields of two
// applicants told apart by each of them; `invalid`: the field made wrong in the JavaScript-off
// post, what is typed, the error code it must get and the fixed value; `stored`: field id ->
// the value the export must show for both applicants (their own fields are compared as typed).
const SCENARIOS = {
  serve: {
    date: '2019-03-01',
    form: 'minivejledning',
    page: '/minivejledningsforloeb/',
    version: 2,
    values: {
      ansoegertype: 'selvejende',
      cvr: '10103940',
      kommune: '101',
      postnummer: '1550',
      kontakt_telefon: '22 33 44 55',
      udfordring:
        'Vi har svært ved at få øje på de stille børn i hverdagen og vil gerne blive bedre til at inddrage dem i leg og fællesskaber.',
      ledelsesopbakning: 'on',
      bestyrelsesopbakning: 'on',
      privatliv: 'on',
    },
    applicants: {
      js: {
        institution: 'Børnehuset Mælkebøtten',
        adresse: 'Vesterbrogade 12',
        by: 'København V',
        kontakt_navn: 'Anne Kirstine Hansen',
        kontakt_stilling: 'Dagtilbudsleder',
        kontakt_email: 'anne.hansen@maelkeboetten.dk',
      },
      plain: {
        institution: 'Den selvejende børnehave Solsikken',
        adresse: 'Frederiksberg Allé 40',
        by: 'København V',
        kontakt_navn: 'Bent Ørum Mikkelsen',
        kontakt_stilling: 'Pædagogisk leder',
        kontakt_email: 'bent.orum@solsikken.dk',
      },
    },
    invalid: { field: 'cvr', typed: '12345678', code: 'checksum' },
    stored: { kontakt_telefon: '+4522334455', cvr: '10103940', kommune: '101', ansoegertype: 'selvejende', postnummer: '1550', privatliv: true },
  },
  lambda: {
    date: null,
    form: 'etaarigt-forloeb',
    page: '/etaarige-forloeb/',
    version: 1,
    values: {
      kommune: '751',
      kontakt_telefon: '22 33 44 55',
      antal_dagtilbud: '12',
      antal_boern: '1.200',
      andel_dagpleje: '25',
      udfordringer_strategi:
        'Vi vil styrke arbejdet med børn i udsatte positioner i alle vores dagtilbud og bruge forløbet til en fælles strategi for læringsmiljøerne.',
      ledelsesopbakning: 'on',
      privatliv: 'on',
    },
    applicants: {
      js: {
        forvaltning: 'Børn og Unge, Aarhus Kommune',
        kontakt_navn: 'Karen Østergaard Lund',
        kontakt_stilling: 'Pædagogisk konsulent',
        kontakt_email: 'karen.lund@aarhus.example.dk',
        dagtilbud_navne: 'Børnehuset Kastanjen\nVuggestuen Mariehønen',
      },
      plain: {
        forvaltning: 'Børne- og Ungeforvaltningen Aarhus',
        kontakt_navn: 'Jens Peter Ågård',
        kontakt_stilling: 'Dagtilbudschef',
        kontakt_email: 'jens.agaard@aarhus.example.dk',
        dagtilbud_navne: 'Dagplejen Vest\nBørnehaven Skovbrynet',
      },
    },
    invalid: { field: 'kontakt_telefon', typed: '12 34 56 78', code: 'not_danish' },
    stored: { kontakt_telefon: '+4522334455', kommune: '751', antal_dagtilbud: 12, antal_boern: 1200, andel_dagpleje: 25, privatliv: true },
  },
};

let S = SCENARIOS.serve;
const action = () => `/api/applications/${S.form}`;

const usage = makeUsage(
  'api-e2e',
  [
    'usage: node api-e2e.mjs --stack serve --site-gen PATH --form-handler PATH [--chromium PATH] [--timeout SECONDS]',
    '       node api-e2e.mjs --stack lambda --site DIR --lambda PATH --form-handler PATH [--chromium PATH] [--timeout SECONDS]',
  ].join('\n'),
);

function parseArgs(argv) {
  const opts = { stack: 'serve', siteGen: null, site: null, lambda: null, formHandler: null, chromium: DEFAULT_CHROMIUM, timeoutS: 240 };
  readArgs(argv, opts, {
    '--stack': ['stack'],
    '--lambda': ['lambda', path.resolve],
    '--site-gen': ['siteGen', path.resolve],
    '--site': ['site', path.resolve],
    '--form-handler': ['formHandler', path.resolve],
    ...BROWSER_ARGS,
  }, usage);
  if (!Object.hasOwn(SCENARIOS, opts.stack)) usage(`--stack must be serve or lambda, not ${show(opts.stack)}`);
  if (!opts.formHandler) usage('--form-handler is required (cargo build -p form-handler)');
  if (opts.stack === 'serve' && !opts.siteGen) usage('--site-gen is required with --stack serve (cargo build -p site-gen --features dynamodb)');
  if (opts.stack === 'lambda' && !opts.site) usage('--site is required with --stack lambda (a site built by site-gen for today)');
  if (opts.stack === 'lambda' && !opts.lambda) usage('--lambda is required with --stack lambda (the api binary: cargo build -p form-handler)');
  if (opts.stack === 'lambda' && !fs.existsSync(path.join(opts.site, 'index.html'))) usage(`no built site at ${opts.site}`);
  for (const bin of [opts.siteGen, opts.lambda, opts.formHandler].filter(Boolean)) if (!fs.existsSync(bin)) usage(`no binary at ${bin}`);
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
  // lambda: its Function URL and runtime API, the function's process and what it wrote, the
  // CloudFront server.
  functionUrl: null,
  lambda: null,
  lambdaLog: '',
  cloudfront: null,
  browser: null,
  children: new Set(),
  cleaned: false,
};

// The AWS region everything here runs in (moto keeps regions apart).
const REGION = 'eu-north-1';

// What the AWS SDK needs to reach moto.
function motoEnv(motoPort) {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${motoPort}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function awsEnv(motoPort) {
  return { ...process.env, ...motoEnv(motoPort), APPLICATIONS_TABLE: TABLE };
}

async function cleanup() {
  if (state.cleaned) return;
  state.cleaned = true;
  await closeBrowser(state);
  await closeAll({ children: state.children });
  await stopChild(state.server, 'SIGINT');
  await stopChild(state.lambda, 'SIGTERM');
  await state.functionUrl?.close();
  if (state.cloudfront) await closeAll({ servers: [state.cloudfront] });
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
    date: S.date,
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

// The table as the template defines it: keys, index, stream and TTL (not its encryption with
// the stack's KMS key, which moto has no part in here).
async function createTableFromTemplate(endpoint, table) {
  const call = (target, body) => awsJson(endpoint, `DynamoDB_20120810.${target}`, body, { region: REGION });
  const definition = { TableName: TABLE, BillingMode: table.BillingMode, AttributeDefinitions: table.AttributeDefinitions, KeySchema: table.KeySchema };
  if (table.GlobalSecondaryIndexes) definition.GlobalSecondaryIndexes = table.GlobalSecondaryIndexes;
  if (table.StreamSpecification) definition.StreamSpecification = { StreamEnabled: true, ...table.StreamSpecification };
  await call('CreateTable', definition);
  if (table.TimeToLiveSpecification) await call('UpdateTimeToLive', { TableName: TABLE, TimeToLiveSpecification: table.TimeToLiveSpecification });
}

// The production stack, shaped here (see the header): resolves {origin, apiUrl, shape}.
async function startLambdaStack(opts, motoPort) {
  const shape = stackShape({ tableName: TABLE });
  await createTableFromTemplate(`http://127.0.0.1:${motoPort}`, shape.table);
  const lambda = await startFunctionUrl({ functionName: 'api' });
  state.functionUrl = lambda;
  // The Lambda's environment is the template's, the runtime's and the SDK's standard
  // variables (moto instead of AWS); nothing else of this machine's.
  const env = { ...shape.env, ...lambda.env, ...shape.functionEnv, ...motoEnv(motoPort) };
  const child = spawn(opts.lambda, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  state.lambda = child;
  child.stdout.on('data', (d) => (state.lambdaLog += d));
  child.stderr.on('data', (d) => (state.lambdaLog += d));
  child.once('exit', (code, sig) => (state.lambdaLog += `\n[the function exited (${sig || code})]\n`));
  const apiUrl = lambda.url;
  const { server, baseUrl } = await startCloudFront({ shape, siteDir: opts.site, apiUrl });
  state.cloudfront = server;
  return { origin: baseUrl, apiUrl, shape };
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

// axe (WCAG 2.2 A+AA, 1280 and 375 px) runs: each within 60 s.
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

const fid = (field) => `#f-${S.form}-${field}`;

// Fills the form as a person would: picks the radio button and the select option, types the
// texts, ticks the boxes (`S.values`, the applicant's own fields, then `overrides`).
async function fillValid(page, applicant, overrides = {}) {
  const v = { ...S.values, ...applicant, ...overrides };
  for (const [field, value] of Object.entries(v)) {
    const radio = page.locator(`input[type=radio][name="${field}"]`);
    if ((await radio.count()) > 0) {
      await radio.and(page.locator(`[value="${value}"]`)).check();
      continue;
    }
    const control = page.locator(fid(field));
    const kind = await control.evaluate((el) => (el.tagName === 'SELECT' ? 'select' : el.type));
    if (kind === 'select') await control.selectOption(value);
    else if (kind === 'checkbox') await control.check();
    else await control.fill(value);
  }
  return v;
}

// The message of `code` on `field` of `form`, from the table the validator is pinned to.
function message(form, field, code) {
  const table = fs.readFileSync(path.join(REPO, 'form-handler', 'model', 'tests', 'messages.txt'), 'utf8');
  const line = table.split('\n').find((l) => l.startsWith(`${form}\t${field}\t${code}\t`));
  if (!line) throw new Error(`form-handler/model/tests/messages.txt has no ${code} message for ${form}.${field}`);
  return line.split('\t')[3];
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
  const out = { reference: null, file: null, round: null };
  const { context, page, errors, posts } = await openContext(origin);
  try {
    const resp = await page.goto(origin + S.page, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if (!resp || resp.status() !== 200) throw new Error(`${S.page}: HTTP ${resp ? resp.status() : 'no response'}`);

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
      await fillValid(page, S.applicants.js);
      const t0 = performance.now();
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action(), { timeout: STEP_TIMEOUT_MS });
      answer.catch(() => {}); // when a step before `await answer` throws
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
      if (body && !/^\d{4}-\d{2}$/.test(body.round ?? '')) problems.push(`round ${show(body.round)}, not YYYY-MM`);
      out.round = body?.round ?? null;
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
  const isInvalidPost = (r) => r.status() === 422 && r.request().method() === 'POST' && new URL(r.url()).pathname === action();
  const { context, page, errors, posts } = await openContext(origin, { js: false, allowed: isInvalidPost });
  const wrong = S.invalid;
  const wrongMessage = message(S.form, wrong.field, wrong.code);
  try {
    const resp = await page.goto(origin + S.page, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if (!resp || resp.status() !== 200) throw new Error(`${S.page}: HTTP ${resp ? resp.status() : 'no response'}`);

    let entered = null;
    let invalid = null;
    await check(`JavaScript off: ${wrong.field} ${show(wrong.typed)} gives the 422 page: summary above the h1 focused (autofocus), values kept, the ${wrong.code} message`, async () => {
      const problems = [];
      await fillValid(page, S.applicants.plain, { [wrong.field]: wrong.typed });
      entered = await formValues(page);
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action(), { timeout: STEP_TIMEOUT_MS });
      answer.catch(() => {}); // when a step before `await answer` throws
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
        if (show(s.links) !== show([fid(wrong.field)])) problems.push(`summary links ${show(s.links)}, want only ${wrong.field}`);
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
      }, fid(wrong.field));
      if (inline.invalid !== 'true' || !inline.describedby.split(' ').includes(`f-${S.form}-${wrong.field}-error`) || !inline.message?.startsWith('Fejl:')) {
        problems.push(`inline ${wrong.field} error ${show(inline)}`);
      }
      if (!inline.message?.endsWith(wrongMessage)) problems.push(`inline message ${show(inline.message)}, want the ${wrong.code} message ${show(wrongMessage)}`);
      if (!(await page.title()).startsWith('Fejl: ')) problems.push(`title ${show(await page.title())}`);
      return { problems, info: `saved ${path.basename(file)}` };
    });

    await check('JavaScript off: axe finds no violation on the 422 page', async () => {
      if (!invalid) return ['the 422 page was not saved'];
      return axeOnServedCopy(origin, invalid.url, 422, invalid.html);
    });

    let receiptUrl = null;
    let receiptHtml = '';
    await check(`JavaScript off: the fixed ${wrong.field} gives a 303 to the receipt page with the reference`, async () => {
      const problems = [];
      await page.locator(fid(wrong.field)).fill(S.values[wrong.field]);
      const t0 = performance.now();
      const answer = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().includes(`${action()}/kvittering/`), { timeout: STEP_TIMEOUT_MS });
      answer.catch(() => {}); // when a step before `await answer` throws
      await submit(page);
      const r = await answer;
      await page.waitForLoadState('load');
      const ms = Math.round(performance.now() - t0);
      const from = r.request().redirectedFrom();
      const post = from ? await from.response() : null;
      if (!from || from.method() !== 'POST' || new URL(from.url()).pathname !== action()) problems.push(`the receipt was not reached by a redirect from the POST (${show(from && from.url())})`);
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
      for (const value of personalData(S.applicants.plain)) if (text.includes(value)) problems.push(`contains ${show(value)}`);
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

// What an applicant typed about themselves and their work, as it could appear anywhere: each
// personal field (and each of its lines), the phone number as typed and as stored, and the
// free texts (their first 40 characters).
function personalData(applicant) {
  const out = new Set(['+4522334455', '22334455', S.values.kontakt_telefon]);
  for (const value of Object.values(applicant)) for (const line of [value, ...value.split('\n')]) out.add(line);
  for (const value of Object.values(S.values)) if (value.length > 40) out.add(value.slice(0, 40));
  return [...out].filter((v) => v.length >= 6);
}

async function exportApplications(formHandler, motoPort) {
  const r = await run(formHandler, ['export', '--form', S.form, '--format', 'json'], { env: awsEnv(motoPort) });
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
    // serve: the day is fixed; lambda: today's round, as the handler answered the script.
    const round = S.date ? S.date.slice(0, 7) : refs.round;
    for (const [how, ref, keyPrefix, applicant] of [
      ['JavaScript', refs.js, 'client:', S.applicants.js],
      ['plain HTML', refs.plain, 'content:', S.applicants.plain],
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
        form_id: [a.form_id, S.form],
        round: [a.round, round],
        form_version: [a.form_version, S.version],
      };
      for (const [field, value] of Object.entries(S.stored)) want[`fields.${field}`] = [f[field], value];
      const lines = (text) => (typeof text === 'string' ? text.replace(/\r\n/g, '\n') : text);
      for (const [field, value] of Object.entries(applicant)) want[`fields.${field}`] = [lines(f[field]), value];
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
  let apiUrl = null;
  const serverOk =
    opts.stack === 'serve'
      ? await check(`site-gen serve --date ${S.date} starts with DynamoDB table ${TABLE}`, async () => {
          const s = await startSiteGen(opts.siteGen, motoPort);
          origin = s.origin;
          if (s.problems.length) console.log(tail(state.serverLog, 15, '  server: '));
          return { problems: s.problems, info: origin };
        })
      : await check('the stack starts: the table as the template defines it, the Lambda runtime API and Function URL, the api Lambda binary, the CloudFront-shaped server', async () => {
          const s = await startLambdaStack(opts, motoPort);
          origin = s.origin;
          apiUrl = s.apiUrl;
          return { problems: [], info: `${origin}, API origin ${apiUrl}` };
        });
  if (!serverOk) return;

  state.browser = await launchChromium(opts.chromium);

  const saveDir = tempDir('api-e2e-html-');
  state.tmp.push(saveDir);

  const js = await withJavaScript(origin, saveDir);
  const plain = await withoutJavaScript(origin, saveDir, opts.formHandler, motoPort);
  if (js.reference && js.reference === plain.reference) record('the two applications have different references', [`both ${js.reference}`]);
  if (opts.stack === 'lambda') await aroundCloudFront(apiUrl);
  await checkTable(opts.formHandler, motoPort, { js: js.reference, plain: plain.reference, round: js.round });
  await checkVnu('Nu HTML checker: no error on the 422 page and the receipt page as served', plain.files, ['invalid-422.html', 'receipt.html']);
  await checkVnu('Nu HTML checker: no error in the DOM of the form page with the script\'s receipt', js.file ? [js.file] : [], ['receipt-script-dom.html']);

  if (opts.stack === 'lambda') await checkLambdaLog();

  if (results.failed) printServerLog(30);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// A valid post straight to the Lambda's own address, as anyone but CloudFront would send it:
// no origin secret, so 403 and nothing stored (checkTable counts the applications after it).
async function aroundCloudFront(apiUrl) {
  await check('lambda: a post straight to the Lambda, around CloudFront (no origin secret), gets 403', async () => {
    const body = new URLSearchParams({ ...S.values, ...S.applicants.js, kontakt_navn: 'Around CloudFront' });
    const r = await fetch(`${apiUrl}${action()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    });
    await r.arrayBuffer();
    return r.status === 403 ? [] : [`answered ${r.status}, want 403`];
  });
}

// What the function wrote while it served the test: JSON lines only, an `application` line for
// each post that reached it (the script's, the invalid plain one, the fixed plain one), and
// nothing any applicant typed.
async function checkLambdaLog() {
  await check('lambda: every line the function logged is JSON, one per post, none with what the applicants typed', async () => {
    const problems = [];
    const lines = state.lambdaLog.split('\n').filter((l) => l.trim());
    const outcomes = [];
    for (const line of lines) {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        problems.push(`not JSON: ${line.slice(0, 200)}`);
        continue;
      }
      if (entry.fields?.message === 'application') outcomes.push(entry.fields.outcome);
    }
    if (show(outcomes) !== show(['stored', 'invalid', 'stored'])) problems.push(`application lines with outcomes ${show(outcomes)}, want ["stored","invalid","stored"]`);
    const typed = [...personalData(S.applicants.js), ...personalData(S.applicants.plain), 'Around CloudFront', S.invalid.typed];
    for (const value of typed) if (state.lambdaLog.includes(value)) problems.push(`the log holds ${show(value)}`);
    return { problems, info: `${lines.length} lines` };
  });
}

const opts = parseArgs(process.argv.slice(2));
S = SCENARIOS[opts.stack];
const printServerLog = (lines = 15) => {
  if (state.serverLog) console.log(tail(state.serverLog, lines, '  server: '));
  if (state.lambdaLog) console.log(tail(state.lambdaLog, lines, '  function: '));
};

await runTest({
  name: `api-e2e (${opts.stack})`,
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
