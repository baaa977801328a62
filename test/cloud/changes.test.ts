import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { routes } from '../../src/core/api.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type Approver, cosign, makeApprover, makeReceipt, manualClock, raw } from './helpers.ts';

describe('control plane: the approvers’ changes feed', () => {
  const clock = manualClock();
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;
  let client: ControlPlaneClient;
  let alice: Approver;

  before(async () => {
    cloud = await startCloud({ now: clock.now });
    ({ teamId, apiKey } = await setupTeam(cloud));
    client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
    alice = makeApprover();
    await client.enrolApprover(teamId, { publicKey: alice.publicKey, name: 'Alice' });
    await cloud.admin.activateApprover(teamId, alice.keyId);
  });
  after(() => cloud.stop());

  test('each approval that changed after the cursor comes once, in its current state; unchanged ones never', async () => {
    const untouched = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const { cursor } = await client.listPending(teamId);
    const opened = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const decided = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    await client.decide(teamId, decided.id, cosign(decided, alice));

    const page = await client.approvalChanges(teamId, { since: cursor });
    assert.deepEqual(
      page.changes.map((a) => [a.id, a.status]),
      [
        [opened.id, 'pending'],
        [decided.id, 'approved'],
      ],
    );
    assert.ok(!page.changes.some((a) => a.id === untouched.id), 'an unchanged approval is not sent again');
    assert.equal(page.more, false);
    assert.equal(page.reset, false);
    assert.deepEqual(page.changes[0], await client.getApproval(teamId, opened.id));

    const quiet = await client.approvalChanges(teamId, { since: page.cursor });
    assert.deepEqual(quiet, { changes: [], cursor: page.cursor, more: false, reset: false });
  });

  test('the pending list comes in pages: after=ID answers what follows that approval, oldest first', async () => {
    const other = await setupTeam(cloud, 'Paged');
    const paged = new ControlPlaneClient({ endpoint: cloud.url, apiKey: other.apiKey });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await paged.openApproval(other.teamId, { receipt: makeReceipt(other.teamId) })).id);
    const first = await paged.listPending(other.teamId, { limit: 2 });
    const second = await paged.listPending(other.teamId, { limit: 2, after: ids[1] });
    const last = await paged.listPending(other.teamId, { limit: 2, after: ids[3] });
    assert.deepEqual(
      [first, second, last].map((p) => p.approvals.map((a) => a.id)),
      [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)],
    );
    assert.equal(second.cursor, first.cursor, 'every page carries the change counter');
    // An approval id this team does not have is no place in its queue: an empty page.
    assert.deepEqual((await paged.listPending(other.teamId, { after: ids[0]!.replace(/.$/, 'x') })).approvals, []);
    const bad = await raw(
      cloud,
      'GET',
      `${routes.approvals(other.teamId)}?status=pending&after=${encodeURIComponent('a b')}`,
      {
        apiKey: other.apiKey,
      },
    );
    assert.equal(bad.status, 400);
  });

  test('a long limit-sized backlog comes in pages (more: true) that together miss nothing', async () => {
    const { cursor } = await client.listPending(teamId);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await client.openApproval(teamId, { receipt: makeReceipt(teamId) })).id);
    const seen: string[] = [];
    let since = cursor;
    for (;;) {
      const page = await client.approvalChanges(teamId, { since, limit: 2 });
      seen.push(...page.changes.map((a) => a.id));
      since = page.cursor;
      if (!page.more) break;
      assert.equal(page.changes.length, 2);
    }
    assert.deepEqual(seen, ids);
    assert.equal(since, (await client.listPending(teamId)).cursor);
  });

  test('a waiting request is answered when the queue changes, with that change only', async () => {
    const { cursor } = await client.listPending(teamId);
    const waiting = client.approvalChanges(teamId, { since: cursor, waitSeconds: 10 });
    await new Promise((r) => setTimeout(r, 100));
    const opened = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const page = await waiting;
    assert.deepEqual(
      page.changes.map((a) => a.id),
      [opened.id],
    );
  });

  test('an approval past its expiry shows up as expired', async () => {
    const opened = await client.openApproval(teamId, { receipt: makeReceipt(teamId), expiresInSeconds: 30 });
    const { cursor } = await client.listPending(teamId);
    clock.advance(31_000);
    const page = await client.approvalChanges(teamId, { since: cursor });
    assert.ok(page.changes.some((a) => a.id === opened.id && a.status === 'expired'));
  });

  test('a cursor this queue never issued (ahead of it) asks the approver to list again', async () => {
    const { cursor } = await client.listPending(teamId);
    const page = await client.approvalChanges(teamId, { since: String(Number(cursor) + 1000) });
    assert.deepEqual(page, { changes: [], cursor, more: false, reset: true });
  });

  test('another team sees none of these changes, and its key cannot read this feed', async () => {
    const other = await setupTeam(cloud, 'Other team');
    const otherClient = new ControlPlaneClient({ endpoint: cloud.url, apiKey: other.apiKey });
    await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const page = await otherClient.approvalChanges(other.teamId, { since: '0' });
    assert.deepEqual(page.changes, []);
    const res = await raw(cloud, 'GET', `${routes.approvalChanges(teamId)}?since=0`, { apiKey: other.apiKey });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'not_found');
  });

  test('a missing or malformed cursor is a 400 that says what to send', async () => {
    for (const query of ['', '?since=abc', '?since=-1', '?since=1&limit=0', '?since=1&wait=99']) {
      const res = await raw(cloud, 'GET', `${routes.approvalChanges(teamId)}${query}`, { apiKey });
      assert.equal(res.status, 400, query);
      assert.equal(res.json.error.code, 'bad_request');
    }
  });
});
