/**
 * Liveness and readiness for load balancers and orchestrators (docs/deploy.md):
 * `GET /v1/health` answers while the process serves; `GET /v1/ready` answers only while the
 * database does, so a load balancer sends no traffic to an instance that cannot reach it.
 * Neither needs an API key, and neither says anything about teams.
 */
import type { FastifyInstance } from 'fastify';
import type { HealthResponse } from '../core/api.ts';
import type { CloudContext } from './context.ts';
import { HttpError } from './http-error.ts';
import { StoreUnavailableError } from './store.ts';

/** A readiness check answers within this, whatever the database does (load balancers time out too). */
const READY_TIMEOUT_MS = 2000;

/**
 * 503 for "the database cannot be reached". Sending the same request again is safe: receipts,
 * approvals (by receipt id) and decisions (the first wins; a repeat is a 409 naming it) are idempotent.
 */
export function databaseUnavailable(detail: string): HttpError {
  return new HttpError(503, 'internal', `${detail}; retry in a moment`, undefined, {
    'retry-after': '1',
  });
}

function withinTimeout(check: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(`the database did not answer within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
  });
  return Promise.race([check, late]).finally(() => clearTimeout(timer));
}

export function registerHealthRoutes(app: FastifyInstance, ctx: CloudContext): void {
  app.get('/v1/health', async (_request, reply): Promise<HealthResponse> => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/v1/ready', async (_request, reply): Promise<HealthResponse> => {
    reply.header('cache-control', 'no-store');
    try {
      await withinTimeout(ctx.store.ping());
    } catch (err) {
      const detail = err instanceof StoreUnavailableError ? err.message : 'the database check failed';
      throw databaseUnavailable(`not ready: ${detail}`);
    }
    return { status: 'ready' };
  });
}
