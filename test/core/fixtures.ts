/** Shared fixtures for core tests: fixed keys and a co-signed receipt built through the public API. */
import {
  type Action,
  attachCosignature,
  b64url,
  buildCosignature,
  buildReceipt,
  type Cosignature,
  DECISION_TYPE,
  type DecisionStatement,
  fromHex,
  keyIdOf,
  publicKeyFromSecret,
  type Receipt,
  signStatement,
  type TrustSet,
} from '../../src/core/index.ts';

export const keys = {
  operator: fromHex('11'.repeat(32)),
  approver: fromHex('22'.repeat(32)),
  stranger: fromHex('33'.repeat(32)),
  otherOperator: fromHex('44'.repeat(32)),
};
export const pub = (secret: Uint8Array) => b64url.encode(publicKeyFromSecret(secret));

export const ACTION: Action = {
  tool: 'payments.refund',
  params: { amount: 250, currency: 'EUR', order: { id: 'ord_1', lines: [1, 'two', true, null] } },
  account: 'acct_1',
  workflow: 'refunds',
  capturedAt: '2026-03-02T09:00:00.000Z',
  summary: 'Refund 250 EUR',
};

export const APPROVAL = {
  id: 'apr_1',
  teamId: 'team_a',
  challenge: b64url.encode(new Uint8Array(32).fill(7)),
  expiresAt: '2026-03-02T09:15:00.000Z',
};
export const BEFORE_EXPIRY = new Date('2026-03-02T09:10:00.000Z');
export const AFTER_EXPIRY = new Date('2026-03-02T09:15:00.001Z');

export const trust: TrustSet = { approverKeys: [pub(keys.approver)] };

export function suspendedReceipt(overrides: Partial<Parameters<typeof buildReceipt>[0]> = {}): Receipt {
  return buildReceipt(
    {
      teamId: 'team_a',
      action: ACTION,
      verdict: 'suspend',
      policy: { version: 'pol_1', ruleId: 'big-refunds' },
      receiptId: 'rcpt_1',
      issuedAt: '2026-03-02T09:00:01.000Z',
      ...overrides,
    },
    keys.operator,
  );
}

export function cosigned(decision: 'approve' | 'deny' = 'approve', approverSecret = keys.approver): Receipt {
  const receipt = suspendedReceipt();
  const cosignature = buildCosignature(
    { approval: { ...APPROVAL, receipt }, decision, reason: 'checked', decidedAt: '2026-03-02T09:05:00.000Z' },
    approverSecret,
  );
  return attachCosignature(receipt, cosignature);
}

/** A decision statement signed directly (bypassing buildCosignature's refusals) to test the verifier. */
export function signedDecision(statement: DecisionStatement, secret = keys.approver): Cosignature {
  return { statement, signature: signStatement(statement, secret), approverPublicKey: pub(secret) };
}

export function decisionFor(receipt: Receipt, patch: Partial<DecisionStatement> = {}): DecisionStatement {
  const st = receipt.statement;
  return {
    type: DECISION_TYPE,
    teamId: st.teamId,
    approvalId: APPROVAL.id,
    receiptId: st.receiptId,
    actionHash: st.actionHash,
    operatorKeyId: st.operatorKeyId,
    policyVersion: st.policy.version,
    ruleId: st.policy.ruleId,
    decision: 'approve',
    challenge: APPROVAL.challenge,
    decidedAt: '2026-03-02T09:05:00.000Z',
    expiresAt: APPROVAL.expiresAt,
    approverKeyId: keyIdOf(publicKeyFromSecret(keys.approver)),
    ...patch,
  };
}

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
