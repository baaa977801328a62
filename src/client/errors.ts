/**
 * The one error type the control-plane client throws. `kind` is what callers switch on
 * (retry on `network` / `server` / `rate_limited`, stop on `auth`, …); `message` says what
 * happened in words and never contains the API key or the Authorization header.
 */
import type { ErrorCode } from '../core/api.ts';

export type ControlPlaneErrorKind =
  | 'auth' // 401: missing, unknown or revoked API key
  | 'forbidden' // 403: e.g. the approver key is not active
  | 'not_found' // 404: no such resource for this team (or another team's)
  | 'already_decided' // 409 already_decided
  | 'conflict' // 409 conflict: same id, different content
  | 'expired' // 410
  | 'too_large' // 413
  | 'bad_signature' // 422
  | 'rate_limited' // 429, see retryAfterSeconds
  | 'bad_request' // 400 and other 4xx
  | 'server' // 5xx
  | 'network' // no HTTP response: refused, reset, DNS, timeout, aborted
  | 'bad_response' // a response that is not what the API promises
  | 'wrong_answer'; // a well-formed answer about something else than what was asked (another id or team)

export interface ControlPlaneErrorInit {
  kind: ControlPlaneErrorKind;
  message: string;
  status?: number;
  code?: ErrorCode;
  field?: string;
  retryAfterSeconds?: number;
  /** True when the caller's AbortSignal ended the request (kind is then `network`). */
  aborted?: boolean;
  cause?: unknown;
}

export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  readonly kind: ControlPlaneErrorKind;
  readonly status?: number;
  readonly code?: ErrorCode;
  /** Dotted path of the offending request field, when the server named one. */
  readonly field?: string;
  readonly retryAfterSeconds?: number;
  readonly aborted: boolean;

  constructor(init: ControlPlaneErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
    if (init.field !== undefined) this.field = init.field;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    this.aborted = init.aborted ?? false;
  }
}

/**
 * Kinds worth retrying later: the request may well succeed then (no answer, a server error,
 * a rate limit). The one list behind every retry decision in the SDK and the approver.
 */
export function isTransientKind(kind: string): boolean {
  return kind === 'network' || kind === 'server' || kind === 'rate_limited';
}

/** Which kind an HTTP error status (and the server's code, when it sent one) maps to. */
export function kindForStatus(status: number, code: ErrorCode | undefined): ControlPlaneErrorKind {
  switch (status) {
    case 401:
      return 'auth';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return code === 'conflict' ? 'conflict' : 'already_decided';
    case 410:
      return 'expired';
    case 413:
      return 'too_large';
    case 422:
      return 'bad_signature';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'server' : 'bad_request';
  }
}

/** `Retry-After` as whole seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
