/** Headlines come from the params (faithfully); the agent's summary is checked against them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headlineOf } from '../../renderer/lib/headline.ts';
import { checkSummary, describeFlag } from '../../renderer/lib/summary-check.ts';
import type { Action, JsonObject } from '../../src/core/schemas.ts';

function action(tool: string, params: JsonObject, summary?: string): Action {
  return {
    tool,
    account: 'cust-4821',
    workflow: 'support-agent',
    capturedAt: '2026-12-01T10:00:00Z',
    params,
    ...(summary === undefined ? {} : { summary }),
  };
}

describe('headline', () => {
  test('a known tool reads as a sentence built from its params', () => {
    const h = headlineOf(action('payments.refund', { amount: 250, currency: 'EUR', orderId: '99812' }));
    assert.equal(h.text, 'Refund 250 EUR · account cust-4821 · order 99812');
    assert.equal(h.known, true);
    assert.deepEqual(h.keyValues, [
      { label: 'Amount', value: '250 EUR' },
      { label: 'Account', value: 'cust-4821' },
    ]);
  });

  test('amounts stay exact and grouped; a recipient is a key value of a transfer and an email', () => {
    const t = headlineOf(action('payments.transfer', { amount: '12345678.10', currency: 'USD', iban: 'DE89 3704' }));
    assert.equal(t.text, 'Transfer 12,345,678.10 USD to DE89 3704');
    assert.deepEqual(
      t.keyValues.map((k) => k.label),
      ['Amount', 'Recipient', 'Account'],
    );
    const e = headlineOf(action('email.send', { to: 'x@evil.test', subject: 'Invoice' }));
    assert.equal(e.text, 'Email x@evil.test · “Invoice”');
  });

  test('a known tool missing what its sentence needs falls back to the generic form, never a guess', () => {
    const h = headlineOf(action('payments.refund', { amount: 'lots', currency: 'EUR' }));
    assert.equal(h.known, false);
    assert.equal(h.text, 'payments.refund · amount=lots · currency=EUR · account cust-4821');
  });

  test('an unknown tool shows its first params as they are, and how many more there are', () => {
    const h = headlineOf(action('crm.merge', { from: 'a', into: 'b', keep: true, dryRun: false, notes: { x: 1 } }));
    assert.equal(h.text, 'crm.merge · from=a · into=b · keep=true · +2 more · account cust-4821');
    assert.deepEqual(h.keyValues, [{ label: 'Account', value: 'cust-4821' }]);
  });
});

describe('summary check', () => {
  const refund = (summary: string, params: JsonObject = { amount: 250, currency: 'EUR', orderId: '99812' }) =>
    checkSummary(action('payments.refund', params, summary));

  test('a summary that matches the params raises nothing', () => {
    assert.deepEqual(refund('Refund order #99812 (250 EUR, damaged in transit) for cust-4821'), []);
    assert.deepEqual(refund('Refund €250 for order 99812'), []);
  });

  test('an amount the params contradict is flagged with what the params say', () => {
    const flags = refund('Refund 25 EUR for order #99812');
    assert.equal(flags.length, 1);
    assert.deepEqual(flags[0], {
      kind: 'amount',
      mentioned: '25 EUR',
      problem: 'contradicts',
      params: 'amount = 250',
    });
    assert.match(describeFlag(flags[0]!), /says 25 EUR, but the parameters say amount = 250/);
  });

  test('another currency is a contradiction', () => {
    const flags = refund('Refund 250 USD');
    assert.deepEqual(
      flags.map((f) => [f.kind, f.problem]),
      [['currency', 'contradicts']],
    );
  });

  test('emails, hosts and ids the params do not contain are flagged as absent', () => {
    const flags = checkSummary(
      action(
        'email.send',
        { to: 'bob@example.com', body: 'hi' },
        'Send to alice@example.com via smtp.evil.test, ticket INV-2024-77',
      ),
    );
    assert.deepEqual(
      flags.map((f) => [f.kind, f.mentioned, f.problem]),
      [
        ['email', 'alice@example.com', 'absent'],
        ['host', 'smtp.evil.test', 'absent'],
        ['id', 'INV-2024-77', 'absent'],
      ],
    );
  });

  test('an order number that is not in the params is flagged', () => {
    assert.deepEqual(
      refund('Refund order #12345').map((f) => [f.kind, f.mentioned]),
      [['id', '#12345']],
    );
  });
});
