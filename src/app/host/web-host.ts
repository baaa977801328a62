/**
 * The loopback web host: when no Electron binary can launch, `npm start` serves the same
 * renderer from the same engine on 127.0.0.1, so the app works in any browser.
 *
 *   GET  /?token=T      sign-in: the one-time token becomes the session cookie, then 303 to /
 *   GET  /, /assets/…   the built renderer (`dist-renderer/`)
 *   POST /rpc/<channel> one invoke of the IPC contract; JSON body = args
 *   GET  /events        Server-Sent Events of the contract's events
 *
 * Every request must come from our own origin (Host, Origin, Sec-Fetch-Site) and carry the
 * session cookie (see session.ts); everything else gets 403. Every response carries the strict CSP.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApproverEngineApi } from '../../approver/api.ts';
import { LIMITS } from '../../core/schemas.ts';
import type { EventChannel, EventContract, Settings } from '../contract.ts';
import { createDispatcher, type Dispatcher, type SettingsPort } from '../dispatch.ts';
import { DEFAULT_SETTINGS } from '../settings-store.ts';
import {
  isAcceptableToken,
  isOwnOriginRequest,
  newToken,
  readCookie,
  sessionCookie,
  sessionCookieName,
  TOKEN_QUERY,
} from './request-guard.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { OneTimeSignIn } from './session.ts';
import { writeComment, writeEvent } from './sse.ts';
import { resolveStatic } from './static-files.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);
const HEARTBEAT_MS = 15_000;

export interface WebHostOptions {
  engine: ApproverEngineApi;
  /** Directory of the built renderer (`dist-renderer/`). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: `127.0.0.1` (default) or `localhost`. */
  host?: string;
  /** The one-time sign-in token in the printed URL; generated (256 bits) when absent. */
  token?: string;
  /** Where settings live; in memory when absent. */
  settings?: SettingsPort;
  appVersion?: string;
}

export interface WebHost {
  /** Ready to open: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Pushes an event to every connected page (e.g. `navigate`). */
  send<E extends EventChannel>(event: E, payload: EventContract[E]): void;
  stop(): Promise<void>;
}

function memorySettings(): SettingsPort {
  let current: Settings = { ...DEFAULT_SETTINGS };
  return {
    get: () => ({ ...current }),
    update: async (patch) => {
      current = { ...current, ...patch };
      return { ...current };
    },
  };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

const FORBIDDEN_TEXT =
  'Forbidden. Open the HESO approver with the full URL that `npm start` printed (it carries a one-time token).';
const USED_TEXT =
  'This one-time link was already used: the app is open in the browser that used it first. ' +
  'To open it elsewhere, stop `npm start` and start it again for a new link.';

async function readJsonBody(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) return { ok: false, status: 415 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.requestBytes) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400 };
  }
}

function statusFor(code: string): number {
  switch (code) {
    case 'bad_request':
      return 400;
    case 'unknown_channel':
      return 404;
    case 'internal':
      return 500;
    default:
      return 422;
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host))
    throw new Error(`The web host listens on loopback only (127.0.0.1 or localhost), not "${host}".`);
  const token = options.token ?? newToken();
  if (!isAcceptableToken(token)) throw new Error('The web host token must be 22–128 base64url characters (≥128 bits).');
  const signIn = new OneTimeSignIn(token);

  const dispatcher: Dispatcher = createDispatcher(options.engine, {
    settings: options.settings ?? memorySettings(),
    appInfo: { version: options.appVersion ?? packageVersion(), platform: process.platform, shell: 'browser' },
  });
  const streams = new Set<ServerResponse>();
  let port = 0;

  const broadcast = (event: string, payload: unknown) => {
    for (const res of streams) writeEvent(res, event, payload);
  };
  const unsubscribe = dispatcher.subscribe((event, payload) => broadcast(event, payload));

  async function handleRpc(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    const body = await readJsonBody(req);
    if (!body.ok) {
      const message =
        body.status === 413
          ? 'Request too large.'
          : body.status === 415
            ? 'Send JSON.'
            : 'The request body is not JSON.';
      res.writeHead(body.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ ok: false, error: { code: 'bad_request', message } }));
      return;
    }
    const envelope = await dispatcher.dispatch(channel, body.value);
    res.writeHead(envelope.ok ? 200 : statusFor(envelope.error.code), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    res.end(JSON.stringify(envelope));
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    streams.add(res);
    writeComment(res, 'connected');
    // A page that (re)connects gets the current state at once instead of waiting for a change.
    const snapshot = options.engine.snapshot();
    writeEvent(res, 'queue', snapshot);
    writeEvent(res, 'connection', snapshot.connection);
    const heartbeat = setInterval(() => writeComment(res, 'ping'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
    });
  }

  const signedIn = (req: IncomingMessage) => signIn.isSession(readCookie(req.headers.cookie, sessionCookieName(port)));

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
    if (outcome === 'granted') headers['Set-Cookie'] = sessionCookie(port, signIn.sessionValue);
    res.writeHead(303, headers);
    res.end();
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!isOwnOriginRequest(req.headers, { port })) return refuse(res, 403, FORBIDDEN_TEXT);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const rpc = /^\/rpc\/([^/]+)$/.exec(url.pathname);
    if (rpc || url.pathname === '/events') {
      if (!signedIn(req)) return refuse(res, 403, FORBIDDEN_TEXT);
      if (rpc && req.method === 'POST') return handleRpc(req, res, decodeChannel(rpc[1] ?? ''));
      if (!rpc && req.method === 'GET') return handleEvents(req, res);
      res.setHeader('Allow', rpc ? 'POST' : 'GET');
      return refuse(res, 405, 'Method not allowed.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, 405, 'Method not allowed.');
    }
    return handleStatic(req, res, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;

  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port,
    token,
    send: (event, payload) => broadcast(event, payload),
    async stop() {
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A malformed escape is not a server error: left as is, it is simply no channel of the contract. */
function decodeChannel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
