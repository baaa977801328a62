import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { test } from 'node:test';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import {
  computeActionHash,
  EncodingError,
  fingerprintOf,
  fromHex,
  generateKeyPair,
  keyIdOf,
  publicKeyFromSecret,
  randomBytes,
  sha256,
  shortCode,
  signBytes,
  toHex,
  verifyBytes,
} from '../../src/core/index.ts';

/** RFC 8032 §7.1: TEST 1, 2, 3 and TEST SHA(abc). [secret seed, public key, message, signature] */
const RFC8032_VECTORS: [string, string, string, string][] = [
  [
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
  [
    '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    // SHA-512("abc")
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  ],
];

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const nodePrivateKey = (seed: Uint8Array) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });

test('RFC 8032 §7.1 test vectors: key derivation, signing, both verifiers', () => {
  for (const [seedHex, publicHex, messageHex, signatureHex] of RFC8032_VECTORS) {
    const seed = fromHex(seedHex);
    const message = fromHex(messageHex);
    const publicKey = publicKeyFromSecret(seed);
    assert.equal(toHex(publicKey), publicHex);
    const signature = signBytes(message, seed);
    assert.equal(toHex(signature), signatureHex);
    assert.ok(verifyBytes(signature, message, publicKey));
    assert.ok(nodeVerify(signature, message, publicKey));
    const wrong = new Uint8Array([...message, 0]);
    assert.ok(!verifyBytes(signature, wrong, publicKey));
    assert.ok(!nodeVerify(signature, wrong, publicKey));
  }
  assert.equal(toHex(createHash('sha512').update('abc').digest()), RFC8032_VECTORS[3]![2]);
});

test('1,000 random messages: noble-signed verify with node:crypto and the reverse', () => {
  // 500 each way over a few keys (noble's pure-JS verify costs milliseconds; keys are not what varies here).
  const nobleKeys = Array.from({ length: 8 }, () => generateKeyPair());
  const nodeKeys = Array.from({ length: 8 }, () => {
    const pair = generateKeyPairSync('ed25519');
    return {
      privateKey: pair.privateKey,
      publicKey: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12)),
    };
  });
  for (let i = 0; i < 1000; i++) {
    const message = randomBytes((i * 7) % 301);
    const tamperToo = i % 10 < 2;
    if (i % 2 === 0) {
      const { secretKey, publicKey } = nobleKeys[i % 8]!;
      const signature = signBytes(message, secretKey);
      assert.ok(nodeVerify(signature, message, publicKey), `noble → node #${i}`);
      if (tamperToo) {
        signature[i % 64]! ^= 1 << (i % 8);
        assert.ok(!nodeVerify(signature, message, publicKey), `tampered noble → node #${i}`);
      }
    } else {
      const { privateKey, publicKey } = nodeKeys[i % 8]!;
      const signature = new Uint8Array(nodeSign(null, message, privateKey));
      assert.ok(verifyBytes(signature, message, publicKey), `node → noble #${i}`);
      if (tamperToo) {
        signature[i % 64]! ^= 1 << (i % 8);
        assert.ok(!verifyBytes(signature, message, publicKey), `tampered node → noble #${i}`);
      }
    }
  }
});

test('node:crypto and noble derive the same public key from a seed', () => {
  for (let i = 0; i < 20; i++) {
    const seed = randomBytes(32);
    const fromNode = createPublicKey(nodePrivateKey(seed)).export({ format: 'der', type: 'spki' }).subarray(12);
    assert.equal(toHex(publicKeyFromSecret(seed)), fromNode.toString('hex'));
  }
});

test('verifiers return false (never throw) on wrong lengths and garbage', () => {
  const { publicKey, secretKey } = generateKeyPair();
  const signature = signBytes(new Uint8Array([1]), secretKey);
  for (const verify of [verifyBytes, nodeVerify]) {
    assert.equal(verify(signature.subarray(0, 63), new Uint8Array([1]), publicKey), false);
    assert.equal(verify(signature, new Uint8Array([1]), publicKey.subarray(0, 31)), false);
    assert.equal(verify(new Uint8Array(64), new Uint8Array([1]), publicKey), false);
    assert.equal(verify(new Uint8Array(64).fill(0xff), new Uint8Array([1]), new Uint8Array(32).fill(0xff)), false);
  }
});

test('signing refuses a secret key of the wrong length', () => {
  assert.throws(() => signBytes(new Uint8Array([1]), new Uint8Array(31)), EncodingError);
  assert.throws(() => publicKeyFromSecret(new Uint8Array(64)), EncodingError);
});

test('key id, fingerprint, short code', () => {
  const { publicKey } = generateKeyPair();
  const expectedId = createHash('sha256').update(publicKey).digest('hex').slice(0, 32);
  assert.equal(keyIdOf(publicKey), expectedId);
  assert.equal(keyIdOf(Buffer.from(publicKey).toString('base64url')), expectedId);
  assert.match(fingerprintOf(publicKey), /^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
  assert.equal(fingerprintOf(publicKey).replaceAll(' ', '').toLowerCase(), expectedId);
  assert.throws(() => keyIdOf(new Uint8Array(31)), EncodingError);

  assert.equal(toHex(sha256(new TextEncoder().encode('abc'))), createHash('sha256').update('abc').digest('hex'));
  const hash = computeActionHash({ tool: 'x', n: 1 });
  assert.equal(hash, `sha256:${createHash('sha256').update('{"n":1,"tool":"x"}').digest('hex')}`);
  // First 30 bits of 0x00000000… → 000-000; of 0xffffffff… → ZZZ-ZZZ; 0x08421084 → 0100 0010 …
  assert.equal(shortCode(`sha256:${'0'.repeat(64)}`), '000-000');
  assert.equal(shortCode(`sha256:${'f'.repeat(64)}`), 'ZZZ-ZZZ');
  assert.equal(shortCode(`sha256:08421084${'0'.repeat(56)}`), '111-111');
  assert.match(shortCode(hash), /^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$/);
  for (const bad of ['sha256:abc', `sha1:${'0'.repeat(64)}`, `sha256:${'A'.repeat(64)}`]) {
    assert.throws(() => shortCode(bad), EncodingError);
  }
});
