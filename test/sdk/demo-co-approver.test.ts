/** The demo's automated second approver: the demo policy's two-person deploy rule makes progress. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { keyIdOf } from '../../src/core/crypto.ts';
import { generateKeyPair } from '../../src/core/index.ts';
import { DemoCoApprover } from '../../src/demo/co-approver.ts';
import { demoPolicy } from '../../src/demo/policy.ts';
import { capture, evaluate, sign } from '../../src/sdk/index.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeApprover, makeTeam } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  cloud = await startCloud();
});
after(() => cloud.stop());

test('the demo policy needs two approvals for a production deploy; the co-approver adds one, a person the other', async () => {
  const team = await makeTeam(cloud, demoPolicy());
  const co = new DemoCoApprover({ client: team.client, teamId: team.teamId, delayMs: 50 });
  await co.enrol('Sam (demo)');
  await cloud.admin.activateApprover(team.teamId, co.keyId);
  const person = await makeApprover(cloud, team, 'Demo approver');
  const running = co.run();
  try {
    const action = capture(
      { tool: 'deploy.production', account: 'prod-eu', params: { service: 'api', version: 'v1' } },
      {
        workflow: 'demo-support-agent',
      },
    );
    const evaluation = evaluate(action, demoPolicy());
    assert.equal(evaluation.ruleId, 'production-deploys');
    const receipt = sign(action, evaluation, { teamId: team.teamId, secretKey: generateKeyPair().secretKey });
    assert.deepEqual(receipt.statement.quorum, { required: 2 });
    const opened = await team.client.openApproval(team.teamId, { receipt });
    let current = opened;
    for (let i = 0; i < 100 && (current.decisions?.length ?? 0) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = await team.client.getApproval(team.teamId, opened.id);
    }
    assert.equal(current.status, 'pending', 'one approval of two: still pending');
    assert.equal(current.decisions?.[0]?.cosignature.statement.approverKeyId, co.keyId);
    const closed = await person.decide(opened, 'approve');
    assert.equal(closed.status, 'approved');
    assert.equal(keyIdOf(person.publicKey), closed.decisions?.[1]?.cosignature.statement.approverKeyId);
  } finally {
    co.stop();
    void running;
  }
});
