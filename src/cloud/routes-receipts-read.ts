/**
 * Reading receipts back: one by id, or a team's receipts filtered and paginated, as JSON
 * pages or a JSON Lines export. What comes back is the receipt exactly as signed; callers
 * verify it themselves (`heso verify`), the server is never the proof.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ListReceiptsFilter, type ListReceiptsResponse, MAX_RECEIPTS_PAGE, type StoredReceipt } from '../core/api.ts';
import { Id, type Receipt } from '../core/schemas.ts';
import { type CloudContext, parseRequest, teamParam } from './context.ts';
import { badRequest, notFound } from './http-error.ts';
import type { ReceiptQuery, ReceiptRecord } from './store.ts';

const DEFAULT_PAGE = 100;
const CURSOR = /^(\d{1,16})_([A-Za-z0-9._:-]{1,200})$/;

const ListQuery = ListReceiptsFilter.extend({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1).max(MAX_RECEIPTS_PAGE))
    .optional(),
  cursor: z.string().regex(CURSOR, 'must be a nextCursor returned by this endpoint').optional(),
  format: z.enum(['json', 'jsonl']).optional(),
});
const ReceiptParams = z.object({ team: z.string(), id: Id });

const cursorOf = (r: ReceiptRecord) => `${r.issuedMs}_${r.receiptId}`;
// Stored receipts were validated on the way in; the canonical text is the receipt as signed.
const storedOf = (r: ReceiptRecord): StoredReceipt => ({
  receipt: JSON.parse(r.canonical) as Receipt,
  receivedAt: r.receivedAt,
});

function queryOf(query: z.output<typeof ListQuery>, limit: number): ReceiptQuery {
  const sinceMs = query.since === undefined ? undefined : Date.parse(query.since);
  const untilMs = query.until === undefined ? undefined : Date.parse(query.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs)
    throw badRequest('since must be earlier than until', 'since');
  const cursor = query.cursor === undefined ? null : CURSOR.exec(query.cursor);
  return {
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(query.verdict ? { verdict: query.verdict } : {}),
    ...(query.tool ? { tool: query.tool } : {}),
    ...(query.workflow ? { workflow: query.workflow } : {}),
    ...(cursor ? { after: { issuedMs: Number(cursor[1]), receiptId: cursor[2]! } } : {}),
    limit,
  };
}

export function registerReceiptReadRoutes(app: FastifyInstance, ctx: CloudContext): void {
  app.get('/v1/teams/:team/receipts/:id', async (request): Promise<StoredReceipt> => {
    const { team, id } = parseRequest(ReceiptParams, request.params, 'path');
    const record = await ctx.store.getReceiptRecord(team, id);
    if (!record) throw notFound(`no receipt ${JSON.stringify(id)} for this team`);
    return storedOf(record);
  });

  app.get('/v1/teams/:team/receipts', async (request, reply): Promise<ListReceiptsResponse | undefined> => {
    const teamId = teamParam(request);
    const query = parseRequest(ListQuery, request.query ?? {}, 'query');
    if (query.format === 'jsonl') {
      // The whole filtered set, one receipt per line, read page by page so memory stays flat.
      const first = queryOf(query, MAX_RECEIPTS_PAGE);
      async function* lines(): AsyncGenerator<string> {
        let page = first;
        for (;;) {
          const rows = await ctx.store.listReceipts(teamId, page);
          for (const row of rows) yield `${row.canonical}\n`;
          const last = rows.at(-1);
          if (!last || rows.length < page.limit) return;
          page = { ...page, after: { issuedMs: last.issuedMs, receiptId: last.receiptId } };
        }
      }
      reply.type('application/x-ndjson; charset=utf-8');
      return reply.send(Readable.from(lines()));
    }
    const limit = query.limit ?? DEFAULT_PAGE;
    // One extra row tells whether another page follows, without a second query.
    const rows = await ctx.store.listReceipts(teamId, queryOf(query, limit + 1));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { receipts: page.map(storedOf), nextCursor: rows.length > limit && last ? cursorOf(last) : null };
  });
}
