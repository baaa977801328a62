/**
 * Group commit for a synchronous SQLite connection: writes that arrive together share one
 * transaction and one fsync, and each caller's promise settles only after that commit
 * returned. Durability is unchanged (an acknowledged write is on disk); what changes is
 * that N concurrent requests pay one fsync instead of N.
 *
 * How writes "arrive together": a write is queued and the flush runs on `setImmediate`, so
 * every request whose handler reached its write in the same turn of the event loop joins
 * the batch. While a batch's fsync blocks the loop, the next requests pile up in the
 * socket buffers and form the next batch: the batch size grows with the load by itself,
 * and a lone request waits for no timer.
 *
 * Each write runs inside its own savepoint (better-sqlite3 nests `db.transaction` as a
 * SAVEPOINT inside an open transaction), so a write that throws is rolled back alone and
 * rejects alone; the others still commit. A failed COMMIT rejects every write of the batch:
 * none of them was acknowledged, none is durable.
 */
import type Database from 'better-sqlite3';

/** Upper bound on writes per transaction, so one batch never holds the loop for long. */
const MAX_BATCH = 256;

interface QueuedWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #db: Database.Database;
  /** Called after each committed batch (never after a rolled-back one). */
  readonly #afterCommit: () => void;
  /** Called when a whole batch is rolled back, so its bookkeeping is dropped. */
  readonly #afterRollback: () => void;
  #queue: QueuedWrite[] = [];
  #scheduled = false;

  constructor(db: Database.Database, hooks: { afterCommit: () => void; afterRollback: () => void }) {
    this.#db = db;
    this.#afterCommit = hooks.afterCommit;
    this.#afterRollback = hooks.afterRollback;
  }

  /** Runs `fn` atomically in the next batch; resolves with its result once the batch is committed. */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Writes queued and not yet committed (for shutdown: `flushNow` commits them). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Commits everything queued now, synchronously (used by close()). */
  flushNow(): void {
    while (this.#queue.length > 0) this.#flush();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  #flush(): void {
    const batch = this.#queue.splice(0, MAX_BATCH);
    if (batch.length === 0 || !this.#db.open) {
      for (const w of batch) w.reject(new Error('the database is closed'));
      return;
    }
    let settled: Settled[];
    try {
      settled = this.#runBatch(batch);
    } catch (error) {
      // BEGIN or COMMIT failed (locked past busy_timeout, disk full, I/O error): nothing is durable.
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#afterRollback();
      for (const w of batch) w.reject(error);
      return;
    }
    this.#afterCommit();
    batch.forEach((w, i) => {
      const outcome = settled[i]!;
      if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
    });
  }

  #runBatch(batch: QueuedWrite[]): Settled[] {
    this.#db.exec('BEGIN IMMEDIATE');
    const settled = batch.map((w): Settled => {
      try {
        return { ok: true, value: this.#db.transaction(w.run)() };
      } catch (error) {
        return { ok: false, error };
      }
    });
    this.#db.exec('COMMIT');
    return settled;
  }
}
