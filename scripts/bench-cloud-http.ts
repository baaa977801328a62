/**
 * What the control-plane benchmarks share: the real `heso-cloud serve` in its own process,
 * a lean undici client, pre-signed receipts, co-signatures made with node:crypto, and timed
 * phases of concurrent workers. `npm run bench:cloud` (SQLite, or PostgreSQL with --db).
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import type { Pool } from 'undici';
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
import { buildCli } from './build-cli.mjs';

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

installNodeSigning();
const operator = generateKeyPair();
export const approver = generateKeyPair();
const approverPrivate = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), approver.secretKey]),
  format: 'der',
  type: 'pkcs8',
});

/** The co-signature core's buildCosignature would make, without its pure-JS re-checks. */
export function cosign(approval: Approval): Cosignature {
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

export function receipt(teamId: string, n: number): Receipt {
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
export async function startServer(
  dbPath: string,
  extraArgs: string[] = [],
): Promise<{ url: string; stop: () => Promise<void> }> {
  await buildCli(); // a no-op when dist/cli/ is current
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
    ...extraArgs,
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

export interface Http {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

export function lean(pool: Pool, apiKey: string): Http {
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
export async function phase(work: () => Promise<void>): Promise<number> {
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
