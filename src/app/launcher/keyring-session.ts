/**
 * When the OS keychain is not reachable on Linux (a server, a container, an SSH session with
 * no Secret Service), `npm run demo` restarts itself inside a private throw-away keyring
 * session (scripts/with-keyring.sh) and says so; `npm start` offers the same. Keys made there
 * vanish when the session ends: fine for a demo, never for real approver keys.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { watchParent } from './parent-watch.ts';

/** Whether a private session could help: Linux, not already inside one. */
export function canUsePrivateKeyring(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === 'linux' && !env.HESO_KEYRING_SESSION;
}

export const PRIVATE_KEYRING_NOTICE =
  'Starting a private, throw-away keyring session for this run (sh scripts/with-keyring.sh): keys made in it ' +
  'are deleted when it ends.';

/**
 * Runs this same Node entry point again (`entryArgs`: what follows the node binary) inside
 * scripts/with-keyring.sh and resolves with its exit code.
 *
 * The session runs in its own process group, and this process passes each signal on once.
 * Why: a Ctrl-C in the terminal would otherwise also hit the session's keyring and D-Bus
 * daemons directly, killing the keychain while the demo is still removing its keys; and a
 * signal sent to this process alone (`kill PID`, a supervisor) must still stop everything. A
 * SIGTERM to npm only reaches the shell npm runs us in, so we also pass one on when that shell
 * dies (parent-watch.ts). The command never reads the terminal, so leaving its group is safe.
 */
export function rerunInPrivateKeyring(repoRoot: string, entryArgs: string[]): Promise<number> {
  const child = spawn('sh', [join(repoRoot, 'scripts', 'with-keyring.sh'), process.execPath, ...entryArgs], {
    cwd: repoRoot,
    stdio: 'inherit',
    detached: true,
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  // The same signal twice within a moment (a terminal's Ctrl-C plus a parent passing it on) is one.
  let last: { signal: NodeJS.Signals; at: number } | null = null;
  const forward = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (last?.signal === signal && now - last.at < DUPLICATE_SIGNAL_MS) return;
    last = { signal, at: now };
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  for (const signal of signals) process.on(signal, forward);
  const unwatch = watchParent(() => forward('SIGTERM'));
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      unwatch();
      resolve(code ?? (signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 1) : 1));
    });
  });
}

/** Within this window a repeated signal is the same one delivered twice (terminal + npm), not a second request. */
const DUPLICATE_SIGNAL_MS = 1000;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
