/**
 * HESO operator SDK (Node). Local work needs no key and no network: capture, evaluate,
 * sign, gate. Cloud work uses the connection `configure(apiKey, endpoint)` sets.
 * Documented in docs/sdk.md.
 */
import { installNodeSigning } from '../core/ed25519-node.ts';

// The Node fast path behind core's own interface: hashing and signing through node:crypto
// (byte-identical to the pure-JS path, cross-checked in test/core/node-signing.test.ts).
installNodeSigning();

export type { Approval, ApprovalStatus, ReceiptResult } from '../core/api.ts';
export { shortCode } from '../core/crypto.ts';
export { assertGate, GateError, gate } from '../core/gate.ts';
export type { Action, PolicyBundle, PolicyDocument, Receipt, TrustSet, Verdict } from '../core/schemas.ts';
export type { VerifyReason, VerifyResult } from '../core/verify.ts';
export { type Evaluation, evaluate, PolicyError, validatePolicy } from '../policy/index.ts';
export { type AuditEntry, AuditLog, type AuditOutcome } from './audit.ts';
export {
  type CloudOptions,
  configure,
  configuredCloud,
  createCloud,
  HesoCloud,
  type OpenApprovalOptions,
  openApproval,
  type PollOptions,
  pollApproval,
  pullPolicy,
  pushReceipt,
  pushReceipts,
} from './cloud.ts';
export {
  DEFAULT_DATA_DIR,
  dataDirPaths,
  type InitResult,
  initDataDir,
  loadOperatorKey,
  type OperatorIdentity,
  type OperatorKey,
} from './data-dir.ts';
export {
  HesoApprovalError,
  HesoAuthError,
  HesoBlockedError,
  HesoCloudError,
  HesoConflictError,
  HesoError,
  type HesoErrorCode,
  HesoExpiredError,
  HesoNetworkError,
  HesoNotFoundError,
  HesoRateLimitedError,
} from './errors.ts';
export {
  createGuard,
  Guard,
  type GuardContext,
  type GuardEvent,
  type GuardMode,
  type GuardOptions,
  type PendingApproval,
  type WaitOptions,
} from './guard.ts';
export { type ActionInput, type CaptureOptions, type Clock, capture, type SignOptions, sign } from './local.ts';
export { type FlushResult, Outbox, type OutboxEvent, type OutboxOptions, type RefusedReceipt } from './outbox.ts';
export { DEFAULT_KEPT_RECEIPTS, ReceiptArchive, type ReceiptArchiveOptions } from './receipt-archive.ts';
export { type PinnedApprover, type TrustReport, TrustStore } from './trust.ts';
