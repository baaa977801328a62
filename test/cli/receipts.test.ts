/**
 * `heso receipts export | heso verify` round trip against a real control plane, the SDK's local
 * copy (`--local`), `heso receipts get`, and a hostile control plane caught by the CLI or by verify.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Receipt } from '../../src/core/index.ts';
import { createCloud, createGuard, HesoBlockedError, TrustStore } from '../../src/sdk/index.ts';
import { makeApprover, makeDataDir, makeTeam, type TestTeam } from '../sdk/helpers.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'heso.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function heso(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

describe('heso receipts', () => {
  let cloud: CloudHandle;
  let team: TestTeam;
  let dataDir: string;
  let cleanup: () => void;
  let proxy: HostileProxy;
  let approvedId: string;
  const env = () => ({ HESO_API_KEY: team.apiKey, HESO_TEAM: team.teamId });
  const trustFile = () => join(dataDir, 'trusted-approvers.json');

  before(async () => {
    cloud = await startCloud();
    team = await makeTeam(cloud);
    const approver = await makeApprover(cloud, team, 'Pia');
    ({ dataDir, cleanup } = makeDataDir());
    new TrustStore(dataDir).add(approver.publicKey, { name: 'Pia' });
    const approverWork: Promise<unknown>[] = [];
    const guard = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'acct-1',
      workflow: 'refund-bot',
      cloud: createCloud(team.apiKey, cloud.url),
      // Pushed explicitly below: closing a guard while its background push runs can hang (issue 9, another branch).
      autoPush: false,
      onEvent: (e) => {
        if (e.type === 'waiting')
          approverWork.push(
            team.client.getApproval(team.teamId, e.approvalId).then((a) => approver.decide(a, 'approve')),
          );
      },
    });
    try {
      await guard.run({ tool: 'payments.refund', params: { amount: 20 } }, () => 'ran');
      await assert.rejects(
        guard.run({ tool: 'db.delete', account: 'prod-eu', params: { table: 't' } }, () => 'no'),
        HesoBlockedError,
      );
      const ctx = await guard.authorize({ tool: 'payments.refund', params: { amount: 900 } });
      approvedId = ctx.receipt.statement.receiptId;
      await Promise.all(approverWork);
      await guard.outbox.drain({ timeoutMs: 10_000 });
    } finally {
      await guard.close();
    }
    assert.equal(guard.outbox.pending().length, 0, 'every receipt was pushed');
    proxy = await startHostileProxy(cloud.url);
  });
  after(async () => {
    await proxy.stop();
    await cloud.stop();
    cleanup();
  });

  test('export | verify: every receipt of the run is valid, the approved one co-signed', async () => {
    const exported = await heso(['receipts', 'export', '--since', '1h', '--endpoint', cloud.url], { env: env() });
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /exported 3 receipt/);
    const lines = exported.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Receipt);
    assert.equal(lines.find((r) => r.statement.receiptId === approvedId)?.cosignature?.statement.decision, 'approve');
    const verified = await heso(['verify', '-', '--trust', trustFile(), '--json'], { input: exported.stdout });
    assert.equal(verified.code, 0, verified.stdout);
    const report = JSON.parse(verified.stdout);
    assert.deepEqual(report.summary, { receipts: 3, valid: 3, invalid: 0, allowed: 2, blocked: 1, suspended: 0 });
  });

  test('--local exports the copy the SDK kept after pushing (no network), same receipts', async () => {
    const local = await heso(['receipts', 'export', '--local', '--data-dir', dataDir]);
    assert.equal(local.code, 0, local.stderr);
    const ids = local.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as Receipt).statement.receiptId);
    assert.equal(ids.length, 3);
    assert.ok(ids.includes(approvedId));
  });

  test('get ID > receipt.json verifies as allowed; a control plane answering another receipt is refused', async () => {
    const got = await heso(['receipts', 'get', approvedId, '--endpoint', cloud.url], { env: env() });
    assert.equal(got.code, 0, got.stderr);
    const verified = await heso(['verify', '-', '--trust', trustFile()], { input: got.stdout });
    assert.equal(verified.code, 0, verified.stdout);
    assert.match(verified.stdout, /VALID and ALLOWED/);

    const others = (await team.client.listReceipts(team.teamId)).receipts.filter(
      (r) => r.receipt.statement.receiptId !== approvedId,
    );
    proxy.rewrite((req, res) => (req.path.endsWith(approvedId) ? { ...res, body: others[0] } : res));
    const swapped = await heso(['receipts', 'get', approvedId, '--endpoint', proxy.url], { env: env() });
    proxy.reset();
    assert.equal(swapped.code, 1);
    assert.match(swapped.stderr, /when asked for receipt/);
    assert.equal(swapped.stdout, '');
  });

  test('a control plane that tampers with an exported receipt is caught by heso verify', async () => {
    proxy.rewrite((_req, res) => {
      const body = structuredClone(res.body) as { receipts: { receipt: Receipt }[] };
      const hit = body.receipts.find((r) => r.receipt.statement.receiptId === approvedId);
      if (hit) hit.receipt.statement.action.params = { amount: 9 };
      return { ...res, body };
    });
    const exported = await heso(['receipts', 'export', '--endpoint', proxy.url], { env: env() });
    proxy.reset();
    assert.equal(exported.code, 0, exported.stderr);
    const verified = await heso(['verify', '-', '--trust', trustFile(), '--json'], { input: exported.stdout });
    assert.equal(verified.code, 1);
    const report = JSON.parse(verified.stdout);
    assert.equal(report.summary.invalid, 1);
    const bad = report.receipts.find((r: { valid: boolean }) => !r.valid);
    assert.equal(bad.receiptId, approvedId);
  });
});
