/**
 * Offline verification: re-derive a receipt's effective verdict from its signatures.
 * Needs no key, account or network. Every function here returns a result and never
 * throws, whatever it is given; `assertGate` is the one deliberate thrower.
 * The algorithm is specified step by step in docs/protocol.md ("Verification").
 */

import { canonicalBytes, canonicalize } from './canonical.ts';
import { checkParsedDecision, type DecisionCheck, parseCosignature } from './cosignature.ts';
import { actionHashOfCanonical, type Ed25519Verify, keyIdOf, verifyBytes } from './crypto.ts';
import {
  type AddReason,
  decodeOrNull,
  isRecord,
  OUTCOME_REASONS,
  signatureValid,
  type VerifyReason,
} from './reasons.ts';
import { type Cosignature, type Decision, RECEIPT_TYPE, Receipt, TrustSet, type Verdict } from './schemas.ts';
import { issuesOf } from './validate.ts';

export {
  type CosignatureCheckResult,
  type CosignatureContext,
  verifyCosignature,
  verifyParsedCosignature,
} from './cosignature.ts';
export { VERIFY_REASON_CODES, type VerifyReason, type VerifyReasonCode } from './reasons.ts';

export interface VerifyResult {
  /** valid AND the effective verdict is `allow`: the action may run. */
  ok: boolean;
  /** Every signature and binding checks out and every signer is trusted. */
  valid: boolean;
  /**
   * Effective verdict, re-derived: the operator's verdict, except that `suspend` becomes
   * `allow` with an accepted approve co-signature and `block` with an accepted deny.
   * `block` when the operator part of the receipt is not valid (fail closed).
   */
  verdict: Verdict;
  /** The verdict the operator signed, when the receipt could be read. */
  claimedVerdict: Verdict | null;
  /** Empty when ok. */
  reasons: VerifyReason[];
  operatorKeyId: string | null;
  approverKeyId: string | null;
  decision: Decision | null;
}

export interface VerifyOptions {
  /** Clock for `requireUnexpired`; defaults to the current time. */
  now?: Date;
  /** Ed25519 implementation; defaults to @noble/ed25519. Node servers may pass `nodeVerify`. */
  verify?: Ed25519Verify;
  /** Values the caller knows independently (e.g. from its own approval record); mismatches fail. */
  expect?: { approvalId?: string; challenge?: string; expiresAt?: string };
  /** Also fail (approval_expired) when the approval's expiry is before `now`. `gate` sets this. */
  requireUnexpired?: boolean;
}

/** The operator part of a receipt. Built once: deriving a zod schema costs more than the two signature checks. */
const OperatorReceipt = Receipt.omit({ cosignature: true });
type OperatorReceipt = Omit<Receipt, 'cosignature'>;

/** Key ids of a trust list; undecodable entries are reported as malformed trust. */
function trustedKeyIds(keys: readonly string[], field: string, add: AddReason): Set<string> {
  const ids = new Set<string>();
  keys.forEach((key, i) => {
    const bytes = decodeOrNull(key);
    if (bytes && bytes.length === 32) ids.add(keyIdOf(bytes));
    else add('malformed', `${field}[${i}]: not a canonical base64url Ed25519 public key`, `${field}[${i}]`);
  });
  return ids;
}

function finish(reasons: VerifyReason[], partial: Omit<VerifyResult, 'ok' | 'valid' | 'reasons'>): VerifyResult {
  const valid = reasons.every((r) => OUTCOME_REASONS.has(r.code));
  const verdict = valid ? partial.verdict : partial.verdict === 'allow' ? 'block' : partial.verdict;
  return { ...partial, verdict, ok: valid && verdict === 'allow' && reasons.length === 0, valid, reasons };
}

/** Reasons collected by one verification, and the function that adds to them. */
function collector(): { reasons: VerifyReason[]; add: AddReason } {
  const reasons: VerifyReason[] = [];
  const add: AddReason = (code, message, field) =>
    reasons.push(field === undefined ? { code, message } : { code, message, field });
  return { reasons, add };
}

const BLANK = {
  verdict: 'block' as Verdict,
  claimedVerdict: null,
  operatorKeyId: null,
  approverKeyId: null,
  decision: null,
};

/** The key ids a parsed trust set names (undecodable ones reported); operator ids null when it pins none. */
function trustIds(trust: TrustSet, add: AddReason): { approverIds: Set<string>; operatorIds: Set<string> | null } {
  return {
    approverIds: trustedKeyIds(trust.approverKeys, 'trust.approverKeys', add),
    operatorIds: trust.operatorKeys ? trustedKeyIds(trust.operatorKeys, 'trust.operatorKeys', add) : null,
  };
}

function verifyReceiptUnguarded(input: unknown, trust: unknown, opts: VerifyOptions): VerifyResult {
  const { reasons, add } = collector();
  const trustParsed = TrustSet.safeParse(trust);
  if (!trustParsed.success) {
    for (const issue of issuesOf(trustParsed.error, 'trust'))
      add('malformed', `${issue.field}: ${issue.message}`, issue.field);
    return finish(reasons, BLANK);
  }
  const ids = trustIds(trustParsed.data, add);
  if (!isRecord(input)) {
    add('malformed', 'receipt: expected a JSON object with statement and signature', 'receipt');
    return finish(reasons, BLANK);
  }
  if (isRecord(input.statement) && input.statement.type !== RECEIPT_TYPE) {
    add(
      'wrong_statement_type',
      `expected a "${RECEIPT_TYPE}" statement, got ${JSON.stringify(input.statement.type) ?? 'none'}`,
      'receipt.statement.type',
    );
    return finish(reasons, BLANK);
  }
  const { cosignature: rawCosignature, ...envelope } = input;
  const parsed = OperatorReceipt.safeParse(envelope);
  if (!parsed.success) {
    for (const issue of issuesOf(parsed.error, 'receipt'))
      add('malformed', `${issue.field}: ${issue.message}`, issue.field);
    return finish(reasons, BLANK);
  }
  const cosignature = rawCosignature === undefined ? undefined : { raw: rawCosignature };
  return verifyParts(parsed.data, cosignature, ids, opts, { reasons, add });
}

/**
 * Everything after the parse, shared by `verifyReceipt` and `verifyParsedReceipt`: key id,
 * trust, operator signature, action hash, then the co-signature (parsed here, when it came
 * raw, only if it counts).
 */
function verifyParts(
  operatorPart: OperatorReceipt,
  attached: { raw: unknown } | { parsed: Cosignature } | undefined,
  { approverIds, operatorIds }: { approverIds: Set<string>; operatorIds: Set<string> | null },
  opts: VerifyOptions,
  { reasons, add }: { reasons: VerifyReason[]; add: AddReason },
): VerifyResult {
  const verify = opts.verify ?? verifyBytes;
  const st = operatorPart.statement;
  const operatorKey = decodeOrNull(st.operatorPublicKey);
  if (!operatorKey) {
    add(
      'malformed',
      'receipt.statement.operatorPublicKey: not canonical base64url',
      'receipt.statement.operatorPublicKey',
    );
    return finish(reasons, { ...BLANK, claimedVerdict: st.verdict });
  }
  const operatorKeyId = keyIdOf(st.operatorPublicKey);
  if (operatorKeyId !== st.operatorKeyId) {
    add(
      'operator_key_mismatch',
      `statement names operator key ${st.operatorKeyId} but carries the key of ${operatorKeyId}`,
      'receipt.statement.operatorKeyId',
    );
  }
  if (operatorIds && !operatorIds.has(operatorKeyId)) {
    add(
      'operator_untrusted',
      `operator key ${operatorKeyId} is not in the trusted operator keys`,
      'receipt.statement.operatorPublicKey',
    );
  }
  // The action is canonicalised once, for its hash and inside the signed statement.
  const actionText = canonicalize(st.action);
  const message = canonicalBytes(st, { reuse: { value: st.action, text: actionText } });
  if (!signatureValid(operatorPart.signature, st, operatorKey, verify, message)) {
    add(
      'bad_operator_signature',
      'the operator signature does not verify over the receipt statement',
      'receipt.signature',
    );
  }
  if (actionHashOfCanonical(actionText) !== st.actionHash) {
    add(
      'action_hash_mismatch',
      'actionHash is not the SHA-256 of the canonical action',
      'receipt.statement.actionHash',
    );
  }
  // The operator part decides whether anything else can count; the co-signature is still
  // checked so that every failing reason is reported at once.
  const operatorValid = reasons.length === 0;
  const base = { claimedVerdict: st.verdict, operatorKeyId, approverKeyId: null, decision: null };

  if (st.verdict !== 'suspend') {
    if (attached) {
      add('unexpected_cosignature', `a "${st.verdict}" receipt must not carry a co-signature`, 'receipt.cosignature');
    }
    if (st.verdict === 'block') add('verdict_block', 'the policy verdict is block', 'receipt.statement.verdict');
    return finish(reasons, { ...base, verdict: operatorValid ? st.verdict : 'block' });
  }
  if (!attached) {
    add('approval_missing', 'the action is suspended and carries no approver co-signature', 'receipt.cosignature');
    return finish(reasons, { ...base, verdict: operatorValid ? 'suspend' : 'block' });
  }
  const before = reasons.length;
  const cosignature =
    'parsed' in attached ? attached.parsed : parseCosignature(attached.raw, 'receipt.cosignature', add);
  const check: DecisionCheck = cosignature
    ? checkParsedDecision(
        cosignature,
        {
          receipt: st,
          teamId: st.teamId,
          approvalId: opts.expect?.approvalId,
          challenge: opts.expect?.challenge,
          expiresAt: opts.expect?.expiresAt,
        },
        'receipt.cosignature',
        { verify, now: opts.now, requireUnexpired: opts.requireUnexpired ?? false },
        add,
      )
    : { cosignature: null, approverKeyId: null, approverPublicKey: null };
  if (check.approverKeyId && !approverIds.has(check.approverKeyId)) {
    add(
      'approver_untrusted',
      `approver key ${check.approverKeyId} is not in the trusted approver keys`,
      'receipt.cosignature.approverPublicKey',
    );
  }
  const decision = check.cosignature?.statement.decision ?? null;
  const withApprover = { ...base, approverKeyId: check.approverKeyId, decision };
  if (reasons.length > before || !check.cosignature)
    return finish(reasons, { ...withApprover, verdict: operatorValid ? 'suspend' : 'block' });
  if (decision === 'deny') {
    add('decision_denied', 'the approver denied the action', 'receipt.cosignature.statement.decision');
    return finish(reasons, { ...withApprover, verdict: 'block' });
  }
  return finish(reasons, { ...withApprover, verdict: operatorValid ? 'allow' : 'block' });
}

/** What `verifyReceipt` answers when the input broke the verifier itself (hostile objects). */
function unreadable(err: unknown): VerifyResult {
  // Only reachable with hostile objects (throwing getters, proxies); JSON input cannot get here.
  const message = `receipt could not be read: ${err instanceof Error ? err.message : String(err)}`;
  return finish([{ code: 'malformed', message, field: 'receipt' }], BLANK);
}

/** Verifies a receipt against locally pinned trust and re-derives its verdict. Never throws. */
export function verifyReceipt(receipt: unknown, trust: TrustSet, opts: VerifyOptions = {}): VerifyResult {
  try {
    return verifyReceiptUnguarded(receipt, trust, opts);
  } catch (err) {
    return unreadable(err);
  }
}

/**
 * `verifyReceipt` for a receipt and trust set that already went through the `Receipt` and
 * `TrustSet` schemas (the control plane parsed the request body with them): the same checks
 * and the same result, without a second parse, so that a check costs little more than its
 * signature verifications. test/core/verify-parsed.test.ts holds both entry points to the
 * same results on valid and tampered receipts. Anything not from the schemas (a file, a
 * stored blob, another party's answer) goes to `verifyReceipt`. Never throws.
 */
export function verifyParsedReceipt(receipt: Receipt, trust: TrustSet, opts: VerifyOptions = {}): VerifyResult {
  try {
    const collected = collector();
    const ids = trustIds(trust, collected.add);
    const { cosignature, ...operatorPart } = receipt;
    return verifyParts(operatorPart, cosignature && { parsed: cosignature }, ids, opts, collected);
  } catch (err) {
    return unreadable(err);
  }
}
