/**
 * HESO's one Ed25519 verification rule (docs/protocol.md §1.3), so that every verifier —
 * the renderer and the approver engine (pure JS here) and the server and CLI (node:crypto,
 * see ed25519-node.ts) — accepts exactly the same signatures:
 *
 *   1. A (the public key) is the canonical encoding of a curve point: y < p, and not x = 0
 *      with the sign bit set. It is not of small order ([8]A ≠ identity).
 *   2. R (the signature's first half) is the canonical encoding of a curve point (any order).
 *   3. S (the second half, little-endian) is < L.
 *   4. k = SHA-512(R ‖ A ‖ M) mod L, over the bytes as given.
 *   5. Accept iff [S]B = R + [k]A — the cofactorless equation of RFC 8032 §5.1.7.
 *
 * @noble/ed25519's own `verify` uses the cofactored equation, so the rule is written here
 * with its point API; OpenSSL implements 2–5 and lacks the checks of 1, which node:crypto
 * callers run first through `publicKeyProblem`.
 */
import { Point } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

/** The field prime p = 2^255 − 19. */
const P = 2n ** 255n - 19n;
/** The order L of the prime-order subgroup. */
const L = Point.CURVE().n;

/** Why 32 bytes are not an acceptable Ed25519 public key. */
export type PublicKeyProblem = 'non_canonical' | 'not_on_curve' | 'small_order';

/** What each problem means, for error messages (schemas, enrolment, trust files). */
export const PUBLIC_KEY_PROBLEM_MESSAGES: Record<PublicKeyProblem, string> = {
  non_canonical: 'is not the canonical encoding of an Ed25519 point (y ≥ p, or x = 0 with the sign bit set)',
  not_on_curve: 'is not an Ed25519 public key (no curve point has that encoding)',
  small_order:
    'is a small-order Ed25519 point, which HESO refuses as a key (signatures by it prove nothing about a holder)',
};

type Decoded = { point: InstanceType<typeof Point> } | { problem: 'non_canonical' | 'not_on_curve' };

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** RFC 8032 §5.1.3 decoding, refusing the encodings it calls invalid instead of reducing them. */
function decodePoint(bytes: Uint8Array): Decoded {
  const signBit = (bytes[31]! & 0x80) !== 0;
  const y = littleEndian(bytes) & ((1n << 255n) - 1n);
  if (y >= P) return { problem: 'non_canonical' };
  // x = 0 exactly when y² = 1; then a set sign bit names "−0", a second spelling of the same point.
  if (signBit && (y === 1n || y === P - 1n)) return { problem: 'non_canonical' };
  try {
    return { point: Point.fromBytes(bytes, false) };
  } catch {
    return { problem: 'not_on_curve' };
  }
}

type KeyCheck = { point: InstanceType<typeof Point> } | { problem: PublicKeyProblem };

/** Verifiers meet the same few keys again and again; decoding one costs a field exponentiation. */
const keyChecks = new Map<string, KeyCheck>();
const KEY_CHECK_LIMIT = 1024;

function checkPublicKey(publicKey: Uint8Array): KeyCheck {
  const cacheKey = String.fromCharCode(...publicKey);
  const cached = keyChecks.get(cacheKey);
  if (cached) return cached;
  const decoded = decodePoint(publicKey);
  const check: KeyCheck = 'problem' in decoded || !decoded.point.isSmallOrder() ? decoded : { problem: 'small_order' };
  if (keyChecks.size >= KEY_CHECK_LIMIT) keyChecks.delete(keyChecks.keys().next().value!);
  keyChecks.set(cacheKey, check);
  return check;
}

/** Null when `publicKey` is 32 bytes that the rule accepts as a key; otherwise what is wrong with it. */
export function publicKeyProblem(publicKey: Uint8Array): PublicKeyProblem | null {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return 'not_on_curve';
  const check = checkPublicKey(publicKey);
  return 'problem' in check ? check.problem : null;
}

/** The rule above, in pure JS. Returns false (never throws) on any bad input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    const key = checkPublicKey(publicKey);
    if ('problem' in key) return false;
    const rBytes = signature.subarray(0, 32);
    const R = decodePoint(rBytes);
    if ('problem' in R) return false;
    const S = littleEndian(signature.subarray(32));
    if (S >= L) return false;
    const hashInput = new Uint8Array(64 + message.length);
    hashInput.set(rBytes, 0);
    hashInput.set(publicKey, 32);
    hashInput.set(message, 64);
    const k = littleEndian(sha512(hashInput)) % L;
    // Variable-time multiplication is fine: verification handles only public values.
    const left = Point.BASE.multiply(S, false);
    const right = R.point.add(key.point.multiply(k, false));
    return left.equals(right);
  } catch {
    return false;
  }
}
