/**
 * Keychain item names are unique per profile, against the real OS keychain: two config
 * dirs with a profile of the same name for the same team never share an item, so a failed
 * init in one leaves the other's secrets alone. Profiles made before keychain ids existed
 * keep working from their original item names.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { accounts } from '../../src/approver/key-store.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, keychainOwnerOf, makeEngine, tempDir, testKeyStore } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

test('a failed init in a second config dir (same team, same profile name) leaves the first profile’s secrets', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const keyStore = testKeyStore(); // one keychain service: both config dirs share it, as on a real device
  const [dirA, dirB] = [tempDir(), tempDir()];
  const first = makeEngine(dirA.path, { keyStore });
  const second = makeEngine(dirB.path, { keyStore });
  try {
    const profile = await first.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Alice' });
    await assert.rejects(
      second.initProfile({ endpoint: cloud.url, teamId, apiKey: 'heso_wrong_key', displayName: 'Alice' }),
      /API key rejected/,
    );
    assert.deepEqual(await second.listProfiles(), []);

    const owner = await keychainOwnerOf(join(dirA.path, 'config'), profile.name);
    assert.equal(await keyStore.get(accounts.apiKey(owner)), apiKey, 'the first profile keeps its API key');
    assert.notEqual(await keyStore.get(accounts.privateKey(owner, profile.keyId)), null);
    assert.equal((await first.listProfiles())[0]?.hasApiKey, true);
    await cloud.admin.activateApprover(teamId, profile.keyId);
    assert.equal((await first.refreshKeyStatus(profile.name)).keyStatus, 'active', 'and still talks to its team');

    // A second profile of the same name succeeds next to it, with items of its own.
    const twin = await second.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Alice' });
    const twinOwner = await keychainOwnerOf(join(dirB.path, 'config'), twin.name);
    assert.equal(twin.name, profile.name);
    assert.notEqual(accounts.apiKey(twinOwner), accounts.apiKey(owner));
    await second.removeProfile(twin.name);
    assert.equal(await keyStore.get(accounts.apiKey(owner)), apiKey, 'removing the twin leaves the first alone');
  } finally {
    await first.removeProfile(teamId).catch(() => undefined);
    dirA.cleanup();
    dirB.cleanup();
  }
});

test('a profile from before keychain ids keeps reading its original item names', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const keyStore = testKeyStore();
  const dir = tempDir();
  const configDir = join(dir.path, 'config');
  const engine = makeEngine(dir.path, { keyStore });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Old' });
    // Turn it into a profile as an older version wrote it: no keychain id, items under the old names.
    const owner = await keychainOwnerOf(configDir, profile.name);
    const legacy = { name: profile.name };
    for (const [from, to] of [
      [accounts.apiKey(owner), accounts.apiKey(legacy)],
      [accounts.privateKey(owner, profile.keyId), accounts.privateKey(legacy, profile.keyId)],
    ] as const) {
      await keyStore.set(to, (await keyStore.get(from))!);
      await keyStore.delete(from);
    }
    const file = join(configDir, 'profiles.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { profiles: Record<string, unknown>[] };
    for (const p of doc.profiles) delete p.keychainId;
    writeFileSync(file, JSON.stringify(doc));
    assert.equal(accounts.apiKey(legacy), `${profile.name}:api-key`);

    assert.equal((await engine.listProfiles())[0]?.hasApiKey, true);
    await cloud.admin.activateApprover(teamId, profile.keyId);
    assert.equal((await engine.refreshKeyStatus(profile.name)).keyStatus, 'active');
    const rotated = await engine.rotateKey(profile.name); // signs with the old-named private key
    assert.notEqual(await keyStore.get(accounts.privateKey(legacy, rotated.keyId)), null);
    await engine.removeProfile(profile.name);
    assert.equal(await keyStore.get(accounts.apiKey(legacy)), null, 'removal deletes the old-named items');
    assert.equal(await keyStore.get(accounts.privateKey(legacy, rotated.keyId)), null);
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
