/**
 * Control-plane HTTP API v1: request and response bodies, from the same schema source
 * as the signed statements. The server validates requests with these; the client
 * validates responses with these.
 */
import { z } from 'zod';
import {
  ApproverName,
  ApproverRecord,
  ChallengeB64,
  Cosignature,
  Id,
  LIMITS,
  PolicyBundle,
  PolicyDocument,
  PublicKeyB64,
  Receipt,
  SignedRotation,
  Timestamp,
  Verdict,
} from './schemas.ts';

export const API_PREFIX = '/v1';

/** Route paths, relative to the configured base URL. */
export const routes = {
  policy: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/policy`,
  receipts: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/receipts`,
  receipt: (team: string, id: string) =>
    `${API_PREFIX}/teams/${encodeURIComponent(team)}/receipts/${encodeURIComponent(id)}`,
  approvals: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvals`,
  approvalChanges: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvals/changes`,
  approval: (team: string, id: string) =>
    `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvals/${encodeURIComponent(id)}`,
  decision: (team: string, id: string) =>
    `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvals/${encodeURIComponent(id)}/decision`,
  approvers: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvers`,
  approver: (team: string, keyId: string) =>
    `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvers/${encodeURIComponent(keyId)}`,
  approverRevoke: (team: string, keyId: string) =>
    `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvers/${encodeURIComponent(keyId)}/revoke`,
  /** Approvals opened with the calling key that settled after a cursor (the operator's one long-poll). */
  settled: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/approvals/settled`,
  whoami: (team: string) => `${API_PREFIX}/teams/${encodeURIComponent(team)}/whoami`,
  openapi: () => `${API_PREFIX}/openapi.json`,
  /** Liveness: the process answers (no database check). */
  health: () => `${API_PREFIX}/health`,
  /** Readiness: this instance can reach its database (load balancers route on it). */
  ready: () => `${API_PREFIX}/ready`,
} as const;

/* ---------------------------------------------------------------------------------- API key roles */

/**
 * What an API key may do. `operator`: an agent (policy, receipts, its own approvals);
 * `approver`: a person's app (queue, decisions, approver keys); `admin`: everything;
 * `legacy`: a key made before roles existed, allowed everything until it is revoked.
 */
export const ApiKeyRole = z.enum(['operator', 'approver', 'admin', 'legacy']);
export type ApiKeyRole = z.infer<typeof ApiKeyRole>;
/** The roles `heso-cloud key create --role` offers (legacy is never issued). */
export const ISSUED_ROLES = ['operator', 'approver', 'admin'] as const satisfies readonly ApiKeyRole[];

/** `GET …/whoami`: which key this is and what it may do (no secret). */
export const WhoamiResponse = z.strictObject({
  teamId: Id,
  keyId: z.string().max(64),
  role: ApiKeyRole,
});
export type WhoamiResponse = z.infer<typeof WhoamiResponse>;

/** `GET /v1/health` and `GET /v1/ready` when they pass (a failing readiness check is a 503 error body). */
export const HealthResponse = z.strictObject({ status: z.enum(['ok', 'ready']) });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** Longest a long-poll may hold a request, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/* ---------------------------------------------------------------------------------- errors */

export const ErrorCode = z.enum([
  'bad_request', // 400: malformed JSON, wrong types, unknown fields, bad base64
  'unauthorized', // 401: no, malformed, unknown or revoked API key
  'forbidden', // 403: e.g. approver key not active
  'not_found', // 404: no such resource for this team (also other teams' resources)
  'already_decided', // 409
  'conflict', // 409: other conflicts (same id, different content)
  'expired', // 410
  'too_large', // 413
  'bad_signature', // 422: a signature or binding that does not verify
  'rate_limited', // 429 with Retry-After
  'internal', // 500
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: ErrorCode,
    message: z.string(),
    /** Dotted path of the offending field, when one is to blame. */
    field: z.string().optional(),
    /** On 429: which budget ran out, e.g. `key:requests`, `role:operator:long-polls`. */
    budget: z.string().max(100).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/* ---------------------------------------------------------------------------------- policy */

export const GetPolicyResponse = PolicyBundle;
export const SetPolicyRequest = PolicyDocument;

/* ---------------------------------------------------------------------------------- receipts */

/** One receipt or a batch. */
export const PushReceiptsRequest = z.union([
  z.strictObject({ receipt: Receipt }),
  z.strictObject({ receipts: z.array(Receipt).min(1).max(LIMITS.receiptBatch) }),
]);
export type PushReceiptsRequest = z.infer<typeof PushReceiptsRequest>;

export const ReceiptResult = z.strictObject({
  receiptId: z.string(),
  /** accepted: stored now; duplicate: already stored, identical; refused: not stored, see reason. */
  status: z.enum(['accepted', 'duplicate', 'refused']),
  reason: z.string().optional(),
});
export type ReceiptResult = z.infer<typeof ReceiptResult>;

/** 200 when every item was accepted or a duplicate; 207-style per-item results otherwise (status 200 still). */
export const PushReceiptsResponse = z.strictObject({ results: z.array(ReceiptResult) });
export type PushReceiptsResponse = z.infer<typeof PushReceiptsResponse>;

/** A receipt as the control plane keeps it: the receipt exactly as signed (co-signature included once pushed). */
export const StoredReceipt = z.strictObject({
  receipt: Receipt,
  /** When the control plane last stored it (the co-signed version replaces the plain one). */
  receivedAt: Timestamp,
});
export type StoredReceipt = z.infer<typeof StoredReceipt>;

/** `GET …/receipts/{id}`: 404 when this team has no such receipt. */
export const GetReceiptResponse = StoredReceipt;

/** Largest page of `GET …/receipts`. */
export const MAX_RECEIPTS_PAGE = 500;

/**
 * `GET …/receipts?since&until&verdict&tool&workflow&limit&cursor[&format=jsonl]` filters, as sent.
 * `since` (inclusive) and `until` (exclusive) apply to the operator-signed `issuedAt`; `verdict`
 * is the verdict the operator signed (`suspend` receipts may carry a co-signature).
 */
export const ListReceiptsFilter = z.strictObject({
  since: Timestamp.optional(),
  until: Timestamp.optional(),
  verdict: Verdict.optional(),
  tool: Id.optional(),
  workflow: Id.optional(),
});
export type ListReceiptsFilter = z.infer<typeof ListReceiptsFilter>;

/** Oldest first by `issuedAt`, then receipt id; `nextCursor` is null on the last page. */
export const ListReceiptsResponse = z.strictObject({
  receipts: z.array(StoredReceipt).max(MAX_RECEIPTS_PAGE),
  nextCursor: z.string().max(512).nullable(),
});
export type ListReceiptsResponse = z.infer<typeof ListReceiptsResponse>;

/* ---------------------------------------------------------------------------------- approvals */

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/**
 * One accepted decision on a quorum approval: the signed co-signature, with the control plane's
 * labels for its signer (name, groups). The labels are display hints; verifiers never use them.
 */
export const ApprovalDecision = z.strictObject({
  cosignature: Cosignature,
  approverName: ApproverName,
  groups: z.array(Id).max(LIMITS.approverGroups),
  decidedAt: Timestamp,
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const Approval = z.strictObject({
  id: Id,
  teamId: Id,
  status: ApprovalStatus,
  /** The operator-signed receipt whose verdict is `suspend`. */
  receipt: Receipt,
  /** One-time challenge the decision statement must carry. */
  challenge: ChallengeB64,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  /** The accepted co-signature, once decided (null for a quorum approval: see `decisions`). */
  cosignature: Cosignature.nullable(),
  decidedAt: Timestamp.nullable(),
  /**
   * Only when the receipt states a quorum: every accepted decision so far, oldest first, one per
   * approver. `decidedAt` is set when the quorum was met or a deny vetoed it.
   */
  decisions: z.array(ApprovalDecision).max(LIMITS.decisionsPerApproval).optional(),
});
export type Approval = z.infer<typeof Approval>;

export const OpenApprovalRequest = z.strictObject({
  receipt: Receipt,
  /** Seconds until the approval expires; 10 s to 7 days. Default 900. */
  expiresInSeconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .optional(),
});
export type OpenApprovalRequest = z.infer<typeof OpenApprovalRequest>;

/** 201 with the new approval; 200 with the existing one when the same receipt was opened before. */
export const OpenApprovalResponse = Approval;

/** `GET …/approvals/{id}?wait=N` */
export const PollApprovalResponse = Approval;

/**
 * `GET …/approvals?status=pending&cursor=C&wait=N&limit=L`
 * Returns the whole pending queue (oldest first) and a cursor. With `cursor` and `wait`,
 * the request is held until the team's queue changes after that cursor (or `wait` runs out).
 */
export const ListApprovalsResponse = z.strictObject({
  approvals: z.array(Approval),
  cursor: z.string().max(64),
});
export type ListApprovalsResponse = z.infer<typeof ListApprovalsResponse>;

/**
 * `GET …/approvals/settled?cursor=C&wait=N&limit=L`: approvals opened with the calling API key
 * that were decided or expired after cursor `C`, in the order they settled. Without a cursor
 * it answers at once with the current cursor and no approvals (the starting point). With
 * `wait`, held until one settles. `more`: the page was full; ask again at once with `cursor`.
 */
export const SettledApprovalsResponse = z.strictObject({
  approvals: z.array(Approval),
  cursor: z.string().max(64),
  more: z.boolean(),
});
export type SettledApprovalsResponse = z.infer<typeof SettledApprovalsResponse>;

/**
 * `GET …/approvals/changes?since=C&wait=N&limit=L`: the approvers' changes feed. Every
 * approval whose queue state changed after cursor `since`, once each, in its current state
 * (`pending`: in the queue; anything else: out of it), oldest change first. `more`: the page
 * was cut at `limit`, ask again from `cursor` at once. `reset`: `since` is not a cursor of
 * this queue (ahead of it): drop what you hold and list the queue again.
 */
export const ApprovalChangesResponse = z.strictObject({
  changes: z.array(Approval),
  cursor: z.string().max(64),
  more: z.boolean(),
  reset: z.boolean(),
});
export type ApprovalChangesResponse = z.infer<typeof ApprovalChangesResponse>;

export const DecideRequest = Cosignature;
export type DecideRequest = z.infer<typeof DecideRequest>;
/** 200 with the decided approval. 409 already_decided, 410 expired, 422 bad_signature, 403 approver not active. */
export const DecideResponse = Approval;

/* ---------------------------------------------------------------------------------- approvers */

export const EnrolApproverRequest = z.strictObject({
  publicKey: PublicKeyB64,
  name: ApproverName,
  /** When rotating: the new public key signed by the previous key. */
  rotation: SignedRotation.optional(),
});
export type EnrolApproverRequest = z.infer<typeof EnrolApproverRequest>;

/** 201 new (status pending), 200 when this key was already enrolled for the team. */
export const EnrolApproverResponse = ApproverRecord;
export const GetApproverResponse = ApproverRecord;
export const ListApproversResponse = z.strictObject({ approvers: z.array(ApproverRecord) });
export type ListApproversResponse = z.infer<typeof ListApproversResponse>;
/** `POST …/approvers/{keyId}/revoke`: an API key may reduce trust (revoke), never grant it. */
export const RevokeApproverResponse = ApproverRecord;
