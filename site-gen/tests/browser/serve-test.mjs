#!/usr/bin/env node
// End-to-end test of the live preview (`site-gen serve`) in headless Chromium.
//
//   node serve-test.mjs [--bin PATH_TO_SITE_GEN] [--chromium PATH]
//
// Copies the repository's content/ and templates/ into a fresh temp dir, starts the debug
// binary (`serve --root TMP --port P --date 2019-03-01`) and, with a tab open on
// /landsdaekkende-konferencer/, edits the files under TMP:
//   1. the server starts and prints "Serving the site at ..."
//   2. the page opens and shows its h1
//   3. a new `title:` reloads the open tab by itself (prints the ms from write to new h1)
//   4. an unknown front matter key shows #site-gen-overlay with the code frame (file:line, the line, a caret;
//      the place a link that opens it in SITE_GEN_EDITOR),
//      while the last good build stays served (in the tab and to a fresh fetch)
//   5. fixing the file (and a third title) removes the overlay and shows the new h1
//   6. a broken templates/page.html shows the overlay naming it; restoring it removes it
//   7. the front page's navigation links the page under its third title
// Ends with one line `N passed, M failed`; exit 1 on any failure. The binary defaults to
// target/debug/site-gen of this workspace (CARGO_TARGET_DIR is honoured); build it first with
// `cargo build -p site-gen`.

import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_CHROMIUM,
  Results,
  closeBrowser,
  collapse,
  copySiteSources,
  defaultSiteGenBin,
  freePort,
  launchChromium,
  makeUsage,
  pollUntil as poll,
  readArgs,
  removeDir,
  runTest,
  spawnServe,
  stopChild,
  tail,
  tempDir,
} from './lib.mjs';

const STEPS = 7;
const OVERALL_TIMEOUT_MS = 120_000;
const CHANGE_TIMEOUT_MS = 5_000; // a saved change must be visible in the open tab within this
const PAGE_PATH = '/landsdaekkende-konferencer/';
const PAGE_FILE = path.join('content', 'landsdaekkende-konferencer.md');
const TEMPLATE_FILE = path.join('templates', 'page.html');

const usage = makeUsage('serve-test', 'usage: node serve-test.mjs [--bin PATH_TO_SITE_GEN] [--chromium PATH]');

function parseArgs(argv) {
  const opts = { bin: defaultSiteGenBin(), chromium: DEFAULT_CHROMIUM };
  readArgs(argv, opts, { '--bin': ['bin', path.resolve], '--chromium': ['chromium'] }, usage, { inline: false });
  if (!fs.existsSync(opts.bin)) usage(`no site-gen binary at ${opts.bin} (run cargo build -p site-gen)`);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Helpers

// Polls every 10 ms (the write-to-visible time is measured with it).
const pollUntil = (probe, timeoutMs) => poll(probe, timeoutMs, 10);

// The text of the page's h1, or null while there is none (or the page is navigating).
async function h1Text(page) {
  try {
    const h1 = page.locator('h1');
    if ((await h1.count()) !== 1 || !(await h1.isVisible())) return null;
    return collapse(await h1.textContent({ timeout: 500 }));
  } catch {
    return null;
  }
}

async function overlayText(page) {
  try {
    const o = page.locator('#site-gen-overlay');
    if ((await o.count()) === 0 || !(await o.isVisible())) return null;
    return (await o.textContent({ timeout: 500 })) ?? '';
  } catch {
    return null;
  }
}

// Reads the title (first `title:` line) of a content file's front matter.
function titleOf(file) {
  const m = /^title:\s*"?(.*?)"?\s*$/m.exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1] : null;
}

function setTitle(text, title) {
  if (!/^title:.*$/m.test(text)) throw new Error('no title: line in the front matter');
  return text.replace(/^title:.*$/m, `title: "${title}"`);
}

// Adds `line` as the last line of the front matter (before the closing `---`).
function addFrontMatterLine(text, line) {
  const m = /^---\r?\n[\s\S]*?\r?\n(?=---\r?\n)/.exec(text);
  if (!m) throw new Error('no front matter block');
  return text.slice(0, m[0].length) + line + '\n' + text.slice(m[0].length);
}

// ---------------------------------------------------------------------------------------------
// State and clean-up

const state = {
  tmp: null,
  server: null,
  stderr: '',
  browser: null,
  cleaned: false,
};

const results = new Results();
const record = (step, name, problems, info = '') => results.record(`${step}. ${name}`, problems, info);

async function cleanup() {
  if (state.cleaned) return;
  state.cleaned = true;
  await closeBrowser(state);
  const server = state.server;
  state.server = null;
  await stopChild(server, 'SIGINT', { graceMs: 2_000 }); // the server's Ctrl-C handler
  if (state.tmp) {
    removeDir(state.tmp);
    state.tmp = null;
  }
}

const serverLog = (lines = 15) => tail(state.stderr, lines, '  server: ');

// ---------------------------------------------------------------------------------------------
// The test

async function main(opts) {
  const stamp = Date.now().toString(36);
  const title2 = `Konferencer for hele landet ${stamp}`;
  const title3 = `Årlige landskonferencer ${stamp}`;

  // 1. Temp copy, free port, server up.
  state.tmp = tempDir('site-gen-serve-test-');
  copySiteSources(state.tmp);
  const pageFile = path.join(state.tmp, PAGE_FILE);
  const templateFile = path.join(state.tmp, TEMPLATE_FILE);
  const originalPage = fs.readFileSync(pageFile, 'utf8');
  const originalTemplate = fs.readFileSync(templateFile, 'utf8');
  const title1 = titleOf(pageFile);
  const editorScript = path.join(state.tmp, 'editor.sh');
  const editorOut = path.join(state.tmp, 'opened.txt');

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  {
    const problems = [];
    const started = Date.now();
    // An "editor" that writes down the place it was asked to open (SITE_GEN_EDITOR).
    fs.writeFileSync(editorScript, `#!/bin/sh\nprintf '%s\\n' "$@" > '${editorOut}'\n`, { mode: 0o755 });
    const { child, ready } = spawnServe(opts.bin, {
      root: state.tmp,
      port,
      date: '2019-03-01',
      env: { ...process.env, SITE_GEN_EDITOR: `${editorScript} {file} {line} {column}` },
      onLog: (d) => (state.stderr += d),
      who: 'the server',
      line: 'Serving',
    });
    state.server = child;
    const r = await ready;
    if (r !== 'ready') problems.push(r);
    record(1, 'server starts', problems, `${Date.now() - started} ms, port ${port}`);
    if (problems.length) {
      console.log(serverLog());
      return { failedEarly: STEPS - 1 };
    }
  }

  state.browser = await launchChromium(opts.chromium);
  const context = await state.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scriptErrors = [];
  page.on('pageerror', (err) => scriptErrors.push(collapse(err.message).slice(0, 200)));
  let manualNavigations = 0; // we never call goto/reload on `page` after step 2
  let sseConnections = 0; // responses to the tab's EventSource requests
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/__livereload' && r.status() === 200) sseConnections++;
  });

  // A marker in the tab's JavaScript realm: it survives DOM changes but not a reload.
  const setMarker = () => page.evaluate(() => (window.__serveTestMarker = true));
  const hasMarker = () => page.evaluate(() => window.__serveTestMarker === true).catch(() => null);

  // 2. Open the page.
  {
    const problems = [];
    const resp = await page.goto(origin + PAGE_PATH, { waitUntil: 'load', timeout: 30_000 });
    manualNavigations++;
    if (!resp || resp.status() !== 200) problems.push(`HTTP ${resp ? resp.status() : 'no response'}`);
    const h1 = await pollUntil(() => h1Text(page), 5_000);
    if (h1 !== title1) problems.push(`h1 is ${JSON.stringify(h1)}, want ${JSON.stringify(title1)}`);
    const hasScript = await page.locator('script[src="/__livereload.js"][data-version]').count();
    if (hasScript !== 1) problems.push(`${hasScript} live-reload script tags, want 1`);
    // Let the EventSource connect before the first change.
    if (!(await pollUntil(() => sseConnections > 0, 5_000))) problems.push('the page did not connect to /__livereload');
    record(2, 'page opens', problems, `h1 "${h1}"`);
  }

  // 3. A new title reloads the open tab.
  let writeToVisibleMs = null;
  {
    const problems = [];
    await setMarker();
    const t0 = performance.now();
    fs.writeFileSync(pageFile, setTitle(originalPage, title2));
    const seen = await pollUntil(async () => ((await h1Text(page)) === title2 ? true : false), CHANGE_TIMEOUT_MS);
    if (seen) {
      writeToVisibleMs = Math.round(performance.now() - t0);
      if ((await hasMarker()) !== false) problems.push('the h1 changed but the tab did not reload');
    } else {
      problems.push(`h1 still ${JSON.stringify(await h1Text(page))} ${CHANGE_TIMEOUT_MS} ms after the write, want ${JSON.stringify(title2)}`);
    }
    const o = await overlayText(page);
    if (o !== null) problems.push(`unexpected overlay: ${collapse(o).slice(0, 200)}`);
    record(3, 'title change reloads the tab', problems, seen ? `write to visible ${writeToVisibleMs} ms` : '');
    if (seen) console.log(`write-to-visible: ${writeToVisibleMs} ms`);
  }

  // 4. An unknown front matter key: overlay, last good build stays.
  {
    const problems = [];
    await setMarker();
    fs.writeFileSync(pageFile, addFrontMatterLine(setTitle(originalPage, title2), 'colour: blue'));
    // The code frame of `site-gen check`: the place, the line, a caret under the key.
    const want = [' --> content/landsdaekkende-konferencer.md:', 'error[E0003]: unknown front matter key `colour`', '| colour: blue', '| ^^^^^^'];
    const text = await pollUntil(async () => {
      const t = await overlayText(page);
      return t !== null && want.every((w) => t.includes(w)) ? t : null;
    }, CHANGE_TIMEOUT_MS);
    if (!text) {
      const t = await overlayText(page);
      problems.push(t === null ? `no visible #site-gen-overlay within ${CHANGE_TIMEOUT_MS} ms` : `overlay text lacks ${JSON.stringify(want)}: ${collapse(t).slice(0, 300)}`);
    } else {
      const role = await page.locator('#site-gen-overlay').getAttribute('role');
      if (role !== 'alert') problems.push(`overlay role=${JSON.stringify(role)}, want "alert"`);
      // The place is a link that opens it in the editor.
      const place = page.locator('#site-gen-overlay a').first();
      const where = (await place.count()) ? await place.textContent() : null;
      const m = where && /^content\/landsdaekkende-konferencer\.md:(\d+):(\d+)$/.exec(where);
      if (!m) {
        problems.push(`the overlay's place is not a link: ${JSON.stringify(where)}`);
      } else {
        await place.click();
        const want = `${fs.realpathSync(state.tmp)}/${PAGE_FILE}\n${m[1]}\n${m[2]}\n`;
        const opened = await pollUntil(async () => {
          const got = fs.existsSync(editorOut) ? fs.readFileSync(editorOut, 'utf8') : null;
          return got === want ? got : null;
        }, CHANGE_TIMEOUT_MS);
        if (!opened) problems.push(`clicking ${where} did not open it in the editor: ${JSON.stringify(fs.existsSync(editorOut) ? fs.readFileSync(editorOut, 'utf8') : null)}, want ${JSON.stringify(want)}`);
      }
    }
    const h1 = await h1Text(page);
    if (h1 !== title2) problems.push(`h1 under the overlay is ${JSON.stringify(h1)}, want the last good ${JSON.stringify(title2)}`);
    if ((await hasMarker()) !== true) problems.push('the tab reloaded although the build failed');
    const r = await fetch(origin + PAGE_PATH, { cache: 'no-store' });
    const body = await r.text();
    if (r.status !== 200) problems.push(`fresh fetch: HTTP ${r.status}, want 200`);
    if (!body.includes(`<h1>${title2}</h1>`)) problems.push(`fresh fetch does not contain <h1>${title2}</h1>`);
    const line = text ? collapse(text.split('\n').find((l) => l.includes('unknown front matter key')) ?? '') : '';
    record(4, 'bad front matter shows the overlay, last good build served', problems, line.slice(0, 160));
  }

  // 5. Fix the file with a third title: overlay gone, new h1, no manual reload.
  {
    const problems = [];
    const t0 = performance.now();
    fs.writeFileSync(pageFile, setTitle(originalPage, title3));
    const ok = await pollUntil(async () => (await h1Text(page)) === title3 && (await overlayText(page)) === null, CHANGE_TIMEOUT_MS);
    if (!ok) {
      const o = await overlayText(page);
      if (o !== null) problems.push(`overlay still shown: ${collapse(o).slice(0, 200)}`);
      const h1 = await h1Text(page);
      if (h1 !== title3) problems.push(`h1 is ${JSON.stringify(h1)}, want ${JSON.stringify(title3)}`);
    }
    record(5, 'fixing the file removes the overlay and shows the new title', problems, ok ? `${Math.round(performance.now() - t0)} ms` : '');
  }

  // 6. A broken template, then restored.
  {
    const problems = [];
    await setMarker();
    fs.writeFileSync(templateFile, originalTemplate + '\n{% if %}\n');
    const text = await pollUntil(async () => {
      const t = await overlayText(page);
      return t !== null && t.includes('templates/page.html') ? t : null;
    }, CHANGE_TIMEOUT_MS);
    if (!text) {
      const t = await overlayText(page);
      problems.push(t === null ? `no visible #site-gen-overlay within ${CHANGE_TIMEOUT_MS} ms` : `overlay does not name templates/page.html: ${collapse(t).slice(0, 300)}`);
    }
    const h1 = await h1Text(page);
    if (h1 !== title3) problems.push(`h1 under the overlay is ${JSON.stringify(h1)}, want the last good ${JSON.stringify(title3)}`);
    fs.writeFileSync(templateFile, originalTemplate);
    const gone = await pollUntil(async () => (await overlayText(page)) === null && (await h1Text(page)) === title3, CHANGE_TIMEOUT_MS);
    if (!gone) {
      const o = await overlayText(page);
      problems.push(o !== null ? `overlay still shown after restoring the template: ${collapse(o).slice(0, 200)}` : `h1 is ${JSON.stringify(await h1Text(page))} after restoring, want ${JSON.stringify(title3)}`);
    }
    const line = text ? collapse(text.split('\n').find((l) => l.includes('templates/page.html')) ?? '') : '';
    record(6, 'broken template shows the overlay, restoring removes it', problems, line.slice(0, 160));
  }

  // 7. The front page's navigation uses the page's new title.
  {
    const problems = [];
    const front = await context.newPage();
    try {
      const resp = await front.goto(origin + '/', { waitUntil: 'load', timeout: 30_000 });
      if (!resp || resp.status() !== 200) problems.push(`/: HTTP ${resp ? resp.status() : 'no response'}`);
      const navLinks = await front
        .locator(`nav.main-nav a[href="${PAGE_PATH}"]`)
        .allTextContents()
        .then((a) => a.map(collapse));
      if (!navLinks.includes(title3)) problems.push(`main navigation links ${PAGE_PATH} as ${JSON.stringify(navLinks)}, want ${JSON.stringify(title3)}`);
      if (navLinks.includes(title1) || navLinks.includes(title2)) problems.push('main navigation still shows an old title');
    } finally {
      await front.close().catch(() => {});
    }
    record(7, 'front page navigation shows the new title', problems);
  }

  if (manualNavigations !== 1) console.log(`note: ${manualNavigations} manual navigations`);
  if (scriptErrors.length) console.log(`note: uncaught script errors in the tab: ${scriptErrors.join(' | ')}`);
  if (results.failed > 0) console.log(serverLog(30));
  return { failedEarly: 0 };
}

// ---------------------------------------------------------------------------------------------
// Main

const opts = parseArgs(process.argv.slice(2));
// The steps an abort or an error leaves unrecorded count as failed (at least one).
const unrecorded = () => Math.max(STEPS - results.count, 1);
const noPass = { needPass: false };

await runTest({
  name: 'serve-test',
  timeoutMs: OVERALL_TIMEOUT_MS,
  timeoutText: `${OVERALL_TIMEOUT_MS / 1000} s`,
  main: () => main(opts),
  cleanup,
  onAbort: () => {
    if (state.stderr) console.log(serverLog());
  },
  abortTally: () => results.tally(unrecorded(), noPass),
  onError: (err) => {
    console.log(`FAIL serve-test: ${err && err.stack ? err.stack : err}`);
    if (state.stderr) console.log(serverLog());
  },
  tally: (r, threw) => results.tally(threw ? unrecorded() : r.failedEarly, noPass),
});
