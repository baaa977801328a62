/**
 * Hashes, Ed25519 and the identifiers derived from keys and actions.
 *
 * Ed25519 is @noble/ed25519's synchronous API (SHA-512 from @noble/hashes), so this file
 * runs unchanged in the renderer. Node callers that verify in bulk can pass the
 * node:crypto fast path from `ed25519-node.ts` wherever a `verify` option is accepted.
 */
import * as ed from '@noble/ed25519';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { canonicalize } from './canonical.ts';
import { verifyEd25519 } from './ed25519-rule.ts';
import { b64url, EncodingError, toHex, utf8 } from './encoding.ts';

ed.hashes.sha512 = sha512;

/** Ed25519 verification, pluggable so Node can use node:crypto. Returns false (never throws) on any bad input. */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

export interface KeyPair {
  /** The 32-byte RFC 8032 seed. Secret: keychain or 0600 key file only. */
  secretKey: Uint8Array;
  /** The 32-byte public key. */
  publicKey: Uint8Array;
}

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

let sha256Impl: Sha256 = nobleSha256;

/**
 * Swaps the SHA-256 implementation for the whole process. Node servers install node:crypto's
 * (`installNodeCrypto` in ed25519-node.ts): the same digest several times faster than pure JS,
 * which matters because every receipt check hashes the action and derives key ids.
 */
export function setSha256(impl: Sha256): void {
  sha256Impl = impl;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return sha256Impl(bytes);
}

/** Uniformly random bytes from the platform CSPRNG (Web Crypto, present in Node 20 and browsers). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** Ed25519 signing and public-key derivation (RFC 8032, deterministic): same bytes from any implementation. */
export interface Ed25519Signing {
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  publicKey(secretKey: Uint8Array): Uint8Array;
}

const nobleSigning: Ed25519Signing = {
  sign: (message, secretKey) => ed.sign(message, secretKey),
  publicKey: (secretKey) => ed.getPublicKey(secretKey),
};
let signingImpl: Ed25519Signing = nobleSigning;

/**
 * Swaps the signing implementation for the whole process, like `setSha256`: the approver
 * engine under Node installs node:crypto's (`installNodeSigning` in ed25519-node.ts), several
 * times faster than pure JS on the decision path. `null` restores @noble/ed25519.
 */
export function setEd25519Signing(impl: Ed25519Signing | null): void {
  signingImpl = impl ?? nobleSigning;
}

export function generateKeyPair(): KeyPair {
  const secretKey = randomBytes(32);
  return { secretKey, publicKey: signingImpl.publicKey(secretKey) };
}

export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, 32, 'secret key');
  return signingImpl.publicKey(secretKey);
}

export function signBytes(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, 32, 'secret key');
  return signingImpl.sign(message, secretKey);
}

/**
 * Pure-JS verification under HESO's one Ed25519 rule (docs/protocol.md §1.3, written out in
 * ed25519-rule.ts): canonical A and R, A not of small order, S < L, cofactorless equation.
 * node:crypto's `nodeVerify` applies the same rule, so the browser and the server accept
 * exactly the same signatures (checked against three public vector suites in the tests).
 */
export const verifyBytes: Ed25519Verify = verifyEd25519;

function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new EncodingError(`${what} must be ${length} bytes`);
  }
}

function publicKeyBytes(publicKey: Uint8Array | string): Uint8Array {
  const bytes = typeof publicKey === 'string' ? b64url.decode(publicKey) : publicKey;
  assertLength(bytes, 32, 'public key');
  return bytes;
}

/**
 * Key ids of base64url keys already seen. Verifiers meet the same few keys over and over and
 * a key id costs a hash; a string key is its own cache key (bytes would first need encoding).
 */
const keyIdCache = new Map<string, string>();
const KEY_ID_CACHE_LIMIT = 1024;

/** Key id: hex of the first 16 bytes of SHA-256 over the raw 32-byte public key (bytes or base64url). */
export function keyIdOf(publicKey: Uint8Array | string): string {
  if (typeof publicKey !== 'string') return toHex(sha256(publicKeyBytes(publicKey)).subarray(0, 16));
  let id = keyIdCache.get(publicKey);
  if (id === undefined) {
    id = toHex(sha256(publicKeyBytes(publicKey)).subarray(0, 16));
    if (keyIdCache.size >= KEY_ID_CACHE_LIMIT) keyIdCache.delete(keyIdCache.keys().next().value!);
    keyIdCache.set(publicKey, id);
  }
  return id;
}

/**
 * Human-comparable fingerprint for out-of-band pinning: the key id in uppercase, as
 * 8 groups of 4 hex digits separated by spaces, e.g. `1A2B 3C4D 5E6F 7081 92A3 B4C5 D6E7 F809`.
 * It carries the same 128 bits as the key id, so the two can always be cross-checked.
 */
export function fingerprintOf(publicKey: Uint8Array | string): string {
  return keyIdOf(publicKey).toUpperCase().match(/.{4}/g)!.join(' ');
}

/** `sha256:` + lowercase hex of SHA-256 over the JCS bytes of the action. */
export function computeActionHash(action: unknown): string {
  return actionHashOfCanonical(canonicalize(action));
}

/** `computeActionHash` of an action whose canonical text (`canonicalize(action)`) the caller already has. */
export function actionHashOfCanonical(canonicalAction: string): string {
  return `sha256:${toHex(sha256(utf8.encode(canonicalAction)))}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A short confirmation code for an action hash: the first 30 bits of the hash as six
 * Crockford base32 characters, shown as `ABC-DEF`. The SDK prints it when it opens an
 * approval and the approver app shows it next to the action, so a person can check
 * they are deciding the action they expect. It is a convenience, not a security boundary.
 */
export function shortCode(actionHash: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(actionHash);
  if (!match) throw new EncodingError('action hash must be sha256: followed by 64 lowercase hex characters');
  const first30 = Number.parseInt(match[1]!.slice(0, 8), 16) >>> 2;
  let code = '';
  for (let shift = 25; shift >= 0; shift -= 5) code += CROCKFORD[(first30 >>> shift) & 31]!;
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}
