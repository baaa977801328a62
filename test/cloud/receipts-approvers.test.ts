import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlaneClient, type ControlPlaneError } from '../../src/client/index.ts';
import { routes } from '../../src/core/api.ts';
import { attachCosignature, keyIdOf, ROTATION_TYPE, signStatement } from '../../src/core/index.ts';
import { type CloudHandle, DEMO_POLICY, setupTeam, startCloud } from '../support/cloud.ts';
import { type Approver, cosign, dbSnapshot, makeApprover, makeReceipt, raw } from './helpers.ts';

describe('control plane: receipts outbox', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let client: ControlPlaneClient;
  let alice: Approver;

  before(async () => {
    cloud = await startCloud();
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    client = new ControlPlaneClient({ endpoint: cloud.url, apiKey: team.apiKey });
    alice = makeApprover();
    await client.enrolApprover(teamId, { publicKey: alice.publicKey, name: 'Alice' });
    await cloud.admin.activateApprover(teamId, alice.keyId);
  });
  after(() => cloud.stop());

  test('one receipt and a batch are accepted; pushing them again is idempotent', async () => {
    const one = makeReceipt(teamId, { verdict: 'allow' });
    assert.deepEqual((await client.pushReceipts(teamId, [one])).results, [
      { receiptId: one.statement.receiptId, status: 'accepted' },
    ]);
    const batch = [makeReceipt(teamId, { verdict: 'block' }), makeReceipt(teamId), one];
    const res = await client.pushReceipts(teamId, batch);
    assert.deepEqual(
      res.results.map((r) => r.status),
      ['accepted', 'accepted', 'duplicate'],
    );
    const again = await client.pushReceipts(teamId, batch);
    assert.deepEqual(
      again.results.map((r) => r.status),
      ['duplicate', 'duplicate', 'duplicate'],
    );
  });

  test('forged receipts are refused per item with a reason, the good ones in the same batch stored', async () => {
    const good = makeReceipt(teamId, { verdict: 'allow' });
    const tampered = makeReceipt(teamId, { verdict: 'allow' });
    tampered.statement.verdict = 'suspend';
    const wrongHash = makeReceipt(teamId, { verdict: 'allow' });
    wrongHash.statement.action.params = { amount: 1 };
    const otherTeam = makeReceipt('team_other', { verdict: 'allow' });
    const sameIdDifferent = makeReceipt(teamId, { verdict: 'allow', receiptId: good.statement.receiptId });
    const res = await client.pushReceipts(teamId, [good, tampered, wrongHash, otherTeam, sameIdDifferent]);
    const [r0, r1, r2, r3, r4] = res.results;
    assert.equal(r0!.status, 'accepted');
    for (const r of [r1, r2, r3, r4]) {
      assert.equal(r!.status, 'refused');
      assert.ok(r!.reason && r!.reason.length > 5);
    }
    assert.match(r1!.reason!, /signature/);
    assert.match(r4!.reason!, /different receipt/);
  });

  test('a co-signed receipt is accepted only with the decision the server accepted', async () => {
    const receipt = makeReceipt(teamId);
    const approval = await client.openApproval(teamId, { receipt });
    // Not decided yet: no co-signature can be valid.
    const early = await client.pushReceipts(teamId, [attachCosignature(receipt, cosign(approval, alice))]);
    assert.equal(early.results[0]!.status, 'refused');
    // The suspended receipt alone is a valid record.
    assert.equal((await client.pushReceipts(teamId, [receipt])).results[0]!.status, 'accepted');
    const decided = await client.decide(teamId, approval.id, cosign(approval, alice));
    // A different (unaccepted) co-signature for the same approval is refused.
    const other = await client.pushReceipts(teamId, [attachCosignature(receipt, cosign(approval, alice, 'deny', 'x'))]);
    assert.equal(other.results[0]!.status, 'refused');
    // The accepted one upgrades the stored receipt (evidence added), then is a duplicate.
    const final = attachCosignature(receipt, decided.cosignature!);
    assert.equal((await client.pushReceipts(teamId, [final])).results[0]!.status, 'accepted');
    assert.equal((await client.pushReceipts(teamId, [final])).results[0]!.status, 'duplicate');
    // And a downgrade back to no co-signature is refused.
    assert.equal((await client.pushReceipts(teamId, [receipt])).results[0]!.status, 'refused');
  });
});

describe('control plane: approver enrolment and the policy bundle', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let client: ControlPlaneClient;

  before(async () => {
    cloud = await startCloud();
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    client = new ControlPlaneClient({ endpoint: cloud.url, apiKey: team.apiKey });
  });
  after(() => cloud.stop());

  test('enrol starts pending (201), the same key again is 200, and only an admin activates it', async () => {
    const a = makeApprover();
    const first = await raw(cloud, 'POST', routes.approvers(teamId), {
      apiKey: await cloud.admin.createApiKey(teamId),
      body: { publicKey: a.publicKey, name: 'Alice' },
    });
    assert.equal(first.status, 201);
    assert.equal(first.json.status, 'pending');
    assert.equal(first.json.keyId, a.keyId);
    assert.equal(first.json.fingerprint.replaceAll(' ', '').toLowerCase(), a.keyId);
    const again = await client.enrolApprover(teamId, { publicKey: a.publicKey, name: 'Alice again' });
    assert.deepEqual(again, first.json);
    assert.equal((await client.getApprover(teamId, a.keyId)).status, 'pending');
    const activated = await cloud.admin.activateApprover(teamId, a.keyId);
    assert.equal(activated.status, 'active');
    assert.ok(activated.activatedAt);
    assert.equal((await client.getApprover(teamId, a.keyId)).status, 'active');
  });

  test('revocation via the API only reduces trust; a revoked key stays revoked', async () => {
    const a = makeApprover();
    await client.enrolApprover(teamId, { publicKey: a.publicKey, name: 'Rex' });
    const revoked = await client.revokeApprover(teamId, a.keyId);
    assert.equal(revoked.status, 'revoked');
    assert.equal((await client.revokeApprover(teamId, a.keyId)).revokedAt, revoked.revokedAt);
    assert.equal((await client.enrolApprover(teamId, { publicKey: a.publicKey, name: 'Rex' })).status, 'revoked');
    await assert.rejects(cloud.admin.activateApprover(teamId, a.keyId), /revoked/);
    assert.equal((await client.getApprover(teamId, a.keyId)).status, 'revoked');
    await assert.rejects(
      client.getApprover(teamId, makeApprover().keyId),
      (e: ControlPlaneError) => e.kind === 'not_found',
    );
  });

  test('the policy bundle carries the rules and the enrolled approvers as a hint', async () => {
    const bundle = await client.getPolicy(teamId);
    assert.equal(bundle.teamId, teamId);
    assert.equal(bundle.version, DEMO_POLICY.version);
    assert.deepEqual(bundle.rules, DEMO_POLICY.rules);
    const listed = await client.listApprovers(teamId);
    assert.ok(listed.length >= 2);
    assert.deepEqual(bundle.approvers, listed);
    const { teamId: bare } = { teamId: await cloud.admin.createTeam('No policy') };
    const bareClient = new ControlPlaneClient({ endpoint: cloud.url, apiKey: await cloud.admin.createApiKey(bare) });
    await assert.rejects(
      bareClient.getPolicy(bare),
      (e: ControlPlaneError) => e.kind === 'not_found' && /policy set/.test(e.message),
    );
  });

  test('a rotation must be signed by an enrolled previous key of this team; the new key still starts pending', async () => {
    const old = makeApprover();
    await client.enrolApprover(teamId, { publicKey: old.publicKey, name: 'Old' });
    await cloud.admin.activateApprover(teamId, old.keyId);
    const next = makeApprover();
    const statement = {
      type: ROTATION_TYPE,
      teamId,
      previousKeyId: old.keyId,
      newPublicKey: next.publicKey,
      newKeyId: keyIdOf(next.publicKey),
      rotatedAt: new Date().toISOString(),
    } as const;
    const before = dbSnapshot(cloud.dbPath);
    const forged = { statement, signature: signStatement(statement, makeApprover().key.secretKey) };
    await assert.rejects(
      client.enrolApprover(teamId, { publicKey: next.publicKey, name: 'New', rotation: forged }),
      (e: ControlPlaneError) => e.kind === 'bad_signature',
    );
    const otherTeam = { ...statement, teamId: 'team_other' };
    await assert.rejects(
      client.enrolApprover(teamId, {
        publicKey: next.publicKey,
        name: 'New',
        rotation: { statement: otherTeam, signature: signStatement(otherTeam, old.key.secretKey) },
      }),
      (e: ControlPlaneError) => e.kind === 'bad_signature',
    );
    assert.equal(dbSnapshot(cloud.dbPath), before);
    const rotation = { statement, signature: signStatement(statement, old.key.secretKey) };
    const record = await client.enrolApprover(teamId, { publicKey: next.publicKey, name: 'New', rotation });
    assert.equal(record.status, 'pending');
    assert.deepEqual(record.rotation, rotation);
  });
});
