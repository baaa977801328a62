/**
 * Admin operations: what `heso-cloud team|key|policy|approver …` do, straight against the
 * store. They are deliberately not on the HTTP API: an API key, even an admin one, can never
 * create keys, change the policy or make an approver key trusted.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ApiKeyRole, ISSUED_ROLES } from '../core/api.ts';
import { type ApproverRecord, Id, KeyId, LIMITS, type PolicyDocument } from '../core/schemas.ts';
import { formatPolicyIssues, validatePolicy } from '../policy/compile.ts';
import { generateApiKey, keyIdFrom } from './api-keys.ts';
import type { ApiKeyRecord, ApproverLabels, CloudStore, TeamRecord } from './store.ts';

export type AdminErrorCode = 'not_found' | 'bad_request' | 'conflict';

/** An admin action that cannot be done; the message says why and what to do. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Clock = () => Date;
const systemClock: Clock = () => new Date();

const TEAM_NAME_MAX = 200;

export async function createTeam(store: CloudStore, name: string, clock: Clock = systemClock): Promise<TeamRecord> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > TEAM_NAME_MAX || /\p{Cc}/u.test(trimmed))
    throw new AdminError('bad_request', `team name must be 1–${TEAM_NAME_MAX} printable characters`);
  const team: TeamRecord = {
    id: `team_${randomBytes(8).toString('hex')}`,
    name: trimmed,
    createdAt: clock().toISOString(),
  };
  await store.createTeam(team);
  return team;
}

async function requireTeam(store: CloudStore, teamId: string): Promise<TeamRecord> {
  const team = await store.getTeam(teamId);
  if (!team)
    throw new AdminError('not_found', `no team ${JSON.stringify(teamId)}; list teams with: heso-cloud team list`);
  return team;
}

export async function listTeams(store: CloudStore): Promise<TeamRecord[]> {
  return store.listTeams();
}

export interface CreatedApiKey {
  /** Shown once; only its hash is stored. */
  apiKey: string;
  keyId: string;
  teamId: string;
  role: ApiKeyRole;
  createdAt: string;
}

export type IssuedRole = (typeof ISSUED_ROLES)[number];

export async function createApiKey(
  store: CloudStore,
  teamId: string,
  role: IssuedRole,
  clock: Clock = systemClock,
): Promise<CreatedApiKey> {
  await requireTeam(store, teamId);
  const { apiKey, keyId, secretHash } = generateApiKey();
  const createdAt = clock().toISOString();
  await store.createApiKey({ keyId, teamId, secretHash, role, createdAt, revokedAt: null });
  return { apiKey, keyId, teamId, role, createdAt };
}

export interface ApiKeyInfo {
  keyId: string;
  teamId: string;
  role: ApiKeyRole;
  createdAt: string;
  revokedAt: string | null;
}

const keyInfo = (k: ApiKeyRecord): ApiKeyInfo => ({
  keyId: k.keyId,
  teamId: k.teamId,
  role: k.role,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

export async function listApiKeys(store: CloudStore, teamId: string): Promise<ApiKeyInfo[]> {
  await requireTeam(store, teamId);
  return (await store.listApiKeys(teamId)).map(keyInfo);
}

/** Revokes by key id or full key; takes effect on the next request. Revoking twice is fine. */
export async function revokeApiKey(
  store: CloudStore,
  apiKeyOrKeyId: string,
  clock: Clock = systemClock,
): Promise<ApiKeyInfo> {
  const keyId = keyIdFrom(apiKeyOrKeyId.trim());
  if (!keyId) throw new AdminError('bad_request', 'expected a key id (12 hex characters) or a full heso_… API key');
  const revoked = await store.revokeApiKey(keyId, clock().toISOString());
  if (!revoked) throw new AdminError('not_found', `no API key with id ${keyId}`);
  return keyInfo(revoked);
}

export async function setPolicy(
  store: CloudStore,
  teamId: string,
  document: unknown,
  clock: Clock = systemClock,
): Promise<PolicyDocument> {
  await requireTeam(store, teamId);
  // The whole rule language is checked here, so a policy no agent can evaluate never reaches one.
  const validation = validatePolicy(document);
  if (!validation.ok)
    throw new AdminError('bad_request', `policy is not valid:\n${formatPolicyIssues(validation.issues)}`);
  await store.setPolicy(teamId, validation.policy, clock().toISOString());
  return validation.policy;
}

export async function listApprovers(store: CloudStore, teamId: string): Promise<ApproverRecord[]> {
  await requireTeam(store, teamId);
  return store.listApprovers(teamId);
}

async function changeApprover(
  store: CloudStore,
  teamId: string,
  keyId: string,
  status: 'active' | 'revoked',
  clock: Clock,
): Promise<ApproverRecord> {
  await requireTeam(store, teamId);
  const record = await store.setApproverStatus(teamId, keyId, status, clock().toISOString());
  if (!record)
    throw new AdminError(
      'not_found',
      `no approver key ${JSON.stringify(keyId)} enrolled for team ${teamId}; list them with: heso-cloud approver list --team ${teamId}`,
    );
  return record;
}

/**
 * Activates a pending approver key, after the admin compared its fingerprint with the one
 * the approver's app shows. A revoked key cannot be re-activated (enrol a new key instead).
 */
export async function activateApprover(
  store: CloudStore,
  teamId: string,
  keyId: string,
  clock: Clock = systemClock,
): Promise<ApproverRecord> {
  const record = await changeApprover(store, teamId, keyId, 'active', clock);
  if (record.status === 'revoked')
    throw new AdminError(
      'conflict',
      `approver key ${keyId} was revoked and cannot be activated again; enrol a new key`,
    );
  return record;
}

export async function revokeApprover(
  store: CloudStore,
  teamId: string,
  keyId: string,
  clock: Clock = systemClock,
): Promise<ApproverRecord> {
  return changeApprover(store, teamId, keyId, 'revoked', clock);
}

/**
 * Sets an approver key's labels: its groups (quorum rules count group minimums with them) and the
 * operator keys registered as this approver's own (they may not approve what those keys request).
 * A list replaces the previous one; an empty list clears it.
 */
export async function labelApprover(
  store: CloudStore,
  teamId: string,
  keyId: string,
  labels: ApproverLabels,
): Promise<ApproverRecord> {
  await requireTeam(store, teamId);
  const fields: [keyof ApproverLabels, z.ZodType<string>, string][] = [
    ['groups', Id, 'a group name'],
    ['requesterKeyIds', KeyId, 'an operator key id (32 hex characters, as `heso init` prints)'],
  ];
  for (const [field, schema, what] of fields)
    for (const value of labels[field] ?? [])
      if (!schema.safeParse(value).success)
        throw new AdminError('bad_request', `${JSON.stringify(value)} is not ${what}`);
  if ((labels.groups?.length ?? 0) > LIMITS.approverGroups)
    throw new AdminError('bad_request', `an approver may be in at most ${LIMITS.approverGroups} groups`);
  const record = await store.setApproverLabels(teamId, keyId, labels);
  if (!record)
    throw new AdminError(
      'not_found',
      `no approver key ${JSON.stringify(keyId)} enrolled for team ${teamId}; list them with: heso-cloud approver list --team ${teamId}`,
    );
  return record;
}
