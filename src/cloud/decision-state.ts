/**
 * What one kept decision does to an approval, and what new labels do to an approver record:
 * the rules every store applies inside its transactions, so SQLite and PostgreSQL agree.
 */
import type { Approval, ApprovalDecision } from '../core/api.ts';
import { quorumProgress } from '../core/quorum.ts';
import { type ApproverRecord, LIMITS } from '../core/schemas.ts';
import type { ApproverLabels, DecisionWrite } from './store.ts';

/** True when the approval already keeps as many decisions as one approval may. */
export function decisionsFull(approval: Approval): boolean {
  return (approval.decisions?.length ?? 0) >= LIMITS.decisionsPerApproval;
}

/**
 * The approval after `write` (a person's first decision on it) is kept. Without a quorum in
 * the receipt, the decision closes it, as a single approver always did. With one, the
 * decision joins `decisions` and the approval closes when the quorum is met or vetoed.
 * Each kept decision is a distinct person (the stores' uniqueness rule), so the signing key id
 * stands for the person here.
 */
export function withDecision(approval: Approval, write: DecisionWrite): { approval: Approval; closed: boolean } {
  const quorum = approval.receipt.statement.quorum;
  const decision = write.cosignature.statement.decision;
  if (!quorum) {
    const status = decision === 'approve' ? 'approved' : 'denied';
    return {
      closed: true,
      approval: { ...approval, status, cosignature: write.cosignature, decidedAt: write.decidedAt },
    };
  }
  const entry: ApprovalDecision = {
    cosignature: write.cosignature,
    approverName: write.approverName,
    groups: write.groups,
    decidedAt: write.decidedAt,
  };
  const decisions = [...(approval.decisions ?? []), entry];
  const progress = quorumProgress(
    quorum,
    decisions.map((d) => ({
      person: d.cosignature.statement.approverKeyId,
      groups: d.groups,
      decision: d.cosignature.statement.decision,
    })),
  );
  const status = progress.met ? 'approved' : progress.vetoed ? 'denied' : 'pending';
  const closed = status !== 'pending';
  return { closed, approval: { ...approval, status, decisions, decidedAt: closed ? write.decidedAt : null } };
}

/** The approver record with `labels` applied: an empty list removes the field, so records without labels keep their shape. */
export function withLabels(record: ApproverRecord, labels: ApproverLabels): ApproverRecord {
  const next: ApproverRecord = { ...record };
  if (labels.groups !== undefined) {
    if (labels.groups.length > 0) next.groups = [...new Set(labels.groups)].sort();
    else delete next.groups;
  }
  if (labels.requesterKeyIds !== undefined) {
    if (labels.requesterKeyIds.length > 0) next.requesterKeyIds = [...new Set(labels.requesterKeyIds)].sort();
    else delete next.requesterKeyIds;
  }
  return next;
}
