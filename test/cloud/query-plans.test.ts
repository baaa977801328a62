/**
 * Every query on a request's path is answered through an index, so its cost stays flat as
 * the database grows (100k approvals, 1M receipts): no full scan of approvals or receipts.
 * Checked with EXPLAIN QUERY PLAN on the store's real schema.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'heso-plans-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Each statement the routes run per request, with what it must use. */
const QUERIES: [string, string, unknown[]][] = [
  ['poll one approval', 'SELECT body, status, expires_ms FROM approvals WHERE team_id = ? AND id = ?', ['t', 'a']],
  [
    'open: same receipt opened before?',
    'SELECT body, receipt_canonical FROM approvals WHERE team_id = ? AND receipt_id = ?',
    ['t', 'r'],
  ],
  [
    'list the pending queue',
    "SELECT body FROM approvals WHERE team_id = ? AND status = 'pending' ORDER BY seq LIMIT ?",
    ['t', 100],
  ],
  [
    'the next page of the pending queue',
    `SELECT body FROM approvals WHERE team_id = ? AND status = 'pending'
       AND seq > (SELECT seq FROM approvals WHERE team_id = ? AND id = ?) ORDER BY seq LIMIT ?`,
    ['t', 't', 'a', 100],
  ],
  [
    'changes since a cursor',
    'SELECT body, change_seq FROM approvals WHERE team_id = ? AND change_seq > ? ORDER BY change_seq LIMIT ?',
    ['t', 5, 101],
  ],
  [
    'expiry probe before a list',
    "SELECT 1 FROM approvals WHERE team_id = ? AND status = 'pending' AND expires_ms <= ? LIMIT 1",
    ['t', 1],
  ],
  ['expiry sweep', "SELECT 1 FROM approvals WHERE status = 'pending' AND expires_ms <= ? LIMIT 1", [1]],
  ['stamp a change', 'UPDATE approvals SET change_seq = ? WHERE team_id = ? AND id = ?', [1, 't', 'a']],
  ['push a receipt', 'SELECT canonical FROM receipts WHERE team_id = ? AND receipt_id = ?', ['t', 'r']],
  ['approver of a decision', 'SELECT record FROM approvers WHERE team_id = ? AND key_id = ?', ['t', 'k']],
  ['API key', 'SELECT * FROM api_keys WHERE key_id = ?', ['k']],
];

test('every per-request query uses an index: no full scan, no temporary sort', async () => {
  const store = new SqliteCloudStore({ path: join(dir, 'plans.db') });
  try {
    for (const [what, sql, params] of QUERIES) {
      const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      const details = plan.map((p) => p.detail);
      assert.ok(
        details.some((d) => /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|USING PRIMARY KEY/.test(d)),
        `${what}: ${details.join(' | ')}`,
      );
      assert.ok(!details.some((d) => /^SCAN /.test(d)), `${what} scans a table: ${details.join(' | ')}`);
      assert.ok(
        !details.some((d) => /TEMP B-TREE/.test(d)),
        `${what} sorts in a temporary tree: ${details.join(' | ')}`,
      );
    }
  } finally {
    await store.close();
  }
});
