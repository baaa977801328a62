/**
 * The durable outbox: every receipt is written to disk (one file per receipt, fsynced,
 * atomically renamed) before anything else happens, and deleted only once the control
 * plane answered `accepted` or `duplicate`. A cloud outage or a process restart loses
 * nothing: the next flush (in this process or the next) pushes what is still pending.
 *
 * No duplicates: a receipt's file name derives from its receiptId (enqueueing twice keeps
 * one file) and the control plane stores receipts idempotently by receiptId (pushing twice,
 * e.g. after a crash between the push and the delete, answers `duplicate`).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { sleep } from '../core/backoff.ts';
import { LIMITS, Receipt, Timestamp } from '../core/schemas.ts';
import { configuredCloud, type HesoCloud } from './cloud.ts';
import { dataDirPaths } from './data-dir.ts';
import { HesoError, isTransient } from './errors.ts';
import { fsyncDir, writeFileDurable } from './fsutil.ts';
import {
  isCosigned,
  ReceiptArchive,
  type ReceiptArchiveOptions,
  readReceipt,
  receiptFileName,
} from './receipt-archive.ts';
import { type BackoffOptions, backoffDelay } from './retry.ts';
import { readStored } from './stored-file.ts';

export interface OutboxOptions {
  /** The connection to push with; defaults to the one `configure` set (looked up at push time). */
  cloud?: HesoCloud;
  backoff?: BackoffOptions;
  /** Called on every push attempt outcome (for logs; contains no secrets). */
  onEvent?: (event: OutboxEvent) => void;
  /** The local copy of every enqueued receipt, kept after it is pushed (default: the newest 10 000). */
  archive?: ReceiptArchiveOptions;
}

export type OutboxEvent =
  | { type: 'pushed'; accepted: number; duplicate: number; refused: number; remaining: number }
  | { type: 'push_failed'; error: HesoError; remaining: number; retryInMs: number | null }
  | { type: 'refused'; receiptId: string; reason: string }
  /** A file in the outbox that is not a receipt (damaged or edited): moved aside, not pushed, not deleted. */
  | { type: 'damaged'; file: string; movedTo: string; message: string };

export interface FlushResult {
  accepted: number;
  duplicate: number;
  refused: number;
  /** Receipts still pending after this pass. */
  remaining: number;
  /** Why the pass stopped early, if it did. */
  error?: HesoError;
}

const RefusedReceiptSchema = z.strictObject({ receipt: Receipt, reason: z.string(), refusedAt: Timestamp });
export type RefusedReceipt = z.infer<typeof RefusedReceiptSchema>;

const fileNameFor = receiptFileName;

export class Outbox {
  readonly #pendingDir: string;
  readonly #refusedDir: string;
  readonly #damagedDir: string;
  readonly #opts: OutboxOptions;
  readonly #archive: ReceiptArchive;
  #flushing: Promise<FlushResult> | null = null;
  #loop: Promise<void> | null = null;
  #stop: AbortController | null = null;
  #wake: (() => void) | null = null;

  constructor(dataDir: string, opts: OutboxOptions = {}) {
    const paths = dataDirPaths(dataDir);
    this.#pendingDir = paths.outboxPending;
    this.#refusedDir = paths.outboxRefused;
    this.#damagedDir = paths.outboxDamaged;
    this.#opts = opts;
    this.#archive = new ReceiptArchive(dataDir, opts.archive);
    if (!existsSync(paths.root))
      throw new HesoError('data_dir', `no data directory at ${paths.root}: run \`heso init\` first`);
    mkdirSync(this.#pendingDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.#refusedDir, { recursive: true, mode: 0o700 });
  }

  /**
   * Durably record a receipt for pushing; returns once it is on disk. Idempotent by
   * receiptId, except that a co-signed receipt replaces its pending plain version (the
   * control plane accepts that upgrade too).
   */
  enqueue(receipt: Receipt): void {
    const valid = Receipt.parse(receipt);
    const file = join(this.#pendingDir, fileNameFor(valid.statement.receiptId));
    if (!existsSync(file) || (isCosigned(valid) && !isCosigned(readReceipt(file))))
      writeFileDurable(file, JSON.stringify(valid));
    this.#archive.keep(valid);
    this.#wake?.();
  }

  /** Pending receipts, oldest first. A file that is not a receipt is moved to `outbox/damaged/` (event `damaged`). */
  pending(): Receipt[] {
    return this.#pendingFiles().map((f) => f.receipt);
  }

  /** Receipts the control plane refused, with its reason. Throws, naming the file, when one cannot be read back. */
  refused(): RefusedReceipt[] {
    if (!existsSync(this.#refusedDir)) return [];
    const out: RefusedReceipt[] = [];
    for (const name of readdirSync(this.#refusedDir).filter((n) => n.endsWith('.json'))) {
      const file = join(this.#refusedDir, name);
      const read = readStored(file, RefusedReceiptSchema);
      if (read.kind === 'damaged')
        throw new HesoError(
          'data_dir',
          `${file} is ${read.problem}, so the refused receipts cannot be listed. It was left as it is: move it out of ${this.#refusedDir} (keep it if it may hold a receipt you need), then list again.`,
        );
      if (read.kind === 'ok') out.push(read.value);
    }
    return out;
  }

  #pendingFiles(): { file: string; receipt: Receipt }[] {
    if (!existsSync(this.#pendingDir)) return [];
    const out: { file: string; receipt: Receipt }[] = [];
    for (const name of readdirSync(this.#pendingDir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.#pendingDir, name);
      const read = readStored(file, Receipt);
      // Missing: another process pushed and deleted it just now.
      if (read.kind === 'ok') out.push({ file, receipt: read.value });
      else if (read.kind === 'damaged') this.#setAsideDamaged(file, read.problem);
    }
    return out.sort(
      (a, b) =>
        a.receipt.statement.issuedAt.localeCompare(b.receipt.statement.issuedAt) ||
        a.receipt.statement.receiptId.localeCompare(b.receipt.statement.receiptId),
    );
  }

  /** One pass: push everything pending once (no retry). Concurrent calls share the pass. */
  flush(): Promise<FlushResult> {
    this.#flushing ??= this.#flushOnce().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flushOnce(): Promise<FlushResult> {
    const result: FlushResult = { accepted: 0, duplicate: 0, refused: 0, remaining: 0 };
    const files = this.#pendingFiles();
    const byTeam = new Map<string, typeof files>();
    for (const f of files) {
      const team = f.receipt.statement.teamId;
      byTeam.set(team, [...(byTeam.get(team) ?? []), f]);
    }
    let cloud: HesoCloud;
    try {
      cloud = this.#opts.cloud ?? configuredCloud();
    } catch (err) {
      result.error = err as HesoError;
      result.remaining = files.length;
      return result;
    }
    // One team's failure (e.g. a receipt for a team this key cannot reach) does not hold up the others.
    for (const [team, teamFiles] of byTeam) {
      try {
        for (let i = 0; i < teamFiles.length; i += LIMITS.receiptBatch) {
          const batch = teamFiles.slice(i, i + LIMITS.receiptBatch);
          // One attempt per pass: the retry schedule belongs to drain() / the background loop.
          // stop() aborts a push in flight: a server that holds the request open must not hold up close().
          const stopping = this.#stop?.signal;
          const results = await cloud.pushReceipts(
            team,
            batch.map((f) => f.receipt),
            { attempts: 1, ...(stopping ? { signal: stopping } : {}) },
          );
          const byId = new Map(results.map((r) => [r.receiptId, r]));
          for (const f of batch) {
            const r = byId.get(f.receipt.statement.receiptId);
            if (!r) continue; // not answered: stays pending
            if (r.status === 'refused') {
              this.#moveToRefused(f, r.reason ?? 'refused by the control plane');
              result.refused++;
            } else {
              removeQuietly(f.file);
              if (r.status === 'accepted') result.accepted++;
              else result.duplicate++;
            }
          }
        }
      } catch (err) {
        result.error ??= err instanceof HesoError ? err : new HesoError('network', String(err));
      }
    }
    result.remaining = this.#pendingFiles().length;
    return result;
  }

  /** Moves a file that is not a receipt out of the pending folder, so it is kept but never pushed. */
  #setAsideDamaged(file: string, problem: string): void {
    mkdirSync(this.#damagedDir, { recursive: true, mode: 0o700 });
    const movedTo = join(this.#damagedDir, basename(file));
    try {
      renameSync(file, movedTo);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another process moved it first
      throw err;
    }
    fsyncDir(this.#pendingDir);
    const message = `${file} is ${problem}, so it was not pushed. It was moved to ${movedTo}: check it, and if it holds a receipt you need, restore it and put it back in ${this.#pendingDir}.`;
    this.#opts.onEvent?.({ type: 'damaged', file, movedTo, message });
  }

  #moveToRefused(f: { file: string; receipt: Receipt }, reason: string): void {
    const target = join(this.#refusedDir, fileNameFor(f.receipt.statement.receiptId));
    writeFileDurable(target, JSON.stringify({ receipt: f.receipt, reason, refusedAt: new Date().toISOString() }));
    removeQuietly(f.file);
    this.#opts.onEvent?.({ type: 'refused', receiptId: f.receipt.statement.receiptId, reason });
  }

  /**
   * Push until nothing is pending, retrying transient failures (network, 5xx, 429) with
   * exponential backoff and jitter. Resolves with the last pass when empty or when
   * `timeoutMs` ran out; throws at once on a failure retrying cannot fix (e.g. auth).
   */
  async drain(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<FlushResult> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      const r = await this.flush();
      if (!r.error) {
        this.#emitPushed(r);
        if (r.remaining === 0) return r;
        attempt = -1; // progress: the next failure starts the backoff afresh
        continue;
      }
      if (!isTransient(r.error)) throw r.error;
      const delay = backoffDelay(attempt, r.error, this.#opts.backoff);
      const retry = Date.now() + delay < deadline && !opts.signal?.aborted;
      this.#opts.onEvent?.({
        type: 'push_failed',
        error: r.error,
        remaining: r.remaining,
        retryInMs: retry ? delay : null,
      });
      if (!retry) return r;
      await sleep(delay, opts.signal);
    }
  }

  #emitPushed(r: FlushResult): void {
    if (r.accepted + r.duplicate + r.refused > 0)
      this.#opts.onEvent?.({
        type: 'pushed',
        accepted: r.accepted,
        duplicate: r.duplicate,
        refused: r.refused,
        remaining: r.remaining,
      });
  }

  /** Push in the background: at once, after every enqueue, and with backoff while the cloud is unreachable. */
  start(): void {
    if (this.#loop) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#loop = (async () => {
      let attempt = 0;
      while (!stop.signal.aborted) {
        const r = await this.flush();
        let delay: number | null = null;
        if (r.error) {
          delay = backoffDelay(attempt++, r.error, this.#opts.backoff);
          this.#opts.onEvent?.({ type: 'push_failed', error: r.error, remaining: r.remaining, retryInMs: delay });
        } else {
          attempt = 0;
          this.#emitPushed(r);
          if (r.remaining > 0) continue;
        }
        // Sleep until woken by enqueue, stopped, or the backoff delay passes. The stop may have
        // come while the push above was in flight: an abort listener added after the abort
        // never fires, so check first.
        const wake = new AbortController();
        const onStop = () => wake.abort();
        this.#wake = onStop;
        stop.signal.addEventListener('abort', onStop, { once: true });
        if (!stop.signal.aborted) await sleep(delay ?? Number.POSITIVE_INFINITY, wake.signal);
        stop.signal.removeEventListener('abort', onStop);
        this.#wake = null;
      }
    })();
  }

  /** Stop the background loop (pending receipts stay on disk for the next run). */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    await this.#flushing?.catch(() => undefined);
    this.#loop = null;
    this.#stop = null;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fsyncDir(dirname(file));
}
