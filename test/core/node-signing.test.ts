/**
 * The approver engine signs through node:crypto; the renderer and the shared core default to
 * @noble/ed25519. Ed25519 is deterministic, so the two must give the same public key and the
 * same signature bytes for every key and message, and each must verify the other's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ed from '@noble/ed25519';
import { publicKeyFromSecret, randomBytes, setEd25519Signing, signBytes, verifyBytes } from '../../src/core/crypto.ts';
import { installNodeSigning, nodeSigning, nodeVerify } from '../../src/core/ed25519-node.ts';
import { toHex } from '../../src/core/encoding.ts';
import { buildReceipt } from '../../src/core/index.ts';

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

test('node:crypto and @noble/ed25519 give the same public keys and signatures on 100 random keys and messages', () => {
  for (let i = 0; i < 100; i++) {
    const secretKey = randomBytes(32);
    const message = randomBytes(i % 97);
    const publicKey = nodeSigning.publicKey(secretKey);
    assert.equal(toHex(publicKey), toHex(ed.getPublicKey(secretKey)), `public key #${i}`);
    const signature = nodeSigning.sign(message, secretKey);
    assert.equal(toHex(signature), toHex(ed.sign(message, secretKey)), `signature #${i}`);
    assert.equal(verifyBytes(signature, message, publicKey), true);
    assert.equal(nodeVerify(signature, message, publicKey), true);
    const flipped = signature.slice();
    flipped[i % 64]! ^= 1;
    assert.equal(nodeVerify(flipped, message, publicKey), verifyBytes(flipped, message, publicKey));
  }
});

test('node:crypto signing passes RFC 8032 test vector 2 (one-byte message)', () => {
  const secretKey = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
  assert.equal(
    toHex(nodeSigning.publicKey(secretKey)),
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  );
  assert.equal(
    toHex(nodeSigning.sign(fromHex('72'), secretKey)),
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  );
});

test('with node signing installed, core signs statements byte for byte as with noble', () => {
  const secretKey = randomBytes(32);
  const input = {
    teamId: 'team_x',
    receiptId: 'rcpt_fixed',
    action: {
      tool: 'payments.refund',
      params: { amount: 1, note: 'Ünïcödé ✓' },
      account: 'a',
      workflow: 'w',
      capturedAt: '2026-12-01T10:00:00.000Z',
    },
    verdict: 'suspend' as const,
    policy: { version: 'p1', ruleId: 'r1' },
    issuedAt: '2026-12-01T10:00:00.000Z',
  };
  try {
    setEd25519Signing(null);
    const pure = buildReceipt(input, secretKey);
    const purePublic = toHex(publicKeyFromSecret(secretKey));
    installNodeSigning();
    assert.deepEqual(buildReceipt(input, secretKey), pure);
    assert.equal(toHex(publicKeyFromSecret(secretKey)), purePublic);
    assert.equal(toHex(signBytes(new Uint8Array([7]), secretKey)), toHex(ed.sign(new Uint8Array([7]), secretKey)));
  } finally {
    setEd25519Signing(null);
  }
});
