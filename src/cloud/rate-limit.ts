/**
 * Per-API-key rate limiting (token bucket) and the bound on open long-poll requests per key.
 * In memory: limits reset when the server restarts, which is fine for abuse control.
 */
export interface RateLimitOptions {
  /** Requests a key may make in a burst. Default 600. */
  burst: number;
  /** Requests per second a key regains. Default 50. */
  perSecond: number;
  /** Long-poll requests one key may hold open at once. Default 32. */
  maxLongPolls: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 600, perSecond: 50, maxLongPolls: 32 };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets not touched for this long are full again and can be forgotten. */
const IDLE_FORGET_MS = 10 * 60_000;

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #longPolls = new Map<string, number>();
  readonly #opts: RateLimitOptions;
  readonly #nowMs: () => number;

  constructor(opts: Partial<RateLimitOptions> = {}, nowMs: () => number = () => performance.now()) {
    this.#opts = { ...DEFAULT_RATE_LIMIT, ...opts };
    this.#nowMs = nowMs;
  }

  get options(): RateLimitOptions {
    return this.#opts;
  }

  /** Takes one token; returns 0 when allowed, else the whole seconds to wait before retrying. */
  take(key: string): number {
    const now = this.#nowMs();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#opts.burst, updatedMs: now };
    bucket.tokens = Math.min(
      this.#opts.burst,
      bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.#opts.perSecond,
    );
    bucket.updatedMs = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#forgetIdle(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#opts.perSecond));
  }

  #forgetIdle(now: number): void {
    for (const [key, bucket] of this.#buckets) if (now - bucket.updatedMs > IDLE_FORGET_MS) this.#buckets.delete(key);
  }

  /** Reserves a long-poll slot; returns a release function, or null when the key holds too many. */
  openLongPoll(key: string): (() => void) | null {
    const open = this.#longPolls.get(key) ?? 0;
    if (open >= this.#opts.maxLongPolls) return null;
    this.#longPolls.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#longPolls.get(key) ?? 1) - 1;
      if (left <= 0) this.#longPolls.delete(key);
      else this.#longPolls.set(key, left);
    };
  }
}
