/** Risk cues must be faithful: every amount, each with its own currency, exactly as the action carries it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAmount, riskCues } from '../../renderer/lib/risk.ts';
import type { Action, JsonObject } from '../../src/core/schemas.ts';

function action(params: JsonObject, tool = 'payments.refund'): Action {
  return { tool, account: 'cust_1', workflow: 'support', capturedAt: '2026-12-01T10:00:00Z', params };
}

const amounts = (params: JsonObject) =>
  riskCues(action(params))
    .filter((c) => c.kind === 'amount')
    .map((c) => c.label);

describe('risk cues', () => {
  test('a 4,999 EUR refund beside a 1 JPY fee never reads in the fee’s currency', () => {
    assert.deepEqual(amounts({ fee: { amount: 1, currency: 'JPY' }, refund: { amount: 4999, currency: 'EUR' } }), [
      'fee.amount: 1 JPY',
      'refund.amount: 4,999 EUR',
    ]);
  });

  test('every amount is shown, not the first two', () => {
    const labels = amounts({
      lines: [
        { amount: 10, currency: 'USD' },
        { amount: 20, currency: 'GBP' },
        { amount: 30000, currency: 'CHF' },
      ],
    });
    assert.deepEqual(labels, ['lines[0].amount: 10 USD', 'lines[1].amount: 20 GBP', 'lines[2].amount: 30,000 CHF']);
  });

  test('an amount takes the nearest enclosing currency; none means no currency is invented', () => {
    assert.deepEqual(amounts({ currency: 'EUR', items: [{ amount: 5 }, { amount: 7, currency: 'SEK' }] }), [
      'items[0].amount: 5 EUR',
      'items[1].amount: 7 SEK',
    ]);
    assert.deepEqual(amounts({ amount: 12 }), ['amount: 12']);
  });

  test('amounts are shown exactly: no float rounding of long decimals or big integers', () => {
    assert.equal(formatAmount('12345678901234567890'), '12,345,678,901,234,567,890');
    assert.equal(formatAmount('0.123456789123'), '0.123456789123');
    assert.equal(formatAmount(-4999.5), '-4,999.5');
    assert.deepEqual(amounts({ amount: '1000000.0000001', currency: 'EUR' }), ['amount: 1,000,000.0000001 EUR']);
  });
});
