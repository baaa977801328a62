/** Shared helpers for the control-plane tests: signed fixtures, raw HTTP, a database snapshot. */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { type Approval, routes } from '../../src/core/api.ts';
import {
  b64url,
  buildCosignature,
  buildReceipt,
  type Cosignature,
  type Decision,
  generateKeyPair,
  type JsonObject,
  type KeyPair,
  keyIdOf,
  type Receipt,
  type Verdict,
} from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';

export const operatorKey: KeyPair = generateKeyPair();

let counter = 0;

/** An operator-signed receipt for the demo policy's refund rule. */
export function makeReceipt(
  teamId: string,
  opts: { verdict?: Verdict; amount?: number; receiptId?: string; key?: KeyPair; params?: JsonObject } = {},
): Receipt {
  const verdict = opts.verdict ?? 'suspend';
  counter += 1;
  return buildReceipt(
    {
      teamId,
      receiptId: opts.receiptId,
      action: {
        tool: 'payments.refund',
        params: opts.params ?? { amount: opts.amount ?? 500 + counter, currency: 'EUR', order: `ord-${counter}` },
        account: 'acme',
        workflow: 'refund-bot',
        capturedAt: new Date().toISOString(),
      },
      verdict,
      policy: { version: 'demo-1', ruleId: verdict === 'suspend' ? 'big-refunds' : null },
    },
    (opts.key ?? operatorKey).secretKey,
  );
}

/** A pending approval as the open route builds it (10 minutes to live), for store-level tests. */
export function pendingApproval(teamId: string, receipt = makeReceipt(teamId), ttlMs = 600_000): Approval {
  const now = Date.now();
  return {
    id: `apr_${randomUUID().replaceAll('-', '')}`,
    teamId,
    status: 'pending',
    receipt,
    challenge: 'A'.repeat(43),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlMs).toISOString(),
    cosignature: null,
    decidedAt: null,
  };
}

export interface Approver {
  key: KeyPair;
  publicKey: string;
  keyId: string;
}

export function makeApprover(): Approver {
  const key = generateKeyPair();
  return { key, publicKey: b64url.encode(key.publicKey), keyId: keyIdOf(key.publicKey) };
}

export interface ApprovalWorld {
  cloud: CloudHandle;
  teamId: string;
  apiKey: string;
  /** An approver the team's admin activated. */
  alice: Approver;
  /** One pending approval, as the server returned it. */
  approval: Approval;
}

/** A running server with a team, one active approver and one pending approval. Stop `cloud` after. */
export async function startApprovalWorld(): Promise<ApprovalWorld> {
  const cloud = await startCloud();
  const { teamId, apiKey } = await setupTeam(cloud);
  const alice = makeApprover();
  await raw(cloud, 'POST', routes.approvers(teamId), { apiKey, body: { publicKey: alice.publicKey, name: 'Alice' } });
  await cloud.admin.activateApprover(teamId, alice.keyId);
  const opened = await raw(cloud, 'POST', routes.approvals(teamId), { apiKey, body: { receipt: makeReceipt(teamId) } });
  return { cloud, teamId, apiKey, alice, approval: opened.json };
}

export function cosign(
  approval: Approval,
  approver: Approver,
  decision: Decision = 'approve',
  reason?: string,
): Cosignature {
  return buildCosignature({ approval, decision, reason }, approver.key.secretKey);
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for reading arbitrary JSON responses
  json: any;
}

/** A raw HTTP request (no client), for checking status codes and error bodies exactly. */
export async function raw(
  cloud: Pick<CloudHandle, 'url'>,
  method: string,
  path: string,
  opts: { apiKey?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.apiKey !== undefined) headers.authorization = `Bearer ${opts.apiKey}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const res = await fetch(cloud.url + path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Every row of every table, for "this request changed nothing" assertions. */
export function dbSnapshot(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) out[name] = db.prepare(`SELECT * FROM "${name}"`).all();
    return JSON.stringify(out, (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' ? 'blob' : v));
  } finally {
    db.close();
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()): { now: () => Date; advance(ms: number): void } {
  let t = start;
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
  };
}

/** Sends raw bytes and returns everything the server wrote before it closed the socket. */
export function exchange(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(request);
  });
}
