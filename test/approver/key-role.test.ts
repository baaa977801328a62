/**
 * The approver app's profile knows its API key's role: an operator key (meant for agents) is
 * refused at init with a message saying which key to ask for; an approver key is shown as such.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApproverError } from '../../src/approver/errors.ts';
import { renderProfile } from '../../src/approver/render-text.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeEngine, tempDir, testKeyStore } from './helpers.ts';

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
