// The template's own promises that no checker makes: every checkov skip says why, and the
// parameters that decide security have safe defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { template } from './lib.mjs';

test('every checkov skip is in the templates with its reason', () => {
  for (const file of ['template.yaml', 'waf.yaml']) {
    const skips = Object.entries(template(file).Resources).flatMap(([name, r]) =>
      (r.Metadata?.checkov?.skip ?? []).map((s) => ({ name, ...s })));
    assert.ok(skips.length > 0, file);
    for (const s of skips) {
      assert.match(s.id, /^CKV2?_AWS_\d+$/, `${file}: ${s.name}: ${JSON.stringify(s)}`);
      assert.ok((s.comment ?? '').trim().length >= 40, `${file}: ${s.name}: skip ${s.id} needs its reason`);
    }
  }
});

test('prod needs the web ACL of infra/waf.yaml, and the distribution takes it', () => {
  const t = template();
  const rule = t.Rules.ProdHasWebAcl;
  assert.deepEqual(rule.RuleCondition, { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] });
  assert.deepEqual(rule.Assertions[0].Assert, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'WebAclArn' }, ''] }] });
  assert.deepEqual(t.Resources.Distribution.Properties.DistributionConfig.WebACLId,
    { 'Fn::If': ['HasWebAcl', { Ref: 'WebAclArn' }, { Ref: 'AWS::NoValue' }] });
  // The parameter takes what the WAF stack's output is (a CLOUDFRONT web ACL's ARN), or nothing.
  const pattern = new RegExp(t.Parameters.WebAclArn.AllowedPattern);
  assert.ok(pattern.test(''));
  assert.ok(pattern.test('arn:aws:wafv2:us-east-1:123456789012:global/webacl/dagtilbud-vejledning-prod-waf/0b1f7e2c-5d4a-4f7e-9a1b-2c3d4e5f6a7b'));
  assert.ok(!pattern.test('arn:aws:wafv2:eu-north-1:123456789012:regional/webacl/x/0b1f7e2c'), 'a regional ACL cannot serve CloudFront');
  const waf = template('waf.yaml');
  assert.equal(waf.Resources.WebAcl.Properties.Scope, 'CLOUDFRONT');
  assert.deepEqual(waf.Outputs.WebAclArn.Value, { 'Fn::GetAtt': 'WebAcl.Arn' });
});

test('reserved concurrency is off unless asked for, and prod needs its own domain', () => {
  const t = template();
  assert.equal(t.Parameters.ReservedConcurrency.Default, 0);
  const fn = t.Resources.FormHandler.Properties;
  assert.deepEqual(fn.ReservedConcurrentExecutions, { 'Fn::If': ['HasReservedConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }] });
  assert.deepEqual(t.Rules.ProdHasOwnDomain.RuleCondition, { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] });
});
