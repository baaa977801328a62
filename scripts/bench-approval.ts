/**
 * `npm run bench:approval`: approver latency on this machine, over real HTTP on loopback
 * (prints figures, asserts nothing).
 * - open → added: from the agent starting `openApproval` to the engine's `added` event
 *   (long-poll wake-up, list, local verification);
 * - round trip: from the agent's open to the agent's long-poll returning the decided
 *   approval, with the engine signing (L1 key from the key store) and submitting.
 * Uses the real OS keychain when run inside scripts/with-keyring.sh (HESO_TEST_KEYRING=1),
 * else an in-memory key store. BENCH_APPROVALS sets the count (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PendingItem } from '../src/approver/api.ts';
import { reviewedOf } from '../src/approver/display.ts';
import { ApproverEngine } from '../src/approver/engine.ts';
import { InMemoryKeyStore, KeyringKeyStore, type KeyStore } from '../src/approver/key-store.ts';
import { ControlPlaneClient } from '../src/client/index.ts';
import { b64url, buildReceipt, generateKeyPair } from '../src/core/index.ts';
import { setupTeam, startCloud } from '../test/support/cloud.ts';

const COUNT = Number(process.env.BENCH_APPROVALS ?? 300);

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return `p50 ${at(50).toFixed(1)} ms   p95 ${at(95).toFixed(1)} ms   p99 ${at(99).toFixed(1)} ms   (n=${sorted.length})`;
}

const useKeyring = Boolean(process.env.HESO_TEST_KEYRING);
const keyStore: KeyStore = useKeyring
  ? new KeyringKeyStore({ service: `heso-approver-bench-${process.pid}` })
  : new InMemoryKeyStore();
const cloud = await startCloud({ rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } });
const dir = mkdtempSync(join(tmpdir(), 'heso-bench-approval-'));
const engine = new ApproverEngine({ keyStore, configDir: join(dir, 'config'), dataDir: join(dir, 'data') });
const { teamId, apiKey } = await setupTeam(cloud);

try {
  const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Bench' });
  await cloud.admin.activateApprover(teamId, profile.keyId);
  const agent = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
  const operator = generateKeyPair();
  await engine.trustOperator({
    publicKey: b64url.encode(operator.publicKey),
    workflows: ['bench'],
    profile: profile.name,
  });

  const waiting = new Map<string, (item: PendingItem) => void>();
  const early = new Map<string, PendingItem>();
  engine.on('added', (item) => {
    const resolve = waiting.get(item.approval.id);
    if (resolve) resolve(item);
    else early.set(item.approval.id, item);
  });
  await engine.start(profile.name);
  await new Promise<void>((resolve) => {
    const off = engine.on('connection', (c) => {
      if (c.kind === 'online') {
        off();
        resolve();
      }
    });
  });

  const openToAdded: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const receipt = buildReceipt(
      {
        teamId,
        action: {
          tool: 'payments.refund',
          params: { amount: 101 + i, orderId: `bench-${i}` },
          account: 'bench',
          workflow: 'bench',
          capturedAt: new Date().toISOString(),
        },
        verdict: 'suspend',
        policy: { version: 'demo-1', ruleId: 'big-refunds' },
      },
      operator.secretKey,
    );
    const t0 = performance.now();
    const approval = await agent.openApproval(teamId, { receipt, expiresInSeconds: 300 });
    const item =
      early.get(approval.id) ?? (await new Promise<PendingItem>((resolve) => waiting.set(approval.id, resolve)));
    openToAdded.push(performance.now() - t0);
    waiting.delete(approval.id);
    early.delete(approval.id);
    const [outcome, polled] = await Promise.all([
      engine.decide({ approvalId: item.approval.id, decision: 'approve', reviewed: reviewedOf(item) }),
      agent.getApproval(teamId, approval.id, { waitSeconds: 30 }),
    ]);
    const final =
      polled.status === 'pending' ? await agent.getApproval(teamId, approval.id, { waitSeconds: 30 }) : polled;
    roundTrip.push(performance.now() - t0);
    if (outcome.status !== 'accepted' || final.status !== 'approved') {
      throw new Error(`approval ${approval.id}: ${outcome.status} / ${final.status}: ${outcome.message}`);
    }
  }
  console.log(
    `heso approver benchmark: ${COUNT} approvals on loopback, key store: ${useKeyring ? 'OS keychain' : 'in memory'}`,
  );
  console.log(`open → engine "added" event      ${percentiles(openToAdded)}`);
  console.log(`open → signed, submitted, agent poll returns   ${percentiles(roundTrip)}`);
} catch (err) {
  console.error(`bench:approval failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await engine.stop();
  await engine.removeProfile(teamId).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  // The server's close can wait for its keep-alive timeout on pooled client sockets; the
  // figures are printed, so give it a moment and then leave.
  await Promise.race([cloud.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(process.exitCode ?? 0);
}
