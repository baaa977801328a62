import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { ROUTE_ROLES, type RouteRule } from '../../src/cloud/route-roles.ts';
import { createCloudServer } from '../../src/cloud/server.ts';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import { type ApiKeyRole, routes } from '../../src/core/api.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, makeApprover, makeReceipt, raw } from './helpers.ts';

const ROLES: ApiKeyRole[] = ['operator', 'approver', 'admin'];

/** A concrete path for a route pattern, with well-formed ids so the role check is what answers. */
function pathFor(rule: RouteRule, teamId: string): string {
  return rule.url.replace(':team', teamId).replace(':id', 'apr_0000').replace(':keyId', '0'.repeat(32));
}

const mayCall = (role: ApiKeyRole, rule: RouteRule) =>
  rule.role === 'any' || role === 'admin' || role === 'legacy' || role === rule.role;

describe('control plane: API key roles', () => {
  let cloud: CloudHandle;
  let teamId: string;
  const keys = {} as Record<ApiKeyRole, string>;

  before(async () => {
    cloud = await startCloud();
    ({ teamId } = await setupTeam(cloud));
    for (const role of ROLES)
      keys[role] = await cloud.admin.createApiKey(teamId, role as 'operator' | 'approver' | 'admin');
  });
  after(() => cloud.stop());

  test('every route in the table, with every role: the wrong role is 403 naming the role needed, the right one passes', async () => {
    for (const rule of ROUTE_ROLES)
      for (const role of ROLES) {
        const res = await raw(cloud, rule.method, pathFor(rule, teamId), {
          apiKey: keys[role],
          ...(rule.method === 'POST' ? { body: {} } : {}),
        });
        const what = `${rule.method} ${rule.url} as ${role}`;
        if (mayCall(role, rule)) {
          assert.ok(!(res.status === 403 && /needs an/.test(res.json?.error?.message)), `${what}: ${res.text}`);
          assert.notEqual(res.status, 401, what);
        } else {
          assert.equal(res.status, 403, `${what}: ${res.text}`);
          assert.equal(res.json.error.code, 'forbidden');
          assert.match(res.json.error.message, new RegExp(`needs an ${rule.role} API key .*role is ${role}`), what);
          assert.match(res.json.error.message, new RegExp(`heso-cloud key create --role ${rule.role}`), what);
        }
      }
  });

  test('the table keeps agents away from the queue, decisions and approver keys, and people away from receipts', () => {
    const role = (method: string, url: string) => ROUTE_ROLES.find((r) => r.method === method && r.url === url)?.role;
    const approverOnly = [
      ['GET', '/v1/teams/:team/approvals'],
      ['POST', '/v1/teams/:team/approvals/:id/decision'],
      ['POST', '/v1/teams/:team/approvers'],
      ['GET', '/v1/teams/:team/approvers'],
      ['POST', '/v1/teams/:team/approvers/:keyId/revoke'],
    ];
    for (const [method, url] of approverOnly) assert.equal(role(method!, url!), 'approver', `${method} ${url}`);
    const operatorOnly = [
      ['POST', '/v1/teams/:team/receipts'],
      ['POST', '/v1/teams/:team/approvals'],
      ['GET', '/v1/teams/:team/approvals/settled'],
    ];
    for (const [method, url] of operatorOnly) assert.equal(role(method!, url!), 'operator', `${method} ${url}`);
    assert.equal(role('GET', '/v1/teams/:team/approvals/changes'), 'approver', 'the changes feed is the queue');
    // The receipt archive is the team's record: every role may read it (heso receipts export with the agent's key).
    assert.equal(role('GET', '/v1/teams/:team/receipts'), 'any');
    assert.equal(role('GET', '/v1/teams/:team/receipts/:id'), 'any');
    // The app shows approvers the rule that suspended an action (its text; the match is checked on the device).
    assert.equal(role('GET', '/v1/teams/:team/policy'), 'any');
  });

  test('the table and the server agree: every table row is a route, a team route without a role cannot be registered', async () => {
    const store = new SqliteCloudStore({ path: ':memory:' });
    const app = createCloudServer({ store, logger: false });
    try {
      await app.ready();
      for (const rule of ROUTE_ROLES)
        assert.ok(app.hasRoute({ method: rule.method, url: rule.url }), `${rule.method} ${rule.url} is registered`);
    } finally {
      await app.close();
    }
    const bare = createCloudServer({ store, logger: false });
    try {
      assert.throws(
        () => bare.get('/v1/teams/:team/shiny-new-route', async () => ({})),
        /GET \/v1\/teams\/:team\/shiny-new-route has no role in src\/cloud\/route-roles\.ts/,
      );
    } finally {
      await bare.close();
      await store.close();
    }
  });

  test('OpenAPI states the role of every team route, from the same table', async () => {
    const doc = (await raw(cloud, 'GET', routes.openapi())).json;
    for (const rule of ROUTE_ROLES) {
      const op = doc.paths[rule.url.replace(/:(\w+)/g, '{$1}')]?.[rule.method.toLowerCase()];
      assert.ok(op, `${rule.method} ${rule.url} is documented`);
      assert.equal(op['x-heso-role'], rule.role, `${rule.method} ${rule.url}`);
    }
  });

  test('whoami tells each key its role', async () => {
    for (const role of ROLES) {
      const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey: keys[role] });
      const me = await client.whoami(teamId);
      assert.equal(me.role, role);
      assert.equal(me.teamId, teamId);
      assert.equal(keys[role].startsWith(`heso_${me.keyId}_`), true);
    }
  });

  test('an operator sees only the approvals it opened; the approver queue sees them all', async () => {
    const other = await cloud.admin.createApiKey(teamId, 'operator');
    const mine = await raw(cloud, 'POST', routes.approvals(teamId), {
      apiKey: keys.operator,
      body: { receipt: makeReceipt(teamId) },
    });
    assert.equal(mine.status, 201);
    assert.equal(
      (await raw(cloud, 'GET', routes.approval(teamId, mine.json.id), { apiKey: keys.operator })).status,
      200,
    );
    const theirs = await raw(cloud, 'GET', routes.approval(teamId, mine.json.id), { apiKey: other });
    assert.equal(theirs.status, 404, 'another operator key gets a 404, as for another team');
    const queue = await raw(cloud, 'GET', `${routes.approvals(teamId)}?status=pending`, { apiKey: keys.approver });
    assert.ok(queue.json.approvals.some((a: { id: string }) => a.id === mine.json.id));
    assert.equal(
      (await raw(cloud, 'GET', routes.approval(teamId, mine.json.id), { apiKey: keys.approver })).status,
      200,
    );
  });

  test('an approver key enrols keys (pending until an admin activates) and revokes only its own', async () => {
    const otherApproverKey = await cloud.admin.createApiKey(teamId, 'approver');
    const a = makeApprover();
    const b = makeApprover();
    const enrolA = await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey: keys.approver,
      body: { publicKey: a.publicKey, name: 'A' },
    });
    assert.equal(enrolA.status, 201);
    assert.equal(enrolA.json.status, 'pending');
    await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey: otherApproverKey,
      body: { publicKey: b.publicKey, name: 'B' },
    });
    const notOwn = await raw(cloud, 'POST', routes.approverRevoke(teamId, b.keyId), {
      apiKey: keys.approver,
      body: {},
    });
    assert.equal(notOwn.status, 403);
    assert.match(notOwn.json.error.message, /not enrolled with this API key.*heso-cloud approver revoke/);
    assert.equal((await cloud.admin.listApprovers(teamId)).find((r) => r.keyId === b.keyId)?.status, 'pending');
    const own = await raw(cloud, 'POST', routes.approverRevoke(teamId, a.keyId), { apiKey: keys.approver, body: {} });
    assert.equal(own.status, 200);
    assert.equal(own.json.status, 'revoked');
    const byAdmin = await raw(cloud, 'POST', routes.approverRevoke(teamId, b.keyId), { apiKey: keys.admin, body: {} });
    assert.equal(byAdmin.json.status, 'revoked', 'an admin key revokes any approver key');
  });

  test('separate keys do the whole loop: operator opens, approver decides, operator sees it settle', async () => {
    const approver = makeApprover();
    await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey: keys.approver,
      body: { publicKey: approver.publicKey, name: 'Decider' },
    });
    await cloud.admin.activateApprover(teamId, approver.keyId);
    const operator = new ControlPlaneClient({ endpoint: cloud.url, apiKey: keys.operator });
    const start = await operator.listSettled(teamId);
    assert.deepEqual(start.approvals, []);
    const opened = await operator.openApproval(teamId, { receipt: makeReceipt(teamId) });
    const waiting = operator.listSettled(teamId, { cursor: start.cursor, waitSeconds: 20 });
    const decider = new ControlPlaneClient({ endpoint: cloud.url, apiKey: keys.approver });
    await decider.decide(teamId, opened.id, cosign(opened, approver));
    const settled = await waiting;
    assert.deepEqual(
      settled.approvals.map((a) => [a.id, a.status]),
      [[opened.id, 'approved']],
    );
    // Another operator key's feed never shows it.
    const other = new ControlPlaneClient({
      endpoint: cloud.url,
      apiKey: await cloud.admin.createApiKey(teamId, 'operator'),
    });
    assert.deepEqual((await other.listSettled(teamId, { cursor: start.cursor })).approvals, []);
  });
});
