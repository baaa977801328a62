/**
 * `npm run bench:store`: does a request's store work stay flat as the database grows?
 * Times the per-request store calls (poll one approval, list the queue, changes since a
 * cursor, look up a receipt, open + decide) on a small database and again after filling
 * it with BENCH_APPROVALS_FILL (100,000) decided approvals and BENCH_RECEIPTS_FILL
 * (1,000,000) receipts of another team; prints each call's median µs and the ratio
 * big ÷ small (1.0 = flat). The filler rows are small (their size does not matter to an
 * index lookup). Prints figures only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeam } from '../src/cloud/admin.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import type { Approval } from '../src/core/api.ts';
import { canonicalize } from '../src/core/canonical.ts';
import { installNodeSigning } from '../src/core/ed25519-node.ts';
import { buildReceipt, generateKeyPair } from '../src/core/index.ts';
import { benchLine, fixed, spread } from './bench-support.ts';

/** The API key id recorded as the opener of each approval (the store takes it from the route). */
const KEY = 'key_bench';

const APPROVALS_FILL = Number(process.env.BENCH_APPROVALS_FILL ?? 100_000);
const RECEIPTS_FILL = Number(process.env.BENCH_RECEIPTS_FILL ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);

installNodeSigning();
const operator = generateKeyPair();
let n = 0;

function pending(teamId: string): Approval {
  n += 1;
  const receipt = buildReceipt(
    {
      teamId,
      action: {
        tool: 'payments.refund',
        params: { amount: n },
        account: 'a',
        workflow: 'w',
        capturedAt: new Date().toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'p1', ruleId: 'r1' },
    },
    operator.secretKey,
  );
  return {
    id: `apr_${randomUUID().replaceAll('-', '')}`,
    teamId,
    status: 'pending',
    receipt,
    challenge: 'A'.repeat(43),
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    cosignature: null,
    decidedAt: null,
  };
}

/** Median µs of `fn` over SAMPLES calls (after a few warm-up calls). */
async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fn();
    samples.push((performance.now() - t) * 1000);
  }
  return spread(samples).median;
}

async function measure(store: SqliteCloudStore, teamId: string): Promise<Record<string, number>> {
  const held = await Promise.all(
    Array.from({ length: 100 }, () => pending(teamId)).map((a) =>
      store.openApproval(teamId, a, canonicalize(a.receipt), KEY),
    ),
  );
  const ids = held.map((o) => o.approval.id);
  const cursor = await store.getChangeSeq(teamId);
  let i = 0;
  const now = () => new Date().toISOString();
  return {
    poll: await median(() => store.getApproval(teamId, ids[i++ % ids.length]!, now())),
    list_100: await median(() => store.listPending(teamId, 100, now())),
    changes: await median(() => store.listChanges(teamId, cursor - 5, 100, now())),
    receipt: await median(() => store.getReceipt(teamId, `rcpt_missing_${i++}`)),
    open: await median(async () => {
      const a = pending(teamId);
      await store.openApproval(teamId, a, canonicalize(a.receipt), KEY);
    }),
  };
}

function fill(store: SqliteCloudStore, teamId: string): void {
  const db = store.db;
  const approval = db.prepare(
    `INSERT INTO approvals (team_id, id, receipt_id, receipt_canonical, status, expires_ms, body, change_seq)
       VALUES (?, ?, ?, '{}', 'approved', 0, '{}', 0)`,
  );
  const receipt = db.prepare(
    "INSERT INTO receipts (team_id, receipt_id, canonical, received_at) VALUES (?, ?, '{}', '')",
  );
  db.transaction(() => {
    for (let k = 0; k < APPROVALS_FILL; k++) approval.run(teamId, `apr_fill_${k}`, `rcpt_fill_${k}`);
    for (let k = 0; k < RECEIPTS_FILL; k++) receipt.run(teamId, `rcpt_fill_${k}`);
  })();
}

const dir = mkdtempSync(join(tmpdir(), 'heso-bench-store-'));
try {
  const store = new SqliteCloudStore({ path: join(dir, 'store.db') });
  const small = await createTeam(store, 'Small');
  const before = await measure(store, small.id);
  const filler = await createTeam(store, 'Filler');
  const t = performance.now();
  fill(store, filler.id);
  // The same team measured again, now in a big database; and a team that itself holds the big history.
  const fillSeconds = (performance.now() - t) / 1000;
  const after = await measure(store, small.id);
  fill(store, small.id);
  const own = await measure(store, small.id);
  await store.close();
  console.log(
    `bench:store — ${APPROVALS_FILL.toLocaleString('en')} approvals + ${RECEIPTS_FILL.toLocaleString('en')} receipts added (${fixed(fillSeconds, 1)} s); median µs per call, ${SAMPLES} samples`,
  );
  console.log(
    `  ${'call'.padEnd(10)} ${'small DB'.padStart(10)} ${'big DB'.padStart(10)} ${'team big'.padStart(10)}  ratio`,
  );
  const fields: Record<string, number> = {};
  for (const key of Object.keys(before)) {
    const ratio = own[key]! / before[key]!;
    fields[`${key}_ratio`] = ratio;
    console.log(
      `  ${key.padEnd(10)} ${fixed(before[key]!, 0).padStart(10)} ${fixed(after[key]!, 0).padStart(10)} ${fixed(own[key]!, 0).padStart(10)}  ${fixed(ratio)}`,
    );
  }
  benchLine('store', { approvals: APPROVALS_FILL, receipts: RECEIPTS_FILL, ...fields });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
