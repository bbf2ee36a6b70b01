#!/usr/bin/env node
// Proves the gate can pass and fail: runs gate.mjs as a child process on fixtures/good (must pass)
// and fixtures/bad (must fail, naming the vnu error, the axe violations (WCAG 2.2's target size
// among them), the foreign script,
// the inline style that the production CSP blocks and the word that does not reflow),
// checks the static server directly, and checks that --timeout stops a run cleanly.
// Ends with one line `N passed, M failed`; exit 1 on any mismatch.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HERE, finish, runCommand } from './lib.mjs';
import { closeServer, startServer } from './server.mjs';

const GATE = path.join(HERE, 'gate.mjs');
const GOOD = path.join(HERE, 'fixtures', 'good');
const BAD = path.join(HERE, 'fixtures', 'bad');

// Runs gate.mjs; resolves {code, signal, out (stdout and stderr), ms}.
async function runGate(args, limitMs = 300_000) {
  const { code, signal, out, ms } = await runCommand(process.execPath, [GATE, ...args], { cwd: HERE, timeoutMs: limitMs });
  return { code, signal, out, ms };
}

function expect(problems, cond, what) {
  if (!cond) problems.push(what);
}

const cases = [];
function test(name, fn) {
  cases.push({ name, fn });
}

let tmp;

test('server: pretty URLs, 404 page, content types, no escape from the root', async () => {
  const problems = [];
  const { server, baseUrl } = await startServer(GOOD);
  try {
    const get = (p) => fetch(baseUrl + p, { redirect: 'manual' });
    let r = await get('/');
    expect(problems, r.status === 200 && (await r.text()).includes('<h1>Velkommen</h1>'), '/ should serve index.html');
    expect(problems, r.headers.get('content-type')?.startsWith('text/html'), '/ should be text/html');
    r = await get('/om/');
    expect(problems, r.status === 200 && (await r.text()).includes('<h1>Om os</h1>'), '/om/ should serve om/index.html');
    r = await get('/om');
    expect(problems, r.status === 301 && r.headers.get('location') === '/om/', '/om should redirect to /om/');
    r = await get('/findes-ikke/');
    expect(problems, r.status === 404 && (await r.text()).includes('Siden findes ikke'), 'missing page should be 404 with 404.html');
    r = await get('/static/css/site.css');
    expect(problems, r.status === 200 && r.headers.get('content-type')?.startsWith('text/css'), 'css content type');
    r = await get('/static/js/site.js');
    expect(problems, r.status === 200 && r.headers.get('content-type')?.startsWith('text/javascript'), 'js content type');
    expect(problems, r.headers.get('content-security-policy')?.includes("default-src 'self'"), 'answers carry the production CSP');
    r = await get('/%2e%2e/%2e%2e/package.json');
    expect(problems, r.status === 404, 'path traversal should be 404');
  } finally {
    await closeServer(server);
  }
  return problems;
});

test('good site passes', async () => {
  const problems = [];
  const shots = path.join(tmp, 'good');
  const r = await runGate(['--dir', GOOD, '--screenshots', shots]);
  expect(problems, r.code === 0, `exit code ${r.code}${r.signal ? ' ' + r.signal : ''}, want 0`);
  expect(problems, /^4 passed, 0 failed$/m.test(r.out), 'want a line "4 passed, 0 failed"');
  expect(problems, /^ok \/$/m.test(r.out) && /^ok \/om\/$/m.test(r.out), 'want "ok /" and "ok /om/"');
  expect(problems, /^ok \/gammel-side\/ \(redirect stub\)$/m.test(r.out), 'redirect stub should be ok');
  const files = (await readdir(shots).catch(() => [])).sort().join(' ');
  const want = '404_1280.png 404_375.png index_1280.png index_375.png om_1280.png om_375.png';
  expect(problems, files === want, `screenshots: got "${files}", want "${want}"`);
  if (problems.length) problems.push('gate output:\n' + r.out);
  return problems;
});

test('bad site fails with vnu error, axe violation and foreign request named (via --base-url)', async () => {
  const problems = [];
  const { server, baseUrl } = await startServer(BAD);
  let r;
  try {
    r = await runGate(['--dir', BAD, '--screenshots', path.join(tmp, 'bad'), '--base-url', baseUrl]);
  } finally {
    await closeServer(server);
  }
  expect(problems, r.code === 1, `exit code ${r.code}, want 1`);
  expect(problems, /^0 passed, 1 failed$/m.test(r.out), 'want a line "0 passed, 1 failed"');
  expect(problems, /index\.html:\d+:\d+: Duplicate ID/.test(r.out), 'want the vnu error "file:line:col: Duplicate ID"');
  expect(problems, /index\.html:\d+:\d+: An .img. element must have an .alt. attribute/.test(r.out), 'want the vnu img/alt error');
  expect(problems, /axe image-alt \(critical\)/.test(r.out), 'want the axe violation image-alt');
  expect(problems, /axe html-has-lang/.test(r.out), 'want the axe violation html-has-lang');
  // WCAG 2.2's 2.5.8: the unstyled fold headings, one line of text each, stacked with no space.
  expect(problems, /axe target-size \(serious\): [^|]*#a > summary/.test(r.out), 'want the axe violation target-size (WCAG 2.2) on the small fold headings');
  expect(problems, /touch target under 44 px at 375 px: summary "Fold uden knap" is \d+ px tall/.test(r.out), 'want the fold heading under 44 px named');
  // The production CSP (sent by the test server) blocks the foreign script before it is
  // requested; either report names it.
  expect(problems, /(request to another host: |blocked by the production CSP: .*)https:\/\/example\.com\/x\.js/.test(r.out), 'want the foreign script named');
  expect(problems, /blocked by the production CSP: .*inline style/.test(r.out), 'want the inline style blocked by the CSP');
  expect(problems, /html lang=null, want "da"/.test(r.out), 'want the lang check');
  expect(problems, /focus not obscured \(WCAG 2\.4\.11\): a#under-banneret\[href="\/om\/"\] has the focus under div\.banner/.test(r.out), 'want the link under the fixed banner named (WCAG 2.4.11)');
  expect(problems, /fold run "Fold uden knap" \(2 folds\): no button\.fold-all/.test(r.out), 'want the fold-all check');
  expect(problems, /scrolls sideways at 320 px with WCAG 1\.4\.12 text spacing: p#langt "Tilgængelighedserklæringsdokumentationsg/.test(r.out), 'want the long word that makes the page scroll sideways');
  if (problems.length) problems.push('gate output:\n' + r.out);
  return problems;
});

test('--timeout stops a run, fails it and cleans up', async () => {
  const problems = [];
  const r = await runGate(['--dir', GOOD, '--screenshots', path.join(tmp, 'timeout'), '--timeout', '1'], 60_000);
  expect(problems, r.code === 1, `exit code ${r.code}${r.signal ? ' ' + r.signal : ''}, want 1`);
  expect(problems, /overall timeout after 1s/.test(r.out), 'want "overall timeout"');
  expect(problems, /^\d+ passed, [1-9]\d* failed$/m.test(r.out), 'want a closing line with failures');
  expect(problems, r.ms < 30_000, `took ${r.ms} ms to stop`);
  if (problems.length) problems.push('gate output:\n' + r.out);
  return problems;
});

const started = Date.now();
let passed = 0;
let failed = 0;
tmp = await mkdtemp(path.join(os.tmpdir(), 'gate-selftest-'));
try {
  for (const c of cases) {
    const t0 = Date.now();
    let problems;
    try {
      problems = await c.fn();
    } catch (err) {
      problems = [`threw: ${err && err.stack ? err.stack : err}`];
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (problems.length === 0) {
      passed++;
      console.log(`ok ${c.name} (${secs}s)`);
    } else {
      failed++;
      console.log(`FAIL ${c.name} (${secs}s):\n  ${problems.join('\n  ')}`);
    }
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
console.log(`selftest took ${((Date.now() - started) / 1000).toFixed(1)}s`);
finish({ passed, failed }, failed > 0 ? 1 : 0);
