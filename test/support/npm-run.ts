/**
 * Runs one of the project's npm scripts (`npm run demo`, `npm start`) as a newcomer would, in
 * a private temp dir (TMPDIR), and watches what it leaves behind: its output, its exit, every
 * process that inherited that TMPDIR (daemonised keyring daemons included) and the folders it
 * made there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Environment of a Linux machine with no Secret Service: a session bus that is not there. */
export const NO_SECRET_SERVICE = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/heso-no-bus' } as const;

export interface NpmRun {
  child: ChildProcess;
  /** The private TMPDIR every process of the run inherits. */
  tmp: string;
  /** Ctrl-C as a terminal sends it: SIGINT to every process of the run's process group. */
  interrupt(): void;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the output once it matches `pattern`; rejects if the run exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The exit code (or 128 + signal number) of the top process. */
  exit: Promise<number>;
  /** Stops whatever is still running and removes the temp dir (for `after` hooks). */
  dispose(): Promise<void>;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function npmRun(script: string[], env: NodeJS.ProcessEnv = {}, stdio: 'pipe' | 'tty' = 'pipe'): NpmRun {
  const tmp = mkdtempSync(join(tmpdir(), 'heso-npm-run-'));
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, npm_config_update_notifier: 'false', ...env };
  // The tests run inside the test runner's own keyring session; the script must decide for itself.
  delete fullEnv.HESO_KEYRING_SESSION;
  delete fullEnv.HESO_KEYRING_SCRATCH;
  const argv = ['npm', ...script];
  // `script` gives the command a terminal, as a person at a shell has (for prompts).
  const [cmd, args] =
    stdio === 'tty' ? ['script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']] : [argv[0], argv.slice(1)];
  // Its own process group, as a shell gives each job: what a terminal's Ctrl-C reaches.
  const child = spawn(cmd as string, args as string[], { cwd: REPO_ROOT, env: fullEnv, stdio: 'pipe', detached: true });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exit = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0))),
  );
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const waitFor = (pattern: RegExp, timeoutMs = 240_000) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const tick = setInterval(() => {
        if (pattern.test(out)) {
          clearInterval(tick);
          resolve(out);
        } else if (exited || Date.now() - started > timeoutMs) {
          clearInterval(tick);
          reject(new Error(`${exited ? 'exited' : 'timed out'} before ${pattern} appeared. Output:\n${out}`));
        }
      }, 100);
    });
  return {
    child,
    tmp,
    interrupt: () => kill(-(child.pid as number), 'SIGINT'),
    output: () => out,
    waitFor,
    exit,
    async dispose() {
      for (const pid of processesUsing(tmp)) kill(pid, 'SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Pids of live processes whose environment has TMPDIR=tmp (the run's descendants, daemonised ones too). */
export function processesUsing(tmp: string): number[] {
  const marker = `\0TMPDIR=${tmp}\0`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (`\0${readFileSync(`/proc/${name}/environ`, 'latin1')}`.includes(marker)) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** The run's own leftovers in its TMPDIR (tsx's compile cache is not the run's data). */
export function leftovers(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => !name.startsWith('tsx-'));
}

/** Waits until `check` returns true, polling; false after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    if (check()) return true;
  }
  return check();
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
