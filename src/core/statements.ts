/**
 * Building and signing statements. A signature is Ed25519 over the JCS bytes of the
 * statement object (which includes its `type`, the domain separation). Builders validate
 * their output against schemas.ts, so nothing unsignable or off-spec ever leaves here.
 */
import { canonicalBytes } from './canonical.ts';
import {
  computeActionHash,
  type Ed25519Verify,
  keyIdOf,
  publicKeyFromSecret,
  randomBytes,
  signBytes,
  verifyBytes,
} from './crypto.ts';
import { b64url, toHex } from './encoding.ts';
import {
  Action,
  type ApproverConfirmation,
  type Cosignature,
  DECISION_TYPE,
  type Decision,
  DecisionStatement,
  Id,
  type PolicyRef,
  type QuorumRequirement,
  RECEIPT_TYPE,
  Receipt,
  ReceiptStatement,
  type Verdict,
} from './schemas.ts';
import { compareTimestamps, parseWith, timestampOf, ValidationError } from './validate.ts';

/** base64url Ed25519 signature over the JCS bytes of `statement`. */
export function signStatement(statement: object, secretKey: Uint8Array): string {
  return b64url.encode(signBytes(canonicalBytes(statement), secretKey));
}

/** True when `signatureB64` is a valid signature by `publicKeyB64` over the JCS bytes of `statement`. Never throws. */
export function verifyStatement(
  statement: unknown,
  signatureB64: string,
  publicKeyB64: string,
  verify: Ed25519Verify = verifyBytes,
): boolean {
  try {
    return verify(b64url.decode(signatureB64), canonicalBytes(statement), b64url.decode(publicKeyB64));
  } catch {
    return false;
  }
}

/** Drops keys whose value is undefined, so optional fields are absent (JCS refuses undefined). */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A fresh receipt id: `rcpt_` + 32 hex characters (128 random bits). */
export function newReceiptId(): string {
  return `rcpt_${toHex(randomBytes(16))}`;
}

export interface BuildReceiptInput {
  teamId: string;
  action: Action;
  verdict: Verdict;
  policy: PolicyRef;
  /** The matched rule's confirmation requirement; omitted from the statement when undefined. */
  confirm?: ApproverConfirmation;
  /** The matched rule's quorum (quorumOfRule); omitted when undefined (one approver, veto). */
  quorum?: QuorumRequirement;
  receiptId?: string;
  /** RFC 3339 UTC; defaults to now. */
  issuedAt?: string;
}

/** The operator-signed receipt for an action and the policy's verdict. Throws ValidationError on bad input. */
export function buildReceipt(input: BuildReceiptInput, operatorSecretKey: Uint8Array): Receipt {
  const action = withoutUndefined(parseWith(Action, input.action, 'action'));
  const operatorPublicKey = publicKeyFromSecret(operatorSecretKey);
  const statement = parseWith(
    ReceiptStatement,
    {
      type: RECEIPT_TYPE,
      receiptId: input.receiptId ?? newReceiptId(),
      teamId: input.teamId,
      action,
      actionHash: computeActionHash(action),
      verdict: input.verdict,
      policy: input.policy,
      operatorKeyId: keyIdOf(operatorPublicKey),
      operatorPublicKey: b64url.encode(operatorPublicKey),
      issuedAt: input.issuedAt ?? timestampOf(new Date()),
      ...(input.confirm === undefined ? {} : { confirm: input.confirm }),
      ...(input.quorum === undefined ? {} : { quorum: input.quorum }),
    },
    'receipt',
  );
  return { statement, signature: signStatement(statement, operatorSecretKey) };
}

/** What the approver decides on: the approval as the control plane issued it. */
export interface ApprovalContext {
  id: string;
  teamId: string;
  challenge: string;
  expiresAt: string;
  receipt: Receipt;
}

export interface BuildCosignatureInput {
  approval: ApprovalContext;
  decision: Decision;
  reason?: string;
  /** RFC 3339 UTC; defaults to now. */
  decidedAt?: string;
  /** Ed25519 verification for the pre-approve check; defaults to @noble/ed25519 (Node may pass `nodeVerify`). */
  verify?: Ed25519Verify;
}

/**
 * The approver's signed decision, binding the approval (team, id, challenge, expiry) and
 * everything that identifies its receipt. Refuses (ValidationError) to sign after the
 * approval expired, for another team's receipt, and — for `approve` — for a receipt that is
 * not an operator-signed `suspend` receipt whose hash matches its action: an approval is
 * only ever signed over what was checked. A `deny` may be signed for a receipt that fails
 * those checks (a quarantined, tampered request): refusing can never make anything run,
 * and the statement still binds the approval's id and challenge.
 */
export function buildCosignature(input: BuildCosignatureInput, approverSecretKey: Uint8Array): Cosignature {
  const { approval } = input;
  const receipt = parseWith(Receipt, approval.receipt, 'approval.receipt');
  const rs = receipt.statement;
  if (input.decision === 'approve') assertApprovable(receipt, input.verify);
  if (rs.teamId !== approval.teamId) {
    throw new ValidationError('approval.teamId: differs from the receipt team', 'approval.teamId');
  }
  const approverPublicKey = publicKeyFromSecret(approverSecretKey);
  const statement = parseWith(
    DecisionStatement,
    withoutUndefined({
      type: DECISION_TYPE,
      teamId: approval.teamId,
      approvalId: parseWith(Id, approval.id, 'approval.id'),
      receiptId: rs.receiptId,
      actionHash: rs.actionHash,
      operatorKeyId: rs.operatorKeyId,
      policyVersion: rs.policy.version,
      ruleId: rs.policy.ruleId,
      decision: input.decision,
      reason: input.reason,
      challenge: approval.challenge,
      decidedAt: input.decidedAt ?? timestampOf(new Date()),
      expiresAt: approval.expiresAt,
      approverKeyId: keyIdOf(approverPublicKey),
    }),
    'decision',
  );
  if ((compareTimestamps(statement.decidedAt, statement.expiresAt) ?? 1) > 0) {
    throw new ValidationError(
      `approval.expiresAt: the approval expired at ${statement.expiresAt}`,
      'approval.expiresAt',
    );
  }
  return {
    statement,
    signature: signStatement(statement, approverSecretKey),
    approverPublicKey: b64url.encode(approverPublicKey),
  };
}

/** What must hold before anyone signs `approve`: the operator signed it, the hash is the action's, it is suspended. */
function assertApprovable(receipt: Receipt, verify: Ed25519Verify = verifyBytes): void {
  const rs = receipt.statement;
  if (!verifyStatement(rs, receipt.signature, rs.operatorPublicKey, verify)) {
    throw new ValidationError(
      'approval.receipt.signature: the operator signature does not verify',
      'approval.receipt.signature',
    );
  }
  if (computeActionHash(rs.action) !== rs.actionHash) {
    throw new ValidationError(
      'approval.receipt.statement.actionHash: does not match the action',
      'approval.receipt.statement.actionHash',
    );
  }
  if (rs.verdict !== 'suspend') {
    throw new ValidationError(
      `approval.receipt.statement.verdict: is "${rs.verdict}", only suspended actions are decided`,
      'approval.receipt.statement.verdict',
    );
  }
}

/** The receipt with the co-signature attached (a new object; the input is not changed). */
export function attachCosignature(receipt: Receipt, cosignature: Cosignature): Receipt {
  return { statement: receipt.statement, signature: receipt.signature, cosignature };
}
