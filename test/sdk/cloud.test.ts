import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  capture,
  configure,
  createCloud,
  HesoAuthError,
  HesoCloudError,
  HesoConflictError,
  HesoExpiredError,
  HesoNetworkError,
  HesoNotFoundError,
  HesoRateLimitedError,
  loadOperatorKey,
  openApproval,
  pollApproval,
  pullPolicy,
  pushReceipt,
  pushReceipts,
  sign,
} from '../../src/sdk/index.ts';
import { backoffDelay } from '../../src/sdk/retry.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeApprover, makeDataDir, makeTeam, type TestTeam } from './helpers.ts';

describe('cloud calls over real HTTP', () => {
  let cloud: CloudHandle;
  let team: TestTeam;
  let secretKey: Uint8Array;
  const cleanups: (() => void)[] = [];

  before(async () => {
    cloud = await startCloud();
    team = await makeTeam(cloud);
    const { dataDir, cleanup } = makeDataDir();
    cleanups.push(cleanup);
    secretKey = loadOperatorKey(dataDir).secretKey;
    configure(team.apiKey, cloud.url);
  });
  after(async () => {
    await cloud.stop();
    for (const c of cleanups) c();
  });

  const receipt = (verdict: 'allow' | 'suspend', amount = 10, receiptId?: string) =>
    sign(
      capture({ tool: 'payments.refund', params: { amount } }, { account: 'a', workflow: 'w' }),
      { verdict, policy: { version: 'sdk-test-1', ruleId: verdict === 'suspend' ? 'big-refunds' : null } },
      { teamId: team.teamId, secretKey, ...(receiptId ? { receiptId } : {}) },
    );

  test('pullPolicy returns the team policy bundle', async () => {
    const bundle = await pullPolicy(team.teamId);
    assert.equal(bundle.version, 'sdk-test-1');
    assert.equal(bundle.teamId, team.teamId);
    assert.equal(bundle.rules.length, 2);
    assert.ok(Array.isArray(bundle.approvers));
  });

  test('pushReceipt and pushReceipts: accepted once, duplicate after', async () => {
    const one = receipt('allow');
    assert.equal((await pushReceipt(team.teamId, one)).status, 'accepted');
    assert.equal((await pushReceipt(team.teamId, one)).status, 'duplicate');
    const many = Array.from({ length: 120 }, (_, i) => receipt('allow', i));
    const results = await pushReceipts(team.teamId, [one, ...many]);
    assert.equal(results.length, 121, 'batches above 100 are split');
    assert.deepEqual(
      results.map((r) => r.status),
      ['duplicate', ...many.map(() => 'accepted')],
    );
  });

  test('openApproval and pollApproval wait for the decision', async () => {
    const approver = await makeApprover(cloud, team);
    const opened = await openApproval(team.teamId, receipt('suspend', 500), { expiresInSeconds: 600 });
    assert.equal(opened.status, 'pending');
    const [final] = await Promise.all([
      pollApproval(team.teamId, opened.id, { timeoutMs: 20_000 }),
      approver.decide(opened, 'approve'),
    ]);
    assert.equal(final.status, 'approved');
    assert.equal(final.cosignature?.statement.approverKeyId, approver.keyId);
  });

  test('pollApproval returns the pending approval when its overall timeout passes', async () => {
    const opened = await openApproval(team.teamId, receipt('suspend', 501));
    const still = await pollApproval(team.teamId, opened.id, { timeoutMs: 1_000 });
    assert.equal(still.status, 'pending');
  });

  test('typed errors: auth, not found, conflict', async () => {
    const wrongKey = 'heso_0000000000000000000000000000000000000000';
    await assert.rejects(createCloud(wrongKey, cloud.url).pullPolicy(team.teamId), (err: unknown) => {
      assert.ok(err instanceof HesoAuthError);
      assert.equal(err.code, 'auth');
      assert.equal(err.status, 401);
      return true;
    });
    await assert.rejects(pollApproval(team.teamId, 'apr_nope'), (err: unknown) => err instanceof HesoNotFoundError);
    const other = await makeTeam(cloud);
    await assert.rejects(
      pullPolicy(other.teamId),
      (err: unknown) => err instanceof HesoCloudError && (err.status === 404 || err.status === 403),
    );

    const first = receipt('suspend', 502);
    await openApproval(team.teamId, first);
    const sameIdOtherContent = receipt('suspend', 503, first.statement.receiptId);
    await assert.rejects(
      openApproval(team.teamId, sameIdOtherContent),
      (err: unknown) => err instanceof HesoConflictError,
    );
  });

  test('typed errors: network, expired (410), rate limited with Retry-After', async () => {
    await assert.rejects(
      createCloud(team.apiKey, 'http://127.0.0.1:9', { attempts: 1 }).pullPolicy(team.teamId),
      (err: unknown) => err instanceof HesoNetworkError && err.code === 'network',
    );
    const answer =
      (status: number, code: string, headers: Record<string, string> = {}): typeof fetch =>
      async () =>
        Response.json({ error: { code, message: `crafted ${code}` } }, { status, headers });
    await assert.rejects(
      createCloud(team.apiKey, cloud.url, { fetch: answer(410, 'expired') }).getApproval(team.teamId, 'apr_x'),
      (err: unknown) => err instanceof HesoExpiredError,
    );
    await assert.rejects(
      createCloud(team.apiKey, cloud.url, {
        fetch: answer(429, 'rate_limited', { 'retry-after': '7' }),
        attempts: 1,
      }).pullPolicy(team.teamId),
      (err: unknown) => err instanceof HesoRateLimitedError && err.retryAfterSeconds === 7,
    );
  });

  test('transient failures are retried; a 429 waits what Retry-After asks', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2)
        return Response.json(
          { error: { code: 'rate_limited', message: 'slow down' } },
          { status: 429, headers: { 'retry-after': '0' } },
        );
      return fetch(input, init);
    };
    const bundle = await createCloud(team.apiKey, cloud.url, { fetch: flaky, backoff: { baseMs: 5 } }).pullPolicy(
      team.teamId,
    );
    assert.equal(bundle.version, 'sdk-test-1');
    assert.equal(calls, 3);

    // The delay after a 429 is Retry-After plus less than one base unit of jitter; otherwise full jitter under the cap.
    const limited = new HesoRateLimitedError('x', 3);
    assert.equal(backoffDelay(0, limited, { baseMs: 100, random: () => 0.5 }), 3050);
    assert.equal(
      backoffDelay(4, new HesoNetworkError('network', 'x'), { baseMs: 100, maxMs: 1000, random: () => 0.999 }),
      999,
    );
    assert.equal(backoffDelay(2, new HesoNetworkError('network', 'x'), { baseMs: 100, random: () => 0.5 }), 200);
  });

  test('a real rate limit from the server surfaces as HesoRateLimitedError with Retry-After', async () => {
    const limited = await startCloud({ rateLimit: { burst: 2, perSecond: 0.01 } });
    try {
      const t = await makeTeam(limited);
      const conn = createCloud(t.apiKey, limited.url, { attempts: 1 });
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map(() => conn.pullPolicy(t.teamId)));
      const errors = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason);
      assert.ok(errors.length >= 1);
      for (const err of errors) {
        assert.ok(err instanceof HesoRateLimitedError);
        assert.ok((err.retryAfterSeconds ?? 0) >= 1);
      }
    } finally {
      await limited.stop();
    }
  });
});
