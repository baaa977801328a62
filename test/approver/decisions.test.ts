/**
 * Decision submission policy with a scripted client and a manual clock: transient
 * failures are retried (429 waits Retry-After), the same signed co-signature is re-sent,
 * a 409 carrying our own co-signature counts as accepted, and expiry ends the retries.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecisionOutbox, signDecision, submitDecision } from '../../src/approver/decisions.ts';
import { ConfigError } from '../../src/approver/errors.ts';
import { silentLogger } from '../../src/approver/runtime.ts';
import { ControlPlaneError } from '../../src/client/errors.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url, buildReceipt, type Cosignature, generateKeyPair, randomBytes } from '../../src/core/index.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function approval(expiresInMs = 60_000): Approval {
  const operator = generateKeyPair();
  const receipt = buildReceipt(
    {
      teamId: 'team-1',
      action: {
        tool: 'payments.refund',
        params: { amount: 500 },
        account: 'acme',
        workflow: 'bot',
        capturedAt: new Date(T0).toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'v1', ruleId: 'big' },
      issuedAt: new Date(T0).toISOString(),
    },
    operator.secretKey,
  );
  return {
    id: 'apr_1',
    teamId: 'team-1',
    status: 'pending',
    receipt,
    challenge: b64url.encode(randomBytes(32)),
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + expiresInMs).toISOString(),
    cosignature: null,
    decidedAt: null,
  };
}

type Step = ControlPlaneError | 'ok';

function harness(steps: Step[], stored: Cosignature | null = null) {
  let now = T0;
  const sent: Cosignature[] = [];
  const slept: number[] = [];
  const a = approval();
  const client = {
    decide: async (_team: string, _id: string, cos: Cosignature): Promise<Approval> => {
      sent.push(cos);
      const step = steps.shift() ?? 'ok';
      if (step === 'ok') return { ...a, status: 'approved', cosignature: cos, decidedAt: new Date(now).toISOString() };
      throw step;
    },
    getApproval: async (): Promise<Approval> => ({ ...a, status: 'approved', cosignature: stored ?? sent[0] ?? null }),
  };
  const approver = generateKeyPair();
  const cosignature = signDecision(a, 'approve', undefined, new Date(T0).toISOString(), approver.secretKey);
  const run = () =>
    submitDecision(cosignature, {
      client,
      teamId: 'team-1',
      clock: () => now,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
      logger: silentLogger,
      fingerprint: 'FP',
    });
  return { run, sent, slept, cosignature, approval: a };
}

const err = (kind: ControlPlaneError['kind'], extra: Partial<{ retryAfterSeconds: number; status: number }> = {}) =>
  new ControlPlaneError({ kind, message: `${kind} happened`, ...extra });

test('network errors, 5xx and 429 are retried with the same signed statement; 429 waits Retry-After', async () => {
  const h = harness([
    err('network'),
    err('rate_limited', { retryAfterSeconds: 7 }),
    err('server', { status: 503 }),
    'ok',
  ]);
  const outcome = await h.run();
  assert.equal(outcome.status, 'accepted');
  assert.equal(h.sent.length, 4);
  assert.ok(
    h.sent.every((c) => c === h.cosignature),
    'one signature, re-sent unchanged',
  );
  assert.equal(h.slept[1], 7000, 'Retry-After honoured');
  assert.ok(h.slept[0]! > 0 && h.slept[2]! > 0, 'backs off between network / server failures');
});

test('a 409 whose stored co-signature is ours counts as accepted (the first response was lost)', async () => {
  const h = harness([err('network'), err('already_decided', { status: 409 })]);
  const outcome = await h.run();
  assert.equal(outcome.status, 'accepted');
  assert.equal(outcome.approval?.cosignature?.signature, h.cosignature.signature);
});

test('a 409 with somebody else’s co-signature is already_decided', async () => {
  const other = harness([]);
  const h = harness([err('already_decided', { status: 409 })], other.cosignature);
  const outcome = await h.run();
  assert.equal(outcome.status, 'already_decided');
  assert.match(outcome.message, /already approved by approver key/);
});

test('retries stop at expiry; 410 is expired; 422 and 403 are refused with reasons', async () => {
  const forever = harness(Array.from({ length: 1000 }, () => err('network')));
  const expired = await forever.run();
  assert.equal(expired.status, 'expired');
  assert.ok(forever.sent.length > 1 && forever.sent.length < 1000);
  assert.equal((await harness([err('expired', { status: 410 })]).run()).status, 'expired');
  const bad = await harness([err('bad_signature', { status: 422 })]).run();
  assert.equal(bad.status, 'refused');
  assert.match(bad.message, /bad_signature happened/);
  const inactive = await harness([err('forbidden', { status: 403 })]).run();
  assert.equal(inactive.status, 'refused');
  assert.match(inactive.message, /not active.*FP/);
});

test('a deny can be signed for a receipt that no longer verifies; an approve cannot', () => {
  const a = approval();
  const tampered: Approval = structuredClone(a);
  tampered.receipt.statement.action.params = { amount: 1 };
  const key = generateKeyPair();
  const at = new Date(T0).toISOString();
  const deny = signDecision(tampered, 'deny', 'tampered', at, key.secretKey);
  assert.equal(deny.statement.decision, 'deny');
  assert.equal(deny.statement.actionHash, a.receipt.statement.actionHash);
  assert.throws(() => signDecision(tampered, 'approve', undefined, at, key.secretKey), /operator signature/);
});

test('a damaged file among the signed decisions waiting to be sent is reported, named, and kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'heso-decision-outbox-'));
  try {
    const outbox = new DecisionOutbox(dir);
    const { cosignature } = harness([]);
    await outbox.put(cosignature);
    const damagedFile = join(dir, 'apr_2.json');
    const text = JSON.stringify({ ...cosignature, statement: { ...cosignature.statement, approvalId: 'apr_2' } }).slice(
      0,
      -20,
    );
    await writeFile(damagedFile, text);

    const listed = await outbox.list();
    assert.deepEqual(listed.cosignatures, [cosignature], 'the good decision is still resumed');
    assert.equal(listed.damaged.length, 1);
    assert.match(
      listed.damaged[0] ?? '',
      /apr_2\.json \(a decision signed on this device.*not valid JSON.*move it out/,
    );
    await assert.rejects(
      () => outbox.get('apr_2'),
      (e: unknown) => e instanceof ConfigError && e.message.includes(damagedFile),
    );
    assert.equal(await readFile(damagedFile, 'utf8'), text, 'nothing is deleted');
    assert.deepEqual(await outbox.get(cosignature.statement.approvalId), cosignature);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
