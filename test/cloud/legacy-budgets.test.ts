import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { listApiKeys } from '../../src/cloud/admin.ts';
import { generateApiKey } from '../../src/cloud/api-keys.ts';
import { MIGRATIONS } from '../../src/cloud/migrations.ts';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import { routes } from '../../src/core/api.ts';
import { DEMO_POLICY, setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, makeApprover, makeReceipt, raw } from './helpers.ts';

/** A database as the release before key roles wrote it (schema 1), with one team and one key. */
function legacyDatabase(dir: string): { dbPath: string; teamId: string; apiKey: string } {
  const dbPath = join(dir, 'old.db');
  const db = new Database(dbPath);
  const key = generateApiKey();
  const teamId = 'team_0123456789abcdef';
  const now = new Date().toISOString();
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  db.exec(MIGRATIONS[0]!.sqlite);
  db.prepare('INSERT INTO schema_migrations VALUES (1, ?)').run(now);
  db.prepare('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)').run(teamId, 'Old team', now);
  db.prepare('INSERT INTO api_keys (key_id, team_id, secret_hash, created_at) VALUES (?, ?, ?, ?)').run(
    key.keyId,
    teamId,
    key.secretHash,
    now,
  );
  db.prepare('INSERT INTO policies (team_id, document, updated_at) VALUES (?, ?, ?)').run(
    teamId,
    JSON.stringify(DEMO_POLICY),
    now,
  );
  db.close();
  return { dbPath, teamId, apiKey: key.apiKey };
}

describe('control plane: legacy keys and separate budgets', () => {
  test('a key made before roles keeps working on every route as `legacy`, and is listed so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heso-legacy-'));
    const old = legacyDatabase(dir);
    const cloud = await startCloud({ dbPath: old.dbPath });
    try {
      const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey: old.apiKey });
      assert.equal((await client.whoami(old.teamId)).role, 'legacy');
      assert.equal((await client.getPolicy(old.teamId)).version, DEMO_POLICY.version);
      const approver = makeApprover();
      await client.enrolApprover(old.teamId, { publicKey: approver.publicKey, name: 'Old hand' });
      await cloud.admin.activateApprover(old.teamId, approver.keyId);
      const opened = await client.openApproval(old.teamId, { receipt: makeReceipt(old.teamId) });
      assert.equal((await client.listPending(old.teamId)).approvals.length, 1);
      const decided = await client.decide(old.teamId, opened.id, cosign(opened, approver));
      assert.equal(decided.status, 'approved');
      assert.equal((await client.getApproval(old.teamId, opened.id)).status, 'approved');
      const store = new SqliteCloudStore({ path: old.dbPath });
      try {
        assert.deepEqual(
          (await listApiKeys(store, old.teamId)).map((k) => k.role),
          ['legacy'],
        );
      } finally {
        await store.close();
      }
      await cloud.admin.revokeApiKey(old.apiKey);
      await assert.rejects(client.whoami(old.teamId), { kind: 'auth' });
    } finally {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("agents spending their role's whole budget leave the approver's untouched; the 429 names the budget", async () => {
    const cloud = await startCloud({
      rateLimit: { burst: 1000, perSecond: 0.01, roleBurst: 6, rolePerSecond: 0.01 },
    });
    try {
      const { teamId } = await setupTeam(cloud);
      const agents = [
        await cloud.admin.createApiKey(teamId, 'operator'),
        await cloud.admin.createApiKey(teamId, 'operator'),
      ];
      const person = await cloud.admin.createApiKey(teamId, 'approver');
      const approver = makeApprover();
      // The approver key's setup, before the agents start.
      await raw(cloud, 'POST', routes.approvers(teamId), {
        apiKey: person,
        body: { publicKey: approver.publicKey, name: 'P' },
      });
      await cloud.admin.activateApprover(teamId, approver.keyId);
      const opened = await raw(cloud, 'POST', routes.approvals(teamId), {
        apiKey: agents[0],
        body: { receipt: makeReceipt(teamId) },
      });
      assert.equal(opened.status, 201);
      let limited: Awaited<ReturnType<typeof raw>> | undefined;
      for (let i = 0; i < 10 && !limited; i++) {
        const res = await raw(cloud, 'GET', routes.policy(teamId), { apiKey: agents[i % 2] });
        if (res.status === 429) limited = res;
      }
      assert.ok(limited, 'the operator role ran out');
      assert.equal(limited.json.error.budget, 'role:operator:requests');
      assert.match(limited.json.error.message, /operator keys together.*other roles are not affected/);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      // The person is not affected: the queue and the decision go through at once.
      const queue = await raw(cloud, 'GET', `${routes.approvals(teamId)}?status=pending`, { apiKey: person });
      assert.equal(queue.status, 200);
      const decided = await raw(cloud, 'POST', routes.decision(teamId, opened.json.id), {
        apiKey: person,
        body: cosign(opened.json, approver),
      });
      assert.equal(decided.status, 200, decided.text);
    } finally {
      await cloud.stop();
    }
  });

  test("one key's budget and one role's long-polls run out separately, each named", async () => {
    const cloud = await startCloud({ rateLimit: { burst: 20, perSecond: 0.01, maxLongPolls: 5, roleMaxLongPolls: 2 } });
    try {
      const { teamId } = await setupTeam(cloud);
      const agent = await cloud.admin.createApiKey(teamId, 'operator');
      const spare = await cloud.admin.createApiKey(teamId, 'operator');
      const person = await cloud.admin.createApiKey(teamId, 'approver');
      const personToo = await cloud.admin.createApiKey(teamId, 'approver');
      const people = [person, personToo];
      // Key budget: 20 requests, then this key (and only this key) is refused.
      for (let i = 0; i < 20; i++) await raw(cloud, 'GET', routes.policy(teamId), { apiKey: agent });
      const keyLimited = await raw(cloud, 'GET', routes.policy(teamId), { apiKey: agent });
      assert.equal(keyLimited.status, 429);
      assert.equal(keyLimited.json.error.budget, 'key:requests');
      assert.equal((await raw(cloud, 'GET', routes.policy(teamId), { apiKey: spare })).status, 200);
      // Role long-polls: two held queue long-polls fill the approver role's slots.
      const cursor = (await raw(cloud, 'GET', `${routes.approvals(teamId)}?status=pending`, { apiKey: person })).json
        .cursor as string;
      const controller = new AbortController();
      const held = people.map((apiKey) =>
        fetch(`${cloud.url}${routes.approvals(teamId)}?status=pending&cursor=${cursor}&wait=20`, {
          headers: { authorization: `Bearer ${apiKey}` },
          signal: controller.signal,
        }).catch(() => undefined),
      );
      let third: Awaited<ReturnType<typeof raw>> | undefined;
      for (let i = 0; i < 10; i++) {
        third = await raw(cloud, 'GET', `${routes.approvals(teamId)}?status=pending&cursor=${cursor}&wait=1`, {
          apiKey: personToo,
        });
        if (third.status === 429) break;
      }
      assert.equal(third?.status, 429);
      assert.equal(third?.json.error.budget, 'role:approver:long-polls');
      // The operator role's long-polls are untouched.
      const operatorWait = await raw(cloud, 'GET', `${routes.settled(teamId)}?cursor=0&wait=1`, { apiKey: spare });
      assert.equal(operatorWait.status, 200, operatorWait.text);
      controller.abort();
      await Promise.all(held);
    } finally {
      await cloud.stop();
    }
  });
});
