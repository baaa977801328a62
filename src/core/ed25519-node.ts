/**
 * Node-only Ed25519 verification through node:crypto (OpenSSL), several times faster
 * than the pure-JS path. Same contract and the same rule as `verifyBytes` (docs/protocol.md §1.3); not exported from index.ts so
 * browser bundles never pull in node:crypto.
 */
import { createPrivateKey, createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';
import { type Ed25519Signing, type Ed25519Verify, type Sha256, setEd25519Signing, setSha256 } from './crypto.ts';
import { publicKeyProblem } from './ed25519-rule.ts';

/** DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410); the raw 32 bytes follow. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Servers verify the same few keys over and over; parsing a KeyObject is the costly part.
 * A key the HESO rule refuses (non-canonical or small order: checks OpenSSL does not make)
 * is cached as null, so the rule's extra cost is paid once per key.
 */
const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_LIMIT = 1024;

function keyObjectFor(publicKey: Uint8Array): KeyObject | null {
  const cacheKey = Buffer.from(publicKey).toString('base64');
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key =
      publicKeyProblem(publicKey) === null
        ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
        : null;
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(cacheKey, key);
  }
  return key;
}

export const nodeVerify: Ed25519Verify = (signature, message, publicKey) => {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    const key = keyObjectFor(publicKey);
    // OpenSSL then checks S < L, R canonical (it compares R's bytes) and the cofactorless equation.
    return key !== null && verify(null, message, key, signature);
  } catch {
    return false;
  }
};

/** DER PKCS#8 header for an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A KeyObject for one use. The DER buffer holding the seed is zeroed at once; the KeyObject
 * lives in OpenSSL memory until collected, the same exposure as the caller's own bytes,
 * which the caller zeroes (secrets.ts). Private keys are never cached.
 */
function privateKeyObject(secretKey: Uint8Array): KeyObject {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** Ed25519 signing through node:crypto: byte-identical to @noble/ed25519 (cross-checked in tests). */
export const nodeSigning: Ed25519Signing = {
  sign: (message, secretKey) => new Uint8Array(sign(null, message, privateKeyObject(secretKey))),
  publicKey: (secretKey) => {
    const spki = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length));
  },
};

/** SHA-256 through node:crypto's one-shot `hash` (no Hash object per digest); the same digest as the pure-JS one (cross-checked in tests). */
export const nodeSha256: Sha256 = (bytes) => new Uint8Array(hash('sha256', bytes, 'buffer'));

/** Makes every hash in core (action hashes, key ids) use node:crypto in this process. */
export function installNodeCrypto(): void {
  setSha256(nodeSha256);
}

/** Hashing and signing through node:crypto in this process (the approver engine under Node or Electron). */
export function installNodeSigning(): void {
  installNodeCrypto();
  setEd25519Signing(nodeSigning);
}
