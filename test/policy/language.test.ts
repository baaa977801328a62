import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Action, type PolicyDocument, quorumOfRule } from '../../src/core/schemas.ts';
import { evaluate, PolicyError, parseCondition, testCondition, validatePolicy } from '../../src/policy/index.ts';

const action = (over: Partial<Action> = {}): Action => ({
  tool: 'payments.refund',
  params: {},
  account: 'acct-1',
  workflow: 'support-bot',
  capturedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const holds = (cond: string, params: Action['params']) => testCondition(parseCondition(cond), params);

describe('conditions', () => {
  test('numeric comparisons', () => {
    assert.equal(holds('amount > 100', { amount: 101 }), true);
    assert.equal(holds('amount > 100', { amount: 100 }), false);
    assert.equal(holds('amount >= 100', { amount: 100 }), true);
    assert.equal(holds('amount < 100', { amount: 99.5 }), true);
    assert.equal(holds('amount <= -1', { amount: -1 }), true);
    assert.equal(holds('amount > 1e3', { amount: 1001 }), true);
  });

  test('comparisons never coerce: missing or wrong-typed values are false', () => {
    assert.equal(holds('amount > 100', { amount: '5000' }), false);
    assert.equal(holds('amount > 100', {}), false);
    assert.equal(holds('amount < 100', { amount: null }), false);
    assert.equal(holds('amount == 5', { amount: '5' }), false);
    assert.equal(holds('currency != "EUR"', {}), false);
  });

  test('string comparisons are ordinal (ISO dates compare correctly)', () => {
    assert.equal(holds('date >= "2026-01-01"', { date: '2026-03-01' }), true);
    assert.equal(holds('date >= "2026-01-01"', { date: '2025-12-31' }), false);
  });

  test('equality on strings, booleans and null, with either quote style', () => {
    assert.equal(holds('currency == "EUR"', { currency: 'EUR' }), true);
    assert.equal(holds("currency == 'EUR'", { currency: 'EUR' }), true);
    assert.equal(holds('currency == "EUR"', { currency: 'eur' }), false);
    assert.equal(holds('currency != "EUR"', { currency: 'USD' }), true);
    assert.equal(holds('dryRun == true', { dryRun: true }), true);
    assert.equal(holds('dryRun == false', { dryRun: true }), false);
    assert.equal(holds('note == null', { note: null }), true);
    assert.equal(holds('quote == "say \\"hi\\""', { quote: 'say "hi"' }), true);
  });

  test('in and not in lists', () => {
    assert.equal(holds('region in ["eu", "us"]', { region: 'eu' }), true);
    assert.equal(holds('region in ["eu", "us"]', { region: 'apac' }), false);
    assert.equal(holds('region not in ["eu", "us"]', { region: 'apac' }), true);
    assert.equal(holds('region not in ["eu", "us"]', { region: 'us' }), false);
    assert.equal(holds('region not in ["eu"]', {}), false);
    assert.equal(holds('code in [1, 2, 3]', { code: 2 }), true);
    assert.equal(holds('region in []', { region: 'eu' }), false);
    assert.equal(holds('region in ["eu"]', { region: ['eu'] }), false);
  });

  test('startsWith, endsWith, contains', () => {
    assert.equal(holds('to endsWith "@example.com"', { to: 'ann@example.com' }), true);
    assert.equal(holds('to endsWith "@example.com"', { to: 'ann@example.com.evil.io' }), false);
    assert.equal(holds('branch startsWith "release/"', { branch: 'release/1.2' }), true);
    assert.equal(holds('branch startsWith "release/"', { branch: 5 }), false);
    assert.equal(holds('subject contains "invoice"', { subject: 'your invoice #12' }), true);
    assert.equal(holds('tags contains "pii"', { tags: ['billing', 'pii'] }), true);
    assert.equal(holds('tags contains "pii"', { tags: ['billing'] }), false);
    assert.equal(holds('ids contains 7', { ids: [1, 7] }), true);
  });

  test('exists, not exists, and not', () => {
    assert.equal(holds('exists dryRun', { dryRun: false }), true);
    assert.equal(holds('exists dryRun', {}), false);
    assert.equal(holds('exists dryRun', { dryRun: null }), false);
    assert.equal(holds('not exists dryRun', {}), true);
    assert.equal(holds('not currency == "EUR"', {}), true);
    assert.equal(holds('not amount > 100', { amount: 500 }), false);
  });

  test('dotted paths through objects and arrays, own properties only', () => {
    const params = { customer: { address: { country: 'DE' } }, items: [{ sku: 'A' }, { sku: 'B' }] };
    assert.equal(holds('customer.address.country == "DE"', params), true);
    assert.equal(holds('items.1.sku == "B"', params), true);
    assert.equal(holds('items.2.sku == "B"', params), false);
    assert.equal(holds('customer.missing.deeper == "x"', params), false);
    assert.equal(holds('exists constructor', {}), false);
    assert.equal(holds('exists customer.toString', params), false);
  });

  test('syntax errors say where and what was expected', () => {
    const cases: [string, RegExp][] = [
      ['amount >> 100', /expected a value.*column 9/],
      ['amount = 100', /use "==".*column 8/],
      ['amount', /expected an operator/],
      ['currency == EUR', /put text in quotes: "EUR"/],
      ['amount > true', /compares numbers or strings/],
      ['region in "eu"', /expected a list/],
      ['region in ["eu" "us"]', /expected "," or "]"/],
      ['to endsWith 5', /needs a "string" value/],
      ['name == "open', /string is not closed/],
      ['amount > 100 and x == 1', /one condition per string/],
      ['amount like 5', /unknown operator "like"/],
      ['', /empty/],
      ['region not ["eu"]', /expected "in" after "not"/],
      ['amount > 100 # comment', /unexpected character "#"/],
    ];
    for (const [src, pattern] of cases) assert.throws(() => parseCondition(src), pattern, src);
  });
});

const policy: PolicyDocument = {
  version: 'v7',
  defaultVerdict: 'allow',
  rules: [
    { id: 'no-prod-deletes', verdict: 'block', match: { tool: 'db.delete', account: ['prod-*'] } },
    { id: 'big-refunds', verdict: 'suspend', match: { tool: 'payments.refund' }, when: ['amount > 100'] },
    {
      id: 'external-mail',
      verdict: 'suspend',
      match: { tool: 'email.*' },
      when: ['not to endsWith "@example.com"', 'not exists dryRun'],
    },
    { id: 'nightly-anything', verdict: 'allow', match: { workflow: 'nightly-*' } },
    { id: 'all-deploys', verdict: 'suspend', match: { tool: ['deploy.production', 'deploy.hotfix'] } },
    { id: 'everything-else-on-legacy', verdict: 'block', match: { account: 'legacy', tool: '*' } },
  ],
};

describe('evaluate', () => {
  test('first matching rule wins and is reported with the policy version', () => {
    const r = evaluate(action({ tool: 'payments.refund', params: { amount: 250 } }), policy);
    assert.deepEqual(
      { verdict: r.verdict, ruleId: r.ruleId, policy: r.policy },
      { verdict: 'suspend', ruleId: 'big-refunds', policy: { version: 'v7', ruleId: 'big-refunds' } },
    );
    assert.equal(r.rule?.id, 'big-refunds');
  });

  test('the default verdict applies when no rule matches', () => {
    const r = evaluate(action({ params: { amount: 20 } }), policy);
    assert.deepEqual([r.verdict, r.ruleId, r.rule, r.policy.ruleId], ['allow', null, null, null]);
    const strict = evaluate(action({ params: { amount: 20 } }), { ...policy, defaultVerdict: 'suspend' });
    assert.equal(strict.verdict, 'suspend');
  });

  test('match on account with a prefix glob', () => {
    assert.equal(evaluate(action({ tool: 'db.delete', account: 'prod-eu' }), policy).ruleId, 'no-prod-deletes');
    assert.equal(evaluate(action({ tool: 'db.delete', account: 'staging' }), policy).ruleId, null);
  });

  test('match on tool with a prefix glob and all conditions required', () => {
    const mail = (to: string, extra = {}) => action({ tool: 'email.send', params: { to, ...extra } });
    assert.equal(evaluate(mail('x@other.io'), policy).verdict, 'suspend');
    assert.equal(evaluate(mail('x@example.com'), policy).verdict, 'allow');
    assert.equal(evaluate(mail('x@other.io', { dryRun: true }), policy).verdict, 'allow');
  });

  test('match on workflow, and order decides between overlapping rules', () => {
    const nightlyDeploy = action({ tool: 'deploy.production', workflow: 'nightly-build' });
    assert.equal(evaluate(nightlyDeploy, policy).ruleId, 'nightly-anything');
    const humanDeploy = action({ tool: 'deploy.production', workflow: 'release-bot' });
    assert.equal(evaluate(humanDeploy, policy).ruleId, 'all-deploys');
    assert.equal(evaluate(action({ tool: 'deploy.hotfix' }), policy).ruleId, 'all-deploys');
  });

  test('"*" alone matches any value; a rule without match or when matches everything', () => {
    assert.equal(
      evaluate(action({ tool: 'anything.at.all', account: 'legacy' }), policy).ruleId,
      'everything-else-on-legacy',
    );
    const catchAll: PolicyDocument = {
      version: '1',
      defaultVerdict: 'allow',
      rules: [{ id: 'all', verdict: 'block' }],
    };
    assert.equal(evaluate(action(), catchAll).verdict, 'block');
  });

  test('an exact matcher does not match a longer name', () => {
    assert.equal(evaluate(action({ tool: 'deploy.production.eu' }), policy).ruleId, null);
  });

  test('evaluating an invalid policy throws PolicyError naming the rule and condition', () => {
    const bad = { ...policy, rules: [{ id: 'broken', verdict: 'block' as const, when: ['amount >> 1'] }] };
    assert.throws(
      () => evaluate(action(), bad),
      (err: unknown) =>
        err instanceof PolicyError &&
        /rule "broken" condition "amount >> 1"/.test(err.message) &&
        err.issues.length === 1,
    );
  });
});

describe('validatePolicy', () => {
  test('accepts a good policy and returns it typed', () => {
    const r = validatePolicy(JSON.parse(JSON.stringify(policy)));
    assert.equal(r.ok, true);
    if (r.ok) assert.equal(r.compiled.rules.length, policy.rules.length);
  });

  test('reports every bad condition, bad glob and duplicate id, each with its rule', () => {
    const r = validatePolicy({
      version: '1',
      defaultVerdict: 'block',
      rules: [
        { id: 'a', verdict: 'allow', when: ['amount > 1', 'currency = "EUR"'] },
        { id: 'b', verdict: 'block', match: { tool: ['db.*', 'pay*ments'] } },
        { id: 'a', verdict: 'suspend', when: ['region in ['] },
      ],
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.issues.map((i) => [i.ruleId, i.path, i.condition ?? null]),
      [
        ['a', 'rules[0].when[1]', 'currency = "EUR"'],
        ['b', 'rules[1].match.tool[1]', null],
        ['a', 'rules[2].id', null],
        ['a', 'rules[2].when[0]', 'region in ['],
      ],
    );
  });

  test('reports shape errors with a path and the rule id when known; never throws on junk', () => {
    const r = validatePolicy({
      version: '1',
      defaultVerdict: 'maybe',
      rules: [{ id: 'x', verdict: 'allow', extra: 1 }],
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.issues.some((i) => i.path === 'defaultVerdict'));
    assert.ok(r.issues.some((i) => i.ruleId === 'x' && i.path.startsWith('rules[0]')));
    for (const junk of [null, 42, 'policy', [], { rules: 'x' }]) assert.equal(validatePolicy(junk).ok, false);
  });
});

describe('quorum (rules[].approvals)', () => {
  const base = { version: 'q1', defaultVerdict: 'allow' as const };
  const withApprovals = (approvals: unknown, verdict = 'suspend') =>
    validatePolicy({ ...base, rules: [{ id: 'two', verdict, approvals }] });

  test('valid quorums are accepted and turned into the signed requirement', () => {
    for (const approvals of [
      { required: 2 },
      { groups: { finance: 1, security: 1 } },
      { required: 3, groups: { security: 1 } },
      { required: 2, veto: false },
      { required: 1 },
    ])
      assert.equal(withApprovals(approvals).ok, true, JSON.stringify(approvals));
    assert.deepEqual(quorumOfRule({ groups: { finance: 1, security: 1 } }), {
      required: 2,
      groups: { finance: 1, security: 1 },
    });
    assert.deepEqual(quorumOfRule({ required: 2, veto: true }), { required: 2 });
    assert.deepEqual(quorumOfRule({ required: 1, veto: false }), { required: 1, veto: false });
    assert.equal(quorumOfRule({ required: 1 }), undefined, 'one approval with veto keeps today’s receipts');
    assert.equal(quorumOfRule(undefined), undefined);
  });

  test('invalid quorums are refused with the rule and the reason', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ required: 0 }, 'suspend', /too small|>=1/i],
      [{ required: 11 }, 'suspend', /too big|<=10/i],
      [{ required: 1.5 }, 'suspend', /integer|int/i],
      [{ groups: {} }, 'suspend', /at least one group/],
      [{ required: 1, groups: { finance: 1, security: 1 } }, 'suspend', /add up to 2, more than the 1/],
      [{ groups: { a: 6, b: 5 } }, 'suspend', /at most 10 approvals/],
      [{ required: 2, extra: true }, 'suspend', /unrecognized|extra/i],
      [{ required: 2 }, 'allow', /only a "suspend" rule asks for approvals/],
    ];
    for (const [approvals, verdict, message] of cases) {
      const result = withApprovals(approvals, verdict);
      assert.equal(result.ok, false, JSON.stringify(approvals));
      assert.ok(!result.ok);
      assert.equal(result.issues[0]?.ruleId, 'two');
      assert.match(result.issues.map((i) => i.message).join('\n'), message, JSON.stringify(approvals));
    }
  });
});
