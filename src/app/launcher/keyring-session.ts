/**
 * When the OS keychain is not reachable on Linux (a server, a container, an SSH session with
 * no Secret Service), `npm run demo` restarts itself inside a private throw-away keyring
 * session (scripts/with-keyring.sh) and says so; `npm start` offers the same. Keys made there
 * vanish when the session ends: fine for a demo, never for real approver keys.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Whether a private session could help: Linux, not already inside one. */
export function canUsePrivateKeyring(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === 'linux' && !env.HESO_KEYRING_SESSION;
}

export const PRIVATE_KEYRING_NOTICE =
  'Starting a private, throw-away keyring session for this run (sh scripts/with-keyring.sh): keys made in it ' +
  'are deleted when it ends.';

/**
 * Runs this same Node entry point again (`entryArgs`: what follows the node binary) inside
 * scripts/with-keyring.sh and resolves with its exit code. A Ctrl-C reaches the session and
 * its command directly (same terminal), so this process only waits; SIGTERM is passed on.
 */
export function rerunInPrivateKeyring(repoRoot: string, entryArgs: string[]): Promise<number> {
  const child = spawn('sh', [join(repoRoot, 'scripts', 'with-keyring.sh'), process.execPath, ...entryArgs], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  const ignoreInt = () => {};
  const passTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', ignoreInt);
  process.on('SIGTERM', passTerm);
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignoreInt);
      process.off('SIGTERM', passTerm);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}
