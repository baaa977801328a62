/**
 * Prompt-fatigue protection. Approvals that arrive close together are gathered for a
 * short window and shown as one notification; after a notification, the next one waits
 * at least `minIntervalMs`. A burst of 50 approvals therefore yields one summary
 * ("50 approvals are waiting"), not 50 prompts, and a steady trickle yields at most one
 * notification per interval. Time comes from an injected clock and timer so the policy
 * is unit-testable without waiting.
 */
import type { NotificationRequest, PendingItem } from './api.ts';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending notification must not keep a CLI process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface NotificationCandidate {
  approvalId: string;
  title: string;
  body: string;
}

export interface CoalescerOptions {
  emit: (notification: NotificationRequest) => void;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  timers?: Timers;
  /** How long to gather arrivals before showing anything. Default 1500 ms. */
  gatherMs?: number;
  /** Least time between two notifications. Default 10 s. */
  minIntervalMs?: number;
}

export class NotificationCoalescer {
  readonly #emit: (n: NotificationRequest) => void;
  readonly #clock: () => number;
  readonly #timers: Timers;
  readonly #gatherMs: number;
  readonly #minIntervalMs: number;
  /** Waiting to be announced, in arrival order, keyed by approval id. */
  readonly #pending = new Map<string, NotificationCandidate>();
  #timer: unknown = null;
  #lastEmitAt = Number.NEGATIVE_INFINITY;
  #disposed = false;

  constructor(options: CoalescerOptions) {
    this.#emit = options.emit;
    this.#clock = options.clock ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#gatherMs = options.gatherMs ?? 1500;
    this.#minIntervalMs = options.minIntervalMs ?? 10_000;
  }

  /** An approval arrived that the user should hear about. Announcing the same id twice is a no-op. */
  push(candidate: NotificationCandidate): void {
    if (this.#disposed) return;
    this.#pending.set(candidate.approvalId, candidate);
    if (this.#timer !== null) return;
    const now = this.#clock();
    const at = Math.max(now + this.#gatherMs, this.#lastEmitAt + this.#minIntervalMs);
    this.#timer = this.#timers.setTimeout(() => this.#flush(), Math.max(0, at - now));
  }

  /** The approval was decided, removed or expired before it was announced: do not announce it. */
  withdraw(approvalId: string): void {
    this.#pending.delete(approvalId);
  }

  /** Number of approvals gathered but not yet announced. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  dispose(): void {
    this.#disposed = true;
    this.#pending.clear();
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flush(): void {
    this.#timer = null;
    if (this.#disposed || this.#pending.size === 0) return;
    const items = [...this.#pending.values()];
    this.#pending.clear();
    this.#lastEmitAt = this.#clock();
    const [first] = items;
    if (items.length === 1 && first) {
      this.#emit({ kind: 'single', approvalId: first.approvalId, title: first.title, body: first.body });
      return;
    }
    this.#emit({
      kind: 'summary',
      count: items.length,
      title: `${items.length} approvals are waiting`,
      body: 'Open HESO Approver to review them one by one.',
    });
  }
}

/** The notification for a new pending item (quarantined ones say they can only be denied). */
export function notificationFor(item: PendingItem): { approvalId: string; title: string; body: string } {
  const st = item.approval.receipt.statement;
  if (item.quarantined) {
    return {
      approvalId: item.approval.id,
      title: 'Approval request failed verification',
      body: `${st.action.tool} · it can only be denied · code ${item.shortCode}`,
    };
  }
  // A first-seen operator key is said up front: the person will have to compare a fingerprint.
  const newKey = item.operator.trust === 'first_seen' ? ' · new operator key' : '';
  return {
    approvalId: item.approval.id,
    title: `Approval needed: ${st.action.tool}`,
    body: `${st.action.account} · ${st.action.workflow} · code ${item.shortCode}${newKey}`,
  };
}
