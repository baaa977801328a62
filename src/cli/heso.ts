/**
 * `heso`: the operator-side command line. A small dispatcher; each subcommand lives in
 * its own module and is loaded only when used.
 */

import { formatCliFailure } from '../core/terminal-text.ts';

/** A subcommand gets the arguments after its name and returns the process exit code. */
export type SubcommandRun = (argv: string[]) => Promise<number> | number;

interface Subcommand {
  summary: string;
  load: () => Promise<SubcommandRun>;
}

// ─── Subcommands ─────────────────────────────────────────────────────────────────────
// One line each. Owners: verify → core (src/cli/verify.ts); init, trust → SDK (src/sdk/cli.ts);
// receipts → client + SDK (src/cli/receipts.ts); mcp, hook, exec → adapters (src/adapters/, entry points here).
const SUBCOMMANDS: Record<string, Subcommand> = {
  verify: {
    summary: 'verify a receipt offline against pinned keys',
    load: async () => (await import('./verify.ts')).runVerify,
  },
  init: { summary: 'create the operator data dir', load: async () => (await import('../sdk/cli.ts')).runInit },
  trust: { summary: 'pin, list or remove approver keys', load: async () => (await import('../sdk/cli.ts')).runTrust },
  receipts: {
    summary: 'get a receipt or export receipts (JSON Lines) to verify',
    load: async () => (await import('./receipts.ts')).runReceipts,
  },
  mcp: {
    summary: "MCP gateway: gate a stdio MCP server's tool calls",
    load: async () => (await import('./mcp.ts')).runMcp,
  },
  hook: { summary: 'agent hooks (claude-code PreToolUse)', load: async () => (await import('./hook.ts')).runHook },
  machine: {
    summary: 'JSON in, JSON out: capture, evaluate and sign for SDKs in other languages',
    load: async () => (await import('./machine.ts')).runMachine,
  },
  exec: { summary: 'run a command only if HESO allows it', load: async () => (await import('./exec.ts')).runExec },
};
// ─────────────────────────────────────────────────────────────────────────────────────

function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((n) => n.length));
  const lines = Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: heso <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `heso <command> --help` for a command’s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!command) {
    const failure = { code: 'usage', message: `unknown command "${name}"` };
    process.stderr.write(`${formatCliFailure('heso', failure, { json: false, hint: `\n${usage()}` })}\n`);
    return 2;
  }
  const run = await command.load();
  return run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // A bug, not bad input (subcommands report those themselves): say so without a stack dump.
  const message = `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${formatCliFailure('heso', { code: 'unexpected', message }, { json: false })}\n`);
  process.exitCode = 1;
}
