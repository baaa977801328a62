/**
 * `heso mcp`: an MCP server (to the agent) in front of a downstream MCP server (a child
 * process), built on the official TypeScript SDK. Tools pass through with their names
 * (optionally prefixed), schemas and annotations; every `tools/call` goes through the HESO
 * guard first. Resources, prompts, completions and logging pass through untouched.
 *
 *   allow    → forwarded as called
 *   block    → tool error naming the rule
 *   suspend  → approval opened, progress while waiting, forwarded with exactly the approved
 *              arguments once a trusted co-signature verifies here
 *   denied   → tool error with the approver's reason
 *   pending  → after `waitSeconds`, a tool error saying so; the same call again resumes it
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
  McpError,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { JsonObject } from '../core/schemas.ts';
import type { Guard, GuardContext, PendingApproval, WaitOptions } from '../sdk/index.ts';
import { callKey, type McpMapping } from './mcp-mapping.ts';
import { relayPassThrough } from './mcp-passthrough.ts';
import { CallProgress, type ProgressParams } from './mcp-progress.ts';
import { type Refusal, refusalOf } from './outcome.ts';

/** The MCP revision this gateway is written and tested against (the SDK's latest; older ones are negotiated). */
export const MCP_PROTOCOL_VERSION = '2025-11-25';
if (LATEST_PROTOCOL_VERSION !== MCP_PROTOCOL_VERSION)
  process.emitWarning(
    `heso mcp was tested with MCP ${MCP_PROTOCOL_VERSION}; the SDK now speaks ${LATEST_PROTOCOL_VERSION}`,
  );

/** Where HESO puts its outcome in a refused tool result, for programs (people read the text). */
export const GATE_META_KEY = 'heso.dev/gate';

export interface DownstreamCommand {
  command: string;
  args: string[];
  /** Environment variables never handed to the downstream server (the HESO API key). */
  withhold: string[];
}

export interface McpGatewayOptions {
  guard: Guard;
  mapping: McpMapping;
  endpoint: string;
  waitMs: number;
  progressIntervalMs: number;
  downstreamTimeoutMs: number;
  /** One line for the operator (stderr: stdout is the protocol). */
  log: (line: string) => void;
  /** Called once, when the gateway has shut down (client gone or downstream exited). */
  onClosed: (exitCode: number) => void;
}

type CallExtra = {
  signal: AbortSignal;
  sendNotification: (n: { method: 'notifications/progress'; params: ProgressParams }) => Promise<void>;
};

export class McpGateway {
  readonly #opts: McpGatewayOptions;
  readonly #client = new Client({ name: 'heso-mcp-gateway', version: '1' }, { capabilities: {} });
  #server: Server | null = null;
  /** Approvals whose wait ended undecided, by (tool, exact arguments): resumed, never reopened. */
  readonly #pending = new Map<string, PendingApproval>();
  /** Calls under way, by the same key: an identical concurrent call shares the outcome (runs once). */
  readonly #inflight = new Map<string, Promise<CallToolResult>>();
  readonly #stopping = new AbortController();
  #downstreamGone: string | null = null;
  #closed = false;

  constructor(opts: McpGatewayOptions) {
    this.#opts = opts;
  }

  /** Starts the downstream server, then serves the client on `upstream`. */
  async start(downstream: DownstreamCommand, upstream: Transport): Promise<void> {
    const env = { ...getDefaultEnvironment(), ...stringEnv(process.env) };
    for (const name of downstream.withhold) delete env[name];
    const transport = new StdioClientTransport({
      command: downstream.command,
      args: downstream.args,
      env,
      stderr: 'inherit',
    });
    this.#client.onclose = () => this.#onDownstreamGone();
    try {
      await this.#client.connect(transport);
    } catch (err) {
      throw new Error(`could not start the downstream MCP server (${downstream.command}): ${messageOf(err)}`);
    }
    this.#opts.log(`downstream "${this.#opts.mapping.server}" started (pid ${transport.pid ?? '?'})`);
    const caps = this.#client.getServerCapabilities() ?? {};
    const instructions = this.#client.getInstructions();
    const server = new Server(
      { name: `heso-mcp-gateway (${this.#opts.mapping.server})`, version: '1' },
      {
        capabilities: {
          tools: { listChanged: true },
          ...(caps.resources ? { resources: caps.resources } : {}),
          ...(caps.prompts ? { prompts: caps.prompts } : {}),
          ...(caps.completions ? { completions: caps.completions } : {}),
          ...(caps.logging ? { logging: caps.logging } : {}),
        },
        ...(instructions ? { instructions } : {}),
      },
    );
    this.#server = server;
    server.setRequestHandler(ListToolsRequestSchema, async (req, extra) => {
      this.#assertDownstream();
      const res = await this.#client.listTools(req.params, { signal: extra.signal });
      return { ...res, tools: res.tools.map((t) => ({ ...t, name: this.#opts.mapping.exposed(t.name) })) };
    });
    server.setRequestHandler(CallToolRequestSchema, (req, extra) => this.#callTool(req, extra));
    this.#client.setNotificationHandler(ToolListChangedNotificationSchema, () => server.sendToolListChanged());
    relayPassThrough(this.#client, server, caps);
    server.onclose = () => void this.close(0);
    await server.connect(upstream);
  }

  #assertDownstream(): void {
    if (this.#downstreamGone) throw new McpError(ErrorCode.InternalError, this.#downstreamGone);
  }

  #callTool(req: CallToolRequest, extra: CallExtra): Promise<CallToolResult> {
    const exposed = req.params.name;
    const tool = this.#opts.mapping.downstream(exposed);
    if (tool === null) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${exposed}`);
    if (this.#downstreamGone) return Promise.resolve(errorResult(this.#downstreamGone));
    const args = (req.params.arguments ?? {}) as JsonObject;
    const key = callKey(exposed, args);
    const joined = this.#inflight.get(key);
    if (joined) return joined;
    const progress = new CallProgress(
      (params) => extra.sendNotification({ method: 'notifications/progress', params }),
      req.params._meta?.progressToken,
      this.#opts.progressIntervalMs,
    );
    const call = this.#gateAndForward(tool, args, key, extra.signal, progress).finally(() => {
      progress.stop();
      this.#inflight.delete(key);
      if (this.#downstreamGone && this.#inflight.size === 0) this.#closeSoon(1);
    });
    this.#inflight.set(key, call);
    return call;
  }

  async #gateAndForward(
    tool: string,
    args: JsonObject,
    key: string,
    clientSignal: AbortSignal,
    progress: CallProgress,
  ): Promise<CallToolResult> {
    const wait: WaitOptions = {
      timeoutMs: this.#opts.waitMs,
      signal: AbortSignal.any([clientSignal, this.#stopping.signal]),
      onWaiting: (pending) => {
        this.#pending.set(key, pending);
        progress.waiting(pending);
      },
    };
    let ctx: GuardContext;
    try {
      const pending = this.#livePending(key);
      ctx = pending
        ? await this.#opts.guard.resume(pending, wait)
        : await this.#opts.guard.authorize(this.#opts.mapping.action(tool, args), wait);
    } catch (err) {
      if (this.#downstreamGone) return errorResult(this.#downstreamGone);
      const refusal = refusalOf(err, this.#opts.endpoint);
      if (refusal.kind !== 'pending') this.#pending.delete(key);
      return refusalResult(refusal, this.#pending.get(key));
    } finally {
      progress.stop();
    }
    this.#pending.delete(key);
    let forwarded: JsonObject;
    try {
      forwarded = ctx.approvalId
        ? this.#opts.mapping.approvedArguments(tool, ctx.receipt.statement.action, args)
        : args;
    } catch (err) {
      return refusalResult(refusalOf(err, this.#opts.endpoint));
    }
    return this.#forward(tool, forwarded, clientSignal, progress);
  }

  #livePending(key: string): PendingApproval | null {
    const pending = this.#pending.get(key);
    if (pending && Date.parse(pending.expiresAt) > Date.now()) return pending;
    this.#pending.delete(key);
    return null;
  }

  async #forward(tool: string, args: JsonObject, signal: AbortSignal, progress: CallProgress): Promise<CallToolResult> {
    if (this.#downstreamGone) return errorResult(this.#downstreamGone);
    try {
      const result = await this.#client.callTool({ name: tool, arguments: args }, CallToolResultSchema, {
        signal,
        timeout: this.#opts.downstreamTimeoutMs,
        resetTimeoutOnProgress: true,
        onprogress: (p) => progress.downstream(p),
      });
      await progress.flushed();
      return result as CallToolResult;
    } catch (err) {
      // The downstream server's own protocol errors reach the client as they were.
      if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed && err.code !== ErrorCode.RequestTimeout)
        throw err;
      const gone = this.#downstreamGone ?? `the downstream MCP server "${this.#opts.mapping.server}" failed`;
      return errorResult(`${gone} during the call to ${tool} (${messageOf(err)}); it may have been partly carried out`);
    }
  }

  #onDownstreamGone(): void {
    if (this.#closed || this.#downstreamGone) return;
    this.#downstreamGone = `the downstream MCP server "${this.#opts.mapping.server}" exited`;
    this.#opts.log(`${this.#downstreamGone}; answering the calls under way with an error, then closing`);
    this.#stopping.abort();
    if (this.#inflight.size === 0) this.#closeSoon(1);
  }

  /** Lets the last answers reach the client before the connection closes. */
  #closeSoon(exitCode: number): void {
    setTimeout(() => void this.close(exitCode), 200).unref();
  }

  async close(exitCode = 0): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping.abort();
    await this.#client.close().catch(() => undefined);
    await this.#server?.close().catch(() => undefined);
    // Bounded: leaving must not hang on a control plane that does not answer; unsent receipts stay in the outbox.
    await Promise.race([
      this.#opts.guard.close({ drainTimeoutMs: 3000 }).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    this.#opts.onClosed(exitCode);
  }
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function refusalResult(refusal: Refusal, pending?: PendingApproval): CallToolResult {
  const text =
    refusal.kind === 'pending' && pending
      ? `HESO: this call waits for a human approval (code ${pending.shortCode}, approval ${pending.approvalId}, expires ${pending.expiresAt}). Nothing was run. Ask an approver to review it in the HESO approver app, then call this tool again with exactly the same arguments before it expires: the same approval is picked up, not reopened.`
      : refusal.message;
  return {
    isError: true,
    content: [{ type: 'text', text }],
    _meta: {
      [GATE_META_KEY]: {
        outcome: refusal.kind,
        ...(refusal.approvalId ? { approvalId: refusal.approvalId } : {}),
        ...(pending && refusal.kind === 'pending'
          ? { shortCode: pending.shortCode, expiresAt: pending.expiresAt }
          : {}),
        ...(refusal.ruleId !== undefined ? { ruleId: refusal.ruleId } : {}),
        ...(refusal.approverReason !== undefined ? { approverReason: refusal.approverReason } : {}),
      },
    },
  };
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
