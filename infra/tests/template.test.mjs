// The template's own promises that no checker makes: every checkov skip says why, and the
// parameters that decide security have safe defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { template } from './lib.mjs';

test('every checkov skip is in the template with its reason', () => {
  const skips = Object.entries(template().Resources).flatMap(([name, r]) =>
    (r.Metadata?.checkov?.skip ?? []).map((s) => ({ name, ...s })));
  assert.ok(skips.length > 0);
  for (const s of skips) {
    assert.match(s.id, /^CKV2?_AWS_\d+$/, `${s.name}: ${JSON.stringify(s)}`);
    assert.ok((s.comment ?? '').trim().length >= 40, `${s.name}: skip ${s.id} needs its reason`);
  }
});

test('reserved concurrency is off unless asked for, and prod needs its own domain', () => {
  const t = template();
  assert.equal(t.Parameters.ReservedConcurrency.Default, 0);
  const fn = t.Resources.FormHandler.Properties;
  assert.deepEqual(fn.ReservedConcurrentExecutions, { 'Fn::If': ['HasReservedConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }] });
  assert.deepEqual(t.Rules.ProdHasOwnDomain.RuleCondition, { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] });
});
