/**
 * Property-based test of the server's JSON routes (fast-check, bounded): whatever body a
 * client sends — random JSON, or a real receipt / decision / enrolment with one member
 * replaced by an awkward value — the answer is a 2xx or a 4xx in the API's error shape,
 * never a 500, and a refused request changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type Approval, routes } from '../../src/core/api.ts';
import { attachCosignature } from '../../src/core/index.ts';
import type { CloudHandle } from '../support/cloud.ts';
import { type Approver, cosign, dbSnapshot, makeApprover, makeReceipt, raw, startApprovalWorld } from './helpers.ts';

const awkwardString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  // The values fuzzing found trouble with, weighted up so a bounded run meets them.
  {
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      '\ud800',
      'x\udfff',
      '😀',
      '',
      'A'.repeat(43),
      `AQ${'A'.repeat(41)}`,
    ),
    weight: 4,
  },
);
const awkwardValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, -0, 1e21, 2 ** 53, 0.1),
    fc.integer(),
    awkwardString,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(awkwardString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Replaces the member at `path` (creating nothing) with `value`; JSON text, so __proto__ stays a member. */
function replaced(body: unknown, path: readonly string[], value: unknown): string {
  const copy = structuredClone(body) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  at[last] = '__REPLACED__';
  return JSON.stringify(copy).replace('"__REPLACED__"', JSON.stringify(value) ?? 'null');
}

describe('control plane JSON routes under random input', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;
  let approval: Approval;
  let alice: Approver;

  before(async () => {
    ({ cloud, teamId, apiKey, approval, alice } = await startApprovalWorld());
  });
  after(() => cloud.stop());

  test('never a 500; every refusal in the error shape and without a state change', async () => {
    const receipt = makeReceipt(teamId);
    const decision = cosign(approval, alice, 'approve', 'ok');
    await raw(cloud, 'POST', routes.decision(teamId, approval.id), { apiKey, body: decision });
    const cosigned = attachCosignature(approval.receipt, decision);
    const targets = [
      {
        path: () => routes.receipts(teamId),
        body: { receipt: cosigned },
        members: [
          ['receipt', 'cosignature', 'statement', 'reason'],
          ['receipt', 'cosignature', 'statement', 'approvalId'],
        ],
      },
      {
        path: () => routes.receipts(teamId),
        body: { receipt },
        members: [
          ['receipt', 'statement', 'action', 'params'],
          ['receipt', 'statement', 'action', 'summary'],
          ['receipt', 'signature'],
          ['receipt', 'statement', 'operatorPublicKey'],
        ],
      },
      {
        path: () => routes.approvals(teamId),
        body: { receipt },
        members: [['receipt', 'statement', 'verdict'], ['receipt', 'statement', 'teamId'], ['receipt']],
      },
      {
        path: () => routes.decision(teamId, approval.id),
        body: decision,
        members: [['statement', 'reason'], ['signature'], ['approverPublicKey'], ['statement', 'challenge']],
      },
      {
        path: () => routes.approvers(teamId),
        body: { publicKey: makeApprover().publicKey, name: 'Bob' },
        members: [['publicKey'], ['name']],
      },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: targets.length - 1 }),
        fc.nat(),
        fc.oneof(awkwardString, awkwardValue),
        fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
        async (t, m, value, wholeBody) => {
          const target = targets[t]!;
          const member = target.members[m % target.members.length]!;
          const rawBody = wholeBody ? (JSON.stringify(value) ?? 'null') : replaced(target.body, member, value);
          const before = dbSnapshot(cloud.dbPath);
          const res = await raw(cloud, 'POST', target.path(), { apiKey, rawBody });
          assert.ok(res.status < 500, `${res.status} for ${rawBody.slice(0, 200)}: ${res.text.slice(0, 200)}`);
          if (res.status >= 400) {
            assert.deepEqual(Object.keys(res.json), ['error'], res.text);
            assert.equal(typeof res.json.error.message, 'string');
            assert.equal(dbSnapshot(cloud.dbPath), before, `a ${res.status} changed state`);
          }
        },
      ),
      { numRuns: 120, seed: 18 },
    );
  });
});
