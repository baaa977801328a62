import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createTeam } from '../../src/cloud/admin.ts';
import { MIGRATIONS } from '../../src/cloud/migrations.ts';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';

/** What only the SQLite store does (WAL, full sync, older SQLite schemas); the shared contract is store.test.ts. */
describe('SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heso-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('migrates a new file once, in WAL mode with full sync, and keeps data across reopen', async () => {
    const path = join(dir, 'a.db');
    const store = new SqliteCloudStore({ path });
    assert.equal(store.schemaVersion(), MIGRATIONS.length);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2); // FULL
    const team = await createTeam(store, 'Keep me');
    await store.close();
    const again = new SqliteCloudStore({ path });
    assert.equal(again.schemaVersion(), MIGRATIONS.length);
    assert.deepEqual(await again.getTeam(team.id), team);
    const applied = again.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    assert.equal(applied.n, MIGRATIONS.length);
    await again.close();
  });

  test('refuses a database written by a newer version', () => {
    const path = join(dir, 'b.db');
    new SqliteCloudStore({ path }).db.close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(MIGRATIONS.length + 1, 'later');
    db.close();
    assert.throws(() => new SqliteCloudStore({ path }), /newer than this heso-cloud/);
  });

  test('a database at any earlier schema migrates: 1, 2 (changes feed), and the roles work recorded as 2', async () => {
    const starts = {
      'schema 1': [MIGRATIONS[0]!.sqlite],
      'schema 2 (changes feed)': [MIGRATIONS[0]!.sqlite, MIGRATIONS[1]!.sqlite],
      // made by the API key roles work before it met the changes feed: its roles step was number 2
      'roles recorded as 2': [MIGRATIONS[0]!.sqlite, MIGRATIONS[2]!.sqlite],
    };
    for (const [name, steps] of Object.entries(starts)) {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.db`);
      const db = new Database(path);
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      steps.forEach((sql, i) => {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, 'earlier');
      });
      db.close();
      const store = new SqliteCloudStore({ path });
      const columns = (table: string) =>
        (store.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      assert.equal(store.schemaVersion(), MIGRATIONS.length, name);
      for (const column of ['change_seq', 'opened_by', 'settled_seq'])
        assert.ok(columns('approvals').includes(column), `${name}: ${column}`);
      assert.ok(columns('api_keys').includes('role'), `${name}: api_keys.role`);
      assert.ok(columns('approvers').includes('enrolled_by'), `${name}: approvers.enrolled_by`);
      await store.close();
      new SqliteCloudStore({ path }).db.close(); // and opens again without migrating twice
    }
  });
});
