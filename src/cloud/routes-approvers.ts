/**
 * Policy bundle, who-am-I, and approver enrolment (enrol, get, list, revoke). An API key never
 * activates a key; an approver key revokes only the approver keys it enrolled.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EnrolApproverRequest, type ListApproversResponse, type WhoamiResponse } from '../core/api.ts';
import { fingerprintOf, keyIdOf } from '../core/crypto.ts';
import { nodeVerify } from '../core/ed25519-node.ts';
import { type ApproverRecord, KeyId, type PolicyBundle, type SignedRotation } from '../core/schemas.ts';
import { verifyStatement } from '../core/statements.ts';
import { authOf, type CloudContext, parseRequest, teamParam } from './context.ts';
import { badRequest, badSignature, forbidden, notFound } from './http-error.ts';
import type { CloudStore } from './store.ts';

const ApproverParams = z.object({ team: z.string(), keyId: KeyId });
const RevokeBody = z.strictObject({}).optional();

async function checkRotation(
  store: CloudStore,
  teamId: string,
  keyId: string,
  publicKey: string,
  rotation: SignedRotation,
) {
  const st = rotation.statement;
  const field = 'rotation.statement';
  if (st.teamId !== teamId) throw badSignature('the rotation was signed for another team', `${field}.teamId`);
  if (st.newPublicKey !== publicKey)
    throw badSignature('the rotation vouches for a different public key', `${field}.newPublicKey`);
  if (st.newKeyId !== keyId)
    throw badSignature('newKeyId is not the key id of the new public key', `${field}.newKeyId`);
  const previous = await store.getApprover(teamId, st.previousKeyId);
  if (!previous || previous.status === 'revoked')
    throw badSignature(
      `previous key ${st.previousKeyId} is not an enrolled, unrevoked approver key of this team`,
      `${field}.previousKeyId`,
    );
  if (!verifyStatement(st, rotation.signature, previous.publicKey, nodeVerify))
    throw badSignature('the rotation signature does not verify with the previous key', 'rotation.signature');
  return previous;
}

export function registerApproverRoutes(app: FastifyInstance, ctx: CloudContext): void {
  const { store } = ctx;

  app.get('/v1/teams/:team/whoami', async (request): Promise<WhoamiResponse> => {
    const { keyId, teamId, role } = authOf(request);
    return { teamId, keyId, role };
  });

  app.get('/v1/teams/:team/policy', async (request): Promise<PolicyBundle> => {
    const teamId = teamParam(request);
    const policy = await store.getPolicy(teamId);
    if (!policy)
      throw notFound(
        `no policy is set for this team yet; an admin sets one with: heso-cloud policy set --team ${teamId} FILE`,
      );
    return {
      teamId,
      version: policy.document.version,
      defaultVerdict: policy.document.defaultVerdict,
      rules: policy.document.rules,
      approvers: await store.listApprovers(teamId),
      fetchedAt: ctx.now().toISOString(),
    };
  });

  app.post('/v1/teams/:team/approvers', async (request, reply) => {
    const teamId = teamParam(request);
    const body = parseRequest(EnrolApproverRequest, request.body, '');
    let keyId: string;
    let fingerprint: string;
    try {
      keyId = keyIdOf(body.publicKey);
      fingerprint = fingerprintOf(body.publicKey);
    } catch {
      throw badRequest('not a canonical base64url Ed25519 public key', 'publicKey');
    }
    const existing = await store.getApprover(teamId, keyId);
    if (existing) return reply.status(200).send(existing);
    const previous = body.rotation ? await checkRotation(store, teamId, keyId, body.publicKey, body.rotation) : null;
    const record: ApproverRecord = {
      keyId,
      publicKey: body.publicKey,
      fingerprint,
      name: body.name,
      status: 'pending',
      createdAt: ctx.now().toISOString(),
      activatedAt: null,
      revokedAt: null,
      rotation: body.rotation ?? null,
      // A rotated key is the same person: it keeps their groups and requester link (still pending).
      ...(previous?.groups ? { groups: previous.groups } : {}),
      ...(previous?.requesterKeyIds ? { requesterKeyIds: previous.requesterKeyIds } : {}),
    };
    const result = await store.enrolApprover(teamId, record, authOf(request).keyId);
    return reply.status(result.created ? 201 : 200).send(result.record);
  });

  app.get('/v1/teams/:team/approvers', async (request): Promise<ListApproversResponse> => {
    return { approvers: await store.listApprovers(teamParam(request)) };
  });

  app.get('/v1/teams/:team/approvers/:keyId', async (request) => {
    const { team, keyId } = parseRequest(ApproverParams, request.params, 'path');
    const record = await store.getApprover(team, keyId);
    if (!record) throw notFound(`no approver key ${keyId} enrolled for this team`);
    return record;
  });

  app.post('/v1/teams/:team/approvers/:keyId/revoke', async (request) => {
    const { team, keyId } = parseRequest(ApproverParams, request.params, 'path');
    parseRequest(RevokeBody, request.body, 'body');
    const auth = authOf(request);
    if (auth.role === 'approver' && (await store.getApprover(team, keyId)) !== null) {
      const enrolledBy = await store.approverEnrolledBy(team, keyId);
      if (enrolledBy !== auth.keyId)
        throw forbidden(
          `approver key ${keyId} was not enrolled with this API key; an approver key revokes only its own keys. Ask an admin: heso-cloud approver revoke --team ${team} ${keyId}`,
        );
    }
    const record = await store.setApproverStatus(team, keyId, 'revoked', ctx.now().toISOString());
    if (!record) throw notFound(`no approver key ${keyId} enrolled for this team`);
    return record;
  });
}
