import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createTeam } from '../../src/cloud/admin.ts';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import { makeReceipt, pendingApproval } from './helpers.ts';

/** The API key id recorded as the opener of each approval (the store takes it from the route). */
const KEY = 'key_test';

/** Counts the COMMITs the store's connection issues (the fsyncs group commit saves). */
function countCommits(store: SqliteCloudStore): () => number {
  let commits = 0;
  const exec = store.db.exec.bind(store.db);
  store.db.exec = (sql: string) => {
    if (sql === 'COMMIT') commits += 1;
    return exec(sql);
  };
  return () => commits;
}

describe('SQLite store: group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heso-group-commit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes arriving together share one commit, and every one is durable when its promise resolves', async () => {
    const path = join(dir, 'together.db');
    const store = new SqliteCloudStore({ path });
    const team = await createTeam(store, 'Together');
    const commits = countCommits(store);
    const announced: string[] = [];
    store.onQueueChange((teamId) => announced.push(teamId));

    const approvals = Array.from({ length: 40 }, () => pendingApproval(team.id));
    const outcomes = await Promise.all(
      approvals.map((a) => store.openApproval(team.id, a, canonicalize(a.receipt), KEY)),
    );
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      approvals.map(() => 'created'),
    );
    assert.equal(commits(), 1, 'forty concurrent writes should share one transaction');
    assert.deepEqual(announced, [team.id], 'the change is announced once, after the commit');

    // Another connection (as after a crash and restart) sees every acknowledged write.
    const reader = new Database(path, { readonly: true });
    const row = reader.prepare("SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'").get() as { n: number };
    reader.close();
    assert.equal(row.n, 40);
    await store.close();
  });

  test('one write that fails is rolled back alone; the rest of its batch commits', async () => {
    const store = new SqliteCloudStore({ path: join(dir, 'alone.db') });
    const team = await createTeam(store, 'Alone');
    const good = [pendingApproval(team.id), pendingApproval(team.id)];
    const results = await Promise.allSettled([
      store.openApproval(team.id, good[0]!, canonicalize(good[0]!.receipt), KEY),
      // No such team: the foreign key fails inside this write only.
      store.openApproval('team_missing', pendingApproval('team_missing'), '{}', KEY),
      store.openApproval(team.id, good[1]!, canonicalize(good[1]!.receipt), KEY),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const page = await store.listPending(team.id, 10, new Date().toISOString());
    assert.deepEqual(page.approvals.map((a) => a.id).sort(), good.map((a) => a.id).sort());
    assert.equal(page.changeSeq, 2, 'the failed write bumped no counter');
    await store.close();
  });

  test('the same receipt opened twice in one batch makes one approval (atomic per write)', async () => {
    const store = new SqliteCloudStore({ path: join(dir, 'twice.db') });
    const team = await createTeam(store, 'Twice');
    const receipt = makeReceipt(team.id);
    const [a, b] = await Promise.all([
      store.openApproval(team.id, pendingApproval(team.id, receipt), canonicalize(receipt), KEY),
      store.openApproval(team.id, pendingApproval(team.id, receipt), canonicalize(receipt), KEY),
    ]);
    assert.equal(a.kind, 'created');
    assert.equal(b.kind, 'existing');
    assert.equal(b.approval.id, a.approval.id);
    await store.close();
  });

  test('when the commit cannot happen every write of the batch is refused and nothing is announced', async () => {
    const path = join(dir, 'locked.db');
    const store = new SqliteCloudStore({ path });
    const team = await createTeam(store, 'Locked');
    store.db.pragma('busy_timeout = 50');
    const announced: string[] = [];
    store.onQueueChange((teamId) => announced.push(teamId));
    // Another process (the admin CLI, say) holds the write lock past our busy timeout.
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const approvals = [pendingApproval(team.id), pendingApproval(team.id)];
    const results = await Promise.allSettled(
      approvals.map((a) => store.openApproval(team.id, a, canonicalize(a.receipt), KEY)),
    );
    other.exec('ROLLBACK');
    other.close();
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual(announced, []);
    assert.equal((await store.listPending(team.id, 10, new Date().toISOString())).approvals.length, 0);
    await store.close();
  });
});
