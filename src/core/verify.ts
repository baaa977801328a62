/**
 * Offline verification: re-derive a receipt's effective verdict from its signatures.
 * Needs no key, account or network. Every function here returns a result and never
 * throws, whatever it is given; `assertGate` is the one deliberate thrower.
 * The algorithm is specified step by step in docs/protocol.md ("Verification").
 */
import { canonicalBytes } from './canonical.ts';
import { computeActionHash, type Ed25519Verify, keyIdOf, verifyBytes } from './crypto.ts';
import { b64url } from './encoding.ts';
import {
  Cosignature,
  DECISION_TYPE,
  type Decision,
  RECEIPT_TYPE,
  Receipt,
  type ReceiptStatement,
  TrustSet,
  type Verdict,
} from './schemas.ts';
import { compareTimestamps, issuesOf } from './validate.ts';

/** Every reason a verification can fail. Closed set; documented in docs/protocol.md. */
export const VERIFY_REASON_CODES = [
  'malformed',
  'wrong_statement_type',
  'bad_operator_signature',
  'operator_key_mismatch',
  'operator_untrusted',
  'action_hash_mismatch',
  'verdict_block',
  'approval_missing',
  'unexpected_cosignature',
  'bad_cosignature',
  'approver_key_mismatch',
  'approver_untrusted',
  'decision_binding_mismatch',
  'decision_after_expiry',
  'approval_expired',
  'decision_denied',
  'challenge_mismatch',
  'approval_id_mismatch',
] as const;
export type VerifyReasonCode = (typeof VERIFY_REASON_CODES)[number];

/**
 * Reasons that describe the outcome of a receipt whose signatures and bindings are all
 * sound (it is valid, but not allowed). Every other code means the receipt is invalid.
 */
const OUTCOME_REASONS: ReadonlySet<VerifyReasonCode> = new Set([
  'verdict_block',
  'approval_missing',
  'decision_denied',
  'approval_expired',
]);

export interface VerifyReason {
  code: VerifyReasonCode;
  message: string;
  /** Dotted path of the field to blame, when there is one. */
  field?: string;
}

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
  expect?: { approvalId?: string; challenge?: string };
  /** Also fail (approval_expired) when the approval's expiry is before `now`. `gate` sets this. */
  requireUnexpired?: boolean;
}

type AddReason = (code: VerifyReasonCode, message: string, field?: string) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeOrNull(text: string): Uint8Array | null {
  try {
    return b64url.decode(text);
  } catch {
    return null;
  }
}

function signatureValid(sigB64: string, statement: object, publicKey: Uint8Array, verify: Ed25519Verify): boolean {
  const sig = decodeOrNull(sigB64);
  return sig !== null && verify(sig, canonicalBytes(statement), publicKey);
}

/** The receipt fields a decision statement must repeat, plus what the caller knows about the approval. */
interface DecisionExpectations {
  receipt: ReceiptStatement;
  teamId: string;
  approvalId?: string;
  challenge?: string;
  expiresAt?: string;
}

interface DecisionCheck {
  /** Parsed co-signature, or null when malformed. */
  cosignature: Cosignature | null;
  approverKeyId: string | null;
  /** The approver's public key bytes, when decodable. */
  approverPublicKey: Uint8Array | null;
}

/** Checks a co-signature's shape, key id, signature, bindings and timing. Trust is the caller's business. */
function checkDecision(
  raw: unknown,
  expected: DecisionExpectations,
  at: string,
  opts: { verify: Ed25519Verify; now?: Date; requireUnexpired: boolean },
  add: AddReason,
): DecisionCheck {
  const none: DecisionCheck = { cosignature: null, approverKeyId: null, approverPublicKey: null };
  if (isRecord(raw) && isRecord(raw.statement) && raw.statement.type !== DECISION_TYPE) {
    add(
      'wrong_statement_type',
      `expected a "${DECISION_TYPE}" statement, got ${JSON.stringify(raw.statement.type) ?? 'none'}`,
      `${at}.statement.type`,
    );
    return none;
  }
  const parsed = Cosignature.safeParse(raw);
  if (!parsed.success) {
    for (const issue of issuesOf(parsed.error, at)) add('malformed', `${issue.field}: ${issue.message}`, issue.field);
    return none;
  }
  const cos = parsed.data;
  const st = cos.statement;
  const publicKey = decodeOrNull(cos.approverPublicKey);
  if (!publicKey) {
    add('malformed', `${at}.approverPublicKey: not canonical base64url`, `${at}.approverPublicKey`);
    return { cosignature: cos, approverKeyId: null, approverPublicKey: null };
  }
  const approverKeyId = keyIdOf(publicKey);
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

function verifyReceiptUnguarded(input: unknown, trust: unknown, opts: VerifyOptions): VerifyResult {
  const reasons: VerifyReason[] = [];
  const add: AddReason = (code, message, field) =>
    reasons.push(field === undefined ? { code, message } : { code, message, field });
  const blank = {
    verdict: 'block' as Verdict,
    claimedVerdict: null,
    operatorKeyId: null,
    approverKeyId: null,
    decision: null,
  };
  const verify = opts.verify ?? verifyBytes;

  const trustParsed = TrustSet.safeParse(trust);
  if (!trustParsed.success) {
    for (const issue of issuesOf(trustParsed.error, 'trust'))
      add('malformed', `${issue.field}: ${issue.message}`, issue.field);
    return finish(reasons, blank);
  }
  const approverIds = trustedKeyIds(trustParsed.data.approverKeys, 'trust.approverKeys', add);
  const operatorIds = trustParsed.data.operatorKeys
    ? trustedKeyIds(trustParsed.data.operatorKeys, 'trust.operatorKeys', add)
    : null;

  if (!isRecord(input)) {
    add('malformed', 'receipt: expected a JSON object with statement and signature', 'receipt');
    return finish(reasons, blank);
  }
  if (isRecord(input.statement) && input.statement.type !== RECEIPT_TYPE) {
    add(
      'wrong_statement_type',
      `expected a "${RECEIPT_TYPE}" statement, got ${JSON.stringify(input.statement.type) ?? 'none'}`,
      'receipt.statement.type',
    );
    return finish(reasons, blank);
  }
  const { cosignature: rawCosignature, ...envelope } = input;
  const parsed = Receipt.omit({ cosignature: true }).safeParse(envelope);
  if (!parsed.success) {
    for (const issue of issuesOf(parsed.error, 'receipt'))
      add('malformed', `${issue.field}: ${issue.message}`, issue.field);
    return finish(reasons, blank);
  }
  const st = parsed.data.statement;
  const operatorKey = decodeOrNull(st.operatorPublicKey);
  if (!operatorKey) {
    add(
      'malformed',
      'receipt.statement.operatorPublicKey: not canonical base64url',
      'receipt.statement.operatorPublicKey',
    );
    return finish(reasons, { ...blank, claimedVerdict: st.verdict });
  }
  const operatorKeyId = keyIdOf(operatorKey);
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
  if (!signatureValid(parsed.data.signature, st, operatorKey, verify)) {
    add(
      'bad_operator_signature',
      'the operator signature does not verify over the receipt statement',
      'receipt.signature',
    );
  }
  if (computeActionHash(st.action) !== st.actionHash) {
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
  const effective = (verdict: Verdict): Verdict => (operatorValid ? verdict : 'block');

  if (st.verdict !== 'suspend') {
    if (rawCosignature !== undefined) {
      add('unexpected_cosignature', `a "${st.verdict}" receipt must not carry a co-signature`, 'receipt.cosignature');
    }
    if (st.verdict === 'block') add('verdict_block', 'the policy verdict is block', 'receipt.statement.verdict');
    return finish(reasons, { ...base, verdict: effective(st.verdict) });
  }
  if (rawCosignature === undefined) {
    add('approval_missing', 'the action is suspended and carries no approver co-signature', 'receipt.cosignature');
    return finish(reasons, { ...base, verdict: effective('suspend') });
  }
  const before = reasons.length;
  const check = checkDecision(
    rawCosignature,
    { receipt: st, teamId: st.teamId, approvalId: opts.expect?.approvalId, challenge: opts.expect?.challenge },
    'receipt.cosignature',
    { verify, now: opts.now, requireUnexpired: opts.requireUnexpired ?? false },
    add,
  );
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
    return finish(reasons, { ...withApprover, verdict: effective('suspend') });
  if (decision === 'deny') {
    add('decision_denied', 'the approver denied the action', 'receipt.cosignature.statement.decision');
    return finish(reasons, { ...withApprover, verdict: 'block' });
  }
  return finish(reasons, { ...withApprover, verdict: effective('allow') });
}

/** Verifies a receipt against locally pinned trust and re-derives its verdict. Never throws. */
export function verifyReceipt(receipt: unknown, trust: TrustSet, opts: VerifyOptions = {}): VerifyResult {
  try {
    return verifyReceiptUnguarded(receipt, trust, opts);
  } catch (err) {
    // Only reachable with hostile objects (throwing getters, proxies); JSON input cannot get here.
    const message = `receipt could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return finish([{ code: 'malformed', message, field: 'receipt' }], {
      verdict: 'block',
      claimedVerdict: null,
      operatorKeyId: null,
      approverKeyId: null,
      decision: null,
    });
  }
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
    const receipt = Receipt.safeParse(context.receipt);
    if (!receipt.success) {
      for (const issue of issuesOf(receipt.error, 'context.receipt'))
        add('malformed', `${issue.field}: ${issue.message}`, issue.field);
      return fail();
    }
    const check = checkDecision(
      cosignature,
      {
        receipt: receipt.data.statement,
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
