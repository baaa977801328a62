/**
 * The SDK's typed errors. Every error the SDK throws is a `HesoError` with a `code` to
 * switch on; cloud failures have one subclass per kind the caller handles differently.
 * Messages say what happened and what to do, and never contain the API key: everything
 * that came from the control-plane client passes through `redactSecrets` first.
 */
import { isTransientKind } from '../client/errors.ts';
import type { ControlPlaneError } from '../client/index.ts';
import { redactSecrets } from '../core/redact.ts';

export type HesoErrorCode =
  // cloud
  | 'not_configured'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'expired'
  | 'rate_limited'
  | 'network'
  | 'server'
  | 'bad_request'
  | 'bad_response'
  // local
  | 'invalid_action'
  | 'data_dir'
  | 'policy'
  // guard outcomes
  | 'blocked'
  | 'denied'
  | 'approval_timeout'
  | 'cosignature_rejected';

export class HesoError extends Error {
  override name = 'HesoError';
  readonly code: HesoErrorCode;
  constructor(code: HesoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A failure talking to the control plane. `status` is the HTTP status when there was one. */
export class HesoCloudError extends HesoError {
  override name = 'HesoCloudError';
  readonly status: number | undefined;
  /** The server's error code (`already_decided`, `bad_signature`, …) when it sent one. */
  readonly serverCode: string | undefined;
  constructor(code: HesoErrorCode, message: string, status?: number, serverCode?: string) {
    super(code, message);
    this.status = status;
    this.serverCode = serverCode;
  }
}
export class HesoAuthError extends HesoCloudError {
  override name = 'HesoAuthError';
}
export class HesoNotFoundError extends HesoCloudError {
  override name = 'HesoNotFoundError';
}
/** 409: already decided, or the same id with different content. */
export class HesoConflictError extends HesoCloudError {
  override name = 'HesoConflictError';
}
/** 410: the approval expired. */
export class HesoExpiredError extends HesoCloudError {
  override name = 'HesoExpiredError';
}
export class HesoRateLimitedError extends HesoCloudError {
  override name = 'HesoRateLimitedError';
  /** What the server's `Retry-After` asked for, in seconds (undefined when it sent none). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, retryAfterSeconds: number | undefined) {
    super('rate_limited', message, 429, 'rate_limited');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** No HTTP answer: refused, reset, DNS, timeout. Retrying later may work. */
export class HesoNetworkError extends HesoCloudError {
  override name = 'HesoNetworkError';
}

/** The policy said `block`; the action did not run. */
export class HesoBlockedError extends HesoError {
  override name = 'HesoBlockedError';
  readonly receiptId: string;
  readonly ruleId: string | null;
  constructor(message: string, receiptId: string, ruleId: string | null) {
    super('blocked', message);
    this.receiptId = receiptId;
    this.ruleId = ruleId;
  }
}

/** A suspended action that did not get a verified approval: denied, expired, timed out or a bad co-signature. */
export class HesoApprovalError extends HesoError {
  override name = 'HesoApprovalError';
  readonly approvalId: string;
  readonly receiptId: string;
  /** Why a co-signature was refused (empty for denied / expired / timeout). */
  readonly reasons: { code: string; message: string }[];
  /** On `denied`: the reason the approver gave, from their verified co-signature (null when none). */
  readonly approverReason: string | null;
  constructor(
    code: 'denied' | 'expired' | 'approval_timeout' | 'cosignature_rejected',
    message: string,
    ids: { approvalId: string; receiptId: string },
    reasons: { code: string; message: string }[] = [],
    approverReason: string | null = null,
  ) {
    super(code, message);
    this.approvalId = ids.approvalId;
    this.receiptId = ids.receiptId;
    this.reasons = reasons;
    this.approverReason = approverReason;
  }
}

/**
 * The SDK error for a control-plane client error. The original is not kept as `cause`:
 * its own cause chain (undici errors, request objects) is not ours to vouch for.
 */
export function fromControlPlaneError(err: ControlPlaneError, secrets: readonly string[]): HesoCloudError {
  const message = redactSecrets(err.message, secrets);
  switch (err.kind) {
    case 'auth':
      return new HesoAuthError(
        'auth',
        `${message}. The API key was refused: check that it is the current key for this team`,
        err.status,
        err.code,
      );
    case 'forbidden':
      return new HesoCloudError('forbidden', message, err.status, err.code);
    case 'not_found':
      return new HesoNotFoundError('not_found', message, err.status, err.code);
    case 'already_decided':
    case 'conflict':
      return new HesoConflictError('conflict', message, err.status, err.code);
    case 'expired':
      return new HesoExpiredError('expired', message, err.status, err.code);
    case 'rate_limited':
      return new HesoRateLimitedError(message, err.retryAfterSeconds);
    case 'network':
      return new HesoNetworkError('network', message, err.status, err.code);
    case 'server':
      return new HesoCloudError('server', message, err.status, err.code);
    case 'too_large':
    case 'bad_signature':
    case 'bad_request':
      return new HesoCloudError('bad_request', message, err.status, err.code);
    case 'bad_response':
    case 'wrong_answer':
      return new HesoCloudError('bad_response', message, err.status, err.code);
    default: {
      const unreachable: never = err.kind;
      return new HesoCloudError('server', `${message} (${String(unreachable)})`, err.status);
    }
  }
}

/** Errors worth retrying later: the request may well succeed then. */
export function isTransient(err: unknown): boolean {
  // The SDK's codes for these kinds are the client's kind names.
  return err instanceof HesoCloudError && isTransientKind(err.code);
}
