/**
 * A Python agent gated by a two-person rule on a real control plane: its guard takes from the
 * relayed decisions only co-signatures it can count (pinned keys, this approval, one per person),
 * and its verifier counts them against the quorum the engine signed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PolicyDocument, TrustSet } from '../../src/core/index.ts';
import { initDataDir } from '../../src/sdk/index.ts';
import { makeApprover, makeTeam, type TestApprover, type TestTeam, tempDir } from '../sdk/helpers.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { nextPendingApproval, runAgent } from './support.ts';

const POLICY: PolicyDocument = {
  version: 'py-quorum-1',
  defaultVerdict: 'allow',
  rules: [
    {
      id: 'two-person-refunds',
      verdict: 'suspend',
      match: { tool: 'payments.refund' },
      when: ['amount > 100'],
      approvals: { required: 2 },
    },
  ],
};

describe('a Python agent under a two-person rule', () => {
  let cloud: CloudHandle;
  let team: TestTeam;
  let dana: TestApprover;
  let raj: TestApprover;
  /** Active on the control plane, but the agent never pinned her key. */
  let mallory: TestApprover;
  let trust: TrustSet;
  const t = tempDir('heso-py-quorum-agent-');

  before(async () => {
    cloud = await startCloud();
    team = await makeTeam(cloud, POLICY);
    dana = await makeApprover(cloud, team, 'Dana');
    raj = await makeApprover(cloud, team, 'Raj');
    mallory = await makeApprover(cloud, team, 'Mallory');
    trust = {
      approverKeys: [dana.publicKey, raj.publicKey],
      approvers: [
        { id: 'dana', keys: [dana.publicKey] },
        { id: 'raj', keys: [raj.publicKey] },
      ],
    };
    initDataDir(join(t.dir, '.heso'), { gitignore: false });
    mkdirSync(t.dir, { recursive: true });
    writeFileSync(
      join(t.dir, 'heso.toml'),
      `[heso]\nteam = "${team.teamId}"\nworkflow = "py-agent"\naccount = "acct_1"\ntimeout = 60\n`,
    );
  });
  after(async () => {
    await cloud.stop();
    t.cleanup();
  });

  const agent = (args: string[]) =>
    runAgent(args, {
      HESO_PROJECT_ROOT: t.dir,
      TEST_HESO_API_KEY: team.apiKey,
      TEST_HESO_ENDPOINT: cloud.url,
      TEST_TRUST: JSON.stringify(trust),
    });

  test('runs once two pinned people approve', async () => {
    const run = agent(['refund', '500']);
    const approval = await nextPendingApproval(team.client, team.teamId);
    assert.deepEqual(approval.receipt.statement.quorum, { required: 2 });
    await dana.decide(approval, 'approve');
    await raj.decide(approval, 'approve');
    assert.deepEqual(await run, { ran: ['refund 500'] });
  });

  test('an approval by a key the agent did not pin does not count, whatever the server says', async () => {
    const run = agent(['refund', '600']);
    const approval = await nextPendingApproval(team.client, team.teamId);
    await dana.decide(approval, 'approve');
    const final = await mallory.decide(approval, 'approve');
    assert.equal(final.status, 'approved', 'the control plane counts its own active approvers');
    const result = await run;
    assert.deepEqual(result.ran, []);
    assert.deepEqual(result.codes, ['quorum_not_met']);
  });

  test('a deny by a pinned person vetoes', async () => {
    const run = agent(['refund', '700']);
    const approval = await nextPendingApproval(team.client, team.teamId);
    await dana.decide(approval, 'approve');
    await raj.decide(approval, 'deny');
    const result = await run;
    assert.deepEqual(result.ran, []);
    assert.deepEqual(result.codes, ['decision_denied']);
  });
});
