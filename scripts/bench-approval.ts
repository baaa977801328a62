/**
 * `npm run bench:approval`: what a person waits for, over real HTTP on loopback, with the
 * control plane (`heso-cloud serve`) and the agent (bench-approval-agent.ts, on the SDK)
 * each in its own process, and the approver engine in this one.
 * - open → queue: from the agent starting `openApproval` to the engine's `added` event,
 *   with N approvals already pending (the engine lists them page by page, then follows the
 *   changes feed); both ends read the wall clock (performance.timeOrigin + now);
 * - round trip: from the agent starting `openApproval` to its `pollApproval` returning the
 *   approved approval, the engine having signed (L1 key from the key store) and submitted;
 * - baseline, interleaved with every sample: the agent's open of another approval followed
 *   by one plain poll of it (two bare requests, no engine); ratio = round trip ÷ baseline.
 * Rows: the OS keychain (the default; the script re-runs itself inside
 * scripts/with-keyring.sh when it is not in a keyring session) and the in-memory store, each
 * with every queue size. Warm-up samples first; prints p50 / p95 and min / median / max of
 * the per-sample ratio; asserts nothing.
 *
 *   BENCH_APPROVALS per row (40)  BENCH_PENDING queue sizes (10,100,1000)  BENCH_NO_KEYRING=1
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewedOf } from '../src/approver/display.ts';
import { ApproverEngine } from '../src/approver/engine.ts';
import { InMemoryKeyStore, KeyringKeyStore, type KeyStore } from '../src/approver/key-store.ts';
import { installNodeSigning } from '../src/core/ed25519-node.ts';
import { b64url, generateKeyPair, toHex } from '../src/core/index.ts';
import { fillPendingQueue, type SpawnedCloud, setupTeam, spawnCloud } from '../test/support/cloud.ts';
import type { AgentJob, AgentMessage, AgentSample } from './bench-approval-agent.ts';
import { benchLine, fixed, percentile, showSpread, sortedCopy, spread } from './bench-support.ts';

if (!process.env.HESO_TEST_KEYRING && !process.env.BENCH_NO_KEYRING) {
  // The OS keychain is the default row: re-run inside a throw-away keyring session.
  const script = new URL('./with-keyring.sh', import.meta.url).pathname;
  const self = new URL(import.meta.url).pathname;
  const run = spawnSync('sh', [script, process.execPath, '--import', 'tsx', self], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const COUNT = Number(process.env.BENCH_APPROVALS ?? 40);
const WARMUP = 3;
const PENDING = (process.env.BENCH_PENDING ?? '10,100,1000').split(',').map(Number);
const WORKFLOW = 'bench';
installNodeSigning();

const wallNow = () => performance.timeOrigin + performance.now();

/** Runs the agent process for one row; resolves with its samples. */
function runAgent(job: AgentJob): Promise<AgentSample[]> {
  const agent = fork(new URL('./bench-approval-agent.ts', import.meta.url).pathname, [], { stdio: 'inherit' });
  const samples: AgentSample[] = [];
  return new Promise((resolve, reject) => {
    agent.on('message', (message: AgentMessage) => {
      if (message.kind === 'sample') samples.push(message.sample);
      else if (message.kind === 'done') resolve(samples);
      else reject(new Error(`agent: ${message.error}`));
    });
    agent.once('exit', (code) => reject(new Error(`the agent process exited with ${code}`)));
    agent.send(job);
  });
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
  const operator = generateKeyPair();
  await fillPendingQueue(cloud.dbPath, teamId, pending, { operatorSecret: operator.secretKey, workflow: WORKFLOW });
  const dir = mkdtempSync(join(tmpdir(), 'heso-bench-approval-'));
  const engine = new ApproverEngine({ keyStore, configDir: join(dir, 'config'), dataDir: join(dir, 'data') });
  const row: Row = { label, pending, openToQueue: [], roundTrip: [], ratios: [] };
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Bench' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    await engine.trustOperator({
      publicKey: b64url.encode(operator.publicKey),
      workflows: [WORKFLOW],
      profile: profile.name,
    });
    // The engine approves what the agent marks `measured`, as soon as it is in the queue.
    const addedAt = new Map<string, number>();
    const refused: string[] = [];
    engine.on('added', (item) => {
      if (item.approval.receipt.statement.action.params.kind !== 'measured') return;
      addedAt.set(item.approval.id, wallNow());
      engine
        .decide({ approvalId: item.approval.id, decision: 'approve', reviewed: reviewedOf(item) })
        .then((outcome) => {
          if (outcome.status !== 'accepted') refused.push(`${item.approval.id}: ${outcome.status} ${outcome.message}`);
        });
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
    const samples = await runAgent({
      endpoint: cloud.url,
      apiKey,
      teamId,
      operatorSeedHex: toHex(operator.secretKey),
      workflow: WORKFLOW,
      samples: WARMUP + COUNT,
      warmup: WARMUP,
    });
    if (refused.length > 0) throw new Error(`the engine's decisions were refused: ${refused.join('; ')}`);
    for (const s of samples) {
      if (s.warmup) continue;
      row.openToQueue.push(addedAt.get(s.approvalId)! - s.openedAt);
      row.roundTrip.push(s.returnedAt - s.openedAt);
      row.ratios.push((s.returnedAt - s.openedAt) / s.baselineMs);
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
    `bench:approval — node ${process.version}, ${COUNT} approvals per row (after ${WARMUP} warm-up), control plane and agent (SDK) each in its own process, loopback`,
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
    // Growth with the queue: the keychain rows' open → queue p50 at each size.
    ...Object.fromEntries(
      rows
        .slice(0, rows.length / 2)
        .map((r) => [`open_to_queue_p50_ms_at_${r.pending}`, percentile(sortedCopy(r.openToQueue), 50)]),
    ),
  });
} catch (err) {
  console.error(`bench:approval failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cloud.stop();
  process.exit(process.exitCode ?? 0);
}
