import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { computeActionHash, keyIdOf, randomBytes, setSha256, sha256 } from '../../src/core/crypto.ts';
import { installNodeCrypto, nodeSha256 } from '../../src/core/ed25519-node.ts';
import { toHex } from '../../src/core/encoding.ts';

test('node:crypto SHA-256 and the pure-JS one agree on 1,000 random inputs of every size', () => {
  for (let i = 0; i < 1000; i++) {
    const bytes = randomBytes(i % 300);
    assert.equal(toHex(nodeSha256(bytes)), toHex(nobleSha256(bytes)), `input #${i} (${bytes.length} bytes)`);
  }
});

test('switching core to node:crypto changes no action hash or key id', () => {
  const action = {
    tool: 'payments.refund',
    params: { amount: 250, currency: 'EUR', note: 'Ünïcödé ✓ 😀' },
    account: 'cust-1',
    workflow: 'wf',
    capturedAt: '2026-11-27T10:00:00.000Z',
  };
  const key = randomBytes(32);
  try {
    setSha256(nobleSha256);
    const pure = [computeActionHash(action), keyIdOf(key), toHex(sha256(key))];
    installNodeCrypto();
    assert.deepEqual([computeActionHash(action), keyIdOf(key), toHex(sha256(key))], pure);
    // The known-answer: SHA-256("abc").
    assert.equal(
      toHex(sha256(new TextEncoder().encode('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  } finally {
    setSha256(nobleSha256);
  }
});
