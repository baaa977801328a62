/**
 * What the engine checks between "the person decided" and "sign": the approval it is about to
 * sign must carry exactly what the person reviewed (every field the decision statement binds),
 * and it must be approvable (verified, operator key trusted, not quarantined). Each refusal says
 * what happened; nothing is signed.
 */

import type { z } from 'zod';
import type { Approval } from '../core/api.ts';
import type { DecisionStatement } from '../core/schemas.ts';
import type { DecisionOutcome, PendingItem, ReviewedItem } from './api.ts';
import { reviewedOf } from './display.ts';
import { RemoteError } from './errors.ts';
import { checkInput, DecideInput } from './inputs.ts';

/** The reviewed fields that differ between what was reviewed and `actual`. */
export function differingFields(reviewed: ReviewedItem, actual: ReviewedItem): (keyof ReviewedItem)[] {
  const keys = Object.keys(reviewed) as (keyof ReviewedItem)[];
  return keys.filter((k) => reviewed[k] !== actual[k]);
}

/** What a signed decision statement (e.g. one waiting in the outbox) binds, as a ReviewedItem. */
export function reviewedOfStatement(st: DecisionStatement): ReviewedItem {
  return {
    approvalId: st.approvalId,
    teamId: st.teamId,
    receiptId: st.receiptId,
    actionHash: st.actionHash,
    operatorKeyId: st.operatorKeyId,
    policyVersion: st.policyVersion,
    ruleId: st.ruleId,
    challenge: st.challenge,
    expiresAt: st.expiresAt,
  };
}

/** A ReviewedItem of a bare approval (as the control plane served it). */
export function reviewedOfApproval(approval: Approval): ReviewedItem {
  return reviewedOf({ approval });
}

/**
 * The fields that differ from `reviewed` in any of `candidates` (held item, fresh fetch…), or an
 * empty list when every candidate carries exactly what was reviewed.
 */
export function reviewMismatch(reviewed: ReviewedItem, candidates: readonly ReviewedItem[]): (keyof ReviewedItem)[] {
  const fields = new Set<keyof ReviewedItem>();
  for (const c of candidates) for (const f of differingFields(reviewed, c)) fields.add(f);
  return [...fields];
}

export function changedOutcome(fields: readonly string[], approval: Approval | null): DecisionOutcome {
  return {
    status: 'refused',
    message: `Refused: this approval changed after it was shown to you (${fields.join(', ')} differ). Nothing was signed. Review the request again before deciding.`,
    approval,
  };
}

/** Why `item` cannot be approved (quarantined, failed verification, untrusted operator key); null if it can. */
export function approveRefusal(item: PendingItem): DecisionOutcome | null {
  if (item.verification.ok && !item.quarantined) return null;
  const firstSeenOnly = !item.quarantined && item.operator.trust === 'first_seen';
  const what = firstSeenOnly
    ? `its operator key ${item.operator.fingerprint} is not trusted on this device yet. Compare the fingerprint with your team admin and trust the key (\`heso-approver trust confirm ${item.approval.id} --fingerprint "${item.operator.fingerprint}"\`, or "Trust this operator key" in the app), then approve again`
    : `this approval failed local verification (${item.verification.reasons.join('; ')}). You can deny it`;
  return { status: 'refused', message: `Refused to approve: ${what}. Nothing was signed.`, approval: item.approval };
}

/** A fetch that failed because the control plane could not answer now (not because it answered wrong). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof RemoteError && ['unreachable', 'rate_limited', 'server_error'].includes(err.code);
}

/** A decision's input, checked with the engine's schema before anything is fetched or signed; the reason trimmed (blank: none). */
export function checkDecideInput(input: DecideInput): z.output<typeof DecideInput> {
  const checked = checkInput(DecideInput, input);
  return { ...checked, reason: checked.reason?.trim() || undefined };
}
