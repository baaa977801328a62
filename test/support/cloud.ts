/**
 * Real control-plane servers for tests: `startCloud` in-process on 127.0.0.1:0,
 * `spawnCloud` as a child process (`bin/heso-cloud.mjs serve`) that can be killed and
 * restarted. Admin actions (teams, keys, policy, approver activation) go straight to
 * the storage through the same functions the `heso-cloud` admin CLI uses: they are not
 * on the HTTP API by design.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../../scripts/build-cli.mjs';
import type { IssuedRole } from '../../src/cloud/admin.ts';
import * as adminOps from '../../src/cloud/admin.ts';
import type { CloudLimits } from '../../src/cloud/context.ts';
import { openCloudStore } from '../../src/cloud/open-store.ts';
import type { RateLimitOptions } from '../../src/cloud/rate-limit.ts';
import { newPendingApproval } from '../../src/cloud/routes-approvals.ts';
import { type CloudLoggerOptions, createCloudServer } from '../../src/cloud/server.ts';
import type { ApproverLabels, CloudStore } from '../../src/cloud/store.ts';
import type { Approval } from '../../src/core/api.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import type { ApproverRecord, PolicyDocument } from '../../src/core/schemas.ts';
import { buildReceipt } from '../../src/core/statements.ts';

export interface CloudAdmin {
  /** Creates a team; returns its id. */
  createTeam(name?: string): Promise<string>;
  /** Creates an API key for the team (default role `admin`: may call every route); returns the full key (`heso_…`). */
  createApiKey(teamId: string, role?: IssuedRole): Promise<string>;
  /** Revokes by full API key or key id; effective on the next request. */
  revokeApiKey(apiKeyOrKeyId: string): Promise<void>;
  /** Validates (rule language included) and stores the team policy. */
  setPolicy(teamId: string, doc: PolicyDocument): Promise<void>;
  /** pending → active (what an admin does after comparing the fingerprint). */
  activateApprover(teamId: string, keyId: string): Promise<ApproverRecord>;
  revokeApprover(teamId: string, keyId: string): Promise<ApproverRecord>;
  listApprovers(teamId: string): Promise<ApproverRecord[]>;
  /** Sets an approver key's groups and/or requester link (`heso-cloud approver group|requester`). */
  labelApprover(teamId: string, keyId: string, labels: ApproverLabels): Promise<ApproverRecord>;
}

export interface CloudHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  dbPath: string;
  admin: CloudAdmin;
  stop(): Promise<void>;
}

export interface StartCloudOptions {
  /** Database file or postgres:// URL; default a SQLite file in a fresh temp dir, removed on stop. */
  dbPath?: string;
  rateLimit?: Partial<RateLimitOptions>;
  /** Server clock; tests move time with it (e.g. to expire approvals). */
  now?: () => Date;
  limits?: Partial<Omit<CloudLimits, 'rateLimit'>>;
  /** Capture JSON log lines (default: no logs). */
  logStream?: NodeJS.WritableStream;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'heso-cloud.mjs');

/** A demo policy: refunds over 100 are suspended, production deletes blocked, the rest allowed. */
export const DEMO_POLICY: PolicyDocument = {
  version: 'demo-1',
  defaultVerdict: 'allow',
  rules: [
    { id: 'no-prod-deletes', verdict: 'block', match: { tool: 'db.delete', account: 'prod-*' } },
    {
      id: 'big-refunds',
      verdict: 'suspend',
      description: 'Refunds above 100 need a human',
      match: { tool: 'payments.refund' },
      when: ['amount > 100'],
    },
  ],
};

function tempDb(): { dbPath: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'heso-cloud-test-'));
  return { dbPath: join(dir, 'cloud.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Admin helpers over a store; `withStore` lends one for each call. */
function adminFor(withStore: <T>(fn: (store: CloudStore) => Promise<T>) => Promise<T>, now: () => Date): CloudAdmin {
  return {
    createTeam: (name = 'Test team') => withStore(async (s) => (await adminOps.createTeam(s, name, now)).id),
    createApiKey: (teamId, role = 'admin') =>
      withStore(async (s) => (await adminOps.createApiKey(s, teamId, role, now)).apiKey),
    revokeApiKey: (key) => withStore(async (s) => void (await adminOps.revokeApiKey(s, key, now))),
    setPolicy: (teamId, doc) => withStore(async (s) => void (await adminOps.setPolicy(s, teamId, doc, now))),
    activateApprover: (teamId, keyId) => withStore((s) => adminOps.activateApprover(s, teamId, keyId, now)),
    revokeApprover: (teamId, keyId) => withStore((s) => adminOps.revokeApprover(s, teamId, keyId, now)),
    listApprovers: (teamId) => withStore((s) => adminOps.listApprovers(s, teamId)),
    labelApprover: (teamId, keyId, labels) => withStore((s) => adminOps.labelApprover(s, teamId, keyId, labels)),
  };
}

/** A real server in this process on 127.0.0.1 and a free port. */
export async function startCloud(opts: StartCloudOptions = {}): Promise<CloudHandle> {
  const temp = opts.dbPath ? null : tempDb();
  const dbPath = opts.dbPath ?? temp!.dbPath;
  const now = opts.now ?? (() => new Date());
  const store = await openCloudStore(dbPath);
  const logger: false | CloudLoggerOptions = opts.logStream ? { level: 'info', stream: opts.logStream } : false;
  const app = createCloudServer({
    store,
    clock: now,
    logger,
    limits: { ...opts.limits, rateLimit: opts.rateLimit },
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  return {
    url: address.replace('localhost', '127.0.0.1'),
    dbPath,
    admin: adminFor((fn) => fn(store), now),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await store.close();
      temp?.cleanup();
    },
  };
}

export interface SpawnCloudOptions {
  dbPath?: string;
  /** Extra `serve` arguments. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface SpawnedCloud extends CloudHandle {
  readonly pid: number;
  /** Sends the signal (default SIGKILL) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same database and port (after kill). */
  restart(): Promise<void>;
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = /^listening (http:\/\/\S+)$/m.exec(buffered);
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onErr = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`heso-cloud serve exited (${code ?? signal}) before listening:\n${stderr}`));
    };
    const cleanup = () => {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}

/** The real CLI as a child process: `node bin/heso-cloud.mjs serve --init --port 0 --db FILE`. */
export async function spawnCloud(opts: SpawnCloudOptions = {}): Promise<SpawnedCloud> {
  const temp = opts.dbPath ? null : tempDb();
  const dbPath = opts.dbPath ?? temp!.dbPath;
  let child: ChildProcess | null = null;
  let url = '';
  let port = 0;

  await buildCli(); // bin/heso-cloud.mjs runs dist/cli/: a no-op when it is current
  const start = async () => {
    const proc = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--init',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--db',
        dbPath,
        '--log-level',
        'warn',
        ...(opts.args ?? []),
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    url = await waitForListening(proc);
    port = Number(new URL(url).port);
    // Keep draining, so a chatty server never blocks on a full pipe.
    proc.stdout?.resume();
    proc.stderr?.resume();
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    // A server that does not stop on a gentle signal within 5 s is killed.
    const timer = signal === 'SIGKILL' ? null : setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    if (timer) clearTimeout(timer);
  };
  const withStore = async <T>(fn: (store: CloudStore) => Promise<T>): Promise<T> => {
    const store = await openCloudStore(dbPath);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  await start();
  return {
    get url() {
      return url;
    },
    get pid() {
      return child?.pid ?? -1;
    },
    dbPath,
    admin: adminFor(withStore, () => new Date()),
    kill,
    restart: async () => {
      await kill('SIGKILL');
      await start();
    },
    stop: async () => {
      await kill('SIGTERM');
      temp?.cleanup();
    },
  };
}

/** A team with an API key and the demo policy. */
export async function setupTeam(
  cloud: Pick<CloudHandle, 'admin'>,
  name = 'Test team',
): Promise<{ teamId: string; apiKey: string }> {
  const teamId = await cloud.admin.createTeam(name);
  const apiKey = await cloud.admin.createApiKey(teamId);
  await cloud.admin.setPolicy(teamId, DEMO_POLICY);
  return { teamId, apiKey };
}

/**
 * Fills a team's pending queue straight through the store (fast: one group-committed burst),
 * as if agents had opened `count` approvals earlier; each receipt is signed by `operatorSecret`
 * for `workflow`. For queues too long to open one HTTP request at a time (tests, benchmarks).
 */
export async function fillPendingQueue(
  dbPath: string,
  teamId: string,
  count: number,
  opts: { operatorSecret: Uint8Array; workflow: string; openedBy?: string },
): Promise<Approval[]> {
  const store = await openCloudStore(dbPath);
  try {
    const now = Date.now();
    const opened = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const receipt = buildReceipt(
          {
            teamId,
            action: {
              tool: 'payments.refund',
              params: { amount: 101 + i, orderId: `filled-${randomUUID()}` },
              account: 'acme-shop',
              workflow: opts.workflow,
              capturedAt: new Date(now).toISOString(),
            },
            verdict: 'suspend',
            policy: { version: 'demo-1', ruleId: 'big-refunds' },
          },
          opts.operatorSecret,
        );
        const approval = newPendingApproval(teamId, receipt, new Date(now), 3600);
        return store.openApproval(teamId, approval, canonicalize(receipt), opts.openedBy ?? 'key_filled');
      }),
    );
    return opened.map((o) => o.approval);
  } finally {
    await store.close();
  }
}
