/**
 * Checking an approver's co-signature: shape, key id, signature, bindings to the receipt and
 * approval, and timing. Used inside verifyReceipt and, via verifyCosignature, by the control
 * plane when a decision is posted. Whether the approver key is trusted is the caller's check.
 */
import { type Ed25519Verify, keyIdOf, verifyBytes } from './crypto.ts';
import { type AddReason, decodeOrNull, isRecord, signatureValid, type VerifyReason } from './reasons.ts';
import { Cosignature, DECISION_TYPE, type Decision, Receipt, type ReceiptStatement } from './schemas.ts';
import { compareTimestamps, issuesOf } from './validate.ts';

/** The receipt fields a decision statement must repeat, plus what the caller knows about the approval. */
export interface DecisionExpectations {
  receipt: ReceiptStatement;
  teamId: string;
  approvalId?: string;
  challenge?: string;
  expiresAt?: string;
}

export interface DecisionCheck {
  /** Parsed co-signature, or null when malformed. */
  cosignature: Cosignature | null;
  approverKeyId: string | null;
  /** The approver's public key bytes, when decodable. */
  approverPublicKey: Uint8Array | null;
}

export interface DecisionCheckOptions {
  verify: Ed25519Verify;
  now?: Date;
  requireUnexpired: boolean;
}

/** A co-signature read through the one schema, or null with the reasons added. */
export function parseCosignature(raw: unknown, at: string, add: AddReason): Cosignature | null {
  if (isRecord(raw) && isRecord(raw.statement) && raw.statement.type !== DECISION_TYPE) {
    add(
      'wrong_statement_type',
      `expected a "${DECISION_TYPE}" statement, got ${JSON.stringify(raw.statement.type) ?? 'none'}`,
      `${at}.statement.type`,
    );
    return null;
  }
  const parsed = Cosignature.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of issuesOf(parsed.error, at)) add('malformed', `${issue.field}: ${issue.message}`, issue.field);
  return null;
}

/** Checks a co-signature's shape, key id, signature, bindings and timing. Trust is the caller's business. */
export function checkDecision(
  raw: unknown,
  expected: DecisionExpectations,
  at: string,
  opts: DecisionCheckOptions,
  add: AddReason,
): DecisionCheck {
  const cos = parseCosignature(raw, at, add);
  if (!cos) return { cosignature: null, approverKeyId: null, approverPublicKey: null };
  return checkParsedDecision(cos, expected, at, opts, add);
}

/**
 * `checkDecision` after the parse: for a co-signature that already went through the
 * `Cosignature` schema (the control plane parsed the request body with it). Same checks,
 * same reasons, minus a second parse.
 */
export function checkParsedDecision(
  cos: Cosignature,
  expected: DecisionExpectations,
  at: string,
  opts: DecisionCheckOptions,
  add: AddReason,
): DecisionCheck {
  const st = cos.statement;
  const publicKey = decodeOrNull(cos.approverPublicKey);
  if (!publicKey) {
    add('malformed', `${at}.approverPublicKey: not canonical base64url`, `${at}.approverPublicKey`);
    return { cosignature: cos, approverKeyId: null, approverPublicKey: null };
  }
  const approverKeyId = keyIdOf(cos.approverPublicKey);
  if (approverKeyId !== st.approverKeyId) {
    add(
      'approver_key_mismatch',
      `statement names approver key ${st.approverKeyId} but the attached public key is ${approverKeyId}`,
      `${at}.statement.approverKeyId`,
    );
  }
  if (!signatureValid(cos.signature, st, publicKey, opts.verify)) {
    add('bad_cosignature', 'the approver signature does not verify over the decision statement', `${at}.signature`);
  }
  const r = expected.receipt;
  const bindings: [keyof typeof st, unknown][] = [
    ['teamId', expected.teamId],
    ['receiptId', r.receiptId],
    ['actionHash', r.actionHash],
    ['operatorKeyId', r.operatorKeyId],
    ['policyVersion', r.policy.version],
    ['ruleId', r.policy.ruleId],
  ];
  if (expected.expiresAt !== undefined) bindings.push(['expiresAt', expected.expiresAt]);
  for (const [name, want] of bindings) {
    if (st[name] !== want) {
      add(
        'decision_binding_mismatch',
        `decision ${name} is ${JSON.stringify(st[name])} but expected ${JSON.stringify(want)}`,
        `${at}.statement.${name}`,
      );
    }
  }
  if (expected.approvalId !== undefined && st.approvalId !== expected.approvalId) {
    add(
      'approval_id_mismatch',
      `decision is for approval ${JSON.stringify(st.approvalId)}, expected ${JSON.stringify(expected.approvalId)}`,
      `${at}.statement.approvalId`,
    );
  }
  if (expected.challenge !== undefined && st.challenge !== expected.challenge) {
    add(
      'challenge_mismatch',
      'decision carries a different challenge than the approval issued',
      `${at}.statement.challenge`,
    );
  }
  if ((compareTimestamps(st.decidedAt, st.expiresAt) ?? 1) > 0) {
    add(
      'decision_after_expiry',
      `decided at ${st.decidedAt}, after the approval expired at ${st.expiresAt}`,
      `${at}.statement.decidedAt`,
    );
  }
  if (opts.requireUnexpired) {
    const now = (opts.now ?? new Date()).toISOString();
    if ((compareTimestamps(now, st.expiresAt) ?? 1) > 0) {
      add('approval_expired', `the approval expired at ${st.expiresAt} (now ${now})`, `${at}.statement.expiresAt`);
    }
  }
  return { cosignature: cos, approverKeyId, approverPublicKey: publicKey };
}

export interface CosignatureContext {
  teamId: string;
  approvalId: string;
  challenge: string;
  expiresAt: string;
  receipt: Receipt;
}

export interface CosignatureCheckResult {
  /** Shape, key id, signature, every binding and timing check out. Approver trust is NOT checked here. */
  ok: boolean;
  reasons: VerifyReason[];
  /** The parsed co-signature when it was well-formed. */
  cosignature: Cosignature | null;
  approverKeyId: string | null;
  decision: Decision | null;
}

/**
 * Checks a posted co-signature against the approval it claims to decide (the control
 * plane's own record). With `now`, an approval past its expiry fails `approval_expired`.
 * Whether the approver key is active for the team is the caller's check. Never throws.
 */
export function verifyCosignature(
  cosignature: unknown,
  context: CosignatureContext,
  opts: { verify?: Ed25519Verify; now?: Date } = {},
): CosignatureCheckResult {
  return cosignatureResult(context, opts, (add) => {
    const receipt = Receipt.safeParse(context.receipt);
    if (!receipt.success) {
      for (const issue of issuesOf(receipt.error, 'context.receipt'))
        add('malformed', `${issue.field}: ${issue.message}`, issue.field);
      return null;
    }
    const parsed = parseCosignature(cosignature, 'cosignature', add);
    return parsed && { cosignature: parsed, receipt: receipt.data.statement };
  });
}

/**
 * `verifyCosignature` for values that already went through the schemas: the co-signature
 * parsed from the request body with `Cosignature`, the receipt one the server stored after
 * parsing it with `Receipt`. The same checks and the same result, without parsing either
 * again (the server's decision path; test/core/verify-parsed.test.ts holds the two to the
 * same verdicts). Anything not from the schemas goes to `verifyCosignature`. Never throws.
 */
export function verifyParsedCosignature(
  cosignature: Cosignature,
  context: CosignatureContext,
  opts: { verify?: Ed25519Verify; now?: Date } = {},
): CosignatureCheckResult {
  return cosignatureResult(context, opts, () => ({ cosignature, receipt: context.receipt.statement }));
}

type ReadParts = (add: AddReason) => { cosignature: Cosignature; receipt: ReceiptStatement } | null;

function cosignatureResult(
  context: CosignatureContext,
  opts: { verify?: Ed25519Verify; now?: Date },
  read: ReadParts,
): CosignatureCheckResult {
  const reasons: VerifyReason[] = [];
  const add: AddReason = (code, message, field) =>
    reasons.push(field === undefined ? { code, message } : { code, message, field });
  const fail = (): CosignatureCheckResult => ({
    ok: false,
    reasons,
    cosignature: null,
    approverKeyId: null,
    decision: null,
  });
  try {
    const parts = read(add);
    if (!parts) return fail();
    const check = checkParsedDecision(
      parts.cosignature,
      {
        receipt: parts.receipt,
        teamId: context.teamId,
        approvalId: context.approvalId,
        challenge: context.challenge,
        expiresAt: context.expiresAt,
      },
      'cosignature',
      { verify: opts.verify ?? verifyBytes, now: opts.now, requireUnexpired: opts.now !== undefined },
      add,
    );
    return {
      ok: reasons.length === 0 && check.cosignature !== null,
      reasons,
      cosignature: check.cosignature,
      approverKeyId: check.approverKeyId,
      decision: check.cosignature?.statement.decision ?? null,
    };
  } catch (err) {
    add(
      'malformed',
      `co-signature could not be read: ${err instanceof Error ? err.message : String(err)}`,
      'cosignature',
    );
    return fail();
  }
}
