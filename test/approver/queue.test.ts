/**
 * The live queue against a real control plane: tampered approvals are quarantined (the
 * server, or something in between, serves different params for the same hash), and a
 * burst of approvals yields one coalesced notification.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConnectionState, NotificationRequest, PendingItem, QueueSnapshot } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeAgent, makeEngine, nextEvent, tempDir, testKeyStore, trustAgent } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

type JsonRecord = Record<string, unknown>;

/** A fetch that rewrites the action params of every approval it returns, leaving hash and signature alone. */
function tamperingFetch(): typeof fetch {
  const tamper = (approval: JsonRecord) => {
    const receipt = approval.receipt as { statement: { action: { params: JsonRecord } } };
    receipt.statement.action.params.amount = 99_999;
    receipt.statement.action.params.iban = 'XX00 ATTACKER';
  };
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(String(input));
    if ((init?.method ?? 'GET') !== 'GET' || !url.pathname.includes('/approvals') || !response.ok) return response;
    const body = (await response.json()) as JsonRecord;
    for (const list of [body.approvals, body.changes])
      if (Array.isArray(list)) for (const a of list) tamper(a as JsonRecord);
      else if (body.receipt) tamper(body);
    return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
  };
}

test('a tampered approval is quarantined with its reasons: approve refused, deny allowed', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore(), fetch: tamperingFetch() });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Q' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    await engine.start(profile.name);
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    const added = nextEvent<PendingItem>((l) => engine.on('added', l));
    const notified = nextEvent<NotificationRequest>((l) => engine.on('notify', l));
    const opened = await agent.open({ amount: 300 });
    const item = await added;

    assert.equal(item.quarantined, true);
    assert.equal(item.verification.ok, false);
    assert.equal(JSON.parse(item.canonicalAction).params.amount, 99_999, 'we show what we were served');
    assert.ok(
      item.verification.reasons.some((r) => /operator signature does not match/.test(r)),
      item.verification.reasons.join('; '),
    );
    assert.ok(item.verification.reasons.some((r) => /does not hash to the signed action hash/.test(r)));
    const notification = await notified;
    assert.equal(notification.kind === 'single' && notification.title, 'Approval request failed verification');

    const refused = await engine.decide({ approvalId: opened.id, decision: 'approve', reviewed: reviewedOf(item) });
    assert.equal(refused.status, 'refused');
    assert.match(refused.message, /failed local verification/);
    assert.equal((await agent.poll(opened.id)).status, 'pending', 'nothing was sent');

    const denied = await engine.decide({ approvalId: opened.id, decision: 'deny', reason: 'tampered in transit' });
    assert.equal(denied.status, 'accepted', denied.message);
    assert.equal((await agent.poll(opened.id)).status, 'denied');
  } finally {
    await engine.stop();
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('an untampered approval of another shape (no summary, nested params) verifies', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Q' });
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    await agent.open({ nested: { list: [1, 'two', { three: null }] }, note: 'a\u202Eb' });
    const snapshot = await engine.fetchQueue(profile.name);
    assert.equal(snapshot.items.length, 1);
    assert.deepEqual(snapshot.items[0]?.verification, { ok: true, reasons: [] });
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});

test('a burst of 50 approvals yields one summary notification and all 50 in the queue', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  // Gather long enough that the whole burst lands in one window even on a slow, shared machine.
  const engine = makeEngine(dir.path, {
    keyStore: testKeyStore(),
    notifications: { gatherMs: 3000, minIntervalMs: 60_000 },
  });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'B' });
    const agent = makeAgent(cloud, teamId, apiKey);
    const notifications: NotificationRequest[] = [];
    engine.on('notify', (n) => notifications.push(n));
    await engine.start(profile.name);
    await nextEvent<ConnectionState>(
      (l) => engine.on('connection', l),
      (c) => c.kind === 'online',
    );
    const all = nextEvent<QueueSnapshot>(
      (l) => engine.on('queue', l),
      (s) => s.items.length === 50,
      60_000,
    );
    await Promise.all(Array.from({ length: 50 }, () => agent.open()));
    await all;
    const first = await nextEvent<NotificationRequest>(
      (l) => engine.on('notify', l),
      () => true,
      10_000,
    ).catch(() => null);
    const shown = first ? [first] : notifications;
    assert.equal(notifications.length <= 1 && shown.length, 1, JSON.stringify(notifications));
    assert.equal(shown[0]?.kind, 'summary');
    assert.equal(shown[0]?.kind === 'summary' && shown[0].count, 50);
  } finally {
    await engine.stop();
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
