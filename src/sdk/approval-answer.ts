/**
 * What the server's answer to one of our approvals means, decided HERE: the co-signature(s)
 * it relayed are checked against the locally pinned approver keys, our own receipt, the
 * approval id and challenge we were issued, and the clock. The server's "approved" alone
 * never runs anything. Pure: the guard turns the judgement into events, audit lines and errors.
 */
import type { Approval } from '../core/api.ts';
import { gate } from '../core/gate.ts';
import type { Cosignature, Receipt, TrustSet } from '../core/schemas.ts';
import { attachCosignature, attachCosignatures } from '../core/statements.ts';
import { countableCosignatures, type IssuedApproval } from './quorum.ts';

export interface AnswerReason {
  code: string;
  message: string;
}

export type AnswerJudgement =
  /** Approved, and the co-signed receipt verified: it authorises the run. */
  | { outcome: 'approved'; cosigned: Receipt; approverKeyId: string | null }
  /** A verified deny; `reason` is the approver's own words, covered by their signature. */
  | { outcome: 'denied'; cosigned: Receipt; approverKeyId: string | null; reason: string | null }
  /** Decided, but without a co-signature this agent can count. */
  | { outcome: 'missing'; reasons: AnswerReason[] }
  /** A co-signature that did not verify, or that says other than the server reported. */
  | { outcome: 'rejected'; reasons: AnswerReason[]; approverKeyId: string | null };

/** Judges a decided (`approved` or `denied`) answer to the approval we were `issued`. */
export function judgeAnswer(
  answer: Approval,
  receipt: Receipt,
  issued: IssuedApproval,
  trust: TrustSet,
  now: Date,
): AnswerJudgement {
  // A quorum receipt carries every countable co-signature; a single one carries the one relayed.
  const quorumCosignatures = receipt.statement.quorum ? countableCosignatures(answer, receipt, issued, trust) : null;
  if (quorumCosignatures ? quorumCosignatures.length === 0 : !answer.cosignature) {
    const message =
      `the server reported ${answer.status} without a co-signature ${quorumCosignatures ? 'this agent can count' : ''}`.trim();
    return { outcome: 'missing', reasons: [{ code: 'approval_missing', message }] };
  }
  // Our own receipt, the co-signature(s) the server relayed, and what we were issued at opening.
  const cosigned = quorumCosignatures
    ? attachCosignatures(receipt, quorumCosignatures)
    : attachCosignature(receipt, answer.cosignature!);
  const result = gate(cosigned, trust, { expect: issued, now });
  const reasons: AnswerReason[] = result.reasons.map((r) => ({ code: r.code, message: r.message }));
  const approverKeyId = result.approverKeyId;
  if (reasons.length === 0 && result.ok && result.verdict === 'allow' && answer.status === 'approved')
    return { outcome: 'approved', cosigned, approverKeyId };
  if (result.valid && result.decision === 'deny' && reasons.every((r) => r.code === 'decision_denied'))
    return { outcome: 'denied', cosigned, approverKeyId, reason: vetoOf(cosigned)?.statement.reason ?? null };
  if (reasons.length === 0)
    reasons.push({
      code: 'status_mismatch',
      message: `the server reported ${answer.status} but the co-signature says otherwise`,
    });
  return { outcome: 'rejected', reasons, approverKeyId };
}

/** The deny that decided a receipt: its co-signature, or the first deny among its co-signatures. */
function vetoOf(receipt: Receipt): Cosignature | undefined {
  return receipt.cosignature ?? receipt.cosignatures?.find((c) => c.statement.decision === 'deny');
}
