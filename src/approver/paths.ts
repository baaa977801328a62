/** Default per-OS location of the approver's config (profiles.json) and, by default, its data (audit log, outbox). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'heso-approver';

type Env = Record<string, string | undefined>;

export function defaultConfigDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HESO_APPROVER_CONFIG_DIR) return env.HESO_APPROVER_CONFIG_DIR;
  const home = env.HOME || env.USERPROFILE || homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_DIR_NAME);
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_DIR_NAME);
  }
}

/**
 * The audit log and decision outbox live next to profiles.json by default, so the CLI and
 * the desktop app (whose engine uses its config dir as data dir) share one log per profile.
 */
export function defaultDataDir(configDir: string, env: Env = process.env): string {
  return env.HESO_APPROVER_DATA_DIR || configDir;
}
