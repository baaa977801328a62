/** The inbox's pure display logic: rule explanations, queue order and search, verifier verdict kinds, JSONL export. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bulkAction, makePendingItem } from '../../renderer/dev/fake-items.ts';
import { historyJsonLines } from '../../renderer/lib/history-export.ts';
import { DEFAULT_QUERY, entryOf, orderQueue, toolsOf } from '../../renderer/lib/queue-order.ts';
import { receiptFacts, verdictKind } from '../../renderer/lib/verdict.ts';
import { explainConditions } from '../../renderer/lib/why.ts';
import type { AuditEntryView } from '../../src/approver/api.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import type { VerifyResult } from '../../src/core/verify.ts';

describe('why: conditions checked against the params', () => {
  test('each condition says whether it holds and with which values', () => {
    assert.deepEqual(explainConditions(['amount > 100', 'not exists dryRun', 'region in ["eu"]'], { amount: 250 }), [
      { condition: 'amount > 100', holds: true, values: ['amount = 250'] },
      { condition: 'not exists dryRun', holds: true, values: ['dryRun is absent'] },
      { condition: 'region in ["eu"]', holds: false, values: ['region is absent'] },
    ]);
  });

  test('a condition that cannot be read is said so, never counted as holding', () => {
    assert.deepEqual(explainConditions(['amount = 5'], { amount: 5 }), [
      { condition: 'amount = 5', holds: null, values: [] },
    ]);
  });
});

describe('queue order', () => {
  const operator = generateKeyPair();
  const now = Date.parse('2026-12-01T10:00:00Z');
  const items = [0, 1, 2, 3, 4, 5].map((i) =>
    makePendingItem({
      teamId: 'acme',
      operator,
      action: bulkAction(i, now),
      ruleId: null,
      id: `apr_${i}`,
      createdAgoMs: (10 - i) * 1000,
      expiresInMs: (10 - i) * 60_000,
      now,
    }),
  );
  const entries = items.map(entryOf);
  const ids = (query = DEFAULT_QUERY) => orderQueue(entries, query).map((e) => e.item.approval.id);

  test('sorts by expiry, newest and risk', () => {
    assert.deepEqual(ids(), ['apr_5', 'apr_4', 'apr_3', 'apr_2', 'apr_1', 'apr_0']);
    assert.deepEqual(ids({ ...DEFAULT_QUERY, sort: 'newest' }), ['apr_5', 'apr_4', 'apr_3', 'apr_2', 'apr_1', 'apr_0']);
    // db.delete (destructive) outranks crm.merge (no cue).
    const risk = ids({ ...DEFAULT_QUERY, sort: 'risk' });
    assert.ok(risk.indexOf('apr_3') < risk.indexOf('apr_5'), risk.join(','));
  });

  test('filters by tool and searches tool, account, workflow and code (spaces and dashes ignored)', () => {
    assert.deepEqual(toolsOf(entries), [
      'crm.merge',
      'data.export',
      'db.delete',
      'deploy.production',
      'email.send',
      'payments.refund',
    ]);
    assert.deepEqual(ids({ ...DEFAULT_QUERY, tool: 'email.send' }), ['apr_1']);
    assert.deepEqual(ids({ ...DEFAULT_QUERY, search: 'agent-2' }), ['apr_2']);
    const code = items[4]?.shortCode ?? '';
    assert.deepEqual(ids({ ...DEFAULT_QUERY, search: code.toLowerCase().replace('-', ' ') }), ['apr_4']);
    assert.deepEqual(ids({ ...DEFAULT_QUERY, search: 'refund cust-1000' }), ['apr_0']);
  });

  test('a quarantined item ranks highest risk and shows no risk cues', () => {
    const bad = entryOf(
      makePendingItem({
        teamId: 'acme',
        operator,
        action: bulkAction(0, now),
        ruleId: null,
        expiresInMs: 1,
        tamper: true,
      }),
    );
    assert.equal(bad.risk, 100);
    assert.deepEqual(bad.cues, []);
  });
});

describe('verifier verdict kinds', () => {
  const result = (over: Partial<VerifyResult>): VerifyResult => ({
    ok: false,
    valid: false,
    verdict: 'block',
    claimedVerdict: 'suspend',
    reasons: [],
    operatorKeyId: null,
    approverKeyId: null,
    decision: null,
    quorum: null,
    ...over,
  });
  test('untrusted-only is its own kind; any forgery reason makes it invalid', () => {
    const untrusted = { code: 'approver_untrusted' as const, message: 'not pinned' };
    assert.equal(verdictKind(result({ reasons: [untrusted] })), 'untrusted');
    assert.equal(
      verdictKind(result({ reasons: [untrusted, { code: 'decision_denied', message: 'denied' }] })),
      'untrusted',
    );
    assert.equal(verdictKind(result({ reasons: [untrusted, { code: 'bad_cosignature', message: 'bad' }] })), 'invalid');
    assert.equal(verdictKind(result({ ok: true, valid: true, verdict: 'allow' })), 'allowed');
    assert.equal(receiptFacts({ not: 'a receipt' }), null);
  });
});

test('history export: one JSON object per line, oldest first', () => {
  const entry = (seq: number): AuditEntryView => ({
    seq,
    kind: 'enrol',
    at: '2026-12-01T10:00:00Z',
    summary: `entry ${seq}`,
    approvalId: null,
    decision: null,
    hash: `sha256:${'0'.repeat(64)}`,
    decided: null,
  });
  const text = historyJsonLines([entry(2), entry(1)]);
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(
    text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as AuditEntryView).seq),
    [1, 2],
  );
});
