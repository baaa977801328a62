/**
 * Builds the real engine for the desktop app and `npm start`: the OS keychain as key store
 * and the per-user config directory shared with the `heso-approver` CLI, so a profile set up
 * in one is seen by the other.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApproverEngine } from '../approver/engine.ts';
import { KeyringKeyStore } from '../approver/key-store.ts';
import type { Logger } from '../approver/runtime.ts';

export const CONFIG_DIR_NAME = 'heso-approver';

/** `HESO_APPROVER_CONFIG_DIR`, else the platform's per-user config location. */
export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const explicit = env.HESO_APPROVER_CONFIG_DIR;
  if (explicit) return explicit;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', CONFIG_DIR_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), CONFIG_DIR_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), CONFIG_DIR_NAME);
}

export function createAppEngine(options: { configDir?: string; logger?: Logger } = {}): ApproverEngine {
  return new ApproverEngine({
    keyStore: new KeyringKeyStore(),
    configDir: options.configDir ?? defaultConfigDir(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
