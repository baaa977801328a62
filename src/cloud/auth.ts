/**
 * `Authorization: Bearer heso_<keyId>_<secret>` → the key's team. Every failure is the same
 * 401 to the caller (no hint which part was wrong) and no message ever echoes the header.
 */
import type { ApiKeyRole } from '../core/api.ts';
import { hashSecret, parseApiKey, secretMatches } from './api-keys.ts';
import { HttpError } from './http-error.ts';
import type { CloudStore } from './store.ts';

export interface AuthContext {
  keyId: string;
  teamId: string;
  role: ApiKeyRole;
}

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer realm="heso"' });

/** Compared against when the key id is unknown, so a miss costs the same as a wrong secret. */
const DUMMY_HASH = hashSecret('heso-no-such-key');

export async function authenticate(store: CloudStore, header: string | undefined): Promise<AuthContext> {
  if (header === undefined || header === '')
    throw unauthorized('missing Authorization header; send "Authorization: Bearer <API key>"');
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('malformed Authorization header; expected "Bearer <API key>"');
  const parsed = parseApiKey(match[1]!);
  if (!parsed) throw unauthorized('the API key is not in the heso_… format; check you copied the whole key');
  const record = await store.getApiKey(parsed.keyId);
  const matches = secretMatches(parsed.secret, record?.secretHash ?? DUMMY_HASH);
  if (!record || !matches) throw unauthorized('API key not recognised; ask your team admin for a valid key');
  if (record.revokedAt !== null) throw unauthorized('API key was revoked; ask your team admin for a new key');
  return { keyId: record.keyId, teamId: record.teamId, role: record.role };
}
