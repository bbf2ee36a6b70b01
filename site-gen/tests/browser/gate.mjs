#!/usr/bin/env node
// Browser test gate for the generated static site.
//
//   node gate.mjs --dir PATH_TO_SITE [--screenshots DIR] [--base-url http://127.0.0.1:PORT]
//                 [--timeout SECONDS] [--chromium PATH]
//
// Checks every *.html under --dir: Nu HTML checker (one run over all files), then per page in
// headless Chromium: no request to a host other than the local server, axe (WCAG 2.2 A+AA,
// target size included; fold-out headings and main navigation links 44 px tall at 375 px),
// exactly one <h1>, <html lang="da">, no uncaught script error, no
// failing local request, full-page screenshots at 375 and 1280 px, every focused element in
// view and uncovered while tabbing at 375 px (WCAG 2.4.11), the fold behaviour of
// `details.fold` (with JavaScript on and off), and no sideways scrolling at 320 px with WCAG
// 1.4.12's text spacing. Ends with one line `N passed, M failed`; exit 1 on any failure.

import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BROWSER_ARGS,
  DEFAULT_CHROMIUM,
  NAV_TIMEOUT_MS,
  axeByWidth,
  checkTimeout,
  closeAll,
  collapse,
  isCspViolation,
  isForeign,
  launchChromium,
  makeUsage,
  readArgs,
  runTest,
  runVnu,
  vnuErrors,
} from './lib.mjs';
import { startServer } from './server.mjs';

const WIDTHS = [375, 1280];

// ---------------------------------------------------------------------------------------------
// Arguments

const usage = makeUsage(
  'gate',
  'usage: node gate.mjs --dir PATH_TO_SITE [--screenshots DIR] [--base-url http://127.0.0.1:PORT]' +
    ' [--timeout SECONDS] [--chromium PATH]',
);

function parseArgs(argv) {
  const opts = {
    dir: null,
    screenshots: path.resolve('target', 'screenshots'),
    baseUrl: null,
    timeoutS: 600,
    chromium: DEFAULT_CHROMIUM,
  };
  readArgs(argv, opts, {
    '--dir': ['dir', path.resolve],
    '--screenshots': ['screenshots', path.resolve],
    '--base-url': ['baseUrl', (v) => v.replace(/\/+$/, '')],
    ...BROWSER_ARGS,
  }, usage);
  if (!opts.dir) usage('--dir is required');
  if (!existsSync(opts.dir) || !statSync(opts.dir).isDirectory()) usage(`not a directory: ${opts.dir}`);
  checkTimeout(opts, usage);
  if (opts.baseUrl) {
    try {
      new URL(opts.baseUrl);
    } catch {
      usage(`bad --base-url ${opts.baseUrl}`);
    }
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Pages

async function findHtml(root) {
  const out = [];
  async function walk(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.html')) out.push(full);
    }
  }
  await walk(root);
  return out;
}

// "index.html" -> "/", "a/b/index.html" -> "/a/b/", "404.html" -> "/404.html"
function urlPathFor(rel) {
  const posix = rel.split(path.sep).join('/');
  if (posix === 'index.html') return '/';
  if (posix.endsWith('/index.html')) return '/' + posix.slice(0, -'index.html'.length);
  return '/' + posix;
}

// "/" -> "index", "/etaarige-forloeb/" -> "etaarige-forloeb", "/a/b/" -> "a__b", "/404.html" -> "404"
function screenshotName(urlPath) {
  const trimmed = urlPath.replace(/^\/+|\/+$/g, '').replace(/\.html$/i, '');
  if (!trimmed) return 'index';
  return trimmed.split('/').map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_')).join('__');
}

function isRedirectStub(html) {
  return /<meta\b[^>]*\bhttp-equiv\s*=\s*["']?refresh\b/i.test(html);
}

// ---------------------------------------------------------------------------------------------
// Browser checks

function formatAxe(v) {
  const targets = v.nodes
    .map((n) => (Array.isArray(n.target) ? n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' > ') : String(n.target)))
    .join(', ');
  return `axe ${v.id} (${v.impact || 'n/a'}): ${v.help} [${targets}]`;
}

// Records every request of a context; requests to another origin are recorded and aborted
// (so a missing network cannot stall the page), local responses >= 400 are recorded too.
async function watchContext(context, origin, rec) {
  await context.route('**/*', (route) => {
    const u = route.request().url();
    let foreign = false;
    try {
      foreign = isForeign(u, origin);
    } catch {
      foreign = true;
    }
    if (foreign) {
      rec.foreign.add(u);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  context.on('request', (r) => {
    const u = r.url();
    try {
      if (isForeign(u, origin)) rec.foreign.add(u);
    } catch {
      rec.foreign.add(u);
    }
  });
  context.on('response', (r) => {
    try {
      const req = r.request();
      const mainDoc = req.isNavigationRequest() && !r.frame().parentFrame();
      if (!mainDoc && new URL(r.url()).origin === origin && r.status() >= 400) {
        rec.broken.add(`${r.url()} (${r.status()})`);
      }
    } catch {
      /* ignore */
    }
  });
}

async function settle(page) {
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
}

// Fold behaviour with JavaScript on, following docs/contracts-draft.md and templates/static/js/site.js:
// every run of two or more adjacent sibling `details.fold` gets one `button.fold-all` placed before
// the run's first fold (no other fold in between). All folds start closed; one click opens every
// fold of the run (text "Fold alle ind", aria-expanded="true"); a second click closes them again
// (text "Fold alle ud", aria-expanded="false").
const MIN_RUN = 2;

async function checkFoldsWithJs(page) {
  const reasons = [];
  const layout = await page.evaluate((minRun) => {
    const folds = [...document.querySelectorAll('details.fold')];
    const buttons = [...document.querySelectorAll('button.fold-all')];
    const runs = [];
    for (let i = 0; i < folds.length; i++) {
      const prev = folds[i].previousElementSibling;
      if (prev && prev.matches('details.fold')) continue;
      const run = [i];
      let next = folds[i].nextElementSibling;
      while (next && next.matches('details.fold')) {
        run.push(folds.indexOf(next));
        next = next.nextElementSibling;
      }
      runs.push(run);
    }
    const precedes = (a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    return {
      folds: folds.length,
      open: folds.map((d, i) => (d.open ? i : -1)).filter((i) => i >= 0),
      runs: runs
        .filter((r) => r.length >= minRun)
        .map((r) => {
          const first = folds[r[0]];
          const start = folds[r[0] - 1]; // the fold before this run, if any
          let button = -1;
          buttons.forEach((b, bi) => {
            if (precedes(b, first) && (!start || precedes(start, b))) button = bi;
          });
          const label = first.querySelector('summary')?.textContent.replace(/\s+/g, ' ').trim();
          return { folds: r, button, label };
        }),
    };
  }, MIN_RUN);

  if (layout.open.length) reasons.push(`fold: ${layout.open.length} of ${layout.folds} folds start open`);

  const runState = (run, bi) =>
    page.evaluate(({ run, bi }) => {
      const folds = [...document.querySelectorAll('details.fold')];
      const btn = document.querySelectorAll('button.fold-all')[bi];
      return {
        open: run.filter((i) => folds[i].open).length,
        text: btn.textContent.replace(/\s+/g, ' ').trim(),
        expanded: btn.getAttribute('aria-expanded'),
      };
    }, { run, bi });
  const waitRun = (run, want) =>
    page
      .waitForFunction(
        ({ run, want }) => {
          const folds = [...document.querySelectorAll('details.fold')];
          return run.every((i) => folds[i].open === want);
        },
        { run, want },
        { timeout: 3_000 },
      )
      .then(() => true, () => false);

  for (const r of layout.runs) {
    const name = `fold run "${r.label}" (${r.folds.length} folds)`;
    if (r.button < 0) {
      reasons.push(`${name}: no button.fold-all before its first fold with JavaScript on`);
      continue;
    }
    const btn = page.locator('button.fold-all').nth(r.button);
    let s = await runState(r.folds, r.button);
    if (s.expanded !== 'false') reasons.push(`${name}: button starts with aria-expanded=${JSON.stringify(s.expanded)}, want "false"`);
    if (s.text !== 'Fold alle ud') reasons.push(`${name}: button starts with text ${JSON.stringify(s.text)}, want "Fold alle ud"`);

    await btn.click();
    const opened = await waitRun(r.folds, true);
    s = await runState(r.folds, r.button);
    if (!opened) reasons.push(`${name}: after one click ${s.open} of ${r.folds.length} folds are open, want all`);
    if (s.text !== 'Fold alle ind') reasons.push(`${name}: after one click the button text is ${JSON.stringify(s.text)}, want "Fold alle ind"`);
    if (s.expanded !== 'true') reasons.push(`${name}: after one click aria-expanded=${JSON.stringify(s.expanded)}, want "true"`);

    await btn.click();
    const closed = await waitRun(r.folds, false);
    s = await runState(r.folds, r.button);
    if (!closed) reasons.push(`${name}: after a second click ${s.open} of ${r.folds.length} folds are still open, want none`);
    if (s.text !== 'Fold alle ud') reasons.push(`${name}: after a second click the button text is ${JSON.stringify(s.text)}, want "Fold alle ud"`);
    if (s.expanded !== 'false') reasons.push(`${name}: after a second click aria-expanded=${JSON.stringify(s.expanded)}, want "false"`);
  }
  return reasons;
}

async function checkFoldsWithoutJs(browser, url, origin, rec) {
  const reasons = [];
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  try {
    await watchContext(context, origin, rec);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    if ((await page.locator('button.fold-all').count()) !== 0) {
      reasons.push('fold: button.fold-all exists with JavaScript off');
    }
    const summary = page.locator('details.fold > summary').first();
    if ((await summary.count()) === 0) {
      reasons.push('fold: no details.fold > summary with JavaScript off');
    } else {
      await summary.click();
      const open = await summary.evaluate((s) => s.parentElement.open);
      if (!open) reasons.push('fold: clicking a summary with JavaScript off does not open its details');
    }
    await settle(page);
  } finally {
    await context.close().catch(() => {});
  }
  return reasons;
}

// At 320 CSS px (1280 px at 400 % zoom), every fold open and WCAG 1.4.12's text spacing
// applied (line height 1.5, letters 0.12em, words 0.16em, paragraphs 2em apart), nothing
// may make the page scroll sideways. The spacing is set through the CSSOM, which the
// production CSP allows (an injected <style> it would block).
async function checkReflow(page) {
  await page.setViewportSize({ width: 320, height: 900 });
  const wide = await page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true;
    for (const el of document.querySelectorAll('body *')) {
      el.style.setProperty('line-height', '1.5', 'important');
      el.style.setProperty('letter-spacing', '0.12em', 'important');
      el.style.setProperty('word-spacing', '0.16em', 'important');
      if (el.tagName === 'P') el.style.setProperty('margin-bottom', '2em', 'important');
    }
    const width = document.documentElement.clientWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= width) return [];
    // What sticks out: text (its own boxes) or elements, named by their element.
    const text = (el) => el.textContent.replace(/\s+/g, ' ').trim().slice(0, 40);
    const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
    const culprits = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const right = range.getBoundingClientRect().right;
      if (right > width + 1 && node.parentElement) culprits.set(node.parentElement, right);
    }
    for (const el of document.querySelectorAll('body *')) {
      const right = el.getBoundingClientRect().right;
      if (right > width + 1 && el.getClientRects().length && !el.children.length && !el.closest('[aria-hidden="true"]')) culprits.set(el, right);
    }
    const lines = [...culprits].slice(0, 3).map(([el, right]) => `${name(el)} "${text(el)}" ends at ${Math.round(right)}px`);
    return lines.length ? lines : [`the page is ${scrollWidth}px wide`];
  });
  return wide.map((w) => `scrolls sideways at 320 px with WCAG 1.4.12 text spacing: ${w}`);
}

// WCAG 2.4.11 (Focus Not Obscured, minimum; 2.2 AA), which axe cannot check: at phone width,
// Tab through the page; every element that takes the focus is scrolled into the viewport and
// is what a point at its centre hits (not covered by a sticky header, a banner or a dialog).
async function checkFocusNotObscured(page) {
  await page.setViewportSize({ width: 375, height: 900 });
  // Scrolling to the focus is instant with reduced motion (smooth otherwise: a look right
  // after the Tab would see the page mid-scroll).
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const problems = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const st = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      window.__focusSeen ??= new WeakSet();
      if (window.__focusSeen.has(el)) return null; // round the page once
      window.__focusSeen.add(el);
      const name = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.getAttribute('href') ? `[href="${el.getAttribute('href')}"]` : '');
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      const inView = r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
      const hit = inView ? document.elementFromPoint(Math.min(Math.max(x, 0), window.innerWidth - 1), Math.min(Math.max(y, 0), window.innerHeight - 1)) : null;
      const covered = hit && !(el === hit || el.contains(hit) || hit.contains(el) || (el.labels && [...el.labels].some((l) => l.contains(hit))));
      const by = covered ? hit.tagName.toLowerCase() + (hit.id ? `#${hit.id}` : '') + (typeof hit.className === 'string' && hit.className ? `.${hit.className.split(' ')[0]}` : '') : null;
      return { name, inView, by };
    });
    if (!st) break;
    if (!st.inView) problems.push(`focus not obscured (WCAG 2.4.11): ${st.name} has the focus outside the viewport`);
    else if (st.by) problems.push(`focus not obscured (WCAG 2.4.11): ${st.name} has the focus under ${st.by}`);
  }
  await page.emulateMedia({ reducedMotion: null });
  await page.setViewportSize({ width: 1280, height: 900 });
  return problems;
}

// Comfortable touch targets on phones (beyond WCAG 2.5.8's 24 px, which axe checks): at
// 375 px the fold-out headings and the main navigation's links are at least 44 px tall.
async function checkTouchTargets(page) {
  await page.setViewportSize({ width: 375, height: 900 });
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('details.fold > summary, .main-nav__link')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height < 44)
      .map(({ el, r }) => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" is ${Math.round(r.height)} px tall`),
  );
  await page.setViewportSize({ width: 1280, height: 900 });
  return small.map((s) => `touch target under 44 px at 375 px: ${s}`);
}

async function checkPage(browser, pageInfo, origin, opts) {
  const reasons = [];
  const rec = { foreign: new Set(), broken: new Set(), errors: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await watchContext(context, origin, rec);
    const page = await context.newPage();
    page.on('pageerror', (err) => rec.errors.push(collapse(err.message).slice(0, 300)));
    page.on('console', (msg) => {
      if (isCspViolation(msg)) rec.errors.push(`blocked by the production CSP: ${collapse(msg.text()).slice(0, 300)}`);
    });
    const url = origin + pageInfo.urlPath;
    const resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    const expected = pageInfo.urlPath === '/404.html' ? [200, 404] : [200];
    if (!resp) reasons.push('no response');
    else if (!expected.includes(resp.status())) reasons.push(`HTTP status ${resp.status()}`);
    await settle(page);

    const dom = await page.evaluate(() => ({
      h1: document.querySelectorAll('h1').length,
      lang: document.documentElement.getAttribute('lang'),
      folds: document.querySelectorAll('details.fold').length,
      preconnect: [...document.querySelectorAll('link[rel~="preconnect" i], link[rel~="dns-prefetch" i]')]
        .map((l) => l.href),
    }));
    if (dom.h1 !== 1) reasons.push(`${dom.h1} h1 elements, want exactly 1`);
    if (dom.lang !== 'da') reasons.push(`html lang=${JSON.stringify(dom.lang)}, want "da"`);
    for (const href of dom.preconnect) {
      try {
        if (new URL(href).origin !== origin) rec.foreign.add(href + ' (preconnect/dns-prefetch)');
      } catch {
        /* ignore */
      }
    }

    // Accessibility (desktop width, then phone width; each rule/target reported once).
    const seen = new Set();
    for (const { width, violations } of await axeByWidth(page)) {
      for (const v of violations) {
        const line = formatAxe(v);
        if (seen.has(line)) continue;
        seen.add(line);
        reasons.push(width === 1280 ? line : `${line} (at ${width}px)`);
      }
    }

    // Screenshots.
    await mkdir(opts.screenshots, { recursive: true });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({
        path: path.join(opts.screenshots, `${pageInfo.shotName}_${width}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    }
    await settle(page);

    reasons.push(...(await checkTouchTargets(page)));
    reasons.push(...(await checkFocusNotObscured(page)));

    // Fold behaviour.
    if (dom.folds > 0) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.reload({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      reasons.push(...(await checkFoldsWithJs(page)));
      await settle(page);
      reasons.push(...(await checkFoldsWithoutJs(browser, url, origin, rec)));
    }

    // Reflow (WCAG 1.4.10) with text spacing (1.4.12): last, as it changes the page.
    reasons.push(...(await checkReflow(page)));
  } catch (err) {
    reasons.push(`error: ${collapse(err.message).slice(0, 500)}`);
  } finally {
    await context.close().catch(() => {});
  }
  for (const u of rec.foreign) reasons.push(`request to another host: ${u}`);
  for (const u of rec.broken) reasons.push(`local request failed: ${u}`);
  for (const e of rec.errors) reasons.push(`uncaught script error: ${e}`);
  return reasons;
}

// ---------------------------------------------------------------------------------------------
// Main

const state = { server: null, browser: null, pages: [], done: new Map(), finished: false };
const children = new Set(); // the running vnu (java), killed by clean-up

async function cleanup() {
  const { browser, server } = state;
  state.browser = null;
  state.server = null;
  await closeAll({ children, browser, servers: server ? [server] : [] });
}

function report(extraFailed = 0) {
  let passed = 0;
  let failed = extraFailed;
  for (const p of state.pages) {
    const reasons = state.done.get(p.urlPath);
    if (reasons === undefined) continue;
    if (reasons.length) failed++;
    else passed++;
  }
  return { passed, failed };
}

async function main(opts) {
  const files = await findHtml(opts.dir);
  state.pages = await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(opts.dir, file);
      const urlPath = urlPathFor(rel);
      const html = await readFile(file, 'utf8');
      return { file, rel, urlPath, shotName: screenshotName(urlPath), stub: isRedirectStub(html) };
    }),
  );
  state.pages.sort((a, b) => (a.urlPath < b.urlPath ? -1 : a.urlPath > b.urlPath ? 1 : 0));
  if (state.pages.length === 0) {
    console.log(`FAIL no .html files found under ${opts.dir}`);
    return 1; // the closing line says 0 passed, 0 failed
  }

  const reasons = new Map(state.pages.map((p) => [p.file, []]));
  const globalReasons = [];

  // 1. Nu HTML checker, once over all files.
  const vnu = await runVnu(state.pages.map((p) => p.file), children);
  if (vnu.fatal) {
    console.log(`vnu: ${vnu.fatal}`);
    globalReasons.push(`vnu did not run: ${vnu.fatal}`);
  } else {
    const { errors, quiet } = vnuErrors(vnu);
    for (const m of errors) {
      const file = m.file;
      const line = m.lastLine ?? m.firstLine ?? 0;
      const col = m.firstColumn ?? m.lastColumn ?? 0;
      const shown = path.relative(process.cwd(), file) || file;
      const msg = collapse(m.message);
      console.log(`${shown}:${line}:${col}: ${msg}`);
      const list = reasons.get(file);
      if (list) list.push(`vnu ${line}:${col}: ${msg}`);
      else globalReasons.push(`vnu: ${shown}: ${msg}`);
    }
    if (quiet) globalReasons.push(quiet);
  }

  // 2. Browser checks, one page at a time.
  let origin;
  if (opts.baseUrl) {
    origin = new URL(opts.baseUrl).origin;
  } else {
    const s = await startServer(opts.dir);
    state.server = s.server;
    origin = s.baseUrl;
  }

  const needBrowser = state.pages.some((p) => !p.stub);
  if (needBrowser) {
    try {
      state.browser = await launchChromium(opts.chromium);
    } catch (err) {
      globalReasons.push(`could not launch Chromium: ${collapse(err.message).slice(0, 300)}`);
    }
  }

  for (const p of state.pages) {
    const list = reasons.get(p.file);
    if (!p.stub && state.browser) list.push(...(await checkPage(state.browser, p, origin, opts)));
    const all = [...globalReasons, ...list];
    state.done.set(p.urlPath, all);
    const label = p.stub ? `${p.urlPath} (redirect stub)` : p.urlPath;
    console.log(all.length ? `FAIL ${label}: ${all.join(' | ')}` : `ok ${label}`);
  }

  return report().failed > 0 ? 1 : 0; // the closing line is printed after clean-up
}

const opts = parseArgs(process.argv.slice(2));
const unchecked = () => state.pages.length - state.done.size;

await runTest({
  name: 'gate',
  timeoutMs: opts.timeoutS * 1000,
  timeoutText: `${opts.timeoutS}s`,
  main: () => main(opts),
  cleanup,
  // The tally of an abort is taken before clean-up (which ends the page being checked).
  onAbort: () => {
    const { passed, failed } = report();
    return { passed, failed: failed + Math.max(unchecked(), 1) };
  },
  abortTally: (tally) => tally,
  onError: (err) => console.log(`FAIL gate: ${err && err.stack ? err.stack : err}`),
  tally: (code, threw) => {
    const { passed, failed } = report();
    return threw ? { passed, failed: Math.max(failed, 1) + unchecked(), code: 1 } : { passed, failed, code };
  },
});
