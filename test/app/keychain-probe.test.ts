/**
 * The keychain probe `npm start` and the demo run first: only a keychain that stores a secret,
 * returns it and deletes it passes. A keychain that answers reads but refuses writes (what a
 * headless Linux machine does: reads say "no such item", writes AccessDenied) does not, nor one
 * that returns something else than what was written. The real OS keychain passes and keeps
 * nothing of the probe.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KEYCHAIN_PROBE_ACCOUNT, probeKeychain } from '../../src/app/launcher/keychain-probe.ts';
import { KeychainUnavailableError } from '../../src/approver/errors.ts';
import { InMemoryKeyStore } from '../../src/approver/key-store.ts';
import { KEYRING_SKIP, testKeyStore } from '../approver/helpers.ts';

describe('probeKeychain', () => {
  test('a keychain that reads but refuses writes is not usable', async () => {
    const store = new InMemoryKeyStore();
    store.failWith = (op) =>
      op === 'set' ? new KeychainUnavailableError('save a secret', 'no access to the keychain: AccessDenied') : null;
    const probe = await probeKeychain(store);
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? '' : probe.message, /Could not save a secret in the OS keychain .*AccessDenied.*Unlock/);
    assert.equal(
      probe.ok ? '' : probe.reason,
      'no access to the keychain: AccessDenied',
      'the short form, for one line',
    );
  });

  test('a keychain that returns something else than was written is not usable', async () => {
    const store = new InMemoryKeyStore();
    store.get = async () => 'stale';
    const probe = await probeKeychain(store);
    const reason = 'the keychain accepted a test secret but did not return it when read back';
    assert.deepEqual(probe, { ok: false, message: reason, reason });
  });

  test('the OS keychain passes, and the probe leaves no item behind', { skip: KEYRING_SKIP }, async () => {
    const store = testKeyStore();
    assert.deepEqual(await probeKeychain(store), { ok: true });
    assert.equal(await store.get(KEYCHAIN_PROBE_ACCOUNT), null);
  });

  test('a store that works passes and keeps nothing', async () => {
    const store = new InMemoryKeyStore();
    assert.deepEqual(await probeKeychain(store), { ok: true });
    assert.deepEqual(store.accountNames(), []);
  });
});
