/**
 * The store contract (src/cloud/store.ts), one suite run against both backends: SQLite and
 * PostgreSQL. Concurrency cases race the writes for real (many at once, and on PostgreSQL
 * through two store instances on one database, as two `heso-cloud` processes would).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createTeam } from '../../src/cloud/admin.ts';
import { MIGRATIONS } from '../../src/cloud/migrations.ts';
import type { CloudStore, DecisionWrite, ReceiptWrite } from '../../src/cloud/store.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import type { ApproverRecord } from '../../src/core/schemas.ts';
import { storeBackends } from '../support/stores.ts';
import { cosign, makeApprover, makeReceipt, pendingApproval } from './helpers.ts';

const KEY = 'key_opener';
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const nowIso = () => new Date().toISOString();

function receiptWrite(teamId: string, receipt = makeReceipt(teamId)): ReceiptWrite {
  return { receiptId: receipt.statement.receiptId, canonical: canonicalize(receipt), mayReplace: () => false };
}

function approverRecord(name = 'Alice'): ApproverRecord {
  const approver = makeApprover();
  return {
    keyId: approver.keyId,
    publicKey: approver.publicKey,
    fingerprint: 'AAAA BBBB',
    name,
    status: 'pending',
    createdAt: nowIso(),
    activatedAt: null,
    revokedAt: null,
    rotation: null,
  };
}

async function openOn(store: CloudStore, teamId: string, ttlMs = 600_000) {
  const approval = pendingApproval(teamId, makeReceipt(teamId), ttlMs);
  const outcome = await store.openApproval(teamId, approval, canonicalize(approval.receipt), KEY);
  assert.equal(outcome.kind, 'created');
  return approval;
}

/** A decision by a new approver (one person each): without a quorum, the first one closes the approval. */
function decision(approval: ReturnType<typeof pendingApproval>): DecisionWrite {
  const approver = makeApprover();
  return {
    cosignature: cosign(approval, approver),
    decidedAt: nowIso(),
    personId: approver.keyId,
    approverName: 'Alice',
    groups: [],
  };
}

for (const backend of storeBackends()) {
  describe(`store contract: ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test('migrates a new database to the last step once, and keeps data across reopen', async () => {
      const { store, reopen } = await backend.open();
      const team = await createTeam(store, 'Keep me');
      const again = await reopen();
      assert.deepEqual(await again.getTeam(team.id), team);
      assert.deepEqual(await again.listTeams(), [team]);
      const version = (s: CloudStore) =>
        (s as unknown as { schemaVersion(): number | Promise<number> }).schemaVersion();
      assert.equal(await version(again), MIGRATIONS.length);
      await again.ping();
    });

    test('API keys: stored by hash, listed per team, the first revocation time kept', async () => {
      const { store } = await backend.open();
      const a = await createTeam(store, 'A');
      const b = await createTeam(store, 'B');
      const key = {
        keyId: 'aaaaaaaaaaaa',
        teamId: a.id,
        secretHash: Buffer.alloc(32, 7),
        role: 'operator' as const,
        createdAt: nowIso(),
        revokedAt: null,
      };
      await store.createApiKey(key);
      await assert.rejects(store.createApiKey({ ...key, teamId: b.id }), 'a key id is unique across teams');
      assert.deepEqual(await store.getApiKey(key.keyId), key);
      assert.deepEqual(await store.listApiKeys(b.id), []);
      const first = await store.revokeApiKey(key.keyId, '2026-01-01T00:00:00.000Z');
      const second = await store.revokeApiKey(key.keyId, '2027-01-01T00:00:00.000Z');
      assert.equal(first?.revokedAt, '2026-01-01T00:00:00.000Z');
      assert.equal(second?.revokedAt, '2026-01-01T00:00:00.000Z');
      assert.equal(await store.revokeApiKey('bbbbbbbbbbbb', nowIso()), null);
    });

    test('team isolation: another team never sees an approval, receipt, approver or policy', async () => {
      const { store } = await backend.open();
      const a = await createTeam(store, 'A');
      const b = await createTeam(store, 'B');
      const approval = await openOn(store, a.id);
      const receipt = receiptWrite(a.id);
      await store.putReceipts(a.id, [receipt], nowIso());
      const approver = approverRecord();
      await store.enrolApprover(a.id, approver, KEY);
      await store.setPolicy(a.id, { version: 'p1', defaultVerdict: 'allow', rules: [] }, nowIso());
      assert.equal(await store.getApproval(b.id, approval.id, nowIso()), null);
      assert.deepEqual((await store.listPending(b.id, 10, nowIso())).approvals, []);
      assert.deepEqual((await store.listChanges(b.id, 0, 10, nowIso())).approvals, []);
      assert.equal(await store.getReceipt(b.id, receipt.receiptId), null);
      assert.deepEqual(await store.listReceipts(b.id, { limit: 10 }), []);
      assert.equal(await store.getApprover(b.id, approver.keyId), null);
      assert.equal(await store.getPolicy(b.id), null);
      assert.equal((await store.decideApproval(b.id, approval.id, decision(approval), nowIso())).kind, 'not_found');
      assert.equal((await store.getApproval(a.id, approval.id, nowIso()))?.status, 'pending');
      assert.equal(await store.getApproval(a.id, approval.id, nowIso(), 'key_other'), null, 'operators see their own');
    });

    test('enrolment: one record per key even when enrolled many times at once; revoked stays revoked', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Enrol');
      const record = approverRecord();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).enrolApprover(team.id, record, KEY)),
      );
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal((await store.listApprovers(team.id)).length, 1);
      assert.equal(await store.approverEnrolledBy(team.id, record.keyId), KEY);
      const second = approverRecord('Bob');
      await store.enrolApprover(team.id, second, KEY);
      assert.deepEqual(
        (await store.listApprovers(team.id)).map((r) => r.name),
        ['Alice', 'Bob'],
        'listed in enrolment order',
      );
      assert.equal((await store.setApproverStatus(team.id, record.keyId, 'active', nowIso()))?.status, 'active');
      assert.equal((await store.setApproverStatus(team.id, record.keyId, 'revoked', nowIso()))?.status, 'revoked');
      assert.equal((await store.setApproverStatus(team.id, record.keyId, 'active', nowIso()))?.status, 'revoked');
      assert.equal(await store.setApproverStatus(team.id, 'nokey', 'active', nowIso()), null);
    });

    test('receipts are idempotent by id, also when the same id arrives many times at once', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Receipts');
      const item = receiptWrite(team.id);
      const outcomes = (
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).putReceipts(team.id, [item], nowIso())),
        )
      ).flat();
      assert.equal(outcomes.filter((o) => o === 'accepted').length, 1);
      assert.equal(outcomes.filter((o) => o === 'duplicate').length, 9);
      const different = { ...item, canonical: `${item.canonical} ` };
      assert.deepEqual(await store.putReceipts(team.id, [different], nowIso()), ['conflict']);
      assert.equal(await store.getReceipt(team.id, item.receiptId), item.canonical);
      const replacing = { ...different, mayReplace: (existing: string) => existing === item.canonical };
      assert.deepEqual(await store.putReceipts(team.id, [replacing], nowIso()), ['accepted']);
      assert.equal(await store.getReceipt(team.id, item.receiptId), different.canonical);
      assert.equal(await store.countReceipts(team.id), 1);
    });

    test('receipts list in issuedAt order with filters and a cursor', async () => {
      const { store } = await backend.open();
      const team = await createTeam(store, 'List');
      const receipts = [makeReceipt(team.id), makeReceipt(team.id, { verdict: 'allow' }), makeReceipt(team.id)];
      await store.putReceipts(
        team.id,
        receipts.map((r) => receiptWrite(team.id, r)),
        nowIso(),
      );
      const all = await store.listReceipts(team.id, { limit: 10 });
      assert.equal(all.length, 3);
      const order = [...all].sort((x, y) => x.issuedMs - y.issuedMs || (x.receiptId < y.receiptId ? -1 : 1));
      assert.deepEqual(all, order);
      for (const r of all) assert.equal(r.issuedMs, Date.parse(JSON.parse(r.canonical).statement.issuedAt));
      const allowed = await store.listReceipts(team.id, { verdict: 'allow', limit: 10 });
      assert.deepEqual(
        allowed.map((r) => r.receiptId),
        [receipts[1]!.statement.receiptId],
      );
      const first = all[0]!;
      const rest = await store.listReceipts(team.id, { after: first, limit: 10 });
      assert.deepEqual(rest, all.slice(1));
      assert.equal((await store.listReceipts(team.id, { tool: 'payments.refund', limit: 1 })).length, 1);
      assert.deepEqual(await store.getReceiptRecord(team.id, first.receiptId), first);
    });

    test('a receipt whose text holds an escaped NUL is stored and listed like any other', async () => {
      // JCS writes U+0000 as the six characters \u0000; PostgreSQL's jsonb refuses that escape.
      const { store } = await backend.open();
      const team = await createTeam(store, 'Nul');
      const receipt = makeReceipt(team.id);
      const item = receiptWrite(team.id, receipt);
      const tricky = { ...item, canonical: item.canonical.replace('"currency":"EUR"', '"currency":"E\\u0000R"') };
      assert.notEqual(tricky.canonical, item.canonical);
      assert.deepEqual(await store.putReceipts(team.id, [tricky], nowIso()), ['accepted']);
      const listed = await store.listReceipts(team.id, { tool: 'payments.refund', sinceMs: 0, limit: 10 });
      assert.deepEqual(
        listed.map((r) => r.canonical),
        [tricky.canonical],
      );
    });

    test('an approval opens once per receipt id: existing when identical, conflict when not', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Open');
      const receipt = makeReceipt(team.id);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).openApproval(team.id, pendingApproval(team.id, receipt), canonicalize(receipt), KEY),
        ),
      );
      assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['created', ...Array(7).fill('existing')]);
      const conflict = await store.openApproval(team.id, pendingApproval(team.id, receipt), 'other text', KEY);
      assert.equal(conflict.kind, 'conflict');
      assert.equal((await store.listPending(team.id, 10, nowIso())).approvals.length, 1);
    });

    test('one decision wins when many arrive at once (through two instances where there can be two)', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Race');
      for (let round = 0; round < 5; round++) {
        const approval = await openOn(store, team.id);
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : store).decideApproval(team.id, approval.id, decision(approval), nowIso()),
          ),
        );
        const won = outcomes.filter((o) => o.kind === 'decided');
        assert.equal(won.length, 1, `round ${round}: ${outcomes.map((o) => o.kind)}`);
        assert.equal(outcomes.filter((o) => o.kind === 'already_decided').length, 9);
        const stored = await store.getApproval(team.id, approval.id, nowIso());
        assert.deepEqual(stored, won[0]!.kind === 'decided' ? won[0]!.approval : null, 'the winner is what is stored');
      }
    });

    test('expiry: a due approval reads, lists and decides as expired, once, and the sweep names its team', async () => {
      const { store } = await backend.open();
      const team = await createTeam(store, 'Expiry');
      const due = await openOn(store, team.id, 1000);
      const sweptLater = await openOn(store, team.id, 1000);
      const fresh = await openOn(store, team.id);
      const soon = later(5000);
      assert.equal((await store.getApproval(team.id, due.id, soon))?.status, 'expired');
      assert.equal((await store.decideApproval(team.id, due.id, decision(due), soon)).kind, 'expired');
      assert.deepEqual(await store.expireDue(soon), [team.id]);
      assert.deepEqual(await store.expireDue(soon), [], 'nothing left to expire');
      assert.equal((await store.getApproval(team.id, sweptLater.id, soon))?.status, 'expired');
      const pending = await store.listPending(team.id, 10, soon);
      assert.deepEqual(
        pending.approvals.map((a) => a.id),
        [fresh.id],
      );
      const settled = await store.listSettled(team.id, KEY, 0, 10, soon);
      assert.deepEqual(settled.approvals.map((a) => a.id).sort(), [due.id, sweptLater.id].sort());
    });

    test('expiry sweeps on two instances at once expire each approval once, racing a decision', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Sweeps');
      const due = [await openOn(store, team.id, 1000), await openOn(store, team.id, 1000)];
      const before = await store.getChangeSeq(team.id);
      const soon = later(5000);
      const [sweptHere, sweptThere, decided] = await Promise.all([
        store.expireDue(soon),
        other.expireDue(soon),
        other.decideApproval(team.id, due[0]!.id, decision(due[0]!), soon),
      ]);
      assert.equal(decided.kind, 'expired', 'no decision after the expiry');
      assert.ok([...sweptHere, ...sweptThere].includes(team.id), 'a sweep names the team');
      const changes = await store.listChanges(team.id, before, 10, soon);
      assert.deepEqual(changes.approvals.map((a) => a.status).sort(), ['expired', 'expired']);
      assert.equal(changes.changeSeq, before + 2, 'each approval expired exactly once');
    });

    test('the changes feed: each change once, oldest first, pages, and a reset for a cursor from elsewhere', async () => {
      const { store } = await backend.open();
      const team = await createTeam(store, 'Feed');
      const start = await store.getChangeSeq(team.id);
      const a = await openOn(store, team.id);
      const b = await openOn(store, team.id);
      await store.decideApproval(team.id, a.id, decision(a), nowIso());
      const page = await store.listChanges(team.id, start, 10, nowIso());
      assert.deepEqual(
        page.approvals.map((x) => [x.id, x.status]),
        [
          [b.id, 'pending'],
          [a.id, 'approved'],
        ],
      );
      assert.equal(page.changeSeq, start + 3);
      assert.equal(page.more, false);
      const first = await store.listChanges(team.id, start, 1, nowIso());
      assert.equal(first.more, true);
      const next = await store.listChanges(team.id, first.changeSeq, 1, nowIso());
      assert.deepEqual(
        next.approvals.map((x) => x.id),
        [a.id],
      );
      assert.equal((await store.listChanges(team.id, page.changeSeq + 5, 10, nowIso())).reset, true);
      const listed = await store.listPending(team.id, 10, nowIso());
      assert.equal(listed.changeSeq, page.changeSeq);
    });

    test('a queue change is announced after its commit, to every instance on the database', async () => {
      const { store, reopen } = await backend.open();
      const other = await reopen();
      const team = await createTeam(store, 'Announce');
      const heard = (s: CloudStore) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no announcement within 5 s')), 5000);
          const off = s.onQueueChange((teamId) => {
            off();
            clearTimeout(timer);
            resolve(teamId);
          });
        });
      const onOther = heard(other);
      const onSelf = heard(store);
      const approval = await openOn(store, team.id);
      assert.equal(await onSelf, team.id);
      // SQLite announces in-process only (one server per file); PostgreSQL through NOTIFY.
      if (backend.name === 'postgres') assert.equal(await onOther, team.id);
      const decided = heard(backend.name === 'postgres' ? store : other);
      await other.decideApproval(team.id, approval.id, decision(approval), nowIso());
      assert.equal(await decided, team.id);
    });
  });
}
