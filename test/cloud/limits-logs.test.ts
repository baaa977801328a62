import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { ControlPlaneClient, type ControlPlaneError } from '../../src/client/index.ts';
import { routes } from '../../src/core/api.ts';
import { setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, makeApprover, makeReceipt, raw } from './helpers.ts';

describe('control plane: limits, logs, OpenAPI', () => {
  test('a key over its rate gets 429 with Retry-After; another key is unaffected', async () => {
    const cloud = await startCloud({ rateLimit: { burst: 3, perSecond: 0.2 } });
    try {
      const { teamId, apiKey } = await setupTeam(cloud);
      const other = await cloud.admin.createApiKey(teamId);
      for (let i = 0; i < 3; i++)
        assert.equal((await raw(cloud, 'GET', routes.policy(teamId), { apiKey })).status, 200);
      const limited = await raw(cloud, 'GET', routes.policy(teamId), { apiKey });
      assert.equal(limited.status, 429);
      assert.equal(limited.json.error.code, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${limited.headers.get('retry-after')}`);
      assert.equal((await raw(cloud, 'GET', routes.policy(teamId), { apiKey: other })).status, 200);
      // The client reports it as rate_limited with the server's Retry-After.
      const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
      await assert.rejects(client.getPolicy(teamId), (e: ControlPlaneError) => {
        assert.equal(e.kind, 'rate_limited');
        assert.equal(e.status, 429);
        assert.ok((e.retryAfterSeconds ?? 0) >= 1);
        return true;
      });
    } finally {
      await cloud.stop();
    }
  });

  test('long-poll connections are bounded per key', async () => {
    const cloud = await startCloud({ rateLimit: { maxLongPolls: 2 } });
    try {
      const { teamId, apiKey } = await setupTeam(cloud);
      const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
      const { cursor } = await client.listPending(teamId);
      const controller = new AbortController();
      const held = [1, 2].map(() =>
        client.listPending(teamId, { cursor, waitSeconds: 30, signal: controller.signal }).catch((e) => e),
      );
      await new Promise((r) => setTimeout(r, 200));
      await assert.rejects(client.listPending(teamId, { cursor, waitSeconds: 30 }), (e: ControlPlaneError) => {
        assert.equal(e.kind, 'rate_limited');
        assert.match(e.message, /long-poll/);
        return true;
      });
      // A plain (non-waiting) request is still served, and another key has its own slots.
      assert.equal((await client.listPending(teamId)).cursor, cursor);
      const other = new ControlPlaneClient({ endpoint: cloud.url, apiKey: await cloud.admin.createApiKey(teamId) });
      const otherWait = other.listPending(teamId, { cursor, waitSeconds: 30 });
      // Opening an approval wakes every waiter; the slots are released when they answer.
      await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
      const woke = await Promise.all(held);
      for (const r of woke) assert.equal(r.approvals.length, 1);
      assert.equal((await otherWait).approvals.length, 1);
      const next = await client.listPending(teamId);
      const again = client.listPending(teamId, { cursor: next.cursor, waitSeconds: 1 });
      assert.equal((await again).cursor, next.cursor);
      controller.abort();
    } finally {
      await cloud.stop();
    }
  });

  test('logs are structured JSON and never contain the API key or the Authorization header', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const cloud = await startCloud({ logStream: stream });
    let apiKey = '';
    try {
      const team = await setupTeam(cloud);
      apiKey = team.apiKey;
      const { teamId } = team;
      const alice = makeApprover();
      await raw(cloud, 'POST', routes.approvers(teamId), { apiKey, body: { publicKey: alice.publicKey, name: 'A' } });
      await cloud.admin.activateApprover(teamId, alice.keyId);
      const opened = await raw(cloud, 'POST', routes.approvals(teamId), {
        apiKey,
        body: { receipt: makeReceipt(teamId) },
      });
      await raw(cloud, 'POST', routes.decision(teamId, opened.json.id), { apiKey, body: cosign(opened.json, alice) });
      await raw(cloud, 'GET', routes.policy(teamId), { apiKey: `${apiKey}typo` });
      await raw(cloud, 'GET', routes.policy(teamId), { headers: { authorization: `Bearer ${apiKey}` } });
      await raw(cloud, 'POST', routes.approvals(teamId), { apiKey, rawBody: '{oops' });
      await raw(cloud, 'GET', `/v1/teams/${teamId}/nope`, { apiKey });
    } finally {
      await cloud.stop();
    }
    assert.ok(lines.length >= 10, `expected request logs, got ${lines.length}`);
    for (const line of lines) {
      const entry = JSON.parse(line);
      assert.equal(typeof entry.level, 'number');
      assert.equal(typeof entry.msg, 'string');
    }
    const all = lines.join('\n');
    const secret = apiKey.split('_').slice(2).join('_');
    assert.ok(secret.length > 20);
    assert.ok(!all.includes(secret), 'API key secret in logs');
    assert.ok(!/bearer/i.test(all), 'Authorization header in logs');
    assert.ok(all.includes('"statusCode":401'), 'auth failures are logged (without the key)');
  });

  test('GET /v1/openapi.json describes every route', async () => {
    const cloud = await startCloud();
    try {
      const res = await raw(cloud, 'GET', routes.openapi());
      assert.equal(res.status, 200);
      const doc = res.json;
      assert.match(doc.openapi, /^3\./);
      const t = '{team}';
      const expected: [string, string][] = [
        ['get', routes.policy(t)],
        ['post', routes.receipts(t)],
        ['post', routes.approvals(t)],
        ['get', routes.approvals(t)],
        ['get', routes.approvalChanges(t)],
        ['get', routes.approval(t, '{id}')],
        ['post', routes.decision(t, '{id}')],
        ['post', routes.approvers(t)],
        ['get', routes.approvers(t)],
        ['get', routes.approver(t, '{keyId}')],
        ['post', routes.approverRevoke(t, '{keyId}')],
      ];
      for (const [method, path] of expected) {
        const decoded = decodeURIComponent(path);
        assert.ok(doc.paths[decoded]?.[method], `${method} ${decoded}`);
      }
      const open = doc.paths[decodeURIComponent(routes.approvals(t))].post;
      const schema = open.requestBody.content['application/json'].schema;
      assert.ok(schema.properties.receipt && schema.properties.expiresInSeconds);
      assert.equal(schema.additionalProperties, false);
    } finally {
      await cloud.stop();
    }
  });
});
