/**
 * Following a team's pending queue: one list, then the changes feed from its cursor
 * (queue-feed.ts), applied to what we hold (added / updated / removed / expired) touching
 * only the approvals that changed; each new approval is verified locally. Keeps the
 * connection state honest. Network errors and 5xx back off with
 * jitter; 429 waits exactly Retry-After; 401/403 (and 404 for the team) stop the loop
 * with "API key rejected" instead of hammering the server.
 *
 * An approval id is immutable here: a later version of an id already seen with another receipt,
 * action, challenge, expiry or team is never taken as an update. The item keeps what was first
 * seen and becomes quarantined with the reason (see SeenApprovals).
 */

import { ControlPlaneError } from '../client/errors.ts';
import type { ControlPlaneClient } from '../client/index.ts';
import type { Approval } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import type { ConnectionState, PendingItem } from './api.ts';
import type { TrustedOperator } from './operator-trust.ts';
import { QueueFeed } from './queue-feed.ts';
import { backoffDelay, type Clock, errorMessage, isoAt, type Logger, type Random, type Sleep } from './runtime.ts';
import type { SeenApprovals } from './seen-approvals.ts';
import { inspectApproval } from './verify-approval.ts';

/** Long-poll wait of the first request after a failure. */
const RECOVERY_WAIT_SECONDS = 1;

export interface LiveQueueEvents {
  added(item: PendingItem): void;
  updated(item: PendingItem): void;
  removed(approvalId: string): void;
  expired(approvalId: string): void;
  connection(state: ConnectionState): void;
  /** After any change to the set of items. */
  changed(): void;
}

export interface LiveQueueOptions {
  client: Pick<ControlPlaneClient, 'listPending' | 'approvalChanges'>;
  teamId: string;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  logger: Logger;
  events: LiveQueueEvents;
  /** First-seen versions of this profile's approvals (shared with the engine's one-off fetches). */
  seen: SeenApprovals;
  /** The profile's pinned operator keys, read at each inspection. */
  trustedOperators: () => readonly TrustedOperator[];
  /** This profile's approver key ids: its own quorum decisions show as "you". */
  myKeyIds?: readonly string[];
  /** How long each long-poll may be held by the server. Default 25 s. */
  waitSeconds?: number;
  /** Most approvals per response. Default 500. */
  limit?: number;
}

/** Retry-After when a 429 carries none. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export const IDLE_CONNECTION: ConnectionState = {
  kind: 'idle',
  message: 'Not connected',
  retryAt: null,
  lastSyncAt: null,
};

export class LiveQueue {
  readonly items = new Map<string, PendingItem>();
  /** Canonical text of each held approval, computed once when it arrived, to compare a re-sent one. */
  readonly #canonical = new Map<string, string>();
  #connection: ConnectionState = IDLE_CONNECTION;
  readonly #opts: LiveQueueOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: LiveQueueOptions) {
    this.#opts = options;
  }

  get connection(): ConnectionState {
    return this.#connection;
  }

  start(): void {
    if (this.#loop) return;
    this.#setConnection({ kind: 'connecting', message: 'Connecting to the control plane…', retryAt: null });
    this.#loop = this.#run().catch((err: unknown) => {
      this.#opts.logger.error('queue loop crashed', { error: errorMessage(err) });
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    await this.#loop;
    this.#loop = null;
  }

  /** The engine decided an approval: drop it now rather than at the next poll. */
  removeLocally(approvalId: string): void {
    if (this.items.delete(approvalId)) {
      this.#canonical.delete(approvalId);
      this.#opts.events.removed(approvalId);
      this.#opts.events.changed();
    }
  }

  /** Re-inspects every held item (after the profile's operator trust changed); emits `updated` for those that changed. */
  reinspect(): void {
    const now = isoAt(this.#opts.clock());
    let changed = false;
    for (const [id, item] of this.items) {
      const next = this.#inspect(item.approval, now, item.receivedAt);
      if (canonicalize(next) === canonicalize(item)) continue;
      this.items.set(id, next);
      this.#opts.events.updated(next);
      changed = true;
    }
    if (changed) this.#opts.events.changed();
  }

  #inspect(approval: Approval, now: string, receivedAt: string, changedParts?: readonly string[]): PendingItem {
    const changed = changedParts ?? this.#opts.seen.observe(approval).changed;
    return inspectApproval(approval, {
      teamId: this.#opts.teamId,
      now,
      receivedAt,
      trustedOperators: this.#opts.trustedOperators(),
      changed,
      ...(this.#opts.myKeyIds ? { myKeyIds: this.#opts.myKeyIds } : {}),
    });
  }

  /** Re-checks expiry of every item (also run from a timer at the earliest expiry). */
  sweepExpired(): void {
    const now = this.#opts.clock();
    let changed = false;
    for (const [id, item] of this.items) {
      if (Date.parse(item.approval.expiresAt) <= now) {
        this.items.delete(id);
        this.#canonical.delete(id);
        this.#opts.events.expired(id);
        changed = true;
      }
    }
    if (changed) this.#opts.events.changed();
    this.#scheduleExpiry();
  }

  #pollWait(): number {
    return this.#opts.waitSeconds ?? 25;
  }

  async #run(): Promise<void> {
    const { client, teamId, logger, sleep } = this.#opts;
    const signal = this.#abort.signal;
    const feed = new QueueFeed({ client, teamId, limit: this.#opts.limit ?? 500, sleep });
    let failures = 0;
    // After any failure the next long-poll is short: "online" comes back within a second of the
    // control plane answering again, not at the next change or a 25 s timeout. It stays a
    // long-poll so that a key out of long-poll slots keeps getting 429 instead of flapping.
    let recovering = false;
    while (!signal.aborted) {
      try {
        const update = await feed.next(recovering ? RECOVERY_WAIT_SECONDS : this.#pollWait(), signal);
        if (signal.aborted) return;
        failures = 0;
        recovering = false;
        this.#setConnection({ kind: 'online', message: 'Connected', retryAt: null }, true);
        if (update.kind === 'snapshot') this.#reconcile(update.approvals);
        else this.#applyChanges(update.approvals);
      } catch (err) {
        if (signal.aborted) return;
        recovering = true;
        const decision = this.#classify(err, failures);
        logger.warn('queue poll failed', { kind: decision.kind, error: errorMessage(err) });
        if (decision.kind === 'stop') {
          this.#setConnection({ kind: 'auth_failed', message: decision.message, retryAt: null });
          return;
        }
        if (decision.kind === 'backoff') failures += 1;
        const retryAt = isoAt(this.#opts.clock() + decision.delayMs);
        this.#setConnection({
          kind: decision.kind === 'rate_limit' ? 'rate_limited' : 'reconnecting',
          message: decision.message,
          retryAt,
        });
        await sleep(decision.delayMs, signal);
      }
    }
  }

  #classify(
    err: unknown,
    failures: number,
  ): { kind: 'stop'; message: string } | { kind: 'rate_limit' | 'backoff'; message: string; delayMs: number } {
    const teamId = this.#opts.teamId;
    if (err instanceof ControlPlaneError) {
      switch (err.kind) {
        case 'auth':
          return {
            kind: 'stop',
            message:
              'API key rejected (401): it is unknown or was revoked. Ask your team admin for a new API key and run `heso-approver init` again.',
          };
        case 'forbidden':
          return {
            kind: 'stop',
            message: `API key refused for team "${teamId}" (403): its role may not read the queue (an operator key, meant for agents?). The app needs an approver API key: ask your team admin (heso-cloud key create --team ${teamId} --role approver) and run \`heso-approver init\` again.`,
          };
        case 'not_found':
          return {
            kind: 'stop',
            message: `API key rejected for team "${teamId}" (${err.status ?? err.kind}): the key has no access to this team. Check the team id, or ask your team admin for a key of this team.`,
          };
        case 'rate_limited': {
          const seconds = err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
          return {
            kind: 'rate_limit',
            message: `The control plane asked us to slow down; retrying in ${seconds} s.`,
            delayMs: seconds * 1000,
          };
        }
        case 'network':
        case 'server':
        case 'bad_response':
        case 'bad_request':
        case 'already_decided':
        case 'conflict':
        case 'expired':
        case 'too_large':
        case 'bad_signature':
        case 'wrong_answer':
          break;
        default: {
          const never: never = err.kind;
          return never;
        }
      }
    }
    const delayMs = backoffDelay(failures, this.#opts.random);
    const what =
      err instanceof ControlPlaneError && err.kind === 'server'
        ? `The control plane had an error (${err.status ?? 'server'})`
        : err instanceof ControlPlaneError && err.kind === 'wrong_answer'
          ? `The control plane answered with approvals that are not this team's (refused: ${err.message})`
          : 'Cannot reach the control plane';
    return { kind: 'backoff', message: `${what}; retrying in ${Math.ceil(delayMs / 1000)} s.`, delayMs };
  }

  /** A whole-queue snapshot: add or update what it holds, drop what it no longer holds. */
  #reconcile(approvals: Approval[]): void {
    const nowMs = this.#opts.clock();
    const seen = new Set<string>();
    let changed = false;
    for (const approval of approvals) {
      if (approval.status !== 'pending') continue;
      seen.add(approval.id);
      if (this.#upsert(approval, nowMs)) changed = true;
    }
    for (const id of this.items.keys()) if (!seen.has(id) && this.#drop(id, nowMs, false)) changed = true;
    if (changed) this.#opts.events.changed();
    this.#opts.seen.prune(nowMs);
    this.sweepExpired();
  }

  /** Changes only: a pending approval is added (or updated), any other status leaves the queue. Nothing else is touched. */
  #applyChanges(approvals: Approval[]): void {
    const nowMs = this.#opts.clock();
    let changed = false;
    for (const approval of approvals) {
      const moved =
        approval.status === 'pending'
          ? this.#upsert(approval, nowMs)
          : this.#drop(approval.id, nowMs, approval.status === 'expired');
      if (moved) changed = true;
    }
    if (changed) this.#opts.events.changed();
    this.#opts.seen.prune(nowMs);
    this.sweepExpired();
  }

  /**
   * Adds a pending approval, or updates a held one whose content differs; true when something
   * changed. An id is immutable once seen: a changed copy is quarantined (seen-approvals.ts).
   */
  #upsert(fresh: Approval, nowMs: number): boolean {
    const { events } = this.#opts;
    const existing = this.items.get(fresh.id);
    const observed = this.#opts.seen.observe(fresh);
    const canonical = canonicalize(observed.approval);
    if (existing && !observed.newlyChanged && this.#canonical.get(fresh.id) === canonical) return false;
    if (observed.newlyChanged) {
      this.#opts.logger.warn('approval changed under its id: quarantined', {
        approvalId: fresh.id,
        changed: observed.changed,
      });
    }
    const now = isoAt(nowMs);
    const item = this.#inspect(observed.approval, now, existing?.receivedAt ?? now, observed.changed);
    this.items.set(fresh.id, item);
    this.#canonical.set(fresh.id, canonical);
    if (existing) events.updated(item);
    else events.added(item);
    return true;
  }

  /** Drops a held approval (expired when past its expiry or the server says so); true when it was held. */
  #drop(approvalId: string, nowMs: number, expired: boolean): boolean {
    const item = this.items.get(approvalId);
    if (!item) return false;
    this.items.delete(approvalId);
    this.#canonical.delete(approvalId);
    if (expired || Date.parse(item.approval.expiresAt) <= nowMs) this.#opts.events.expired(approvalId);
    else this.#opts.events.removed(approvalId);
    return true;
  }

  #scheduleExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    if (this.#abort.signal.aborted || this.items.size === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const item of this.items.values()) earliest = Math.min(earliest, Date.parse(item.approval.expiresAt));
    // Capped so a clock change cannot park the timer for days; the sweep reschedules itself.
    const delay = Math.min(Math.max(0, earliest - this.#opts.clock()) + 50, 60_000);
    this.#expiryTimer = setTimeout(() => this.sweepExpired(), delay);
    this.#expiryTimer.unref?.();
  }

  #setConnection(next: Omit<ConnectionState, 'lastSyncAt'>, synced = false): void {
    const lastSyncAt = synced ? isoAt(this.#opts.clock()) : this.#connection.lastSyncAt;
    const prev = this.#connection;
    this.#connection = { ...next, lastSyncAt };
    // lastSyncAt alone changes on every poll; only tell listeners about real changes.
    if (prev.kind !== next.kind || prev.message !== next.message || prev.retryAt !== next.retryAt) {
      this.#opts.events.connection(this.#connection);
    }
  }
}
