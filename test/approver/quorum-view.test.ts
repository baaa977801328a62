/** The approver's view of a quorum approval: only verified decisions count; the CLI shows requirement and progress. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quorumViewOf } from '../../src/approver/quorum-view.ts';
import { renderItem, renderItemRow } from '../../src/approver/render-text.ts';
import { inspectApproval } from '../../src/approver/verify-approval.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url, buildCosignature, buildReceipt, generateKeyPair, keyIdOf } from '../../src/core/index.ts';

const operator = generateKeyPair();
const dana = generateKeyPair();
const me = generateKeyPair();

function quorumApproval(): Approval {
  const receipt = buildReceipt(
    {
      teamId: 'team_q',
      action: {
        tool: 'deploy.production',
        params: { service: 'api' },
        account: 'prod',
        workflow: 'ci',
        capturedAt: new Date().toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'p', ruleId: 'prod' },
      quorum: { required: 2, groups: { finance: 1, security: 1 } },
    },
    operator.secretKey,
  );
  return {
    id: 'apr_q',
    teamId: 'team_q',
    status: 'pending',
    receipt,
    challenge: b64url.encode(new Uint8Array(32).fill(9)),
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    cosignature: null,
    decidedAt: null,
    decisions: [],
  };
}

const decision = (approval: Approval, key = dana, name = 'Dana', groups = ['finance']) => {
  const cosignature = buildCosignature({ approval, decision: 'approve' }, key.secretKey);
  return { cosignature, approverName: name, groups, decidedAt: cosignature.statement.decidedAt };
};

test('progress counts verified decisions only; an invented or replayed one is shown as not counted', () => {
  const approval = quorumApproval();
  const other = { ...quorumApproval(), id: 'apr_other' };
  approval.decisions = [
    decision(approval),
    // Replayed from another approval, and a "decision" whose signature was tampered with.
    decision(other, generateKeyPair(), 'Raj', ['security']),
    {
      ...decision(approval, generateKeyPair(), 'Eve', ['security']),
      cosignature: { ...decision(approval).cosignature, signature: decision(other).cosignature.signature },
    },
  ];
  const view = quorumViewOf(approval, [keyIdOf(me.publicKey)]);
  assert.ok(view);
  assert.equal(view.summary, 'needs 2 of finance + security');
  assert.equal(view.progress.approvals, 1);
  assert.equal(view.rejected, 2);
  assert.equal(view.waitingFor, 'waiting for security');
  assert.match(view.yourPart, /would meet the quorum if you are in security; a deny vetoes it/);
  assert.equal(view.decidedByMe, null);
});

test('your own decision shows as "you" and a second one is announced as refused', () => {
  const approval = quorumApproval();
  approval.decisions = [decision(approval, me, 'Me', ['security'])];
  const view = quorumViewOf(approval, [keyIdOf(me.publicKey)]);
  assert.equal(view?.decidedByMe, 'approve');
  assert.match(view?.yourPart ?? '', /you already approved: each approver decides once/);
  assert.equal(
    quorumViewOf({
      ...approval,
      receipt: { ...approval.receipt, statement: { ...approval.receipt.statement, quorum: undefined } },
    }),
    null,
  );
});

test('heso-approver show and list print the requirement, who approved and what is missing', () => {
  const approval = quorumApproval();
  approval.decisions = [decision(approval)];
  const item = inspectApproval(approval, {
    teamId: 'team_q',
    now: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    trustedOperators: [],
    myKeyIds: [keyIdOf(me.publicKey)],
  });
  const shown = renderItem(item, Date.now());
  assert.match(shown, /Approvals\s+needs 2 of finance \+ security · 1 of 2 · waiting for security/);
  assert.match(shown, /Dana \(finance\) approved/);
  assert.match(shown, /Your decision\s+your approval would meet the quorum if you are in security/);
  assert.match(renderItemRow(item, Date.now()), /1\/2 approvals, waiting for security/);
});
