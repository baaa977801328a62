/**
 * Request budgets (token buckets) and bounds on open long-poll requests, per API key and per
 * role within a team. A request must fit both its key's budget and its role's: one busy key
 * cannot starve the other keys of its role, and agents (operator keys) can never spend the
 * budget of the people deciding (approver keys), whatever they do.
 * In memory: limits reset when the server restarts, which is fine for abuse control.
 */
import type { ApiKeyRole } from '../core/api.ts';

export interface RateLimitOptions {
  /** Requests one key may make in a burst. Default 600. */
  burst: number;
  /** Requests per second one key regains. Default 50. */
  perSecond: number;
  /** Long-poll requests one key may hold open at once. Default 32. */
  maxLongPolls: number;
  /** Requests all keys of one role in one team may make in a burst. Default 2400. */
  roleBurst: number;
  /** Requests per second one role in one team regains. Default 200. */
  rolePerSecond: number;
  /** Long-poll requests all keys of one role in one team may hold open at once. Default 256. */
  roleMaxLongPolls: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  burst: 600,
  perSecond: 50,
  maxLongPolls: 32,
  roleBurst: 2400,
  rolePerSecond: 200,
  roleMaxLongPolls: 256,
};

/** Who is spending: the key, and the role it spends for. */
export interface BudgetOwner {
  keyId: string;
  teamId: string;
  role: ApiKeyRole;
}

/** A budget that ran out: its name (e.g. `role:operator:requests`), the wait, and a sentence for people. */
export interface Exhausted {
  budget: string;
  retryAfterSeconds: number;
  message: string;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets not touched for this long are full again and can be forgotten. */
const IDLE_FORGET_MS = 10 * 60_000;

const roleId = (owner: BudgetOwner) => `${owner.teamId}\u0000${owner.role}`;

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

  /** Takes one request from the key's and the role's budgets; null when allowed. */
  take(owner: BudgetOwner): Exhausted | null {
    const now = this.#nowMs();
    const key = this.#refill(`k\u0000${owner.keyId}`, this.#opts.burst, this.#opts.perSecond, now);
    const role = this.#refill(`r\u0000${roleId(owner)}`, this.#opts.roleBurst, this.#opts.rolePerSecond, now);
    if (this.#buckets.size > 10_000) this.#forgetIdle(now);
    if (key.tokens < 1)
      return {
        budget: 'key:requests',
        retryAfterSeconds: waitFor(key, this.#opts.perSecond),
        message: `too many requests for this API key (${this.#opts.perSecond}/s, bursts of ${this.#opts.burst})`,
      };
    if (role.tokens < 1)
      return {
        budget: `role:${owner.role}:requests`,
        retryAfterSeconds: waitFor(role, this.#opts.rolePerSecond),
        message: `too many requests from this team's ${owner.role} keys together (${this.#opts.rolePerSecond}/s); other roles are not affected`,
      };
    key.tokens -= 1;
    role.tokens -= 1;
    return null;
  }

  #refill(id: string, burst: number, perSecond: number, now: number): Bucket {
    const bucket = this.#buckets.get(id) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * perSecond);
    bucket.updatedMs = now;
    this.#buckets.set(id, bucket);
    return bucket;
  }

  #forgetIdle(now: number): void {
    for (const [id, bucket] of this.#buckets) if (now - bucket.updatedMs > IDLE_FORGET_MS) this.#buckets.delete(id);
  }

  /** Reserves a long-poll slot for the key and its role; a release function, or which budget is full. */
  openLongPoll(owner: BudgetOwner): { release: () => void } | Exhausted {
    const keySlot = `k\u0000${owner.keyId}`;
    const roleSlot = `r\u0000${roleId(owner)}`;
    if ((this.#longPolls.get(keySlot) ?? 0) >= this.#opts.maxLongPolls)
      return {
        budget: 'key:long-polls',
        retryAfterSeconds: 1,
        message: `too many long-poll requests open for this API key (at most ${this.#opts.maxLongPolls}); wait on several approvals with one request (GET …/approvals/settled) or poll without wait`,
      };
    if ((this.#longPolls.get(roleSlot) ?? 0) >= this.#opts.roleMaxLongPolls)
      return {
        budget: `role:${owner.role}:long-polls`,
        retryAfterSeconds: 1,
        message: `too many long-poll requests open for this team's ${owner.role} keys together (at most ${this.#opts.roleMaxLongPolls}); other roles are not affected`,
      };
    this.#adjust(keySlot, 1);
    this.#adjust(roleSlot, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#adjust(keySlot, -1);
        this.#adjust(roleSlot, -1);
      },
    };
  }

  #adjust(slot: string, by: number): void {
    const next = (this.#longPolls.get(slot) ?? 0) + by;
    if (next <= 0) this.#longPolls.delete(slot);
    else this.#longPolls.set(slot, next);
  }
}

function waitFor(bucket: Bucket, perSecond: number): number {
  return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
}
