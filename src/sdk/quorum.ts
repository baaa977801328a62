/**
 * What the guard takes from a quorum approval the control plane relays: only co-signatures that
 * verify against the approval as this agent opened it, by keys it pinned, one per person. Anything
 * the control plane invents, duplicates or replays is dropped here, then the receipt they make is
 * verified as a whole (core's `gate`), so junk can neither reach the quorum nor block a real one.
 */
import type { Approval } from '../core/api.ts';
import { verifyCosignature } from '../core/cosignature.ts';
import type { Cosignature, Receipt, TrustSet } from '../core/schemas.ts';
import { peopleOf } from '../core/verify-quorum.ts';

export interface IssuedApproval {
  approvalId: string;
  challenge: string;
  expiresAt: string;
}

export function countableCosignatures(
  relayed: Approval,
  receipt: Receipt,
  issued: IssuedApproval,
  trust: TrustSet,
): Cosignature[] {
  const personOf = peopleOf(trust);
  const seen = new Set<string>();
  const kept: Cosignature[] = [];
  for (const decision of relayed.decisions ?? []) {
    const check = verifyCosignature(decision.cosignature, {
      teamId: receipt.statement.teamId,
      approvalId: issued.approvalId,
      challenge: issued.challenge,
      expiresAt: issued.expiresAt,
      receipt,
    });
    if (!check.ok || !check.cosignature || !check.approverKeyId) continue;
    const person = personOf(check.approverKeyId);
    if (!person || seen.has(person.id)) continue;
    seen.add(person.id);
    kept.push(check.cosignature);
  }
  return kept;
}
