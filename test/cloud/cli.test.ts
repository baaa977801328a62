import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { DEMO_POLICY, spawnCloud } from '../support/cloud.ts';
import { makeApprover } from './helpers.ts';

const CLI = fileURLToPath(new URL('../../bin/heso-cloud.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...opts.env };
    execFile(
      process.execPath,
      [CLI, ...args],
      { env, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('heso-cloud CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heso-cloud-cli-'));
  const db = join(dir, 'cloud.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('never creates an empty database by accident: says where it looked; HESO_CLOUD_DB sets the path', async () => {
    const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
    const env = { HESO_CLOUD_DB: '' };
    const [list, keys, serve] = await Promise.all([
      cli(['team', 'list'], { cwd: elsewhere, env }),
      cli(['key', 'list', '--team', 'team_x', '--db', join(elsewhere, 'typo.db')], { env }),
      cli(['serve', '--port', '0', '--db', join(elsewhere, 'typo.db')], { env }),
    ]);
    for (const r of [list, keys, serve]) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /no database at .*elsewhere-[^ ]*\/(heso-cloud|typo)\.db/);
      assert.match(r.stderr, /HESO_CLOUD_DB/);
    }
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing was created');

    const viaEnv = join(elsewhere, 'team.db');
    const created = await cli(['team', 'create', 'Env team', '--json'], { env: { HESO_CLOUD_DB: viaEnv } });
    assert.equal(created.code, 0, created.stderr);
    const listed = await cli(['team', 'list'], { cwd: elsewhere, env: { HESO_CLOUD_DB: viaEnv } });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /Env team/);
  });

  test('a team created with the CLI is served by `heso-cloud serve`', async () => {
    const team = await cli(['team', 'create', 'Acme', 'Ops', '--db', db, '--json']);
    assert.equal(team.code, 0, team.stderr);
    const teamId = JSON.parse(team.stdout).id as string;
    assert.match(teamId, /^team_/);

    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(DEMO_POLICY));
    const badPolicyFile = join(dir, 'bad.json');
    writeFileSync(
      badPolicyFile,
      JSON.stringify({ ...DEMO_POLICY, rules: [{ id: 'x', verdict: 'allow', when: ['a >> 1'] }] }),
    );
    const [key, policy, badPolicy, noTeam, usage, help] = await Promise.all([
      cli(['key', 'create', '--team', teamId, '--db', db, '--json']),
      cli(['policy', 'set', '--team', teamId, policyFile, '--db', db]),
      cli(['policy', 'set', '--team', teamId, badPolicyFile, '--db', db]),
      cli(['key', 'create', '--team', 'team_nope', '--db', db]),
      cli(['key', 'create', '--db', db]),
      cli(['--help']),
    ]);
    assert.equal(key.code, 0, key.stderr);
    const { apiKey, keyId } = JSON.parse(key.stdout);
    assert.match(apiKey, /^heso_[0-9a-f]{12}_/);
    assert.equal(policy.code, 0, policy.stderr);
    assert.match(policy.stdout, /demo-1/);
    assert.equal(badPolicy.code, 1);
    assert.match(badPolicy.stderr, /rule "x".*a >> 1/);
    assert.equal(noTeam.code, 1);
    assert.match(noTeam.stderr, /no team "team_nope"/);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--team TEAM is required/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /approver activate/);

    const cloud = await spawnCloud({ dbPath: db });
    try {
      const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
      assert.equal((await client.getPolicy(teamId)).version, DEMO_POLICY.version);
      const approver = makeApprover();
      await client.enrolApprover(teamId, { publicKey: approver.publicKey, name: 'Alice' });

      const [list, mismatch] = await Promise.all([
        cli(['approver', 'list', '--team', teamId, '--db', db]),
        cli(['approver', 'activate', '--team', teamId, approver.keyId, '--fingerprint', '0000 0000', '--db', db]),
      ]);
      assert.equal(list.code, 0);
      assert.match(list.stdout, new RegExp(`${approver.keyId}\\s+pending`));
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /fingerprint mismatch/);
      assert.equal((await client.getApprover(teamId, approver.keyId)).status, 'pending');

      const fingerprint = (await client.getApprover(teamId, approver.keyId)).fingerprint;
      const activate = await cli([
        'approver',
        'activate',
        '--team',
        teamId,
        approver.keyId,
        '--fingerprint',
        fingerprint.toLowerCase(),
        '--db',
        db,
      ]);
      assert.equal(activate.code, 0, activate.stderr);
      assert.ok(activate.stdout.includes(fingerprint), 'activate prints the fingerprint to compare');
      assert.equal((await client.getApprover(teamId, approver.keyId)).status, 'active');

      const revoke = await cli(['key', 'revoke', keyId, '--db', db, '--json']);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.ok(JSON.parse(revoke.stdout).revokedAt);
      await assert.rejects(client.getPolicy(teamId), { kind: 'auth' });
    } finally {
      await cloud.stop();
    }
  });
});
