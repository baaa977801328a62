/**
 * A whole HESO world for adapter tests, every part real: a control plane over HTTP, a team
 * with a policy, an approver engine (in-memory key store) whose key the admin activated and
 * the operator pinned, a second pinned test approver whose secret the test holds (to build
 * hostile co-signatures), and an operator data dir. Adapters run as the real `heso` CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import type { ApproverEngine } from '../../src/approver/engine.ts';
import { InMemoryKeyStore } from '../../src/approver/key-store.ts';
import type { PolicyDocument } from '../../src/core/schemas.ts';
import { loadOperatorKey, TrustStore } from '../../src/sdk/index.ts';
import { makeEngine, nextEvent, tempDir } from '../approver/helpers.ts';
import { makeApprover, makeDataDir, makeTeam, type TestApprover, type TestTeam } from '../sdk/helpers.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HESO_BIN = `${REPO_ROOT}bin/heso.mjs`;
export const FILESYSTEM_SERVER = `${REPO_ROOT}node_modules/@modelcontextprotocol/server-filesystem/dist/index.js`;
export const EVERYTHING_SERVER = `${REPO_ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;

export const ADAPTER_POLICY: PolicyDocument = {
  version: 'adapters-1',
  defaultVerdict: 'allow',
  rules: [
    { id: 'fs-writes-need-a-human', verdict: 'suspend', match: { tool: 'mcp.filesystem.write_file' } },
    { id: 'no-moves', verdict: 'block', match: { tool: 'mcp.filesystem.move_file' } },
    {
      id: 'long-ops-need-a-human',
      verdict: 'suspend',
      match: { tool: 'mcp.everything.trigger-long-running-operation' },
      when: ['duration > 5'],
    },
    {
      id: 'no-rm',
      verdict: 'block',
      match: { tool: ['claude-code.Bash', 'shell.rm'] },
      when: ['command contains "rm -rf"'],
    },
    { id: 'deploys-need-a-human', verdict: 'suspend', match: { tool: ['deploy.*', 'claude-code.Write'] } },
    { id: 'no-drops', verdict: 'block', match: { tool: 'db.drop' } },
  ],
};

/** The workflows the adapters stamp by default (the tests' servers are named filesystem and everything). */
const ADAPTER_WORKFLOWS = ['mcp.filesystem', 'mcp.everything', 'claude-code', 'heso-exec'];

export interface World {
  cloud: CloudHandle;
  team: TestTeam;
  dataDir: string;
  engine: ApproverEngine;
  /** Pinned and active; its secret is here for crafting hostile co-signatures. */
  approver: TestApprover;
  /** Active on the server, never pinned by the operator. */
  stranger: TestApprover;
  /** Environment for a `heso` adapter process pointed at `endpoint` (default the real cloud). */
  env(endpoint?: string): NodeJS.ProcessEnv;
  /** The engine approves (or denies) the next item it sees that matches. */
  decideNext(
    decision: 'approve' | 'deny',
    reason?: string,
    match?: (item: PendingItem) => boolean,
  ): Promise<PendingItem>;
  cleanup(): Promise<void>;
}

export async function makeWorld(cloud: CloudHandle, policy: PolicyDocument = ADAPTER_POLICY): Promise<World> {
  const team = await makeTeam(cloud, policy);
  const { dataDir, cleanup: cleanData } = makeDataDir();
  const dir = tempDir('heso-adapters-engine-');
  const engine = makeEngine(dir.path, { keyStore: new InMemoryKeyStore() });
  const profile = await engine.initProfile({
    endpoint: cloud.url,
    teamId: team.teamId,
    apiKey: team.apiKey,
    displayName: 'Dana Approver',
  });
  await cloud.admin.activateApprover(team.teamId, profile.keyId);
  // The approver pins the operator's key for the adapters' workflows, as an admin does up front.
  await engine.trustOperator({
    publicKey: loadOperatorKey(dataDir).publicKey,
    workflows: ADAPTER_WORKFLOWS,
    profile: profile.name,
  });
  await engine.start(profile.name);
  const approver = await makeApprover(cloud, team, 'Test approver');
  const stranger = await makeApprover(cloud, team, 'Unpinned stranger');
  const trust = new TrustStore(dataDir);
  trust.add(profile.publicKey, { name: 'Dana Approver' });
  trust.add(approver.publicKey, { name: 'Test approver' });
  return {
    cloud,
    team,
    dataDir,
    engine,
    approver,
    stranger,
    env: (endpoint = cloud.url) => ({
      ...process.env,
      HESO_ENDPOINT: endpoint,
      HESO_TEAM: team.teamId,
      HESO_API_KEY: team.apiKey,
      HESO_DATA_DIR: dataDir,
    }),
    async decideNext(decision, reason, match = () => true) {
      const item = await nextEvent<PendingItem>((l) => engine.on('added', l), match, 30_000);
      const outcome = await engine.decide({
        approvalId: item.approval.id,
        decision,
        ...(reason ? { reason } : {}),
        reviewed: reviewedOf(item),
      });
      if (outcome.status !== 'accepted') throw new Error(`decision not accepted: ${outcome.message}`);
      return item;
    },
    async cleanup() {
      await engine.stop();
      cleanData();
      dir.cleanup();
    },
  };
}

export interface Gateway {
  client: Client;
  /** What `heso mcp` wrote on stderr so far. */
  stderr: () => string;
  close(): Promise<void>;
}

/** The official SDK client connected to `heso mcp [args] -- node DOWNSTREAM…` (a child process). */
export async function connectGateway(
  world: World,
  downstream: string[],
  opts: { endpoint?: string; args?: string[] } = {},
): Promise<Gateway> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [HESO_BIN, 'mcp', ...(opts.args ?? []), '--', process.execPath, ...downstream],
    env: world.env(opts.endpoint) as Record<string, string>,
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const client = new Client({ name: 'heso-test-client', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** What a gateway suite's tests use; filled in by its `before` hook. */
export class GatewaySuite {
  cloud!: CloudHandle;
  world!: World;
  /** A temp dir (real path) for the downstream server to work in. */
  dir!: string;
  gw!: Gateway;
  /** The hostile proxy between the gateway and the cloud, when asked for. */
  proxy: HostileProxy | null = null;
}

/**
 * Registers the suite's hooks: a real cloud and world, a temp dir, and `heso mcp ARGS --
 * node DOWNSTREAM…` connected to the SDK client (through a hostile proxy when `hostile`).
 */
export function gatewaySuite(opts: {
  downstream: (dir: string) => string[];
  args: (dir: string) => string[];
  hostile?: boolean;
}): GatewaySuite {
  const suite = new GatewaySuite();
  before(async () => {
    suite.cloud = await startCloud();
    suite.world = await makeWorld(suite.cloud);
    suite.dir = realpathSync(mkdtempSync(join(tmpdir(), 'heso-mcp-test-')));
    suite.proxy = opts.hostile ? await startHostileProxy(suite.cloud.url) : null;
    suite.gw = await connectGateway(suite.world, opts.downstream(suite.dir), {
      args: opts.args(suite.dir),
      ...(suite.proxy ? { endpoint: suite.proxy.url } : {}),
    });
  });
  after(async () => {
    await suite.gw?.close();
    await suite.world?.cleanup();
    await suite.proxy?.stop();
    await suite.cloud?.stop();
    if (suite.dir) rmSync(suite.dir, { recursive: true, force: true });
  });
  return suite;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/heso.mjs ARGS` with `input` on stdin; resolves when it exits. */
export function runHeso(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; input?: string; cwd?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HESO_BIN, ...args], {
      env: opts.env,
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
