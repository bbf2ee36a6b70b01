#!/usr/bin/env node
// The application forms in headless Chromium: templates/static/js/form.js against the HTML of
// form-handler/model/src/render.rs.
//
//   node form-test.mjs --dir SITE [--today-dir SITE] [--bin PATH_TO_SITE_GEN] [--chromium PATH]
//                      [--timeout SECONDS]
//
// --dir is a site built for 2019-03-01 (both forms open). --today-dir is a site built for
// today; without it the test builds one with --bin (default target/debug/site-gen) in a
// temporary folder. Checks:
//   1. agreement: window.SiteForms.validate(rules, post) gives exactly the errors (field, code,
//      message, in order) of every case in form-handler/model/tests/validation-cases.json;
//   2. on /minivejledningsforloeb/: an empty submit shows the error summary before the h1 (one
//      link per error, focused, title "Fejl: ..."), inline errors with aria-invalid and
//      aria-describedby; a summary link focuses its field; the conditional fields hide, show
//      and become required with the answer to "Hvem søger?";
//   3. a valid submit POSTs urlencoded to /api/applications/minivejledning with an
//      Idempotency-Key (the same on a retry, a new one for changed content), hidden
//      conditional fields left out; the static server's 405 gives a send error, the button back and the values kept; mocked answers:
//      201 gives the receipt, 422 the returned errors, 503 its message, a network failure the
//      default message;
//   4. without JavaScript: a plain form (method post, action), every control labelled;
//   5. axe (WCAG 2.2 A+AA) with no violations in the error and send-error states;
//   6. the site for today: the closed mini-course form, the open one-year form; form.js only
//      on pages with a form.
// Ends with one line `N passed, M failed`; exit 1 on any failure.

import fs from 'node:fs';
import path from 'node:path';
import {
  BROWSER_ARGS,
  DEFAULT_CHROMIUM,
  NAV_TIMEOUT_MS,
  REPO,
  Results,
  axeViolations,
  checkTimeout,
  closeAll,
  collapse,
  defaultSiteGenBin,
  launchChromium,
  makeUsage,
  openWatched,
  readArgs,
  runCommand,
  runTest,
  show,
  tempDir,
} from './lib.mjs';
import { startServer } from './server.mjs';

const CASES_FILE = path.join(REPO, 'form-handler', 'model', 'tests', 'validation-cases.json');
const STEP_TIMEOUT_MS = 5_000;
const MINI = '/minivejledningsforloeb/';
const ETAARIG = '/etaarige-forloeb/';
const FORM_PAGES = { minivejledning: MINI, 'etaarigt-forloeb': ETAARIG };
const SEND_FAILED = 'Ansøgningen blev ikke sendt. Prøv igen om lidt.';
const FORM_CHANGED = 'Skemaet er blevet ændret, siden du åbnede siden. Hent siden igen, og send ansøgningen derfra.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const usage = makeUsage(
  'form-test',
  'usage: node form-test.mjs --dir SITE [--today-dir SITE] [--bin PATH_TO_SITE_GEN] [--chromium PATH] [--timeout SECONDS]',
);

function parseArgs(argv) {
  const opts = {
    dir: null,
    todayDir: null,
    bin: defaultSiteGenBin(),
    chromium: DEFAULT_CHROMIUM,
    timeoutS: 300,
  };
  readArgs(argv, opts, {
    '--dir': ['dir', path.resolve],
    '--today-dir': ['todayDir', path.resolve],
    '--bin': ['bin', path.resolve],
    ...BROWSER_ARGS,
  }, usage);
  if (!opts.dir) usage('--dir is required');
  for (const d of [opts.dir, opts.todayDir]) {
    if (d && !(fs.existsSync(d) && fs.statSync(d).isDirectory())) usage(`not a directory: ${d}`);
  }
  if (!opts.todayDir && !fs.existsSync(opts.bin)) usage(`no --today-dir and no site-gen binary at ${opts.bin}`);
  checkTimeout(opts, usage);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Results

const results = new Results();
const record = (name, problems) => results.record(name, problems);
// Runs one named check; `fn` returns a list of problems (or throws one).
const check = (name, fn) => results.check(name, fn);

// ---------------------------------------------------------------------------------------------
// Site and browser

const state = { servers: [], browser: null, children: new Set(), tmp: null };

async function buildToday(bin) {
  const out = tempDir('form-test-today-');
  state.tmp = out;
  const r = await runCommand(bin, ['build', '--output', out], { cwd: REPO, children: state.children });
  if (r.error) throw r.error;
  if (r.code !== 0) throw new Error(`site-gen build for today exited with ${r.code}: ${collapse(r.out).slice(0, 400)}`);
  return out;
}

async function serve(dir) {
  const s = await startServer(dir);
  state.servers.push(s.server);
  return s.baseUrl;
}

async function cleanup() {
  const { browser, servers } = state;
  state.browser = null;
  state.servers = [];
  await closeAll({ children: state.children, browser, servers });
  if (state.tmp) {
    fs.rmSync(state.tmp, { recursive: true, force: true });
    state.tmp = null;
  }
}

// A fresh page; uncaught script errors and requests to other hosts are collected.
async function openPage(origin, urlPath, { js = true, width = 1280 } = {}) {
  const { context, page, errors } = await openWatched(state.browser, origin, { js, width, stepTimeoutMs: STEP_TIMEOUT_MS });
  const resp = await page.goto(origin + urlPath, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  if (!resp || resp.status() !== 200) throw new Error(`${urlPath}: HTTP ${resp ? resp.status() : 'no response'}`);
  return { context, page, errors };
}

// ---------------------------------------------------------------------------------------------
// Form helpers (run in the page)

const readRules = (page) => page.evaluate(() => JSON.parse(document.querySelector('script.form-rules').textContent));

// Fills the form with a post ({field: value}) the way a person would.
async function fillForm(page, rules, post) {
  for (const f of rules.fields) {
    const id = `f-${rules.form}-${f.id}`;
    const value = post[f.id] ?? '';
    if (f.type === 'radio') {
      if (value === '') continue;
      const i = f.options.findIndex((o) => o.value === value);
      await page.locator(`#${id}-${i}`).check();
    } else if (!(await page.locator(`#${id}`).isVisible())) {
      continue; // a conditional field the answers so far leave out
    } else if (f.type === 'checkbox') {
      await page.locator(`#${id}`).setChecked(value === 'on');
    } else if (f.type === 'select' || f.type === 'kommune') {
      await page.locator(`#${id}`).selectOption(value);
    } else {
      await page.locator(`#${id}`).fill(value);
    }
  }
}

// The value of every control of the form, for "nothing was lost".
const formValues = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('form.application-form input, form.application-form select, form.application-form textarea')].map(
      (el) => `${el.id}=${el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value}`,
    ),
  );

const submit = (page) => page.locator('form.application-form .form-submit').click();

// Waits for a POST to the form's action after `action` and returns it.
async function capturePost(page, action) {
  const req = page.waitForRequest((r) => r.url().includes('/api/applications/') && r.method() === 'POST', {
    timeout: STEP_TIMEOUT_MS,
  });
  await action();
  return req;
}

async function waitSendSettled(page) {
  await page.waitForFunction(
    () => {
      const b = document.querySelector('form.application-form .form-submit');
      return !b || b.getAttribute('aria-disabled') !== 'true';
    },
    null,
    { timeout: STEP_TIMEOUT_MS },
  );
}

// The error state of the page: summary, title, inline errors.
const errorState = (page, formId) =>
  page.evaluate((formId) => {
    const summary = document.querySelector('.form-error-summary');
    const h1 = document.querySelector('main h1');
    const fields = [...document.querySelectorAll(`form[data-form="${formId}"] .form-group[data-field]`)].map((g) => {
      const id = `f-${formId}-${g.dataset.field}`;
      const radio = g.querySelector('input[type=radio]');
      const input = radio || document.getElementById(id);
      const described = radio ? g.querySelector('fieldset') : input;
      const msg = document.getElementById(`${id}-error`);
      return {
        field: g.dataset.field,
        errorClass: g.classList.contains('form-group-error'),
        invalid: [...g.querySelectorAll('input, select, textarea')].map((el) => el.getAttribute('aria-invalid')),
        describedby: (described.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean),
        message: msg ? msg.textContent.replace(/\s+/g, ' ').trim() : null,
        messageInGroup: msg ? g.contains(msg) : null,
        prefixHidden: msg ? !!msg.querySelector('span.visually-hidden') : null,
      };
    });
    return {
      summary: summary
        ? {
            count: document.querySelectorAll('.form-error-summary').length,
            beforeH1: !!h1 && !!(summary.compareDocumentPosition(h1) & Node.DOCUMENT_POSITION_FOLLOWING),
            inMain: !!summary.closest('main'),
            role: summary.getAttribute('role'),
            tabindex: summary.getAttribute('tabindex'),
            heading: summary.querySelector('h2')?.textContent.trim(),
            links: [...summary.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })),
            focused: document.activeElement === summary,
          }
        : null,
      title: document.title,
      fields,
    };
  }, formId);

// ---------------------------------------------------------------------------------------------
// Checks

async function agreement(origin, cases) {
  let agreed = 0;
  let total = 0;
  for (const [formId, urlPath] of Object.entries(FORM_PAGES)) {
    const mine = cases.filter((c) => c.form === formId);
    await check(`agreement ${formId}: SiteForms.validate = the Rust validator on ${mine.length} cases`, async () => {
      const problems = [];
      if (mine.length === 0) return [`no case for ${formId} in ${CASES_FILE}`];
      const { context, page, errors } = await openPage(origin, urlPath);
      try {
        const got = await page.evaluate((posts) => {
          const rules = JSON.parse(document.querySelector('script.form-rules').textContent);
          return posts.map((post) => window.SiteForms.validate(rules, post));
        }, mine.map((c) => c.post));
        mine.forEach((c, i) => {
          total++;
          const want = c.errors.map((e) => ({ field: e.field, code: e.code, message: e.message }));
          const have = got[i].map((e) => ({ field: e.field, code: e.code, message: e.message }));
          if (show(want) === show(have)) agreed++;
          else problems.push(`case "${c.name}": want ${show(want)}, got ${show(have)}`);
        });
        problems.push(...errors);
      } finally {
        await context.close();
      }
      return problems;
    });
  }
  console.log(`agreement: ${agreed} of ${total} validation cases give the same errors in the browser`);
}

// Edge cases read off form-handler/model/src/values.rs and submission.rs (its unit tests and its
// semantics) that validation-cases.json does not pin: changes to the valid minivejledning post
// and the error codes the Rust validator gives for them ([] = valid).
const EDGE_CASES = [
  // Rust's trim() is Unicode White_Space: it trims U+0085 and keeps U+FEFF (JS trim() differs).
  [{ kommune: '\u0085580\u3000' }, []],
  [{ kommune: '\uFEFF580' }, [['kommune', 'unknown']]],
  [{ by: '\u00a0\u2028 ' }, [['by', 'required']]],
  // Lengths in characters after NFC, code points not UTF-16 units.
  [{ by: 'e\u0301'.repeat(100) }, []],
  [{ by: 'e\u0301'.repeat(101) }, [['by', 'too_long']]],
  [{ by: '\u{1F600}'.repeat(100) }, []],
  [{ udfordring: '\u{1F600}'.repeat(49) }, [['udfordring', 'too_short']]],
  // Checkboxes: on/true/1/ja/yes in any ASCII case, trimmed.
  [{ ledelsesopbakning: ' JA ', privatliv: 'True', bestyrelsesopbakning: 'YES' }, []],
  [{ ledelsesopbakning: 'nej', privatliv: '0' }, [['ledelsesopbakning', 'required'], ['privatliv', 'required']]],
  // required_when compares the other field's trimmed value; a field not sent is empty.
  [{ ansoegertype: 'kommune', institution: '', bestyrelsesopbakning: '', deltagende_dagtilbud: 'Børnehuset Solsikken' }, []],
  [{ ansoegertype: 'kommune', institution: '', bestyrelsesopbakning: '', deltagende_dagtilbud: ' ' }, [['deltagende_dagtilbud', 'required']]],
  [{ ansoegertype: ' privat ', institution: '', bestyrelsesopbakning: '' }, [['institution', 'required'], ['bestyrelsesopbakning', 'required']]],
  [{ ansoegertype: 'kommunalt', institution: undefined, bestyrelsesopbakning: undefined }, [['institution', 'required']]],
  [{ ansoegertype: 'Kommune' }, [['ansoegertype', 'unknown']]],
  // CVR: spaces and a DK prefix, modulus 11 with weights 2,7,6,5,4,3,2,1; each rule its own kind.
  [{ cvr: 'DK 1010 3940' }, []],
  [{ cvr: '12345674' }, []],
  [{ cvr: '12345675' }, [['cvr', 'checksum']]],
  [{ cvr: 'dk10103940' }, []],
  [{ cvr: '1010394a' }, [['cvr', 'characters']]],
  [{ cvr: '01010394' }, [['cvr', 'leading_zero']]],
  [{ cvr: '1010\u00a03940' }, []],
  [{ cvr: '1010-3940' }, []],
  [{ cvr: '12345674' }, []],
  // Phone numbers.
  [{ kontakt_telefon: '(+45) 22.33.44.55' }, []],
  [{ kontakt_telefon: '+45\u00a022334455' }, []],
  [{ kontakt_telefon: '12 34 56 78' }, [['kontakt_telefon', 'not_danish']]],
  [{ kontakt_telefon: '+46 22334455' }, [['kontakt_telefon', 'not_danish']]],
  [{ kontakt_telefon: 'tlf 22334455' }, [['kontakt_telefon', 'characters']]],
  [{ kontakt_telefon: '223344556' }, [['kontakt_telefon', 'format']]],
  // Postcodes.
  [{ postnummer: '0800' }, []],
  [{ postnummer: '0000' }, [['postnummer', 'unknown']]],
  [{ postnummer: '８０００' }, [['postnummer', 'characters']]],
  [{ postnummer: '800' }, [['postnummer', 'format']]],
  // E-mail addresses (values.rs tests).
  [{ kontakt_email: 'Anne.Hansen@Kommune.DK' }, []],
  // Before the last @ only ASCII letters, digits and . - _ + ' (values.rs EMAIL_LOCAL_SIGNS).
  ...['a@b@c.dk', 'a b@c.dk', '=?utf-8?q?x?=@c.dk', `${'ø'.repeat(33)}@b.dk`].map((e) => [
    { kontakt_email: e },
    [['kontakt_email', 'characters']],
  ]),
  // The domain as the browser's URL parser maps it (UTS 46), then DNS's limits.
  [{ kontakt_email: 'anne@ｅｘａｍｐｌｅ.dk' }, []],
  [{ kontakt_email: 'anne@xn--blehaven-i0a.dk' }, []],
  ...['a', 'a@', '@b.dk', 'a@b', 'a@b.d', 'a@x_y.dk', 'a@b..dk', 'a@-b.dk', '.a@b.dk', 'a..b@c.dk', 'a@b.dk.', 'a@b.1k'].map((e) => [
    { kontakt_email: e },
    [['kontakt_email', 'format']],
  ]),
  [{ kontakt_email: `${'a'.repeat(65)}@b.dk` }, [['kontakt_email', 'format']]],
  [{ kontakt_email: `a@${'b'.repeat(250)}.dk` }, [['kontakt_email', 'too_long']]],
];

async function edgeCases(origin) {
  await check(`edge cases from values.rs/submission.rs: ${EDGE_CASES.length} posts`, async () => {
    const problems = [];
    const { context, page, errors } = await openPage(origin, MINI);
    try {
      const rules = await readRules(page);
      const base = {};
      for (const f of rules.fields) base[f.id] = '';
      Object.assign(base, {
        ansoegertype: 'selvejende', institution: 'Tekst', cvr: '10103940', kommune: '580', adresse: 'Tekst', postnummer: '8000',
        by: 'Tekst', kontakt_navn: 'Tekst', kontakt_stilling: 'Tekst', kontakt_email: 'anne@example.dk',
        kontakt_telefon: '22 33 44 55', udfordring: 'Tekst '.repeat(10), ledelsesopbakning: 'on',
        bestyrelsesopbakning: 'on', privatliv: 'on',
      });
      const posts = EDGE_CASES.map(([change]) => {
        const post = { ...base, ...change };
        for (const [k, v] of Object.entries(change)) if (v === undefined) delete post[k];
        return post;
      });
      const got = await page.evaluate(
        ({ rules, posts }) => posts.map((p) => window.SiteForms.validate(rules, p)),
        { rules, posts },
      );
      EDGE_CASES.forEach(([change, want], i) => {
        const have = got[i].map((e) => [e.field, e.code]);
        const messagesOk = got[i].every((e) => e.message === rules.fields.find((f) => f.id === e.field).messages[e.code]);
        if (show(have) !== show(want) || !messagesOk) problems.push(`${show(change)}: want ${show(want)}, got ${show(got[i])}`);
      });
      problems.push(...errors);
    } finally {
      await context.close();
    }
    return problems;
  });
}

async function behaviour(origin, cases) {
  const rulesOf = {};
  const emptyCase = cases.find((c) => c.form === 'minivejledning' && c.name === 'empty');
  const validCase = cases.find((c) => c.form === 'minivejledning' && c.name === 'valid');
  if (!emptyCase || !validCase) {
    record('minivejledning cases "empty" and "valid" exist', ['missing in validation-cases.json']);
    return;
  }
  const { context, page, errors } = await openPage(origin, MINI);
  try {
    rulesOf.mini = await readRules(page);
    const rules = rulesOf.mini;
    const expected = emptyCase.errors;

    await check('empty submit: error summary above the h1, focused, one link per error; title "Fejl: "', async () => {
      const problems = [];
      await submit(page);
      await page.waitForSelector('.form-error-summary', { timeout: STEP_TIMEOUT_MS });
      const s = await errorState(page, rules.form);
      if (!s.summary) return ['no .form-error-summary'];
      if (!s.summary.beforeH1) problems.push('the summary is not before main h1');
      if (!s.summary.inMain) problems.push('the summary is not in main');
      if (s.summary.role !== 'alert') problems.push(`role=${show(s.summary.role)}`);
      if (s.summary.tabindex !== '-1') problems.push(`tabindex=${show(s.summary.tabindex)}`);
      if (s.summary.heading !== 'Der er et problem') problems.push(`heading ${show(s.summary.heading)}`);
      if (!s.summary.focused) problems.push('document.activeElement is not the summary');
      if (s.summary.links.length !== expected.length) {
        problems.push(`${s.summary.links.length} links, want ${expected.length} (the "empty" case)`);
      }
      expected.forEach((e, i) => {
        const f = rules.fields.find((x) => x.id === e.field);
        const href = `#f-${rules.form}-${e.field}${f.type === 'radio' ? '-0' : ''}`;
        const l = s.summary.links[i];
        if (!l || l.href !== href || l.text !== e.message) {
          problems.push(`link ${i + 1}: ${show(l)}, want ${show({ href, text: e.message })}`);
        }
      });
      if (!s.title.startsWith('Fejl: ')) problems.push(`title ${show(s.title)}`);
      // A second submit replaces the summary and does not prefix the title twice.
      await submit(page);
      const again = await errorState(page, rules.form);
      if (again.summary?.count !== 1) problems.push(`${again.summary?.count ?? 0} summaries after a second submit, want 1`);
      if (again.title.startsWith('Fejl: Fejl: ')) problems.push(`title prefixed twice: ${show(again.title)}`);
      if (!again.summary?.focused) problems.push('the summary is not focused after a second submit');
      return problems;
    });

    await check('empty submit: inline errors with aria-invalid, aria-describedby and "Fejl:"', async () => {
      const problems = [];
      const s = await errorState(page, rules.form);
      const wanted = new Map(expected.map((e) => [e.field, e.message]));
      for (const f of s.fields) {
        const errorId = `f-${rules.form}-${f.field}-error`;
        if (wanted.has(f.field)) {
          const msg = wanted.get(f.field);
          if (!f.errorClass) problems.push(`${f.field}: no form-group-error`);
          if (!f.invalid.every((v) => v === 'true')) problems.push(`${f.field}: aria-invalid ${show(f.invalid)}`);
          if (!f.describedby.includes(errorId)) problems.push(`${f.field}: aria-describedby ${show(f.describedby)} lacks ${errorId}`);
          if (f.message !== `Fejl: ${msg}`) problems.push(`${f.field}: message ${show(f.message)}, want ${show(`Fejl: ${msg}`)}`);
          if (!f.prefixHidden) problems.push(`${f.field}: "Fejl:" is not in span.visually-hidden`);
          if (!f.messageInGroup) problems.push(`${f.field}: the message is outside its form-group`);
        } else if (f.errorClass || f.message !== null || f.invalid.some((v) => v !== null)) {
          problems.push(`${f.field}: shows an error it does not have`);
        }
      }
      // Placement as render.rs: after the hint, inside the fieldset, before the checkbox row.
      const order = await page.evaluate((form) => {
        const id = (f) => `f-${form}-${f}`;
        const e = (f) => document.getElementById(`${id(f)}-error`);
        const follows = (a, b) => !!(a && b && a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
        return {
          radio: !!e('ansoegertype')?.closest('fieldset') && follows(document.getElementById(`${id('ansoegertype')}-hint`), e('ansoegertype')) && follows(e('ansoegertype'), document.getElementById(`${id('ansoegertype')}-0`)),
          checkbox: e('ledelsesopbakning')?.nextElementSibling?.classList.contains('form-checkbox') === true && follows(document.getElementById(`${id('ledelsesopbakning')}-hint`), e('ledelsesopbakning')),
          text: e('cvr')?.nextElementSibling === document.getElementById(id('cvr')) && follows(document.getElementById(`${id('cvr')}-hint`), e('cvr')),
        };
      }, rules.form);
      for (const [k, ok] of Object.entries(order)) if (!ok) problems.push(`the ${k} error message is not placed as render.rs places it`);
      return problems;
    });

    await check('axe: no violations with the summary and inline errors shown', async () => {
      const v = await axeViolations(page);
      const s = await errorState(page, rules.form);
      return s.summary ? v : ['the error state is gone', ...v];
    });

    await check('a summary link focuses its field and brings its label, hint and message into view', async () => {
      const problems = [];
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator(`.form-error-summary a[href="#f-${rules.form}-cvr"]`).click();
      // The page may scroll smoothly (scroll-behavior): wait for the label to arrive.
      const inView = (sel) =>
        page
          .waitForFunction(
            (sel) => {
              const el = document.querySelector(sel);
              const r = el ? el.getBoundingClientRect() : null;
              return !!r && r.top >= 0 && r.bottom <= window.innerHeight;
            },
            sel,
            { timeout: STEP_TIMEOUT_MS },
          )
          .catch(() => {});
      await inView(`label[for="f-${rules.form}-cvr"]`);
      const st = await page.evaluate((id) => {
        const label = document.querySelector(`label[for="${id}"]`);
        const r = label.getBoundingClientRect();
        return { active: document.activeElement?.id, labelVisible: r.top >= 0 && r.bottom <= window.innerHeight, hash: location.hash };
      }, `f-${rules.form}-cvr`);
      if (st.active !== `f-${rules.form}-cvr`) problems.push(`focus is on #${st.active}`);
      if (!st.labelVisible) problems.push('the CVR label is not in view');
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.locator(`.form-error-summary a[href="#f-${rules.form}-ansoegertype-0"]`).click();
      await inView(`#f-${rules.form}-ansoegertype legend`);
      const radio = await page.evaluate(() => {
        const legend = document.activeElement?.closest('fieldset')?.querySelector('legend');
        const r = legend ? legend.getBoundingClientRect() : null;
        return { active: document.activeElement?.id, legendVisible: !!r && r.top >= 0 && r.bottom <= window.innerHeight };
      });
      if (radio.active !== `f-${rules.form}-ansoegertype-0`) problems.push(`radio link: focus is on #${radio.active}`);
      if (!radio.legendVisible) problems.push('radio link: the legend is not in view');
      // A checkbox has its hint and message above its label: the whole question in view
      // (in a low window, so that the page can scroll the label to the very top).
      const viewport = page.viewportSize();
      await page.setViewportSize({ width: viewport.width, height: 360 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const box = `f-${rules.form}-ledelsesopbakning`;
      await page.locator(`.form-error-summary a[href="#${box}"]`).click();
      // Smooth scrolling passes everything through the view: wait until it stops.
      for (let last = -1, now = 0, i = 0; i < 100; i++, last = now) {
        await page.waitForTimeout(50);
        now = await page.evaluate(() => window.scrollY);
        if (now === last) break;
      }
      const checkbox = await page.evaluate((id) => {
        const group = document.getElementById(id)?.closest('.form-group');
        const parts = group ? [...group.querySelectorAll('.form-error-message, .form-hint, label')] : [];
        return {
          active: document.activeElement?.id,
          parts: parts.length,
          outOfView: parts.filter((el) => {
            const r = el.getBoundingClientRect();
            return r.top < 0 || r.bottom > window.innerHeight;
          }).map((el) => el.className || el.tagName),
        };
      }, box);
      if (checkbox.active !== box) problems.push(`checkbox link: focus is on #${checkbox.active}`);
      if (checkbox.parts < 2 || checkbox.outOfView.length) problems.push(`checkbox link: out of view: ${show(checkbox.outOfView)} (of ${checkbox.parts})`);
      await page.setViewportSize(viewport);
      return problems;
    });

    const groupState = () =>
      page.evaluate((form) => {
        const out = {};
        for (const f of ['institution', 'bestyrelsesopbakning', 'deltagende_dagtilbud']) {
          const g = document.querySelector(`form[data-form="${form}"] .form-group[data-field="${f}"]`);
          const input = document.getElementById(`f-${form}-${f}`);
          out[f] = {
            hidden: g.hidden,
            visible: input.checkVisibility ? input.checkVisibility() : input.offsetParent !== null,
            required: input.required,
            ariaRequired: input.getAttribute('aria-required'),
          };
        }
        return out;
      }, rules.form);

    await check('conditional fields: "Kommune" hides institution and bestyrelsesopbakning and asks for the participating daycare', async () => {
      const problems = [];
      await page.locator(`#f-${rules.form}-ansoegertype-3`).check();
      const { deltagende_dagtilbud: d, ...g } = await groupState();
      if (d.hidden || !d.visible || !d.required || d.ariaRequired !== 'true') problems.push(`deltagende_dagtilbud: ${show(d)}`);
      for (const [f, s] of Object.entries(g)) {
        if (!s.hidden || s.visible) problems.push(`${f}: hidden=${s.hidden}, visible=${s.visible}`);
        if (s.required || s.ariaRequired !== null) problems.push(`${f}: required=${s.required} aria-required=${show(s.ariaRequired)} while hidden`);
      }
      return problems;
    });

    await check('conditional fields: "Selvejende dagtilbud" shows them, required', async () => {
      const problems = [];
      await page.locator(`#f-${rules.form}-ansoegertype-0`).check();
      const { deltagende_dagtilbud: d, ...g } = await groupState();
      if (!d.hidden || d.visible || d.required) problems.push(`deltagende_dagtilbud is asked for: ${show(d)}`);
      for (const [f, s] of Object.entries(g)) {
        if (s.hidden || !s.visible) problems.push(`${f}: hidden=${s.hidden}, visible=${s.visible}`);
        if (!s.required || s.ariaRequired !== 'true') problems.push(`${f}: required=${s.required} aria-required=${show(s.ariaRequired)}`);
      }
      await page.locator(`#f-${rules.form}-ansoegertype-2`).check();
      const k = await groupState();
      if (k.institution.hidden || !k.institution.required) problems.push('"Kommunalt dagtilbud": institution is not shown and required');
      if (!k.bestyrelsesopbakning.hidden) problems.push('"Kommunalt dagtilbud": bestyrelsesopbakning is shown');
      if (!k.deltagende_dagtilbud.hidden) problems.push('"Kommunalt dagtilbud": deltagende_dagtilbud is shown');
      return problems;
    });

    let firstKey = null;
    await check('valid submit: urlencoded POST to /api/applications/minivejledning with an Idempotency-Key', async () => {
      const problems = [];
      await fillForm(page, rules, validCase.post);
      const req = await capturePost(page, () => submit(page));
      const url = new URL(req.url());
      if (req.method() !== 'POST') problems.push(`method ${req.method()}`);
      if (url.pathname !== '/api/applications/minivejledning') problems.push(`posted to ${url.pathname}`);
      const h = await req.allHeaders();
      if (!/^application\/x-www-form-urlencoded\b/.test(h['content-type'] || '')) problems.push(`Content-Type ${show(h['content-type'])}`);
      if (!/^application\/json\b/.test(h.accept || '')) problems.push(`Accept ${show(h.accept)}`);
      firstKey = h['idempotency-key'] || null;
      if (!UUID.test(firstKey || '')) problems.push(`Idempotency-Key ${show(firstKey)} is not a UUID`);
      const body = new URLSearchParams(req.postData() || '');
      // Every field the answers ask for; a conditional field they leave out is not sent.
      const asked = rules.fields.filter((f) => f.id !== 'deltagende_dagtilbud');
      if (body.has('deltagende_dagtilbud')) problems.push('deltagende_dagtilbud is sent for "Selvejende dagtilbud"');
      for (const f of asked) {
        if (!body.has(f.id)) problems.push(`the body lacks ${f.id}`);
        else if (body.get(f.id) !== validCase.post[f.id]) problems.push(`${f.id}=${show(body.get(f.id))}, want ${show(validCase.post[f.id])}`);
      }
      if (!body.has(rules.honeypot) || body.get(rules.honeypot) !== '') problems.push(`${rules.honeypot} is not sent empty`);
      if ((await page.locator('.form-error-summary').count()) !== 0) problems.push('an error summary is shown for a valid form');
      return problems;
    });

    let before = null;
    await check('the static server refuses the POST: send error, button back, values kept', async () => {
      const problems = [];
      await page.waitForSelector('form.application-form .form-send-error', { timeout: STEP_TIMEOUT_MS });
      await waitSendSettled(page);
      const st = await page.evaluate(() => {
        const e = document.querySelector('.form-send-error');
        const b = document.querySelector('form.application-form .form-submit');
        return {
          text: e.textContent.replace(/\s+/g, ' ').trim(),
          role: e.getAttribute('role'),
          beforeButton: e.nextElementSibling === b,
          disabled: b.disabled,
          ariaDisabled: b.getAttribute('aria-disabled'),
          label: b.textContent.trim(),
        };
      });
      if (st.text !== SEND_FAILED) problems.push(`message ${show(st.text)}, want ${show(SEND_FAILED)}`);
      if (st.role !== 'alert') problems.push(`role=${show(st.role)}`);
      if (!st.beforeButton) problems.push('the message is not right above the button');
      if (st.disabled || st.ariaDisabled !== null) problems.push(`button disabled=${st.disabled} aria-disabled=${show(st.ariaDisabled)}`);
      if (st.label !== 'Send ansøgningen') problems.push(`button text ${show(st.label)}`);
      before = await formValues(page);
      const posted = Object.entries(validCase.post);
      for (const [k, v] of posted) {
        const f = rules.fields.find((x) => x.id === k);
        if (f.type === 'radio' || f.type === 'checkbox' || k === 'deltagende_dagtilbud') continue; // the last: not asked of "Selvejende"
        if (!before.includes(`f-${rules.form}-${k}=${v}`)) problems.push(`${k} lost its value`);
      }
      return problems;
    });

    await check('axe: no violations with the send error shown', async () => {
      const v = await axeViolations(page);
      return (await page.locator('.form-send-error').count()) === 1 ? v : ['the send error is gone', ...v];
    });

    await check('a second submit sends the same Idempotency-Key', async () => {
      const problems = [];
      const req = await capturePost(page, () => submit(page));
      const key = (await req.allHeaders())['idempotency-key'];
      if (!firstKey || key !== firstKey) problems.push(`key ${show(key)}, first ${show(firstKey)}`);
      await waitSendSettled(page);
      await page.waitForSelector('form.application-form .form-send-error', { timeout: STEP_TIMEOUT_MS });
      if ((await page.locator('.form-send-error').count()) !== 1) problems.push('more than one send error');
      const after = await formValues(page);
      if (show(after) !== show(before)) problems.push('the values changed');
      return problems;
    });

    await check('hidden conditional fields are not sent, and changed content gets a new Idempotency-Key', async () => {
      const problems = [];
      await page.locator(`#f-${rules.form}-ansoegertype-3`).check();
      await page.locator(`#f-${rules.form}-deltagende_dagtilbud`).fill(validCase.post.deltagende_dagtilbud);
      const req = await capturePost(page, () => submit(page));
      const body = new URLSearchParams(req.postData() || '');
      for (const f of ['institution', 'bestyrelsesopbakning']) if (body.has(f)) problems.push(`${f} is sent`);
      if (body.get('deltagende_dagtilbud') !== validCase.post.deltagende_dagtilbud) problems.push(`deltagende_dagtilbud=${show(body.get('deltagende_dagtilbud'))}`);
      // Other content is another application: a new key (the first key's receipt would
      // otherwise swallow the change).
      const key = (await req.allHeaders())['idempotency-key'];
      if (!UUID.test(key || '') || key === firstKey) problems.push(`changed content sent key ${show(key)} (the first was ${show(firstKey)})`);
      if (body.get('ansoegertype') !== 'kommune') problems.push(`ansoegertype=${show(body.get('ansoegertype'))}`);
      await waitSendSettled(page);
      // The values of the hidden fields are still there for when they come back.
      await page.locator(`#f-${rules.form}-ansoegertype-0`).check();
      if ((await page.locator(`#f-${rules.form}-institution`).inputValue()) !== validCase.post.institution) problems.push('institution lost its value');
      if (!(await page.locator(`#f-${rules.form}-bestyrelsesopbakning`).isChecked())) problems.push('bestyrelsesopbakning lost its tick');
      return problems;
    });

    // Answers the handler will give, mocked.
    const mock = async (status, body, fn) => {
      const handler = (route) =>
        body === null
          ? route.abort('connectionrefused')
          : route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
      await page.route('**/api/applications/**', handler);
      try {
        return await fn();
      } finally {
        await page.unroute('**/api/applications/**', handler);
      }
    };

    await check('410/429/503 with a message: that message; a network failure: the default message', async () => {
      const problems = [];
      for (const [status, error] of [[410, 'closed'], [429, 'rate_limited'], [503, 'unavailable']]) {
        const message = `Svar ${status}: prøv igen senere.`;
        await mock(status, { error, message }, async () => {
          await submit(page);
          await page.waitForFunction((m) => document.querySelector('.form-send-error')?.textContent.trim() === m, message, { timeout: STEP_TIMEOUT_MS }).catch(() => {});
          await waitSendSettled(page);
        });
        const text = await page.locator('.form-send-error').textContent();
        if (collapse(text) !== message) problems.push(`${status}: ${show(collapse(text))}`);
      }
      await mock(0, null, async () => {
        await submit(page);
        await page.waitForFunction((m) => document.querySelector('.form-send-error')?.textContent.trim() === m, SEND_FAILED, { timeout: STEP_TIMEOUT_MS }).catch(() => {});
        await waitSendSettled(page);
      });
      const text2 = await page.locator('.form-send-error').textContent();
      if (collapse(text2) !== SEND_FAILED) problems.push(`network failure: ${show(collapse(text2))}`);
      return problems;
    });

    await check('422: the returned errors shown like the browser\'s own', async () => {
      const problems = [];
      const errs = [{ field: 'cvr', code: 'checksum', message: rules.fields.find((f) => f.id === 'cvr').messages.checksum }];
      await mock(422, { errors: errs }, async () => {
        await submit(page);
        await page.waitForSelector('.form-error-summary', { timeout: STEP_TIMEOUT_MS });
        await waitSendSettled(page);
      });
      const s = await errorState(page, rules.form);
      if (!s.summary || s.summary.links.length !== 1 || s.summary.links[0].href !== `#f-${rules.form}-cvr`) problems.push(`summary ${show(s.summary)}`);
      if (s.summary && !s.summary.focused) problems.push('the summary is not focused');
      const cvr = s.fields.find((f) => f.field === 'cvr');
      if (cvr.message !== `Fejl: ${errs[0].message}` || !cvr.invalid.every((v) => v === 'true')) problems.push(`cvr ${show(cvr)}`);
      if ((await page.locator('.form-send-error').count()) !== 0) problems.push('a send error is shown too');
      return problems;
    });

    await check('422 naming a field this page does not have: "reload the page", not "try again"', async () => {
      const problems = [];
      const errs = [{ field: 'nyt_felt', code: 'required', message: 'Udfyld det nye felt' }];
      await mock(422, { errors: errs }, async () => {
        await submit(page);
        await page.waitForSelector('.form-send-error', { timeout: STEP_TIMEOUT_MS }).catch(() => {});
        await waitSendSettled(page);
      });
      const text = collapse(await page.locator('.form-send-error').first().textContent().catch(() => ''));
      if (text !== FORM_CHANGED) problems.push(`send error ${show(text)}, want ${show(FORM_CHANGED)}`);
      return problems;
    });

    await check('201: the receipt replaces the form, its heading focused and in the title, with the reference and the Danish time', async () => {
      const problems = [];
      const keys = [];
      const onReq = (r) => {
        if (r.url().includes('/api/applications/')) keys.push(r.headers()['idempotency-key']);
      };
      page.on('request', onReq);
      await mock(201, { reference: 'ABC-DEF-GHJ', received_at: '2019-03-01T09:15:00.123456789Z', round: '2019-03' }, async () => {
        await submit(page);
        await page.waitForSelector('.form-receipt', { timeout: STEP_TIMEOUT_MS });
      });
      page.off('request', onReq);
      const st = await page.evaluate(() => {
        const r = document.querySelector('.form-receipt');
        const section = r.closest('section.application');
        return {
          text: r.textContent.replace(/\s+/g, ' ').trim(),
          role: r.getAttribute('role'),
          tabindex: r.querySelector('h3')?.getAttribute('tabindex'),
          focused: document.activeElement === r.querySelector('h3'),
          strong: r.querySelector('strong')?.textContent,
          h3: r.querySelector('h3')?.textContent,
          heading: !!section?.querySelector('h2'),
          form: document.querySelectorAll('form.application-form').length,
          summary: document.querySelectorAll('.form-error-summary').length,
          title: document.title,
        };
      });
      if (st.h3 !== 'Ansøgningen er modtaget') problems.push(`h3 ${show(st.h3)}`);
      if (st.strong !== 'ABC-DEF-GHJ') problems.push(`reference ${show(st.strong)}`);
      if (!st.text.includes('Referencenummer: ABC-DEF-GHJ')) problems.push(`text ${show(st.text)}`);
      if (!st.text.includes('Modtaget: fredag den 1. marts 2019 kl. 10.15')) problems.push(`time not in Danish time: ${show(st.text)}`);
      if (!st.text.includes('Gem referencenummeret. Vi kontakter jer, når ansøgningen er behandlet.')) problems.push('no "Gem referencenummeret" text');
      // The heading takes the focus (read out on arrival); no live region that would be
      // read out twice, or not at all.
      if (st.role !== null || st.tabindex !== '-1' || !st.focused) problems.push(`role=${st.role} h3 tabindex=${st.tabindex} h3 focused=${st.focused}`);
      if (!st.heading) problems.push('the section heading is gone');
      if (st.form !== 0) problems.push('the form is still there');
      if (st.summary !== 0 || st.title.startsWith('Fejl: ')) problems.push('error summary or "Fejl: " title left');
      if (!st.title.startsWith('Ansøgningen er modtaget: ')) problems.push(`title ${show(st.title)}`);
      if (keys.length !== 1 || keys[0] !== firstKey) problems.push(`the successful retry used key ${show(keys)}, want the first ${show(firstKey)}`);
      problems.push(...(await axeViolations(page)));
      return problems;
    });

    await check('no uncaught script error or foreign request on the form page', async () => errors.slice());
  } finally {
    await context.close();
  }
}

async function withoutJs(origin) {
  await check('without JavaScript: a plain form with method=post and action; every control labelled', async () => {
    const problems = [];
    const { context, page, errors } = await openPage(origin, MINI, { js: false });
    try {
      const st = await page.evaluate(() => {
        const form = document.querySelector('form.application-form');
        if (!form) return null;
        const controls = [...form.querySelectorAll('input, select, textarea')].filter((el) => el.type !== 'hidden');
        return {
          method: form.getAttribute('method'),
          action: form.getAttribute('action'),
          unlabelled: controls.filter((el) => !el.labels || el.labels.length === 0 || !el.labels[0].textContent.trim()).map((el) => el.id || el.name),
          controls: controls.length,
          hiddenGroups: form.querySelectorAll('.form-group[hidden]').length,
          submit: form.querySelectorAll('button[type=submit]').length,
        };
      });
      if (!st) return ['no form.application-form'];
      if (st.method !== 'post') problems.push(`method=${show(st.method)}`);
      if (st.action !== '/api/applications/minivejledning') problems.push(`action=${show(st.action)}`);
      if (st.unlabelled.length) problems.push(`controls without a label: ${st.unlabelled.join(', ')}`);
      if (st.controls < 10) problems.push(`only ${st.controls} controls`);
      if (st.hiddenGroups) problems.push(`${st.hiddenGroups} groups hidden without JavaScript`);
      if (st.submit !== 1) problems.push(`${st.submit} submit buttons`);
      // Submitting would navigate to the (absent) handler; the form must not be intercepted, so
      // check only that nothing was added: no summary, no window.SiteForms.
      if ((await page.locator('.form-error-summary').count()) !== 0) problems.push('an error summary exists');
      problems.push(...errors);
    } finally {
      await context.close();
    }
    return problems;
  });
}

async function todaySite(origin) {
  await check('today: the mini-course form is closed ("30. august 2019", no form)', async () => {
    const problems = [];
    const { context, page, errors } = await openPage(origin, MINI);
    try {
      const st = await page.evaluate(() => ({
        closed: document.querySelector('section.application .form-closed')?.textContent.replace(/\s+/g, ' ').trim() ?? null,
        forms: document.querySelectorAll('form').length,
      }));
      if (st.closed === null) problems.push('no .form-closed');
      else if (!st.closed.includes('30. august 2019')) problems.push(`.form-closed says ${show(st.closed)}`);
      if (st.forms !== 0) problems.push(`${st.forms} form elements`);
      problems.push(...errors);
    } finally {
      await context.close();
    }
    return problems;
  });
  await check('today: the one-year form is open (a form and .form-deadline)', async () => {
    const problems = [];
    const { context, page, errors } = await openPage(origin, ETAARIG);
    try {
      const st = await page.evaluate(() => ({
        forms: document.querySelectorAll('section.application form.application-form').length,
        deadline: document.querySelector('section.application .form-deadline')?.textContent.trim() ?? null,
        api: typeof window.SiteForms?.validate,
      }));
      if (st.forms !== 1) problems.push(`${st.forms} forms`);
      if (!st.deadline) problems.push('no .form-deadline');
      if (st.api !== 'function') problems.push('window.SiteForms.validate is missing');
      problems.push(...errors);
    } finally {
      await context.close();
    }
    return problems;
  });
  await check('form.js is loaded (deferred) exactly on the pages with a form', async () => {
    const problems = [];
    for (const [urlPath, want] of [['/', false], ['/404.html', false], ['/privatlivspolitik/', false], [MINI, true], [ETAARIG, true]]) {
      const { context, page, errors } = await openPage(origin, urlPath);
      try {
        const scripts = await page.evaluate(() =>
          [...document.querySelectorAll('script[src*="/js/form."]')].map((s) => ({ defer: s.defer, src: s.getAttribute('src') })),
        );
        if (want && (scripts.length !== 1 || !scripts[0].defer)) problems.push(`${urlPath}: ${show(scripts)}`);
        if (!want && scripts.length) problems.push(`${urlPath} loads form.js`);
        problems.push(...errors.map((e) => `${urlPath}: ${e}`));
      } finally {
        await context.close();
      }
    }
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(opts) {
  const cases = JSON.parse(fs.readFileSync(CASES_FILE, 'utf8'));
  state.browser = await launchChromium(opts.chromium);

  const origin = await serve(opts.dir);
  const open = await fetch(origin + MINI).then((r) => r.text());
  if (!open.includes('<form class="application-form"')) {
    record(`${opts.dir} is built for a day the mini-course form is open (--date 2019-03-01)`, ['no form on ' + MINI]);
  } else {
    await agreement(origin, cases);
    await edgeCases(origin);
    await behaviour(origin, cases);
    await withoutJs(origin);
  }

  const todayDir = opts.todayDir || (await buildToday(opts.bin));
  await todaySite(await serve(todayDir));
}

const opts = parseArgs(process.argv.slice(2));

await runTest({
  name: 'form-test',
  timeoutMs: opts.timeoutS * 1000,
  timeoutText: `${opts.timeoutS}s`,
  main: () => main(opts),
  cleanup,
  abortTally: () => results.tally(1),
  onError: (err) => record('form-test', [collapse(err && err.stack ? err.stack : err).slice(0, 800)]),
  tally: () => results.tally(),
});
