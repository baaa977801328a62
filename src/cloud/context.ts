/** What every route handler gets: storage, clock, long-poll hub, limiter and limits. */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseWith, ValidationError } from '../core/validate.ts';
import type { AuthContext } from './auth.ts';
import type { ChangeHub } from './change-hub.ts';
import { badRequest } from './http-error.ts';
import type { RateLimiter, RateLimitOptions } from './rate-limit.ts';
import type { CloudStore } from './store.ts';

export interface CloudLimits {
  /** Largest request body, bytes (413 beyond). */
  bodyBytes: number;
  /** Longest long-poll, seconds. */
  maxWaitSeconds: number;
  /** Approval lifetime when the request names none, seconds. */
  defaultApprovalSeconds: number;
  /** How often pending approvals past their expiry are marked expired (and waiters woken), ms. */
  expirySweepMs: number;
  rateLimit: RateLimitOptions;
}

export interface CloudContext {
  store: CloudStore;
  /** The server's clock (injectable for tests). */
  now: () => Date;
  hub: ChangeHub;
  limiter: RateLimiter;
  limits: CloudLimits;
}

const authByRequest = new WeakMap<FastifyRequest, AuthContext>();

export function setAuth(request: FastifyRequest, auth: AuthContext): void {
  authByRequest.set(request, auth);
}

/** The authenticated key of a team route (set by the auth hook before any handler runs). */
export function authOf(request: FastifyRequest): AuthContext {
  const auth = authByRequest.get(request);
  if (!auth) throw new Error('team route reached without authentication');
  return auth;
}

/** Parses a request part against a shared schema; a mismatch is a 400 naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  if (value === undefined && what === '')
    throw badRequest('request body is required: send JSON with Content-Type: application/json');
  try {
    return parseWith(schema, value, what);
  } catch (err) {
    if (err instanceof ValidationError) {
      // A whole-body problem (e.g. an array instead of an object) is named "body", not zod's "value".
      if (what === '' && err.field === 'value') throw badRequest(err.message.replace(/^value:/, 'body:'), 'body');
      throw badRequest(err.message, err.field);
    }
    throw err;
  }
}

export function teamParam(request: FastifyRequest): string {
  return (request.params as { team: string }).team;
}
