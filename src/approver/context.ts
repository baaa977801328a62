/**
 * What the engine's parts share: config, secrets, clock, logger, and how to build a
 * control-plane client, an audit log or an outbox for a profile.
 */
import { join } from 'node:path';
import { ControlPlaneError } from '../client/errors.ts';
import { ControlPlaneClient } from '../client/index.ts';
import type { ProfileView } from './api.ts';
import { SignedAuditLog } from './audit-log.ts';
import { DecisionOutbox } from './decisions.ts';
import { InputError, RemoteError } from './errors.ts';
import { currentKey, type ProfilesConfig, type StoredProfile } from './profiles.ts';
import { type Clock, errorMessage, type Logger, type Random, type Sleep } from './runtime.ts';
import type { Secrets } from './secrets.ts';

export interface EngineContext {
  config: ProfilesConfig;
  secrets: Secrets;
  dataDir: string;
  fetch: typeof fetch | undefined;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  logger: Logger;
}

export function profileDir(ctx: EngineContext, profile: string): string {
  return join(ctx.dataDir, 'profiles', profile);
}

export function auditLogOf(ctx: EngineContext, profile: StoredProfile): SignedAuditLog {
  return new SignedAuditLog(profileDir(ctx, profile.name), profile.name, profile.teamId);
}

export function outboxOf(ctx: EngineContext, profile: string): DecisionOutbox {
  return new DecisionOutbox(join(profileDir(ctx, profile), 'outbox'));
}

/** A client for an endpoint and API key; a malformed endpoint or key becomes an InputError. */
export function makeClient(ctx: EngineContext, endpoint: string, apiKey: string): ControlPlaneClient {
  try {
    return new ControlPlaneClient({ endpoint, apiKey, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
  } catch (err) {
    throw new InputError(errorMessage(err));
  }
}

export async function clientFor(ctx: EngineContext, profile: StoredProfile): Promise<ControlPlaneClient> {
  return makeClient(ctx, profile.endpoint, await ctx.secrets.apiKey(profile));
}

export async function viewOf(ctx: EngineContext, profile: StoredProfile): Promise<ProfileView> {
  const key = currentKey(profile);
  return {
    name: profile.name,
    endpoint: profile.endpoint,
    teamId: profile.teamId,
    displayName: profile.displayName,
    keyId: key.keyId,
    publicKey: key.publicKey,
    fingerprint: key.fingerprint,
    keyStatus: profile.keyStatus,
    hasApiKey: await ctx.secrets.hasApiKey(profile),
    apiKeyRole: profile.apiKeyRole ?? 'unknown',
  };
}

/** A control-plane failure during a profile operation, as an error that says what to do. */
export function remoteFailure(action: string, endpoint: string, teamId: string, err: unknown): Error {
  if (!(err instanceof ControlPlaneError)) return err instanceof Error ? err : new Error(String(err));
  switch (err.kind) {
    case 'auth':
      return new RemoteError(
        'api_key_rejected',
        `API key rejected by ${endpoint} while trying to ${action} (401). Check the key with your team admin and try again.`,
        { cause: err },
      );
    case 'forbidden':
      // The server's message says why: e.g. which API key role the request needs.
      return new RemoteError('forbidden', `Could not ${action}: ${err.message}`, { cause: err });
    case 'not_found':
      return new RemoteError(
        'team_access_denied',
        `Could not ${action}: team "${teamId}" does not exist at ${endpoint} or the API key belongs to another team (${err.status}).`,
        { cause: err },
      );
    case 'network':
      return new RemoteError(
        'unreachable',
        `Could not ${action}: the control plane at ${endpoint} is unreachable (${err.message}). Check the endpoint URL and your connection, then try again.`,
        { cause: err },
      );
    case 'rate_limited':
      return new RemoteError(
        'rate_limited',
        `Could not ${action}: the control plane is rate limiting this key; try again in ${err.retryAfterSeconds ?? 'a few'} seconds.`,
        { cause: err },
      );
    case 'server':
    case 'bad_response':
      return new RemoteError(
        'server_error',
        `Could not ${action}: the control plane had an error (${err.message}). Try again later.`,
        { cause: err },
      );
    case 'bad_request':
    case 'bad_signature':
    case 'conflict':
    case 'already_decided':
    case 'expired':
    case 'too_large':
      return new RemoteError('refused', `Could not ${action}: ${err.message}`, { cause: err });
    case 'wrong_answer':
      return new RemoteError('wrong_answer', `Could not ${action}: ${err.message}`, { cause: err });
    default: {
      const never: never = err.kind;
      return never;
    }
  }
}
