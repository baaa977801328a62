import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Approval } from '../../src/core/api.ts';
import { demoPolicy } from '../../src/demo/policy.ts';
import { initDataDir, TrustStore } from '../../src/sdk/index.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeApprover, makeTeam, tempDir } from './helpers.ts';

const AGENT = fileURLToPath(new URL('../../src/demo/agent.ts', import.meta.url));

let cloud: CloudHandle;
before(async () => {
  cloud = await startCloud();
});
after(async () => {
  await cloud.stop();
});

test('the demo agent: allowed actions run, blocked ones do not, suspended ones wait and resume on a verified co-signature', async () => {
  const team = await makeTeam(cloud, demoPolicy());
  const approver = await makeApprover(cloud, team, 'Demo approver');
  const t = tempDir();
  try {
    const dataDir = join(t.dir, '.heso');
    initDataDir(dataDir, { gitignore: false });
    new TrustStore(dataDir).add(approver.publicKey, { name: 'Demo approver' });

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        AGENT,
        '--endpoint',
        cloud.url,
        '--team',
        team.teamId,
        '--data-dir',
        dataDir,
        '--once',
        '--interval',
        '0',
        '--json',
      ],
      { env: { ...process.env, HESO_API_KEY: team.apiKey }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    let agentExited = false;
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        agentExited = true;
        resolve(code);
      }),
    );

    // Act as the approver: approve the refund and the email, deny the deploy. If the agent
    // stops before asking three times, fail with what it said instead of polling forever.
    const decided = new Set<string>();
    let cursor: string | undefined;
    while (decided.size < 3) {
      if (agentExited) {
        assert.fail(`the demo agent exited after ${decided.size} of 3 approvals\nstdout:\n${out}\nstderr:\n${err}`);
      }
      const page = await team.client.listPending(team.teamId, { waitSeconds: 10, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
      for (const approval of page.approvals.filter((a: Approval) => !decided.has(a.id))) {
        decided.add(approval.id);
        const deny = approval.receipt.statement.action.tool === 'deploy.production';
        await approver.decide(approval, deny ? 'deny' : 'approve', deny ? 'Wrong amount' : undefined);
      }
    }
    assert.equal(await exited, 0, err);

    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const verdicts = events.filter((e) => e.event === 'verdict').map((e) => `${e.tool}:${e.verdict}`);
    assert.deepEqual(verdicts.sort(), [
      'data.export:block',
      'db.delete:block',
      'deploy.production:suspend',
      'email.send:allow',
      'email.send:suspend',
      'payments.refund:allow',
      'payments.refund:block',
      'payments.refund:suspend',
    ]);
    const waiting = events.filter((e) => e.event === 'waiting');
    assert.equal(waiting.length, 3);
    for (const w of waiting) assert.match(String(w.shortCode), /^[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    assert.deepEqual(
      events
        .filter((e) => e.event === 'decided')
        .map((e) => e.outcome)
        .sort(),
      ['approved', 'approved', 'denied'],
      JSON.stringify(events.filter((e) => e.event === 'decided' || e.event === 'not_run')),
    );
    // The approver's reason reaches the agent's output, from their verified co-signature.
    const notRun = events.filter((e) => e.event === 'not_run');
    assert.deepEqual(
      notRun.map((e) => [e.code, e.approverReason]),
      [['denied', 'Wrong amount']],
    );
    const done = events.find((e) => e.event === 'done');
    assert.deepEqual(
      done && [done.ran, done.approved, done.blocked, done.refused, done.failed, done.outboxPending],
      [4, 2, 3, 1, 0, 0],
    );
    assert.ok(!out.includes(team.apiKey) && !err.includes(team.apiKey), 'the API key never appears in the output');
  } finally {
    t.cleanup();
  }
});
