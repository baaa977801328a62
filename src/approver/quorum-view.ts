/**
 * What the approver app and CLI show about a quorum approval: the requirement (signed by the
 * operator), who decided so far, what is still missing, and what this approver's own signature
 * would add. Only decisions whose co-signature verifies against this approval are shown as
 * counted; the names and groups beside them are the control plane's labels (display hints).
 */
import type { Approval } from '../core/api.ts';
import { verifyCosignature } from '../core/cosignature.ts';
import { nodeVerify } from '../core/ed25519-node.ts';
import { describeQuorum, type QuorumProgress, quorumProgress } from '../core/quorum.ts';
import type { Decision, QuorumRequirement } from '../core/schemas.ts';

export interface QuorumDecisionView {
  approverName: string;
  groups: string[];
  decision: Decision;
  decidedAt: string;
  approverKeyId: string;
  /** Signed by one of this profile's keys. */
  mine: boolean;
}

export interface QuorumView {
  requirement: QuorumRequirement;
  /** "needs 2 of finance + security" */
  summary: string;
  /** Counted with the verified decisions and the control plane's group labels. */
  progress: QuorumProgress;
  /** Verified decisions, oldest first. */
  decisions: QuorumDecisionView[];
  /** Decisions the control plane relayed that do not verify for this approval: never counted. */
  rejected: number;
  /** "waiting for security", "waiting for 1 more approval", "quorum met", "vetoed" */
  waitingFor: string;
  /** What this approver's signature would do, or that they already decided. */
  yourPart: string;
  /** This profile already decided this approval: a second decision is refused. */
  decidedByMe: Decision | null;
}

/** The quorum view of `approval`, or null for a single-approver approval. */
export function quorumViewOf(approval: Approval, myKeyIds: readonly string[] = []): QuorumView | null {
  const requirement = approval.receipt.statement.quorum;
  if (!requirement) return null;
  const mine = new Set(myKeyIds);
  const decisions: QuorumDecisionView[] = [];
  let rejected = 0;
  for (const entry of approval.decisions ?? []) {
    const check = verifyCosignature(
      entry.cosignature,
      {
        teamId: approval.teamId,
        approvalId: approval.id,
        challenge: approval.challenge,
        expiresAt: approval.expiresAt,
        receipt: approval.receipt,
      },
      { verify: nodeVerify },
    );
    if (
      !check.ok ||
      !check.approverKeyId ||
      !check.decision ||
      decisions.some((d) => d.approverKeyId === check.approverKeyId)
    ) {
      rejected++;
      continue;
    }
    decisions.push({
      approverName: entry.approverName,
      groups: entry.groups,
      decision: check.decision,
      decidedAt: entry.decidedAt,
      approverKeyId: check.approverKeyId,
      mine: mine.has(check.approverKeyId),
    });
  }
  const votes = decisions.map((d) => ({ person: d.approverKeyId, groups: d.groups, decision: d.decision }));
  const progress = quorumProgress(requirement, votes);
  const decidedByMe = decisions.find((d) => d.mine)?.decision ?? null;
  return {
    requirement,
    summary: describeQuorum(requirement),
    progress,
    decisions,
    rejected,
    waitingFor: waitingFor(progress),
    yourPart: yourPart(requirement, progress, decidedByMe),
    decidedByMe,
  };
}

function waitingFor(progress: QuorumProgress): string {
  if (progress.vetoed) return 'vetoed: a deny closed it';
  if (progress.met) return 'quorum met';
  const groups = progress.groups.filter((g) => g.have < g.need).map((g) => g.group);
  if (groups.length > 0) return `waiting for ${groups.join(' + ')}`;
  const more = progress.required - progress.approvals;
  return `waiting for ${more} more approval${more === 1 ? '' : 's'}`;
}

function yourPart(requirement: QuorumRequirement, progress: QuorumProgress, mine: Decision | null): string {
  if (mine) return `you already ${mine === 'approve' ? 'approved' : 'denied'}: each approver decides once`;
  if (progress.met || progress.vetoed) return 'no decision is needed any more';
  const after = progress.approvals + 1;
  const veto = requirement.veto === false ? 'a deny is recorded but does not veto' : 'a deny vetoes it';
  // The engine does not know this approver's own groups (the control plane's labels are hints): say what would count.
  const missing = progress.groups.filter((g) => g.have < g.need);
  const placesMissing = missing.reduce((total, g) => total + g.need - g.have, 0);
  const approve =
    placesMissing === 0
      ? after >= progress.required
        ? 'your approval would meet the quorum'
        : `your approval would make ${after} of ${progress.required}`
      : after >= progress.required && placesMissing === 1
        ? `your approval would meet the quorum if you are in ${missing[0]!.group}`
        : `your approval would make ${after} of ${progress.required}; still needed: ${missing.map((g) => g.group).join(' + ')}`;
  return `${approve}; ${veto}`;
}

/** One line: "needs 2 approvals · 1 of 2 · Dana (finance) approved · waiting for 1 more approval". */
export function quorumLine(view: QuorumView, relative: (iso: string) => string): string {
  const who = view.decisions.map((d) => {
    const groups = d.groups.length ? ` (${d.groups.join(', ')})` : '';
    return `${d.mine ? 'you' : d.approverName}${groups} ${d.decision === 'approve' ? 'approved' : 'denied'} ${relative(d.decidedAt)}`;
  });
  return [view.summary, `${view.progress.approvals} of ${view.progress.required}`, ...who, view.waitingFor].join(' · ');
}
