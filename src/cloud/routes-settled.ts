/**
 * `GET …/approvals/settled`: the agent's one long-poll. Every approval opened with the calling
 * key that was decided or expired after a cursor, held until one is. One open request waits
 * on all of an agent process's approvals, however many there are.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SettledApprovalsResponse } from '../core/api.ts';
import { authOf, type CloudContext, parseRequest, teamParam } from './context.ts';
import { checkedWait, holdLongPoll, waitParam } from './long-poll.ts';
import { cursorParam, limitParam } from './routes-approvals.ts';

const SettledQuery = z.strictObject({ cursor: cursorParam, wait: waitParam, limit: limitParam });

export function registerSettledRoute(app: FastifyInstance, ctx: CloudContext): void {
  app.get('/v1/teams/:team/approvals/settled', async (request, reply): Promise<SettledApprovalsResponse> => {
    const teamId = teamParam(request);
    const { keyId } = authOf(request);
    const query = parseRequest(SettledQuery, request.query, 'query');
    const wait = checkedWait(ctx.limits, query.wait);
    const limit = query.limit ?? 100;
    const read = async (after: number): Promise<SettledApprovalsResponse> => {
      const page = await ctx.store.listSettled(teamId, keyId, after, limit, ctx.now().toISOString());
      return { approvals: page.approvals, cursor: String(page.cursor), more: page.more };
    };
    // No cursor: the starting point. Everything that settles from now on is after it.
    if (query.cursor === undefined)
      return { approvals: [], cursor: String(await ctx.store.getChangeSeq(teamId)), more: false };
    const after = Number(query.cursor);
    if (wait === 0) return read(after);

    const deadline = performance.now() + wait * 1000;
    for (;;) {
      // Subscribe before reading, so a settlement between the read and the wait is never missed.
      const sub = holdLongPoll(ctx, request, reply);
      try {
        const page = await read(after);
        const left = deadline - performance.now();
        if (page.approvals.length > 0 || left <= 0) return page;
        if ((await sub.wait(left)) !== 'changed') return read(after);
      } finally {
        sub.cancel();
      }
    }
  });
}
