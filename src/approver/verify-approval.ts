/**
 * Local re-verification of a pending approval before the approver may approve it. The
 * control plane is not trusted for this: whatever it (or anything between us and it)
 * serves, we check the operator's signature over the receipt, recompute the action hash
 * from the action we are about to show, and check the policy reference, the verdict, the
 * team and the expiry, and how this profile's pinned operator keys see the signing key.
 * An approval failing any check is quarantined: it can only be denied or ignored. The one
 * exception is a first-seen operator key: the item cannot be approved until the person trusts
 * the key, but trusting it is a legitimate way forward, so it is not a quarantine.
 */
import type { Approval } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import { computeActionHash, shortCode } from '../core/crypto.ts';
import { nodeVerify } from '../core/ed25519-node.ts';
import { compareTimestamps } from '../core/validate.ts';
import { verifyReceipt } from '../core/verify.ts';
import type { LocalVerification, PendingItem } from './api.ts';
import { assessOperator, operatorTrustProblem, type TrustedOperator } from './operator-trust.ts';
import { quorumViewOf } from './quorum-view.ts';
import { changedReason } from './seen-approvals.ts';

export interface InspectContext {
  /** The team of the profile following this queue. */
  teamId: string;
  /** Current time, RFC 3339 UTC. */
  now: string;
  /** When this device first saw the approval (kept across updates). */
  receivedAt: string;
  /** The profile's pinned operator keys. */
  trustedOperators: readonly TrustedOperator[];
  /** Bound parts the control plane changed after this device first saw the approval (see SeenApprovals). */
  changed?: readonly string[];
  /** This profile's approver key ids (current and rotated): its own decisions show as "you". */
  myKeyIds?: readonly string[];
}

/** Every failing check, in words. Pure: same inputs, same result. */
export function verifyApprovalLocally(approval: Approval, teamId: string, now: string): LocalVerification {
  const reasons: string[] = [];
  const receipt = approval.receipt;
  const st = receipt.statement;

  if (approval.teamId !== teamId) reasons.push(`approval belongs to team "${approval.teamId}", not "${teamId}"`);
  if (st.teamId !== approval.teamId) reasons.push(`the receipt is for team "${st.teamId}", not the approval's team`);

  // Operator signature, operator key id, and the action hash recomputed from the action shown.
  // Whether the operator key is trusted is judged by `inspectApproval` against the profile's
  // pinned keys (first seen / changed need different handling than a bad signature); approver
  // trust does not apply (a pending approval carries no co-signature yet).
  const result = verifyReceipt(
    { statement: receipt.statement, signature: receipt.signature },
    { approverKeys: [] },
    // node:crypto: the engine runs under Node or Electron's main process (same rule as noble, cross-checked in tests).
    { now: new Date(Date.parse(now)), verify: nodeVerify },
  );
  for (const reason of result.reasons) {
    if (reason.code === 'approval_missing' || reason.code === 'verdict_block') continue;
    reasons.push(reasonText(reason.code, reason.message));
  }
  // verifyReceipt stops early on some failures; the hash check is cheap and always worth naming.
  if (
    computeActionHash(st.action) !== st.actionHash &&
    !result.reasons.some((r) => r.code === 'action_hash_mismatch')
  ) {
    reasons.push(reasonText('action_hash_mismatch', 'actionHash is not the SHA-256 of the canonical action'));
  }
  if (st.verdict !== 'suspend')
    reasons.push(`the policy verdict is "${st.verdict}", not "suspend": nothing to approve`);
  if (!st.policy.version) reasons.push('the receipt names no policy version');
  if (receipt.cosignature !== undefined) reasons.push('the receipt already carries a co-signature');
  if (approval.status !== 'pending') reasons.push(`the approval is ${approval.status}, not pending`);
  const expiry = compareTimestamps(approval.expiresAt, now);
  if (expiry === null || expiry <= 0) reasons.push(`the approval expired at ${approval.expiresAt}`);

  return { ok: reasons.length === 0, reasons };
}

function reasonText(code: string, message: string): string {
  switch (code) {
    case 'bad_operator_signature':
      return 'the operator signature does not match this action (the action was changed after the agent signed it)';
    case 'action_hash_mismatch':
      return 'the action shown does not hash to the signed action hash (the action was changed)';
    case 'operator_key_mismatch':
      return `the operator key id does not match the operator public key (${message})`;
    default:
      return message;
  }
}

/** The view of a pending approval that the UI and CLI show and `decide` signs over. */
export function inspectApproval(approval: Approval, ctx: InspectContext): PendingItem {
  const local = verifyApprovalLocally(approval, ctx.teamId, ctx.now);
  const statement = approval.receipt.statement;
  const action = statement.action;
  const operator = assessOperator(ctx.trustedOperators, statement.operatorPublicKey, action.workflow);
  const trustProblem = operatorTrustProblem(operator);
  const changed = ctx.changed ?? [];
  const reasons = [
    ...(changed.length > 0 ? [changedReason(changed)] : []),
    ...local.reasons,
    ...(trustProblem ? [trustProblem.reason] : []),
  ];
  return {
    approval,
    verification: { ok: reasons.length === 0, reasons },
    quarantined: !local.ok || changed.length > 0 || trustProblem?.quarantine === true,
    operator,
    shortCode: shortCode(approval.receipt.statement.actionHash),
    canonicalAction: canonicalize(action),
    receivedAt: ctx.receivedAt,
    quorum: quorumViewOf(approval, ctx.myKeyIds),
  };
}
