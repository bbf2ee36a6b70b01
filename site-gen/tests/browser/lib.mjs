// Helpers shared by the browser test scripts (gate.mjs, form-test.mjs, api-e2e.mjs,
// serve-test.mjs, selftest.mjs): arguments, the run frame with its `N passed, M failed` line,
// child processes, free ports, Chromium, axe and the Nu HTML checker. Node built-ins and the
// packages of package.json only.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeServer } from './server.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..', '..');
export const VNU_JAR = path.join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
// WCAG 2.2 A and AA (2.0 and 2.1 included). axe ships its WCAG 2.2 rule `target-size` (2.5.8,
// targets of at least 24 x 24 CSS px or spaced as the criterion allows) switched off: it is
// switched on here (AXE_RULES), or the 2.2 tags would check nothing new.
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
export const AXE_RULES = { 'target-size': { enabled: true } };
export const NAV_TIMEOUT_MS = 30_000;
export const START_TIMEOUT_MS = 30_000; // for a server we start to say it is ready

// ---------------------------------------------------------------------------------------------
// Small things

export const collapse = (s) => String(s ?? '').replace(/\s+/g, ' ').trim();
export const show = (v) => JSON.stringify(v);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls `probe` every `interval` ms until it returns a truthy value (returned) or `timeoutMs`
// passes (returns the last value). Exceptions count as "not yet" (e.g. during a navigation).
export async function pollUntil(probe, timeoutMs, interval = 25) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch {
      last = undefined;
    }
    if (Date.now() >= deadline) return last;
    await sleep(interval);
  }
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// The last `lines` lines of `text`, each behind `prefix`.
export function tail(text, lines = 15, prefix = '  ') {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `${prefix}${l}`).join('\n');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// target/debug/site-gen of this workspace (CARGO_TARGET_DIR is honoured).
export function defaultSiteGenBin() {
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO, process.env.CARGO_TARGET_DIR)
    : path.join(REPO, 'target');
  return path.join(targetDir, 'debug', 'site-gen');
}

// A fresh temp folder; `copySiteSources` puts the repository's content/ and templates/ in one.
export const tempDir = (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export function copySiteSources(root) {
  fs.cpSync(path.join(REPO, 'content'), path.join(root, 'content'), { recursive: true });
  fs.cpSync(path.join(REPO, 'templates'), path.join(root, 'templates'), { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// Arguments

// A usage(msg) that prints `name: msg` (if any) and `text` to stderr and exits with 2.
export function makeUsage(name, text) {
  return (msg) => {
    if (msg) console.error(`${name}: ${msg}`);
    console.error(text);
    process.exit(2);
  };
}

// --chromium PATH and --timeout SECONDS, for readArgs; checkTimeout() after it.
export const BROWSER_ARGS = { '--chromium': ['chromium'], '--timeout': ['timeoutS', Number] };

export function checkTimeout(opts, usage) {
  if (!(opts.timeoutS > 0)) usage('--timeout must be a positive number of seconds');
}

// Reads `--name value` (and, with `inline`, `--name=value`) arguments into `opts`: `spec` maps
// each name to [key, convert] (convert defaults to the value as it is). -h/--help, an unknown
// name or a missing value end in usage().
export function readArgs(argv, opts, spec, usage, { inline = true } = {}) {
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (inline && a.startsWith('--') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a === '-h' || a === '--help') {
      usage();
      continue;
    }
    if (!Object.hasOwn(spec, a)) usage(`unknown argument ${a}`);
    if (v === undefined) {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      v = argv[++i];
    }
    const [key, convert = (x) => x] = spec[a];
    opts[key] = convert(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Results and the run frame

// Named checks, printed as `ok NAME (INFO)` or `FAIL NAME: problem | problem`. `timed` adds the
// milliseconds of each check() to its info. Once `closed` (an abort), nothing more is recorded.
export class Results {
  constructor({ timed = false } = {}) {
    this.timed = timed;
    this.passed = 0;
    this.failed = 0;
    this.closed = false;
  }

  get count() {
    return this.passed + this.failed;
  }

  record(name, problems, info = '') {
    if (this.closed) return;
    if (problems.length === 0) {
      this.passed++;
      console.log(`ok ${name}${info ? ` (${info})` : ''}`);
    } else {
      this.failed++;
      console.log(`FAIL ${name}: ${problems.join(' | ')}`);
    }
  }

  // Runs one named check; `fn` returns a list of problems, or {problems, info} (or throws).
  // Resolves true when it passed.
  async check(name, fn) {
    const t0 = performance.now();
    let problems;
    let info = '';
    try {
      const r = (await fn()) || [];
      if (Array.isArray(r)) problems = r;
      else ({ problems, info = '' } = r);
    } catch (err) {
      problems = [`error: ${collapse(err && err.message ? err.message : err).slice(0, 500)}`];
    }
    if (this.timed) {
      const ms = Math.round(performance.now() - t0);
      info = info ? `${info}; ${ms} ms` : `${ms} ms`;
    }
    this.record(name, problems, info);
    return problems.length === 0;
  }

  // The closing tally; a run fails on any failure, and with `needPass` also when nothing passed.
  tally(extraFailed = 0, { needPass = true } = {}) {
    const failed = this.failed + extraFailed;
    return { passed: this.passed, failed, code: failed > 0 || (needPass && this.passed === 0) ? 1 : 0 };
  }
}

// The last line of every script, then the exit.
export function finish({ passed, failed }, code) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code);
}

// Runs `main()` under an overall timeout (`timeoutMs`, named `timeoutText`) and SIGINT/SIGTERM,
// runs `cleanup()` once and ends with finish():
//   abort (timeout 1, SIGINT 130, SIGTERM 143): prints `FAIL <name>: why`, calls onAbort() (its
//     value goes to abortTally), cleans up, finish(abortTally(value), code);
//   main throws: onError(err), then as below with `threw` true;
//   otherwise, after cleanup: finish(tally(mainResult, threw)) with tally's `code`.
export async function runTest({ name, timeoutMs, timeoutText, main, cleanup, onAbort = () => {}, abortTally, onError, tally }) {
  let exiting = false;
  const abort = async (why, code) => {
    if (exiting) return;
    exiting = true;
    console.log(`FAIL ${name}: ${why}`);
    const before = onAbort();
    await cleanup();
    finish(abortTally(before), code);
  };
  const overall = setTimeout(() => abort(`overall timeout after ${timeoutText}`, 1), timeoutMs);
  process.on('SIGINT', () => abort('interrupted', 130));
  process.on('SIGTERM', () => abort('terminated', 143));

  let result;
  let threw = false;
  try {
    result = await main();
  } catch (err) {
    threw = true;
    if (!exiting) onError(err);
  } finally {
    if (!exiting) {
      clearTimeout(overall);
      await cleanup();
    }
  }
  if (!exiting) {
    const t = tally(result, threw);
    finish(t, t.code);
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

// Runs a command to its end: resolves {code, signal, stdout, stderr, out (both, as they came),
// error (could not run), ms}. `children` (a Set) holds it while it runs, for clean-up; after
// `timeoutMs` (if any) it gets SIGKILL.
export function runCommand(cmd, args, { cwd, env, timeoutMs = 0, children = null } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children?.add(child);
    let stdout = '';
    let stderr = '';
    let out = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      out += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      out += d;
    });
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    let done = false;
    const end = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      children?.delete(child);
      resolve({ ...r, stdout, stderr, out, ms: Date.now() - started });
    };
    child.on('error', (error) => end({ code: null, signal: null, error }));
    child.on('close', (code, signal) => end({ code, signal, error: null }));
  });
}

// Stops a child we started: `signal`, then SIGKILL after `graceMs`. `group`: the child leads its
// own process group (signal the whole group).
export async function stopChild(child, signal, { group = false, graceMs = 3_000 } = {}) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const kill = (sig) => {
    try {
      if (group) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      /* gone */
    }
  };
  kill(signal);
  if (!(await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]))) {
    kill('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
}

// SIGKILL to `children`, then closes `browser` and the static `servers`, waiting at most 10 s.
export async function closeAll({ children = [], browser = null, servers = [] }) {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  const tasks = [];
  if (browser) tasks.push(browser.close().catch(() => {}));
  for (const s of servers) tasks.push(closeServer(s));
  await Promise.race([Promise.all(tasks), new Promise((r) => setTimeout(r, 10_000).unref())]);
}

// Closes state.browser (if any, within 10 s) and forgets it.
export async function closeBrowser(state) {
  const browser = state.browser;
  state.browser = null;
  if (browser) await closeAll({ browser });
}

export function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    console.log(`warning: could not remove ${dir}: ${err.message}`);
  }
}

// Starts `bin serve --root ROOT --port PORT --date DATE` (in ROOT) and returns {child, ready}:
// `ready` resolves 'ready' once stderr says "Serving the site at http://", else the reason (it
// could not start, it exited — "<who> exited (...)" — or no "<line>" line within `timeoutMs`,
// default START_TIMEOUT_MS).
// `onLog` gets every piece of its stderr.
export function spawnServe(bin, { root, port, date, env, timeoutMs = START_TIMEOUT_MS, onLog, who, line }) {
  const child = spawn(bin, ['serve', '--root', root, '--port', String(port), '--date', date], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.setEncoding('utf8');
  let log = '';
  const ready = new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      log += d;
      onLog(d);
      if (/Serving the site at http:\/\//.test(log)) resolve('ready');
    });
    child.once('error', (err) => resolve(`could not start ${bin}: ${err.message}`));
    child.once('exit', (code, sig) => resolve(`${who} exited (${sig || code}) before it was ready`));
  });
  const timeout = sleep(timeoutMs).then(() => `no "${line}" line within ${timeoutMs / 1000} s`);
  return { child, ready: Promise.race([ready, timeout]) };
}

// ---------------------------------------------------------------------------------------------
// moto (DynamoDB, SES) on a free port

// How long a moto server may take to answer its first request: on a new machine, or a busy
// one, Python imports each service's backend on its first call, which takes seconds.
export const MOTO_READY_MS = 120_000;

// A signed-looking AWS JSON call to moto (it does not check signatures; the credential scope
// names the region). Resolves the parsed answer, or throws with the status and text.
export async function awsJson(endpoint, target, body, { service = 'dynamodb', region = 'eu-north-1', timeoutMs = MOTO_READY_MS } = {}) {
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20190301/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${target}: HTTP ${r.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

// Starts `moto_server` on a free port, in its own process group (its launcher may start the
// Python process as a child: stop it with stopChild(child, 'SIGTERM', {group: true})), and
// resolves {child, port, endpoint} once it has answered a DynamoDB ListTables (not only once
// the port accepts). `onLog` gets its output.
export async function startMoto({ onLog = () => {} } = {}) {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const onData = (d) => {
    log += d;
    onLog(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let failed = null;
  child.once('error', (err) => (failed = `could not start moto_server: ${err.message}`));
  child.once('exit', (code, sig) => (failed ??= `moto_server exited (${sig || code}) before it answered`));
  const endpoint = `http://127.0.0.1:${port}`;
  const up = await pollUntil(async () => {
    if (failed) return 'failed';
    await awsJson(endpoint, 'DynamoDB_20120810.ListTables', {});
    return 'up';
  }, MOTO_READY_MS, 200);
  if (up !== 'up') {
    child.kill('SIGKILL');
    throw new Error(failed || `moto_server on port ${port} did not answer ListTables within ${MOTO_READY_MS / 1000} s\n${tail(log)}`);
  }
  return { child, port, endpoint };
}

// ---------------------------------------------------------------------------------------------
// Chromium and axe

export async function launchChromium(executablePath) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

// True for Chromium's console report of something the Content-Security-Policy blocked.
export function isCspViolation(msg) {
  return msg.type() === 'error' && /Content Security Policy/i.test(msg.text());
}

// True when `url` is on another host than `origin` (data:, blob: and about: are local).
export function isForeign(url, origin) {
  const u = new URL(url);
  return !['data:', 'blob:', 'about:'].includes(u.protocol) && u.origin !== origin;
}

// A fresh context and page (1280x900, JavaScript `js`, step timeout `stepTimeoutMs`): requests
// to another host are blocked and, like uncaught script errors and what the CSP blocked,
// listed in `errors`.
export async function openWatched(browser, origin, { js = true, width = 1280, stepTimeoutMs }) {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width, height: 900 } });
  const errors = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (isForeign(u, origin)) {
      errors.push(`request to another host: ${u.href}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  page.on('pageerror', (err) => errors.push(`uncaught script error: ${collapse(err.message).slice(0, 300)}`));
  page.on('console', (msg) => {
    if (isCspViolation(msg)) errors.push(`blocked by the Content-Security-Policy: ${collapse(msg.text()).slice(0, 300)}`);
  });
  return { context, page, errors };
}

// axe (WCAG 2.2 A+AA, with 2.0 and 2.1) on the page as it is, at 1280 px and then 375 px: [{width, violations}].
// `timeoutMs` bounds each run.
export async function axeByWidth(page, { timeoutMs = 0 } = {}) {
  const { AxeBuilder } = await import('@axe-core/playwright');
  const out = [];
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const run = new AxeBuilder({ page }).options({ rules: AXE_RULES }).withTags(AXE_TAGS).analyze();
    const result = await (timeoutMs ? withTimeout(run, timeoutMs, `axe at ${width}px`) : run);
    out.push({ width, violations: result.violations });
  }
  return out;
}

// axeByWidth as lines `axe ID at Wpx: help [targets]`; the viewport goes back to 1280 px.
export async function axeViolations(page, opts) {
  const out = [];
  for (const { width, violations } of await axeByWidth(page, opts)) {
    for (const v of violations) {
      const targets = v.nodes.map((n) => [].concat(n.target).join(' > ')).join(', ');
      out.push(`axe ${v.id} at ${width}px: ${v.help} [${targets}]`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Nu HTML checker (one JVM for all files)

// Resolves {messages, code}, or {fatal} when vnu did not run or gave no JSON report.
export async function runVnu(files, children) {
  if (!fs.existsSync(VNU_JAR)) return { fatal: `vnu.jar not found at ${VNU_JAR} (run npm ci in ${HERE})` };
  const r = await runCommand('java', ['-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files], { children });
  if (r.error) return { fatal: `could not run java: ${r.error.message}` };
  for (const text of [r.stderr, r.stdout]) {
    const start = text.indexOf('{');
    if (start < 0) continue;
    try {
      const json = JSON.parse(text.slice(start));
      if (Array.isArray(json.messages)) return { messages: json.messages, code: r.code };
    } catch {
      /* try the other stream */
    }
  }
  return { fatal: `vnu exited with ${r.signal || r.code} and no JSON report: ${(r.stderr || r.stdout).trim().slice(0, 500)}` };
}

// The errors of a vnu report (with `file`: the path of its file: URL, else the URL as it is),
// and `quiet`: the problem when vnu exited non-zero without naming an error (else null).
export function vnuErrors({ messages, code }) {
  const errors = messages
    .filter((m) => m.type === 'error' || m.type === 'non-document-error')
    .map((m) => ({ ...m, file: fileOfUrl(m.url || '') }));
  return { errors, quiet: errors.length === 0 && code !== 0 ? `vnu exited with ${code} but reported no error` : null };
}

function fileOfUrl(u) {
  try {
    return fileURLToPath(u);
  } catch {
    return u;
  }
}
