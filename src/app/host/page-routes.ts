/**
 * The web host's page side: `GET /?token=T` signs in (the one-time token becomes the session
 * cookie, then 303 to the same URL without it), and `GET /`, `/assets/…` serve the built
 * renderer to a signed-in browser. Also the plain-text refusals every route uses.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCookie, sessionCookie, sessionCookieName, TOKEN_QUERY } from './request-guard.ts';
import type { OneTimeSignIn } from './session.ts';
import { resolveStatic } from './static-files.ts';

export const FORBIDDEN_TEXT =
  'Forbidden. Open the HESO approver with the full URL that `npm start` printed (it carries a one-time token).';
const USED_TEXT =
  'This one-time link was already used: the app is open in the browser that used it first. ' +
  'To open it elsewhere, stop `npm start` and start it again for a new link.';

export function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

export interface PageRoutes {
  /** Whether the request carries this host's session cookie. */
  signedIn(req: IncomingMessage): boolean;
  /** A GET or HEAD that is neither RPC nor events: sign-in, or a file of the renderer. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

export function createPageRoutes(options: {
  signIn: OneTimeSignIn;
  rendererDir: string;
  /** The port the host listens on (known once it listens): the cookie is named after it. */
  port: () => number;
}): PageRoutes {
  const { signIn } = options;
  const signedIn = (req: IncomingMessage) =>
    signIn.isSession(readCookie(req.headers.cookie, sessionCookieName(options.port())));

  /** `/?token=T`: exchange the one-time token for the session cookie, then the same URL without it. */
  function handleSignIn(req: IncomingMessage, res: ServerResponse, url: URL, presented: string): void {
    // Only a page load signs in: a HEAD (a link preview, a probe) must not use up the token.
    if (req.method !== 'GET') {
      refuse(res, 403, FORBIDDEN_TEXT);
      return;
    }
    const outcome = signIn.exchange(presented);
    // The browser that already holds the session may open the printed link again: just take it in.
    if (outcome === 'wrong' || (outcome === 'used' && !signedIn(req))) {
      refuse(res, 403, outcome === 'used' ? USED_TEXT : FORBIDDEN_TEXT);
      return;
    }
    const clean = new URL(url);
    clean.searchParams.delete(TOKEN_QUERY);
    const headers: Record<string, string> = { Location: `${clean.pathname}${clean.search}` };
    if (outcome === 'granted') headers['Set-Cookie'] = sessionCookie(options.port(), signIn.sessionValue);
    res.writeHead(303, headers);
    res.end();
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const presented = url.searchParams.get(TOKEN_QUERY);
    if (presented !== null) return handleSignIn(req, res, url, presented);
    if (!signedIn(req)) return refuse(res, 403, FORBIDDEN_TEXT);
    const found = await resolveStatic(options.rendererDir, url.pathname);
    if (found.kind === 'refused') return refuse(res, 403, 'Forbidden.');
    if (found.kind === 'missing') {
      return refuse(res, 404, 'Not found. If the app itself is missing, build it first: npm run build:renderer');
    }
    res.writeHead(200, { 'Content-Type': found.contentType });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(found.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  return { signedIn, serve };
}
