/**
 * The PostgreSQL plumbing under the PostgreSQL store: the pool, transactions with retry,
 * telling "the database is unreachable" apart from a bug, schema migrations under an
 * advisory lock, and the LISTEN connection that carries queue changes between instances.
 */
import pg from 'pg';
import { MIGRATIONS } from './migrations.ts';
import { StoreUnavailableError } from './store.ts';
import { storedOrNull, VersionRow } from './store-rows.ts';

/** The channel queue changes are announced on; the payload is the team id. */
export const QUEUE_CHANNEL = 'heso_queue';

/** Held while migrating, so instances starting together apply each step once ("HESO" in ASCII). */
const MIGRATION_LOCK = 0x4845534f;

/** int8 columns (counters, millisecond times) as numbers: they stay far below 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (libpq URL form). */
  url: string;
  /** Connections this instance may hold (docs/deploy.md, "Connection pool"). Default 10. */
  poolSize?: number;
  /**
   * How long a request waits for a connection (a free one from the pool, or a new one) before
   * a 503, ms. Default 10000: a burst queues for the pool rather than failing.
   */
  connectTimeoutMs?: number;
}

export function createPool(opts: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'heso-cloud',
    types,
  });
  // An idle connection the server dropped (restart, failover) must not crash the process:
  // the pool discards it and the next request opens a new one.
  pool.on('error', () => {});
  return pool;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '53300', // too_many_connections
]);

/** Whether `err` means "the database cannot be reached now" (retry later) rather than a bug. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i.test(
    err.message,
  );
}

/** Rethrows an unreachable-database error as StoreUnavailableError (the server answers 503). */
export function unavailableOr(err: unknown): never {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) throw err;
  throw new StoreUnavailableError(`the database is unreachable (${err instanceof Error ? err.message : String(err)})`, {
    cause: err,
  });
}

/** Deadlock and serialization failures: the transaction is safe to run again from the start. */
const RETRYABLE = new Set(['40001', '40P01']);

export type Tx = pg.PoolClient;

/**
 * Runs `fn` in one transaction on a pooled connection; retried from the start on a deadlock
 * or serialization failure. A connection that failed mid-way is discarded, not reused.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (tx: Tx) => Promise<T>,
  mode: 'read write' | 'repeatable read only' = 'read write',
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await checkout(pool);
    let broken: Error | undefined;
    // A connection the server drops while checked out emits 'error'; unheard, it would crash the process.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query(mode === 'read write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && RETRYABLE.has(code) && attempt < 5) continue;
      unavailableOr(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/** A pooled connection, or StoreUnavailableError when none can be had. */
async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    unavailableOr(err);
  }
}

/** One statement outside a transaction, with unreachable-database errors made 503s. */
export async function queryRows(pool: pg.Pool, text: string, values: unknown[] = []): Promise<unknown[]> {
  try {
    return (await pool.query(text, values)).rows;
  } catch (err) {
    unavailableOr(err);
  }
}

/**
 * Applies the schema steps this database lacks, each in its own transaction, under an
 * advisory lock: a second instance starting at the same time waits, then finds nothing to do.
 * Returns the versions before and after.
 */
export async function migrate(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await checkout(pool);
  const ignore = () => {}; // a dropped connection fails the running query, which is what reports it
  client.on('error', ignore);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const from = await schemaVersion(client);
    if (from > MIGRATIONS.length)
      throw new Error(
        `database schema version ${from} is newer than this heso-cloud (knows ${MIGRATIONS.length}); upgrade heso-cloud`,
      );
    for (let version = from + 1; version <= MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version - 1]!.postgres);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          version,
          new Date().toISOString(),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from, to: MIGRATIONS.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.off('error', ignore);
    client.release();
  }
}

export async function schemaVersion(client: pg.Pool | pg.PoolClient): Promise<number> {
  const { rows } = await client.query('SELECT MAX(version) AS v FROM schema_migrations');
  return storedOrNull(VersionRow, rows[0], 'schema version')?.v ?? 0;
}

/**
 * A dedicated connection LISTENing for queue changes from every instance (this one included).
 * When it drops it reconnects with backoff; after reconnecting `onResync` runs, since any
 * notification sent while it was down is lost (waiters re-read the database either way).
 */
export class QueueListener {
  readonly #url: string;
  readonly #onTeam: (teamId: string) => void;
  readonly #onResync: () => void;
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = 100;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string, onTeam: (teamId: string) => void, onResync: () => void) {
    this.#url = url;
    this.#onTeam = onTeam;
    this.#onResync = onResync;
  }

  /** Whether notifications are being received now (false while reconnecting). */
  get listening(): boolean {
    return this.#client !== null;
  }

  /** Connects once; throws when the database is unreachable at start. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: 'heso-cloud-listen', types });
    client.on('notification', (message) => {
      if (message.channel === QUEUE_CHANNEL && message.payload) this.#onTeam(message.payload);
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${QUEUE_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#retryMs = 100;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => {});
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#connect().then(
        () => this.#onResync(),
        () => {
          this.#retryMs = Math.min(this.#retryMs * 2, 5000);
          this.#scheduleReconnect();
        },
      );
    }, this.#retryMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}
