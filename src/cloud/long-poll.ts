/** A held request: a long-poll slot for the key and its role plus a change subscription, released together. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Subscription } from './change-hub.ts';
import { authOf, type CloudContext, type CloudLimits } from './context.ts';
import { badRequest, HttpError } from './http-error.ts';
import type { Exhausted } from './rate-limit.ts';

/** `wait=N` in seconds, as a query string. */
export const waitParam = z
  .string()
  .regex(/^\d{1,4}$/, 'must be a whole number of seconds')
  .transform(Number)
  .optional();

/** 429 naming the budget that ran out, in the message, the body (`budget`) and `Retry-After`. */
export function budgetExhausted(exhausted: Exhausted): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    `${exhausted.message}; budget ${exhausted.budget}, retry after ${exhausted.retryAfterSeconds} s`,
    undefined,
    { 'retry-after': String(exhausted.retryAfterSeconds) },
    exhausted.budget,
  );
}

/** Holds a long-poll slot and a subscription to the team's changes, both released when the request ends. */
export function holdLongPoll(ctx: CloudContext, request: FastifyRequest, reply: FastifyReply): Subscription {
  const auth = authOf(request);
  const slot = ctx.limiter.openLongPoll(auth);
  if (!('release' in slot)) throw budgetExhausted(slot);
  const sub = ctx.hub.subscribe(auth.teamId);
  const end = () => {
    sub.cancel();
    slot.release();
  };
  reply.raw.once('close', end);
  return {
    wait: sub.wait,
    cancel: () => {
      reply.raw.off('close', end);
      end();
    },
  };
}

/** A `wait` query parameter in seconds (0 when absent); over the limit is a 400. */
export function checkedWait(limits: CloudLimits, wait: number | undefined): number {
  if (wait === undefined) return 0;
  if (wait > limits.maxWaitSeconds) throw badRequest(`wait: at most ${limits.maxWaitSeconds} seconds`, 'wait');
  return wait;
}
