/**
 * The keychain: real Secret Service round trips, the "keychain unavailable" error, and
 * nothing half-written when the keychain or the enrolment fails during init.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KeychainUnavailableError, RemoteError } from '../../src/approver/errors.ts';
import {
  InMemoryKeyStore,
  KEYCHAIN_SERVICE,
  type KeyringEntry,
  KeyringKeyStore,
  type KeyStore,
} from '../../src/approver/key-store.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeEngine, tempDir, testKeyStore } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  cloud = await startCloud();
});
after(async () => {
  await cloud.stop();
});

test('KeyringKeyStore stores, reads and deletes in the real OS keychain', { skip: KEYRING_SKIP }, async () => {
  const store = testKeyStore();
  assert.equal(await store.get('p:api-key'), null);
  await store.set('p:api-key', 'heso_secret_value');
  assert.equal(await store.get('p:api-key'), 'heso_secret_value');
  await store.set('p:api-key', 'replaced');
  assert.equal(await store.get('p:api-key'), 'replaced');
  assert.equal(await store.delete('p:api-key'), true);
  assert.equal(await store.delete('p:api-key'), false);
  assert.equal(await store.get('p:api-key'), null);
});

test('the default keychain service is heso-approver', () => {
  assert.equal(KEYCHAIN_SERVICE, 'heso-approver');
});

function failingEntries(message: string) {
  const entry: KeyringEntry = {
    setPassword: () => Promise.reject(new Error(message)),
    getPassword: () => Promise.reject(new Error(message)),
    deleteCredential: () => Promise.reject(new Error(message)),
  };
  return new KeyringKeyStore({ entryFactory: () => entry });
}

test('an unreachable or locked keychain becomes a KeychainUnavailableError that says what to do', async () => {
  const store = failingEntries("Couldn't access platform storage: AccessDenied");
  const err = await store.get('x').catch((e: unknown) => e);
  assert.ok(err instanceof KeychainUnavailableError);
  assert.equal(err.code, 'keychain_unavailable');
  assert.match(err.message, /Could not read a secret in the OS keychain \(no access to the keychain/);
  assert.match(err.message, /Unlock your keychain/);
  const locked = await failingEntries('Platform secure storage failure: collection is locked')
    .set('x', 'secret-value')
    .catch((e: unknown) => e);
  assert.ok(locked instanceof KeychainUnavailableError);
  assert.match(locked.message, /the keychain is locked/);
  assert.ok(!locked.message.includes('secret-value'));
});

async function assertNothingWritten(dir: string, store: KeyStore, teamId: string, names: string[]) {
  assert.equal(existsSync(join(dir, 'config', 'profiles.json')), false, 'no profiles file');
  for (const account of names) assert.equal(await store.get(account), null, `keychain item ${account} rolled back`);
  assert.deepEqual(await cloud.admin.listApprovers(teamId), [], 'nothing enrolled');
}

test('init with a locked keychain fails clearly and writes nothing', async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const store = new InMemoryKeyStore();
  // The first write (the private key) works, the second (the API key) hits a locked keychain.
  store.failWith = (op, account) =>
    op === 'set' && account.endsWith(':api-key') ? new KeychainUnavailableError('save a secret', 'locked') : null;
  const engine = makeEngine(dir.path, { keyStore: store });
  try {
    await assert.rejects(
      engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'A' }),
      KeychainUnavailableError,
    );
    assert.deepEqual(store.accountNames(), [], 'the private key written first was removed again');
    await assertNothingWritten(dir.path, store, teamId, []);
  } finally {
    dir.cleanup();
  }
});

test('init with a rejected API key rolls back the keychain items (real keychain)', { skip: KEYRING_SKIP }, async () => {
  const { teamId } = await setupTeam(cloud);
  const dir = tempDir();
  const store = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore: store });
  try {
    const err = await engine
      .initProfile({ endpoint: cloud.url, teamId, apiKey: 'heso_not_a_real_key_0000000000', displayName: 'A' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof RemoteError);
    assert.equal(err.code, 'api_key_rejected');
    assert.ok(!err.message.includes('heso_not_a_real_key'), 'the API key never appears in errors');
    await assertNothingWritten(dir.path, store, teamId, [`${teamId}:api-key`]);
    assert.deepEqual(await engine.listProfiles(), []);
  } finally {
    dir.cleanup();
  }
});

test('init with an unreachable control plane names the endpoint and leaves nothing behind', async () => {
  const { teamId } = await setupTeam(cloud);
  const dir = tempDir();
  const store = new InMemoryKeyStore();
  const engine = makeEngine(dir.path, { keyStore: store });
  try {
    const err = await engine
      .initProfile({ endpoint: 'http://127.0.0.1:9', teamId, apiKey: 'heso_x_123456789', displayName: 'A' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof RemoteError);
    assert.equal(err.code, 'unreachable');
    assert.match(err.message, /http:\/\/127\.0\.0\.1:9 is unreachable/);
    assert.deepEqual(store.accountNames(), []);
    assert.equal(existsSync(join(dir.path, 'config', 'profiles.json')), false);
  } finally {
    dir.cleanup();
  }
});

test('profiles.json holds public material only, mode 0600', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const store = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore: store });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'A' });
    const { readFileSync, statSync } = await import('node:fs');
    const file = join(dir.path, 'config', 'profiles.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(apiKey), 'no API key in the config');
    // Item names carry the profile's keychain id (kept in profiles.json): `<profile>:<id>:l1:<keyId>`.
    const keychainId = /"keychainId":\s*"([^"]+)"/.exec(text)?.[1];
    assert.ok(keychainId, 'profiles.json names the keychain id');
    const l1Item = `${profile.name}:${keychainId}:l1:${profile.keyId}`;
    const secret = await store.get(l1Item);
    assert.ok(secret && !text.includes(secret), 'no private key in the config');
    assert.ok(text.includes(profile.publicKey));
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
