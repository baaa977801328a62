/**
 * Maps a request path to a file of the built renderer, refusing anything that could step
 * outside it (`..`, encoded separators, NUL, dotfiles, symlinks leading out). Shared by the
 * loopback web host and Electron's `app://` protocol handler.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type StaticLookup =
  | { kind: 'file'; path: string; contentType: string }
  | { kind: 'refused' } // traversal or otherwise unacceptable: 403
  | { kind: 'missing' }; // 404

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface ResolveOptions {
  /**
   * Resolve symlinks and require the real file to stay inside the root (default true).
   * Electron turns it off for its read-only app.asar archive, which has no symlinks.
   */
  followSymlinks?: boolean;
}

/** `pathname` is the raw (still percent-encoded) URL path, e.g. `/assets/index-abc.js`. */
export async function resolveStatic(
  rootDir: string,
  pathname: string,
  options: ResolveOptions = {},
): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded)) return { kind: 'refused' };
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return { kind: 'refused' };
  // Client-side routes (no file extension) get the app shell.
  const rel = segments.length === 0 || extname(segments.at(-1) ?? '') === '' ? ['index.html'] : segments;
  const follow = options.followSymlinks ?? true;
  let root: string;
  try {
    root = follow ? await realpath(rootDir) : resolve(rootDir);
  } catch {
    return { kind: 'missing' };
  }
  const candidate = join(root, ...rel);
  try {
    const real = follow ? await realpath(candidate) : candidate;
    const inside = relative(root, real);
    if (inside === '' || inside.startsWith('..') || inside.split(sep).includes('..')) return { kind: 'refused' };
    if (!(await stat(real)).isFile()) return { kind: 'missing' };
    return { kind: 'file', path: real, contentType: contentTypeFor(real) };
  } catch {
    return { kind: 'missing' };
  }
}
