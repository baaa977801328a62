/**
 * The live queue and decisions when things go wrong, against real servers: the control
 * plane killed and restarted (nothing lost, no duplicate decision), a revoked API key
 * (401: stop and say so), and rate limiting (429: wait Retry-After).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionState, PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { setupTeam, spawnCloud, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeAgent, makeEngine, nextEvent, tempDir, testKeyStore, trustAgent } from './helpers.ts';

interface Captured {
  method: string;
  path: string;
  search: string;
  status: number | 'network-error';
}

function capturingFetch(log: Captured[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const entry: Captured = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      status: 'network-error',
    };
    log.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    return response;
  };
}

test('server down then up: the queue reconnects, nothing is lost, the decision lands exactly once', {
  skip: KEYRING_SKIP,
}, async () => {
  const cloud = await spawnCloud();
  const dir = tempDir();
  const requests: Captured[] = [];
  const engine = makeEngine(dir.path, { keyStore: testKeyStore(), fetch: capturingFetch(requests), random: () => 0 });
  const states: ConnectionState['kind'][] = [];
  engine.on('connection', (c) => states.push(c.kind));
  let teamId = '';
  try {
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey: team.apiKey, displayName: 'D' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    await engine.start(profile.name);
    const agent = makeAgent(cloud, teamId, team.apiKey);
    await trustAgent(engine, profile.name, agent);
    const first = nextEvent<PendingItem>((l) => engine.on('added', l));
    const a = await agent.open();
    const shown = await first;

    await cloud.kill('SIGKILL');
    await nextEvent<ConnectionState>(
      (l) => engine.on('connection', l),
      (c) => c.kind === 'reconnecting',
    );
    // Decide while the server is down: the signed decision waits in the outbox and is retried.
    const decided = engine.decide({ approvalId: a.id, decision: 'approve', reason: 'ok', reviewed: reviewedOf(shown) });
    await new Promise((r) => setTimeout(r, 300));
    await cloud.restart();
    const outcome = await decided;
    assert.equal(outcome.status, 'accepted', outcome.message);

    // Approvals opened after the restart still arrive.
    const later = nextEvent<PendingItem>((l) => engine.on('added', l));
    const b = await agent.open();
    assert.equal((await later).approval.id, b.id);
    assert.equal(engine.snapshot().connection.kind, 'online');
    assert.ok(states.indexOf('reconnecting') < states.lastIndexOf('online'), states.join(' → '));

    // The first queue request that gets through after the outage long-polls for 1 s only, so
    // "online" comes back at once rather than at the next change or a 25 s timeout.
    // Queue requests: the first list, then the changes feed.
    const lists = requests.filter(
      (r) => r.method === 'GET' && (r.path.endsWith('/approvals') || r.path.endsWith('/approvals/changes')),
    );
    const firstFailure = lists.findIndex((r) => r.status === 'network-error');
    const firstRecovery = lists.findIndex((r, i) => i > firstFailure && r.status === 200);
    assert.ok(firstFailure >= 0 && firstRecovery > firstFailure, 'the queue failed, then recovered');
    assert.match(lists[firstRecovery]!.search, /[?&]wait=1(&|$)/, 'the recovery request waits 1 s at most');
    assert.ok(
      lists.some((r) => /[?&]wait=(2[0-9]|[3-9])(&|$)/.test(r.search)),
      `in steady state the queue long-polls longer (${lists.map((r) => r.search).join(' ')})`,
    );

    const decisionPosts = requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/approvals/${a.id}/decision`));
    assert.equal(decisionPosts.filter((r) => r.status === 200).length, 1, 'accepted exactly once');
    assert.ok(
      decisionPosts.some((r) => r.status === 'network-error'),
      'it was retried while the server was down',
    );
    const polled = await agent.poll(a.id);
    assert.equal(polled.status, 'approved');
    const history = await engine.history();
    assert.equal(history.entries.filter((e) => e.approvalId === a.id).length, 1, 'one decision in the audit log');
  } finally {
    await engine.stop();
    if (teamId) await engine.removeProfile(teamId).catch(() => undefined);
    await cloud.stop();
    dir.cleanup();
  }
});

test('401: a revoked API key stops the queue with "API key rejected" instead of hammering', {
  skip: KEYRING_SKIP,
}, async () => {
  const cloud = await startCloud();
  const dir = tempDir();
  const requests: Captured[] = [];
  const engine = makeEngine(dir.path, {
    keyStore: testKeyStore(),
    fetch: capturingFetch(requests),
    pollWaitSeconds: 1,
  });
  let teamId = '';
  try {
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey: team.apiKey, displayName: 'R' });
    await engine.start(profile.name);
    await nextEvent<ConnectionState>(
      (l) => engine.on('connection', l),
      (c) => c.kind === 'online',
    );
    const rejected = nextEvent<ConnectionState>(
      (l) => engine.on('connection', l),
      (c) => c.kind === 'auth_failed',
    );
    await cloud.admin.revokeApiKey(team.apiKey);
    const state = await rejected;
    assert.match(state.message, /^API key rejected/);
    assert.match(state.message, /ask your team admin for a new API key/i);
    const countAtStop = requests.length;
    assert.equal(requests.at(-1)?.status, 401);
    // Three long-poll periods later, still no new request.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(requests.length, countAtStop, 'no requests after auth_failed');
    assert.equal(engine.snapshot().connection.kind, 'auth_failed');
  } finally {
    await engine.stop();
    if (teamId) await engine.removeProfile(teamId).catch(() => undefined);
    await cloud.stop();
    dir.cleanup();
  }
});

test('429: the queue waits exactly Retry-After and says it is rate limited', { skip: KEYRING_SKIP }, async () => {
  // Burst 3: the key-role check, the enrolment and the first list pass, the next request is
  // limited (1 token per 4 s).
  const cloud = await startCloud({ rateLimit: { burst: 3, perSecond: 0.25 } });
  const dir = tempDir();
  const slept: number[] = [];
  const engine = makeEngine(dir.path, {
    keyStore: testKeyStore(),
    pollWaitSeconds: 1,
    // Record the wait, but only pause briefly: the assertion is about what was asked for.
    sleep: async (ms) => {
      slept.push(ms);
      await new Promise((r) => setTimeout(r, 20));
    },
  });
  let teamId = '';
  try {
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey: team.apiKey, displayName: 'L' });
    await engine.start(profile.name);
    const limited = await nextEvent<ConnectionState>(
      (l) => engine.on('connection', l),
      (c) => c.kind === 'rate_limited',
    );
    assert.match(limited.message, /slow down; retrying in 4 s/);
    assert.ok(limited.retryAt && Date.parse(limited.retryAt) > Date.now());
    assert.equal(slept[0], 4000, 'waited Retry-After (4 s), not a backoff guess');
  } finally {
    await engine.stop();
    if (teamId) await engine.removeProfile(teamId).catch(() => undefined);
    await cloud.stop();
    dir.cleanup();
  }
});
