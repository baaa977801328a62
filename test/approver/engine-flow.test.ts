/**
 * The whole approver path against a real control plane over HTTP and the real OS keychain:
 * init (pending) → admin activates → live queue → verify locally → approve / deny →
 * the agent's poll returns a receipt that verifies with the approver's pinned key.
 * Also rotation and removal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import type { ApproverEngine } from '../../src/approver/engine.ts';
import { accounts, type KeyringKeyStore } from '../../src/approver/key-store.ts';
import { attachCosignature, shortCode, verifyReceipt } from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import {
  approveShown,
  KEYRING_SKIP,
  keychainOwnerOf,
  makeAgent,
  makeEngine,
  nextEvent,
  tempDir,
  testKeyStore,
  trustAgent,
} from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

async function activeProfile(engine: ApproverEngine, teamId: string, apiKey: string) {
  const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Alice Approver' });
  await cloud.admin.activateApprover(teamId, profile.keyId);
  return profile;
}

test('init enrols a pending key; the status follows the admin activating it', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const keyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Alice' });
    assert.equal(profile.keyStatus, 'pending');
    assert.equal(profile.hasApiKey, true);
    assert.match(profile.fingerprint, /^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
    const [record] = await cloud.admin.listApprovers(teamId);
    assert.equal(record?.publicKey, profile.publicKey);
    assert.equal(record?.status, 'pending');
    const owner = await keychainOwnerOf(join(dir.path, 'config'), profile.name);
    assert.notEqual(await keyStore.get(accounts.privateKey(owner, profile.keyId)), null);
    assert.equal(await keyStore.get(accounts.apiKey(owner)), apiKey);

    await cloud.admin.activateApprover(teamId, profile.keyId);
    assert.equal((await engine.refreshKeyStatus(profile.name)).keyStatus, 'active');
    assert.deepEqual(
      (await engine.listProfiles()).map((p) => [p.name, p.keyStatus]),
      [[profile.name, 'active']],
    );
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('approve: the agent gets a co-signed receipt that verifies with the pinned approver key', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    const profile = await activeProfile(engine, teamId, apiKey);
    await engine.start(profile.name);
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    const added = nextEvent<PendingItem>((l) => engine.on('added', l));
    const opened = await agent.open({ amount: 420 });
    const item = await added;
    assert.equal(item.approval.id, opened.id);
    assert.deepEqual(item.verification, { ok: true, reasons: [] });
    assert.equal(item.quarantined, false);
    assert.equal(item.shortCode, shortCode(opened.receipt.statement.actionHash));
    assert.equal(JSON.parse(item.canonicalAction).params.amount, 420);
    assert.equal(engine.getItem(opened.id)?.approval.id, opened.id);

    const removed = nextEvent<{ approvalId: string }>((l) => engine.on('removed', l));
    const outcome = await engine.decide({
      approvalId: opened.id,
      decision: 'approve',
      reason: 'customer verified',
      reviewed: reviewedOf(item),
    });
    assert.equal(outcome.status, 'accepted', outcome.message);
    assert.equal((await removed).approvalId, opened.id);
    assert.equal(engine.snapshot().items.length, 0);

    const polled = await agent.poll(opened.id);
    assert.equal(polled.status, 'approved');
    assert.ok(polled.cosignature);
    const receipt = attachCosignature(polled.receipt, polled.cosignature);
    const verdict = verifyReceipt(
      receipt,
      { approverKeys: [profile.publicKey] },
      { expect: { approvalId: opened.id, challenge: opened.challenge } },
    );
    assert.equal(verdict.ok, true, JSON.stringify(verdict.reasons));
    assert.equal(verdict.verdict, 'allow');
    assert.equal(verdict.approverKeyId, profile.keyId);

    // Deciding again is idempotent on the device and never produces a second decision.
    const again = await approveShown(engine, opened.id);
    assert.equal(again.status, 'already_decided');
    const history = await engine.history(profile.name);
    assert.equal(history.verification.ok, true);
    assert.deepEqual(
      history.entries.map((e) => [e.kind, e.decision]),
      [
        ['enrol', null],
        ['decision', 'approve'],
      ],
    );
  } finally {
    await engine.stop();
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('deny needs a reason and ends as denied for the agent', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    const profile = await activeProfile(engine, teamId, apiKey);
    const agent = makeAgent(cloud, teamId, apiKey);
    const opened = await agent.open();
    await assert.rejects(engine.decide({ approvalId: opened.id, decision: 'deny' }), /reason is required/);
    // Not following the queue: decide fetches and verifies the approval itself.
    const outcome = await engine.decide({ approvalId: opened.id, decision: 'deny', reason: 'not our customer' });
    assert.equal(outcome.status, 'accepted', outcome.message);
    const polled = await agent.poll(opened.id);
    assert.equal(polled.status, 'denied');
    const verdict = verifyReceipt(attachCosignature(polled.receipt, polled.cosignature!), {
      approverKeys: [profile.publicKey],
    });
    assert.equal(verdict.verdict, 'block');
    assert.equal(verdict.decision, 'deny');
    assert.equal(polled.cosignature?.statement.reason, 'not our customer');
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('a pending (not yet activated) key is refused with what to do', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Newbie' });
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    const opened = await agent.open();
    const outcome = await approveShown(engine, opened.id);
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.message, /not active/);
    assert.ok(outcome.message.includes(profile.fingerprint));
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('rotation: new key vouched for by the old one, enrolled pending, old key revoked; removal empties the keychain', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const keyStore: KeyringKeyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore });
  try {
    const before = await activeProfile(engine, teamId, apiKey);
    const after = await engine.rotateKey(before.name);
    assert.notEqual(after.keyId, before.keyId);
    assert.equal(after.keyStatus, 'pending');
    const records = new Map((await cloud.admin.listApprovers(teamId)).map((r) => [r.keyId, r]));
    assert.equal(records.get(before.keyId)?.status, 'revoked');
    const fresh = records.get(after.keyId);
    assert.equal(fresh?.status, 'pending');
    assert.equal(fresh?.rotation?.statement.previousKeyId, before.keyId);
    assert.equal(fresh?.rotation?.statement.newPublicKey, after.publicKey);
    const owner = await keychainOwnerOf(join(dir.path, 'config'), after.name);
    assert.equal(await keyStore.get(accounts.privateKey(owner, before.keyId)), null, 'old private key deleted');
    assert.notEqual(await keyStore.get(accounts.privateKey(owner, after.keyId)), null);

    const history = await engine.history(after.name);
    assert.equal(history.verification.ok, true, history.verification.problem ?? '');
    assert.deepEqual(
      history.entries.map((e) => e.kind),
      ['enrol', 'rotate'],
    );

    await engine.removeProfile(after.name);
    const afterRemoval = (await cloud.admin.listApprovers(teamId)).find((r) => r.keyId === after.keyId);
    assert.equal(afterRemoval?.status, 'revoked', 'a removed device no longer counts as an approver');
    assert.equal(await keyStore.get(accounts.privateKey(owner, after.keyId)), null);
    assert.equal(await keyStore.get(accounts.apiKey(owner)), null);
    assert.deepEqual(await engine.listProfiles(), []);
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
