/**
 * Waiting between retries, the one implementation for the SDK, the approver and the demo:
 * an abortable sleep and the exponential ceiling every backoff schedule grows by. The
 * jitter on top is each caller's policy (the SDK spreads many agents with full jitter and
 * honours Retry-After; the approver keeps half the ceiling fixed so one device never spins).
 * Browser-safe: timers and AbortSignal only.
 */

/**
 * Resolves after `ms`, or early (without throwing) when `signal` aborts. A non-finite `ms`
 * waits for the signal alone (a timer cannot hold Infinity: it would fire at once).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The largest delay before retry number `attempt` (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  // The exponent is capped so a long outage never overflows to Infinity.
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
}
