/**
 * How every adapter (MCP gateway, Claude Code hook, `heso exec`) reaches HESO: the control
 * plane endpoint, the team, the API key (from an environment variable, never an argument or
 * a file) and the operator data dir made by `heso init`. One place so the three agree.
 */
import { z } from 'zod';
import { createCloud, createGuard, DEFAULT_DATA_DIR, type Guard, type GuardEvent, HesoError } from '../sdk/index.ts';

export const DEFAULT_API_KEY_ENV = 'HESO_API_KEY';

/** The connection settings, as they may appear in a config file (all optional there). */
export const ConnectionConfig = z.strictObject({
  endpoint: z.string().url().optional(),
  team: z.string().min(1).optional(),
  /** Name of the environment variable holding the API key. Default `HESO_API_KEY`. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  dataDir: z.string().min(1).optional(),
  /** Seconds an opened approval stays open (10 – 604 800). Default 900. */
  approvalExpiresInSeconds: z.number().int().min(10).max(604_800).optional(),
});
export type ConnectionConfig = z.infer<typeof ConnectionConfig>;

export interface Connection {
  endpoint: string;
  team: string;
  apiKey: string;
  /** The variable the key came from: withheld from whatever the adapter starts. */
  apiKeyEnv: string;
  dataDir: string;
  approvalExpiresInSeconds: number;
}

/**
 * Flags win over the config file, which wins over the environment (`HESO_ENDPOINT`,
 * `HESO_TEAM`, `HESO_DATA_DIR`). Throws a `not_configured` error naming what is missing.
 */
export function resolveConnection(
  flags: ConnectionConfig,
  file: ConnectionConfig = {},
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const endpoint = flags.endpoint ?? file.endpoint ?? env.HESO_ENDPOINT;
  const team = flags.team ?? file.team ?? env.HESO_TEAM;
  const apiKeyEnv = flags.apiKeyEnv ?? file.apiKeyEnv ?? DEFAULT_API_KEY_ENV;
  const apiKey = env[apiKeyEnv];
  const missing = [
    endpoint ? null : 'the control plane URL (--endpoint or HESO_ENDPOINT)',
    team ? null : 'the team id (--team or HESO_TEAM)',
    apiKey ? null : `the team API key (environment variable ${apiKeyEnv})`,
  ].filter((m): m is string => m !== null);
  if (missing.length || !endpoint || !team || !apiKey)
    throw new HesoError('not_configured', `HESO is not configured: give ${missing.join(', ')}`);
  return {
    endpoint,
    team,
    apiKey,
    apiKeyEnv,
    dataDir: flags.dataDir ?? file.dataDir ?? env.HESO_DATA_DIR ?? DEFAULT_DATA_DIR,
    approvalExpiresInSeconds: flags.approvalExpiresInSeconds ?? file.approvalExpiresInSeconds ?? 900,
  };
}

/** A guard on the team's policy, with the defaults an adapter stamps on every action. */
export function adapterGuard(
  conn: Connection,
  defaults: { account: string; workflow: string; autoPush?: boolean; onEvent?: (event: GuardEvent) => void },
): Guard {
  return createGuard({
    autoPush: defaults.autoPush ?? true,
    teamId: conn.team,
    dataDir: conn.dataDir,
    cloud: createCloud(conn.apiKey, conn.endpoint),
    account: defaults.account,
    workflow: defaults.workflow,
    approvalExpiresInSeconds: conn.approvalExpiresInSeconds,
    ...(defaults.onEvent ? { onEvent: defaults.onEvent } : {}),
  });
}

/** Whether an error means HESO could not be asked at all (fail closed, with this reason). */
export function unreachableReason(err: unknown, endpoint: string): string | null {
  if (!(err instanceof HesoError)) return null;
  if (err.code === 'network' || err.code === 'server' || err.code === 'rate_limited')
    return `the HESO control plane at ${endpoint} could not be reached (${err.message}); failing closed: the action was not run`;
  return null;
}
