/**
 * `npm run bench:store`: does a request's store work stay flat as the database grows?
 * Times the per-request store calls (poll one approval, list 100 of the queue, its next page
 * (`after`), changes since a cursor, look up a receipt, open) on three teams side by side: one in a small database,
 * and two in a big one holding BENCH_APPROVALS_FILL (100,000) decided approvals and
 * BENCH_RECEIPTS_FILL (1,000,000) receipts per filled team ("big DB": a team beside a
 * filled one; "team big": the filled team itself). Warm-up first, then rounds that measure
 * each call on the three teams one after the other (the small database is the same-run
 * baseline); prints median µs per call and the ratio team big ÷ small DB per round, min /
 * median / max (1.0 = flat). The filler rows are small (their size does not matter to an
 * index lookup). In-process: no HTTP and no load generator, only the store. Prints figures only.
 *
 *   BENCH_APPROVALS_FILL (100000)  BENCH_RECEIPTS_FILL (1000000)  BENCH_SAMPLES (200)  BENCH_ROUNDS (5)
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
import { benchLine, fixed, showSpread, spread } from './bench-support.ts';

/** The API key id recorded as the opener of each approval (the store takes it from the route). */
const KEY = 'key_bench';

const APPROVALS_FILL = Number(process.env.BENCH_APPROVALS_FILL ?? 100_000);
const RECEIPTS_FILL = Number(process.env.BENCH_RECEIPTS_FILL ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

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

/** Median µs of `fn` over `n` calls. */
async function medianMicros(fn: () => Promise<unknown>, n: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push((performance.now() - t) * 1000);
  }
  return spread(samples).median;
}

/** A team to measure: its store, and 100 pending approvals of its own to poll. */
interface Subject {
  store: SqliteCloudStore;
  teamId: string;
  ids: string[];
  cursor: number;
}

async function subject(store: SqliteCloudStore, teamId: string): Promise<Subject> {
  const held = await Promise.all(
    Array.from({ length: 100 }, () => pending(teamId)).map((a) =>
      store.openApproval(teamId, a, canonicalize(a.receipt), KEY),
    ),
  );
  return { store, teamId, ids: held.map((o) => o.approval.id), cursor: await store.getChangeSeq(teamId) };
}

/** The store calls of a request, on one subject. */
function calls(s: Subject): Record<string, () => Promise<unknown>> {
  let i = 0;
  const now = () => new Date().toISOString();
  return {
    poll: () => s.store.getApproval(s.teamId, s.ids[i++ % s.ids.length]!, now()),
    list_100: () => s.store.listPending(s.teamId, 100, now()),
    next_page: () => s.store.listPending(s.teamId, 100, now(), s.ids[50]),
    changes: () => s.store.listChanges(s.teamId, s.cursor - 5, 100, now()),
    receipt: () => s.store.getReceipt(s.teamId, `rcpt_missing_${i++}`),
    open: async () => {
      const a = pending(s.teamId);
      await s.store.openApproval(s.teamId, a, canonicalize(a.receipt), KEY);
    },
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

const COLUMNS = ['small DB', 'big DB', 'team big'] as const;

const dir = mkdtempSync(join(tmpdir(), 'heso-bench-store-'));
try {
  // Two databases side by side: a small one, and a big one in which another team holds the
  // filled rows and the measured "team big" holds them itself.
  const small = new SqliteCloudStore({ path: join(dir, 'small.db') });
  const big = new SqliteCloudStore({ path: join(dir, 'big.db') });
  const t = performance.now();
  const filler = await createTeam(big, 'Filler');
  fill(big, filler.id);
  const own = await createTeam(big, 'Own');
  fill(big, own.id);
  const fillSeconds = (performance.now() - t) / 1000;
  const subjects = [
    await subject(small, (await createTeam(small, 'Small')).id),
    await subject(big, (await createTeam(big, 'Beside')).id),
    await subject(big, own.id),
  ];
  const perColumn = subjects.map(calls);
  const names = Object.keys(perColumn[0]!);
  for (const c of perColumn) for (const name of names) for (let i = 0; i < 20; i++) await c[name]!(); // warm-up
  // Interleaved: each round measures every call on the three subjects one after the other.
  const micros = new Map(names.map((n) => [n, COLUMNS.map(() => [] as number[])]));
  const ratios = new Map(names.map((n) => [n, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const m = [];
      for (const [k, c] of perColumn.entries()) {
        m.push(await medianMicros(c[name]!, Math.ceil(SAMPLES / ROUNDS)));
        micros.get(name)![k]!.push(m[k]!);
      }
      ratios.get(name)!.push(m[2]! / m[0]!);
    }
  }
  await small.close();
  await big.close();
  console.log(
    `bench:store — ${APPROVALS_FILL.toLocaleString('en')} approvals + ${RECEIPTS_FILL.toLocaleString('en')} receipts per big team (filled in ${fixed(fillSeconds, 1)} s); ${ROUNDS} interleaved rounds, ${SAMPLES} samples per call and column`,
  );
  console.log(`  ${'call'.padEnd(10)} ${COLUMNS.map((c) => c.padStart(10)).join(' ')}  ratio team big ÷ small DB`);
  const fields: Record<string, number> = {};
  for (const name of names) {
    const columns = micros.get(name)!.map((values) => fixed(spread(values).median, 0).padStart(10));
    const r = spread(ratios.get(name)!);
    fields[`${name}_ratio`] = r.median;
    console.log(`  ${name.padEnd(10)} ${columns.join(' ')}  ${showSpread(r)}`);
  }
  console.log('  (median µs per call; ratio per round, min / median / max over rounds)');
  benchLine('store', { approvals: APPROVALS_FILL, receipts: RECEIPTS_FILL, ...fields });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
