/**
 * A suspend rule may ask the approver to type the short code (`confirm: typed-code`); the
 * operator-signed receipt carries it. Receipts of rules without it do not have the field at
 * all, so their bytes (and the protocol's worked example) are unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/crypto.ts';
import type { PolicyDocument } from '../../src/core/schemas.ts';
import { verifyReceipt } from '../../src/core/verify.ts';
import { capture, evaluate, sign } from '../../src/sdk/index.ts';

const POLICY: PolicyDocument = {
  version: 'confirm-1',
  defaultVerdict: 'allow',
  rules: [
    { id: 'prod-deploy', verdict: 'suspend', match: { tool: 'deploy.production' }, confirm: 'typed-code' },
    { id: 'big-refunds', verdict: 'suspend', match: { tool: 'payments.refund' } },
    { id: 'no-wipes', verdict: 'block', match: { tool: 'db.wipe' }, confirm: 'typed-code' },
  ],
};
const operator = generateKeyPair();

function receiptFor(tool: string) {
  const action = capture({ tool, account: 'prod-eu-1', workflow: 'ci', params: { n: 1 } });
  return sign(action, evaluate(action, POLICY), { teamId: 'team-1', secretKey: operator.secretKey });
}

describe('rule confirm: typed-code', () => {
  test('a suspend rule with confirm puts it in the signed receipt', () => {
    const receipt = receiptFor('deploy.production');
    assert.equal(receipt.statement.confirm, 'typed-code');
    const result = verifyReceipt(receipt, { approverKeys: [] });
    assert.equal(result.valid, true, JSON.stringify(result.reasons));
    assert.equal(result.ok, false, 'suspended: not runnable without a co-signature');
  });

  test('without confirm, or for a verdict that needs no approver, the field is absent', () => {
    assert.equal('confirm' in receiptFor('payments.refund').statement, false);
    assert.equal('confirm' in receiptFor('db.wipe').statement, false);
  });

  test('adding, removing or changing confirm breaks the operator signature', () => {
    const withCode = receiptFor('deploy.production');
    const without = receiptFor('payments.refund');
    const stripped = { ...withCode, statement: { ...withCode.statement } };
    delete stripped.statement.confirm;
    const added = { ...without, statement: { ...without.statement, confirm: 'typed-code' as const } };
    for (const tampered of [stripped, added]) {
      const codes = verifyReceipt(tampered, { approverKeys: [] }).reasons.map((r) => r.code);
      assert.ok(codes.includes('bad_operator_signature'), codes.join(', '));
    }
  });
});
