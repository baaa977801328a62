/**
 * Offline verification of a quorum receipt's co-signatures (docs/protocol.md §4, step 6q):
 * each is checked like a single co-signature, all must decide the same approval, each person
 * counts once, and only trusted keys of people other than the requester count.
 */
import { checkDecision } from './cosignature.ts';
import { type Ed25519Verify, keyIdOf } from './crypto.ts';
import { type QuorumProgress, type QuorumVote, quorumProgress } from './quorum.ts';
import { type AddReason, decodeOrNull } from './reasons.ts';
import { type DecisionStatement, LIMITS, type ReceiptStatement, type TrustSet, type Verdict } from './schemas.ts';

interface Person {
  id: string;
  groups: readonly string[];
  requesterKeyIds: ReadonlySet<string>;
}

/** Who holds each trusted key, as the verifier pinned it; a key pinned without a person is its own person. */
export function peopleOf(trust: TrustSet): (keyId: string) => Person | null {
  const trusted = new Set(trust.approverKeys.map(keyIdOfText));
  const byKey = new Map<string, Person>();
  for (const entry of trust.approvers ?? []) {
    const person: Person = {
      id: `person:${entry.id}`,
      groups: entry.groups ?? [],
      requesterKeyIds: new Set((entry.requesterKeys ?? []).map(keyIdOfText)),
    };
    for (const key of entry.keys) byKey.set(keyIdOfText(key), person);
  }
  return (keyId) => {
    if (!trusted.has(keyId)) return null;
    return byKey.get(keyId) ?? { id: `key:${keyId}`, groups: [], requesterKeyIds: new Set() };
  };
}

/** A key id of a schema-checked key; never throws (an undecodable key maps to nothing trusted). */
function keyIdOfText(key: string): string {
  const bytes = decodeOrNull(key);
  return bytes ? keyIdOf(bytes) : '';
}

/** Keys pinned under two people: the trust set cannot say who signed with them. */
export function trustOverlap(trust: TrustSet): string | null {
  const seen = new Map<string, string>();
  for (const entry of trust.approvers ?? [])
    for (const key of entry.keys) {
      const other = seen.get(key);
      if (other !== undefined && other !== entry.id) return `key ${key} is pinned for both ${other} and ${entry.id}`;
      seen.set(key, entry.id);
    }
  return null;
}

export interface QuorumCheckOptions {
  verify: Ed25519Verify;
  now?: Date;
  requireUnexpired: boolean;
  expect?: { approvalId?: string; challenge?: string; expiresAt?: string };
}

export interface QuorumCheck {
  verdict: Verdict;
  progress: QuorumProgress | null;
  /** Key ids of the co-signatures that counted. */
  counted: string[];
}

/** Checks `raw` (the receipt's `cosignatures`) against the quorum its statement signs. */
export function checkQuorumCosignatures(
  raw: unknown,
  st: ReceiptStatement,
  trust: TrustSet,
  opts: QuorumCheckOptions,
  add: AddReason,
): QuorumCheck {
  const quorum = st.quorum ?? { required: 1 };
  const none: QuorumCheck = { verdict: 'suspend', progress: null, counted: [] };
  if (raw === undefined) {
    add('approval_missing', `the action needs ${quorum.required} approvals and carries none`, 'receipt.cosignatures');
    return none;
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > LIMITS.decisionsPerApproval) {
    add(
      'malformed',
      `receipt.cosignatures: must be a list of 1 to ${LIMITS.decisionsPerApproval} co-signatures`,
      'receipt.cosignatures',
    );
    return none;
  }
  let errors = 0;
  const counting: AddReason = (code, message, field) => {
    if (code !== 'approval_expired') errors++;
    add(code, message, field);
  };
  const decided: { statement: DecisionStatement; keyId: string; at: string }[] = [];
  raw.forEach((item, i) => {
    const at = `receipt.cosignatures[${i}]`;
    const check = checkDecision(
      item,
      {
        receipt: st,
        teamId: st.teamId,
        approvalId: opts.expect?.approvalId ?? decided[0]?.statement.approvalId,
        challenge: opts.expect?.challenge ?? decided[0]?.statement.challenge,
        expiresAt: opts.expect?.expiresAt ?? decided[0]?.statement.expiresAt,
      },
      at,
      { verify: opts.verify, now: opts.now, requireUnexpired: opts.requireUnexpired },
      counting,
    );
    if (check.cosignature && check.approverKeyId)
      decided.push({ statement: check.cosignature.statement, keyId: check.approverKeyId, at });
  });
  const personOf = peopleOf(trust);
  const seen = new Map<string, string>();
  const votes: QuorumVote[] = [];
  const notCounted: string[] = [];
  const counted: string[] = [];
  for (const { statement, keyId, at } of decided) {
    const person = personOf(keyId);
    const who = person?.id ?? `key:${keyId}`;
    const earlier = seen.get(who);
    if (earlier !== undefined) {
      counting(
        'duplicate_approver',
        `a second co-signature by the approver of ${earlier} (key ${keyId}); each approver counts once`,
        `${at}.statement.approverKeyId`,
      );
      continue;
    }
    seen.set(who, keyId);
    if (!person) notCounted.push(`key ${keyId} is not trusted`);
    else if (person.requesterKeyIds.has(st.operatorKeyId))
      notCounted.push(`key ${keyId} belongs to the requester of this action`);
    else {
      votes.push({ person: person.id, groups: person.groups, decision: statement.decision });
      counted.push(keyId);
    }
  }
  if (errors > 0) return { verdict: 'suspend', progress: null, counted: [] };
  const progress = quorumProgress(quorum, votes);
  if (progress.vetoed) {
    add('decision_denied', 'a trusted approver denied the action (a deny vetoes)', 'receipt.cosignatures');
    return { verdict: 'block', progress, counted };
  }
  if (progress.met) return { verdict: 'allow', progress, counted };
  add('quorum_not_met', shortfall(progress, notCounted), 'receipt.cosignatures');
  return { verdict: 'suspend', progress, counted };
}

function shortfall(progress: QuorumProgress, notCounted: readonly string[]): string {
  const missing = progress.groups.filter((g) => g.have < g.need).map((g) => `${g.group} needs ${g.need - g.have} more`);
  const groups = missing.length ? `; ${missing.join(', ')}` : '';
  const ignored = notCounted.length ? ` (not counted: ${notCounted.join('; ')})` : '';
  return `${progress.approvals} of ${progress.required} trusted approvals${groups}${ignored}`;
}
