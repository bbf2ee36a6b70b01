// infra/deploy without AWS: --dry-run prints every command in order and runs none (the
// tools it would call are tripwires here), ending with infra/publish (the site's upload
// rules live in site-publish and are tested there, against moto); prod is refused while
// samconfig has placeholders; and samconfig's parameters are the template's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, existsSync, readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { infraDir, samconfig, template } from './lib.mjs';

const deploy = join(infraDir, 'deploy');

// A PATH where sam, aws, cargo and cargo-lambda only record that they were called, then
// fail, or exit with the status that `exits` gives the tool.
function tripwires(exits = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  const log = join(dir, 'called.log');
  for (const tool of ['sam', 'aws', 'cargo', 'cargo-lambda']) {
    const path = join(dir, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexit ${exits[tool] ?? 1}\n`);
    chmodSync(path, 0o755);
  }
  return { path: `${dir}:/usr/bin:/bin`, log };
}

function runDeploy(args, script = deploy, exits = {}) {
  const { path, log } = tripwires(exits);
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, PATH: path } });
  return { ...r, called: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

// A copy of infra/ whose samconfig has prod's placeholders filled in, as an operator would.
function filledInInfra() {
  const dir = join(mkdtempSync(join(tmpdir(), 'deploy-prod-')), 'infra');
  mkdirSync(dir);
  for (const file of ['deploy', 'publish', 'template.yaml', 'waf.yaml']) copyFileSync(join(infraDir, file), join(dir, file));
  const config = readFileSync(join(infraDir, 'samconfig.toml'), 'utf8')
    .replaceAll('REPLACE-ME.example.dk', 'vejledning.example.dk')
    .replaceAll('arn:aws:acm:us-east-1:000000000000:certificate/REPLACE-ME', 'arn:aws:acm:us-east-1:123456789012:certificate/abc')
    .replaceAll('REPLACE-ME@example.dk', 'drift@example.dk');
  assert.doesNotMatch(config, /^[^#]*REPLACE-ME/m);
  writeFileSync(join(dir, 'samconfig.toml'), config);
  return { dir, config };
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

test('prod deploys its web ACL in us-east-1 first and passes it with every other parameter', () => {
  const { dir } = filledInInfra();
  const r = runDeploy(['--env', 'prod', '--dry-run'], join(dir, 'deploy'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.called, '', 'a dry run called a tool');
  const cmds = commands(r.stderr);
  const wafDeploy = cmds.findIndex((c) => c[0] === 'sam' && c[1] === 'deploy' && c.includes('prod-waf'));
  assert.ok(wafDeploy >= 0, r.stderr);
  assert.equal(cmds[wafDeploy][cmds[wafDeploy].indexOf('--template-file') + 1], join(dir, 'waf.yaml'));
  const wafStack = config => config['prod-waf'].deploy.parameters;
  const waf = wafStack(samconfig());
  const output = cmds.findIndex((c) => c[0] === 'aws' && c[2] === 'describe-stacks');
  assert.deepEqual(cmds[output].slice(3, 7), ['--region', 'us-east-1', '--stack-name', waf.stack_name]);
  const site = cmds.findIndex((c) => c[0] === 'sam' && c[1] === 'deploy' && c[c.indexOf('--config-env') + 1] === 'prod');
  assert.ok(wafDeploy < output && output < site, 'the web ACL comes first, then its ARN, then the site');
  // The command line's overrides replace samconfig's: every one of prod's is given again.
  const given = overrides(cmds[site][cmds[site].indexOf('--parameter-overrides') + 1]);
  const configured = overrides(samconfig().prod.deploy.parameters.parameter_overrides.replaceAll('REPLACE-ME.example.dk', 'vejledning.example.dk')
    .replaceAll('arn:aws:acm:us-east-1:000000000000:certificate/REPLACE-ME', 'arn:aws:acm:us-east-1:123456789012:certificate/abc')
    .replaceAll('REPLACE-ME@example.dk', 'drift@example.dk'));
  assert.deepEqual(given, { ...configured, WebAclArn: `<WebAclArn-of-${waf.stack_name}>` });
  // The test environment has no web ACL section: its deploy passes no overrides.
  const plain = commands(runDeploy(['--env', 'test', '--dry-run']).stderr);
  assert.ok(!plain.some((c) => c.includes('--parameter-overrides') || c.includes('describe-stacks')));
});

test('a real prod deploy stops when the web ACL stack has no ARN to give', () => {
  const { dir } = filledInInfra();
  // The check and `sam deploy` of the web ACL succeed (a person declined its first change
  // set), and the stack has no output: nothing more may happen.
  const r = runDeploy(['--env', 'prod'], join(dir, 'deploy'), { cargo: 0, 'cargo-lambda': 0, sam: 0, aws: 255 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /the stack dagtilbud-vejledning-prod-waf \(us-east-1\) has no output WebAclArn .*nothing else was deployed/);
  const calls = r.called.trim().split('\n').map((c) => c.split(' ').slice(0, 2).join(' '));
  assert.deepEqual(calls, ['cargo run', 'sam deploy', 'aws cloudformation']);
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

test('prod has a web ACL stack in us-east-1 with the WAF template\'s parameters', () => {
  const params = template('waf.yaml').Parameters;
  const config = samconfig();
  const waf = config['prod-waf']?.deploy?.parameters;
  assert.ok(waf, 'samconfig.toml has no [prod-waf.deploy.parameters]: prod would have no web ACL');
  assert.equal(waf.region, 'us-east-1', 'CloudFront takes web ACLs from us-east-1 only');
  assert.notEqual(waf.stack_name, config.prod.deploy.parameters.stack_name);
  assert.equal(waf.confirm_changeset, true, 'prod changes need a person to confirm');
  const given = overrides(waf.parameter_overrides);
  for (const name of Object.keys(given)) assert.ok(name in params, `prod-waf: ${name} is not a parameter of waf.yaml`);
  for (const name of Object.keys(params).filter((p) => params[p].Default === undefined)) assert.ok(name in given, `prod-waf: waf.yaml needs ${name}`);
  assert.equal(given.Environment, 'prod');
  assert.ok(Number(given.PostsPerMinute) >= params.PostsPerMinute.MinValue);
});
