/**
 * Both CloudStore backends for one test suite: SQLite on a temp file, PostgreSQL on a
 * private cluster (test/support/postgres.ts, skipped with the reason where it is absent).
 * Each `open()` is a fresh, empty, migrated database; `reopen()` opens the same one again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresCloudStore } from '../../src/cloud/postgres-store.ts';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import type { CloudStore } from '../../src/cloud/store.ts';
import { type PostgresCluster, postgresSkipReason, startPostgres } from './postgres.ts';

export interface OpenedStore {
  store: CloudStore;
  /** The database's location: a file path or a postgres:// URL. */
  location: string;
  /** Another store on the same database (a second instance, or the same one after a restart). */
  reopen(): Promise<CloudStore>;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** Why this backend's tests are skipped here, if they are. */
  skip: string | undefined;
  open(): Promise<OpenedStore>;
  /** Removes every database this backend made (call in `after`). */
  cleanup(): Promise<void>;
}

function sqliteBackend(): StoreBackend {
  const dir = mkdtempSync(join(tmpdir(), 'heso-store-'));
  let files = 0;
  const opened: CloudStore[] = [];
  const track = (store: CloudStore) => {
    opened.push(store);
    return store;
  };
  return {
    name: 'sqlite',
    skip: undefined,
    open: async () => {
      const location = join(dir, `store-${++files}.db`);
      return {
        store: track(new SqliteCloudStore({ path: location })),
        location,
        reopen: async () => track(new SqliteCloudStore({ path: location })),
      };
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The cluster is started on first use and shared by the file's tests (≈3 s to start). */
function postgresBackend(): StoreBackend {
  const cluster = sharedPostgres();
  const opened: CloudStore[] = [];
  const openAt = async (url: string) => {
    const store = await PostgresCloudStore.open({ url, poolSize: 8 });
    opened.push(store);
    return store;
  };
  return {
    name: 'postgres',
    skip: postgresSkipReason,
    open: async () => {
      const location = await (await cluster.get()).createDatabase();
      return { store: await openAt(location), location, reopen: () => openAt(location) };
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await cluster.destroy();
    },
  };
}

export function storeBackends(): StoreBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

/** A private PostgreSQL cluster shared by a test file, started on first use. */
export function sharedPostgres(): { get(): Promise<PostgresCluster>; destroy(): Promise<void> } {
  let cluster: Promise<PostgresCluster> | null = null;
  return {
    get: () => {
      cluster ??= startPostgres();
      return cluster;
    },
    destroy: async () => {
      if (cluster) (await cluster.catch(() => null))?.destroy();
    },
  };
}

export interface DatabaseBackend {
  name: 'sqlite' | 'postgres';
  skip: string | undefined;
  /** A fresh database for `startCloud({ dbPath })`: undefined (SQLite: startCloud makes a temp file) or a postgres:// URL. */
  database(): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** Both backends for HTTP-level suites: run the same `describe` against a server on each. */
export function databaseBackends(): DatabaseBackend[] {
  const cluster = sharedPostgres();
  return [
    { name: 'sqlite', skip: undefined, database: async () => undefined, cleanup: async () => {} },
    {
      name: 'postgres',
      skip: postgresSkipReason,
      database: async () => (await cluster.get()).createDatabase(),
      cleanup: () => cluster.destroy(),
    },
  ];
}
