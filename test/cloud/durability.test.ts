import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, ControlPlaneError } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { attachCosignature, type Receipt } from '../../src/core/index.ts';
import { type SpawnedCloud, setupTeam, spawnCloud } from '../support/cloud.ts';
import { cosign, makeApprover, makeReceipt } from './helpers.ts';

describe('control plane: durability', () => {
  let cloud: SpawnedCloud;
  after(() => cloud?.stop());
  before(async () => {
    cloud = await spawnCloud();
  });

  test('a server killed with SIGKILL under load keeps every approval, decision and receipt it acknowledged', async () => {
    const { teamId, apiKey } = await setupTeam(cloud);
    const alice = makeApprover();
    // Generous: on a shared machine a request of the burst can wait seconds for the CPU.
    const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey, timeoutMs: 30_000 });
    await client.enrolApprover(teamId, { publicKey: alice.publicKey, name: 'Alice' });
    await cloud.admin.activateApprover(teamId, alice.keyId);

    const opened = new Map<string, Approval>();
    const decided = new Map<string, Approval>();
    const receipts: Receipt[] = [];
    let killed = false;
    let acknowledged = 0;

    const worker = async () => {
      while (!killed) {
        try {
          const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
          opened.set(approval.id, approval);
          acknowledged++;
          const done = await client.decide(teamId, approval.id, cosign(approval, alice));
          decided.set(done.id, done);
          acknowledged++;
          const final = attachCosignature(approval.receipt, done.cosignature!);
          const pushed = await client.pushReceipts(teamId, [final, makeReceipt(teamId, { verdict: 'allow' })]);
          assert.deepEqual(
            pushed.results.map((r) => r.status),
            ['accepted', 'accepted'],
          );
          receipts.push(final);
          acknowledged++;
        } catch (err) {
          if (killed && err instanceof ControlPlaneError && err.kind === 'network') return;
          throw err;
        }
      }
    };
    // Many concurrent clients, so writes are grouped into shared commits when the kill lands.
    const workers = Promise.all(Array.from({ length: 24 }, worker));
    let failed = false;
    workers.catch(() => {
      failed = true;
    });
    // Kill mid-stream, once a good amount of work was acknowledged and more is in flight
    // (a worker that failed before fails the test at once instead of leaving this loop spinning).
    while (acknowledged < 150 && !failed) await new Promise((r) => setTimeout(r, 10));
    killed = true;
    await cloud.kill('SIGKILL');
    await workers;
    assert.ok(opened.size >= 20 && decided.size >= 15, `load was too light: ${opened.size} opened`);

    await cloud.restart();
    const after = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
    for (const [id, approval] of opened) {
      const now = await after.getApproval(teamId, id);
      assert.equal(now.challenge, approval.challenge);
      const wasDecided = decided.get(id);
      if (wasDecided) {
        assert.equal(now.status, 'approved');
        assert.deepEqual(now.cosignature, wasDecided.cosignature);
      }
    }
    for (let i = 0; i < receipts.length; i += 50) {
      const res = await after.pushReceipts(teamId, receipts.slice(i, i + 50));
      for (const r of res.results) assert.equal(r.status, 'duplicate', `receipt ${r.receiptId} was lost`);
    }
  });
});
