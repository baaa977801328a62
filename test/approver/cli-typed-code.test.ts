/**
 * A rule that asks for the short code to be typed (`confirm: typed-code` in the operator-signed
 * receipt) is honoured by `heso-approver approve`: `--yes` cannot stand in for typing it, and
 * nothing is signed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { b64url } from '../../src/core/encoding.ts';
import { buildReceipt } from '../../src/core/statements.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));

function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

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
