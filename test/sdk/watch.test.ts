import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url, buildCosignature, generateKeyPair, keyIdOf } from '../../src/core/index.ts';
import { createCloud, createGuard, HesoApprovalError, initDataDir, TrustStore } from '../../src/sdk/index.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { type SocketCounter, startSocketCounter } from '../support/socket-counter.ts';
import { TEST_POLICY } from './helpers.ts';

const WAITING = 1000;

/**
 * Every action fsyncs the agent's outbox and audit log and every approval the server's
 * database: on a RAM disk (where there is one) the thousand of each cost no disk flushes.
 */
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'heso-watch-'));

function makeDataDir(): { dataDir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(scratch, 'agent-'));
  const dataDir = join(dir, '.heso');
  initDataDir(dataDir, { gitignore: false });
  return { dataDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('one long-poll per agent process', () => {
  let cloud: CloudHandle;
  let counter: SocketCounter;
  let teamId: string;
  let operatorKey: string;
  let person: ControlPlaneClient;
  const approver = generateKeyPair();
  const approverPublic = b64url.encode(approver.publicKey);
  const cleanups: (() => void)[] = [];

  before(async () => {
    // The agent opens its 1,000 approvals in one burst: room for that in its key's request budget.
    // Long-poll caps stay at their defaults (32 per key), which one poll per approval would exceed.
    cloud = await startCloud({ dbPath: join(scratch, 'cloud.db'), rateLimit: { burst: 5000, roleBurst: 10_000 } });
    teamId = await cloud.admin.createTeam('Busy team');
    await cloud.admin.setPolicy(teamId, TEST_POLICY);
    operatorKey = await cloud.admin.createApiKey(teamId, 'operator');
    person = new ControlPlaneClient({
      endpoint: cloud.url,
      apiKey: await cloud.admin.createApiKey(teamId, 'approver'),
    });
    await person.enrolApprover(teamId, { publicKey: approverPublic, name: 'Busy Bea' });
    await cloud.admin.activateApprover(teamId, keyIdOf(approverPublic));
    // Only the agent goes through the counter: its sockets are what we count.
    counter = await startSocketCounter(cloud.url);
  });
  after(async () => {
    await counter.stop();
    await cloud.stop();
    for (const c of cleanups) c();
    rmSync(scratch, { recursive: true, force: true });
  });

  const decide = (approval: Approval) =>
    person.decide(teamId, approval.id, buildCosignature({ approval, decision: 'approve' }, approver.secretKey));

  async function allPending(): Promise<Approval[]> {
    const page = await person.listPending(teamId, { limit: 500 });
    return page.approvals;
  }

  test(`${WAITING} approvals waiting in one agent: the agent holds at most 2 connections, the person is never refused`, async () => {
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    new TrustStore(dataDir).add(approverPublic, { name: 'Bea' });
    let waiting = 0;
    let allWaiting!: () => void;
    const everyoneWaits = new Promise<void>((resolve) => {
      allWaiting = resolve;
    });
    const guard = createGuard({
      teamId,
      dataDir,
      account: 'acct-1',
      workflow: 'refund-bot',
      cloud: createCloud(operatorKey, counter.url),
      autoPush: false,
      onEvent: (event) => {
        if (event.type === 'waiting' && ++waiting === WAITING) allWaiting();
      },
    });
    const runs = Array.from({ length: WAITING }, (_, i) =>
      guard.run({ tool: 'payments.refund', params: { amount: 200 + i, currency: 'EUR' } }, () => i),
    );
    const failed = Promise.race(runs.map((r) => r.then(() => new Promise<never>(() => {}))));
    await Promise.race([everyoneWaits, failed]);

    // The person's queue long-poll and decision go through at once, with every approval waiting.
    const first = await person.listPending(teamId, { limit: 1 });
    const held = person.listPending(teamId, { cursor: first.cursor, waitSeconds: 20, limit: 1 });
    const decided = await decide(first.approvals[0]!);
    assert.equal(decided.status, 'approved');
    const woke = await held;
    assert.notEqual(woke.cursor, first.cursor, 'the queue long-poll answered the change');
    assert.ok(counter.maxOpen <= 2, `the agent opened at most 2 connections at once (saw ${counter.maxOpen})`);

    // Decide the rest (a few at a time); every agent action runs, over the same one long-poll.
    for (let page = await allPending(); page.length > 0; page = await allPending())
      for (let i = 0; i < page.length; i += 8) await Promise.all(page.slice(i, i + 8).map(decide));
    const results = await Promise.all(runs);
    assert.deepEqual(
      results,
      Array.from({ length: WAITING }, (_, i) => i),
    );
    assert.ok(counter.maxOpen <= 2, `the agent opened at most 2 connections at once (saw ${counter.maxOpen})`);
    await guard.close();
  });

  test('a lying control plane cannot settle an approval through the shared long-poll: the guard still verifies', async () => {
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    new TrustStore(dataDir).add(approverPublic, { name: 'Bea' });
    // Every settled-approvals answer claims the awaited approval was approved, with a co-signature
    // for a different approval (one the person really approved).
    const real = await cloud.admin.createApiKey(teamId, 'operator');
    const realClient = new ControlPlaneClient({ endpoint: cloud.url, apiKey: real });
    const { makeReceipt } = await import('../cloud/helpers.ts');
    const elsewhere = await realClient.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const genuine = await decide(elsewhere);
    const lying: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      url.searchParams.delete('wait'); // the real server answers at once; this one lies at once
      const res = await fetch(url, init);
      if (!url.pathname.endsWith('/approvals/settled') || !url.searchParams.has('cursor')) {
        if (init?.method === 'POST' && url.pathname.endsWith('/approvals'))
          lastOpened = (await res.clone().json()) as Approval;
        return res;
      }
      const body = (await res.json()) as { cursor: string };
      const forged = {
        ...lastOpened!,
        status: 'approved',
        cosignature: genuine.cosignature,
        decidedAt: genuine.decidedAt,
      };
      return Response.json({ approvals: [forged], cursor: body.cursor, more: false });
    };
    let lastOpened: Approval | undefined;
    const guard = createGuard({
      teamId,
      dataDir,
      account: 'acct-1',
      workflow: 'refund-bot',
      cloud: createCloud(operatorKey, cloud.url, { fetch: lying }),
      autoPush: false,
    });
    let ran = false;
    await assert.rejects(
      guard.run({ tool: 'payments.refund', params: { amount: 999, currency: 'EUR' } }, () => {
        ran = true;
      }),
      (err: unknown) => err instanceof HesoApprovalError && err.code === 'cosignature_rejected',
    );
    assert.equal(ran, false);
    await guard.close();
  });
});
