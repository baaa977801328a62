/**
 * How the verifier presents a result. "Valid signatures, but from a key you do not trust" is
 * its own amber result, apart from a forgery (red): the math checks out, only the trust is
 * missing, and the fix is to compare and add the key, not to distrust the receipt's content.
 * Pure: unit-tested in test/renderer/verdict.test.ts.
 */
import { OUTCOME_REASONS, type VerifyReasonCode } from '../../src/core/reasons.ts';
import { Receipt } from '../../src/core/schemas.ts';
import type { VerifyResult } from '../../src/core/verify.ts';

export type VerdictKind = 'allowed' | 'valid' | 'untrusted' | 'invalid';

const TRUST_REASONS: ReadonlySet<VerifyReasonCode> = new Set(['approver_untrusted', 'operator_untrusted']);

export function verdictKind(result: VerifyResult): VerdictKind {
  if (result.ok) return 'allowed';
  if (result.valid) return 'valid';
  const untrustedOnly =
    result.reasons.some((r) => TRUST_REASONS.has(r.code)) &&
    result.reasons.every((r) => TRUST_REASONS.has(r.code) || OUTCOME_REASONS.has(r.code));
  return untrustedOnly ? 'untrusted' : 'invalid';
}

export const VERDICT_TONE: Record<VerdictKind, 'alert-ok' | 'alert-warning' | 'alert-error'> = {
  allowed: 'alert-ok',
  valid: 'alert-warning',
  untrusted: 'alert-warning',
  invalid: 'alert-error',
};

/** What the receipt says was done and decided, read only when it is well-formed. */
export interface ReceiptFacts {
  tool: string;
  account: string;
  decision: string | null;
  reason: string | null;
}

export function receiptFacts(receipt: unknown): ReceiptFacts | null {
  const parsed = Receipt.safeParse(receipt);
  if (!parsed.success) return null;
  const { statement, cosignature } = parsed.data;
  return {
    tool: statement.action.tool,
    account: statement.action.account,
    decision: cosignature?.statement.decision ?? null,
    reason: cosignature?.statement.reason ?? null,
  };
}
