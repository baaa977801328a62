import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { activateApprover, createApiKey, createTeam, setPolicy } from '../src/cloud/admin.ts';
import { isPostgresUrl } from '../src/cloud/open-store.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import type { Approval } from '../src/core/api.ts';
import { b64url, keyIdOf, type Receipt } from '../src/core/index.ts';
import {
  approver,
  CONCURRENCY,
  cosign,
  lean,
  phase,
  ROUNDS,
  receipt,
  SECONDS,
  startServer,
} from './bench-cloud-http.ts';
import { benchPostgres } from './bench-cloud-pg.ts';
import { benchLine, showSpread, spread } from './bench-support.ts';

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

// `-- --db postgres://…` (or `--db postgres`: a private cluster): PostgreSQL, one and two instances.
const { db } = parseArgs({ options: { db: { type: 'string' } } }).values;
if (db === 'postgres') await benchPostgres(undefined);
else if (db !== undefined && isPostgresUrl(db)) await benchPostgres(db);
else if (db !== undefined) throw new Error('--db takes a postgres://… URL, or "postgres" for a private cluster');
else await main();
