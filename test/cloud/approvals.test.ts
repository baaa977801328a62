import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, ControlPlaneError } from '../../src/client/index.ts';
import { routes } from '../../src/core/api.ts';
import { verifyReceipt } from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type Approver, cosign, dbSnapshot, makeApprover, makeReceipt, manualClock, raw } from './helpers.ts';

async function rejects(promise: Promise<unknown>, kind: string, status: number): Promise<ControlPlaneError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ControlPlaneError, String(err));
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected ${kind}`);
}

describe('control plane: approvals', () => {
  const clock = manualClock();
  let cloud: CloudHandle;
  let teamId: string;
  let client: ControlPlaneClient;
  let alice: Approver;

  before(async () => {
    cloud = await startCloud({ now: clock.now });
    ({ teamId } = await setupTeam(cloud));
    client = new ControlPlaneClient({ endpoint: cloud.url, apiKey: await cloud.admin.createApiKey(teamId) });
    alice = makeApprover();
    await client.enrolApprover(teamId, { publicKey: alice.publicKey, name: 'Alice' });
    await cloud.admin.activateApprover(teamId, alice.keyId);
  });
  after(() => cloud.stop());

  test('open → pending with a fresh 32-byte challenge; reopening the same receipt returns the same approval', async () => {
    const receipt = makeReceipt(teamId);
    const first = await raw(cloud, 'POST', routes.approvals(teamId), {
      apiKey: (await setupKey()).apiKey,
      body: { receipt, expiresInSeconds: 60 },
    });
    assert.equal(first.status, 201);
    assert.equal(first.json.status, 'pending');
    assert.equal(Buffer.from(first.json.challenge, 'base64url').length, 32);
    assert.equal(Date.parse(first.json.expiresAt) - Date.parse(first.json.createdAt), 60_000);
    const again = await client.openApproval(teamId, { receipt });
    assert.equal(again.id, first.json.id);
    assert.equal(again.challenge, first.json.challenge);
    const other = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    assert.notEqual(other.challenge, first.json.challenge);
  });

  async function setupKey() {
    return { apiKey: await cloud.admin.createApiKey(teamId) };
  }

  test('the same receipt id with different content is a 409 conflict and opens nothing', async () => {
    const receipt = makeReceipt(teamId, { receiptId: 'rcpt_conflict_1' });
    await client.openApproval(teamId, { receipt });
    const before = dbSnapshot(cloud.dbPath);
    const err = await rejects(
      client.openApproval(teamId, { receipt: makeReceipt(teamId, { receiptId: 'rcpt_conflict_1' }) }),
      'conflict',
      409,
    );
    assert.equal(err.code, 'conflict');
    assert.equal(dbSnapshot(cloud.dbPath), before);
  });

  test('only suspended, operator-signed receipts of this team can be opened', async () => {
    const before = dbSnapshot(cloud.dbPath);
    await rejects(
      client.openApproval(teamId, { receipt: makeReceipt(teamId, { verdict: 'allow' }) }),
      'bad_request',
      400,
    );
    const forged = makeReceipt(teamId);
    forged.statement.action.params = { amount: 1 };
    const e1 = await rejects(client.openApproval(teamId, { receipt: forged }), 'bad_signature', 422);
    assert.match(e1.message, /signature|actionHash/);
    const otherTeam = makeReceipt('team_elsewhere');
    await rejects(client.openApproval(teamId, { receipt: otherTeam }), 'bad_signature', 422);
    assert.equal(dbSnapshot(cloud.dbPath), before);
  });

  test('a valid decision by an active approver is accepted once, and the result verifies offline', async () => {
    const receipt = makeReceipt(teamId);
    const approval = await client.openApproval(teamId, { receipt });
    const decided = await client.decide(teamId, approval.id, cosign(approval, alice));
    assert.equal(decided.status, 'approved');
    assert.ok(decided.cosignature && decided.decidedAt);
    const again = await client.getApproval(teamId, approval.id);
    assert.equal(again.status, 'approved');
    const verified = verifyReceipt(
      { ...receipt, cosignature: decided.cosignature! },
      { approverKeys: [alice.publicKey] },
    );
    assert.equal(verified.ok, true, JSON.stringify(verified.reasons));
    // A second decision, even a valid one with the other outcome, is refused and changes nothing.
    const before = dbSnapshot(cloud.dbPath);
    const err = await rejects(
      client.decide(teamId, approval.id, cosign(approval, alice, 'deny', 'no')),
      'already_decided',
      409,
    );
    assert.equal(err.code, 'already_decided');
    assert.equal(dbSnapshot(cloud.dbPath), before);
    // Deny works too, and leaves the approval denied.
    const second = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    assert.equal((await client.decide(teamId, second.id, cosign(second, alice, 'deny', 'too big'))).status, 'denied');
  });

  test('pending, revoked and unknown approver keys are refused with 403 and leave the approval pending', async () => {
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const pendingKey = makeApprover();
    await client.enrolApprover(teamId, { publicKey: pendingKey.publicKey, name: 'Pat' });
    const revokedKey = makeApprover();
    await client.enrolApprover(teamId, { publicKey: revokedKey.publicKey, name: 'Rev' });
    await cloud.admin.activateApprover(teamId, revokedKey.keyId);
    await client.revokeApprover(teamId, revokedKey.keyId);
    const stranger = makeApprover();
    const before = dbSnapshot(cloud.dbPath);
    const pending = await rejects(client.decide(teamId, approval.id, cosign(approval, pendingKey)), 'forbidden', 403);
    assert.match(pending.message, /pending.*activate/);
    const revoked = await rejects(client.decide(teamId, approval.id, cosign(approval, revokedKey)), 'forbidden', 403);
    assert.match(revoked.message, /revoked/);
    const unknown = await rejects(client.decide(teamId, approval.id, cosign(approval, stranger)), 'forbidden', 403);
    assert.match(unknown.message, /not enrolled/);
    assert.equal(dbSnapshot(cloud.dbPath), before);
    assert.equal((await client.getApproval(teamId, approval.id)).status, 'pending');
  });

  test('bad signatures and wrong bindings are 422 and leave the approval pending', async () => {
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const other = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const good = cosign(approval, alice);
    const apiKey = await key();
    const before = dbSnapshot(cloud.dbPath);
    const cases: [string, unknown, RegExp][] = [
      ['replayed from another approval', cosign(other, alice), /approval|receipt|action/],
      ['wrong challenge', cosign({ ...approval, challenge: other.challenge }, alice), /challenge/],
      ['wrong team', { ...good, statement: { ...good.statement, teamId: 'team_other' } }, /team|signature/],
      ['wrong expiry', cosign({ ...approval, expiresAt: other.expiresAt.replace(/\.\d+Z$/, '.999Z') }, alice), /expir/],
      ['tampered reason', { ...good, statement: { ...good.statement, reason: 'edited' } }, /signature/],
      ['signature from another key', { ...good, signature: cosign(approval, makeApprover()).signature }, /signature/],
    ];
    for (const [name, body, message] of cases) {
      const res = await raw(cloud, 'POST', routes.decision(teamId, approval.id), { apiKey, body });
      assert.equal(res.status, 422, `${name}: ${res.text}`);
      assert.equal(res.json.error.code, 'bad_signature', name);
      assert.match(res.json.error.message, message, name);
    }
    assert.equal(dbSnapshot(cloud.dbPath), before);
    assert.equal((await client.decide(teamId, approval.id, good)).status, 'approved');
  });

  let cachedKey: string | undefined;
  async function key(): Promise<string> {
    cachedKey ??= await cloud.admin.createApiKey(teamId);
    return cachedKey;
  }

  test('after expiry a decision gets 410 and the approval is marked expired, never denied', async () => {
    // The server's clock is frozen at the start of this file; catch it up with real time first,
    // so the co-signature below is made before the approval's expiry however slow the machine.
    clock.advance(Math.max(0, Date.now() - clock.now().getTime()));
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId), expiresInSeconds: 10 });
    const late = cosign(approval, alice); // signed in time, delivered late
    clock.advance(11_000);
    const err = await rejects(client.decide(teamId, approval.id, late), 'expired', 410);
    assert.equal(err.code, 'expired');
    const after = await client.getApproval(teamId, approval.id);
    assert.equal(after.status, 'expired');
    assert.equal(after.cosignature, null);
    assert.ok(!(await client.listPending(teamId)).approvals.some((a) => a.id === approval.id));
  });

  test('two approvers deciding the same approval at once: exactly one wins', async () => {
    const bob = makeApprover();
    await client.enrolApprover(teamId, { publicKey: bob.publicKey, name: 'Bob' });
    await cloud.admin.activateApprover(teamId, bob.keyId);
    for (let round = 0; round < 5; round++) {
      const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
      const bodies = [
        cosign(approval, alice, 'approve'),
        cosign(approval, bob, 'deny', 'no'),
        cosign(approval, alice, 'deny', 'x'),
      ];
      const results = await Promise.allSettled(bodies.map((b) => client.decide(teamId, approval.id, b)));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}`);
      for (const r of lost) assert.equal((r.reason as ControlPlaneError).kind, 'already_decided');
      const final = await client.getApproval(teamId, approval.id);
      const winner = (won[0] as PromiseFulfilledResult<typeof final>).value;
      assert.deepEqual(final.cosignature, winner.cosignature);
      assert.equal(final.status, winner.status);
    }
  });

  test('a waiting poll returns as soon as the approval is decided', async () => {
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    let settled = false;
    const waiting = client.getApproval(teamId, approval.id, { waitSeconds: 30 }).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'the poll is held while pending');
    await client.decide(teamId, approval.id, cosign(approval, alice));
    const result = await waiting;
    assert.equal(result.status, 'approved');
  });

  test('a waiting pending-list request returns when an approval is opened, with a new cursor', async () => {
    const first = await client.listPending(teamId);
    let settled = false;
    const waiting = client.listPending(teamId, { cursor: first.cursor, waitSeconds: 30 }).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'the list is held while the queue is unchanged');
    const opened = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const result = await waiting;
    assert.notEqual(result.cursor, first.cursor);
    assert.ok(result.approvals.some((a) => a.id === opened.id));
    // With an outdated cursor the answer is immediate.
    const immediate = await client.listPending(teamId, { cursor: first.cursor, waitSeconds: 30 });
    assert.ok(immediate.approvals.some((a) => a.id === opened.id));
    // Ordering: oldest first.
    const created = immediate.approvals.map((a) => a.createdAt);
    assert.deepEqual(created, [...created].sort());
  });

  test('a waiting list returns when a pending approval expires (the queue changed)', async () => {
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId), expiresInSeconds: 10 });
    const { cursor } = await client.listPending(teamId);
    const waiting = client.listPending(teamId, { cursor, waitSeconds: 30 });
    clock.advance(11_000); // the server's sweeper notices within a second
    const result = await waiting;
    assert.ok(!result.approvals.some((a) => a.id === approval.id));
    assert.equal((await client.getApproval(teamId, approval.id)).status, 'expired');
  });

  test('a waiting request is released when the client aborts it', async () => {
    const { cursor } = await client.listPending(teamId);
    const controller = new AbortController();
    const waiting = client.listPending(teamId, { cursor, waitSeconds: 30, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await rejects(waiting, 'network', undefined as unknown as number).catch((e) => e);
    assert.ok(err instanceof ControlPlaneError && err.aborted);
  });
});
