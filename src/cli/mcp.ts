/**
 * `heso mcp [--config FILE] [options] -- COMMAND [ARGS…]`: the MCP gateway on stdio.
 * stdout carries the protocol, so everything for the operator goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { adapterGuard, resolveConnection } from '../adapters/connection.ts';
import { McpGateway } from '../adapters/mcp-gateway.ts';
import { guessServerName, McpGatewayConfig, McpMapping } from '../adapters/mcp-mapping.ts';
import { terminalSafe } from '../core/terminal-text.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFlags } from './adapter-options.ts';

const HELP = `usage: heso mcp [--config FILE] [options] -- COMMAND [ARGS…]

Runs COMMAND as a stdio MCP server and serves its tools on this process's stdin/stdout,
checking every tools/call with HESO first (allow, block, or wait for a human approval).

  --config FILE        JSON mapping and connection settings (see docs/agents.md)
  --name NAME          server name in tool ids mcp.NAME.TOOL (default: guessed from COMMAND)
  --prefix PREFIX      prefix for every tool name the client sees
${CONNECTION_HELP}
  --wait SECONDS       how long one call waits for a decision before answering "pending" (default 50)`;

const OPTIONS = {
  config: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string' },
  wait: { type: 'string' },
  ...CONNECTION_OPTIONS,
} as const;

function log(line: string): void {
  // Tool names, server messages and approval ids are in these lines: no raw control or bidi character.
  process.stderr.write(`heso mcp: ${terminalSafe(line)}\n`);
}

function readConfig(path: string | undefined): McpGatewayConfig {
  if (!path) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the config ${path}: ${(err as Error).message}`);
  }
  const parsed = McpGatewayConfig.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `the config ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export async function runMcp(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    args = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    log(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [command, ...commandArgs] = args.positionals;
  if (!command) {
    log(`give the downstream server's command after --\n\n${HELP}`);
    return 2;
  }
  const wait = args.values.wait === undefined ? undefined : Number(args.values.wait);
  if (wait !== undefined && !(wait >= 0 && wait <= 3600)) {
    log(`--wait must be a number of seconds from 0 to 3600, got ${JSON.stringify(args.values.wait)}`);
    return 2;
  }
  try {
    const file = readConfig(args.values.config);
    const config: McpGatewayConfig = {
      ...file,
      ...(args.values.prefix !== undefined ? { prefix: args.values.prefix } : {}),
      ...(args.values.name ? { server: args.values.name } : {}),
      ...(wait !== undefined ? { waitSeconds: wait } : {}),
    };
    const conn = resolveConnection(connectionFlags(args.values), file);
    const mapping = new McpMapping(config.server ?? guessServerName(command, commandArgs), config);
    const guard = adapterGuard(conn, {
      account: config.account ?? 'default',
      workflow: config.workflow ?? `mcp.${mapping.server}`,
      onEvent: (event) => {
        if (event.type === 'waiting')
          log(
            `${event.action.tool} waits for approval ${event.approvalId} (code ${event.shortCode}) until ${event.expiresAt}`,
          );
        if (event.type === 'decided') log(`approval ${event.approvalId}: ${event.outcome}`);
      },
    });
    const closed = new Promise<number>((resolve) => {
      const gateway = new McpGateway({
        guard,
        mapping,
        endpoint: conn.endpoint,
        waitMs: (config.waitSeconds ?? 50) * 1000,
        progressIntervalMs: (config.progressIntervalSeconds ?? 5) * 1000,
        downstreamTimeoutMs: (config.downstreamTimeoutSeconds ?? 600) * 1000,
        log,
        onClosed: resolve,
      });
      gateway
        .start({ command, args: commandArgs, withhold: [conn.apiKeyEnv] }, new StdioServerTransport())
        .catch((err) => {
          log((err as Error).message);
          void gateway.close(1);
        });
      process.once('SIGTERM', () => void gateway.close(0));
      process.once('SIGINT', () => void gateway.close(0));
    });
    return await closed;
  } catch (err) {
    log((err as Error).message);
    return 1;
  }
}
