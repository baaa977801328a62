import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { routes } from '../../src/core/api.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, dbSnapshot, makeApprover, makeReceipt, raw } from './helpers.ts';

describe('control plane: API keys and team isolation', () => {
  let cloud: CloudHandle;
  let teamA: { teamId: string; apiKey: string };
  let teamB: { teamId: string; apiKey: string };
  let approvalB: string;
  let approverB: ReturnType<typeof makeApprover>;

  before(async () => {
    cloud = await startCloud();
    teamA = await setupTeam(cloud, 'Team A');
    teamB = await setupTeam(cloud, 'Team B');
    approverB = makeApprover();
    const enrolled = await raw(cloud, 'POST', routes.approvers(teamB.teamId), {
      apiKey: teamB.apiKey,
      body: { publicKey: approverB.publicKey, name: 'Bob' },
    });
    assert.equal(enrolled.status, 201);
    const opened = await raw(cloud, 'POST', routes.approvals(teamB.teamId), {
      apiKey: teamB.apiKey,
      body: { receipt: makeReceipt(teamB.teamId) },
    });
    assert.equal(opened.status, 201);
    approvalB = opened.json.id;
  });
  after(() => cloud.stop());

  /** Every team route, against team B's resources. */
  function teamBRoutes(): { method: string; path: string; body?: unknown }[] {
    const t = teamB.teamId;
    return [
      { method: 'GET', path: routes.policy(t) },
      { method: 'POST', path: routes.receipts(t), body: { receipt: makeReceipt(t, { verdict: 'allow' }) } },
      { method: 'POST', path: routes.approvals(t), body: { receipt: makeReceipt(t) } },
      { method: 'GET', path: routes.approvals(t) },
      { method: 'GET', path: `${routes.approvals(t)}?status=pending` },
      { method: 'GET', path: routes.approval(t, approvalB) },
      { method: 'POST', path: routes.decision(t, approvalB), body: { placeholder: true } },
      { method: 'POST', path: routes.approvers(t), body: { publicKey: makeApprover().publicKey, name: 'Mallory' } },
      { method: 'GET', path: routes.approvers(t) },
      { method: 'GET', path: routes.approver(t, approverB.keyId) },
      { method: 'POST', path: routes.approverRevoke(t, approverB.keyId), body: {} },
      { method: 'GET', path: routes.whoami(t) },
      { method: 'GET', path: `${routes.settled(t)}?cursor=0` },
    ];
  }

  test('every team route refuses a missing, malformed, unknown or wrong-secret key with 401 and changes nothing', async () => {
    const before = dbSnapshot(cloud.dbPath);
    const [, keyId] = /^heso_([0-9a-f]{12})_/.exec(teamB.apiKey)!;
    const badHeaders: (Record<string, string> | undefined)[] = [
      undefined,
      { authorization: '' },
      { authorization: teamB.apiKey }, // no Bearer
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer not-a-heso-key' },
      { authorization: `Bearer heso_000000000000_${'A'.repeat(43)}` }, // unknown key id
      { authorization: `Bearer heso_${keyId}_${'A'.repeat(43)}` }, // right id, wrong secret
      { authorization: `Bearer ${teamB.apiKey}x` },
    ];
    for (const route of teamBRoutes()) {
      for (const headers of badHeaders) {
        const res = await raw(cloud, route.method, route.path, { body: route.body, headers });
        assert.equal(res.status, 401, `${route.method} ${route.path} with ${JSON.stringify(headers)}`);
        assert.equal(res.json.error.code, 'unauthorized');
        assert.ok(res.json.error.message.length > 0);
        assert.ok(!res.text.includes(teamB.apiKey.slice(5)), 'the key never comes back');
      }
    }
    assert.equal(dbSnapshot(cloud.dbPath), before);
  });

  test("team A's key gets 404 and no data on every one of team B's routes, and changes nothing", async () => {
    const before = dbSnapshot(cloud.dbPath);
    for (const route of teamBRoutes()) {
      const res = await raw(cloud, route.method, route.path, { apiKey: teamA.apiKey, body: route.body });
      assert.equal(res.status, 404, `${route.method} ${route.path}`);
      assert.deepEqual(Object.keys(res.json), ['error']);
      assert.equal(res.json.error.code, 'not_found');
      assert.ok(!res.text.includes(approverB.publicKey) && !res.text.includes('Team B'));
    }
    assert.equal(dbSnapshot(cloud.dbPath), before);
  });

  test("team B's approval id on team A's own path is not found (lookups are team-scoped)", async () => {
    const t = teamA.teamId;
    const res = await raw(cloud, 'GET', routes.approval(t, approvalB), { apiKey: teamA.apiKey });
    assert.equal(res.status, 404);
    const approver = await raw(cloud, 'GET', routes.approver(t, approverB.keyId), { apiKey: teamA.apiKey });
    assert.equal(approver.status, 404);
    const list = await raw(cloud, 'GET', routes.approvals(t), { apiKey: teamA.apiKey });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.approvals, []);
    // A decision co-signed by team B's approver for team B's approval, posted on team A's path.
    const approval = (await raw(cloud, 'GET', routes.approval(teamB.teamId, approvalB), { apiKey: teamB.apiKey })).json;
    const decision = await raw(cloud, 'POST', routes.decision(t, approvalB), {
      apiKey: teamA.apiKey,
      body: cosign(approval, approverB),
    });
    assert.equal(decision.status, 404);
  });

  test('a revoked key stops working at once; other keys of the team keep working', async () => {
    const spare = await cloud.admin.createApiKey(teamA.teamId);
    const doomed = await cloud.admin.createApiKey(teamA.teamId);
    assert.equal((await raw(cloud, 'GET', routes.policy(teamA.teamId), { apiKey: doomed })).status, 200);
    await cloud.admin.revokeApiKey(doomed);
    const res = await raw(cloud, 'GET', routes.policy(teamA.teamId), { apiKey: doomed });
    assert.equal(res.status, 401);
    assert.match(res.json.error.message, /revoked/);
    assert.equal((await raw(cloud, 'GET', routes.policy(teamA.teamId), { apiKey: spare })).status, 200);
    // Revoking by key id works the same way.
    const [, spareId] = /^heso_([0-9a-f]{12})_/.exec(spare)!;
    await cloud.admin.revokeApiKey(spareId!);
    assert.equal((await raw(cloud, 'GET', routes.policy(teamA.teamId), { apiKey: spare })).status, 401);
  });

  test('API keys are stored only as hashes', async () => {
    const snapshot = dbSnapshot(cloud.dbPath);
    for (const key of [teamA.apiKey, teamB.apiKey]) {
      const secret = key.split('_').slice(2).join('_');
      assert.ok(!snapshot.includes(secret));
    }
  });
});
