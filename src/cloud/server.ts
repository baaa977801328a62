/**
 * The control-plane HTTP server (Fastify). `createCloudServer` wires storage, clock, logging
 * and limits into the routes; the caller listens and closes. Every error leaves as
 * `{ error: { code, message, field? } }`, Fastify's own included (bad JSON, 404, 413).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import type { ErrorBody, ErrorCode } from '../core/api.ts';
import { CanonicalJsonError } from '../core/canonical.ts';
import { installNodeCrypto } from '../core/ed25519-node.ts';
import { LIMITS } from '../core/schemas.ts';
import { authenticate } from './auth.ts';
import { ChangeHub } from './change-hub.ts';
import { type CloudContext, type CloudLimits, setAuth, teamParam } from './context.ts';
import { forbidden, HttpError, notFound } from './http-error.ts';
import { installJsonBodyParser } from './json-body.ts';
import { budgetExhausted } from './long-poll.ts';
import { openApiDocument } from './openapi.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { roleAllows, ruleFor, wrongRoleMessage } from './route-roles.ts';
import { registerApprovalRoutes } from './routes-approvals.ts';
import { registerApproverRoutes } from './routes-approvers.ts';
import { registerChangesRoutes } from './routes-changes.ts';
import { databaseUnavailable, registerHealthRoutes } from './routes-health.ts';
import { registerReceiptRoutes } from './routes-receipts.ts';
import { registerReceiptReadRoutes } from './routes-receipts-read.ts';
import { registerSettledRoute } from './routes-settled.ts';
import { type CloudStore, StoredDataError, StoreUnavailableError } from './store.ts';

export interface CloudLoggerOptions {
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where JSON log lines go (default stdout). */
  stream?: NodeJS.WritableStream;
}

export interface CloudServerOptions {
  store: CloudStore;
  /** Server clock; default the system clock. Tests move time with it. */
  clock?: () => Date;
  /** false: no logs. Default: info-level JSON lines on stdout. */
  logger?: false | CloudLoggerOptions;
  limits?: Partial<Omit<CloudLimits, 'rateLimit'>> & { rateLimit?: Partial<RateLimitOptions> };
}

export const DEFAULT_LIMITS: CloudLimits = {
  bodyBytes: LIMITS.requestBytes,
  maxWaitSeconds: 30,
  defaultApprovalSeconds: 900,
  expirySweepMs: 1000,
  rateLimit: DEFAULT_RATE_LIMIT,
};

/** Never log these: the API key travels in the Authorization header. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization'];

function loggerOption(logger: CloudServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  return {
    level: logger?.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(logger?.stream ? { stream: logger.stream } : {}),
  };
}

/** Fastify's own errors (parser, body limit, routing) in the API's error shape. */
function fromFastifyError(err: FastifyError): HttpError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'too_large', 'request body is larger than the limit; send fewer or smaller items');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'bad_request', 'send the body as JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'bad_request', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'bad_request', 'Content-Length does not match the body');
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return new HttpError(400, 'bad_request', `the body is not valid JSON: ${err.message}`);
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'not_found' : status === 413 ? 'too_large' : 'bad_request';
    return new HttpError(status, code, err.message);
  }
  return new HttpError(500, 'internal', 'internal server error; the server log has details');
}

/** Errors the router raises before any hook runs (bad percent-encoding, over-long path segment). */
function sendFrameworkError(err: FastifyError, reply: FastifyReply): void {
  const httpError = fromFastifyError(err);
  const body: ErrorBody = httpError.body();
  reply.status(httpError.status).send(body);
}

/**
 * An answer written straight to the socket (no request object exists), then the socket
 * closes. A HEAD request gets the same status and headers but no body: a body there would
 * be read as the start of the next response by the client.
 */
function answerRaw(socket: Socket, status: number, code: ErrorCode, message: string, head: boolean, extra = ''): void {
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${head ? '' : body}`,
    );
}

/** Errors Node's HTTP parser raises (not HTTP, headers too large, too slow): answered raw, then closed. */
function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'too_large', 'request headers are larger than the limit; send fewer or smaller headers']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'bad_request', 'the request did not arrive in time; send it again']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  answerRaw(socket, status, code, message, head);
  socket.destroy(err);
}

/** CONNECT (a proxy tunnel request) never reaches the router; Node drops it silently unless answered here. */
function answerConnect(socket: Socket): void {
  answerRaw(
    socket,
    405,
    'bad_request',
    'CONNECT is not supported: this is the HESO API, not a proxy',
    false,
    'Allow: GET, HEAD, POST\r\n',
  );
  socket.destroy();
}

export function createCloudServer(opts: CloudServerOptions): FastifyInstance {
  // The server re-verifies every receipt: hash with OpenSSL, not pure JS (same digests).
  installNodeCrypto();
  const limits: CloudLimits = {
    ...DEFAULT_LIMITS,
    ...opts.limits,
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...opts.limits?.rateLimit },
  };
  const ctx: CloudContext = {
    store: opts.store,
    now: opts.clock ?? (() => new Date()),
    hub: new ChangeHub(),
    limiter: new RateLimiter(limits.rateLimit),
    limits,
  };
  const app = Fastify({
    logger: loggerOption(opts.logger),
    bodyLimit: limits.bodyBytes,
    // Fastify's own 503 body is not the API's error shape; the onRequest hook answers instead.
    return503OnClosing: false,
    // Long-polls end when the hub closes (preClose); idle keep-alive sockets are closed too.
    forceCloseConnections: 'idle',
    // Fastify's defaults answer these in their own shape, not the API's.
    frameworkErrors: (err, _request, reply) => sendFrameworkError(err, reply),
    clientErrorHandler: answerClientError,
  });

  app.server.on('connect', (_request, socket: Socket) => answerConnect(socket));
  // JSON only: any other content type is a 415 (Fastify also parses text/plain by default).
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);

  const unsubscribe = ctx.store.onQueueChange((teamId) => ctx.hub.notify(teamId));
  const sweeper = setInterval(() => {
    ctx.store.expireDue(ctx.now().toISOString()).catch((err: unknown) => {
      if (err instanceof StoreUnavailableError) app.log.warn(`expiry sweep skipped: ${err.message}`);
      else app.log.error({ err }, 'expiry sweep failed');
    });
  }, limits.expirySweepMs);
  sweeper.unref();
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    clearInterval(sweeper);
    ctx.hub.close();
    // Woken long-polls get a moment to answer; then any socket still open (a client that
    // keeps an idle keep-alive connection) is closed so shutdown never hangs.
    setTimeout(() => app.server.closeAllConnections(), 500).unref();
  });
  app.addHook('onClose', async () => {
    unsubscribe();
  });
  // Responses finishing during shutdown (long-polls woken by preClose) close their socket,
  // so close() never waits out a keep-alive timeout for a connection that just went idle.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((err: FastifyError | HttpError | CanonicalJsonError | StoreUnavailableError, request, reply) => {
    const httpError =
      err instanceof HttpError
        ? err
        : err instanceof StoreUnavailableError
          ? databaseUnavailable(err.message)
          : err instanceof StoredDataError
            ? // Never answered from, never a 400 blaming the request: the operator must repair the row.
              new HttpError(500, 'internal', err.message)
            : err instanceof CanonicalJsonError
              ? // Client data JCS cannot encode: the schemas refuse it first; this is the net under them.
                new HttpError(400, 'bad_request', `the body holds a value that cannot be signed: ${err.message}`)
              : fromFastifyError(err);
    if (httpError.status === 503) request.log.warn({ err: err.message }, httpError.message);
    else if (httpError.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: httpError.code, status: httpError.status }, httpError.message);
    const body: ErrorBody = httpError.body();
    return reply.status(httpError.status).headers(httpError.headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        code: 'not_found',
        message: `no route ${request.method} ${request.url.split('?')[0]}; see /v1/openapi.json`,
      },
    };
    return reply.status(404).send(body);
  });

  // A team route without a row in the role table cannot be registered: the server does not start.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/teams/')) return;
    for (const method of [route.method].flat())
      if (method !== 'HEAD' && !ruleFor(method, route.url))
        throw new Error(`route ${method} ${route.url} has no role in src/cloud/route-roles.ts; add one`);
  });

  // Team routes: authenticate, refuse other teams (404, never data) and the wrong role (403),
  // then charge the key's and the role's budgets. One place for every team route.
  app.addHook('onRequest', async (request, reply) => {
    if (closing)
      throw new HttpError(503, 'internal', 'the server is shutting down; retry in a moment', undefined, {
        connection: 'close',
        'retry-after': '1',
      });
    const url = request.routeOptions.url;
    if (!url?.startsWith('/v1/teams/')) return;
    const auth = await authenticate(ctx.store, request.headers.authorization);
    const rule = ruleFor(request.method, url);
    if (!rule) throw new HttpError(500, 'internal', 'this route has no role; the server log has details');
    const exhausted = ctx.limiter.take(auth);
    if (exhausted) throw budgetExhausted(exhausted);
    if (teamParam(request) !== auth.teamId) throw notFound('no such team for this API key');
    if (!roleAllows(auth.role, rule.role)) throw forbidden(wrongRoleMessage(rule, auth.role));
    setAuth(request, auth);
    reply.header('cache-control', 'no-store');
  });

  app.get('/v1/openapi.json', async () => openApiDocument());
  registerHealthRoutes(app, ctx);
  registerApproverRoutes(app, ctx);
  registerReceiptRoutes(app, ctx);
  registerSettledRoute(app, ctx);
  registerReceiptReadRoutes(app, ctx);
  registerApprovalRoutes(app, ctx);
  registerChangesRoutes(app, ctx);
  return app;
}
