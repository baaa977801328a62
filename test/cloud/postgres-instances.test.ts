/**
 * Several `heso-cloud` processes on one PostgreSQL database, as behind a load balancer:
 * wake-ups cross instances, one decision wins across instances, a killed instance loses
 * nothing it acknowledged, and a database restart gives clear 503s then recovers by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, ControlPlaneError } from '../../src/client/index.ts';
import { type Approval, routes } from '../../src/core/api.ts';
import { type SpawnedCloud, setupTeam, spawnCloud } from '../support/cloud.ts';
import { postgresSkipReason } from '../support/postgres.ts';
import { sharedPostgres } from '../support/stores.ts';
import { cosign, makeApprover, makeReceipt, raw } from './helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('heso-cloud on PostgreSQL: two instances, one database', { skip: postgresSkipReason }, () => {
  const postgres = sharedPostgres();
  let a: SpawnedCloud;
  let b: SpawnedCloud;
  let teamId: string;
  let apiKey: string;
  const alice = makeApprover();

  before(async () => {
    const url = await (await postgres.get()).createDatabase();
    // Started together: the migration lock lets one migrate while the other waits.
    [a, b] = await Promise.all([spawnCloud({ dbPath: url }), spawnCloud({ dbPath: url })]);
    ({ teamId, apiKey } = await setupTeam(a));
    await new ControlPlaneClient({ endpoint: b.url, apiKey }).enrolApprover(teamId, {
      publicKey: alice.publicKey,
      name: 'Alice',
    });
    await a.admin.activateApprover(teamId, alice.keyId);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await postgres.destroy();
  });

  const client = (cloud: SpawnedCloud) => new ControlPlaneClient({ endpoint: cloud.url, apiKey, timeoutMs: 40_000 });

  test('an approval opened on A wakes a changes long-poll held on B, as fast as on one instance', async () => {
    for (const [opener, waiter] of [
      [a, b],
      [a, a],
    ] as const) {
      const since = (await client(waiter).listPending(teamId)).cursor;
      const started = Date.now();
      const held = client(waiter).approvalChanges(teamId, { since, waitSeconds: 20 });
      await sleep(300); // the long-poll is parked
      const opened = await client(opener).openApproval(teamId, { receipt: makeReceipt(teamId) });
      const answer = await held;
      const took = Date.now() - started - 300;
      assert.deepEqual(
        answer.changes.map((c) => c.id),
        [opened.id],
      );
      assert.ok(took < 2000, `woke after ${took} ms (${opener === waiter ? 'same' : 'other'} instance)`);
    }
  });

  test('a decision on A wakes the operator waiting on B for that approval', async () => {
    const opened = await client(a).openApproval(teamId, { receipt: makeReceipt(teamId) });
    const waiting = client(b).getApproval(teamId, opened.id, { waitSeconds: 20 });
    await sleep(300);
    await client(a).decide(teamId, opened.id, cosign(opened, alice));
    assert.equal((await waiting).status, 'approved');
  });

  test('the same approval decided on A and B at once: exactly one 200, the rest 409 naming the winner', async () => {
    for (let round = 0; round < 5; round++) {
      const opened: Approval = await client(a).openApproval(teamId, { receipt: makeReceipt(teamId) });
      const bodies = Array.from({ length: 6 }, (_, i) => cosign(opened, alice, i % 2 ? 'approve' : 'deny'));
      const results = await Promise.all(
        bodies.map((body, i) => raw(i % 2 ? a : b, 'POST', routes.decision(teamId, opened.id), { apiKey, body })),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], `round ${round}`);
      const winner = results.find((r) => r.status === 200)!.json as Approval;
      for (const loser of results.filter((r) => r.status === 409))
        assert.equal(loser.json.error.code, 'already_decided');
      const stored = await client(b).getApproval(teamId, opened.id);
      assert.deepEqual(stored.cosignature, winner.cosignature);
    }
  });

  test('SIGKILL of one instance during a burst: nothing acknowledged is lost, the other keeps serving', async () => {
    const acknowledged = new Map<string, Approval>();
    let killed = false;
    const worker = async (cloud: SpawnedCloud) => {
      const c = client(cloud);
      while (!killed || cloud === b) {
        if (killed && acknowledged.size > 150) return;
        try {
          const approval = await c.openApproval(teamId, { receipt: makeReceipt(teamId) });
          acknowledged.set(approval.id, approval);
        } catch (err) {
          if (cloud === a && killed && err instanceof ControlPlaneError && err.kind === 'network') return;
          throw err;
        }
      }
    };
    const workers = [...Array.from({ length: 6 }, () => worker(a)), ...Array.from({ length: 6 }, () => worker(b))];
    while (acknowledged.size < 60) await sleep(10);
    killed = true;
    await a.kill('SIGKILL');
    await Promise.all(workers);
    const reader = client(b);
    for (const [id, approval] of acknowledged) {
      const stored = await reader.getApproval(teamId, id);
      assert.equal(stored.challenge, approval.challenge, `approval ${id} was lost`);
    }
    await a.restart();
  });

  test('database restarted under load: 503s that say so while down, service back without restarting heso-cloud', async () => {
    const cluster = await postgres.get();
    const c = client(b);
    assert.equal((await raw(b, 'GET', routes.ready())).status, 200);
    // Load on both instances across the outage: every answer is a success or a 503 that says why.
    let loading = true;
    const statuses = new Map<number, number>();
    const load = async (cloud: SpawnedCloud) => {
      while (loading) {
        const res = await raw(cloud, 'POST', routes.approvals(teamId), {
          apiKey,
          body: { receipt: makeReceipt(teamId) },
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503) {
          assert.match(res.json.error.message, /database is unreachable/);
          assert.equal(res.headers.get('retry-after'), '1');
        } else assert.equal(res.status, 201, res.text);
      }
    };
    const loaders = [a, b, a, b].map(load);
    await sleep(300);
    cluster.stop();
    try {
      const pending = await raw(b, 'GET', routes.approvals(teamId), { apiKey });
      assert.equal(pending.status, 503, pending.text);
      assert.equal(pending.json.error.code, 'internal');
      assert.match(pending.json.error.message, /database is unreachable/);
      const ready = await raw(b, 'GET', routes.ready());
      assert.equal(ready.status, 503);
      assert.match(ready.json.error.message, /not ready/);
      assert.equal((await raw(b, 'GET', routes.health())).status, 200, 'alive while the database is away');
      await sleep(500);
    } finally {
      cluster.start();
    }
    const deadline = Date.now() + 15_000;
    for (const cloud of [a, b])
      while ((await raw(cloud, 'GET', routes.ready())).status !== 200) {
        assert.ok(Date.now() < deadline, 'not ready 15 s after the database came back');
        await sleep(100);
      }
    const servedBefore = statuses.get(201) ?? 0;
    await sleep(500);
    loading = false;
    await Promise.all(loaders);
    assert.ok((statuses.get(503) ?? 0) > 0, 'the load met the outage');
    assert.ok((statuses.get(201) ?? 0) > servedBefore, 'the load is served again after the restart');
    const opened = await c.openApproval(teamId, { receipt: makeReceipt(teamId) });
    // Wake-ups work again too: the LISTEN connection reconnected by itself.
    const since = (await client(a).listPending(teamId)).cursor;
    const held = client(a).approvalChanges(teamId, { since, waitSeconds: 20 });
    await sleep(300);
    const decided = await c.decide(teamId, opened.id, cosign(opened, alice));
    const answer = await held;
    assert.ok(answer.changes.some((x) => x.id === decided.id && x.status === 'approved'));
  });
});
