/** Reading receipts back: by id, listed with filters and pages, exported as JSON Lines; auth and team isolation; a hostile answer refused. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, type ControlPlaneError } from '../../src/client/index.ts';
import { routes } from '../../src/core/api.ts';
import { attachCosignature, buildReceipt, type Receipt, type Verdict } from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';
import { databaseBackends } from '../support/stores.ts';
import { type Approver, cosign, makeApprover, makeReceipt, operatorKey, raw } from './helpers.ts';

function receiptAt(
  teamId: string,
  issuedAt: string,
  opts: { tool?: string; workflow?: string; verdict?: Verdict } = {},
): Receipt {
  const verdict = opts.verdict ?? 'allow';
  return buildReceipt(
    {
      teamId,
      issuedAt,
      action: {
        tool: opts.tool ?? 'email.send',
        params: { to: 'a@example.com' },
        account: 'acme',
        workflow: opts.workflow ?? 'mailer',
        capturedAt: issuedAt,
      },
      verdict,
      policy: { version: 'demo-1', ruleId: verdict === 'allow' ? null : 'r1' },
    },
    operatorKey.secretKey,
  );
}

const ids = (list: { receipt: Receipt }[]) => list.map((r) => r.receipt.statement.receiptId);

for (const backend of databaseBackends()) {
  describe(`control plane: reading receipts back (${backend.name})`, { skip: backend.skip }, () => {
    let cloud: CloudHandle;
    let teamId: string;
    let apiKey: string;
    let otherKey: string;
    let client: ControlPlaneClient;
    let alice: Approver;
    // Oldest first. The times mix whole seconds and fractions on purpose: as text they sort wrongly.
    const times = [
      '2026-03-01T10:00:00Z',
      '2026-03-01T10:00:00.500Z',
      '2026-03-01T10:00:01Z',
      '2026-03-02T00:00:00.000Z',
      '2026-03-03T12:30:00.25Z',
    ];
    let stored: Receipt[];

    before(async () => {
      cloud = await startCloud({ dbPath: await backend.database() });
      ({ teamId, apiKey } = await setupTeam(cloud));
      otherKey = (await setupTeam(cloud, 'Other team')).apiKey;
      client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
      alice = makeApprover();
      await client.enrolApprover(teamId, { publicKey: alice.publicKey, name: 'Alice' });
      await cloud.admin.activateApprover(teamId, alice.keyId);
      stored = [
        receiptAt(teamId, times[2]!, { tool: 'payments.refund', verdict: 'suspend' }),
        receiptAt(teamId, times[0]!),
        receiptAt(teamId, times[4]!, { tool: 'db.delete', workflow: 'cleanup', verdict: 'block' }),
        receiptAt(teamId, times[1]!, { workflow: 'cleanup' }),
        receiptAt(teamId, times[3]!),
      ];
      const res = await client.pushReceipts(teamId, stored);
      assert.deepEqual(new Set(res.results.map((r) => r.status)), new Set(['accepted']));
      stored.sort((a, b) => Date.parse(a.statement.issuedAt) - Date.parse(b.statement.issuedAt));
    });
    after(async () => {
      await cloud?.stop();
      await backend.cleanup();
    });

    test('get by id returns the receipt exactly as signed, with its co-signature once pushed', async () => {
      const first = stored[0]!;
      const got = await client.getReceipt(teamId, first.statement.receiptId);
      assert.deepEqual(got.receipt, first);
      assert.ok(Date.parse(got.receivedAt) > 0);

      const suspended = makeReceipt(teamId);
      const approval = await client.openApproval(teamId, { receipt: suspended });
      const decided = await client.decide(teamId, approval.id, cosign(approval, alice));
      await client.pushReceipts(teamId, [suspended]);
      assert.equal((await client.getReceipt(teamId, suspended.statement.receiptId)).receipt.cosignature, undefined);
      const cosigned = attachCosignature(suspended, decided.cosignature!);
      await client.pushReceipts(teamId, [cosigned]);
      assert.deepEqual((await client.getReceipt(teamId, suspended.statement.receiptId)).receipt, cosigned);
    });

    test('auth and team isolation: 401 without a key, 404 for another team, 404 for an unknown id, 400 for a bad id', async () => {
      const id = stored[0]!.statement.receiptId;
      assert.equal((await raw(cloud, 'GET', routes.receipt(teamId, id))).status, 401);
      assert.equal((await raw(cloud, 'GET', routes.receipts(teamId))).status, 401);
      const other = await raw(cloud, 'GET', routes.receipt(teamId, id), { apiKey: otherKey });
      assert.equal(other.status, 404);
      assert.doesNotMatch(other.text, new RegExp(id));
      assert.equal((await raw(cloud, 'GET', routes.receipts(teamId), { apiKey: otherKey })).status, 404);
      const exportOther = await raw(cloud, 'GET', `${routes.receipts(teamId)}?format=jsonl`, { apiKey: otherKey });
      assert.equal(exportOther.status, 404);
      const unknown = await raw(cloud, 'GET', routes.receipt(teamId, 'rcpt_nope'), { apiKey });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.error.code, 'not_found');
      const bad = await raw(cloud, 'GET', routes.receipt(teamId, 'bad id!'), { apiKey });
      assert.equal(bad.status, 400);
    });

    test('pages of 2 walk every receipt once, oldest first by issuedAt (as times, not text)', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listReceipts(teamId, {
          limit: 2,
          until: '2026-04-01T00:00:00Z',
          ...(cursor ? { cursor } : {}),
        });
        assert.ok(page.receipts.length <= 2);
        seen.push(...ids(page.receipts));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, ids(stored.map((receipt) => ({ receipt }))));
      assert.equal(pages, 3);
    });

    test('filters: time range (since inclusive, until exclusive), verdict, tool, workflow, combined', async () => {
      const list = async (filter: Parameters<ControlPlaneClient['listReceipts']>[1]) =>
        ids((await client.listReceipts(teamId, filter)).receipts);
      const idAt = (i: number) => stored[i]!.statement.receiptId;
      assert.deepEqual(await list({ since: '2026-03-01T10:00:00.500Z', until: '2026-03-02T00:00:00Z' }), [
        idAt(1),
        idAt(2),
      ]);
      assert.deepEqual(await list({ verdict: 'block' }), [idAt(4)]);
      assert.deepEqual(await list({ tool: 'payments.refund', until: '2026-04-01T00:00:00Z' }), [idAt(2)]);
      assert.deepEqual(await list({ workflow: 'cleanup' }), [idAt(1), idAt(4)]);
      assert.deepEqual(await list({ workflow: 'cleanup', verdict: 'allow' }), [idAt(1)]);
      assert.deepEqual(await list({ tool: 'nothing.here' }), []);
    });

    test('JSON Lines export: every match, one receipt per line, same filters', async () => {
      const res = await raw(cloud, 'GET', `${routes.receipts(teamId)}?format=jsonl&until=2026-04-01T00:00:00Z`, {
        apiKey,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
      const lines = res.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Receipt);
      assert.deepEqual(lines, stored);
      const blocked = await raw(cloud, 'GET', `${routes.receipts(teamId)}?format=jsonl&verdict=block`, { apiKey });
      assert.deepEqual(
        blocked.text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
        [stored[4]],
      );
    });

    test('bad input is a 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['verdict=maybe', 'verdict'],
        ['since=yesterday', 'since'],
        ['until=2026-13-01T00:00:00Z', 'until'],
        ['cursor=garbage', 'cursor'],
        ['since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'since'],
        ['format=csv', 'format'],
        ['tool=a%20b', 'tool'],
        ['colour=blue', 'colour'],
      ];
      for (const [query, field] of cases) {
        const res = await raw(cloud, 'GET', `${routes.receipts(teamId)}?${query}`, { apiKey });
        assert.equal(res.status, 400, query);
        assert.equal(res.json.error.code, 'bad_request', query);
        assert.match(`${res.json.error.field} ${res.json.error.message}`, new RegExp(field), query);
      }
    });

    describe('a hostile control plane', () => {
      let proxy: HostileProxy;
      let viaProxy: ControlPlaneClient;
      before(async () => {
        proxy = await startHostileProxy(cloud.url);
        viaProxy = new ControlPlaneClient({ endpoint: proxy.url, apiKey });
      });
      after(() => proxy.stop());

      test('answering with another receipt than the one asked for is refused by the client', async () => {
        const [asked, other] = [stored[0]!, stored[1]!];
        proxy.rewrite((req, res) =>
          req.path.endsWith(asked.statement.receiptId)
            ? { ...res, body: { receipt: other, receivedAt: times[0] } }
            : res,
        );
        await assert.rejects(viaProxy.getReceipt(teamId, asked.statement.receiptId), (err: ControlPlaneError) => {
          assert.equal(err.kind, 'wrong_answer');
          assert.match(err.message, /when asked for receipt/);
          return true;
        });
        proxy.reset();
      });

      test('a listing holding a receipt outside the filter (or of another team) is refused', async () => {
        proxy.rewrite((_req, res) => {
          const body = res.body as { receipts: { receipt: Receipt; receivedAt: string }[] };
          return {
            ...res,
            body: { ...body, receipts: [...body.receipts, { receipt: stored[0], receivedAt: times[0] }] },
          };
        });
        await assert.rejects(viaProxy.listReceipts(teamId, { verdict: 'block' }), /has verdict allow/);
        proxy.reset();
        const foreign = receiptAt('team_other', times[0]!);
        proxy.rewrite((_req, res) => ({
          ...res,
          body: { receipts: [{ receipt: foreign, receivedAt: times[0] }], nextCursor: null },
        }));
        await assert.rejects(viaProxy.listReceipts(teamId), /belongs to team team_other/);
        proxy.reset();
      });
    });
  });
}
