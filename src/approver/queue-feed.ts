/**
 * Where the live queue's updates come from: one list of the pending queue (a snapshot, read
 * page by page however long the queue is), then the control plane's changes feed from that
 * list's cursor, so that each update carries only the approvals that changed, whatever the
 * queue's size. A `reset` answer (the cursor is not one of this queue's, e.g. the server's
 * database was replaced) or a failure falls back to a fresh snapshot on the next call.
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

/**
 * Most pages one snapshot reads (500 approvals each by default): a bound on what a confused
 * or hostile server can make the app hold, far above any real queue.
 */
export const MAX_SNAPSHOT_PAGES = 40;

/**
 * The whole pending queue, page after page (`after` = the last id of the page before), and
 * the cursor of the FIRST page: whatever changed while the later pages were read is after
 * that cursor, so the changes feed followed from it delivers it. Stops at a short page, at a
 * page that brings no approval not already seen (a server ignoring `after`), or at
 * MAX_SNAPSHOT_PAGES.
 */
export async function listWholeQueue(
  client: Pick<ControlPlaneClient, 'listPending'>,
  teamId: string,
  opts: { limit: number; signal?: AbortSignal },
): Promise<{ approvals: Approval[]; cursor: string }> {
  const first = await client.listPending(teamId, { limit: opts.limit, signal: opts.signal });
  const byId = new Map(first.approvals.map((a) => [a.id, a]));
  let page = first.approvals;
  for (let pages = 1; page.length >= opts.limit && pages < MAX_SNAPSHOT_PAGES; pages++) {
    const after = page[page.length - 1]!.id;
    page = (await client.listPending(teamId, { limit: opts.limit, after, signal: opts.signal })).approvals;
    const before = byId.size;
    for (const approval of page) byId.set(approval.id, approval);
    if (byId.size === before) break;
  }
  return { approvals: [...byId.values()], cursor: first.cursor };
}

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
    const res = await listWholeQueue(client, teamId, { limit, signal });
    this.#cursor = res.cursor;
    this.#more = false;
    this.#listedLast = true;
    return { kind: 'snapshot', approvals: res.approvals };
  }
}
