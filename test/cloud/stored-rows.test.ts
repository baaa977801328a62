/**
 * Values read back from the database are checked against their schemas (src/cloud/store-rows.ts),
 * on both backends: a row damaged on disk (or written by another program) fails the read with a
 * StoredDataError naming the record and the field, never a stray TypeError, never a wrong
 * answer; and a server over such a database answers that request 500 and keeps serving.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTeam } from '../../src/cloud/admin.ts';
import { type CloudStore, StoredDataError } from '../../src/cloud/store.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import { setupTeam, startCloud } from '../support/cloud.ts';
import { databaseBackends, storeBackends } from '../support/stores.ts';
import { cosign, makeApprover, makeReceipt, pendingApproval, raw } from './helpers.ts';

const nowIso = () => new Date().toISOString();

/** Runs one statement on the database behind the store, as another program (or a bad disk) would. */
async function tamper(location: string, sql: string): Promise<void> {
  if (location.startsWith('postgres://')) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(location);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** Rejects with a StoredDataError whose message matches every pattern. */
async function damaged(read: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(read, (err: unknown) => {
    assert.ok(err instanceof StoredDataError, `expected StoredDataError, got ${String(err)}`);
    for (const pattern of patterns) assert.match(err.message, pattern);
    assert.match(err.message, /restore the row from a backup/);
    return true;
  });
}

async function openApproval(store: CloudStore, teamId: string) {
  const approval = pendingApproval(teamId, makeReceipt(teamId));
  const outcome = await store.openApproval(teamId, approval, canonicalize(approval.receipt), 'key_opener');
  assert.equal(outcome.kind, 'created');
  return approval;
}

for (const backend of storeBackends()) {
  describe(`rows read back are checked: ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test('an approval body that is not JSON, or not an approval, fails every read of it', async () => {
      const { store, location } = await backend.open();
      const team = await createTeam(store, 'Damaged');
      const broken = await openApproval(store, team.id);
      const reshaped = await openApproval(store, team.id);
      await tamper(location, `UPDATE approvals SET body = '{"id": "trunc' WHERE id = '${broken.id}'`);
      await damaged(store.getApproval(team.id, broken.id, nowIso()), /approval: is not valid JSON/);
      await damaged(store.listPending(team.id, 10, nowIso()), /approval/);
      await damaged(store.listChanges(team.id, 0, 10, nowIso()), /approval/);
      // Valid JSON with a field of the wrong kind: named by its path, not answered as if it were fine.
      const body = JSON.stringify({ ...reshaped, challenge: 42 });
      await tamper(location, `UPDATE approvals SET body = '${body}' WHERE id = '${reshaped.id}'`);
      await damaged(store.getApproval(team.id, reshaped.id, nowIso()), /approval\.challenge/);
      const outcome = store.decideApproval(
        team.id,
        reshaped.id,
        {
          cosignature: cosign(reshaped, makeApprover()),
          decidedAt: nowIso(),
          personId: 'p',
          approverName: 'A',
          groups: [],
        },
        nowIso(),
      );
      await damaged(outcome, /approval\.challenge/);
    });

    test('an approver record, a policy document and a co-signature are checked too', async () => {
      const { store, location } = await backend.open();
      const team = await createTeam(store, 'Damaged');
      const approver = makeApprover();
      const record = {
        keyId: approver.keyId,
        publicKey: approver.publicKey,
        fingerprint: 'AAAA',
        name: 'Alice',
        status: 'pending' as const,
        createdAt: nowIso(),
        activatedAt: null,
        revokedAt: null,
        rotation: null,
      };
      await store.enrolApprover(team.id, record, 'key_opener');
      await tamper(location, `UPDATE approvers SET record = '${JSON.stringify({ ...record, status: 'boss' })}'`);
      await damaged(store.getApprover(team.id, record.keyId), /approver\.status/);
      await damaged(store.listApprovers(team.id), /approver\.status/);

      await store.setPolicy(team.id, { version: 'p1', defaultVerdict: 'allow', rules: [] }, nowIso());
      await tamper(
        location,
        `UPDATE policies SET document = '{"version": "p1", "defaultVerdict": "maybe", "rules": []}'`,
      );
      await damaged(store.getPolicy(team.id), /policy document\.defaultVerdict/);

      const approval = await openApproval(store, team.id);
      const decision = {
        cosignature: cosign(approval, approver),
        decidedAt: nowIso(),
        personId: approver.keyId,
        approverName: 'Alice',
        groups: [],
      };
      assert.equal((await store.decideApproval(team.id, approval.id, decision, nowIso())).kind, 'decided');
      await tamper(location, `UPDATE approval_decisions SET cosignature = '{"statement": {}}'`);
      await damaged(store.listDecisions(team.id, approval.id), /cosignature/);
    });

    test('a receipt whose signed time cannot be read is refused, not listed with a null time', async () => {
      const { store, location } = await backend.open();
      const team = await createTeam(store, 'Damaged');
      await store.putReceipts(
        team.id,
        [{ receiptId: 'r1', canonical: canonicalize(makeReceipt(team.id)), mayReplace: () => false }],
        nowIso(),
      );
      // Both databases type their columns (STRICT tables, PostgreSQL types): a damaged value is one
      // of the right type. Here the stored receipt lost its statement, so its issuedAt reads as NULL.
      await tamper(location, `UPDATE receipts SET canonical = '{"statement": {}}' WHERE receipt_id = 'r1'`);
      await damaged(store.getReceiptRecord(team.id, 'r1'), /receipt\.issued_ms/);
      await damaged(store.listReceipts(team.id, { limit: 10 }), /receipt\.issued_ms/);
    });
  });
}

for (const backend of databaseBackends()) {
  describe(`a server over a damaged row: ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test('answers that request 500 naming the record, and keeps serving the rest', async () => {
      const cloud = await startCloud({ dbPath: await backend.database() });
      try {
        const { teamId, apiKey } = await setupTeam(cloud);
        const store = await (await import('../../src/cloud/open-store.ts')).openCloudStore(cloud.dbPath);
        let good: string;
        let bad: string;
        try {
          good = (await openApproval(store, teamId)).id;
          bad = (await openApproval(store, teamId)).id;
        } finally {
          await store.close();
        }
        await tamper(cloud.dbPath, `UPDATE approvals SET body = 'not json' WHERE id = '${bad}'`);
        const res = await raw(cloud, 'GET', `/v1/teams/${teamId}/approvals/${bad}`, { apiKey });
        assert.equal(res.status, 500);
        assert.equal(res.json.error.code, 'internal');
        assert.match(res.json.error.message, /damaged record: approval: is not valid JSON/);
        const fine = await raw(cloud, 'GET', `/v1/teams/${teamId}/approvals/${good}`, { apiKey });
        assert.equal(fine.status, 200);
        assert.equal(fine.json.id, good);
        assert.equal((await raw(cloud, 'GET', '/v1/health')).status, 200);
      } finally {
        await cloud.stop();
      }
    });
  });
}
