/**
 * The approvers' changes feed: `GET /v1/teams/{team}/approvals/changes?since=C[&wait=N&limit=L]`.
 * An approver that holds the queue as of cursor C asks what changed since; the answer costs
 * in proportion to the changes, not to the queue's size (an indexed range on each
 * approval's change stamp). With `wait`, the request is held until something changes.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApprovalChangesResponse } from '../core/api.ts';
import { type CloudContext, parseRequest, teamParam } from './context.ts';
import { checkedWait, holdLongPoll, waitParam } from './long-poll.ts';
import type { ChangesPage } from './store.ts';

/** Default and largest page: one long-poll answer stays small even after a long absence. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

const ChangesQuery = z.strictObject({
  since: z.string().regex(/^\d{1,15}$/, 'must be a cursor returned by this server (a list or changes response)'),
  wait: waitParam,
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1).max(MAX_LIMIT))
    .optional(),
});

const answer = (page: ChangesPage): ApprovalChangesResponse => ({
  changes: page.approvals,
  cursor: String(page.changeSeq),
  more: page.more,
  reset: page.reset,
});

export function registerChangesRoutes(app: FastifyInstance, ctx: CloudContext): void {
  app.get('/v1/teams/:team/approvals/changes', async (request, reply): Promise<ApprovalChangesResponse> => {
    const teamId = teamParam(request);
    const query = parseRequest(ChangesQuery, request.query, 'query');
    const wait = checkedWait(ctx.limits, query.wait);
    const since = Number(query.since);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const read = () => ctx.store.listChanges(teamId, since, limit, ctx.now().toISOString());
    if (wait === 0) return answer(await read());
    // Subscribe before reading, so a change between the read and the wait is never missed.
    const sub = holdLongPoll(ctx, request, reply);
    try {
      const first = await read();
      if (first.approvals.length > 0 || first.reset) return answer(first);
      await sub.wait(wait * 1000);
      return answer(await read());
    } finally {
      sub.cancel();
    }
  });
}
