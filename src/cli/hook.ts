/**
 * `heso hook claude-code [options]`: the Claude Code PreToolUse hook. Reads the event from
 * stdin, prints the decision JSON on stdout, always exits 0 (Claude Code reads JSON only on
 * exit 0); everything for the operator goes to stderr.
 */
import { parseArgs } from 'node:util';
import { decide, deny, type PreToolUseOutput, parseHookInput } from '../adapters/claude-code-hook.ts';
import { adapterGuard, resolveConnection } from '../adapters/connection.ts';
import { refusalOf } from '../adapters/outcome.ts';
import { jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFlags } from './adapter-options.ts';

const HELP = `usage: heso hook claude-code [options] < event.json

A Claude Code PreToolUse hook: gates the tool call with HESO and prints the decision JSON.

  --account ID          the account tool calls touch (default: HESO_ACCOUNT, else default)
  --workflow ID         the workflow (default: claude-code)
  --allow-mode MODE     defer (default): a policy allow leaves the call to Claude Code's own
                        permission rules; allow: answer allow
  --wait SECONDS        longest wait for an approval (default 540: under Claude Code's 600 s hook timeout)
${CONNECTION_HELP}`;

const OPTIONS = {
  account: { type: 'string' },
  workflow: { type: 'string' },
  'allow-mode': { type: 'string' },
  wait: { type: 'string' },
  ...CONNECTION_OPTIONS,
} as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(output: PreToolUseOutput): number {
  process.stdout.write(`${jsonForTerminal(output)}\n`);
  return 0;
}

export async function runHook(argv: string[]): Promise<number> {
  const [agent, ...rest] = argv;
  if (agent === '--help' || agent === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (agent !== 'claude-code') {
    process.stderr.write(`heso hook: supported hooks: claude-code\n\n${HELP}\n`);
    return 2;
  }
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>;
  try {
    args = parseArgs({ args: rest, options: OPTIONS, strict: true });
  } catch (err) {
    // A hook that cannot start must still refuse, not let the call through.
    return answer(deny(`HESO hook misconfigured (${(err as Error).message}); failing closed`));
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const allowMode = v['allow-mode'] ?? 'defer';
  const waitSeconds = v.wait === undefined ? 540 : Number(v.wait);
  if ((allowMode !== 'defer' && allowMode !== 'allow') || !(waitSeconds >= 0))
    return answer(deny('HESO hook misconfigured (--allow-mode defer|allow, --wait SECONDS); failing closed'));
  const input = parseHookInput(await readStdin());
  if (typeof input === 'string') return answer(deny(input));
  let endpoint = v.endpoint ?? process.env.HESO_ENDPOINT ?? '';
  try {
    const conn = resolveConnection(connectionFlags(v));
    endpoint = conn.endpoint;
    // One-shot process: receipts are pushed when it is done (see guard.close below), not in the background.
    const guard = adapterGuard(conn, {
      autoPush: false,
      account: v.account ?? process.env.HESO_ACCOUNT ?? 'default',
      workflow: v.workflow ?? 'claude-code',
      onEvent: (event) => {
        if (event.type === 'waiting')
          process.stderr.write(
            `heso hook: ${terminalSafe(`${event.action.tool} waits for approval ${event.approvalId} (code ${event.shortCode})`)}\n`,
          );
      },
    });
    try {
      return answer(await decide(guard, input, { allowMode, waitMs: waitSeconds * 1000, endpoint }));
    } finally {
      await guard.close({ drainTimeoutMs: 3000 });
    }
  } catch (err) {
    return answer(deny(refusalOf(err, endpoint).message));
  }
}
