/**
 * Where the live queue's updates come from: one list of the pending queue (a snapshot),
 * then the control plane's changes feed from that list's cursor, so that each update
 * carries only the approvals that changed, whatever the queue's size. A `reset` answer
 * (the cursor is not one of this queue's, e.g. the server's database was replaced) or a
 * failure falls back to a fresh snapshot on the next call.
 */
import type { ControlPlaneClient } from '../client/index.ts';
import type { Approval } from '../core/api.ts';
import type { Sleep } from './runtime.ts';

export type QueueUpdate =
  /** The whole pending queue (up to the limit): anything held and not in it has left. */
  | { kind: 'snapshot'; approvals: Approval[] }
  /** Only the approvals that changed, in their current state; anything else is unchanged. */
  | { kind: 'changes'; approvals: Approval[] };

export interface QueueFeedOptions {
  client: Pick<ControlPlaneClient, 'listPending' | 'approvalChanges'>;
  teamId: string;
  /** Most approvals per response. */
  limit: number;
  sleep: Sleep;
}

/** Pause before listing again when the feed keeps disowning the cursor the list just gave. */
const RESET_PAUSE_MS = 1000;

export class QueueFeed {
  readonly #opts: QueueFeedOptions;
  /** The cursor of what we hold; undefined until a snapshot was taken (or after a reset). */
  #cursor: string | undefined;
  /** The last changes page was cut at the limit: fetch the rest without waiting. */
  #more = false;
  /** The last update was a list: a reset now means the feed cannot be used as is. */
  #listedLast = false;

  constructor(options: QueueFeedOptions) {
    this.#opts = options;
  }

  /** The next update: a snapshot first, then changes (held up to `waitSeconds` until there are some). */
  async next(waitSeconds: number, signal: AbortSignal): Promise<QueueUpdate> {
    const { client, teamId, limit } = this.#opts;
    if (this.#cursor !== undefined) {
      const res = await client.approvalChanges(teamId, {
        since: this.#cursor,
        waitSeconds: this.#more ? 0 : waitSeconds,
        limit,
        signal,
      });
      if (!res.reset) {
        this.#cursor = res.cursor;
        this.#more = res.more;
        this.#listedLast = false;
        return { kind: 'changes', approvals: res.changes };
      }
      // A reset right after a list repeats forever with a confused or hostile server (one that
      // hands out cursors it then disowns): pause between such rounds instead of spinning.
      if (this.#listedLast) await this.#opts.sleep(RESET_PAUSE_MS, signal);
    }
    const res = await client.listPending(teamId, { limit, signal });
    this.#cursor = res.cursor;
    this.#more = false;
    this.#listedLast = true;
    return { kind: 'snapshot', approvals: res.approvals };
  }
}
