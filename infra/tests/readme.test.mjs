// Every command README.md shows a newcomer is one the test command runs, or a documented
// exception: each is listed here with the test file that runs it (or the program it wraps)
// and a text that file must hold, so a command added to the README without a test, or a
// test that stops running it, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraDir } from './lib.mjs';

const root = join(infraDir, '..');

// command -> [file that runs it, text it must hold, how]
const ran = {
  'cargo run -p site-gen -- serve': ['site-gen/tests/browser/lib.mjs', "spawn(bin, ['serve'", 'the live-preview test starts `site-gen serve` (the same binary)'],
  './test.sh': ['.ci/run', 'exec ./test.sh', 'CI runs it'],
  'cargo run -p site-gen -- check': ['site-gen/tests/it/cli.rs', '"check"', 'the CLI tests run `site-gen check`'],
  'cargo run --release -p site-gen -- build': ['test.sh', '"$site_gen" build --output', 'the test command builds the site it checks in Chromium'],
  // Exceptions: they reach AWS. What they run is tested without it.
  'infra/publish --env test': ['site-gen/publish/tests/it/lambda.rs', '"publish", "--env", "test"', 'it wraps `site-publish publish`, run against moto'],
  'infra/deploy --env test': ['infra/tests/deploy.test.mjs', "['--env', 'test', '--dry-run']", 'its dry run, with every tool a tripwire'],
};

function readmeCommands() {
  return readFileSync(join(root, 'README.md'), 'utf8')
    .split('\n')
    .filter((l) => /^ {4}\S/.test(l))
    .map((l) => l.trim().replace(/\s+#.*$/, '').trim());
}

test('every command in README.md is run by the test command or is a listed exception', () => {
  const commands = readmeCommands();
  assert.ok(commands.length >= 4, JSON.stringify(commands));
  for (const c of commands) {
    assert.ok(Object.hasOwn(ran, c), `README.md shows \`${c}\`, which no test runs: add a test and list it in readme.test.mjs`);
    const [file, text, how] = ran[c];
    assert.ok(readFileSync(join(root, file), 'utf8').includes(text), `${c}: ${file} no longer holds ${text} (${how})`);
  }
});

test('README.md is one screenful', () => {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n').length;
  assert.ok(lines <= 150, `README.md has ${lines} lines`);
  assert.ok(readFileSync(join(root, 'ARCHITECTURE.md')).length <= 10 * 1024, 'ARCHITECTURE.md is over 10 KB');
});
