/**
 * The engine follows the queue through the control plane's changes feed: after one list,
 * each update carries only what changed, and is applied without touching the rest. A
 * hostile control plane (a rewriting proxy in front of a real one) can delay or reset the
 * feed, but whatever it slips in is still verified before it is shown.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PendingItem } from '../../src/approver/api.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { type CloudHandle, fillPendingQueue, setupTeam, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';
import {
  AGENT_WORKFLOW,
  KEYRING_SKIP,
  makeAgent,
  makeEngine,
  nextEvent,
  tempDir,
  testKeyStore,
  trustAgent,
} from './helpers.ts';

let cloud: CloudHandle;
let proxy: HostileProxy;
before(async () => {
  if (KEYRING_SKIP) return;
  cloud = await startCloud();
  proxy = await startHostileProxy(cloud.url);
});
after(async () => {
  await proxy?.stop();
  await cloud?.stop();
});

type JsonRecord = Record<string, unknown>;

async function following(teamId: string, apiKey: string) {
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  const profile = await engine.initProfile({ endpoint: proxy.url, teamId, apiKey, displayName: 'Feed' });
  await cloud.admin.activateApprover(teamId, profile.keyId);
  return {
    engine,
    profile,
    async close() {
      await engine.stop();
      await engine.removeProfile(profile.name).catch(() => undefined);
      dir.cleanup();
    },
  };
}

const changesAnswers = () =>
  proxy.seen.filter((r) => r.method === 'GET' && r.path.endsWith('/approvals/changes')).length;

test('after one list, a new approval arrives alone through the changes feed; held ones are not re-sent or re-announced', {
  skip: KEYRING_SKIP,
}, async () => {
  proxy.reset();
  const { teamId, apiKey } = await setupTeam(cloud);
  const agent = makeAgent(cloud, teamId, apiKey);
  const held = [await agent.open(), await agent.open(), await agent.open()];
  const f = await following(teamId, apiKey);
  const bodies: JsonRecord[] = [];
  proxy.rewrite((req, res) => {
    if (req.path.endsWith('/approvals/changes')) bodies.push(res.body as JsonRecord);
    return res;
  });
  try {
    const events: string[] = [];
    f.engine.on('updated', (item) => events.push(`updated ${item.approval.id}`));
    const first = nextEvent<PendingItem>(
      (l) => f.engine.on('added', l),
      (i) => i.approval.id === held[2]!.id,
    );
    await f.engine.start(f.profile.name);
    await first;

    const added = nextEvent<PendingItem>((l) => f.engine.on('added', l));
    const fresh = await agent.open();
    assert.equal((await added).approval.id, fresh.id);
    const carrying = bodies.filter((b) => Array.isArray(b.changes) && b.changes.length > 0);
    assert.deepEqual(
      carrying.map((b) => (b.changes as JsonRecord[]).map((a) => a.id)),
      [[fresh.id]],
      'the update carried the new approval only',
    );
    assert.deepEqual(events, [], 'nothing held was touched');

    const removed = nextEvent<{ approvalId: string }>((l) => f.engine.on('removed', l));
    await agent.client.decide(
      teamId,
      held[0]!.id,
      // Decided by another device: the engine learns it from the feed (status approved) and drops it.
      await otherApproverDecision(teamId, apiKey, held[0]!.id),
    );
    assert.equal((await removed).approvalId, held[0]!.id);
    assert.deepEqual(
      f.engine
        .snapshot()
        .items.map((i) => i.approval.id)
        .sort(),
      [held[1]!.id, held[2]!.id, fresh.id].sort(),
    );
  } finally {
    proxy.reset();
    await f.close();
  }
});

test('a hostile feed that slips in another team’s approval has its whole answer refused; the item is never shown', {
  skip: KEYRING_SKIP,
}, async () => {
  proxy.reset();
  const { teamId, apiKey } = await setupTeam(cloud);
  const other = await setupTeam(cloud, 'Other team');
  const otherApproval = await makeAgent(cloud, other.teamId, other.apiKey).open({ amount: 9_999 });
  const f = await following(teamId, apiKey);
  try {
    const shown: string[] = [];
    f.engine.on('added', (item) => shown.push(item.approval.id));
    await f.engine.start(f.profile.name);
    await nextEvent(
      (l) => f.engine.on('connection', l),
      (c: { kind: string }) => c.kind === 'online',
    );
    proxy.rewrite((req, res) => {
      if (!req.path.endsWith('/approvals/changes') || res.status !== 200) return res;
      return { ...res, body: { ...(res.body as JsonRecord), changes: [otherApproval] } };
    });
    const refused = await nextEvent(
      (l) => f.engine.on('connection', l),
      (c: { kind: string; message: string }) => c.kind !== 'online' && /not this team/.test(c.message),
    );
    assert.match((refused as { message: string }).message, /not this team's/);
    assert.deepEqual(shown, []);
  } finally {
    proxy.reset();
    await f.close();
  }
});

test('a server that disowns the cursors it hands out (reset every time) makes the engine list again, paced, and the queue stays right', {
  skip: KEYRING_SKIP,
}, async () => {
  proxy.reset();
  const { teamId, apiKey } = await setupTeam(cloud);
  const agent = makeAgent(cloud, teamId, apiKey);
  const f = await following(teamId, apiKey);
  await trustAgent(f.engine, f.profile.name, agent);
  // Every list answer carries a cursor far ahead of the real one: the real server then answers
  // each changes request at once with reset: true.
  proxy.rewrite((req, res) =>
    req.method === 'GET' && req.path.endsWith('/approvals')
      ? { ...res, body: { ...(res.body as JsonRecord), cursor: '999999999' } }
      : res,
  );
  try {
    await f.engine.start(f.profile.name);
    for (let i = 0; i < 2; i++) {
      const added = nextEvent<PendingItem>((l) => f.engine.on('added', l));
      const opened = await agent.open();
      const item = await added;
      assert.equal(item.approval.id, opened.id);
      assert.equal(item.quarantined, false);
    }
    assert.ok(changesAnswers() > 0);
    // Left alone for a moment, the engine must not hammer the server with list after list.
    const before = proxy.seen.length;
    await new Promise((r) => setTimeout(r, 500));
    const lists = proxy.seen.slice(before).filter((r) => r.method === 'GET' && r.path.endsWith('/approvals')).length;
    assert.ok(lists <= 3, `the engine listed ${lists} times in half a second: it should pause between lists, not spin`);
  } finally {
    proxy.reset();
    await f.close();
  }
});

/** A decision by a second, active approver of the same team (another device). */
async function otherApproverDecision(teamId: string, apiKey: string, approvalId: string) {
  const { makeApprover, cosign } = await import('../cloud/helpers.ts');
  const { ControlPlaneClient } = await import('../../src/client/index.ts');
  const bob = makeApprover();
  const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
  await client.enrolApprover(teamId, { publicKey: bob.publicKey, name: 'Bob' });
  await cloud.admin.activateApprover(teamId, bob.keyId);
  return cosign(await client.getApproval(teamId, approvalId), bob);
}

test('a queue longer than one list page (1,001 pending) is read page by page: every approval is held, and one opened while paging arrives through the feed', {
  skip: KEYRING_SKIP,
}, async () => {
  proxy.reset();
  const { teamId, apiKey } = await setupTeam(cloud);
  const agent = makeAgent(cloud, teamId, apiKey);
  const filler = generateKeyPair();
  const filled = await fillPendingQueue(cloud.dbPath, teamId, 1001, {
    operatorSecret: filler.secretKey,
    workflow: AGENT_WORKFLOW,
  });
  const opened = filled.map((a) => a.id);
  const f = await following(teamId, apiKey);
  let during: Promise<string> | null = null;
  proxy.rewrite((req, res) => {
    // While the engine reads the second page, an agent opens one more: it is after the first page's cursor.
    if (req.url.includes('after=') && during === null) during = agent.open().then((a) => a.id);
    return res;
  });
  try {
    const added = new Set<string>();
    f.engine.on('added', (item) => added.add(item.approval.id));
    await f.engine.start(f.profile.name);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (during === null || added.size < opened.length + 1))
      await new Promise((r) => setTimeout(r, 50));
    const late = await (during as Promise<string> | null);
    assert.ok(late, 'the engine asked for a next page (after=…)');
    const held = new Set(f.engine.snapshot().items.map((i) => i.approval.id));
    assert.deepEqual(
      opened.filter((id) => !held.has(id)),
      [],
      'every approval pending before the engine started is in its queue',
    );
    assert.ok(held.has(late), 'the approval opened while paging arrived');
    assert.equal(held.size, opened.length + 1);
    const pages = proxy.seen.filter((r) => r.method === 'GET' && r.url.startsWith(`/v1/teams/${teamId}/approvals?`));
    assert.equal(pages.length, 3, 'one list of three pages (500 + 500 + 2)');

    // `heso-approver list` reads every page too.
    assert.equal((await f.engine.fetchQueue(f.profile.name)).items.length, opened.length + 1);
  } finally {
    await f.close();
  }
});
