/**
 * `npm run demo:mcp`: one MCP tool call held for a human and approved, end to end, in the
 * terminal. Every part is real and local: a control plane (temp database, free port), an
 * approver engine (in-memory key store, so no keychain is needed), an operator data dir with
 * the approver pinned, and an MCP client talking to `heso mcp` in front of the official
 * filesystem server on a temp directory. The last line is `demo: mcp ok` only when the file
 * was written after the approval and the co-signed receipt verifies against the pinned key.
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { PendingItem } from '../src/approver/api.ts';
import { reviewedOf } from '../src/approver/display.ts';
import { ApproverEngine } from '../src/approver/engine.ts';
import { InMemoryKeyStore } from '../src/approver/key-store.ts';
import { ControlPlaneClient } from '../src/client/index.ts';
import * as admin from '../src/cloud/admin.ts';
import { createCloudServer } from '../src/cloud/server.ts';
import { SqliteCloudStore } from '../src/cloud/sqlite-store.ts';
import { attachCosignature, verifyReceipt } from '../src/core/index.ts';
import { initDataDir, loadOperatorKey, TrustStore } from '../src/sdk/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`\n▶ ${line}`);

const POLICY = {
  version: 'demo-mcp-1',
  defaultVerdict: 'allow' as const,
  rules: [
    {
      id: 'file-writes-need-a-human',
      verdict: 'suspend' as const,
      description: 'Writing files through MCP needs a human',
      match: { tool: 'mcp.filesystem.write_file' },
    },
  ],
};

async function main(): Promise<boolean> {
  const temp = mkdtempSync(join(tmpdir(), 'heso-demo-mcp-'));
  const files = realpathSync(mkdtempSync(join(temp, 'files-')));
  const store = new SqliteCloudStore({ path: join(temp, 'cloud.db') });
  const server = createCloudServer({ store, logger: false });
  let engine: ApproverEngine | null = null;
  let client: Client | null = null;
  try {
    step('Control plane on 127.0.0.1, a team, an API key, and a policy: write_file through MCP needs a human');
    const endpoint = (await server.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
    const team = await admin.createTeam(store, 'MCP demo');
    const { apiKey } = await admin.createApiKey(store, team.id, 'admin'); // the demo plays every part
    await admin.setPolicy(store, team.id, POLICY);
    say(`  ${endpoint}, team ${team.id}`);

    step('An approver (Dana) enrols a key; the admin activates it; the operator pins it');
    engine = new ApproverEngine({
      configDir: join(temp, 'approver-config'),
      dataDir: join(temp, 'approver-data'),
      keyStore: new InMemoryKeyStore(),
      pollWaitSeconds: 5,
    });
    const profile = await engine.initProfile({ endpoint, teamId: team.id, apiKey, displayName: 'Dana' });
    await admin.activateApprover(store, team.id, profile.keyId);
    const dataDir = join(temp, '.heso');
    initDataDir(dataDir, { gitignore: false });
    new TrustStore(dataDir).add(profile.publicKey, { name: 'Dana' });
    const operator = loadOperatorKey(dataDir);
    await engine.trustOperator({ publicKey: operator.publicKey, workflows: ['mcp.filesystem'], profile: profile.name });
    say(`  approver fingerprint ${profile.fingerprint}; Dana pins the operator key ${operator.fingerprint}`);
    await engine.start(profile.name);

    step('An MCP client starts `heso mcp -- mcp-server-filesystem DIR` and asks to write a file');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        join(ROOT, 'bin', 'heso.mjs'),
        'mcp',
        '--name',
        'filesystem',
        '--wait',
        '60',
        '--',
        process.execPath,
        join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js'),
        files,
      ],
      env: {
        ...process.env,
        HESO_ENDPOINT: endpoint,
        HESO_TEAM: team.id,
        HESO_API_KEY: apiKey,
        HESO_DATA_DIR: dataDir,
      } as Record<string, string>,
      stderr: 'ignore',
    });
    client = new Client({ name: 'demo-agent', version: '1' });
    await client.connect(transport);
    const target = join(files, 'release-notes.md');
    const content = '# 1.4.0\n\n- Faster refunds\n';

    let writtenBeforeApproval = true;
    const approverSide = new Promise<PendingItem>((resolve) => {
      engine!.on('added', async (item) => {
        const action = item.approval.receipt.statement.action;
        say(`  Dana's queue: ${action.tool} ${JSON.stringify(action.params)} (code ${item.shortCode})`);
        writtenBeforeApproval = existsSync(target);
        say(`  file exists before the decision? ${writtenBeforeApproval ? 'yes (wrong!)' : 'no'}`);
        say('  Dana compares the code with the agent and approves: signed on her device');
        const outcome = await engine!.decide({
          approvalId: item.approval.id,
          decision: 'approve',
          reviewed: reviewedOf(item),
        });
        say(`  decision: ${outcome.status}${outcome.status === 'accepted' ? '' : ` (${outcome.message})`}`);
        resolve(item);
      });
    });
    const result = (await client.callTool({ name: 'write_file', arguments: { path: target, content } }, undefined, {
      onprogress: (p) => say(`  progress: ${p.message ?? p.progress}`),
    })) as CallToolResult;
    const item = await approverSide;
    say(
      `  tool result: ${result.isError ? 'ERROR ' : ''}${result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')}`,
    );

    step('Checking: the file, and the co-signed receipt against the pinned approver key (no server trusted)');
    const written = existsSync(target) && readFileSync(target, 'utf8') === content;
    const approval = await new ControlPlaneClient({ endpoint, apiKey }).getApproval(team.id, item.approval.id);
    const cosigned = approval.cosignature
      ? attachCosignature(approval.receipt, approval.cosignature)
      : approval.receipt;
    const trust = new TrustStore(dataDir).trustSet({ operatorKeys: [operator.publicKey] });
    const verified = verifyReceipt(cosigned, trust, {});
    say(`  file written with exactly the approved content: ${written ? 'yes' : 'no'}`);
    say(
      `  receipt verifies (operator + Dana's co-signature, verdict ${verified.verdict}): ${verified.ok ? 'yes' : `no: ${verified.reasons.map((r) => r.message).join('; ')}`}`,
    );
    return !result.isError && written && !writtenBeforeApproval && verified.ok && verified.verdict === 'allow';
  } finally {
    await client?.close().catch(() => undefined);
    await engine?.stop().catch(() => undefined);
    await server.close();
    await store.close();
    rmSync(temp, { recursive: true, force: true });
  }
}

const ok = await main().catch((err) => {
  process.stderr.write(`demo: mcp failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return false;
});
if (ok) say('demo: mcp ok');
process.exitCode = ok ? 0 : 1;
