/**
 * Approvals a one-shot adapter (`heso exec`, the Claude Code hook) stopped waiting on, kept in
 * the operator data dir so that running the same command, or Claude retrying the same tool
 * call, resumes that approval instead of opening another. Keyed by a hash of what was asked
 * (tool and exact params); read back through the wire schemas, and the guard re-checks that
 * the receipt is its own before waiting on it. Expired entries are dropped on read; a damaged
 * one is an error that names the file (deleting it is safe: the request then asks anew).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { computeActionHash } from '../core/crypto.ts';
import { ChallengeB64, Id, Receipt, Timestamp } from '../core/schemas.ts';
import { writeFileDurable } from '../sdk/fsutil.ts';
import {
  type ActionInput,
  type Guard,
  type GuardContext,
  HesoApprovalError,
  HesoError,
  type PendingApproval,
  type WaitOptions,
} from '../sdk/index.ts';
import { readStored } from '../sdk/stored-file.ts';

const StoredPending = z.strictObject({
  approvalId: Id,
  challenge: ChallengeB64,
  expiresAt: Timestamp,
  shortCode: z.string().regex(/^[0-9A-Z]{3}-[0-9A-Z]{3}$/),
  receipt: Receipt,
});

export class PendingStore {
  readonly #dir: string;
  readonly #now: () => number;

  constructor(dataDir: string, now: () => number = Date.now) {
    this.#dir = join(dataDir, 'adapters', 'pending');
    this.#now = now;
  }

  #file(key: unknown): string {
    return join(this.#dir, `${computeActionHash(key).slice('sha256:'.length)}.json`);
  }

  /**
   * The unexpired approval opened earlier for exactly this request, if any. An expired one is
   * dropped; a damaged one throws, naming the file, and is left in place.
   */
  get(key: unknown): PendingApproval | null {
    const file = this.#file(key);
    const read = readStored(file, StoredPending);
    if (read.kind === 'missing') return null;
    if (read.kind === 'damaged')
      throw new HesoError(
        'data_dir',
        `${file} (an approval this request is still waiting on) is ${read.problem}. It was left as it is: delete it to ask for a new approval for this request, then run it again.`,
      );
    if (Date.parse(read.value.expiresAt) > this.#now()) return read.value;
    rmSync(file, { force: true });
    return null;
  }

  set(key: unknown, pending: PendingApproval): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    writeFileDurable(this.#file(key), JSON.stringify(pending));
  }

  delete(key: unknown): void {
    rmSync(this.#file(key), { force: true });
  }
}

/**
 * `guard.authorize`, except that a request whose earlier wait ended undecided resumes that
 * same approval (until it expires) rather than opening another one.
 */
export async function authorizeResumable(
  guard: Guard,
  store: PendingStore,
  input: ActionInput,
  wait: WaitOptions,
): Promise<GuardContext> {
  const key = { teamId: guard.teamId, input };
  const pending = store.get(key);
  const remember: WaitOptions = {
    ...wait,
    onWaiting: (p) => {
      store.set(key, p);
      wait.onWaiting?.(p);
    },
  };
  try {
    const ctx = pending ? await guard.resume(pending, remember) : await guard.authorize(input, remember);
    store.delete(key);
    return ctx;
  } catch (err) {
    if (!(err instanceof HesoApprovalError && err.code === 'approval_timeout')) store.delete(key);
    throw err;
  }
}
