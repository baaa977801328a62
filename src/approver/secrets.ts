/**
 * The only place the engine touches secrets. The private key is read from the key store
 * into a byte array, handed to a signing callback, and zeroed afterwards; it is never
 * returned, logged, emitted or written anywhere but the key store. (The keychain hands
 * it over as a base64url string, which JavaScript cannot zero; it is dropped at once.)
 */
import { generateKeyPair, keyIdOf, publicKeyFromSecret, signBytes } from '../core/crypto.ts';
import { b64url } from '../core/encoding.ts';
import { ApproverError, MissingSecretError } from './errors.ts';
import { accounts, type KeychainOwner, type KeyStore } from './key-store.ts';

export interface NewKey {
  keyId: string;
  /** base64url */
  publicKey: string;
}

export class Secrets {
  constructor(readonly keyStore: KeyStore) {}

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
    const encoded = await this.keyStore.get(accounts.privateKey(profile, keyId));
    if (encoded === null) throw new MissingSecretError(profile.name, 'private key');
    let secretKey: Uint8Array;
    try {
      secretKey = b64url.decode(encoded);
    } catch {
      throw new ApproverError('bad_secret', `The private key of profile "${profile.name}" in the keychain is damaged.`);
    }
    try {
      if (secretKey.length !== 32 || keyIdOf(publicKeyFromSecret(secretKey)) !== keyId) {
        throw new ApproverError(
          'key_mismatch',
          `The keychain item for profile "${profile.name}" does not hold key ${keyId}. Remove the profile and run init again.`,
        );
      }
      return await fn(secretKey);
    } finally {
      secretKey.fill(0);
    }
  }

  /** A signer bound to one key, for the audit log. */
  signer(profile: KeychainOwner, keyId: string): { keyId: string; sign(message: Uint8Array): Promise<Uint8Array> } {
    return {
      keyId,
      sign: (message) => this.withPrivateKey(profile, keyId, (secretKey) => signBytes(message, secretKey)),
    };
  }

  async setApiKey(profile: KeychainOwner, apiKey: string): Promise<void> {
    await this.keyStore.set(accounts.apiKey(profile), apiKey);
  }

  async apiKey(profile: KeychainOwner): Promise<string> {
    const key = await this.keyStore.get(accounts.apiKey(profile));
    if (key === null) throw new MissingSecretError(profile.name, 'API key');
    return key;
  }

  async hasApiKey(profile: KeychainOwner): Promise<boolean> {
    return (await this.keyStore.get(accounts.apiKey(profile))) !== null;
  }

  async deletePrivateKey(profile: KeychainOwner, keyId: string): Promise<boolean> {
    return this.keyStore.delete(accounts.privateKey(profile, keyId));
  }

  async deleteApiKey(profile: KeychainOwner): Promise<boolean> {
    return this.keyStore.delete(accounts.apiKey(profile));
  }
}
