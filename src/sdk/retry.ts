/**
 * Exponential backoff with full jitter, honouring a server's `Retry-After`. Shared by the
 * cloud calls, long-polling and the outbox, so every retry in the SDK behaves the same.
 */
import { backoffCeiling } from '../core/backoff.ts';
import { HesoRateLimitedError } from './errors.ts';

export interface BackoffOptions {
  /** First delay ceiling in ms. Default 250. */
  baseMs?: number;
  /** Largest delay in ms. Default 30 000. */
  maxMs?: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based): uniform in [0, min(max, base·2^attempt)), or Retry-After when the server gave one. */
export function backoffDelay(attempt: number, err: unknown, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 250;
  const max = opts.maxMs ?? 30_000;
  if (err instanceof HesoRateLimitedError && err.retryAfterSeconds !== undefined) {
    // The server said when; a little jitter on top keeps many agents from returning at once.
    return err.retryAfterSeconds * 1000 + Math.floor((opts.random ?? Math.random)() * base);
  }
  const ceiling = backoffCeiling(attempt, base, max);
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}
