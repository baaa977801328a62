/**
 * `npm run bench:approval`: what a person waits for, over real HTTP on loopback, with the
 * control plane (`heso-cloud serve`) in its own process.
 * - open → queue: from the agent starting `openApproval` to the engine's `added` event,
 *   with N approvals already pending (the engine follows the changes feed);
 * - round trip: from the agent's open to the agent's `pollApproval` (long-poll) returning
 *   the approved approval, the engine signing (L1 key from the key store) and submitting;
 * - baseline, interleaved with every sample: the agent's open followed by a plain poll of
 *   the same approval (two bare requests, no engine); ratio = round trip ÷ baseline.
 * Rows: the OS keychain (the default; the script re-runs itself inside
 * scripts/with-keyring.sh when it is not in a keyring session) and the in-memory store.
 * Prints p50 / p95 and min / median / max of the per-sample ratio; asserts nothing.
 *
 *   BENCH_APPROVALS per row (40)  BENCH_PENDING queue sizes (10,1000)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PendingItem } from '../src/approver/api.ts';
import { reviewedOf } from '../src/approver/display.ts';
import { ApproverEngine } from '../src/approver/engine.ts';
import { InMemoryKeyStore, KeyringKeyStore, type KeyStore } from '../src/approver/key-store.ts';
import { ControlPlaneClient } from '../src/client/index.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import type { Approval } from '../src/core/api.ts';
import { installNodeSigning } from '../src/core/ed25519-node.ts';
import { b64url, buildReceipt, canonicalize, generateKeyPair, type Receipt } from '../src/core/index.ts';
import { type SpawnedCloud, setupTeam, spawnCloud } from '../test/support/cloud.ts';
import { benchLine, fixed, percentile, showSpread, sortedCopy, spread } from './bench-support.ts';

/** The API key id recorded as the opener of each approval (the store takes it from the route). */
const KEY = 'key_bench';

if (!process.env.HESO_TEST_KEYRING && !process.env.BENCH_NO_KEYRING) {
  // The OS keychain is the default row: re-run inside a throw-away keyring session.
  const script = new URL('./with-keyring.sh', import.meta.url).pathname;
  const self = new URL(import.meta.url).pathname;
  const run = spawnSync('sh', [script, process.execPath, '--import', 'tsx', self], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const COUNT = Number(process.env.BENCH_APPROVALS ?? 40);
const PENDING = (process.env.BENCH_PENDING ?? '10,1000').split(',').map(Number);
installNodeSigning();
const operator = generateKeyPair();
let serial = 0;

function suspended(teamId: string): Receipt {
  serial += 1;
  return buildReceipt(
    {
      teamId,
      action: {
        tool: 'payments.refund',
        params: { amount: 101 + serial, orderId: `bench-${serial}` },
        account: 'bench',
        workflow: 'bench',
        capturedAt: new Date().toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'demo-1', ruleId: 'big-refunds' },
    },
    operator.secretKey,
  );
}

/** Fills the queue straight through the store (fast), as if agents had opened them earlier. */
async function fillQueue(dbPath: string, teamId: string, count: number): Promise<void> {
  const store = new SqliteCloudStore({ path: dbPath });
  try {
    const now = Date.now();
    await Promise.all(
      Array.from({ length: count }, () => {
        const receipt = suspended(teamId);
        const approval: Approval = {
          id: `apr_${randomUUID().replaceAll('-', '')}`,
          teamId,
          status: 'pending',
          receipt,
          challenge: randomBytes(32).toString('base64url'),
          createdAt: new Date(now).toISOString(),
          expiresAt: new Date(now + 3600_000).toISOString(),
          cosignature: null,
          decidedAt: null,
        };
        return store.openApproval(teamId, approval, canonicalize(receipt), KEY);
      }),
    );
  } finally {
    await store.close();
  }
}

interface Row {
  label: string;
  pending: number;
  openToQueue: number[];
  roundTrip: number[];
  ratios: number[];
}

async function measure(cloud: SpawnedCloud, keyStore: KeyStore, label: string, pending: number): Promise<Row> {
  const { teamId, apiKey } = await setupTeam(cloud);
  await fillQueue(cloud.dbPath, teamId, pending);
  const dir = mkdtempSync(join(tmpdir(), 'heso-bench-approval-'));
  const engine = new ApproverEngine({ keyStore, configDir: join(dir, 'config'), dataDir: join(dir, 'data') });
  const row: Row = { label, pending, openToQueue: [], roundTrip: [], ratios: [] };
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Bench' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    const agent = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
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
    const online = new Promise<void>((resolve) => {
      const off = engine.on('queue', (q) => {
        if (q.connection.kind === 'online') {
          off();
          resolve();
        }
      });
    });
    await engine.start(profile.name);
    await online;
    for (let i = -3; i < COUNT; i++) {
      // Baseline: two bare requests (open, then a plain poll), no engine involved.
      const b0 = performance.now();
      const bare = await agent.openApproval(teamId, { receipt: suspended(teamId), expiresInSeconds: 300 });
      await agent.getApproval(teamId, bare.id);
      const baseline = performance.now() - b0;
      early.clear();

      const receipt = suspended(teamId);
      const t0 = performance.now();
      const approval = await agent.openApproval(teamId, { receipt, expiresInSeconds: 300 });
      const item =
        early.get(approval.id) ?? (await new Promise<PendingItem>((resolve) => waiting.set(approval.id, resolve)));
      const queued = performance.now() - t0;
      waiting.delete(approval.id);
      const [outcome, polled] = await Promise.all([
        engine.decide({ approvalId: item.approval.id, decision: 'approve', reviewed: reviewedOf(item) }),
        agent.getApproval(teamId, approval.id, { waitSeconds: 30 }),
      ]);
      const final =
        polled.status === 'pending' ? await agent.getApproval(teamId, approval.id, { waitSeconds: 30 }) : polled;
      const trip = performance.now() - t0;
      if (outcome.status !== 'accepted' || final.status !== 'approved')
        throw new Error(`approval ${approval.id}: ${outcome.status} / ${final.status}: ${outcome.message}`);
      if (i < 0) continue; // warm-up
      row.openToQueue.push(queued);
      row.roundTrip.push(trip);
      row.ratios.push(trip / baseline);
    }
    await engine.stop();
    await engine.removeProfile(profile.name).catch(() => undefined);
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

const ms = (values: number[], p: number) => fixed(percentile(sortedCopy(values), p), 1);

const cloud = await spawnCloud({ args: ['--rate-limit', '1000000'] });
const rows: Row[] = [];
try {
  const stores: [string, () => KeyStore][] = [
    ['OS keychain', () => new KeyringKeyStore({ service: `heso-approver-bench-${process.pid}` })],
    ['in-memory key store', () => new InMemoryKeyStore()],
  ];
  for (const [label, make] of stores)
    for (const pending of PENDING) rows.push(await measure(cloud, make(), label, pending));
  console.log(
    `bench:approval — node ${process.version}, ${COUNT} approvals per row (after 3 warm-up), control plane in its own process, loopback`,
  );
  for (const r of rows) {
    console.log(`  ${r.label}, ${r.pending} already pending:`);
    console.log(`    open → engine queue      p50 ${ms(r.openToQueue, 50)} ms  p95 ${ms(r.openToQueue, 95)} ms`);
    console.log(`    round trip (poll returns) p50 ${ms(r.roundTrip, 50)} ms  p95 ${ms(r.roundTrip, 95)} ms`);
    console.log(`    ratio to bare open+poll   ${showSpread(spread(r.ratios))}`);
  }
  const main = rows[rows.length / 2 - 1]!; // keychain row with the largest queue
  const memory = rows[rows.length - 1]!;
  benchLine('approval', {
    pending: main.pending,
    open_to_queue_p50_ms: percentile(sortedCopy(main.openToQueue), 50),
    open_to_queue_p95_ms: percentile(sortedCopy(main.openToQueue), 95),
    round_trip_p50_ms: percentile(sortedCopy(main.roundTrip), 50),
    round_trip_p95_ms: percentile(sortedCopy(main.roundTrip), 95),
    ratio_to_bare: spread(main.ratios).median,
    memory_round_trip_p50_ms: percentile(sortedCopy(memory.roundTrip), 50),
  });
} catch (err) {
  console.error(`bench:approval failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cloud.stop();
  process.exit(process.exitCode ?? 0);
}
