/**
 * Team API keys: `heso_<keyId>_<secret>`. The key id (12 hex characters) is public — it is
 * how a key is found, listed and revoked; the secret is 32 random bytes (256 bits),
 * base64url. Only SHA-256 of the secret is stored, and it is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^heso_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_PATTERN = /^[0-9a-f]{12}$/;

export interface NewApiKey {
  /** The full key, shown once. */
  apiKey: string;
  keyId: string;
  secretHash: Buffer;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { apiKey: `heso_${keyId}_${secret}`, keyId, secretHash: hashSecret(secret) };
}

/** Splits a presented key into its id and secret; null when it is not shaped like a HESO key. */
export function parseApiKey(apiKey: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(apiKey);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** Constant-time comparison of the presented secret against the stored hash. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

/** A key id from either a full API key or a bare key id (for `key revoke`). */
export function keyIdFrom(apiKeyOrKeyId: string): string | null {
  if (isKeyId(apiKeyOrKeyId)) return apiKeyOrKeyId;
  return parseApiKey(apiKeyOrKeyId)?.keyId ?? null;
}
