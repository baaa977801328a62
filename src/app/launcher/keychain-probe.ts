/**
 * Checks that the OS keychain really stores secrets, so `npm start` and the demo can say up
 * front what is wrong and how to fix it instead of failing at the first key they make.
 *
 * Why a write/read/delete round trip and not a read: with no Secret Service reachable, a read
 * of a missing item can still answer "no such item" while every write is refused
 * (AccessDenied), and a keychain that is there but locked may let nothing through. Only a
 * secret written, read back equal and deleted again shows the approver's keys can live there.
 */
import { randomBytes } from 'node:crypto';
import { KeychainUnavailableError } from '../../approver/errors.ts';
import { KeyringKeyStore, type KeyStore } from '../../approver/key-store.ts';

/** When not ok: `message` says what happened and what to do; `reason` is just what the keychain said, for one line. */
export type KeychainProbe = { ok: true } | { ok: false; message: string; reason: string };

/** The probe's item; under the approver's service name, removed again right away. */
export const KEYCHAIN_PROBE_ACCOUNT = 'heso-keychain-probe';

/** What to do on a headless Linux machine, with the exact command for `command` (`npm start`, `npm run demo`). */
export const headlessKeychainHint = (command: string) =>
  'On a headless Linux machine (a server, a container, over SSH), run it inside a private D-Bus session with an ' +
  `unlocked, throw-away gnome-keyring:\n\n    sh scripts/with-keyring.sh ${command}\n\n  ` +
  'Keys made there are deleted when it ends. Needs: apt-get install -y dbus gnome-keyring libsecret-tools.';

export async function probeKeychain(store: KeyStore = new KeyringKeyStore()): Promise<KeychainProbe> {
  // A random value, so an item left by an earlier probe can never pass for this one.
  const expected = randomBytes(16).toString('hex');
  try {
    await store.set(KEYCHAIN_PROBE_ACCOUNT, expected);
    const read = await store.get(KEYCHAIN_PROBE_ACCOUNT);
    await store.delete(KEYCHAIN_PROBE_ACCOUNT);
    if (read !== expected) {
      const reason = 'the keychain accepted a test secret but did not return it when read back';
      return { ok: false, message: reason, reason };
    }
    return { ok: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, message, reason: err instanceof KeychainUnavailableError ? err.detail : message };
  }
}
