/**
 * A private PostgreSQL cluster for tests: initdb in a temp directory, started on a free
 * loopback port with its socket in that directory, stopped and removed afterwards.
 *
 * initdb and pg_ctl refuse to run as root: as root (CI) the directory is handed to the
 * `postgres` user and the tools run through `runuser`; as anyone else they run directly.
 * Where PostgreSQL is not installed, `postgresSkipReason` says so and the tests skip.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Debian's versioned bin directories, newest first, then whatever `pg_config` names. */
function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    return existsSync(join(dir, 'initdb')) ? dir : null;
  } catch {
    return null;
  }
}

const BIN_DIR = findBinDir();

/** Why the PostgreSQL tests cannot run here, or undefined when they can (use as `{ skip }`). */
export const postgresSkipReason: string | undefined = BIN_DIR
  ? undefined
  : 'PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresCluster {
  port: number;
  /** A connection URL for `database` (default `postgres`, the one initdb makes). */
  url(database?: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server at once (like a crash); `start` brings it back on the same port. */
  stop(): void;
  start(): void;
  /** Stops the server and removes its directory. */
  destroy(): void;
}

const asRoot = process.getuid?.() === 0;

function runTool(tool: string, args: string[]): string {
  if (!BIN_DIR) throw new Error(postgresSkipReason);
  const command = join(BIN_DIR, tool);
  try {
    return asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', stdio: 'pipe' })
      : execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || err}`);
  }
}

let databases = 0;

/** Starts a private cluster (≈3 s); call `destroy()` in `after`. */
export async function startPostgres(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'heso-pg-'));
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  runTool('initdb', ['-D', data, '-A', 'trust', '-U', 'heso', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on`;
  const start = () => {
    try {
      runTool('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', 'start']);
    } catch (err) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${err instanceof Error ? err.message : err}\n${tail}`);
    }
  };
  const stop = () => {
    runTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  start();
  const url = (database = 'postgres') => `postgres://heso@127.0.0.1:${port}/${database}`;
  let destroyed = false;
  const cluster: PostgresCluster = {
    port,
    url,
    createDatabase: async () => {
      const name = `heso_test_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  process.once('exit', cluster.destroy);
  return cluster;
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no postgres user to run initdb as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
