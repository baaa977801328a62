/**
 * `npm run bench:cloud`: figures for the control plane on this machine (no assertions).
 * - approvals opened + decided per second over real HTTP, p50/p99 latency per request;
 * - long-poll wake-up latency: approval opened → waiting pending-list request answered;
 * - receipt re-verification rate (server path and over HTTP) beside a bare node:crypto
 *   verify loop in the same run, and the ratio.
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneClient } from '../src/client/index.ts';
import { activateApprover, createApiKey, createTeam, setPolicy } from '../src/cloud/admin.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import { checkOperatorReceipt } from '../src/cloud/verification.ts';
import type { Approval } from '../src/core/api.ts';
import {
  b64url,
  buildReceipt,
  type Cosignature,
  canonicalBytes,
  DECISION_TYPE,
  type DecisionStatement,
  generateKeyPair,
  keyIdOf,
  type Receipt,
  type Verdict,
} from '../src/core/index.ts';

const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WAKEUPS = Number(process.env.BENCH_WAKEUPS ?? 40);
const RECEIPTS = Number(process.env.BENCH_RECEIPTS ?? 2000);

const operator = generateKeyPair();
const approver = generateKeyPair();
const approverPrivate = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), approver.secretKey]),
  format: 'der',
  type: 'pkcs8',
});

/**
 * The approver's co-signature, signed with node:crypto: the same statement and bytes as the
 * core's buildCosignature, without its pure-JS checks, so the load generator stays cheap.
 */
function cosign(approval: Approval): Cosignature {
  const rs = approval.receipt.statement;
  const statement: DecisionStatement = {
    type: DECISION_TYPE,
    teamId: approval.teamId,
    approvalId: approval.id,
    receiptId: rs.receiptId,
    actionHash: rs.actionHash,
    operatorKeyId: rs.operatorKeyId,
    policyVersion: rs.policy.version,
    ruleId: rs.policy.ruleId,
    decision: 'approve',
    challenge: approval.challenge,
    decidedAt: new Date().toISOString(),
    expiresAt: approval.expiresAt,
    approverKeyId: keyIdOf(approver.publicKey),
  };
  const signature = sign(null, canonicalBytes(statement), approverPrivate).toString('base64url');
  return { statement, signature, approverPublicKey: b64url.encode(approver.publicKey) };
}

/** The real CLI server in its own process, so the load generator does not share its event loop. */
async function startServer(dbPath: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const cli = new URL('../bin/heso-cloud.mjs', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', '0', '--db', dbPath, '--log-level', 'warn', '--rate-limit', '1000000'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening (\S+)$/m.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`heso-cloud serve exited with ${code}`)));
  });
  child.stdout.resume();
  // Never leave the server behind, whatever happens to this process.
  const killHard = () => child.kill('SIGKILL');
  process.once('exit', killHard);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(killHard, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url, stop };
}

function receipt(teamId: string, verdict: Verdict, n: number): Receipt {
  return buildReceipt(
    {
      teamId,
      action: {
        tool: 'payments.refund',
        params: { amount: 100 + n, currency: 'EUR', order: `ord-${n}` },
        account: 'acme',
        workflow: 'bench',
        capturedAt: new Date().toISOString(),
      },
      verdict,
      policy: { version: 'bench-1', ruleId: verdict === 'suspend' ? 'big-refunds' : null },
    },
    operator.secretKey,
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms (n=${s.length})`;
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  samples.push(performance.now() - t0);
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'heso-bench-'));
  const dbPath = join(dir, 'bench.db');
  const store = new SqliteCloudStore({ path: dbPath });
  const server = await startServer(dbPath);
  const url = server.url;
  try {
    const team = await createTeam(store, 'Bench');
    await setPolicy(store, team.id, { version: 'bench-1', defaultVerdict: 'allow', rules: [] });
    const { apiKey } = await createApiKey(store, team.id, 'admin');
    const client = new ControlPlaneClient({ endpoint: url, apiKey });
    await client.enrolApprover(team.id, { publicKey: b64url.encode(approver.publicKey), name: 'Bench' });
    await activateApprover(store, team.id, keyIdOf(approver.publicKey));
    console.log(
      `heso-cloud bench — node ${process.version}, server in its own process, SQLite WAL synchronous=FULL, ${url}\n`,
    );

    // 1. Approvals opened + decided.
    const suspended = Array.from({ length: APPROVALS }, (_, i) => receipt(team.id, 'suspend', i));
    const openMs: number[] = [];
    const decideMs: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < suspended.length) {
          const r = suspended[next++]!;
          const approval: Approval = await timed(openMs, () => client.openApproval(team.id, { receipt: r }));
          await timed(decideMs, () => client.decide(team.id, approval.id, cosign(approval)));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `approvals opened + decided: ${(APPROVALS / seconds).toFixed(1)}/s (${APPROVALS} with ${CONCURRENCY} clients)`,
    );
    console.log(`  open     ${stats(openMs)}`);
    console.log(`  decide   ${stats(decideMs)}`);

    // 2. Long-poll wake-up: opened → waiting pending-list answered.
    const sinceOpenStart: number[] = [];
    const sinceOpenAck: number[] = [];
    for (let i = 0; i < WAKEUPS; i++) {
      const { cursor } = await client.listPending(team.id, { limit: 1 });
      let answeredAt = 0;
      const waiting = client.listPending(team.id, { cursor, waitSeconds: 30, limit: 1 }).then((res) => {
        answeredAt = performance.now();
        return res;
      });
      await new Promise((r) => setTimeout(r, 5));
      const start = performance.now();
      await client.openApproval(team.id, { receipt: receipt(team.id, 'suspend', APPROVALS + i) });
      const acked = performance.now();
      await waiting;
      sinceOpenStart.push(answeredAt - start);
      sinceOpenAck.push(answeredAt - acked);
    }
    console.log(`long-poll wake-up (open sent → list answered): ${stats(sinceOpenStart)}`);
    console.log(`  after the open was acknowledged: ${stats(sinceOpenAck.map((v) => Math.max(0, v)))}`);

    // 3. Receipt re-verification vs a bare node:crypto loop.
    const allowed = Array.from({ length: RECEIPTS }, (_, i) => receipt(team.id, 'allow', i));
    const keyObject = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), operator.publicKey]),
      format: 'der',
      type: 'spki',
    });
    const prepared = allowed.map((r) => ({
      message: canonicalBytes(r.statement),
      signature: b64url.decode(r.signature),
    }));
    let t = performance.now();
    for (const p of prepared)
      if (!verify(null, p.message, keyObject, p.signature)) throw new Error('bare verify failed');
    const bareRate = RECEIPTS / ((performance.now() - t) / 1000);
    t = performance.now();
    for (const r of allowed) if (!checkOperatorReceipt(r).ok) throw new Error('server verify failed');
    const serverRate = RECEIPTS / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < allowed.length; i += 100) await client.pushReceipts(team.id, allowed.slice(i, i + 100));
    const httpRate = RECEIPTS / ((performance.now() - t) / 1000);
    console.log(`receipt verification (${RECEIPTS} receipts):`);
    console.log(`  bare node:crypto verify loop        ${bareRate.toFixed(0)}/s`);
    console.log(
      `  server re-verification (full check) ${serverRate.toFixed(0)}/s  ratio ${(serverRate / bareRate).toFixed(2)}`,
    );
    console.log(
      `  pushed over HTTP, batches of 100    ${httpRate.toFixed(0)}/s  ratio ${(httpRate / bareRate).toFixed(2)}`,
    );
  } finally {
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
