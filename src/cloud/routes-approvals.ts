/** Approvals: open, poll one (long-poll), list the pending queue (cursor + long-poll), decide. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Approval, DecideRequest, OpenApprovalRequest } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import { Id, type Receipt } from '../core/schemas.ts';
import { authOf, type CloudContext, parseRequest, teamParam } from './context.ts';
import { badRequest, badSignature, HttpError, notFound } from './http-error.ts';
import { checkedWait, holdLongPoll, waitParam } from './long-poll.ts';
import { checkDecision, checkOperatorReceipt } from './verification.ts';

export { waitParam };
export const cursorParam = z
  .string()
  .regex(/^\d{1,20}$/, 'must be a cursor returned by this endpoint')
  .optional();
export const limitParam = z
  .string()
  .regex(/^\d{1,4}$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().min(1).max(500))
  .optional();

const PollQuery = z.strictObject({ wait: waitParam });
const ListQuery = z.strictObject({
  status: z.literal('pending', 'only status=pending is supported').optional(),
  cursor: cursorParam,
  wait: waitParam,
  limit: limitParam,
  after: Id.optional(),
});
const ApprovalParams = z.object({ team: z.string(), id: Id });

/** A new pending approval of a verified receipt: fresh id and one-time challenge. */
export function newPendingApproval(teamId: string, receipt: Receipt, now: Date, expiresInSeconds: number): Approval {
  return {
    id: `apr_${randomUUID().replaceAll('-', '')}`,
    teamId,
    status: 'pending',
    receipt,
    challenge: randomBytes(32).toString('base64url'),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
    cosignature: null,
    decidedAt: null,
  };
}

const approvalNotFound = (id: string) => notFound(`no approval ${JSON.stringify(id)} for this team`);

export function registerApprovalRoutes(app: FastifyInstance, ctx: CloudContext): void {
  const { store, limits } = ctx;
  const nowIso = () => ctx.now().toISOString();

  const waitSeconds = (wait: number | undefined) => checkedWait(limits, wait);

  const longPoll = (request: FastifyRequest, reply: FastifyReply) => holdLongPoll(ctx, request, reply);

  app.post('/v1/teams/:team/approvals', async (request, reply) => {
    const teamId = teamParam(request);
    const body = parseRequest(OpenApprovalRequest, request.body, '');
    const receipt = body.receipt;
    if (receipt.statement.teamId !== teamId)
      throw badSignature(
        `the receipt was signed for team ${JSON.stringify(receipt.statement.teamId)}, not this team`,
        'receipt.statement.teamId',
      );
    if (receipt.cosignature)
      throw badRequest(
        'open an approval with the operator-signed receipt only, without a co-signature',
        'receipt.cosignature',
      );
    if (receipt.statement.verdict !== 'suspend')
      throw badRequest(
        `only suspended actions need approval; this receipt's verdict is ${receipt.statement.verdict}`,
        'receipt.statement.verdict',
      );
    const check = checkOperatorReceipt(receipt);
    if (!check.ok) throw badSignature(check.message, check.field);

    const approval = newPendingApproval(
      teamId,
      receipt,
      ctx.now(),
      body.expiresInSeconds ?? limits.defaultApprovalSeconds,
    );
    const outcome = await store.openApproval(teamId, approval, canonicalize(receipt), authOf(request).keyId);
    switch (outcome.kind) {
      case 'created':
        return reply.status(201).send(outcome.approval);
      case 'existing':
        return reply.status(200).send(outcome.approval);
      case 'conflict':
        throw new HttpError(
          409,
          'conflict',
          `receipt ${receipt.statement.receiptId} was already opened as approval ${outcome.approval.id} with different content`,
          'receipt.statement.receiptId',
        );
    }
  });

  app.get('/v1/teams/:team/approvals/:id', async (request, reply) => {
    const { team: teamId, id } = parseRequest(ApprovalParams, request.params, 'path');
    const wait = waitSeconds(parseRequest(PollQuery, request.query, 'query').wait);
    // An agent sees only the approvals it opened; another key's id is a 404, as for another team.
    const { keyId, role } = authOf(request);
    const openedBy = role === 'operator' ? keyId : undefined;
    let approval = await store.getApproval(teamId, id, nowIso(), openedBy);
    if (!approval) throw approvalNotFound(id);
    if (wait === 0 || approval.status !== 'pending') return approval;

    const deadline = performance.now() + wait * 1000;
    for (;;) {
      const sub = longPoll(request, reply);
      try {
        approval = await store.getApproval(teamId, id, nowIso(), openedBy);
        if (!approval) throw approvalNotFound(id);
        const left = deadline - performance.now();
        if (approval.status !== 'pending' || left <= 0) return approval;
        // Wake at the expiry too, so the answer says `expired` as soon as it is.
        const untilExpiry = Date.parse(approval.expiresAt) - ctx.now().getTime();
        const outcome = await sub.wait(Math.min(left, Math.max(untilExpiry, 0) + 5));
        if (outcome === 'closed') return (await store.getApproval(teamId, id, nowIso(), openedBy)) ?? approval;
      } finally {
        sub.cancel();
      }
    }
  });

  app.get('/v1/teams/:team/approvals', async (request, reply) => {
    const teamId = teamParam(request);
    const query = parseRequest(ListQuery, request.query, 'query');
    const wait = waitSeconds(query.wait);
    const limit = query.limit ?? 100;
    const list = () => store.listPending(teamId, limit, nowIso(), query.after);
    if (wait === 0 || query.cursor === undefined) {
      const page = await list();
      return { approvals: page.approvals, cursor: String(page.changeSeq) };
    }
    const sub = longPoll(request, reply);
    try {
      const first = await list();
      if (String(first.changeSeq) !== query.cursor)
        return { approvals: first.approvals, cursor: String(first.changeSeq) };
      await sub.wait(wait * 1000);
      const page = await list();
      return { approvals: page.approvals, cursor: String(page.changeSeq) };
    } finally {
      sub.cancel();
    }
  });

  app.post('/v1/teams/:team/approvals/:id/decision', async (request) => {
    const { team: teamId, id } = parseRequest(ApprovalParams, request.params, 'path');
    const cosignature = parseRequest(DecideRequest, request.body, '');
    const approval = await store.getApproval(teamId, id, nowIso());
    if (!approval) throw approvalNotFound(id);
    if (approval.status === 'expired') throw expiredError(approval);
    if (approval.status !== 'pending') throw alreadyDecided(approval);

    const check = checkDecision(cosignature, approval);
    if (!check.ok) throw badSignature(check.message, check.field);

    const keyId = cosignature.statement.approverKeyId;
    const approver = await store.getApprover(teamId, keyId);
    if (!approver || approver.publicKey !== cosignature.approverPublicKey)
      throw new HttpError(
        403,
        'forbidden',
        `approver key ${keyId} is not enrolled for this team; enrol it and have an admin activate it`,
        'approverPublicKey',
      );
    if (approver.status !== 'active')
      throw new HttpError(
        403,
        'forbidden',
        approver.status === 'pending'
          ? `approver key ${keyId} is pending: an admin must activate it (heso-cloud approver activate) after comparing its fingerprint ${approver.fingerprint}`
          : `approver key ${keyId} was revoked; its decisions are refused`,
        'statement.approverKeyId',
      );

    const now = nowIso();
    const status = cosignature.statement.decision === 'approve' ? 'approved' : 'denied';
    const outcome = await store.decideApproval(teamId, id, { status, cosignature, decidedAt: now }, now);
    switch (outcome.kind) {
      case 'decided':
        return outcome.approval;
      case 'already_decided':
        throw alreadyDecided(outcome.approval);
      case 'expired':
        throw expiredError(outcome.approval);
      case 'not_found':
        throw approvalNotFound(id);
    }
  });
}

function expiredError(approval: Approval): HttpError {
  return new HttpError(
    410,
    'expired',
    `approval ${approval.id} expired at ${approval.expiresAt}; it can no longer be decided`,
  );
}

function alreadyDecided(approval: Approval): HttpError {
  return new HttpError(
    409,
    'already_decided',
    `approval ${approval.id} was already ${approval.status} at ${approval.decidedAt ?? 'an earlier time'}`,
  );
}
