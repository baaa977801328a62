import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, ControlPlaneError } from '../../src/client/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, makeApprover, makeReceipt } from './helpers.ts';

interface Captured {
  method: string;
  url: string;
  headers: Headers;
  body: string | null;
}

function capturingFetch(log: Captured[]): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    log.push({ method: init?.method ?? 'GET', url: String(input), headers, body: (init?.body as string) ?? null });
    return fetch(input, init);
  };
}

describe('ControlPlaneClient', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;

  before(async () => {
    cloud = await startCloud();
    ({ teamId, apiKey } = await setupTeam(cloud));
  });
  after(() => cloud.stop());

  test('sends the Bearer key, JSON bodies and query parameters; validates responses', async () => {
    const log: Captured[] = [];
    const client = new ControlPlaneClient({ endpoint: `${cloud.url}/`, apiKey, fetch: capturingFetch(log) });
    const policy = await client.getPolicy(teamId);
    assert.equal(policy.teamId, teamId);
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId), expiresInSeconds: 120 });
    await client.listPending(teamId, { cursor: '0', waitSeconds: 1, limit: 5 });
    await client.getApproval(teamId, approval.id, { waitSeconds: 1 });
    const [get, open, list, poll] = log;
    assert.equal(get!.headers.get('authorization'), `Bearer ${apiKey}`);
    assert.equal(get!.body, null);
    assert.equal(open!.method, 'POST');
    assert.equal(open!.headers.get('content-type'), 'application/json');
    assert.equal(JSON.parse(open!.body!).expiresInSeconds, 120);
    const listUrl = new URL(list!.url);
    assert.deepEqual(Object.fromEntries(listUrl.searchParams), {
      status: 'pending',
      cursor: '0',
      wait: '1',
      limit: '5',
    });
    assert.equal(new URL(poll!.url).searchParams.get('wait'), '1');
    assert.ok(!list!.url.includes('//v1'), 'trailing slash of the endpoint is dropped');
  });

  test('one receipt goes as {receipt}, several as {receipts}', async () => {
    const log: Captured[] = [];
    const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: capturingFetch(log) });
    await client.pushReceipts(teamId, [makeReceipt(teamId, { verdict: 'allow' })]);
    await client.pushReceipts(teamId, [
      makeReceipt(teamId, { verdict: 'allow' }),
      makeReceipt(teamId, { verdict: 'allow' }),
    ]);
    assert.deepEqual(Object.keys(JSON.parse(log[0]!.body!)), ['receipt']);
    assert.equal(JSON.parse(log[1]!.body!).receipts.length, 2);
  });

  test('errors carry kind, status and code, and never the API key', async () => {
    const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
    const cases: [() => Promise<unknown>, string, number][] = [
      [() => new ControlPlaneClient({ endpoint: cloud.url, apiKey: `${apiKey}x` }).getPolicy(teamId), 'auth', 401],
      [() => client.getPolicy('team_other'), 'not_found', 404],
      [() => client.getApproval(teamId, 'apr_missing'), 'not_found', 404],
      [() => client.openApproval(teamId, { receipt: makeReceipt(teamId, { verdict: 'allow' }) }), 'bad_request', 400],
    ];
    for (const [call, kind, status] of cases) {
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof ControlPlaneError);
        assert.equal(e.kind, kind);
        assert.equal(e.status, status);
        assert.ok(e.code);
        assert.ok(!e.message.includes(apiKey) && !e.message.includes(apiKey.slice(18)), e.message);
        assert.ok(!e.message.toLowerCase().includes('bearer'));
        return true;
      });
    }
    // 403, 409 and 410 map to their kinds too.
    const approver = makeApprover();
    await client.enrolApprover(teamId, { publicKey: approver.publicKey, name: 'P' });
    const approval = await client.openApproval(teamId, { receipt: makeReceipt(teamId) });
    await assert.rejects(client.decide(teamId, approval.id, cosign(approval, approver)), {
      kind: 'forbidden',
      status: 403,
    });
    await cloud.admin.activateApprover(teamId, approver.keyId);
    await client.decide(teamId, approval.id, cosign(approval, approver));
    await assert.rejects(client.decide(teamId, approval.id, cosign(approval, approver)), {
      kind: 'already_decided',
      code: 'already_decided',
    });
  });

  test('network failures and off-spec responses are reported as network / bad_response', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(
      new ControlPlaneClient({ endpoint: `http://127.0.0.1:${port}`, apiKey }).getPolicy(teamId),
      (e: ControlPlaneError) => e.kind === 'network' && !e.message.includes(apiKey) && e.status === undefined,
    );

    const offSpec: typeof fetch = async () => new Response(JSON.stringify({ teamId, version: 7 }), { status: 200 });
    await assert.rejects(new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: offSpec }).getPolicy(teamId), {
      kind: 'bad_response',
    });
    const html: typeof fetch = async () => new Response('<html>proxy error</html>', { status: 502 });
    await assert.rejects(new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: html }).getPolicy(teamId), {
      kind: 'server',
      status: 502,
    });
    const retry: typeof fetch = async () =>
      new Response('{"error":{"code":"rate_limited","message":"slow down"}}', {
        status: 429,
        headers: { 'retry-after': '7' },
      });
    await assert.rejects(new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: retry }).getPolicy(teamId), {
      kind: 'rate_limited',
      retryAfterSeconds: 7,
    });
    const slow: typeof fetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    await assert.rejects(
      new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: slow, timeoutMs: 50 }).getPolicy(teamId),
      (e: ControlPlaneError) => e.kind === 'network' && /no response within 50 ms/.test(e.message) && !e.aborted,
    );
  });

  test('refuses unusable endpoints and keys up front', () => {
    assert.throws(() => new ControlPlaneClient({ endpoint: 'not a url', apiKey }), TypeError);
    assert.throws(() => new ControlPlaneClient({ endpoint: 'ftp://x', apiKey }), TypeError);
    assert.throws(() => new ControlPlaneClient({ endpoint: cloud.url, apiKey: '' }), TypeError);
    assert.throws(
      () => new ControlPlaneClient({ endpoint: cloud.url, apiKey: `${apiKey}\r\nX-Evil: 1` }),
      (e: Error) => {
        assert.ok(!e.message.includes(apiKey));
        return true;
      },
    );
  });
});
