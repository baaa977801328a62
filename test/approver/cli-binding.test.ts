/**
 * `heso-approver approve` shows the item, asks for confirmation, then signs: it must sign
 * the action it showed. Here a control plane (a proxy in front of the real one) serves the
 * approval honestly the first time and another validly signed action under the same id
 * afterwards; the CLI must refuse rather than sign the substitute. A rule asking for the typed
 * code is honoured too: `--yes` never stands in for it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { b64url } from '../../src/core/encoding.ts';
import { buildReceipt } from '../../src/core/statements.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { AGENT_WORKFLOW, KEYRING_SKIP, makeAgent, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));

function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/** Forwards to `upstream`; after the first GET of `swap.id`, answers with `swap.with` under that id. */
async function startSwappingProxy(upstream: string) {
  const state = { swap: null as { id: string; with: Approval } | null, gets: 0, decisionPosts: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      if (req.method === 'POST' && path.endsWith('/decision')) state.decisionPosts += 1;
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      const upstreamRes = await fetch(new URL(path, upstream), {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      let body = Buffer.from(await upstreamRes.arrayBuffer());
      const swap = state.swap;
      if (req.method === 'GET' && swap && new URL(path, upstream).pathname.endsWith(`/approvals/${swap.id}`)) {
        state.gets += 1;
        if (state.gets > 1) body = Buffer.from(JSON.stringify({ ...swap.with, id: swap.id }));
      }
      res.writeHead(upstreamRes.status, {
        'content-type': upstreamRes.headers.get('content-type') ?? 'application/json',
        connection: 'close',
      });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

test('approve refuses to sign an action other than the one it showed', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir('heso-approver-cli-binding-');
  const proxy = await startSwappingProxy(cloud.url);
  const g = ['--config-dir', join(dir.path, 'config')];
  try {
    const init = await cli(
      [...g, 'init', '--endpoint', proxy.url, '--team', teamId, '--name', 'Dee', '--json'],
      `${apiKey}\n`,
    );
    assert.equal(init.code, 0, init.stdout + init.stderr);
    await cloud.admin.activateApprover(teamId, JSON.parse(init.stdout).profile.keyId);
    const agent = makeAgent(cloud, teamId, apiKey);
    // The admin pins the agent's operator key for its workflow up front.
    const pinned = await cli([...g, 'trust', 'add-operator', agent.operatorPublicKey, '--workflow', AGENT_WORKFLOW]);
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    const shown = await agent.open({ amount: 300 });
    const substitute = await agent.open({ amount: 99_999, iban: 'XX00 ATTACKER' });
    proxy.state.swap = { id: shown.id, with: substitute };

    const approve = await cli([...g, 'approve', shown.id, '--yes', '--json']);
    assert.equal(proxy.state.gets >= 2, true, 'the CLI looked the approval up again before signing');
    assert.equal(proxy.state.decisionPosts, 0, 'nothing signed for the substitute was sent');
    assert.notEqual(approve.code, 0);
    assert.equal(JSON.parse(approve.stdout).outcome.status, 'refused');
    assert.match(JSON.parse(approve.stdout).outcome.message, /changed/);
    assert.equal((await agent.poll(shown.id)).status, 'pending');
  } finally {
    await cli([...g, 'profile', 'remove', teamId, '--yes']).catch(() => undefined);
    await proxy.stop();
    dir.cleanup();
  }
});

// A rule that asks for the short code to be typed (`confirm: typed-code` in the operator-signed
// receipt): `--yes` cannot stand in for typing it, and nothing is signed.
test('approve --yes is refused when the rule asks for the typed code; nothing is signed', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir('heso-approver-cli-typed-code-');
  const g = ['--config-dir', join(dir.path, 'config')];
  try {
    const init = await cli(
      [...g, 'init', '--endpoint', cloud.url, '--team', teamId, '--name', 'Dee', '--json'],
      `${apiKey}\n`,
    );
    assert.equal(init.code, 0, init.stdout + init.stderr);
    await cloud.admin.activateApprover(teamId, JSON.parse(init.stdout).profile.keyId);
    const operator = generateKeyPair();
    const pinned = await cli([
      ...g,
      'trust',
      'add-operator',
      b64url.encode(operator.publicKey),
      '--workflow',
      'release-bot',
    ]);
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
    const receipt = buildReceipt(
      {
        teamId,
        action: {
          tool: 'deploy.production',
          params: { service: 'billing', version: '4.2.0' },
          account: 'prod-eu-1',
          workflow: 'release-bot',
          capturedAt: new Date().toISOString(),
        },
        verdict: 'suspend',
        policy: { version: 'demo-1', ruleId: 'prod-deploys' },
        confirm: 'typed-code',
      },
      operator.secretKey,
    );
    const approval = await client.openApproval(teamId, { receipt, expiresInSeconds: 600 });

    const approve = await cli([...g, 'approve', approval.id, '--yes', '--json']);
    assert.equal(approve.code, 2, approve.stdout + approve.stderr);
    assert.match(approve.stdout + approve.stderr, /type the confirmation code/);
    assert.equal((await client.getApproval(teamId, approval.id)).status, 'pending');
  } finally {
    await cli([...g, 'profile', 'remove', teamId, '--yes']).catch(() => undefined);
    dir.cleanup();
  }
});
