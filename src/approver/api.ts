/**
 * The approver engine's public surface: what the desktop app's main process and the
 * `heso-approver` CLI drive. Nothing here carries private key material: the L1 private
 * key stays inside the engine's key store and signing happens behind `decide`.
 *
 * These view types are also what the IPC contract hands to the renderer, so they are
 * plain JSON (no class instances, no Uint8Array).
 */

import type { ApiKeyRole, Approval } from '../core/api.ts';
import type { ApproverStatus, Decision, JsonObject, PolicyRule } from '../core/schemas.ts';
import type { DecideInput, InitProfileInput, TrustItemOperatorInput } from './inputs.ts';
import type { QuorumView } from './quorum-view.ts';

// The engine's input schemas live beside it (inputs.ts); their types are part of this API.
export {
  DecideInput,
  InitProfileInput,
  ReviewedItem,
  TrustItemOperatorInput,
} from './inputs.ts';

export interface ProfileView {
  /** Local profile name (defaults to the team id). */
  name: string;
  endpoint: string;
  teamId: string;
  displayName: string;
  keyId: string;
  /** Public key, base64url. Public material only. */
  publicKey: string;
  /** Human-comparable fingerprint for out-of-band comparison with the team admin. */
  fingerprint: string;
  /** Enrolment state as last reported by the control plane; `unknown` before the first check. */
  keyStatus: ApproverStatus | 'unknown';
  /** Whether the team API key is present in the keychain. */
  hasApiKey: boolean;
  /**
   * The API key's role as the control plane last reported it (`unknown` before the first check,
   * or with a control plane older than key roles). The app needs `approver` (or `admin`/`legacy`).
   */
  apiKeyRole: ApiKeyRole | 'unknown';
}

export type ConnectionStateKind =
  | 'idle' // not started
  | 'connecting'
  | 'online'
  | 'reconnecting' // network error or 5xx, backing off with jitter
  | 'rate_limited' // 429, waiting Retry-After
  | 'auth_failed'; // 401/403: stopped, "API key rejected"

export interface ConnectionState {
  kind: ConnectionStateKind;
  /** What the user should know, e.g. "API key rejected: ask your admin for a new key and run init again". */
  message: string;
  /** When the next attempt happens (RFC 3339), while backing off. */
  retryAt: string | null;
  /** When the queue was last fetched successfully (RFC 3339). */
  lastSyncAt: string | null;
}

export interface LocalVerification {
  /** True only when every check passed: operator signature, action hash, policy ref, unexpired. */
  ok: boolean;
  /** Each failing check, human readable. Empty when ok. */
  reasons: string[];
}

/**
 * How this profile's pinned operator keys see the key that signed an item (SSH-style trust):
 * `trusted` (pinned for this workflow), `first_seen` (never pinned here: compare the fingerprint,
 * then trust it before approving), `changed` (this workflow is pinned to another key: quarantined).
 */
export interface OperatorTrustView {
  keyId: string;
  fingerprint: string;
  /** The operator public key, base64url (what `trust add-operator` pins). */
  publicKey: string;
  /** The workflow the receipt is for. */
  workflow: string;
  trust: 'trusted' | 'first_seen' | 'changed';
  /** For `changed`: the keys this workflow is pinned to. Empty otherwise. */
  pinnedKeys: { keyId: string; fingerprint: string }[];
}

/** An operator key pinned in a profile, with the workflows it signs for. Public material only. */
export interface TrustedOperatorView {
  keyId: string;
  publicKey: string;
  fingerprint: string;
  workflows: string[];
  /** `pinned` up front (admin / `trust add-operator`), or `confirmed` from a shown item's fingerprint. */
  source: 'pinned' | 'confirmed';
  addedAt: string;
}

export interface TrustOperatorInput {
  /** Operator public key, base64url. */
  publicKey: string;
  workflows: string[];
  /** Re-pin workflows now pinned to another key (after the admin confirmed a key change). */
  replace?: boolean;
  profile?: string;
}

export interface PendingItem {
  approval: Approval;
  /**
   * `ok` only when every check passed, operator-key trust included. The reasons name each
   * failure, a change of the approval after it was first seen included.
   */
  verification: LocalVerification;
  /**
   * A quarantined item failed local verification, changed after it was first seen, or is signed
   * by another key than the one pinned for its workflow: it can only be denied or ignored.
   * (A first-seen operator key is not a quarantine: trusting the key makes the item approvable.)
   */
  quarantined: boolean;
  /** The operator key that signed the receipt, as this profile's pinned keys see it. */
  operator: OperatorTrustView;
  /** Short confirmation code derived from the action hash; the agent prints the same one. */
  shortCode: string;
  /** The exact canonical (JCS) JSON of the action whose hash the decision signs. */
  canonicalAction: string;
  /** When this device first saw it (RFC 3339). */
  receivedAt: string;
  /** For an approval needing several approvers: requirement, progress and what your decision adds; else null. */
  quorum?: QuorumView | null;
}

export interface QueueSnapshot {
  profile: string | null;
  items: PendingItem[];
  connection: ConnectionState;
}

/**
 * `unconfirmed`: the decision was signed and sent, but the control plane's answer does not record
 * it (another status, another approval, not our co-signature). Nothing may be assumed: the agent
 * runs only if the control plane really holds the co-signature.
 * `queued`: signed, stored, not delivered yet (waiting for the network); `withdrawn`: a queued
 * decision deleted before it was sent.
 */
export type DecisionOutcomeStatus =
  | 'accepted'
  | 'already_decided'
  | 'expired'
  | 'refused'
  | 'unconfirmed'
  | 'queued'
  | 'withdrawn';

export interface DecisionOutcome {
  status: DecisionOutcomeStatus;
  /** Human readable: what happened and what to do. */
  message: string;
  approval: Approval | null;
}

export interface WithdrawOutcome {
  /** True when the signed decision will not be sent (it was waiting for the network). */
  withdrawn: boolean;
  /** What happened and what to do; says why when it could not be withdrawn. */
  message: string;
}

export type NotificationRequest =
  | { kind: 'single'; approvalId: string; title: string; body: string }
  | { kind: 'summary'; count: number; title: string; body: string };

export interface AuditEntryView {
  seq: number;
  kind: 'enrol' | 'rotate' | 'decision';
  at: string;
  summary: string;
  approvalId: string | null;
  decision: Decision | null;
  hash: string;
  /** For decisions: what was decided, read from the entry's signed details (null fields when absent). */
  decided: DecidedView | null;
}

/** What a decision entry records about the action, for history rows and the JSON Lines export. */
export interface DecidedView {
  /** The action as reviewed on this device (absent for decisions re-sent after a restart). */
  action: { tool: string; account: string; workflow: string; params: JsonObject } | null;
  shortCode: string | null;
  reason: string | null;
  outcome: string | null;
  receiptId: string | null;
  actionHash: string | null;
}

export interface AuditLogVerification {
  ok: boolean;
  /** Entries checked. */
  count: number;
  /** First problem found, naming the entry (edited, removed, reordered, bad signature). */
  problem: string | null;
}

/** Events the engine emits. Listeners never receive key material. */
export interface EngineEvents {
  queue: QueueSnapshot;
  added: PendingItem;
  updated: PendingItem;
  removed: { approvalId: string };
  expired: { approvalId: string };
  connection: ConnectionState;
  /** A decision that was `queued` reached its final outcome (accepted, expired, withdrawn…). */
  settled: { approvalId: string; outcome: DecisionOutcome };
  /** Already rate-limited and coalesced: show it as is. */
  notify: NotificationRequest;
}

/** The rule that suspended an approval (see policy-rule.ts): its text comes from the control plane. */
export interface RuleView {
  /** The policy version and rule id the receipt names (signed by the operator). */
  version: string;
  ruleId: string | null;
  /** The rule as the control plane's policy of that same version has it; null with `problem`. */
  rule: PolicyRule | null;
  /** Why the rule cannot be shown (another current version, no such rule, fetch failed). */
  problem: string | null;
}

export interface HistoryView {
  entries: AuditEntryView[];
  verification: AuditLogVerification;
}

/**
 * What the desktop app and the CLI program against. `ApproverEngine` (src/approver/engine.ts)
 * implements it; tests and the UI may use fakes of it.
 */
export interface ApproverEngineApi {
  listProfiles(): Promise<ProfileView[]>;
  /** Generates the L1 key into the keychain, stores the API key in the keychain, enrols the public key. */
  initProfile(input: InitProfileInput): Promise<ProfileView>;
  removeProfile(name: string): Promise<void>;
  /** Asks the control plane for the key's enrolment state (pending / active / revoked). */
  refreshKeyStatus(name: string): Promise<ProfileView>;
  /** Stores a new team API key for a profile (checked with the control plane first); the signing key stays. */
  replaceApiKey(name: string, apiKey: string): Promise<ProfileView>;
  /** New key, vouched for by the old one, enrolled (pending); the old one revoked. */
  rotateKey(name: string): Promise<ProfileView>;
  /** Starts following the pending queue of a profile (stops any other). */
  start(profileName: string): Promise<void>;
  stop(): Promise<void>;
  snapshot(): QueueSnapshot;
  getItem(approvalId: string): PendingItem | undefined;
  decide(input: DecideInput): Promise<DecisionOutcome>;
  /** Withdraws a signed decision that is waiting for the network, if it is not being sent right now. */
  withdrawDecision(approvalId: string): Promise<WithdrawOutcome>;
  /** The operator keys a profile trusts, with their workflows. */
  listTrustedOperators(profileName?: string): Promise<TrustedOperatorView[]>;
  /** Pins an operator key for workflows (admin, up front); refuses to re-pin a workflow without `replace`. */
  trustOperator(input: TrustOperatorInput): Promise<TrustedOperatorView[]>;
  /** Trusts the key that signed a shown item, for its workflow, after the person compared its fingerprint. */
  trustItemOperator(input: TrustItemOperatorInput): Promise<PendingItem>;
  /** Forgets an operator key (or only one workflow of it). */
  removeTrustedOperator(input: { keyId: string; workflow?: string; profile?: string }): Promise<TrustedOperatorView[]>;
  history(profileName?: string): Promise<HistoryView>;
  /** The rule that suspended a pending approval, from the control plane's policy of the version it names. */
  ruleFor(approvalId: string, profileName?: string): Promise<RuleView>;
  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void;
}
