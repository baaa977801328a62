/** What every long-poll route shares: the `wait` parameter and a slot per API key plus a change subscription. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Subscription } from './change-hub.ts';
import { authOf, type CloudContext } from './context.ts';
import { badRequest, HttpError } from './http-error.ts';

/** `wait=N` in seconds, as a query string. */
export const waitParam = z
  .string()
  .regex(/^\d{1,4}$/, 'must be a whole number of seconds')
  .transform(Number)
  .optional();

/** The wait to honour; above the server's maximum is a 400 rather than a silent cut. */
export function waitSeconds(ctx: CloudContext, wait: number | undefined): number {
  if (wait === undefined) return 0;
  if (wait > ctx.limits.maxWaitSeconds) throw badRequest(`wait: at most ${ctx.limits.maxWaitSeconds} seconds`, 'wait');
  return wait;
}

/** Holds a long-poll slot for the key and a change subscription, both released when the request ends. */
export function longPoll(
  ctx: CloudContext,
  request: FastifyRequest,
  reply: FastifyReply,
  teamId: string,
): Subscription {
  const { keyId } = authOf(request);
  const release = ctx.limiter.openLongPoll(keyId);
  if (!release)
    throw new HttpError(
      429,
      'rate_limited',
      `too many long-poll requests open for this API key (at most ${ctx.limiter.options.maxLongPolls}); close some or poll without wait`,
      undefined,
      { 'retry-after': '1' },
    );
  const sub = ctx.hub.subscribe(teamId);
  const end = () => {
    sub.cancel();
    release();
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
