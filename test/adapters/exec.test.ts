/**
 * `heso exec` as a CI job runs it: the real CLI against a real control plane and approver
 * engine; the command runs only when allowed, and the exit code tells what happened.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXEC_EXIT } from '../../src/adapters/exec.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeWorld, runHeso, type World } from './helpers.ts';

describe('heso exec', () => {
  let cloud: CloudHandle;
  let world: World;
  let dir: string;
  before(async () => {
    cloud = await startCloud();
    world = await makeWorld(cloud);
    dir = mkdtempSync(join(tmpdir(), 'heso-exec-'));
  });
  after(async () => {
    await world?.cleanup();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A command that leaves a marker file and exits with `code`. */
  const touch = (name: string, code = 0) => [
    process.execPath,
    '-e',
    `require('node:fs').writeFileSync(${JSON.stringify(join(dir, name))}, 'ran'); process.exit(${code})`,
  ];

  test('allowed: the command runs and its own exit code comes back', async () => {
    const run = await runHeso(['exec', '--tool', 'build.test', '--', ...touch('allowed', 3)], { env: world.env() });
    assert.equal(run.code, 3, run.stderr);
    assert.ok(existsSync(join(dir, 'allowed')));
  });

  test('blocked: exit 111 naming the rule; the command does not run', async () => {
    const run = await runHeso(['exec', '--tool', 'db.drop', '--param', 'table=orders', '--', ...touch('blocked')], {
      env: world.env(),
    });
    assert.equal(run.code, EXEC_EXIT.blocked);
    assert.match(run.stderr, /rule "no-drops"/);
    assert.equal(existsSync(join(dir, 'blocked')), false);
  });

  test('approved: the command line is in the approved action, then it runs', async () => {
    const command = touch('approved');
    const decided = world.decideNext(
      'approve',
      undefined,
      (i) => i.approval.receipt.statement.action.tool === 'deploy.production',
    );
    const running = runHeso(['exec', '--tool', 'deploy.production', '--param', 'replicas=4', '--', ...command], {
      env: world.env(),
    });
    const item = await decided;
    assert.deepEqual(item.approval.receipt.statement.action.params, { replicas: 4, command });
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(dir, 'approved')));
  });

  test("denied: exit 112 with the approver's reason; the command does not run", async () => {
    const decided = world.decideNext(
      'deny',
      'change freeze',
      (i) => i.approval.receipt.statement.action.tool === 'deploy.staging',
    );
    const running = runHeso(['exec', '--tool', 'deploy.staging', '--', ...touch('denied')], { env: world.env() });
    await decided;
    const run = await running;
    assert.equal(run.code, EXEC_EXIT.denied);
    assert.match(run.stderr, /change freeze/);
    assert.equal(existsSync(join(dir, 'denied')), false);
  });

  test('expired: exit 113 when the approval expires undecided; the command does not run', async () => {
    const run = await runHeso(['exec', '--tool', 'deploy.canary', '--expires-in', '10', '--', ...touch('expired')], {
      env: world.env(),
    });
    assert.equal(run.code, EXEC_EXIT.expired, run.stderr);
    assert.match(run.stderr, /expired/);
    assert.equal(existsSync(join(dir, 'expired')), false);
  });

  test('no decision within --wait: exit 117; run again after the approval, it resumes that approval and runs', async () => {
    const args = ['exec', '--tool', 'deploy.eu', '--wait', '0', '--', ...touch('resumed')];
    const first = await runHeso(args, { env: world.env() });
    assert.equal(first.code, EXEC_EXIT.pending, first.stderr);
    assert.equal(existsSync(join(dir, 'resumed')), false);
    const approvalId = /apr_\w+/.exec(first.stderr)![0];
    await world.approver.decide(await world.team.client.getApproval(world.team.teamId, approvalId), 'approve');
    const again = await runHeso(args, { env: world.env() });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(existsSync(join(dir, 'resumed')));
    assert.deepEqual((await world.team.client.listPending(world.team.teamId)).approvals, [], 'no second approval');
  });

  test('unreachable control plane: exit 114; the command does not run', async () => {
    const gone = await startCloud();
    const url = gone.url;
    await gone.stop();
    const run = await runHeso(['exec', '--tool', 'build.test', '--', ...touch('unreachable')], { env: world.env(url) });
    assert.equal(run.code, EXEC_EXIT.unreachable, run.stderr);
    assert.match(run.stderr, /could not be reached/);
    assert.equal(existsSync(join(dir, 'unreachable')), false);
  });
});
