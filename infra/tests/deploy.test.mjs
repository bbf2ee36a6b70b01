// infra/deploy without AWS: --dry-run prints every command in order and runs none (the
// tools it would call are tripwires here), ending with infra/publish (the site's upload
// rules live in site-publish and are tested there, against moto); prod is refused while
// samconfig has placeholders; and samconfig's parameters are the template's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { infraDir, samconfig, template } from './lib.mjs';

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
  const publish = step((c) => c[0].endsWith('infra/publish') && c.includes('--env') && c.includes('test'));
  const order = [check, build, deployed, declined, publish];
  assert.ok(order.every((i) => i >= 0), `missing a step: ${JSON.stringify(order)}\n${r.stderr}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'steps out of order');
  assert.equal(publish, cmds.length - 1, 'publishing the site is the last step');
  assert.ok(!cmds.some((c) => c[0] === 'aws' && ['s3', 'cloudfront'].includes(c[1])), 'the deploy uploads nothing itself');
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
