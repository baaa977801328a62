/** The approver's operator-key trust refuses keys the Ed25519 rule refuses (docs/protocol.md §1.3), naming why. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTrust, assessOperator } from '../../src/approver/operator-trust.ts';

const NOW = '2026-03-02T09:00:00.000Z';
const identity = `AQ${'A'.repeat(41)}`; // 01 00 … 00: the identity point, small order
const yIsP = Buffer.from(`ed${'ff'.repeat(30)}7f`, 'hex').toString('base64url'); // y = p: non-canonical

test('trusting a small-order or non-canonical operator key is refused with the reason', () => {
  assert.throws(
    () => addTrust([], { publicKey: identity, workflows: ['refunds'], source: 'pinned', now: NOW }),
    /small-order Ed25519 point/,
  );
  assert.throws(
    () => addTrust([], { publicKey: yIsP, workflows: ['refunds'], source: 'pinned', now: NOW }),
    /not the canonical encoding/,
  );
  // Such a key is never "trusted", whatever list a hostile store returns.
  const view = assessOperator(
    [{ keyId: '00', fingerprint: '', publicKey: identity, workflows: ['refunds'], addedAt: '' } as never],
    identity,
    'refunds',
  );
  assert.notEqual(view.trust, 'trusted');
});
