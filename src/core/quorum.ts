/**
 * Counting a quorum (docs/protocol.md, "Quorum"): the one rule the control plane, the SDK's
 * guard and offline verification all apply. The caller decides which votes count (valid
 * signature, trusted key, bound to this approval, requester excluded); this module only
 * counts them, one per person, and says whether the requirement is met or vetoed.
 */
import type { Decision, QuorumRequirement } from './schemas.ts';

/** One approver's decision as counted: `person` is who they are, whatever key they signed with. */
export interface QuorumVote {
  person: string;
  /** The groups this person is in, as the counting party knows them. */
  groups: readonly string[];
  decision: Decision;
}

export interface GroupProgress {
  group: string;
  /** Approvals placed in this group (each approver fills at most one group's place). */
  have: number;
  need: number;
}

export interface QuorumProgress {
  /** Distinct people who approved. */
  approvals: number;
  required: number;
  groups: GroupProgress[];
  /** Distinct people who denied. */
  denials: number;
  /** Whether a deny closes the approval as denied. */
  veto: boolean;
  met: boolean;
  vetoed: boolean;
}

/** One approval and veto: the requirement of a receipt that states no quorum. */
export const SINGLE_APPROVER: QuorumRequirement = { required: 1 };

/** The quorum a receipt statement demands: its `quorum`, or one approver with veto. */
export function quorumOf(statement: { quorum?: QuorumRequirement }): QuorumRequirement {
  return statement.quorum ?? SINGLE_APPROVER;
}

/**
 * How far `votes` go towards `requirement`. A person's first vote counts, later ones are
 * ignored. Group places are filled by a maximum matching of approvers to places, so one
 * person in two groups fills one place, never both (separation of duties).
 */
export function quorumProgress(requirement: QuorumRequirement, votes: readonly QuorumVote[]): QuorumProgress {
  const firstVotes = new Map<string, QuorumVote>();
  for (const vote of votes) if (!firstVotes.has(vote.person)) firstVotes.set(vote.person, vote);
  const approvers = [...firstVotes.values()].filter((v) => v.decision === 'approve');
  const denials = [...firstVotes.values()].filter((v) => v.decision === 'deny').length;
  const places = Object.entries(requirement.groups ?? {}).flatMap(([group, need]) =>
    Array.from({ length: need }, () => group),
  );
  const filled = matchPlaces(places, approvers);
  const groups = Object.entries(requirement.groups ?? {}).map(([group, need]) => ({
    group,
    need,
    have: filled.filter((g) => g === group).length,
  }));
  const veto = requirement.veto !== false;
  const vetoed = veto && denials > 0;
  const met =
    !vetoed && approvers.length >= requirement.required && groups.every((progress) => progress.have >= progress.need);
  return { approvals: approvers.length, required: requirement.required, groups, denials, veto, met, vetoed };
}

/** The groups of the places a maximum matching fills (Kuhn's augmenting paths; quorums are small). */
function matchPlaces(places: readonly string[], approvers: readonly QuorumVote[]): string[] {
  const holder: (number | undefined)[] = places.map(() => undefined);
  const tryPlace = (approver: number, seen: Set<number>): boolean => {
    for (let place = 0; place < places.length; place++) {
      if (seen.has(place) || !approvers[approver]!.groups.includes(places[place]!)) continue;
      seen.add(place);
      const current = holder[place];
      if (current === undefined || tryPlace(current, seen)) {
        holder[place] = approver;
        return true;
      }
    }
    return false;
  };
  for (let approver = 0; approver < approvers.length; approver++) tryPlace(approver, new Set());
  return places.filter((_, place) => holder[place] !== undefined);
}

/** "needs 2 of finance + security": the requirement in words, for people. */
export function describeQuorum(requirement: QuorumRequirement): string {
  const groups = Object.entries(requirement.groups ?? {});
  const groupText = groups.map(([group, need]) => (need > 1 ? `${need}× ${group}` : group)).join(' + ');
  const sum = groups.reduce((total, [, need]) => total + need, 0);
  let text =
    groups.length === 0
      ? `needs ${requirement.required} approval${requirement.required === 1 ? '' : 's'}`
      : `needs ${sum} of ${groupText}`;
  if (groups.length > 0 && requirement.required > sum) text += ` (${requirement.required} in all)`;
  if (requirement.veto === false) text += ' · a deny does not veto';
  return text;
}
