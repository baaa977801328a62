/**
 * One long-poll for all of a process's open approvals. Every guard waiting for a decision
 * registers here; one request per team (`GET …/approvals/settled`) is held open while any
 * waits, and each answer is routed to the waiters of the approvals it names. A thousand
 * approvals awaiting a human cost one open request, not a thousand.
 *
 * The server's answer is only routed, never trusted: the guard verifies each co-signature
 * itself. An approval the answer names but nobody here waits for, or of another team, is ignored.
 */
import type { Approval, SettledApprovalsResponse } from '../core/api.ts';
import { sleep } from '../core/backoff.ts';
import { isTransient } from './errors.ts';
import { type BackoffOptions, backoffDelay } from './retry.ts';

/** What the watcher needs from the cloud connection (errors already mapped to SDK errors). */
export interface SettledSource {
  settled(
    teamId: string,
    opts: { cursor?: string; waitSeconds?: number; signal?: AbortSignal },
  ): Promise<SettledApprovalsResponse>;
  /** The approval's current state, without waiting. */
  current(teamId: string, approvalId: string): Promise<Approval>;
}

export interface WatchOptions {
  /** Longest time to wait for a decision, in ms; then the current state is returned (maybe still pending). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Also look at the approval once now (it was opened before the long-poll's starting point). */
  lookNow?: boolean;
}

interface Waiter {
  approvalId: string;
  resolve(approval: Approval): void;
  reject(err: unknown): void;
}

/** Seconds each held request waits; the server caps it at 30. */
const HOLD_SECONDS = 30;

class TeamWatch {
  cursor: string | null = null;
  #priming: Promise<void> | null = null;
  readonly waiters = new Map<string, Set<Waiter>>();
  #abort: AbortController | null = null;

  constructor(
    readonly teamId: string,
    readonly source: SettledSource,
    readonly backoff: BackoffOptions,
  ) {}

  /** The starting cursor: whatever settles after it is seen. Shared by concurrent callers. */
  prime(): Promise<void> {
    if (this.cursor !== null) return Promise.resolve();
    this.#priming ??= this.source
      .settled(this.teamId, {})
      .then((res) => {
        this.cursor ??= res.cursor;
      })
      .finally(() => {
        this.#priming = null;
      });
    return this.#priming;
  }

  add(waiter: Waiter): void {
    const set = this.waiters.get(waiter.approvalId) ?? new Set();
    set.add(waiter);
    this.waiters.set(waiter.approvalId, set);
    if (!this.#abort) void this.#run();
  }

  remove(waiter: Waiter): void {
    const set = this.waiters.get(waiter.approvalId);
    set?.delete(waiter);
    if (set?.size === 0) this.waiters.delete(waiter.approvalId);
    // Nobody waits any more: end the held request, so nothing keeps the process busy.
    if (this.waiters.size === 0) this.#abort?.abort();
  }

  async #run(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    let failures = 0;
    try {
      while (this.waiters.size > 0 && !abort.signal.aborted) {
        try {
          await this.prime();
          const res = await this.source.settled(this.teamId, {
            ...(this.cursor !== null ? { cursor: this.cursor } : {}),
            waitSeconds: HOLD_SECONDS,
            signal: abort.signal,
          });
          failures = 0;
          this.cursor = res.cursor;
          for (const approval of res.approvals) this.#deliver(approval);
        } catch (err) {
          if (abort.signal.aborted) return;
          if (!isTransient(err)) {
            this.#failAll(err);
            return;
          }
          await sleep(backoffDelay(failures++, err, this.backoff), abort.signal);
        }
      }
    } finally {
      if (this.#abort === abort) this.#abort = null;
      // A waiter added while the loop was ending starts a new one.
      if (this.waiters.size > 0 && !this.#abort) void this.#run();
    }
  }

  #deliver(approval: Approval): void {
    if (approval.teamId !== this.teamId || approval.status === 'pending') return;
    for (const waiter of this.waiters.get(approval.id) ?? []) waiter.resolve(approval);
  }

  #failAll(err: unknown): void {
    for (const set of this.waiters.values()) for (const waiter of set) waiter.reject(err);
  }
}

export class ApprovalWatcher {
  readonly #teams = new Map<string, TeamWatch>();
  readonly #source: SettledSource;
  readonly #backoff: BackoffOptions;

  constructor(source: SettledSource, backoff: BackoffOptions = {}) {
    this.#source = source;
    this.#backoff = backoff;
  }

  #team(teamId: string): TeamWatch {
    let team = this.#teams.get(teamId);
    if (!team) {
      team = new TeamWatch(teamId, this.#source, this.#backoff);
      this.#teams.set(teamId, team);
    }
    return team;
  }

  /** Call before opening an approval: afterwards, its decision cannot be missed. */
  prime(teamId: string): Promise<void> {
    return this.#team(teamId).prime();
  }

  /**
   * Resolves with the approval once the server reports it decided or expired; when
   * `timeoutMs` passes or `signal` aborts, with its current state (perhaps still pending).
   */
  wait(teamId: string, approvalId: string, opts: WatchOptions): Promise<Approval> {
    const team = this.#team(teamId);
    return new Promise<Approval>((resolve, reject) => {
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onGiveUp);
        team.remove(waiter);
        outcome();
      };
      const waiter: Waiter = {
        approvalId,
        resolve: (approval) => finish(() => resolve(approval)),
        reject: (err) => finish(() => reject(err)),
      };
      // Out of time: one last look, so a decision that raced the deadline still counts.
      const onGiveUp = () =>
        finish(() => {
          this.#source.current(teamId, approvalId).then(resolve, reject);
        });
      const timer = setTimeout(onGiveUp, Math.max(0, opts.timeoutMs));
      if (opts.signal?.aborted) return onGiveUp();
      opts.signal?.addEventListener('abort', onGiveUp, { once: true });
      team.add(waiter);
      if (opts.lookNow)
        this.#source.current(teamId, approvalId).then(
          (approval) => {
            if (approval.id === approvalId && approval.status !== 'pending') waiter.resolve(approval);
          },
          () => undefined, // the long-poll and the deadline still cover it
        );
    });
  }
}
