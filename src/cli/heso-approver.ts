/**
 * `heso-approver`: the headless approver over the same engine as the desktop app.
 * Parses arguments, builds the engine on the real OS keychain, runs one command, and
 * maps the result to output (`--json` for machines) and an exit code.
 */
import { parseArgs } from 'node:util';
import { runCommand } from '../approver/cli/commands.ts';
import { type CliContext, EXIT, exitCodeFor, HELP, type ParsedArgs } from '../approver/cli/common.ts';
import { ApproverEngine } from '../approver/engine.ts';
import { KeyringKeyStore } from '../approver/key-store.ts';
import { defaultConfigDir, defaultDataDir } from '../approver/paths.ts';
import { formatCliFailure } from '../core/terminal-text.ts';

function parse(argv: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      'config-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      profile: { type: 'string' },
      endpoint: { type: 'string' },
      team: { type: 'string' },
      name: { type: 'string' },
      'api-key-env': { type: 'string' },
      watch: { type: 'boolean' },
      reason: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      workflow: { type: 'string', multiple: true },
      replace: { type: 'boolean' },
      fingerprint: { type: 'string' },
    },
  });
  return { values, positionals };
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  if (argv.some((a) => a === '--api-key' || a.startsWith('--api-key='))) {
    // A key on the command line ends up in shell history and `ps`: refuse before parsing.
    return usageError(
      json,
      'API keys are never taken from the command line: use --api-key-env NAME (an environment variable) or answer the hidden prompt.',
    );
  }
  let args: ParsedArgs;
  try {
    args = parse(argv);
  } catch (err) {
    return usageError(json, `${(err as Error).message}. Run \`heso-approver --help\`.`);
  }
  if (args.values.help || args.positionals.length === 0) {
    process.stdout.write(HELP);
    return args.values.help ? EXIT.ok : EXIT.usage;
  }
  const configDir = args.values['config-dir'] ?? defaultConfigDir();
  const dataDir = args.values['data-dir'] ?? defaultDataDir(configDir);
  const engine = new ApproverEngine({ keyStore: new KeyringKeyStore(), configDir, dataDir });
  const ctx: CliContext = { engine, args, json: args.values.json ?? false, configDir, dataDir };
  try {
    return await runCommand(ctx);
  } catch (err) {
    const { code, exit, message } = exitCodeFor(err);
    printFailure(ctx.json, { code, message });
    return exit;
  } finally {
    await engine.stop();
  }
}

function usageError(json: boolean, message: string): number {
  printFailure(json, { code: 'usage', message });
  return EXIT.usage;
}

/** Messages may quote the control plane or the command line: escaped like `show` escapes an action. */
function printFailure(json: boolean, failure: { code: string; message: string }): void {
  (json ? process.stdout : process.stderr).write(`${formatCliFailure('heso-approver', failure, { json })}\n`);
}

process.exitCode = await main(process.argv.slice(2));
