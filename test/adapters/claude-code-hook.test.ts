/**
 * `heso hook claude-code` as Claude Code runs it: a recorded PreToolUse payload on stdin, the
 * decision JSON on stdout, against a real control plane and a real approver engine.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeWorld, runHeso, type World } from './helpers.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

interface Decision {
  hookSpecificOutput: { hookEventName: string; permissionDecision?: string; permissionDecisionReason?: string };
}

async function hook(world: World, payload: string, extra: string[] = [], endpoint?: string) {
  const run = await runHeso(['hook', 'claude-code', ...extra], { env: world.env(endpoint), input: payload });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON line on stdout: ${run.stdout}`);
  return JSON.parse(lines[0]!) as Decision;
}

describe('heso hook claude-code', () => {
  let cloud: CloudHandle;
  let world: World;
  before(async () => {
    cloud = await startCloud();
    world = await makeWorld(cloud);
  });
  after(async () => {
    await world?.cleanup();
    await cloud?.stop();
  });

  test("policy allow: no decision, Claude Code's own permission rules apply (or allow, when asked)", async () => {
    const deferred = await hook(world, fixture('pretooluse-bash.json'));
    assert.deepEqual(deferred, { hookSpecificOutput: { hookEventName: 'PreToolUse' } });
    const allowed = await hook(world, fixture('pretooluse-bash.json'), ['--allow-mode', 'allow']);
    assert.equal(allowed.hookSpecificOutput.permissionDecision, 'allow');
  });

  test('block: deny naming the rule', async () => {
    const out = await hook(world, fixture('pretooluse-bash-rm.json'));
    assert.equal(out.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(out.hookSpecificOutput.permissionDecisionReason ?? '', /rule "no-rm"/);
  });

  test('suspend then approved on the engine: allow, after the co-signature verified', async () => {
    const decided = world.decideNext(
      'approve',
      undefined,
      (i) => i.approval.receipt.statement.action.tool === 'claude-code.Write',
    );
    const out = hook(world, fixture('pretooluse-write.json'));
    const item = await decided;
    assert.deepEqual(
      item.approval.receipt.statement.action.params,
      JSON.parse(fixture('pretooluse-write.json')).tool_input,
    );
    const decision = await out;
    assert.equal(decision.hookSpecificOutput.permissionDecision, 'allow');
    assert.match(decision.hookSpecificOutput.permissionDecisionReason ?? '', new RegExp(item.approval.id));
  });

  test("suspend then denied: deny with the approver's reason", async () => {
    const decided = world.decideNext(
      'deny',
      'prod config is frozen this week',
      (i) => i.approval.receipt.statement.action.tool === 'claude-code.Write',
    );
    const out = hook(world, fixture('pretooluse-write.json'));
    await decided;
    const decision = await out;
    assert.equal(decision.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(
      decision.hookSpecificOutput.permissionDecisionReason ?? '',
      /denied this action: prod config is frozen this week/,
    );
  });

  test('no decision within --wait: deny saying so; the same call retried after approval resumes it and is allowed', async () => {
    const payload = fixture('pretooluse-write.json').replace('prod.env', 'staging.env');
    const first = await hook(world, payload, ['--wait', '0']);
    assert.equal(first.hookSpecificOutput.permissionDecision, 'deny');
    const reason = first.hookSpecificOutput.permissionDecisionReason ?? '';
    assert.match(reason, /no decision on approval apr_\w+ .*retry exactly the same tool call/);
    const approvalId = /apr_\w+/.exec(reason)![0];
    await world.approver.decide(await world.team.client.getApproval(world.team.teamId, approvalId), 'approve');
    const again = await hook(world, payload, ['--wait', '0']);
    assert.equal(again.hookSpecificOutput.permissionDecision, 'allow');
    assert.match(again.hookSpecificOutput.permissionDecisionReason ?? '', new RegExp(approvalId));
    const left = await world.team.client.listPending(world.team.teamId);
    assert.deepEqual(left.approvals, [], 'no second approval was opened');
  });

  test('unreachable control plane: deny (fail closed) with a clear reason', async () => {
    const gone = await startCloud();
    const url = gone.url;
    await gone.stop();
    const out = await hook(world, fixture('pretooluse-bash.json'), [], url);
    assert.equal(out.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(
      out.hookSpecificOutput.permissionDecisionReason ?? '',
      new RegExp(`control plane at ${url} could not be reached.*failing closed`),
    );
  });

  test('unreadable input or no configuration: deny, never a silent allow', async () => {
    const garbage = await hook(world, 'not json');
    assert.equal(garbage.hookSpecificOutput.permissionDecision, 'deny');
    const run = await runHeso(['hook', 'claude-code'], {
      env: { ...world.env(), HESO_API_KEY: '' },
      input: fixture('pretooluse-bash.json'),
    });
    const out = JSON.parse(run.stdout) as Decision;
    assert.equal(out.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(out.hookSpecificOutput.permissionDecisionReason ?? '', /HESO_API_KEY/);
  });
});
