/**
 * `heso exec`: run a command only when HESO allows it (after a verified approval when the
 * policy suspends it). The command line is part of the signed action, so an approval covers
 * exactly that command. For CI pipelines and scripts: the outcome is the exit code.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { JsonObject, JsonValue } from '../core/schemas.ts';
import { terminalSafe } from '../core/terminal-text.ts';
import { type ActionInput, type Guard, HesoError } from '../sdk/index.ts';
import type { RefusalKind } from './outcome.ts';
import { authorizeResumable, PendingStore } from './pending-store.ts';

/** Exit codes of `heso exec` when the command did not run (otherwise: the command's own). */
export const EXEC_EXIT: Record<RefusalKind | 'usage', number> = {
  usage: 2,
  blocked: 111,
  denied: 112,
  expired: 113,
  unreachable: 114,
  cosignature_rejected: 115,
  error: 116,
  pending: 117,
};

/** `k=v` → a param: numbers, `true`, `false` and `null` as JSON; anything else as text. */
export function parseParam(pair: string): [string, JsonValue] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new HesoError('invalid_action', `--param wants KEY=VALUE, got ${JSON.stringify(pair)}`);
  const key = pair.slice(0, eq);
  const raw = pair.slice(eq + 1);
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return [key, Number(raw)];
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  if (raw === 'null') return [key, null];
  return [key, raw];
}

export interface ExecRequest {
  tool: string;
  params: string[];
  command: string[];
  summary?: string;
}

/** The action for a command: the given params plus `command`, the argv exactly as it will run. */
export function execAction(req: ExecRequest): ActionInput {
  const params: JsonObject = {};
  for (const pair of req.params) {
    const [key, value] = parseParam(pair);
    if (key === 'command')
      throw new HesoError('invalid_action', '--param command=… is reserved: heso exec records the command line itself');
    params[key] = value;
  }
  params.command = req.command;
  return {
    tool: req.tool,
    params,
    summary: req.summary ?? `Run: ${req.command.join(' ')}`,
  };
}

/**
 * Runs the command with this process's stdio once the guard allowed it. Resolves with its
 * exit code (128 + signal number when a signal ended it; 127 not found, 126 not executable).
 * Signals sent to `heso exec` are passed on. `withhold` names env vars the command never sees.
 */
export function runCommand(command: string[], withhold: readonly string[]): Promise<number> {
  const env = { ...process.env };
  for (const name of withhold) delete env[name];
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
    const pass = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, pass);
    const done = (code: number) => {
      for (const s of signals) process.off(s, pass);
      resolve(code);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`heso exec: ${terminalSafe(`cannot run ${command[0]}: ${err.message}`)}\n`);
      done(err.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

/**
 * Authorize through the guard (resuming the approval an earlier identical run left pending),
 * push the receipts (briefly: an unreachable control plane never holds the command back once
 * it was allowed), then run; the audit log records ran / failed. The guard is made with
 * `autoPush: false`: a one-shot process pushes at this point and when it closes.
 */
export async function guardedRun(guard: Guard, req: ExecRequest, wait: { timeoutMs?: number }, withhold: string[]) {
  const ctx = await authorizeResumable(guard, new PendingStore(guard.dataDir), execAction(req), wait);
  await guard.outbox.drain({ timeoutMs: 3000 }).catch(() => undefined);
  return guard.runAuthorized(ctx, () => runCommand(req.command, withhold));
}
