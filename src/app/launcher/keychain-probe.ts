/**
 * Checks, without writing anything, that the OS keychain answers, so `npm start` and the demo
 * can say up front what is wrong and how to fix it instead of failing at the first action.
 */
import { KeyringKeyStore } from '../../approver/key-store.ts';

export type KeychainProbe = { ok: true } | { ok: false; message: string };

export const HEADLESS_KEYCHAIN_HINT =
  'On a headless Linux machine (a server, a container), run it inside a private D-Bus session with an unlocked, ' +
  'throw-away gnome-keyring: `sh scripts/with-keyring.sh npm run demo` (or `… npm start`). ' +
  'Needs: apt-get install -y dbus gnome-keyring libsecret-tools.';

export async function probeKeychain(store = new KeyringKeyStore()): Promise<KeychainProbe> {
  try {
    await store.get('heso-keychain-probe');
    return { ok: true };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
