/**
 * The agent side of quorum approvals: the guard, gate / assertGate and `heso verify` count only
 * valid co-signatures of pinned approvers (groups and persons pinned locally), bound to this
 * approval. A hostile proxy in front of the real control plane invents, duplicates or replays
 * co-signatures; none of it reaches the quorum.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Approval, ApprovalDecision } from '../../src/core/api.ts';
import {
  assertGate,
  buildCosignature,
  type Cosignature,
  GateError,
  gate,
  type PolicyDocument,
} from '../../src/core/index.ts';
import { createCloud, createGuard, HesoApprovalError, TrustStore } from '../../src/sdk/index.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';
import { makeApprover, makeDataDir, makeTeam, type TestApprover, type TestTeam } from './helpers.ts';

const POLICY: PolicyDocument = {
  version: 'quorum-1',
  defaultVerdict: 'allow',
  rules: [
    {
      id: 'two-person-refunds',
      verdict: 'suspend',
      match: { tool: 'payments.refund' },
      when: ['amount > 10000'],
      approvals: { required: 2 },
    },
    {
      id: 'prod-deploy',
      verdict: 'suspend',
      match: { tool: 'deploy.production' },
      approvals: { groups: { finance: 1, security: 1 } },
    },
  ],
};
const bigRefund = (amount: number) => ({ tool: 'payments.refund', params: { amount, currency: 'EUR' } });
const deploy = (build: number) => ({ tool: 'deploy.production', params: { service: 'api', build } });

describe('guard: quorum approvals against a real control plane behind a hostile proxy', () => {
  let cloud: CloudHandle;
  let proxy: HostileProxy;
  let team: TestTeam;
  let dana: TestApprover;
  let danaRotated: TestApprover;
  let raj: TestApprover;
  let li: TestApprover;
  let ulf: TestApprover;
  const cleanups: (() => void)[] = [];

  before(async () => {
    cloud = await startCloud();
    proxy = await startHostileProxy(cloud.url);
    team = await makeTeam(cloud, POLICY);
    dana = await makeApprover(cloud, team, 'Dana');
    danaRotated = await makeApprover(cloud, team, 'Dana (new laptop)');
    raj = await makeApprover(cloud, team, 'Raj');
    li = await makeApprover(cloud, team, 'Li');
    ulf = await makeApprover(cloud, team, 'Unpinned Ulf');
  });
  after(async () => {
    await proxy.stop();
    await cloud.stop();
    for (const c of cleanups) c();
  });

  /** A guard whose trust file pins Dana (two keys, finance), Raj (security) and Li (finance). */
  function setup(onWaiting: (approval: Approval) => Promise<unknown>) {
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    const trust = new TrustStore(dataDir);
    trust.add(dana.publicKey, { name: 'Dana', person: 'dana', groups: ['finance'] });
    trust.add(danaRotated.publicKey, { name: 'Dana (new)', person: 'dana', groups: ['finance'] });
    trust.add(raj.publicKey, { name: 'Raj', person: 'raj', groups: ['security'] });
    trust.add(li.publicKey, { name: 'Li', person: 'li', groups: ['finance'] });
    const work: Promise<unknown>[] = [];
    const guard = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'acct-1',
      workflow: 'quorum-agent',
      cloud: createCloud(team.apiKey, proxy.url),
      autoPush: false,
      onEvent: (e) => {
        if (e.type === 'waiting') work.push(team.client.getApproval(team.teamId, e.approvalId).then(onWaiting));
      },
    });
    cleanups.push(() => void guard.close());
    return { guard, trust, dataDir, work };
  }

  const both =
    (first: TestApprover, second: TestApprover, decision: 'approve' | 'deny' = 'approve') =>
    async (approval: Approval) => {
      await first.decide(approval, 'approve');
      return second.decide(approval, decision);
    };

  const rejected = (code: string) => (err: unknown) =>
    err instanceof HesoApprovalError && err.code === 'cosignature_rejected' && err.reasons.some((r) => r.code === code);

  test('two pinned approvers: the guard runs with a receipt carrying both; gate and assertGate accept it offline', async () => {
    const { guard, trust, work } = setup(both(dana, raj));
    const receipt = await guard.run(bigRefund(20_000), (ctx) => ctx.receipt);
    await Promise.all(work);
    assert.deepEqual(receipt.statement.quorum, { required: 2 });
    assert.equal(receipt.cosignatures?.length, 2);
    assert.equal(receipt.cosignature, undefined);
    const set = trust.trustSet();
    assert.equal(gate(receipt, set).ok, true);
    assertGate(receipt, set);
    assert.throws(
      () => assertGate(receipt, { approverKeys: [dana.publicKey] }),
      (err: unknown) => err instanceof GateError && err.reasons.some((r) => r.code === 'quorum_not_met'),
    );
    const pushed = await guard.outbox.drain({ timeoutMs: 10_000 });
    assert.deepEqual([pushed.accepted, pushed.remaining], [1, 0], 'the control plane stores the quorum receipt');
  });

  test('one short: the server met its quorum with an unpinned approver, the guard does not run', async () => {
    const { guard } = setup(both(dana, ulf));
    let ran = false;
    await assert.rejects(
      guard.run(bigRefund(20_001), () => {
        ran = true;
      }),
      rejected('quorum_not_met'),
    );
    assert.equal(ran, false);
  });

  test('a deny vetoes: the guard reports denied with the approver’s reason and does not run', async () => {
    const { guard } = setup(both(dana, raj, 'deny'));
    await assert.rejects(
      guard.run(bigRefund(20_002), () => assert.fail('must not run')),
      (err: unknown) => err instanceof HesoApprovalError && err.code === 'denied',
    );
  });

  test('group minimums are counted with the groups pinned here, not the control plane’s', async () => {
    // The control plane's admin put Li in security, so for the server Dana + Li meet the quorum and it
    // closes the approval; this agent pinned Li in finance, so here security is still missing.
    await cloud.admin.labelApprover(team.teamId, dana.keyId, { groups: ['finance'] });
    await cloud.admin.labelApprover(team.teamId, li.keyId, { groups: ['security'] });
    await cloud.admin.labelApprover(team.teamId, raj.keyId, { groups: ['security'] });
    const unmet = setup(both(dana, li));
    await assert.rejects(
      unmet.guard.run(deploy(1), () => assert.fail('must not run')),
      (err: unknown) =>
        err instanceof HesoApprovalError &&
        err.reasons.some((r) => r.code === 'quorum_not_met' && /security needs 1 more/.test(r.message)),
    );
    const met = setup(both(dana, raj));
    const receipt = await met.guard.run(deploy(2), (ctx) => ctx.receipt);
    assert.deepEqual(receipt.statement.quorum, { required: 2, groups: { finance: 1, security: 1 } });
  });

  /** Makes the proxy rewrite every answer that carries approval `id`: its decisions become `forge(real)`. */
  function forgeDecisions(forge: (real: ApprovalDecision[], approval: Approval) => ApprovalDecision[]) {
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      const record = value as Record<string, unknown>;
      if (typeof record.id === 'string' && Array.isArray(record.decisions)) {
        const approval = record as unknown as Approval;
        return { ...approval, status: 'approved', decisions: forge(approval.decisions ?? [], approval) };
      }
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, rewrite(v)]));
    };
    return proxy.rewrite((req, res) =>
      req.method === 'GET' && req.path.includes('/approvals') ? { ...res, body: rewrite(res.body) } : res,
    );
  }
  const entry = (cosignature: Cosignature, name = 'forged'): ApprovalDecision => ({
    cosignature,
    approverName: name,
    groups: ['finance', 'security'],
    decidedAt: cosignature.statement.decidedAt,
  });
  const signedBy = (who: TestApprover, approval: Approval) =>
    buildCosignature({ approval, decision: 'approve' }, who.secretKey);

  test('hostile proxy: an invented co-signature (a key nobody pinned) does not reach the quorum', async () => {
    const stranger = await makeApprover(cloud, team, 'Mallory');
    const stop = forgeDecisions((real, approval) => [...real, entry(signedBy(stranger, approval))]);
    try {
      const { guard } = setup(both(dana, ulf));
      await assert.rejects(
        guard.run(bigRefund(30_000), () => assert.fail('must not run')),
        rejected('quorum_not_met'),
      );
    } finally {
      stop();
    }
  });

  test('hostile proxy: the same approver twice (same key, or their rotated key) counts once', async () => {
    for (const second of [dana, danaRotated]) {
      const stop = forgeDecisions((real, approval) => [...real, entry(signedBy(second, approval), 'Dana again')]);
      try {
        const { guard } = setup(both(dana, ulf));
        await assert.rejects(
          guard.run(bigRefund(30_001), () => assert.fail('must not run')),
          rejected('quorum_not_met'),
        );
      } finally {
        stop();
      }
    }
  });

  test('hostile proxy: a decision replayed from another approval does not count', async () => {
    // Raj really approves another approval; the proxy replays his co-signature on this one.
    const other = setup(both(dana, raj));
    const otherReceipt = await other.guard.run(bigRefund(40_000), (ctx) => ctx.receipt);
    const replayed = otherReceipt.cosignatures!.find((c) => c.approverPublicKey === raj.publicKey)!;
    const stop = forgeDecisions((real) => [...real, entry(replayed, 'Raj')]);
    try {
      const { guard } = setup(both(dana, ulf));
      await assert.rejects(
        guard.run(bigRefund(40_001), () => assert.fail('must not run')),
        rejected('quorum_not_met'),
      );
    } finally {
      stop();
    }
  });

  test('heso verify counts with the pinned trust file: a quorum receipt verifies, a short one does not', async () => {
    const { guard, dataDir } = setup(both(raj, dana));
    const receipt = await guard.run(bigRefund(50_000), (ctx) => ctx.receipt);
    const file = join(dataDir, 'quorum-receipt.json');
    writeFileSync(file, JSON.stringify(receipt));
    const bin = fileURLToPath(new URL('../../bin/heso.mjs', import.meta.url));
    const trustFile = join(dataDir, 'trusted-approvers.json');
    const ok = spawnSync(process.execPath, [bin, 'verify', file, '--trust', trustFile], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /quorum\s+2 of 2 approvals/);
    const short = spawnSync(process.execPath, [bin, 'verify', file, '--trust', raj.publicKey, '--json'], {
      encoding: 'utf8',
    });
    assert.equal(short.status, 1);
    assert.match(short.stdout, /quorum_not_met/);
  });
});
