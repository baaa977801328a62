/**
 * Opens the store a `--db` value names: a `postgres://` (or `postgresql://`) URL is the
 * PostgreSQL store, anything else a SQLite file. Both are migrated on open.
 */
import { existsSync } from 'node:fs';
import { migrate } from './postgres-connection.ts';
import { PostgresCloudStore } from './postgres-store.ts';
import { SqliteCloudStore } from './sqlite-store.ts';
import type { CloudStore } from './store.ts';

export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/** The database as it may be printed or logged: a URL's password replaced. */
export function displayDb(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://… (not a valid URL)';
  }
}

export interface OpenStoreOptions {
  /** PostgreSQL connections per instance (default 10). */
  poolSize?: number;
}

export async function openCloudStore(target: string, opts: OpenStoreOptions = {}): Promise<CloudStore> {
  if (isPostgresUrl(target)) return PostgresCloudStore.open({ url: target, poolSize: opts.poolSize });
  return new SqliteCloudStore({ path: target });
}

/** Brings the database's schema up to date; returns the versions before and after. */
export async function migrateDatabase(target: string): Promise<{ from: number; to: number }> {
  if (isPostgresUrl(target)) {
    const store = await PostgresCloudStore.open({ url: target, poolSize: 1, migrate: false });
    try {
      return await migrate(store.pool);
    } finally {
      await store.close();
    }
  }
  const before = await sqliteVersion(target);
  const store = new SqliteCloudStore({ path: target });
  try {
    return { from: before, to: store.schemaVersion() };
  } finally {
    await store.close();
  }
}

async function sqliteVersion(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const store = new SqliteCloudStore({ path, readonly: true });
  try {
    return store.schemaVersion();
  } catch {
    return 0; // no schema_migrations table yet
  } finally {
    await store.close();
  }
}
