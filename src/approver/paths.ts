/** Default per-OS locations of the approver's config (profiles.json) and data (audit log, outbox). */
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

export function defaultDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HESO_APPROVER_DATA_DIR) return env.HESO_APPROVER_DATA_DIR;
  const home = env.HOME || env.USERPROFILE || homedir();
  switch (platform) {
    case 'win32':
      return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), APP_DIR_NAME);
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_DIR_NAME);
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), APP_DIR_NAME);
  }
}
