/** Quorum approvals on a real server over real HTTP: decisions kept, progress, closing, wakes, refusals. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Approval, routes } from '../../src/core/api.ts';
import {
  attachCosignatures,
  buildCosignature,
  buildReceipt,
  keyIdOf,
  type QuorumRequirement,
  type Receipt,
  ROTATION_TYPE,
  signStatement,
} from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type Approver, cosign, makeApprover, operatorKey, raw } from './helpers.ts';

let counter = 0;
function quorumReceipt(teamId: string, quorum: QuorumRequirement): Receipt {
  counter++;
  return buildReceipt(
    {
      teamId,
      action: {
        tool: 'deploy.production',
        params: { service: 'api', build: counter },
        account: 'acme',
        workflow: 'ci',
        capturedAt: new Date().toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'q-1', ruleId: 'prod-deploy' },
      quorum,
    },
    operatorKey.secretKey,
  );
}

describe('quorum approvals on the control plane', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;
  const people: Record<'dana' | 'raj' | 'li' | 'sam', Approver> = {
    dana: makeApprover(),
    raj: makeApprover(),
    li: makeApprover(),
    sam: makeApprover(),
  };

  before(async () => {
    cloud = await startCloud();
    ({ teamId, apiKey } = await setupTeam(cloud));
    const groups = { dana: ['finance'], raj: ['security'], li: ['finance'], sam: [] };
    for (const [name, who] of Object.entries(people)) {
      await raw(cloud, 'POST', routes.approvers(teamId), { apiKey, body: { publicKey: who.publicKey, name } });
      await cloud.admin.activateApprover(teamId, who.keyId);
      await cloud.admin.labelApprover(teamId, who.keyId, { groups: groups[name as keyof typeof groups] });
    }
  });
  after(() => cloud.stop());

  const open = async (quorum: QuorumRequirement): Promise<Approval> => {
    const res = await raw(cloud, 'POST', routes.approvals(teamId), {
      apiKey,
      body: { receipt: quorumReceipt(teamId, quorum) },
    });
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  const decide = (approval: Approval, who: Approver, decision: 'approve' | 'deny' = 'approve') =>
    raw(cloud, 'POST', routes.decision(teamId, approval.id), { apiKey, body: cosign(approval, who, decision) });

  test('2 of N: the first approval is kept as progress, the second closes it and wakes the agent’s long-poll', async () => {
    const approval = await open({ required: 2 });
    assert.deepEqual(approval.decisions, []);
    const first = await decide(approval, people.dana);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'pending');
    assert.equal(first.json.decisions.length, 1);
    assert.equal(first.json.decisions[0].approverName, 'dana');
    assert.deepEqual(first.json.decisions[0].groups, ['finance']);
    const queue = await raw(cloud, 'GET', routes.approvals(teamId), { apiKey });
    assert.equal(queue.json.approvals.find((a: Approval) => a.id === approval.id)?.decisions.length, 1);

    const poll = raw(cloud, 'GET', `${routes.approval(teamId, approval.id)}?wait=20`, { apiKey });
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await decide(approval, people.raj);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.status, 'approved');
    const polled = await poll;
    assert.equal(polled.json.status, 'approved');
    assert.ok(performance.now() - started < 10_000, 'the long-poll woke when the quorum was met');

    const late = await decide(approval, people.li);
    assert.equal(late.status, 409);
    assert.match(late.json.error.message, /quorum was met/);
  });

  test('the approvers’ list long-poll wakes on progress, not only on close', async () => {
    const approval = await open({ required: 3 });
    const listed = await raw(cloud, 'GET', routes.approvals(teamId), { apiKey });
    const wait = raw(cloud, 'GET', `${routes.approvals(teamId)}?cursor=${listed.json.cursor}&wait=20`, { apiKey });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await decide(approval, people.dana);
    const woke = await wait;
    assert.notEqual(woke.json.cursor, listed.json.cursor);
    assert.equal(woke.json.approvals.find((a: Approval) => a.id === approval.id)?.decisions.length, 1);
  });

  test('a second decision by the same approver is refused (409), also with their rotated key', async () => {
    const approval = await open({ required: 2 });
    assert.equal((await decide(approval, people.sam)).status, 200);
    const again = await decide(approval, people.sam);
    assert.equal(again.status, 409);
    assert.match(again.json.error.message, /already decided/);

    const rotated = makeApprover();
    const statement = {
      type: ROTATION_TYPE,
      teamId,
      previousKeyId: people.sam.keyId,
      newPublicKey: rotated.publicKey,
      newKeyId: rotated.keyId,
      rotatedAt: new Date().toISOString(),
    };
    const enrol = await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey,
      body: {
        publicKey: rotated.publicKey,
        name: 'sam',
        rotation: { statement, signature: signStatement(statement, people.sam.key.secretKey) },
      },
    });
    assert.equal(enrol.status, 201, enrol.text);
    await cloud.admin.activateApprover(teamId, rotated.keyId);
    const viaRotated = await decide(approval, rotated);
    assert.equal(viaRotated.status, 409, viaRotated.text);
    const current = await raw(cloud, 'GET', routes.approval(teamId, approval.id), { apiKey });
    assert.equal(current.json.decisions.length, 1);
    assert.equal(current.json.status, 'pending');
  });

  test('any deny vetoes by default: closed as denied, later decisions refused clearly', async () => {
    const approval = await open({ required: 2 });
    await decide(approval, people.dana);
    const veto = await decide(approval, people.raj, 'deny');
    assert.equal(veto.json.status, 'denied');
    const late = await decide(approval, people.li);
    assert.equal(late.status, 409);
    assert.match(late.json.error.message, /vetoed/);
  });

  test('group minimums: two finance approvals leave it pending; security closes it', async () => {
    const approval = await open({ required: 2, groups: { finance: 1, security: 1 } });
    await decide(approval, people.dana);
    const second = await decide(approval, people.li);
    assert.equal(second.json.status, 'pending', 'finance twice does not fill security');
    const third = await decide(approval, people.raj);
    assert.equal(third.json.status, 'approved');
  });

  test('the requester cannot approve their own action; a deny from them still counts', async () => {
    const requester = makeApprover();
    await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey,
      body: { publicKey: requester.publicKey, name: 'op' },
    });
    await cloud.admin.activateApprover(teamId, requester.keyId);
    await cloud.admin.labelApprover(teamId, requester.keyId, { requesterKeyIds: [keyIdOf(operatorKey.publicKey)] });
    const approval = await open({ required: 2 });
    const own = await decide(approval, requester);
    assert.equal(own.status, 403);
    assert.match(own.json.error.message, /you requested this action/);
    assert.equal((await decide(approval, requester, 'deny')).json.status, 'denied');
  });

  test('a quorum receipt is stored only with co-signatures this server accepted for the approval', async () => {
    const approval = await open({ required: 2 });
    await decide(approval, people.dana);
    const closed = (await decide(approval, people.raj)).json as Approval;
    const kept = closed.decisions!.map((d) => d.cosignature);
    const good = attachCosignatures(approval.receipt, kept);
    const push = await raw(cloud, 'POST', routes.receipts(teamId), { apiKey, body: { receipt: good } });
    assert.equal(push.json.results[0].status, 'accepted', push.text);

    const stranger = makeApprover();
    const invented = buildCosignature({ approval, decision: 'approve' }, stranger.key.secretKey);
    const forged = attachCosignatures(approval.receipt, [kept[0]!, invented]);
    const refused = await raw(cloud, 'POST', routes.receipts(teamId), { apiKey, body: { receipt: forged } });
    assert.equal(refused.json.results[0].status, 'refused');
    assert.match(refused.json.results[0].reason, /not a decision accepted/);
  });

  test('heso-cloud approver group / requester set the labels and approver list shows them', async () => {
    const run = promisify(execFile);
    const cli = fileURLToPath(new URL('../../bin/heso-cloud.mjs', import.meta.url));
    const base = [cli, '--db', cloud.dbPath];
    const set = await run(process.execPath, [
      ...base,
      'approver',
      'group',
      '--team',
      teamId,
      people.sam.keyId,
      'ops',
      'finance',
    ]);
    assert.match(set.stdout, /is in: finance, ops/);
    const link = await run(process.execPath, [
      ...base,
      'approver',
      'requester',
      '--team',
      teamId,
      people.sam.keyId,
      keyIdOf(operatorKey.publicKey),
    ]);
    assert.match(link.stdout, /may not approve actions requested by/);
    const list = await run(process.execPath, [...base, 'approver', 'list', '--team', teamId]);
    const line = list.stdout.split('\n').find((l) => l.startsWith(people.sam.keyId));
    assert.match(line ?? '', /groups: finance, ops/);
    assert.match(line ?? '', /requester of: /);
    await assert.rejects(
      run(process.execPath, [...base, 'approver', 'group', '--team', teamId, people.sam.keyId, 'bad group']),
      /is not a group name/,
    );
  });
});
