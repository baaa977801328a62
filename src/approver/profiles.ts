/**
 * The profiles file: one small JSON document in the config dir listing each team profile.
 * It holds public material only (endpoint, team id, display name, key ids, public keys,
 * fingerprints, last known key status); secrets are in the keychain. Writes are atomic
 * (temp file in the same dir, fsync, rename) and the file is 0600 in a 0700 dir.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiKeyRole } from '../core/api.ts';
import { ApproverStatus, Id, KeyId, PublicKeyB64, Timestamp } from '../core/schemas.ts';
import { writeFileDurableAsync } from '../sdk/fsutil.ts';
import { ConfigError } from './errors.ts';
import { TrustedOperator } from './operator-trust.ts';

export const PROFILES_FILE = 'profiles.json';

const KeyRecord = z.strictObject({
  keyId: KeyId,
  publicKey: PublicKeyB64,
  fingerprint: z.string().max(100),
  createdAt: Timestamp,
  /** Set when this key was replaced by a rotation. */
  retiredAt: Timestamp.nullable(),
});
export type KeyRecord = z.infer<typeof KeyRecord>;

export const StoredProfile = z.strictObject({
  name: Id,
  endpoint: z.string().min(1).max(2000),
  teamId: Id,
  displayName: z.string().min(1).max(200),
  /** The current key; also the last element of `keys`. */
  keyId: KeyId,
  keyStatus: z.union([ApproverStatus, z.literal('unknown')]),
  /** The API key's role as last reported by the control plane (absent: not checked yet). */
  apiKeyRole: ApiKeyRole.optional(),
  /** Every key this profile has used, oldest first: audit-log entries are checked against these. */
  keys: z.array(KeyRecord).min(1),
  /** Old key ids whose revocation on the control plane has not gone through yet. */
  pendingRevocations: z.array(KeyId),
  createdAt: Timestamp,
  /**
   * Random id in this profile's keychain item names (see `KeychainOwner`); absent for
   * profiles made before it existed, which keep their original item names.
   */
  keychainId: z
    .string()
    .regex(/^[0-9a-f]{24}$/)
    .optional(),
  /** Operator keys this profile trusts, with their workflows (SSH-style; see operator-trust.ts). */
  trustedOperators: z.array(TrustedOperator).max(1000).default([]),
});
export type StoredProfile = z.output<typeof StoredProfile>;

const ProfilesDocument = z.strictObject({
  version: z.literal(1),
  profiles: z.array(StoredProfile),
});
type ProfilesDocument = z.infer<typeof ProfilesDocument>;

export function currentKey(profile: StoredProfile): KeyRecord {
  const key = profile.keys.find((k) => k.keyId === profile.keyId);
  if (!key)
    throw new ConfigError(`profile "${profile.name}": current key ${profile.keyId} is missing from its key list`);
  return key;
}

export class ProfilesConfig {
  readonly path: string;
  readonly #dir: string;
  /** Serialises read-modify-write cycles inside this process. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(configDir: string) {
    this.#dir = configDir;
    this.path = join(configDir, PROFILES_FILE);
  }

  async list(): Promise<StoredProfile[]> {
    return (await this.#read()).profiles;
  }

  async get(name: string): Promise<StoredProfile | undefined> {
    return (await this.#read()).profiles.find((p) => p.name === name);
  }

  /** Applies `change` to the current list and writes the result atomically; returns what `change` returned. */
  update<T>(change: (profiles: StoredProfile[]) => { profiles: StoredProfile[]; result: T }): Promise<T> {
    const run = this.#queue.then(async () => {
      const doc = await this.#read();
      const { profiles, result } = change(doc.profiles.map((p) => structuredClone(p)));
      const next: ProfilesDocument = { version: 1, profiles: profiles.map((p) => StoredProfile.parse(p)) };
      await writeFileDurableAsync(this.path, `${JSON.stringify(next, null, 2)}\n`);
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(): Promise<ProfilesDocument> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, profiles: [] };
      throw new ConfigError(`Cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError(
        `${this.path} is not valid JSON. Fix or move it aside, then run \`heso-approver init\` again (your keys stay in the keychain).`,
      );
    }
    const parsed = ProfilesDocument.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? issue.path.join('.') : '';
      throw new ConfigError(
        `${this.path} is not a profiles file this version understands (${where}: ${issue?.message ?? 'invalid'}).`,
      );
    }
    return parsed.data;
  }

  /** Ensures the config dir exists (0700). */
  async ensureDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
  }
}
