/**
 * Storage behind the control plane. The server and the admin CLI talk only to this
 * interface, so another engine (Postgres, …) can replace the embedded SQLite one.
 *
 * Contract every implementation keeps:
 * - a method resolves only after its writes are durable (they survive the process being killed);
 * - each method is atomic: `decideApproval` in particular keeps at most one decision per person
 *   per approval and closes an approval at most once, whatever the concurrency (the first
 *   caller to find the approval pending wins); it counts with core's `quorumProgress`;
 * - every team-scoped read filters by team id, so one team never sees another's rows;
 * - each team has a monotonic change counter, bumped whenever its pending queue changes
 *   (approval opened, decided or expired), and each approval remembers the counter value of
 *   its last change. It is the cursor of the list and of the changes feed.
 * - writes may be grouped into one transaction (group commit), but each method still resolves
 *   only after the commit holding its write is durable.
 */
import type { ApiKeyRole, Approval } from '../core/api.ts';
import type { ApproverRecord, ApproverStatus, Cosignature, Decision, PolicyDocument } from '../core/schemas.ts';

export interface TeamRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyRecord {
  /** Public part of the key, shown in `heso_<keyId>_<secret>`; safe to log. */
  keyId: string;
  teamId: string;
  /** SHA-256 of the secret part. The secret itself is never stored. */
  secretHash: Buffer;
  /** What the key may do (docs/api.md, "Roles"); keys made before roles are `legacy`. */
  role: ApiKeyRole;
  createdAt: string;
  revokedAt: string | null;
}

export interface StoredPolicy {
  document: PolicyDocument;
  updatedAt: string;
}

export type PutReceiptOutcome = 'accepted' | 'duplicate' | 'conflict';

export interface ReceiptWrite {
  receiptId: string;
  /** Canonical JSON of the whole receipt; equal text means the same receipt. */
  canonical: string;
  /** Whether an already stored receipt with this id (its canonical text given) may be replaced by this one. */
  mayReplace: (existingCanonical: string) => boolean;
}

/** A stored receipt: its canonical JSON and when it was (last) stored. */
export interface ReceiptRecord {
  receiptId: string;
  canonical: string;
  receivedAt: string;
  /** The operator-signed `issuedAt`, in milliseconds since the epoch: the listing order. */
  issuedMs: number;
}

/** Filters of a receipts listing; every given one must match. Times are milliseconds since the epoch. */
export interface ReceiptQuery {
  /** issuedAt ≥ sinceMs */
  sinceMs?: number;
  /** issuedAt < untilMs */
  untilMs?: number;
  /** The verdict the operator signed. */
  verdict?: string;
  tool?: string;
  workflow?: string;
  /** Only receipts after this one in listing order (issuedAt, then receipt id). */
  after?: { issuedMs: number; receiptId: string };
  limit: number;
}

export type OpenApprovalOutcome =
  | { kind: 'created'; approval: Approval }
  /** The same receipt was opened before: the existing approval. */
  | { kind: 'existing'; approval: Approval }
  /** Another receipt with the same receipt id was opened before. */
  | { kind: 'conflict'; approval: Approval };

export type DecideOutcome =
  /** The decision closed the approval: the quorum is met, or a deny vetoed it. */
  | { kind: 'decided'; approval: Approval }
  /** The decision was kept; the quorum is not met yet (the approval stays pending). */
  | { kind: 'recorded'; approval: Approval }
  /** This person already decided this approval (with this key or another of theirs): nothing kept. */
  | { kind: 'duplicate_approver'; approval: Approval }
  /** The approval already keeps LIMITS.decisionsPerApproval decisions: nothing kept. */
  | { kind: 'full'; approval: Approval }
  | { kind: 'already_decided'; approval: Approval }
  | { kind: 'expired'; approval: Approval }
  | { kind: 'not_found' };

/** One approver's verified decision, to keep. */
export interface DecisionWrite {
  cosignature: Cosignature;
  decidedAt: string;
  /** Who decided: the first key id of the approver's rotation chain, the same whatever key they sign with now. */
  personId: string;
  /** The control plane's labels for the signer (display, and the server's own count of group places). */
  approverName: string;
  groups: string[];
}

/** A decision as kept in the decisions record (one per person per approval). */
export interface StoredDecision {
  approvalId: string;
  personId: string;
  approverKeyId: string;
  decision: Decision;
  cosignature: Cosignature;
  decidedAt: string;
}

/** What an admin changes about an approver key beside its status; a field left out stays as it is. */
export interface ApproverLabels {
  groups?: string[];
  requesterKeyIds?: string[];
}

export interface PendingPage {
  approvals: Approval[];
  /** The team's change counter when the page was read. */
  changeSeq: number;
}

export interface SettledPage {
  /** Approvals opened by the key that settled after the cursor, in the order they settled. */
  approvals: Approval[];
  /** Where the next read starts: the last approval's settle sequence when the page is full, else the team's change counter. */
  cursor: number;
  /** The page was full: more may follow at once. */
  more: boolean;
}

export interface ChangesPage {
  /**
   * Every approval whose queue state changed after the cursor, once each, in its current
   * state (pending: in the queue; approved, denied or expired: out of it), oldest change first.
   */
  approvals: Approval[];
  /** The cursor to ask from next: the team's change counter, or the last change returned when `more`. */
  changeSeq: number;
  /** The page was cut at the limit; ask again from `changeSeq` right away. */
  more: boolean;
  /** The cursor is ahead of this team's counter (not one this store issued): the caller must take a fresh list. */
  reset: boolean;
}

export interface CloudStore {
  /* teams */
  createTeam(team: TeamRecord): Promise<void>;
  getTeam(teamId: string): Promise<TeamRecord | null>;
  listTeams(): Promise<TeamRecord[]>;

  /* API keys */
  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(keyId: string): Promise<ApiKeyRecord | null>;
  listApiKeys(teamId: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked (keeps the first revocation time); null when there is no such key. */
  revokeApiKey(keyId: string, at: string): Promise<ApiKeyRecord | null>;

  /* policy */
  setPolicy(teamId: string, document: PolicyDocument, at: string): Promise<void>;
  getPolicy(teamId: string): Promise<StoredPolicy | null>;

  /* approvers */
  /** Inserts a new approver, or returns the one already enrolled with this key id (created: false). */
  enrolApprover(
    teamId: string,
    record: ApproverRecord,
    enrolledBy: string,
  ): Promise<{ record: ApproverRecord; created: boolean }>;
  /** The API key id that enrolled the approver key (null: unknown, or enrolled before key roles). */
  approverEnrolledBy(teamId: string, keyId: string): Promise<string | null>;
  getApprover(teamId: string, keyId: string): Promise<ApproverRecord | null>;
  listApprovers(teamId: string): Promise<ApproverRecord[]>;
  /**
   * `active`: only a pending key becomes active (a revoked key stays revoked).
   * `revoked`: any key becomes revoked. Returns the record after the change, null when absent.
   */
  setApproverStatus(
    teamId: string,
    keyId: string,
    status: Exclude<ApproverStatus, 'pending'>,
    at: string,
  ): Promise<ApproverRecord | null>;
  /** Sets an approver key's groups and/or requester link (empty list: none); null when absent. */
  setApproverLabels(teamId: string, keyId: string, labels: ApproverLabels): Promise<ApproverRecord | null>;

  /* receipts (the outbox) */
  /** Stores a batch atomically; one outcome per item, in order. */
  putReceipts(teamId: string, receipts: ReceiptWrite[], receivedAt: string): Promise<PutReceiptOutcome[]>;
  /** Canonical JSON of a stored receipt, or null. */
  getReceipt(teamId: string, receiptId: string): Promise<string | null>;
  countReceipts(teamId: string): Promise<number>;
  /** One stored receipt with its storage facts, or null. */
  getReceiptRecord(teamId: string, receiptId: string): Promise<ReceiptRecord | null>;
  /** A page of the team's receipts matching `query`, ordered by issuedAt then receipt id. */
  listReceipts(teamId: string, query: ReceiptQuery): Promise<ReceiptRecord[]>;

  /* approvals */
  /** Opens an approval unless one exists for the same receipt id (idempotent when the receipt is identical). */
  openApproval(
    teamId: string,
    approval: Approval,
    receiptCanonical: string,
    openedBy: string,
  ): Promise<OpenApprovalOutcome>;
  /**
   * The approval, with a pending one past its expiry marked expired first (as of `now`).
   * With `openedBy`, an approval opened with another API key is null (operators see their own only).
   */
  getApproval(teamId: string, approvalId: string, now: string, openedBy?: string): Promise<Approval | null>;
  /**
   * Approvals opened with `openedBy` that were decided or expired after change `afterSeq`
   * (the team's due approvals are expired first, as of `now`).
   */
  listSettled(teamId: string, openedBy: string, afterSeq: number, limit: number, now: string): Promise<SettledPage>;
  /** Pending approvals oldest first (expired ones are marked expired first, as of `now`). */
  /**
   * The pending queue, oldest first, up to `limit`; with `afterId`, only the approvals that
   * come after that one in the queue's order (the next page: the caller passes the last id
   * it got). An `afterId` this team does not have yields an empty page.
   */
  listPending(teamId: string, limit: number, now: string, afterId?: string): Promise<PendingPage>;
  getChangeSeq(teamId: string): Promise<number>;
  /** What changed in the team's queue after change `since` (expired ones are marked expired first, as of `now`). */
  listChanges(teamId: string, since: number, limit: number, now: string): Promise<ChangesPage>;
  /**
   * Keeps one person's decision on a pending, unexpired approval and closes it when the quorum its
   * receipt states (one approval when none) is met or a deny vetoes it. The decision is kept only
   * when it is this person's first on the approval; every kept decision bumps the change counter.
   */
  decideApproval(teamId: string, approvalId: string, decision: DecisionWrite, now: string): Promise<DecideOutcome>;
  /** The decisions kept for an approval, oldest first (empty for another team's or an unknown approval). */
  listDecisions(teamId: string, approvalId: string): Promise<StoredDecision[]>;
  /** Marks every pending approval whose expiry is at or before `now` expired; returns the teams whose queue changed. */
  expireDue(now: string): Promise<string[]>;

  /** Calls `listener(teamId)` after every committed change to a team's pending queue; returns an unsubscribe. */
  onQueueChange(listener: (teamId: string) => void): () => void;

  /** Resolves when the database answers (readiness); rejects with StoreUnavailableError when it does not. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/**
 * The database cannot be reached right now (down, restarting, network, no free connection).
 * Nothing was written; the server answers 503 with Retry-After and the same request may be sent again.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * A row read back from the database does not match its schema (damaged, or written by another
 * program): the request fails with 500 and a message naming the record; nothing is answered
 * from it and the server keeps running.
 */
export class StoredDataError extends Error {
  override readonly name = 'StoredDataError';
}
