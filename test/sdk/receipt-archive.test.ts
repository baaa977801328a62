import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attachCosignature,
  buildCosignature,
  buildReceipt,
  generateKeyPair,
  type Receipt,
} from '../../src/core/index.ts';
import { Outbox, ReceiptArchive } from '../../src/sdk/index.ts';
import { makeDataDir } from './helpers.ts';

const operator = generateKeyPair();
const approver = generateKeyPair();

function receiptAt(issuedAt: string): Receipt {
  return buildReceipt(
    {
      teamId: 'team_1',
      issuedAt,
      action: { tool: 'payments.refund', params: { amount: 500 }, account: 'a', workflow: 'w', capturedAt: issuedAt },
      verdict: 'suspend',
      policy: { version: 'p1', ruleId: 'big-refunds' },
    },
    operator.secretKey,
  );
}

function cosigned(receipt: Receipt): Receipt {
  const approval = {
    id: 'apr_1',
    teamId: 'team_1',
    challenge: 'Y2hhbGxlbmdlLWNoYWxsZW5nZS1jaGFsbGVuZ2UtMTI',
    expiresAt: '2099-01-01T00:00:00.000Z',
    receipt,
  };
  return attachCosignature(receipt, buildCosignature({ approval, decision: 'approve' }, approver.secretKey));
}

test('the outbox keeps a copy of every receipt after pushing it; the newest N are kept', () => {
  const { dataDir, cleanup } = makeDataDir();
  try {
    const outbox = new Outbox(dataDir, { archive: { maxReceipts: 3 } });
    const receipts = [4, 1, 5, 2, 3].map((s) => receiptAt(`2026-03-01T10:00:0${s}.000Z`));
    for (const r of receipts) outbox.enqueue(r);
    const kept = new ReceiptArchive(dataDir).list().map((r) => r.statement.issuedAt.slice(17, 19));
    assert.deepEqual(kept, ['03', '04', '05']);
  } finally {
    cleanup();
  }
});

test('a co-signed receipt replaces its plain copy, never the reverse', () => {
  const { dataDir, cleanup } = makeDataDir();
  try {
    const archive = new ReceiptArchive(dataDir);
    const plain = receiptAt('2026-03-01T10:00:00.000Z');
    archive.keep(plain);
    archive.keep(cosigned(plain));
    archive.keep(plain);
    const kept = archive.list();
    assert.equal(kept.length, 1);
    assert.ok(kept[0]!.cosignature, 'the co-signed version stays');
  } finally {
    cleanup();
  }
});
