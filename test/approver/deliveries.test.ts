/**
 * A signed decision that cannot be delivered yet: `queued` is answered at once (not after
 * minutes of retries), a withdrawal between attempts really stops it (no further send), a
 * withdrawal while a send is on the wire is refused honestly, and one approval never gets
 * two senders.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionOutcome } from '../../src/approver/api.ts';
import { signDecision, submitDecision } from '../../src/approver/decisions.ts';
import { type Deliver, Deliveries } from '../../src/approver/deliveries.ts';
import { realSleep, silentLogger } from '../../src/approver/runtime.ts';
import { ControlPlaneError } from '../../src/client/errors.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url, buildReceipt, generateKeyPair, randomBytes } from '../../src/core/index.ts';

const EXPIRES = new Date(Date.now() + 600_000).toISOString();
const approval: Approval = {
  id: 'apr_1',
  teamId: 'team-1',
  status: 'pending',
  receipt: buildReceipt(
    {
      teamId: 'team-1',
      action: {
        tool: 'payments.refund',
        params: { amount: 500 },
        account: 'acme',
        workflow: 'bot',
        capturedAt: EXPIRES,
      },
      verdict: 'suspend',
      policy: { version: 'v1', ruleId: 'big' },
    },
    generateKeyPair().secretKey,
  ),
  challenge: b64url.encode(randomBytes(32)),
  createdAt: EXPIRES,
  expiresAt: EXPIRES,
  cosignature: null,
  decidedAt: null,
};
const cosignature = signDecision(approval, 'approve', undefined, new Date().toISOString(), generateKeyPair().secretKey);
/** What the control plane answers when it accepted the decision. */
const accepted: Approval = { ...approval, status: 'approved', cosignature, decidedAt: cosignature.statement.decidedAt };
const networkDown = () => new ControlPlaneError({ kind: 'network', message: 'connection refused' });

/** A client whose decide() is scripted per call. */
function scripted(step: (call: number) => Promise<Approval>) {
  let calls = 0;
  const client = {
    decide: () => step(++calls),
    getApproval: async (): Promise<Approval> => {
      throw networkDown();
    },
  };
  const deliver: Deliver = (delivery) =>
    submitDecision(cosignature, {
      client,
      teamId: 'team-1',
      clock: Date.now,
      random: () => 0.5,
      sleep: realSleep,
      logger: silentLogger,
      fingerprint: 'FP',
      ...delivery,
    });
  return { deliver, calls: () => calls };
}

test('offline: queued at once; withdraw between attempts stops the sender for good', async () => {
  const settled: DecisionOutcome[] = [];
  const deliveries = new Deliveries((_id, outcome) => settled.push(outcome));
  const net = scripted(async () => {
    throw networkDown();
  });
  const first = await deliveries.send('apr_1', EXPIRES, net.deliver, true);
  assert.equal(first.status, 'queued');
  assert.match(first.message, /Signed, waiting to send/);
  assert.equal(deliveries.has('apr_1'), true);

  const again = await deliveries.send('apr_1', EXPIRES, net.deliver, true);
  assert.equal(again.status, 'queued', 'joins the running sender');

  const withdrawn = await deliveries.withdraw('apr_1');
  assert.equal(withdrawn.withdrawn, true);
  assert.match(withdrawn.message, /Withdrawn/);
  const sendsAtWithdraw = net.calls();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(net.calls(), sendsAtWithdraw, 'nothing is sent after the withdrawal');
  assert.equal(deliveries.has('apr_1'), false);
  assert.deepEqual(
    settled.map((o) => o.status),
    ['withdrawn'],
  );
  assert.equal((await deliveries.withdraw('apr_1')).withdrawn, false, 'nothing left to withdraw');
});

test('a send on the wire cannot be withdrawn, and the answer says so', async () => {
  let finish: (a: Approval) => void = () => {};
  const net = scripted(async (call) => {
    if (call === 1) throw networkDown();
    return new Promise<Approval>((resolve) => {
      finish = resolve;
    });
  });
  const deliveries = new Deliveries(() => {});
  assert.equal((await deliveries.send('apr_1', EXPIRES, net.deliver, true)).status, 'queued');
  while (net.calls() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const refused = await deliveries.withdraw('apr_1');
  assert.equal(refused.withdrawn, false);
  assert.match(refused.message, /being sent/);
  finish(accepted);
  const outcome = await deliveries.send('apr_1', EXPIRES, net.deliver);
  assert.equal(outcome.status, 'accepted');
});

test('without returnWhenQueued the caller waits for the settled outcome', async () => {
  const net = scripted(async (call) => {
    if (call < 3) throw networkDown();
    return accepted;
  });
  const outcome = await new Deliveries(() => {}).send('apr_1', EXPIRES, net.deliver);
  assert.equal(outcome.status, 'accepted');
  assert.equal(net.calls(), 3);
});
