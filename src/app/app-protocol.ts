/**
 * Serves the built renderer on `app://heso/…` inside Electron (`protocol.handle`), with the
 * same CSP and security headers as the web host, and the same traversal-proof file lookup.
 * Uses only the Fetch API's Request/Response, so it is tested under plain Node.
 */
import { readFile } from 'node:fs/promises';
import { APP_HOST, APP_SCHEME } from './app-url.ts';
import { SECURITY_HEADERS } from './host/security-headers.ts';
import { resolveStatic } from './host/static-files.ts';

/** The built renderer's directory below the repository (or packaged app) root: vite.config.ts's `outDir`. */
export const RENDERER_BUILD_DIR = 'dist-renderer';

export function createAppProtocolHandler(
  rendererDir: string,
  options: { followSymlinks?: boolean } = {},
): (request: Request) => Promise<Response> {
  const plain = (status: number, text: string) =>
    new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'Bad request.');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'Not found.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed.');
    const found = await resolveStatic(rendererDir, url.pathname, options);
    if (found.kind === 'refused') return plain(403, 'Forbidden.');
    if (found.kind === 'missing') return plain(404, 'Not found.');
    const body = request.method === 'HEAD' ? null : await readFile(found.path);
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': found.contentType } });
  };
}
