/**
 * `npm run bench:cloud -- --db postgres://…` (or `--db postgres` for a private cluster made for
 * the run): approvals opened + decided per second over HTTP against `heso-cloud serve` on
 * PostgreSQL, with one instance and with two instances on the same database, rounds
 * interleaved; the ratio of each round is two-instance ÷ one-instance throughput. Also the
 * bare-request baseline of bench:cloud on one instance. Workers spread over BENCH_TEAMS teams
 * (writes to one team's queue take turns on its row, by design). Use a scratch database: the
 * bench creates teams in it. Prints figures only.
 *
 *   BENCH_ROUNDS (9)  BENCH_SECONDS per phase (1.5)  BENCH_CONCURRENCY (32)  BENCH_TEAMS (4)
 */
import { Pool } from 'undici';
import { activateApprover, createApiKey, createTeam, setPolicy } from '../src/cloud/admin.ts';
import { openCloudStore } from '../src/cloud/open-store.ts';
import type { Approval } from '../src/core/api.ts';
import { b64url, keyIdOf, type Receipt } from '../src/core/index.ts';
import { startPostgres } from '../test/support/postgres.ts';
import {
  approver,
  CONCURRENCY,
  cosign,
  type Http,
  lean,
  phase,
  ROUNDS,
  receipt,
  SECONDS,
  startServer,
} from './bench-cloud-http.ts';
import { benchLine, showSpread, spread } from './bench-support.ts';

const TEAMS = Number(process.env.BENCH_TEAMS ?? 4);

interface BenchTeam {
  id: string;
  apiKey: string;
  signed: Receipt[];
}

async function makeTeams(url: string): Promise<BenchTeam[]> {
  const admin = await openCloudStore(url);
  try {
    const teams: BenchTeam[] = [];
    for (let t = 0; t < TEAMS; t++) {
      const team = await createTeam(admin, `Bench ${t}`);
      await setPolicy(admin, team.id, { version: 'bench-1', defaultVerdict: 'allow', rules: [] });
      const { apiKey } = await createApiKey(admin, team.id, 'admin');
      const signed = Array.from({ length: Math.ceil(3000 / TEAMS) }, (_, i) => receipt(team.id, i));
      teams.push({ id: team.id, apiKey, signed });
    }
    return teams;
  } finally {
    await admin.close();
  }
}

/** One open + decide on `http` for `team`. */
async function cycle(http: Http, team: BenchTeam, made: { n: number }): Promise<void> {
  const base = `/v1/teams/${team.id}`;
  const fresh = team.signed.pop() ?? receipt(team.id, 100_000 + made.n++);
  const opened = await http.call('POST', `${base}/approvals`, { receipt: fresh });
  if (opened.status !== 201) throw new Error(`open: ${opened.status} ${JSON.stringify(opened.json)}`);
  const approval = opened.json as Approval;
  const decided = await http.call('POST', `${base}/approvals/${approval.id}/decision`, cosign(approval));
  if (decided.status !== 200) throw new Error(`decide: ${decided.status} ${JSON.stringify(decided.json)}`);
}

export async function benchPostgres(given: string | undefined): Promise<void> {
  const cluster = given ? null : await startPostgres();
  const url = given ?? (await cluster!.createDatabase());
  const teams = await makeTeams(url);
  const servers = await Promise.all([startServer(url), startServer(url)]);
  const pools = servers.map((s) => new Pool(s.url, { connections: CONCURRENCY, pipelining: 1 }));
  // clients[instance][team]
  const clients = pools.map((pool) => teams.map((team) => lean(pool, team.apiKey)));
  const admin = await openCloudStore(url);
  for (const [t, team] of teams.entries()) {
    await clients[0]![t]!.call('POST', `/v1/teams/${team.id}/approvers`, {
      publicKey: b64url.encode(approver.publicKey),
      name: 'Bench',
    });
    await activateApprover(admin, team.id, keyIdOf(approver.publicKey));
  }
  await admin.close();
  const made = { n: 0 };
  let turn = 0;
  /** Each unit picks the next team; `instances` says how many servers share the load. */
  const onInstances = (instances: number) => () => {
    const i = turn++;
    const team = i % TEAMS;
    return cycle(clients[Math.floor(i / TEAMS) % instances]![team]!, teams[team]!, made);
  };
  const pair = async () => {
    for (let i = 0; i < 2; i++) {
      const res = await clients[0]![0]!.call('GET', `/v1/teams/${teams[0]!.id}/policy`);
      if (res.status !== 200) throw new Error(`policy: ${res.status}`);
    }
  };
  try {
    console.log(
      `bench:cloud (PostgreSQL) — node ${process.version}, two heso-cloud processes on one database, ${CONCURRENCY} concurrent clients over ${TEAMS} teams, ${ROUNDS} rounds of ${SECONDS} s per phase`,
    );
    await phase(pair);
    await phase(onInstances(1));
    await phase(onInstances(2));
    const pairs: number[] = [];
    const single: number[] = [];
    const double: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      pairs.push(await phase(pair));
      const one = await phase(onInstances(1));
      const two = await phase(onInstances(2));
      single.push(one);
      double.push(two);
      ratios.push(two / one);
    }
    console.log(`  pairs of bare authenticated requests (1 instance)  ${showSpread(spread(pairs), 0, '/s')}`);
    console.log(`  approvals opened + decided, 1 instance            ${showSpread(spread(single), 0, '/s')}`);
    console.log(`  approvals opened + decided, 2 instances           ${showSpread(spread(double), 0, '/s')}`);
    console.log(`  ratio 2 instances ÷ 1 (same round)                ${showSpread(spread(ratios))}`);
    benchLine('cloud-pg', {
      instances: 2,
      approvals_per_s: Math.round(spread(double).median),
      ratio_to_single: spread(ratios).median,
      single_per_s: Math.round(spread(single).median),
      bare_pairs_per_s: Math.round(spread(pairs).median),
      teams: TEAMS,
      concurrency: CONCURRENCY,
    });
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.stop()));
    cluster?.destroy();
  }
}
