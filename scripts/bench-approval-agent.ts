/**
 * The agent of `npm run bench:approval`, in its own process (started by bench-approval.ts
 * with an IPC channel), so that its work never shares an event loop or a CPU slice with the
 * engine it measures. Through the SDK, as a real agent: for each sample, first the
 * baseline (open an approval marked `baseline`, then one plain `getApproval`), then the
 * measured path (open an approval marked `measured`, `pollApproval` until it is decided).
 * Times are wall-clock milliseconds (`performance.timeOrigin + performance.now()`) so the
 * engine's process can place its `added` event on the same axis.
 */

import { installNodeSigning } from '../src/core/ed25519-node.ts';
import { fromHex } from '../src/core/encoding.ts';
import { buildReceipt, type Receipt } from '../src/core/index.ts';
import { createCloud } from '../src/sdk/index.ts';

export interface AgentJob {
  endpoint: string;
  apiKey: string;
  teamId: string;
  /** The operator's 32-byte seed, hex (the engine side pins its public key). */
  operatorSeedHex: string;
  workflow: string;
  /** Samples, the first `warmup` of which are marked as warm-up. */
  samples: number;
  warmup: number;
}

export interface AgentSample {
  approvalId: string;
  warmup: boolean;
  /** Wall-clock ms when the agent started opening the measured approval. */
  openedAt: number;
  /** Wall-clock ms when `pollApproval` returned it decided. */
  returnedAt: number;
  /** Milliseconds of the baseline (open + one plain poll) just before. */
  baselineMs: number;
}

export type AgentMessage =
  | { kind: 'sample'; sample: AgentSample }
  | { kind: 'done' }
  | { kind: 'failed'; error: string };

const wallNow = () => performance.timeOrigin + performance.now();

async function run(job: AgentJob): Promise<void> {
  installNodeSigning();
  const operator = fromHex(job.operatorSeedHex);
  const cloud = createCloud(job.apiKey, job.endpoint);
  let serial = 0;
  const receipt = (kind: 'baseline' | 'measured'): Receipt => {
    serial += 1;
    return buildReceipt(
      {
        teamId: job.teamId,
        action: {
          tool: 'payments.refund',
          params: { amount: 101 + serial, orderId: `bench-${process.pid}-${serial}`, kind },
          account: 'bench',
          workflow: job.workflow,
          capturedAt: new Date().toISOString(),
        },
        verdict: 'suspend',
        policy: { version: 'demo-1', ruleId: 'big-refunds' },
      },
      operator,
    );
  };
  for (let i = 0; i < job.samples; i++) {
    const signedBaseline = receipt('baseline');
    const b0 = performance.now();
    const bare = await cloud.openApproval(job.teamId, signedBaseline, { expiresInSeconds: 300 });
    await cloud.getApproval(job.teamId, bare.id);
    const baselineMs = performance.now() - b0;

    const signed = receipt('measured');
    const openedAt = wallNow();
    const approval = await cloud.openApproval(job.teamId, signed, { expiresInSeconds: 300 });
    const final = await cloud.pollApproval(job.teamId, approval.id, { timeoutMs: 60_000 });
    const returnedAt = wallNow();
    if (final.status !== 'approved') throw new Error(`approval ${approval.id} ended ${final.status}`);
    const sample: AgentSample = { approvalId: approval.id, warmup: i < job.warmup, openedAt, returnedAt, baselineMs };
    process.send!({ kind: 'sample', sample } satisfies AgentMessage);
  }
}

process.once('message', (job: AgentJob) => {
  run(job).then(
    () => process.send!({ kind: 'done' } satisfies AgentMessage, () => process.exit(0)),
    (err: unknown) =>
      process.send!(
        { kind: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies AgentMessage,
        () => process.exit(1),
      ),
  );
});
