/**
 * Profile lifecycle: init (key into the keychain, API key into the keychain, enrol,
 * then the profiles file), key status refresh, rotation and removal. Each step that
 * can fail after something was written undoes what it wrote, so a failed init leaves
 * neither a keychain item nor a profile behind.
 */
import { randomBytes } from 'node:crypto';
import { type ControlPlaneClient, ControlPlaneError } from '../client/index.ts';
import type { ApiKeyRole } from '../core/api.ts';
import { fingerprintOf } from '../core/crypto.ts';
import { ROTATION_TYPE, RotationStatement, type SignedRotation } from '../core/schemas.ts';
import { signStatement } from '../core/statements.ts';
import { parseWith } from '../core/validate.ts';
import type { AuditAppendInput, AuditSigner } from './audit-log.ts';
import { auditLogOf, clientFor, type EngineContext, makeClient, remoteFailure } from './context.ts';
import { ProfileExistsError, ProfileNotFoundError, RemoteError } from './errors.ts';
import { ApiKey, checkInput, InitProfileInput } from './inputs.ts';
import type { TrustedOperator } from './operator-trust.ts';
import { currentKey, type StoredProfile } from './profiles.ts';
import { errorMessage, isoAt } from './runtime.ts';

export function defaultProfileName(teamId: string): string {
  const cleaned = teamId.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '');
  return cleaned.slice(0, 64) || 'default';
}

/** The input checked with the engine's schema (InitProfileInput), its profile name and endpoint settled. */
function checkInit(raw: InitProfileInput) {
  const input = checkInput(InitProfileInput, raw);
  const name = input.profileName ?? defaultProfileName(input.teamId);
  return { ...input, name, endpoint: input.endpoint.replace(/\/+$/, '') };
}

/** Appends a signed entry; `signer` lets a decision sign it with the key it already read (one keychain read). */
export async function appendAudit(
  ctx: EngineContext,
  profile: StoredProfile,
  input: AuditAppendInput,
  signer: AuditSigner = ctx.secrets.signer(profile, profile.keyId),
): Promise<void> {
  try {
    await auditLogOf(ctx, profile).append(input, signer, isoAt(ctx.clock()));
  } catch (err) {
    // The action itself already happened; a failed log write must be visible but not undo it.
    ctx.logger.error('could not append to the audit log', { profile: profile.name, error: (err as Error).message });
  }
}

/**
 * The API key's role, asked of the control plane before anything is stored. An operator key
 * (meant for agents) is refused with a message that says which key to ask for; a control
 * plane older than key roles answers 404 and the role stays `unknown`.
 */
async function apiKeyRoleOf(
  client: ControlPlaneClient,
  endpoint: string,
  teamId: string,
): Promise<ApiKeyRole | 'unknown'> {
  let role: ApiKeyRole;
  try {
    role = (await client.whoami(teamId)).role;
  } catch (err) {
    if (err instanceof ControlPlaneError && err.kind === 'not_found' && /no route/.test(err.message)) return 'unknown';
    throw remoteFailure('check your API key', endpoint, teamId, err);
  }
  if (role === 'operator')
    throw new RemoteError(
      'wrong_key_role',
      `This is an operator API key, meant for agents: with it the app could not see the queue or decide. Ask your team admin for an approver key (heso-cloud key create --team ${teamId} --role approver) and use that one.`,
    );
  return role;
}

export async function initProfile(ctx: EngineContext, raw: InitProfileInput): Promise<StoredProfile> {
  const { name, endpoint, ...input } = checkInit(raw);
  if (await ctx.config.get(name)) throw new ProfileExistsError(name);
  const client = makeClient(ctx, endpoint, input.apiKey);
  const undo: (() => Promise<unknown>)[] = [];
  const rollback = async () => {
    for (const step of undo.reverse()) {
      await step().catch((err: unknown) =>
        ctx.logger.warn('rollback step failed', { profile: name, error: (err as Error).message }),
      );
    }
  };
  try {
    // Item names of this profile's own (see KeychainOwner): undoing a failed init removes only what it created.
    const owner = { name, keychainId: randomBytes(12).toString('hex') };
    const key = await ctx.secrets.createKey(owner);
    undo.push(() => ctx.secrets.deletePrivateKey(owner, key.keyId));
    await ctx.secrets.setApiKey(owner, input.apiKey);
    undo.push(() => ctx.secrets.deleteApiKey(owner));
    // After the keychain steps (a locked keychain is the first thing to hear about), before enrolling.
    const apiKeyRole = await apiKeyRoleOf(client, endpoint, input.teamId);
    const record = await client
      .enrolApprover(input.teamId, { publicKey: key.publicKey, name: input.displayName })
      .catch((err: unknown) => {
        throw remoteFailure('enrol your approver key', endpoint, input.teamId, err);
      });
    undo.push(() => client.revokeApprover(input.teamId, key.keyId));
    const now = isoAt(ctx.clock());
    const profile: StoredProfile = {
      name,
      endpoint,
      teamId: input.teamId,
      displayName: input.displayName,
      keyId: key.keyId,
      keyStatus: record.status,
      ...(apiKeyRole === 'unknown' ? {} : { apiKeyRole }),
      keys: [
        {
          keyId: key.keyId,
          publicKey: key.publicKey,
          fingerprint: fingerprintOf(key.publicKey),
          createdAt: now,
          retiredAt: null,
        },
      ],
      pendingRevocations: [],
      createdAt: now,
      keychainId: owner.keychainId,
      trustedOperators: [],
    };
    await ctx.config.ensureDir();
    await ctx.config.update((profiles) => {
      if (profiles.some((p) => p.name === name)) throw new ProfileExistsError(name);
      return { profiles: [...profiles, profile], result: undefined };
    });
    undo.length = 0; // committed: from here on the profile exists
    ctx.logger.info('profile initialised', {
      profile: name,
      teamId: input.teamId,
      keyId: key.keyId,
      status: record.status,
    });
    await appendAudit(ctx, profile, {
      kind: 'enrol',
      summary: `Enrolled key ${key.keyId} for team ${input.teamId} as "${profile.displayName}" (status ${record.status})`,
      approvalId: null,
      decision: null,
      details: { keyId: key.keyId, publicKey: key.publicKey, fingerprint: currentKey(profile).fingerprint, endpoint },
    });
    return profile;
  } catch (err) {
    await rollback();
    throw err;
  }
}

/** Applies `change` to a profile's trusted operator keys and stores the result; returns the updated profile. */
export function updateTrustedOperators(
  ctx: EngineContext,
  name: string,
  change: (list: readonly TrustedOperator[]) => TrustedOperator[],
): Promise<StoredProfile> {
  return ctx.config.update((profiles) => {
    const current = profiles.find((p) => p.name === name);
    if (!current) throw new ProfileNotFoundError(name);
    const next = { ...current, trustedOperators: change(current.trustedOperators) };
    return { profiles: profiles.map((p) => (p.name === name ? next : p)), result: next };
  });
}

export async function requireProfile(ctx: EngineContext, name: string): Promise<StoredProfile> {
  const profile = await ctx.config.get(name);
  if (!profile) throw new ProfileNotFoundError(name);
  return profile;
}

/** Revokes old keys whose revocation has not gone through yet; deletes their keychain items once revoked. */
async function settleRevocations(ctx: EngineContext, profile: StoredProfile): Promise<string[]> {
  if (profile.pendingRevocations.length === 0) return [];
  const client = await clientFor(ctx, profile);
  const done: string[] = [];
  for (const keyId of profile.pendingRevocations) {
    try {
      await client.revokeApprover(profile.teamId, keyId);
    } catch (err) {
      ctx.logger.warn('revoking the previous key failed; will retry', { keyId, error: (err as Error).message });
      continue;
    }
    await ctx.secrets.deletePrivateKey(profile, keyId);
    done.push(keyId);
  }
  if (done.length > 0) {
    await ctx.config.update((profiles) => ({
      profiles: profiles.map((p) =>
        p.name === profile.name
          ? { ...p, pendingRevocations: p.pendingRevocations.filter((k) => !done.includes(k)) }
          : p,
      ),
      result: undefined,
    }));
  }
  return done;
}

export async function refreshKeyStatus(ctx: EngineContext, name: string): Promise<StoredProfile> {
  const profile = await requireProfile(ctx, name);
  const client = await clientFor(ctx, profile);
  const apiKeyRole = await apiKeyRoleOf(client, profile.endpoint, profile.teamId);
  const record = await client.getApprover(profile.teamId, profile.keyId).catch((err: unknown) => {
    throw remoteFailure('check your key status', profile.endpoint, profile.teamId, err);
  });
  await settleRevocations(ctx, profile);
  return ctx.config.update((profiles) => {
    const role = apiKeyRole === 'unknown' ? {} : { apiKeyRole };
    const next = profiles.map((p) => (p.name === name ? { ...p, keyStatus: record.status, ...role } : p));
    const updated = next.find((p) => p.name === name);
    if (!updated) throw new ProfileNotFoundError(name);
    return { profiles: next, result: updated };
  });
}

/**
 * A new team API key for an existing profile (the old one was rotated or revoked), without a
 * new signing key: the key is checked with the control plane (an operator key is refused)
 * before it replaces the old one in the keychain.
 */
export async function replaceApiKey(ctx: EngineContext, name: string, apiKey: string): Promise<StoredProfile> {
  const profile = await requireProfile(ctx, name);
  checkInput(ApiKey, apiKey, 'apiKey');
  const apiKeyRole = await apiKeyRoleOf(makeClient(ctx, profile.endpoint, apiKey), profile.endpoint, profile.teamId);
  await ctx.secrets.setApiKey(profile, apiKey);
  return ctx.config.update((profiles) => {
    const role = apiKeyRole === 'unknown' ? {} : { apiKeyRole };
    const next = profiles.map((p) => (p.name === name ? { ...p, ...role } : p));
    const updated = next.find((p) => p.name === name);
    if (!updated) throw new ProfileNotFoundError(name);
    return { profiles: next, result: updated };
  });
}

export async function rotateKey(ctx: EngineContext, name: string): Promise<StoredProfile> {
  const profile = await requireProfile(ctx, name);
  const client = await clientFor(ctx, profile);
  const oldKeyId = profile.keyId;
  const fresh = await ctx.secrets.createKey(profile);
  let enrolled = false;
  let committed = false;
  try {
    const statement = parseWith(
      RotationStatement,
      {
        type: ROTATION_TYPE,
        teamId: profile.teamId,
        previousKeyId: oldKeyId,
        newPublicKey: fresh.publicKey,
        newKeyId: fresh.keyId,
        rotatedAt: isoAt(ctx.clock()),
      },
      'rotation',
    );
    const rotation: SignedRotation = {
      statement,
      signature: await ctx.secrets.withPrivateKey(profile, oldKeyId, (sk) => signStatement(statement, sk)),
    };
    const record = await client
      .enrolApprover(profile.teamId, { publicKey: fresh.publicKey, name: profile.displayName, rotation })
      .catch((err: unknown) => {
        throw remoteFailure('enrol the new key', profile.endpoint, profile.teamId, err);
      });
    enrolled = true;
    const now = isoAt(ctx.clock());
    const rotated = await ctx.config.update((profiles) => {
      const next = profiles.map((p): StoredProfile => {
        if (p.name !== name) return p;
        return {
          ...p,
          keyId: fresh.keyId,
          keyStatus: record.status,
          keys: [
            ...p.keys.map((k) => (k.keyId === oldKeyId ? { ...k, retiredAt: now } : k)),
            {
              keyId: fresh.keyId,
              publicKey: fresh.publicKey,
              fingerprint: fingerprintOf(fresh.publicKey),
              createdAt: now,
              retiredAt: null,
            },
          ],
          pendingRevocations: [...p.pendingRevocations, oldKeyId],
        };
      });
      const updated = next.find((p) => p.name === name);
      if (!updated) throw new ProfileNotFoundError(name);
      return { profiles: next, result: updated };
    });
    committed = true;
    ctx.logger.info('key rotated', { profile: name, previousKeyId: oldKeyId, keyId: fresh.keyId });
    const revoked = await settleRevocations(ctx, rotated).catch((err: unknown) => {
      ctx.logger.warn('revoking the previous key failed; will retry', { error: (err as Error).message });
      return [] as string[];
    });
    await appendAudit(ctx, rotated, {
      kind: 'rotate',
      summary: `Rotated from key ${oldKeyId} to ${fresh.keyId} (new key ${record.status}; old key ${revoked.includes(oldKeyId) ? 'revoked' : 'revocation pending'})`,
      approvalId: null,
      decision: null,
      details: {
        previousKeyId: oldKeyId,
        keyId: fresh.keyId,
        publicKey: fresh.publicKey,
        rotationSignature: rotation.signature,
      },
    });
    return (await ctx.config.get(name)) ?? rotated;
  } catch (err) {
    // After the profiles file points at the new key, it is the key: never undo that.
    if (committed) throw err;
    await ctx.secrets.deletePrivateKey(profile, fresh.keyId).catch(() => undefined);
    if (enrolled) await client.revokeApprover(profile.teamId, fresh.keyId).catch(() => undefined);
    throw err;
  }
}

export async function removeProfile(ctx: EngineContext, name: string): Promise<void> {
  const profile = await requireProfile(ctx, name);
  await revokeOnRemoval(ctx, profile);
  // Keychain first: if it is locked we fail before touching anything else.
  for (const key of profile.keys) await ctx.secrets.deletePrivateKey(profile, key.keyId);
  await ctx.secrets.deleteApiKey(profile);
  await ctx.config.update((profiles) => ({ profiles: profiles.filter((p) => p.name !== name), result: undefined }));
  // The audit log is evidence: keep it, renamed, so a new profile of the same name starts a fresh chain.
  await auditLogOf(ctx, profile).archive(`removed-${isoAt(ctx.clock()).replace(/[:.]/g, '-')}`);
  ctx.logger.info('profile removed', { profile: name });
}

/**
 * A removed device should no longer count as an approver, so its key is revoked with the
 * control plane (an API key may reduce trust, never grant it). Best effort: removal still
 * happens offline, and the log says to ask the admin to revoke the key.
 */
async function revokeOnRemoval(ctx: EngineContext, profile: StoredProfile): Promise<void> {
  const { keyId } = currentKey(profile);
  try {
    const client = await clientFor(ctx, profile);
    await client.revokeApprover(profile.teamId, keyId);
    ctx.logger.info('approver key revoked with the control plane', { profile: profile.name, keyId });
  } catch (err) {
    ctx.logger.warn('could not revoke the approver key with the control plane; ask your team admin to revoke it', {
      profile: profile.name,
      keyId,
      error: errorMessage(err),
    });
  }
}
