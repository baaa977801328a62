/** Operator-key trust rules (pure): first seen, trusted, changed; pinning, re-pinning, removing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTrust, assessOperator, removeTrust, type TrustedOperator } from '../../src/approver/operator-trust.ts';
import { b64url } from '../../src/core/encoding.ts';
import { fingerprintOf, generateKeyPair } from '../../src/core/index.ts';

const NOW = '2026-12-02T00:00:00.000Z';
const keyA = b64url.encode(generateKeyPair().publicKey);
const keyB = b64url.encode(generateKeyPair().publicKey);

test('an empty trust list sees every key as first seen; a pinned key is trusted only for its workflows', () => {
  assert.equal(assessOperator([], keyA, 'refund-bot').trust, 'first_seen');
  const list = addTrust([], { publicKey: keyA, workflows: ['refund-bot'], source: 'pinned', now: NOW });
  assert.equal(assessOperator(list, keyA, 'refund-bot').trust, 'trusted');
  assert.equal(assessOperator(list, keyA, 'deploy-bot').trust, 'first_seen', 'a known key on a new workflow');
  const changed = assessOperator(list, keyB, 'refund-bot');
  assert.equal(changed.trust, 'changed');
  assert.deepEqual(
    changed.pinnedKeys.map((k) => k.fingerprint),
    [fingerprintOf(keyA)],
  );
  assert.equal(assessOperator(list, keyB, 'other').trust, 'first_seen');
});

test('pinning a workflow held by another key needs replace; replace moves only that workflow', () => {
  let list: TrustedOperator[] = addTrust([], {
    publicKey: keyA,
    workflows: ['refund-bot', 'mail-bot'],
    source: 'pinned',
    now: NOW,
  });
  assert.throws(
    () => addTrust(list, { publicKey: keyB, workflows: ['refund-bot'], source: 'confirmed', now: NOW }),
    /already pinned to another operator key.*--replace/,
  );
  list = addTrust(list, { publicKey: keyB, workflows: ['refund-bot'], source: 'pinned', now: NOW, replace: true });
  assert.equal(assessOperator(list, keyB, 'refund-bot').trust, 'trusted');
  assert.equal(assessOperator(list, keyA, 'refund-bot').trust, 'changed');
  assert.equal(assessOperator(list, keyA, 'mail-bot').trust, 'trusted');
  // Adding a workflow to a pinned key merges, and keeps its origin.
  list = addTrust(list, { publicKey: keyA, workflows: ['deploy-bot'], source: 'confirmed', now: NOW });
  const a = list.find((t) => t.publicKey === keyA);
  assert.deepEqual(a?.workflows, ['deploy-bot', 'mail-bot']);
  assert.equal(a?.source, 'pinned');
});

test('bad keys and workflows are refused with what is wrong; remove by key id or fingerprint', () => {
  assert.throws(
    () => addTrust([], { publicKey: 'not-a-key', workflows: ['w'], source: 'pinned', now: NOW }),
    /operator public key/,
  );
  assert.throws(() => addTrust([], { publicKey: keyA, workflows: [], source: 'pinned', now: NOW }), /workflow/);
  assert.throws(
    () => addTrust([], { publicKey: keyA, workflows: ['bad workflow!'], source: 'pinned', now: NOW }),
    /not a valid workflow/,
  );
  const list = addTrust([], { publicKey: keyA, workflows: ['a', 'b'], source: 'pinned', now: NOW });
  const fewer = removeTrust(list, fingerprintOf(keyA), 'a');
  assert.deepEqual(fewer[0]?.workflows, ['b']);
  assert.deepEqual(removeTrust(fewer, fewer[0]?.keyId ?? ''), []);
  assert.throws(() => removeTrust(list, 'ffff'), /No trusted operator key/);
});
