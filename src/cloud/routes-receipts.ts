/** The receipts outbox: one or a batch, each re-verified, idempotent per receipt id. */
import type { FastifyInstance } from 'fastify';
import { PushReceiptsRequest, type PushReceiptsResponse, type ReceiptResult } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import type { Receipt } from '../core/schemas.ts';
import { type CloudContext, parseRequest, teamParam } from './context.ts';
import type { ReceiptWrite } from './store.ts';
import { checkCosignedReceipt, checkOperatorReceipt } from './verification.ts';

/** A stored receipt may be replaced only by the same operator-signed receipt plus its co-signature(s) (evidence added, none lost). */
function addsOnlyCosignature(incoming: Receipt): (existingCanonical: string) => boolean {
  return (existingCanonical) => {
    if (!incoming.cosignature && !incoming.cosignatures) return false;
    const existing = JSON.parse(existingCanonical) as Receipt;
    return (
      existing.cosignature === undefined &&
      existing.cosignatures === undefined &&
      canonicalize({ statement: existing.statement, signature: existing.signature }) ===
        canonicalize({ statement: incoming.statement, signature: incoming.signature })
    );
  };
}

export function registerReceiptRoutes(app: FastifyInstance, ctx: CloudContext): void {
  app.post('/v1/teams/:team/receipts', async (request): Promise<PushReceiptsResponse> => {
    const teamId = teamParam(request);
    const body = parseRequest(PushReceiptsRequest, request.body, '');
    const receipts = 'receipt' in body ? [body.receipt] : body.receipts;
    const now = ctx.now().toISOString();

    const results: ReceiptResult[] = [];
    const writes: { index: number; write: ReceiptWrite }[] = [];
    for (const [index, receipt] of receipts.entries()) {
      const receiptId = receipt.statement.receiptId;
      if (receipt.statement.teamId !== teamId) {
        results.push({ receiptId, status: 'refused', reason: `the receipt was signed for another team` });
        continue;
      }
      const approvalId = (receipt.cosignature ?? receipt.cosignatures?.[0])?.statement.approvalId;
      const check = approvalId
        ? checkCosignedReceipt(receipt, await ctx.store.getApproval(teamId, approvalId, now))
        : checkOperatorReceipt(receipt);
      if (!check.ok) {
        results.push({ receiptId, status: 'refused', reason: check.message });
        continue;
      }
      results.push({ receiptId, status: 'accepted' });
      writes.push({
        index,
        write: { receiptId, canonical: canonicalize(receipt), mayReplace: addsOnlyCosignature(receipt) },
      });
    }

    const outcomes = await ctx.store.putReceipts(
      teamId,
      writes.map((w) => w.write),
      now,
    );
    writes.forEach(({ index }, i) => {
      const result = results[index]!;
      switch (outcomes[i]!) {
        case 'accepted':
          break;
        case 'duplicate':
          result.status = 'duplicate';
          break;
        case 'conflict':
          result.status = 'refused';
          result.reason = 'a different receipt with this receipt id is already stored';
          break;
      }
    });
    return { results };
  });
}
