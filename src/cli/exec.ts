/**
 * `heso exec --tool TOOL [--param k=v …] -- COMMAND [ARGS…]`: run COMMAND only if HESO allows
 * it. Exit codes: the command's own when it ran; otherwise see EXEC_EXIT (docs/agents.md).
 */
import { parseArgs } from 'node:util';
import { adapterGuard, resolveConnection } from '../adapters/connection.ts';
import { EXEC_EXIT, guardedRun } from '../adapters/exec.ts';
import { refusalOf } from '../adapters/outcome.ts';
import { terminalSafe } from '../core/terminal-text.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFlags } from './adapter-options.ts';

const HELP = `usage: heso exec --tool TOOL [--param KEY=VALUE …] [options] -- COMMAND [ARGS…]

Runs COMMAND only if the team policy allows TOOL with these params (and the command line),
after a human approval verified here when the policy suspends it.

  --tool TOOL          HESO tool id, e.g. deploy.production (required)
  --param KEY=VALUE    a param for the policy (repeatable; numbers, true/false/null as JSON)
  --account ID         the account the command touches (default: default)
  --workflow ID        the pipeline or job asking (default: HESO_WORKFLOW, else heso-exec)
  --summary TEXT       one line for the approver
  --wait SECONDS       longest wait for a decision (default: until the approval expires)
  --expires-in SECONDS how long the approval stays open (default 900)
${CONNECTION_HELP}

Exit codes: the command's own when it ran; ${EXEC_EXIT.usage} bad usage; ${EXEC_EXIT.blocked} blocked by policy;
${EXEC_EXIT.denied} denied by an approver; ${EXEC_EXIT.expired} approval expired undecided; ${EXEC_EXIT.unreachable} control plane
unreachable; ${EXEC_EXIT.cosignature_rejected} co-signature did not verify; ${EXEC_EXIT.error} other HESO error (configuration,
data dir); ${EXEC_EXIT.pending} no decision within --wait (the approval stays open).`;

const OPTIONS = {
  tool: { type: 'string' },
  param: { type: 'string', multiple: true },
  account: { type: 'string' },
  workflow: { type: 'string' },
  summary: { type: 'string' },
  wait: { type: 'string' },
  'expires-in': { type: 'string' },
  ...CONNECTION_OPTIONS,
} as const;

function say(line: string): void {
  // Commands, server messages and approval ids are in these lines: no raw control or bidi character.
  process.stderr.write(`heso exec: ${terminalSafe(line)}\n`);
}

function seconds(name: string, value: string | undefined, max: number): number | undefined | null {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0 && n <= max) return n;
  say(`--${name} must be a number of seconds from 0 to ${max}, got ${JSON.stringify(value)}`);
  return null;
}

export async function runExec(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    args = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    say(`${(err as Error).message}\n\n${HELP}`);
    return EXEC_EXIT.usage;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!v.tool || args.positionals.length === 0) {
    say(`give --tool and the command after --\n\n${HELP}`);
    return EXEC_EXIT.usage;
  }
  const wait = seconds('wait', v.wait, 7 * 86_400);
  const expiresIn = seconds('expires-in', v['expires-in'], 604_800);
  if (wait === null || expiresIn === null) return EXEC_EXIT.usage;
  let endpoint = v.endpoint ?? process.env.HESO_ENDPOINT ?? '';
  try {
    const conn = resolveConnection({
      ...connectionFlags(v),
      ...(expiresIn !== undefined ? { approvalExpiresInSeconds: Math.max(10, expiresIn) } : {}),
    });
    endpoint = conn.endpoint;
    // One-shot process: receipts are pushed when it is done (see guard.close below), not in the background.
    const guard = adapterGuard(conn, {
      autoPush: false,
      account: v.account ?? 'default',
      workflow: v.workflow ?? process.env.HESO_WORKFLOW ?? 'heso-exec',
      onEvent: (event) => {
        if (event.type === 'waiting')
          say(
            `${event.action.tool} waits for a human: approval ${event.approvalId}, code ${event.shortCode}, expires ${event.expiresAt}`,
          );
      },
    });
    try {
      const request = {
        tool: v.tool,
        params: v.param ?? [],
        command: args.positionals,
        ...(v.summary ? { summary: v.summary } : {}),
      };
      return await guardedRun(guard, request, wait === undefined ? {} : { timeoutMs: wait * 1000 }, [conn.apiKeyEnv]);
    } finally {
      await guard.close({ drainTimeoutMs: 5000 });
    }
  } catch (err) {
    const refusal = refusalOf(err, endpoint);
    say(refusal.message.replace(/^HESO: /, ''));
    return EXEC_EXIT[refusal.kind];
  }
}
