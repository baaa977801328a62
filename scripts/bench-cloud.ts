/**
 * `npm run bench:cloud`: approvals opened + decided per second over HTTP against the real
 * server (`heso-cloud serve`, SQLite, synchronous=FULL) in its own process, beside a
 * baseline taken in the same run: pairs of bare authenticated requests (`GET …/policy`,
 * which authenticates, rate-limits, reads one row and answers). Rounds interleave the two,
 * in short phases so that each phase and its baseline see the same load of a shared machine;
 * the ratio of each round is approvals/s ÷ pairs/s. The load generator is this process, on
 * undici (no zod validation), with the receipts it sends signed before each phase's clock
 * starts; only the co-signature, which needs the server's challenge, is signed on the fly
 * (node:crypto, ~50 µs).
 * Warm-up first; min / median / max over rounds. Prints figures only.
 *
 *   BENCH_ROUNDS (9)  BENCH_SECONDS per phase (1.5)  BENCH_CONCURRENCY (32)  BENCH_PRESIGNED (10000)
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { activateApprover, createApiKey, createTeam, setPolicy } from '../src/cloud/admin.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import type { Approval } from '../src/core/api.ts';
import { installNodeSigning } from '../src/core/ed25519-node.ts';
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
} from '../src/core/index.ts';
import { benchLine, showSpread, spread } from './bench-support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

installNodeSigning();
const operator = generateKeyPair();
const approver = generateKeyPair();
const approverPrivate = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), approver.secretKey]),
  format: 'der',
  type: 'pkcs8',
});

/** The co-signature core's buildCosignature would make, without its pure-JS re-checks. */
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

function receipt(teamId: string, n: number): Receipt {
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
      verdict: 'suspend',
      policy: { version: 'bench-1', ruleId: 'big-refunds' },
    },
    operator.secretKey,
  );
}

/** The real CLI server in its own process. */
async function startServer(dbPath: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const cli = new URL('../bin/heso-cloud.mjs', import.meta.url).pathname;
  const args = [
    cli,
    'serve',
    '--init',
    '--port',
    '0',
    '--db',
    dbPath,
    '--log-level',
    'warn',
    '--rate-limit',
    '1000000',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const killHard = () => child.kill('SIGKILL');
  process.once('exit', killHard);
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(killHard, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Http {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

function lean(pool: Pool, apiKey: string): Http {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return {
    async call(method, path, body) {
      const res = await pool.request({
        method,
        path,
        headers: method === 'GET' ? { authorization: headers.authorization } : headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json: unknown = await res.body.json();
      return { status: res.statusCode, json };
    },
  };
}

/** Runs `work` on CONCURRENCY workers for SECONDS; returns completed units per second. */
async function phase(work: () => Promise<void>): Promise<number> {
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await work();
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'heso-bench-cloud-'));
  const dbPath = join(dir, 'bench.db');
  const admin = new SqliteCloudStore({ path: dbPath });
  const team = await createTeam(admin, 'Bench');
  await setPolicy(admin, team.id, { version: 'bench-1', defaultVerdict: 'allow', rules: [] });
  const { apiKey } = await createApiKey(admin, team.id, 'admin');
  const server = await startServer(dbPath);
  const pool = new Pool(server.url, { connections: CONCURRENCY, pipelining: 1 });
  const http = lean(pool, apiKey);
  const base = `/v1/teams/${team.id}`;
  await http.call('POST', `${base}/approvers`, { publicKey: b64url.encode(approver.publicKey), name: 'Bench' });
  await activateApprover(admin, team.id, keyIdOf(approver.publicKey));
  await admin.close();
  // Receipts are signed outside the clock: the pool is topped up before each approvals phase
  // (signing on the fly, only if a phase outpaces it, would take CPU from the server).
  const PRESIGNED = Number(process.env.BENCH_PRESIGNED ?? 10_000);
  const signed: Receipt[] = [];
  let made = 0;
  const topUp = () => {
    while (signed.length < PRESIGNED) signed.push(receipt(team.id, made++));
  };
  const fresh = () => signed.pop() ?? receipt(team.id, made++);

  const pair = async () => {
    for (let i = 0; i < 2; i++) {
      const res = await http.call('GET', `${base}/policy`);
      if (res.status !== 200) throw new Error(`policy: ${res.status}`);
    }
  };
  const cycle = async () => {
    const opened = await http.call('POST', `${base}/approvals`, { receipt: fresh() });
    if (opened.status !== 201) throw new Error(`open: ${opened.status} ${JSON.stringify(opened.json)}`);
    const approval = opened.json as Approval;
    const decided = await http.call('POST', `${base}/approvals/${approval.id}/decision`, cosign(approval));
    if (decided.status !== 200) throw new Error(`decide: ${decided.status} ${JSON.stringify(decided.json)}`);
  };

  try {
    console.log(
      `bench:cloud — node ${process.version}, server in its own process (SQLite WAL, synchronous=FULL, group commit), ${CONCURRENCY} concurrent clients on undici, ${ROUNDS} rounds of ${SECONDS} s per phase`,
    );
    topUp();
    await phase(pair); // warm-up
    await phase(cycle);
    const pairs: number[] = [];
    const approvals: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      topUp();
      const p = await phase(pair);
      const a = await phase(cycle);
      pairs.push(p);
      approvals.push(a);
      ratios.push(a / p);
    }
    console.log(`  pairs of bare authenticated requests  ${showSpread(spread(pairs), 0, '/s')}`);
    console.log(`  approvals opened + decided            ${showSpread(spread(approvals), 0, '/s')}`);
    console.log(`  ratio (same round)                    ${showSpread(spread(ratios))}`);
    benchLine('cloud', {
      approvals_per_s: Math.round(spread(approvals).median),
      bare_pairs_per_s: Math.round(spread(pairs).median),
      ratio_to_bare: spread(ratios).median,
      concurrency: CONCURRENCY,
    });
  } finally {
    await pool.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
