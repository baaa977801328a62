/**
 * The approver app's profile knows its API key's role: an operator key (meant for agents) is
 * refused at init with a message saying which key to ask for; an approver key is shown as such.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ConnectionState } from '../../src/approver/api.ts';
import { ApproverError } from '../../src/approver/errors.ts';
import { accounts } from '../../src/approver/key-store.ts';
import { PROFILES_FILE } from '../../src/approver/profiles.ts';
import { renderProfile } from '../../src/approver/render-text.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeEngine, nextEvent, tempDir, testKeyStore } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

test('init with an operator key is refused, clearly, and leaves nothing behind', { skip: KEYRING_SKIP }, async () => {
  const { teamId } = await setupTeam(cloud);
  const operatorKey = await cloud.admin.createApiKey(teamId, 'operator');
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    await assert.rejects(
      engine.initProfile({ endpoint: cloud.url, teamId, apiKey: operatorKey, displayName: 'Oops' }),
      (err: unknown) =>
        err instanceof ApproverError &&
        err.code === 'wrong_key_role' &&
        /operator API key, meant for agents.*--role approver/.test(err.message),
    );
    assert.deepEqual(await engine.listProfiles(), []);
    assert.deepEqual(await cloud.admin.listApprovers(teamId), [], 'no approver key was enrolled');
  } finally {
    await engine.stop();
    dir.cleanup();
  }
});

test('an approver key: the profile shows its role, in the app view and the CLI text', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId } = await setupTeam(cloud);
  const approverKey = await cloud.admin.createApiKey(teamId, 'approver');
  const dir = tempDir();
  const keyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey: approverKey, displayName: 'Ann' });
    assert.equal(profile.apiKeyRole, 'approver');
    assert.match(renderProfile(profile), /API key role\s+approver/);
    const refreshed = await engine.refreshKeyStatus(profile.name);
    assert.equal(refreshed.apiKeyRole, 'approver');
    await engine.removeProfile(profile.name);
  } finally {
    await engine.stop();
    dir.cleanup();
  }
});

test('a queue fed an operator key stops and says which key the app needs', { skip: KEYRING_SKIP }, async () => {
  const { teamId } = await setupTeam(cloud);
  const dir = tempDir();
  const keyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore, pollWaitSeconds: 1 });
  try {
    const profile = await engine.initProfile({
      endpoint: cloud.url,
      teamId,
      apiKey: await cloud.admin.createApiKey(teamId, 'approver'),
      displayName: 'Swapped',
    });
    // Someone replaces the keychain item with the agent's key by hand.
    const stored = JSON.parse(readFileSync(join(dir.path, 'config', PROFILES_FILE), 'utf8')) as {
      profiles: { name: string; keychainId?: string }[];
    };
    const owner = stored.profiles.find((p) => p.name === profile.name)!;
    await keyStore.set(accounts.apiKey(owner), await cloud.admin.createApiKey(teamId, 'operator'));
    // The API key is read once per session (engine): the next start of the app reads the swapped one.
    await engine.stop();
    const next = makeEngine(dir.path, { keyStore, pollWaitSeconds: 1 });
    try {
      const stopped = nextEvent<ConnectionState>(
        (l) => next.on('connection', l),
        (c) => c.kind === 'auth_failed',
      );
      await next.start(profile.name);
      const state = await stopped;
      assert.match(state.message, /\(403\): its role may not read the queue.*--role approver/);
      await next.removeProfile(profile.name).catch(() => undefined); // the operator key may not revoke
    } finally {
      await next.stop();
    }
  } finally {
    await engine.stop();
    dir.cleanup();
  }
});
