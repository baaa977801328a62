/**
 * Durable file writes, the one implementation for the SDK, the adapters, the approver and
 * the app: data reaches the disk before we report success, and a reader sees either the old
 * file or the new one, never a partial one. The sync form serves the SDK's synchronous
 * enqueue path; the async form serves the approver engine, which must not block its event
 * loop. Both follow the same steps: parent directory (0700 when made), a temp file in the
 * same directory (same filesystem, exclusive create), write, fsync, rename, fsync the directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so a rename or a new file in it survives a crash (no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A temp name beside `path` that no other writer (process or concurrent call) picks. */
function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Write `text` to `path` atomically and durably (see the module comment). */
export function writeFileDurable(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

/** The same as `writeFileDurable`, without blocking the event loop. */
export async function writeFileDurableAsync(path: string, text: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

/**
 * Append one line and fsync it. When the file does not end in a newline (an append torn by a
 * crash), the torn piece is closed off first, so it cannot swallow the line written now.
 */
export function appendLineDurable(path: string, line: string, mode = 0o600): void {
  const fd = openSync(path, 'a+', mode);
  try {
    writeSync(fd, `${endsTorn(fd) ? '\n' : ''}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function endsTorn(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}
