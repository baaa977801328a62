/**
 * A hostile control plane for tests: an HTTP proxy in front of a real `heso-cloud` that can
 * rewrite, replace or drop any answer. The approver, the CLI and the app talk to the proxy's
 * URL as if it were the control plane; the real server behind it does the real work.
 *
 *   const proxy = await startHostileProxy(cloud.url);
 *   proxy.rewrite((req, res) => req.path.endsWith('/approvals/A') ? { ...res, body: other } : res);
 *
 * Rewriters run in the order added; each sees what the previous one returned. A rewriter may
 * return `'drop'` to swallow the request (it is still forwarded upstream when `forward` is true)
 * and answer with a fixed status instead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path with query string, as sent by the client (e.g. `/v1/teams/t/approvals?status=pending`). */
  url: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string>;
  /** Raw request body (empty string for none). */
  body: string;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body when the upstream answered JSON, else the raw text. */
  body: unknown;
}

export type Rewriter = (req: ProxiedRequest, res: ProxiedResponse) => ProxiedResponse | Promise<ProxiedResponse>;

export interface HostileProxy {
  /** Base URL of the proxy, e.g. `http://127.0.0.1:41235`. */
  url: string;
  /** Every request seen, in order (bodies included). */
  readonly seen: ProxiedRequest[];
  /** Adds a rewriter; returns a function that removes it. */
  rewrite(fn: Rewriter): () => void;
  /** Removes every rewriter: the proxy becomes honest again. */
  reset(): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatHeaders(h: IncomingMessage['headers'] | Headers): Record<string, string> {
  const out: Record<string, string> = {};
  if (h instanceof Headers) {
    h.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k)) out[k] = v;
    });
    return out;
  }
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

async function forward(upstream: string, req: ProxiedRequest): Promise<ProxiedResponse> {
  const res = await fetch(upstream + req.url, {
    method: req.method,
    headers: req.headers,
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
  });
  const text = await res.text();
  const headers = flatHeaders(res.headers);
  let body: unknown = text;
  if ((headers['content-type'] ?? '').includes('json') && text.length > 0) body = JSON.parse(text);
  return { status: res.status, headers, body };
}

function send(res: ServerResponse, answer: ProxiedResponse): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a proxy on 127.0.0.1 (free port) in front of `upstream` (a base URL without trailing slash). */
export async function startHostileProxy(upstream: string): Promise<HostileProxy> {
  let rewriters: Rewriter[] = [];
  const seen: ProxiedRequest[] = [];
  const server: Server = createServer(async (incoming, res) => {
    try {
      const url = incoming.url ?? '/';
      const req: ProxiedRequest = {
        method: incoming.method ?? 'GET',
        url,
        path: url.split('?')[0] ?? url,
        headers: flatHeaders(incoming.headers),
        body: await readBody(incoming),
      };
      seen.push(req);
      let answer = await forward(upstream, req);
      for (const fn of rewriters) answer = await fn(req, answer);
      send(res, answer);
    } catch (err) {
      send(res, {
        status: 502,
        headers: { 'content-type': 'application/json' },
        body: { error: { code: 'proxy', message: String(err) } },
      });
    }
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    rewrite(fn) {
      rewriters.push(fn);
      return () => {
        rewriters = rewriters.filter((r) => r !== fn);
      };
    },
    reset() {
      rewriters = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
