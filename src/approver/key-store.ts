/**
 * Where the approver's secrets live: the L1 private key (one item per profile and key id)
 * and the team API key (one item per profile). The production store is the OS keychain
 * through @napi-rs/keyring (N-API, so Electron loads it without a rebuild); tests of pure
 * logic use the in-memory store. Nothing else in the engine persists a secret.
 */
import { KeychainUnavailableError } from './errors.ts';
import { errorMessage } from './runtime.ts';

/** Keychain service name: every item the approver writes is filed under it. */
export const KEYCHAIN_SERVICE = 'heso-approver';

export interface KeyStore {
  /** Stores (or replaces) a secret. Throws KeychainUnavailableError when the keychain cannot be written. */
  set(account: string, secret: string): Promise<void>;
  /** The secret, or null when there is none. */
  get(account: string): Promise<string | null>;
  /** True when an item was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
}

/**
 * Whose secrets: a profile's name and its keychain id. Two config dirs (the app and a CLI
 * with `--config-dir`, two users of one login) may hold a profile of the same name for the
 * same team; the random keychain id, made at `init` and kept in profiles.json, keeps their
 * items apart so that one profile's init, rollback or removal never touches the other's.
 * Profiles made before keychain ids existed have none and keep their original item names.
 */
export interface KeychainOwner {
  name: string;
  keychainId?: string | undefined;
}

const ownerPrefix = (owner: KeychainOwner) =>
  owner.keychainId === undefined ? owner.name : `${owner.name}:${owner.keychainId}`;

/** Keychain account names. Profile names and keychain ids are ids (no ':'), so these never collide. */
export const accounts = {
  privateKey: (owner: KeychainOwner, keyId: string) => `${ownerPrefix(owner)}:l1:${keyId}`,
  apiKey: (owner: KeychainOwner) => `${ownerPrefix(owner)}:api-key`,
} as const;

/** For unit tests and for fakes: a Map with the same contract. */
export class InMemoryKeyStore implements KeyStore {
  readonly #items = new Map<string, string>();
  /** When set, every operation fails as a locked keychain would (to test "nothing half-written"). */
  failWith: ((op: 'set' | 'get' | 'delete', account: string) => Error | null) | null = null;

  async set(account: string, secret: string): Promise<void> {
    this.#check('set', account);
    this.#items.set(account, secret);
  }
  async get(account: string): Promise<string | null> {
    this.#check('get', account);
    return this.#items.get(account) ?? null;
  }
  async delete(account: string): Promise<boolean> {
    this.#check('delete', account);
    return this.#items.delete(account);
  }
  /** Account names currently stored (never the secrets). */
  accountNames(): string[] {
    return [...this.#items.keys()].sort();
  }
  #check(op: 'set' | 'get' | 'delete', account: string): void {
    const err = this.failWith?.(op, account);
    if (err) throw err;
  }
}

/** The minimal part of @napi-rs/keyring's AsyncEntry we use; injectable so the error mapping is testable. */
export interface KeyringEntry {
  setPassword(password: string): Promise<void>;
  getPassword(): Promise<string | null>;
  deleteCredential(): Promise<boolean>;
}
export type KeyringEntryFactory = (service: string, account: string) => KeyringEntry;

const OPERATION_WORDS = { set: 'save a secret', get: 'read a secret', delete: 'delete a secret' } as const;

/**
 * The OS keychain: macOS Keychain, Windows Credential Manager, or the Secret Service
 * (gnome-keyring, KWallet) on Linux. The native module is loaded lazily so that merely
 * importing the engine (e.g. for `--help`) never touches the keychain.
 */
export class KeyringKeyStore implements KeyStore {
  readonly #service: string;
  #factory: KeyringEntryFactory | null;

  constructor(options: { service?: string; entryFactory?: KeyringEntryFactory } = {}) {
    this.#service = options.service ?? KEYCHAIN_SERVICE;
    this.#factory = options.entryFactory ?? null;
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#run('set', account, (e) => e.setPassword(secret));
  }
  async get(account: string): Promise<string | null> {
    return this.#run('get', account, (e) => e.getPassword());
  }
  async delete(account: string): Promise<boolean> {
    return this.#run('delete', account, (e) => e.deleteCredential());
  }

  async #run<T>(op: 'set' | 'get' | 'delete', account: string, fn: (e: KeyringEntry) => Promise<T>): Promise<T> {
    let entry: KeyringEntry;
    try {
      const factory = await this.#entryFactory();
      entry = factory(this.#service, account);
    } catch (err) {
      throw toKeychainError(op, err);
    }
    try {
      return await fn(entry);
    } catch (err) {
      throw toKeychainError(op, err);
    }
  }

  async #entryFactory(): Promise<KeyringEntryFactory> {
    if (this.#factory) return this.#factory;
    const { AsyncEntry } = await import('@napi-rs/keyring');
    this.#factory = (service, account) => new AsyncEntry(service, account);
    return this.#factory;
  }
}

/**
 * Maps whatever the native keychain threw to KeychainUnavailableError. The native
 * messages ("Couldn't access platform storage: AccessDenied", "…locked…", "NoStorageAccess",
 * a missing D-Bus) are kept as detail but never contain the secret: we never pass secrets
 * into error text.
 */
export function toKeychainError(op: 'set' | 'get' | 'delete', err: unknown): KeychainUnavailableError {
  if (err instanceof KeychainUnavailableError) return err;
  const raw = errorMessage(err);
  const detail = describeKeychainFailure(raw);
  return new KeychainUnavailableError(OPERATION_WORDS[op], detail, { cause: err });
}

function describeKeychainFailure(raw: string): string {
  const text = raw.slice(0, 300);
  if (/locked/i.test(text)) return `the keychain is locked: ${text}`;
  if (/platform storage|NoStorageAccess|AccessDenied/i.test(text)) return `no access to the keychain: ${text}`;
  if (/dbus|d-bus|secret service|org\.freedesktop/i.test(text)) return `the Secret Service is not reachable: ${text}`;
  if (/cannot find module|Cannot find package|\.node/i.test(text)) return `the keychain module could not load: ${text}`;
  return text || 'unknown keychain error';
}
