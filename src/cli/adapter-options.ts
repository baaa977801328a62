/**
 * The connection options every adapter command takes (`heso mcp`, `heso hook claude-code`,
 * `heso exec`): one definition for the flags, their help lines and how they become settings.
 */
import type { ConnectionConfig } from '../adapters/connection.ts';

export const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  team: { type: 'string' },
  'api-key-env': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `  --endpoint URL       control plane URL (or HESO_ENDPOINT)
  --team TEAM          team id (or HESO_TEAM)
  --api-key-env NAME   environment variable holding the API key (default HESO_API_KEY)
  --data-dir DIR       operator data dir (default .heso, or HESO_DATA_DIR)`;

/** The settings given as flags (absent ones left out, so a config file or the environment fills them). */
export function connectionFlags(values: {
  endpoint?: string | undefined;
  team?: string | undefined;
  'api-key-env'?: string | undefined;
  'data-dir'?: string | undefined;
}): ConnectionConfig {
  return {
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.team ? { team: values.team } : {}),
    ...(values['api-key-env'] ? { apiKeyEnv: values['api-key-env'] } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  };
}
