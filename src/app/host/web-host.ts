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
 * The routes live beside this file: page-routes.ts (sign-in, renderer files), rpc.ts, sse.ts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApproverEngineApi } from '../../approver/api.ts';
import type { EventChannel, EventContract, Settings } from '../contract.ts';
import { createDispatcher, type Dispatcher, type SettingsPort } from '../dispatch.ts';
import { DEFAULT_SETTINGS } from '../settings-store.ts';
import { createPageRoutes, FORBIDDEN_TEXT, refuse } from './page-routes.ts';
import { isAcceptableToken, isOwnOriginRequest, newToken, TOKEN_QUERY } from './request-guard.ts';
import { handleRpc } from './rpc.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { OneTimeSignIn } from './session.ts';
import { EventStreams } from './sse.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

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

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host))
    throw new Error(`The web host listens on loopback only (127.0.0.1 or localhost), not "${host}".`);
  const token = options.token ?? newToken();
  if (!isAcceptableToken(token)) throw new Error('The web host token must be 22–128 base64url characters (≥128 bits).');

  const dispatcher: Dispatcher = createDispatcher(options.engine, {
    settings: options.settings ?? memorySettings(),
    appInfo: { version: options.appVersion ?? packageVersion(), platform: process.platform, shell: 'browser' },
  });
  const streams = new EventStreams();
  const unsubscribe = dispatcher.subscribe((event, payload) => streams.broadcast(event, payload));
  let port = 0;
  const pages = createPageRoutes({
    signIn: new OneTimeSignIn(token),
    rendererDir: options.rendererDir,
    port: () => port,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!isOwnOriginRequest(req.headers, { port })) return refuse(res, 403, FORBIDDEN_TEXT);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const rpc = /^\/rpc\/([^/]+)$/.exec(url.pathname);
    if (rpc || url.pathname === '/events') {
      if (!pages.signedIn(req)) return refuse(res, 403, FORBIDDEN_TEXT);
      if (rpc && req.method === 'POST') return handleRpc(dispatcher, req, res, rpc[1] ?? '');
      if (!rpc && req.method === 'GET') return streams.open(req, res, options.engine.snapshot());
      res.setHeader('Allow', rpc ? 'POST' : 'GET');
      return refuse(res, 405, 'Method not allowed.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, 405, 'Method not allowed.');
    }
    return pages.serve(req, res, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  port = await listen(server, options.port ?? 0, host);
  const origin = `http://${host}:${port}`;

  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port,
    token,
    send: (event, payload) => streams.broadcast(event, payload),
    async stop() {
      unsubscribe();
      streams.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Starts listening; resolves with the port (the one picked when `port` is 0). */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
