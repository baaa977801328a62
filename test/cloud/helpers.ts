/** Shared helpers for the control-plane tests: signed fixtures, raw HTTP, a database snapshot. */
import Database from 'better-sqlite3';
import type { Approval } from '../../src/core/api.ts';
import {
  b64url,
  buildCosignature,
  buildReceipt,
  type Cosignature,
  type Decision,
  generateKeyPair,
  type KeyPair,
  keyIdOf,
  type Receipt,
  type Verdict,
} from '../../src/core/index.ts';
import type { CloudHandle } from '../support/cloud.ts';

export const operatorKey: KeyPair = generateKeyPair();

let counter = 0;

/** An operator-signed receipt for the demo policy's refund rule. */
export function makeReceipt(
  teamId: string,
  opts: { verdict?: Verdict; amount?: number; receiptId?: string; key?: KeyPair } = {},
): Receipt {
  const verdict = opts.verdict ?? 'suspend';
  counter += 1;
  return buildReceipt(
    {
      teamId,
      receiptId: opts.receiptId,
      action: {
        tool: 'payments.refund',
        params: { amount: opts.amount ?? 500 + counter, currency: 'EUR', order: `ord-${counter}` },
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

export interface Approver {
  key: KeyPair;
  publicKey: string;
  keyId: string;
}

export function makeApprover(): Approver {
  const key = generateKeyPair();
  return { key, publicKey: b64url.encode(key.publicKey), keyId: keyIdOf(key.publicKey) };
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
