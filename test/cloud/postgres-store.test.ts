/**
 * What only the PostgreSQL store does: migrating under an advisory lock when instances start
 * together, refusing a newer schema, `heso-cloud migrate` and the admin commands on a
 * `postgres://` URL (from --db or HESO_CLOUD_DB), with the password never printed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MIGRATIONS } from '../../src/cloud/migrations.ts';
import { PostgresCloudStore } from '../../src/cloud/postgres-store.ts';
import { postgresSkipReason } from '../support/postgres.ts';
import { sharedPostgres } from '../support/stores.ts';

const CLI = fileURLToPath(new URL('../../bin/heso-cloud.mjs', import.meta.url));

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function migrationRows(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    return rows.map((r) => r.version);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL store: migrations and the CLI', { skip: postgresSkipReason }, () => {
  const postgres = sharedPostgres();
  after(() => postgres.destroy());

  test('instances starting together migrate once: the advisory lock serialises them', async () => {
    const url = await (await postgres.get()).createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresCloudStore.open({ url, poolSize: 2 })));
    try {
      assert.deepEqual(
        await migrationRows(url),
        MIGRATIONS.map((_, i) => i + 1),
      );
      for (const store of stores) assert.equal(await store.schemaVersion(), MIGRATIONS.length);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a database written by a newer heso-cloud is refused at start', async () => {
    const url = await (await postgres.get()).createDatabase();
    await (await PostgresCloudStore.open({ url })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
      MIGRATIONS.length + 1,
      'later',
    ]);
    await client.end();
    await assert.rejects(PostgresCloudStore.open({ url }), /newer than this heso-cloud/);
  });

  test('heso-cloud migrate and admin commands on a postgres:// URL, password never printed', async () => {
    const cluster = await postgres.get();
    const plain = await cluster.createDatabase();
    // Trust authentication ignores the password; it is here to check it is never shown.
    const url = plain.replace('postgres://heso@', 'postgres://heso:s3cret-pw@');
    const first = await cli(['migrate', '--db', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`from schema version 0 to ${MIGRATIONS.length}`));
    const again = await cli(['migrate', '--json'], { HESO_CLOUD_DB: url });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      db: url.replace('s3cret-pw', '***'),
      from: MIGRATIONS.length,
      to: MIGRATIONS.length,
    });
    const created = await cli(['team', 'create', 'Acme', '--json'], { HESO_CLOUD_DB: url });
    assert.equal(created.code, 0, created.stderr);
    const listed = await cli(['team', 'list', '--db', url]);
    assert.match(listed.stdout, new RegExp(`${JSON.parse(created.stdout).id}\\s+Acme`));
    const unreachable = await cli(['team', 'list', '--db', `postgres://heso:s3cret-pw@127.0.0.1:1/nowhere`]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot open database postgres:\/\/heso:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    for (const out of [first, again, created, listed, unreachable])
      assert.ok(!`${out.stdout}${out.stderr}`.includes('s3cret-pw'), 'the password was printed');
  });
});
