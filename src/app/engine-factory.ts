/**
 * Builds the real engine for the desktop app and `npm start`: the OS keychain as key store
 * and the per-user config and data directories shared with the `heso-approver` CLI, so a
 * profile set up in one is seen by the other and both append to one audit log.
 */
import { ApproverEngine } from '../approver/engine.ts';
import { KeyringKeyStore } from '../approver/key-store.ts';
import { defaultConfigDir, defaultDataDir } from '../approver/paths.ts';
import type { Logger } from '../approver/runtime.ts';

export { defaultConfigDir };

export function createAppEngine(options: { configDir?: string; logger?: Logger } = {}): ApproverEngine {
  const configDir = options.configDir ?? defaultConfigDir();
  return new ApproverEngine({
    keyStore: new KeyringKeyStore(),
    configDir,
    dataDir: defaultDataDir(configDir),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
