/**
 * The only place the engine touches secrets. The private key is read from the key store
 * into a byte array, handed to a signing callback, and zeroed afterwards; it is never
 * returned, logged, emitted or written anywhere but the key store. (The keychain hands
 * it over as a base64url string, which JavaScript cannot zero; it is dropped at once.)
 *
 * Cost on the decision path (each keychain read is ~10 ms over D-Bus): a decision reads the
 * private key once through a `KeySession` that also signs its audit entry, and the API key
 * is read once per session and kept in memory (it is sent with every request anyway). The
 * private key is never kept between decisions. Signing runs on node:crypto (the engine runs
 * under Node or Electron's main process), byte-identical to the pure-JS path.
 */
import { generateKeyPair, keyIdOf, publicKeyFromSecret, signBytes } from '../core/crypto.ts';
import { installNodeSigning } from '../core/ed25519-node.ts';
import { b64url } from '../core/encoding.ts';
import { ApproverError, MissingSecretError } from './errors.ts';
import { accounts, type KeychainOwner, type KeyStore } from './key-store.ts';

export interface NewKey {
  keyId: string;
  /** base64url */
  publicKey: string;
}

/** How long a decision's key may stay read while its decision is still running (its audit entry follows the send). */
const SESSION_HOLD_MS = 5000;

export class Secrets {
  /** API keys read this session, by keychain account. */
  readonly #apiKeys = new Map<string, string>();

  constructor(readonly keyStore: KeyStore) {
    installNodeSigning();
  }

  /** Generates an L1 key straight into the key store; returns public material only. */
  async createKey(profile: KeychainOwner): Promise<NewKey> {
    const pair = generateKeyPair();
    try {
      const keyId = keyIdOf(pair.publicKey);
      await this.keyStore.set(accounts.privateKey(profile, keyId), b64url.encode(pair.secretKey));
      return { keyId, publicKey: b64url.encode(pair.publicKey) };
    } finally {
      pair.secretKey.fill(0);
    }
  }

  /** Runs `fn` with the private key of `keyId`; the bytes are zeroed when `fn` settles. */
  async withPrivateKey<T>(
    profile: KeychainOwner,
    keyId: string,
    fn: (secretKey: Uint8Array) => T | Promise<T>,
  ): Promise<T> {
    const secretKey = await this.#readPrivateKey(profile, keyId);
    try {
      return await fn(secretKey);
    } finally {
      secretKey.fill(0);
    }
  }

  /** One decision's access to the private key: read at most once, zeroed by `close()`. */
  session(profile: KeychainOwner, keyId: string): KeySession {
    return new KeySession(keyId, () => this.#readPrivateKey(profile, keyId));
  }

  /** The checked private key bytes; the caller zeroes them. */
  async #readPrivateKey(profile: KeychainOwner, keyId: string): Promise<Uint8Array> {
    const encoded = await this.keyStore.get(accounts.privateKey(profile, keyId));
    if (encoded === null) throw new MissingSecretError(profile.name, 'private key');
    let secretKey: Uint8Array;
    try {
      secretKey = b64url.decode(encoded);
    } catch {
      throw new ApproverError('bad_secret', `The private key of profile "${profile.name}" in the keychain is damaged.`);
    }
    if (secretKey.length !== 32 || keyIdOf(publicKeyFromSecret(secretKey)) !== keyId) {
      secretKey.fill(0);
      throw new ApproverError(
        'key_mismatch',
        `The keychain item for profile "${profile.name}" does not hold key ${keyId}. Remove the profile and run init again.`,
      );
    }
    return secretKey;
  }

  /** A signer bound to one key, for the audit log. */
  signer(profile: KeychainOwner, keyId: string): { keyId: string; sign(message: Uint8Array): Promise<Uint8Array> } {
    return {
      keyId,
      sign: (message) => this.withPrivateKey(profile, keyId, (secretKey) => signBytes(message, secretKey)),
    };
  }

  async setApiKey(profile: KeychainOwner, apiKey: string): Promise<void> {
    const account = accounts.apiKey(profile);
    this.#apiKeys.delete(account);
    await this.keyStore.set(account, apiKey);
    this.#apiKeys.set(account, apiKey);
  }

  /** The profile's API key: read from the key store once per session, then from memory. */
  async apiKey(profile: KeychainOwner): Promise<string> {
    const account = accounts.apiKey(profile);
    const cached = this.#apiKeys.get(account);
    if (cached !== undefined) return cached;
    const key = await this.keyStore.get(account);
    if (key === null) throw new MissingSecretError(profile.name, 'API key');
    this.#apiKeys.set(account, key);
    return key;
  }

  async hasApiKey(profile: KeychainOwner): Promise<boolean> {
    if (this.#apiKeys.has(accounts.apiKey(profile))) return true;
    return (await this.keyStore.get(accounts.apiKey(profile))) !== null;
  }

  async deletePrivateKey(profile: KeychainOwner, keyId: string): Promise<boolean> {
    return this.keyStore.delete(accounts.privateKey(profile, keyId));
  }

  async deleteApiKey(profile: KeychainOwner): Promise<boolean> {
    this.#apiKeys.delete(accounts.apiKey(profile));
    return this.keyStore.delete(accounts.apiKey(profile));
  }

  /** Forgets the API keys held in memory (the next request reads the key store again). */
  forgetApiKeys(): void {
    this.#apiKeys.clear();
  }
}

/**
 * The private key for the span of one decision: the co-signature and the decision's audit
 * entry share one keychain read. The bytes are zeroed by `close()` (the decision's end), and
 * also when the session sits unused for a few seconds, so a send that retries for minutes
 * while offline does not keep the key in memory meanwhile (the audit entry then reads it again).
 */
export class KeySession {
  #key: Uint8Array | null = null;
  #reading: Promise<Uint8Array> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Uses in progress: the idle release waits until none is running. */
  #active = 0;

  constructor(
    readonly keyId: string,
    private readonly read: () => Promise<Uint8Array>,
  ) {}

  /**
   * Runs `fn` with the private key, reading it from the key store only if this session does not
   * hold it. After `close()` (a decision that returned while its delivery goes on offline) each
   * use reads the key afresh and zeroes it at once: nothing is held after the decision.
   */
  async use<T>(fn: (secretKey: Uint8Array) => T | Promise<T>): Promise<T> {
    if (this.#closed) {
      const key = await this.read();
      try {
        return await fn(key);
      } finally {
        key.fill(0);
      }
    }
    this.#cancelRelease();
    this.#active += 1;
    try {
      const key = this.#key ?? (await this.#load());
      return await fn(key);
    } finally {
      this.#active -= 1;
      if (this.#closed) this.#zero();
      else if (this.#active === 0) this.#scheduleRelease();
    }
  }

  /** A signer for the audit log bound to this session. */
  signer(): { keyId: string; sign(message: Uint8Array): Promise<Uint8Array> } {
    return { keyId: this.keyId, sign: (message) => this.use((secretKey) => signBytes(message, secretKey)) };
  }

  /** Zeroes the key; later uses read it afresh each time and hold nothing. */
  close(): void {
    this.#closed = true;
    this.#cancelRelease();
    this.#zero();
  }

  async #load(): Promise<Uint8Array> {
    this.#reading ??= this.read().finally(() => {
      this.#reading = null;
    });
    const key = await this.#reading;
    // Closed while reading: the caller still gets the key for its one use; close-on-finally zeroes it.
    if (!this.#closed) this.#key = key;
    return key;
  }

  #scheduleRelease(): void {
    this.#cancelRelease();
    this.#timer = setTimeout(() => this.#zero(), SESSION_HOLD_MS);
    this.#timer.unref?.();
  }

  #cancelRelease(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #zero(): void {
    this.#key?.fill(0);
    this.#key = null;
  }
}
