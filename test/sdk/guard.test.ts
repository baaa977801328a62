import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import type { Approval } from '../../src/core/api.ts';
import { buildReceipt, gate } from '../../src/core/index.ts';
import type { Receipt } from '../../src/core/schemas.ts';
import {
  createCloud,
  createGuard,
  type GuardEvent,
  HesoApprovalError,
  HesoBlockedError,
  loadOperatorKey,
  TrustStore,
} from '../../src/sdk/index.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeApprover, makeDataDir, makeTeam, type TestApprover, type TestTeam } from './helpers.ts';

/**
 * A fetch in front of the real server that rewrites every approval answer: what a compromised
 * or buggy control plane could send. Polls are made without `wait`, so the real server answers
 * at once; the agent's one long-poll (`approvals/settled`) is answered at once with the
 * rewritten approvals this fetch saw opened, as if they had just been decided.
 */
function tamperWithPolls(rewrite: (approval: Approval) => Approval): typeof fetch {
  const opened: Approval[] = [];
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (init?.method === 'POST' && url.pathname.endsWith('/approvals')) {
      const res = await fetch(input, init);
      const body = (await res.clone().json()) as Approval;
      if (res.ok) opened.push(body);
      return res;
    }
    if (init?.method !== 'GET' || !/\/approvals\/apr_|\/approvals\/settled$/.test(url.pathname))
      return fetch(input, init);
    url.searchParams.delete('wait');
    const res = await fetch(url, init);
    if (!url.pathname.endsWith('/settled')) return Response.json(rewrite((await res.json()) as Approval));
    const page = (await res.json()) as { cursor: string };
    const lies = url.searchParams.has('cursor') ? opened.splice(0).map(rewrite) : [];
    return Response.json({ approvals: lies, cursor: page.cursor, more: false });
  };
}

const refund = (amount: number) => ({ tool: 'payments.refund', params: { amount, currency: 'EUR' } });

describe('guard against a real control plane', () => {
  let cloud: CloudHandle;
  let team: TestTeam;
  let pinned: TestApprover;
  let unpinned: TestApprover;
  const cleanups: (() => void)[] = [];

  before(async () => {
    cloud = await startCloud();
    team = await makeTeam(cloud);
    pinned = await makeApprover(cloud, team, 'Pinned Pia');
    unpinned = await makeApprover(cloud, team, 'Unpinned Ulf');
  });
  after(async () => {
    await cloud.stop();
    for (const c of cleanups) c();
  });

  /** A guard on a fresh data dir that trusts `pinned` only. The approver reacts to each `waiting` event. */
  function setup(opts: {
    onWaiting?: (approval: Approval) => Promise<unknown>;
    fetch?: typeof fetch;
    clock?: () => Date;
    mode?: 'enforce' | 'observe';
  }) {
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    new TrustStore(dataDir).add(pinned.publicKey, { name: 'Pia' });
    const events: GuardEvent[] = [];
    const approverWork: Promise<unknown>[] = [];
    const cloudConn = createCloud(team.apiKey, cloud.url, opts.fetch ? { fetch: opts.fetch } : {});
    const guard = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'acct-1',
      workflow: 'test-agent',
      cloud: cloudConn,
      autoPush: false,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.mode ? { mode: opts.mode } : {}),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'waiting' && opts.onWaiting)
          approverWork.push(team.client.getApproval(team.teamId, e.approvalId).then(opts.onWaiting));
      },
    });
    return { guard, events, dataDir, approverWork };
  }

  test('allow runs the function; block throws and does not run it', async () => {
    const { guard } = setup({});
    let ran = 0;
    assert.equal(await guard.run(refund(20), () => ++ran), 1);
    await assert.rejects(
      guard.run({ tool: 'db.delete', account: 'prod-eu', params: { table: 't' } }, () => ++ran),
      (err: unknown) => err instanceof HesoBlockedError && err.ruleId === 'no-prod-deletes' && err.code === 'blocked',
    );
    assert.equal(ran, 1);
    assert.deepEqual(
      guard.audit.read().map((e) => e.outcome),
      ['ran', 'blocked'],
    );
    assert.equal(guard.outbox.pending().length, 2, 'both receipts are recorded for pushing');
    await guard.close();
  });

  test('suspend: a pinned approver approves, the guard verifies and runs with the co-signed receipt', async () => {
    const { guard, events, approverWork } = setup({ onWaiting: (a) => pinned.decide(a, 'approve') });
    const receipt = await guard.run(refund(500), (ctx) => ctx.receipt);
    await Promise.all(approverWork);
    assert.equal(receipt.cosignature?.statement.decision, 'approve');
    const verified = gate(receipt, { approverKeys: [pinned.publicKey] });
    assert.equal(verified.ok, true);
    const waiting = events.find((e) => e.type === 'waiting');
    assert.ok(waiting && /^[0-9A-Z]{3}-[0-9A-Z]{3}$/.test(waiting.shortCode));
    const decided = events.find((e) => e.type === 'decided');
    assert.equal(decided?.type === 'decided' && decided.outcome, 'approved');
    assert.deepEqual(
      guard.audit.read().map((e) => e.outcome),
      ['approval_opened', 'approved', 'ran'],
    );
    // The co-signed receipt replaces the plain one in the outbox and the control plane accepts it.
    assert.ok(
      guard.outbox.pending().some((r) => r.cosignature),
      'the co-signed receipt is queued',
    );
    const flushed = await guard.outbox.drain({ timeoutMs: 10_000 });
    assert.deepEqual([flushed.accepted, flushed.remaining, guard.outbox.refused().length], [1, 0, 0]);
    const store = new SqliteCloudStore({ path: cloud.dbPath });
    try {
      const stored = JSON.parse((await store.getReceipt(team.teamId, receipt.statement.receiptId))!) as Receipt;
      assert.equal(stored.cosignature?.statement.decision, 'approve');
    } finally {
      await store.close();
    }
    await guard.close();
  });

  test('suspend: a denial throws denied and the function never runs', async () => {
    const { guard } = setup({ onWaiting: (a) => pinned.decide(a, 'deny') });
    let ran = false;
    await assert.rejects(
      guard.run(refund(300), () => {
        ran = true;
      }),
      (err: unknown) => err instanceof HesoApprovalError && err.code === 'denied',
    );
    assert.equal(ran, false);
    await guard.close();
  });

  test('refuses a co-signature from a key the server calls active but that is not pinned here', async () => {
    const { guard, events } = setup({ onWaiting: (a) => unpinned.decide(a, 'approve') });
    let ran = false;
    await assert.rejects(
      guard.run(refund(250), () => {
        ran = true;
      }),
      (err: unknown) =>
        err instanceof HesoApprovalError &&
        err.code === 'cosignature_rejected' &&
        err.reasons.some((r) => r.code === 'approver_untrusted'),
    );
    assert.equal(ran, false);
    const report = events.find((e) => e.type === 'unpinned_approvers');
    assert.ok(report?.type === 'unpinned_approvers' && report.approvers.some((a) => a.keyId === unpinned.keyId));
    const decided = events.find((e) => e.type === 'decided');
    assert.ok(
      decided?.type === 'decided' && decided.serverStatus === 'approved' && decided.outcome === 'cosignature_rejected',
    );
    await guard.close();
  });

  test('refuses a co-signature for another action even when the server says approved', async () => {
    // A genuine approval by the pinned key, but for a different suspended action.
    const { dataDir: otherDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    const other = buildReceipt(
      {
        teamId: team.teamId,
        action: {
          tool: 'payments.refund',
          params: { amount: 999 },
          account: 'a',
          workflow: 'w',
          capturedAt: new Date().toISOString(),
        },
        verdict: 'suspend',
        policy: { version: 'sdk-test-1', ruleId: 'big-refunds' },
      },
      loadOperatorKey(otherDir).secretKey,
    );
    const otherApproval = await team.client.openApproval(team.teamId, { receipt: other });
    const decidedOther = await pinned.decide(otherApproval, 'approve');

    // The server (here: a tampering fetch in front of the real one) relays it as the answer for ours.
    const lying = tamperWithPolls((body) => {
      return { ...body, status: 'approved', cosignature: decidedOther.cosignature, decidedAt: decidedOther.decidedAt };
    });
    const { guard } = setup({ fetch: lying });
    let ran = false;
    await assert.rejects(
      guard.run(refund(400), () => {
        ran = true;
      }),
      (err: unknown) =>
        err instanceof HesoApprovalError &&
        err.code === 'cosignature_rejected' &&
        err.reasons.some((r) =>
          ['decision_binding_mismatch', 'approval_id_mismatch', 'challenge_mismatch'].includes(r.code),
        ),
    );
    assert.equal(ran, false);
    await guard.close();
  });

  test('refuses a co-signature once the approval has expired, even though the server says approved', async () => {
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    const { guard, approverWork } = setup({
      clock,
      onWaiting: async (a) => {
        // By the time the guard checks, the approval is long past its expiry. Moved before the
        // decision lands: the server may answer the guard's wait as soon as it commits.
        offsetMs = 2 * 3600_000;
        return pinned.decide(a, 'approve');
      },
    });
    let ran = false;
    await assert.rejects(
      guard.run(refund(600), () => {
        ran = true;
      }),
      (err: unknown) =>
        err instanceof HesoApprovalError &&
        err.code === 'cosignature_rejected' &&
        err.reasons.some((r) => r.code === 'approval_expired'),
    );
    await Promise.all(approverWork);
    assert.equal(ran, false);
    await guard.close();
  });

  test('refuses an "approved" answer that carries no co-signature', async () => {
    const noCosig = tamperWithPolls((body) => ({ ...body, status: 'approved', decidedAt: new Date().toISOString() }));
    const { guard } = setup({ fetch: noCosig });
    await assert.rejects(
      guard.run(refund(700), () => 'ran'),
      (err: unknown) => err instanceof HesoApprovalError && err.code === 'cosignature_rejected',
    );
    await guard.close();
  });

  test('observe mode records every verdict but never blocks or waits', async () => {
    const { guard } = setup({ mode: 'observe' });
    const ran: string[] = [];
    await guard.run({ tool: 'db.delete', account: 'prod-eu', params: {} }, () => ran.push('delete'));
    await guard.run(refund(5000), () => ran.push('refund'));
    assert.deepEqual(ran, ['delete', 'refund']);
    assert.deepEqual(
      guard.audit.read().map((e) => [e.outcome, e.verdict]),
      [
        ['observed', 'block'],
        ['observed', 'suspend'],
      ],
    );
    const pushed = await guard.outbox.drain({ timeoutMs: 10_000 });
    assert.equal(pushed.accepted, 2);
    await guard.close();
  });

  test('a local policy works with no cloud call for allow and block', async () => {
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    const offline = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'a',
      workflow: 'w',
      autoPush: false,
      cloud: createCloud('heso_not_a_real_key', 'http://127.0.0.1:9', { attempts: 1 }),
      policy: {
        version: 'local-1',
        defaultVerdict: 'block',
        rules: [{ id: 'ok', verdict: 'allow', match: { tool: 'safe.*' } }],
      },
    });
    assert.equal(await offline.run({ tool: 'safe.read', params: {} }, () => 'done'), 'done');
    await assert.rejects(
      offline.run({ tool: 'other', params: {} }, () => 'no'),
      HesoBlockedError,
    );
    await offline.close();
  });
});
