// infra/deploy without AWS: --dry-run prints every command in order and runs none (the
// tools it would call are tripwires here); each file of the built site is uploaded by
// exactly one pass, with its Content-Type, fingerprinted assets cached for a year and
// everything else revalidated; prod is refused while samconfig has placeholders; and
// samconfig's parameters are the template's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { files, infraDir, samconfig, siteDir, template } from './lib.mjs';

const deploy = join(infraDir, 'deploy');

// A PATH where sam, aws, cargo and cargo-lambda only record that they were called.
function tripwires() {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  const log = join(dir, 'called.log');
  for (const tool of ['sam', 'aws', 'cargo', 'cargo-lambda']) {
    const path = join(dir, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexit 1\n`);
    chmodSync(path, 0o755);
  }
  return { path: `${dir}:/usr/bin:/bin`, log };
}

function runDeploy(args) {
  const { path, log } = tripwires();
  const r = spawnSync('bash', [deploy, ...args], { encoding: 'utf8', env: { ...process.env, PATH: path } });
  return { ...r, called: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

// The printed commands ("+ cmd args", shell-quoted) as argument arrays.
function commands(output) {
  return output.split('\n').filter((l) => l.startsWith('+ ')).map((line) => {
    const r = spawnSync('bash', ['-c', `eval "set -- ${line.slice(2).replace(/(["\\$`])/g, '\\$1')}"; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\0').slice(0, -1);
  });
}

test('--dry-run prints the whole deploy in order and runs nothing', () => {
  const r = runDeploy(['--env', 'test', '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.called, '', 'a dry run called a tool');
  const cmds = commands(r.stderr);
  const step = (pred) => cmds.findIndex(pred);
  const check = step((c) => c[0] === 'cargo' && c.includes('site-gen') && c.includes('check'));
  const build = step((c) => c[0] === 'sam' && c[1] === 'build' && c.includes('test'));
  const deployed = step((c) => c[0] === 'sam' && c[1] === 'deploy' && c.includes('--config-env') && c.includes('test'));
  const declined = step((c) => c[0] === 'aws' && c[1] === 'cloudformation' && c[2] === 'list-change-sets');
  const outputs = step((c) => c[0] === 'aws' && c[1] === 'cloudformation' && c[2] === 'describe-stacks');
  const site = step((c) => c[0] === 'cargo' && c.includes('build') && c.includes('--base-url'));
  const firstSync = step((c) => c[0] === 'aws' && c[1] === 's3' && c[2] === 'sync');
  const deleting = step((c) => c[1] === 's3' && c.includes('--delete'));
  const invalidate = step((c) => c[0] === 'aws' && c[1] === 'cloudfront' && c[2] === 'create-invalidation');
  const order = [check, build, deployed, declined, outputs, site, firstSync, deleting, invalidate];
  assert.ok(order.every((i) => i >= 0), `missing a step: ${JSON.stringify(order)}\n${r.stdout}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'steps out of order');
  assert.equal(invalidate, cmds.length - 1, 'the invalidation is the last step');
  assert.equal(cmds[site][cmds[site].indexOf('--base-url') + 1], '<SiteUrl>');
  assert.ok(cmds[invalidate].includes('<DistributionId>'));
  // Pages last: no page is served before the assets it names are in the bucket.
  const uploads = cmds.map((c, i) => ({ c, i })).filter(({ c }) => c[1] === 's3' && c[2] === 'sync' && !c.includes('--delete'));
  const html = uploads.filter(({ c }) => c.includes('*.html') && c[c.indexOf('*.html') - 1] === '--include');
  assert.equal(html.length, 1, 'one upload pass for the pages');
  assert.equal(html[0].i, uploads[uploads.length - 1].i, 'the pages are uploaded after everything else');
});

// aws s3 sync's filters: fnmatch patterns on the path below the source folder ('*'
// crosses '/'); the last matching filter decides; everything is included at first.
function fnmatch(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      re += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function syncedBy(cmd, file) {
  let included = true;
  for (let i = 0; i < cmd.length; i++) {
    if (cmd[i] === '--exclude' && fnmatch(cmd[i + 1]).test(file)) included = false;
    if (cmd[i] === '--include' && fnmatch(cmd[i + 1]).test(file)) included = true;
  }
  return included;
}

test('each file is uploaded once, with its type and the right caching', () => {
  const r = runDeploy(['--env', 'test', '--dry-run']);
  const uploads = commands(r.stderr).filter((c) => c[1] === 's3' && c[2] === 'sync' && !c.includes('--delete'));
  const option = (cmd, name) => (cmd.includes(name) ? cmd[cmd.indexOf(name) + 1] : undefined);
  const all = files(siteDir());
  const fingerprinted = /\.[0-9a-f]{10}\.[a-z0-9]+$/;
  assert.ok(all.some((f) => fingerprinted.test(f)), 'no fingerprinted assets in the site');
  const expectedType = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml', xml: 'application/xml; charset=utf-8', txt: 'text/plain; charset=utf-8' };
  for (const file of all) {
    const passes = uploads.filter((c) => syncedBy(c, file));
    assert.equal(passes.length, 1, `${file} is uploaded by ${passes.length} passes`);
    const ext = file.split('.').pop();
    assert.equal(option(passes[0], '--content-type'), expectedType[ext], file);
    const cache = option(passes[0], '--cache-control');
    if (fingerprinted.test(file)) assert.equal(cache, 'public, max-age=31536000, immutable', file);
    else assert.equal(cache, 'public, max-age=0, must-revalidate', file);
  }
});

test('bad arguments and unfinished prod settings are refused before anything runs', () => {
  const prod = runDeploy(['--env', 'prod', '--dry-run']);
  assert.equal(prod.status, 2);
  assert.match(prod.stderr, /\[prod\.deploy\.parameters\] still has REPLACE-ME values/);
  const none = runDeploy(['--dry-run']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--env test or --env prod/);
  const other = runDeploy(['--env', 'staging']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /unknown environment 'staging'/);
  for (const r of [prod, none, other]) assert.equal(r.called, '');
});

function overrides(text) {
  // Key=Value pairs; values may be "quoted" (and empty).
  const out = {};
  for (const m of text.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) out[m[1]] = m[2].replace(/^"|"$/g, '');
  return out;
}

test('samconfig gives each environment the template parameters it needs, and only those', () => {
  const params = template().Parameters;
  const required = Object.keys(params).filter((p) => params[p].Default === undefined);
  const config = samconfig();
  const stacks = new Set();
  for (const env of ['test', 'prod']) {
    const deployParams = config[env]?.deploy?.parameters;
    assert.ok(deployParams, `samconfig.toml has no [${env}.deploy.parameters]`);
    assert.equal(config[env].build.parameters.beta_features, true, `${env}: rust-cargolambda needs beta_features`);
    const given = overrides(deployParams.parameter_overrides);
    for (const name of Object.keys(given)) assert.ok(name in params, `${env}: ${name} is not a template parameter`);
    for (const name of required) assert.ok(name in given, `${env}: the template needs ${name}`);
    assert.equal(given.Environment, env);
    for (const [name, value] of Object.entries(given)) {
      if (params[name].AllowedValues) assert.ok(params[name].AllowedValues.map(String).includes(value), `${env}: ${name}=${value}`);
    }
    assert.match(deployParams.capabilities, /CAPABILITY_IAM/);
    stacks.add(deployParams.stack_name);
  }
  assert.equal(stacks.size, 2, 'test and prod must be different stacks');
  assert.equal(config.prod.deploy.parameters.confirm_changeset, true, 'prod changes need a person to confirm');
});
