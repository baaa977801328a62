/**
 * How an MCP `tools/call` becomes a HESO action, configurable per server and per tool:
 *
 *   tool id    `mcp.<server>.<tool>` unless the tool's mapping names one
 *   account    the tool's, else the server's, else `default`
 *   workflow   the tool's, else the server's, else `mcp.<server>`
 *   params     every argument (default), or only the arguments named in `pick` plus
 *              `argumentsHash`, the SHA-256 of the canonical full arguments, so the
 *              approver's co-signature still binds exactly what will be forwarded.
 */
import { z } from 'zod';
import { canonicalize } from '../core/canonical.ts';
import { computeActionHash } from '../core/crypto.ts';
import { type Action, Id, type JsonObject } from '../core/schemas.ts';
import { type ActionInput, HesoError } from '../sdk/index.ts';
import { ConnectionConfig } from './connection.ts';

/** Tool, account, workflow and server names become parts of an Action: the protocol's identifier rule. */
const Name = Id;

const ParamsMapping = z.union([z.literal('all'), z.strictObject({ pick: z.array(z.string().min(1)).min(1) })]);

export const ToolMapping = z.strictObject({
  /** The HESO tool id policies match on. Default `mcp.<server>.<tool>`. */
  tool: Name.optional(),
  account: Name.optional(),
  workflow: Name.optional(),
  params: ParamsMapping.optional(),
});
export type ToolMapping = z.infer<typeof ToolMapping>;

/** The `heso mcp --config FILE` document. */
export const McpGatewayConfig = z.strictObject({
  ...ConnectionConfig.shape,
  /** The server's name in tool ids (`mcp.<server>.<tool>`). Default: guessed from the command. */
  server: Name.optional(),
  /** Prefix added to every tool name the client sees (e.g. `fs_`). Default none. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/)
    .optional(),
  account: Name.optional(),
  workflow: Name.optional(),
  params: ParamsMapping.optional(),
  /** Seconds one `tools/call` waits for a decision before answering "pending". Default 50. */
  waitSeconds: z.number().min(0).max(3600).optional(),
  /** Seconds between progress notifications while waiting. Default 5. */
  progressIntervalSeconds: z.number().min(0.1).max(600).optional(),
  /** Seconds a forwarded call may take downstream (progress resets it). Default 600. */
  downstreamTimeoutSeconds: z.number().min(1).max(86_400).optional(),
  /** Per-tool overrides, keyed by the downstream tool name (without prefix). */
  tools: z.record(z.string(), ToolMapping).optional(),
});
export type McpGatewayConfig = z.infer<typeof McpGatewayConfig>;

const INTERPRETERS = new Set([
  'node',
  'npx',
  'bunx',
  'bun',
  'deno',
  'uvx',
  'uv',
  'python',
  'python3',
  'pipx',
  'docker',
]);

/** A server name from the command line: `server-filesystem` → `filesystem`, else the program's name. */
export function guessServerName(command: string, args: readonly string[]): string {
  for (const word of [command, ...args]) {
    const match = /(?:mcp-)?server-([A-Za-z0-9_-]+)|([A-Za-z0-9_-]+)-mcp(?:-server)?\b/.exec(word);
    if (match) return (match[1] ?? match[2])!.toLowerCase();
  }
  const program = (command.split(/[\\/]/).pop() ?? command).replace(/\.[A-Za-z]+$/, '');
  const named = INTERPRETERS.has(program) ? args.find((a) => !a.startsWith('-')) : program;
  const base = (named ?? 'server').split(/[\\/]/).pop() ?? 'server';
  return base.replace(/[^A-Za-z0-9_-]/g, '-').toLowerCase() || 'server';
}

export class McpMapping {
  readonly server: string;
  readonly prefix: string;
  readonly #config: McpGatewayConfig;

  constructor(server: string, config: McpGatewayConfig) {
    this.server = server;
    this.prefix = config.prefix ?? '';
    this.#config = config;
  }

  /** The name the client sees for a downstream tool. */
  exposed(name: string): string {
    return this.prefix + name;
  }

  /** The downstream tool behind a name the client called, or null when it is not one of ours. */
  downstream(exposed: string): string | null {
    return exposed.startsWith(this.prefix) ? exposed.slice(this.prefix.length) : null;
  }

  #for(tool: string): ToolMapping {
    const tools = this.#config.tools ?? {};
    return Object.hasOwn(tools, tool) ? tools[tool]! : {};
  }

  /** The action HESO evaluates and signs for this call. */
  action(tool: string, args: JsonObject): ActionInput {
    const m = this.#for(tool);
    const params = m.params ?? this.#config.params ?? 'all';
    return {
      tool: m.tool ?? `mcp.${this.server}.${tool.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
      account: m.account ?? this.#config.account ?? 'default',
      workflow: m.workflow ?? this.#config.workflow ?? `mcp.${this.server}`,
      params: params === 'all' ? args : picked(args, params.pick),
      summary: `MCP tool ${tool} on server ${this.server}`,
    };
  }

  /**
   * The arguments to forward after a verified approval: exactly those in the co-signed action
   * (all of them), or, with `pick`, the held arguments once their hash matches the signed one.
   */
  approvedArguments(tool: string, approved: Action, held: JsonObject): JsonObject {
    const params = this.#for(tool).params ?? this.#config.params ?? 'all';
    if (params === 'all') return approved.params;
    if (approved.params.argumentsHash !== computeActionHash(held))
      throw new HesoError('cosignature_rejected', 'the approved action does not cover these arguments; not forwarded');
    return held;
  }
}

function picked(args: JsonObject, names: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const name of names) if (Object.hasOwn(args, name)) out[name] = args[name]!;
  out.argumentsHash = computeActionHash(args);
  return out;
}

/** One key per (tool, exact arguments): how a repeated call finds the approval it may resume. */
export function callKey(exposedName: string, args: JsonObject): string {
  return `${exposedName}\u0000${canonicalize(args)}`;
}
