/**
 * One writer at a time for a file shared by every process on this device that opens the
 * same profile (the app, the CLI, a second app window's engine). Inside a process the
 * callers queue on a promise chain per path; across processes they take a lock directory
 * next to the file (proper-lockfile: atomic mkdir, refreshed while held, taken over once
 * stale, so a crashed writer never blocks the profile for good).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock not refreshed for this long belongs to a crashed process and may be taken over. */
const STALE_MS = 10_000;
/** Waits up to about 30 s for another process's write (writes take milliseconds). */
const RETRIES = { retries: 300, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true };

const queues = new Map<string, Promise<unknown>>();

export class FileLockError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `could not lock ${path} for writing (${why}): another HESO approver process kept it busy for more ` +
        `than 30 seconds; close other heso-approver commands or app windows for this profile and try again`,
    );
    this.name = 'FileLockError';
  }
}

/** Runs `write` while holding both the in-process queue and the cross-process lock for `path`. */
export function withFileLock<T>(path: string, write: () => Promise<T>): Promise<T> {
  const key = resolve(path);
  const run = (queues.get(key) ?? Promise.resolve()).then(() => underProcessLock(key, write));
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  // Forget the chain once nothing waits behind it, so long-lived engines do not grow the map.
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}

async function underProcessLock<T>(path: string, write: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    // realpath: false — the file itself may not exist yet (the first entry of a new profile).
    release = await lockfile.lock(path, { realpath: false, stale: STALE_MS, retries: RETRIES });
  } catch (err) {
    throw new FileLockError(path, err);
  }
  try {
    return await write();
  } finally {
    // A lock taken over as stale while we wrote is already gone: nothing left to release.
    await release().catch(() => undefined);
  }
}
