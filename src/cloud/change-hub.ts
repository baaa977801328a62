/**
 * Wakes long-poll requests when a team's pending queue changes. The store reports every
 * change (approval opened, decided, expired); waiters subscribe before they read, so a
 * change between their read and their wait is never missed.
 */
export type WaitOutcome = 'changed' | 'timeout' | 'closed';

export interface Subscription {
  /** Settles on the first change after subscribing, after `ms`, or when the hub closes. */
  wait(ms: number): Promise<WaitOutcome>;
  cancel(): void;
}

export class ChangeHub {
  readonly #waiters = new Map<string, Set<(outcome: WaitOutcome) => void>>();
  #closed = false;

  notify(teamId: string): void {
    const set = this.#waiters.get(teamId);
    if (!set) return;
    this.#waiters.delete(teamId);
    for (const wake of set) wake('changed');
  }

  /** Wakes every waiter (server shutting down): they answer with what they have. */
  close(): void {
    this.#closed = true;
    for (const set of this.#waiters.values()) for (const wake of set) wake('closed');
    this.#waiters.clear();
  }

  subscribe(teamId: string): Subscription {
    let outcome: WaitOutcome | null = this.#closed ? 'closed' : null;
    let resolveWait: ((o: WaitOutcome) => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    const wake = (o: WaitOutcome) => {
      if (outcome === null) outcome = o;
      this.#waiters.get(teamId)?.delete(wake);
      if (timer) clearTimeout(timer);
      resolveWait?.(outcome);
    };
    if (!this.#closed) {
      const set = this.#waiters.get(teamId) ?? new Set();
      set.add(wake);
      this.#waiters.set(teamId, set);
    }
    return {
      wait: (ms) =>
        new Promise<WaitOutcome>((resolve) => {
          if (outcome !== null) return resolve(outcome);
          resolveWait = resolve;
          timer = setTimeout(() => wake('timeout'), Math.max(0, ms));
        }),
      cancel: () => wake('closed'),
    };
  }
}
