/**
 * Store contract for decisions and quorums: runs against any CloudStore. Call
 * `describeQuorumStoreContract(name, open)` with a factory that gives a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudStore, DecisionWrite } from '../../../src/cloud/store.ts';
import type { Approval } from '../../../src/core/api.ts';
import { canonicalize } from '../../../src/core/canonical.ts';
import {
  b64url,
  buildCosignature,
  buildReceipt,
  type Decision,
  generateKeyPair,
  type KeyPair,
  keyIdOf,
  type QuorumRequirement,
} from '../../../src/core/index.ts';

const operator = generateKeyPair();
const HOUR = 3600_000;

export interface StoreUnderTest {
  store: CloudStore;
  /** Closes the store and drops its data. */
  dispose(): Promise<void>;
}

let counter = 0;

/** A fresh pending approval whose operator-signed receipt states `quorum` (none: one approver). */
export function quorumApproval(teamId: string, quorum?: QuorumRequirement, now = new Date()): Approval {
  counter += 1;
  const receipt = buildReceipt(
    {
      teamId,
      action: {
        tool: 'deploy.production',
        params: { service: 'api', build: counter },
        account: 'acme',
        workflow: 'ci',
        capturedAt: now.toISOString(),
      },
      verdict: 'suspend',
      policy: { version: 'p1', ruleId: 'prod' },
      ...(quorum ? { quorum } : {}),
    },
    operator.secretKey,
  );
  return {
    id: `apr_contract_${process.pid}_${counter}`,
    teamId,
    status: 'pending',
    receipt,
    challenge: b64url.encode(generateKeyPair().publicKey),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + HOUR).toISOString(),
    cosignature: null,
    decidedAt: null,
    ...(quorum ? { decisions: [] } : {}),
  };
}

export interface Person {
  key: KeyPair;
  personId: string;
  name: string;
  groups: string[];
}

export function person(name: string, groups: string[] = []): Person {
  const key = generateKeyPair();
  return { key, personId: keyIdOf(key.publicKey), name, groups };
}

/** The decision `who` signs on `approval`, ready for `decideApproval`. */
export function decisionBy(who: Person, approval: Approval, decision: Decision, key = who.key): DecisionWrite {
  const decidedAt = new Date().toISOString();
  const cosignature = buildCosignature({ approval, decision, decidedAt }, key.secretKey);
  return { cosignature, decidedAt, personId: who.personId, approverName: who.name, groups: who.groups };
}

export function describeQuorumStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name}: decisions and quorums (store contract)`, () => {
    let subject: StoreUnderTest;
    let store: CloudStore;
    let teamId: string;
    const now = () => new Date().toISOString();

    before(async () => {
      subject = await open();
      store = subject.store;
      teamId = `team_quorum_${process.pid}`;
      await store.createTeam({ id: teamId, name: 'Quorum', createdAt: now() });
    });
    after(() => subject.dispose());

    async function opened(quorum?: QuorumRequirement): Promise<Approval> {
      const approval = quorumApproval(teamId, quorum);
      const outcome = await store.openApproval(teamId, approval, canonicalize(approval.receipt), 'key_op');
      assert.equal(outcome.kind, 'created');
      return approval;
    }

    test('one approver, no quorum in the receipt: the first decision closes it, as before', async () => {
      const approval = await opened();
      const dana = person('Dana');
      const outcome = await store.decideApproval(teamId, approval.id, decisionBy(dana, approval, 'approve'), now());
      assert.equal(outcome.kind, 'decided');
      assert.ok(outcome.kind === 'decided');
      assert.equal(outcome.approval.status, 'approved');
      assert.ok(outcome.approval.cosignature);
      assert.equal(outcome.approval.decisions, undefined);
      const kept = await store.listDecisions(teamId, approval.id);
      assert.deepEqual(
        kept.map((d) => [d.personId, d.decision]),
        [[dana.personId, 'approve']],
      );
      const again = await store.decideApproval(
        teamId,
        approval.id,
        decisionBy(person('Eve'), approval, 'approve'),
        now(),
      );
      assert.equal(again.kind, 'already_decided');
    });

    test('2 of N: the first approval is kept and counted, the second meets the quorum and closes it', async () => {
      const approval = await opened({ required: 2 });
      const before = await store.getChangeSeq(teamId);
      const first = await store.decideApproval(
        teamId,
        approval.id,
        decisionBy(person('Dana'), approval, 'approve'),
        now(),
      );
      assert.equal(first.kind, 'recorded');
      assert.ok(first.kind === 'recorded');
      assert.equal(first.approval.status, 'pending');
      assert.equal(first.approval.decisions?.length, 1);
      assert.ok((await store.getChangeSeq(teamId)) > before, 'progress bumps the change counter (wakes long-polls)');
      const pending = await store.listPending(teamId, 100, now());
      assert.equal(pending.approvals.find((a) => a.id === approval.id)?.decisions?.length, 1);
      const second = await store.decideApproval(
        teamId,
        approval.id,
        decisionBy(person('Raj'), approval, 'approve'),
        now(),
      );
      assert.equal(second.kind, 'decided');
      assert.ok(second.kind === 'decided');
      assert.equal(second.approval.status, 'approved');
      assert.equal(second.approval.decisions?.length, 2);
      assert.ok(second.approval.decidedAt);
      assert.deepEqual(await store.getApproval(teamId, approval.id, now()), second.approval);
      assert.equal((await store.listDecisions(teamId, approval.id)).length, 2);
      const settled = await store.listSettled(teamId, 'key_op', 0, 100, now());
      assert.ok(settled.approvals.some((a) => a.id === approval.id && a.status === 'approved'));
    });

    test('the same person twice (also with another key of theirs) is refused and nothing is kept', async () => {
      const approval = await opened({ required: 2 });
      const dana = person('Dana');
      assert.equal(
        (await store.decideApproval(teamId, approval.id, decisionBy(dana, approval, 'approve'), now())).kind,
        'recorded',
      );
      const rotated = generateKeyPair();
      for (const key of [dana.key, rotated]) {
        const outcome = await store.decideApproval(
          teamId,
          approval.id,
          decisionBy(dana, approval, 'approve', key),
          now(),
        );
        assert.equal(outcome.kind, 'duplicate_approver');
      }
      const current = await store.getApproval(teamId, approval.id, now());
      assert.equal(current?.status, 'pending');
      assert.equal(current?.decisions?.length, 1);
      assert.equal((await store.listDecisions(teamId, approval.id)).length, 1);
    });

    test('a deny vetoes by default: the approval closes as denied', async () => {
      const approval = await opened({ required: 2 });
      await store.decideApproval(teamId, approval.id, decisionBy(person('Dana'), approval, 'approve'), now());
      const veto = await store.decideApproval(teamId, approval.id, decisionBy(person('Raj'), approval, 'deny'), now());
      assert.equal(veto.kind, 'decided');
      assert.ok(veto.kind === 'decided');
      assert.equal(veto.approval.status, 'denied');
    });

    test('veto: false keeps a deny and waits for the approvals', async () => {
      const approval = await opened({ required: 2, veto: false });
      const deny = await store.decideApproval(teamId, approval.id, decisionBy(person('Dana'), approval, 'deny'), now());
      assert.equal(deny.kind, 'recorded');
      await store.decideApproval(teamId, approval.id, decisionBy(person('Raj'), approval, 'approve'), now());
      const met = await store.decideApproval(teamId, approval.id, decisionBy(person('Li'), approval, 'approve'), now());
      assert.ok(met.kind === 'decided');
      assert.equal(met.approval.status, 'approved');
      assert.equal(met.approval.decisions?.length, 3);
    });

    test('group minimums: approvals outside the missing group do not close it; one person fills one place', async () => {
      const approval = await opened({ required: 2, groups: { finance: 1, security: 1 } });
      const both = person('Dana', ['finance', 'security']);
      const finance = person('Raj', ['finance']);
      assert.equal(
        (await store.decideApproval(teamId, approval.id, decisionBy(both, approval, 'approve'), now())).kind,
        'recorded',
      );
      // Raj (finance) lets Dana take the security place: both groups are filled by two people.
      const met = await store.decideApproval(teamId, approval.id, decisionBy(finance, approval, 'approve'), now());
      assert.equal(met.kind, 'decided');

      const other = await opened({ required: 2, groups: { finance: 1, security: 1 } });
      await store.decideApproval(teamId, other.id, decisionBy(person('A', ['finance']), other, 'approve'), now());
      const unmet = await store.decideApproval(
        teamId,
        other.id,
        decisionBy(person('B', ['finance']), other, 'approve'),
        now(),
      );
      assert.equal(unmet.kind, 'recorded', 'two finance approvals leave security unmet');
    });

    test('decisions of one team are invisible to another; an expired approval keeps no decision', async () => {
      const approval = await opened({ required: 2 });
      await store.decideApproval(teamId, approval.id, decisionBy(person('Dana'), approval, 'approve'), now());
      assert.deepEqual(await store.listDecisions('team_other', approval.id), []);
      const late = new Date(Date.parse(approval.expiresAt) + 1000).toISOString();
      const outcome = await store.decideApproval(
        teamId,
        approval.id,
        decisionBy(person('Raj'), approval, 'approve'),
        late,
      );
      assert.equal(outcome.kind, 'expired');
      assert.equal((await store.listDecisions(teamId, approval.id)).length, 1);
    });

    test('concurrent decisions by distinct people: each kept once, closed exactly once', async () => {
      const approval = await opened({ required: 3 });
      const people = Array.from({ length: 5 }, (_, i) => person(`P${i}`));
      const outcomes = await Promise.all(
        people.map((p) => store.decideApproval(teamId, approval.id, decisionBy(p, approval, 'approve'), now())),
      );
      const kinds = outcomes.map((o) => o.kind).sort();
      assert.deepEqual(kinds, ['already_decided', 'already_decided', 'decided', 'recorded', 'recorded']);
      assert.equal((await store.listDecisions(teamId, approval.id)).length, 3);
    });

    test('approver labels: groups and requester link are set, replaced and cleared', async () => {
      const key = generateKeyPair();
      const keyId = keyIdOf(key.publicKey);
      await store.enrolApprover(
        teamId,
        {
          keyId,
          publicKey: b64url.encode(key.publicKey),
          fingerprint: 'x',
          name: 'Dana',
          status: 'pending',
          createdAt: now(),
          activatedAt: null,
          revokedAt: null,
          rotation: null,
        },
        'key_admin',
      );
      const set = await store.setApproverLabels(teamId, keyId, {
        groups: ['security', 'finance'],
        requesterKeyIds: [keyIdOf(operator.publicKey)],
      });
      assert.deepEqual(set?.groups, ['finance', 'security']);
      assert.deepEqual((await store.getApprover(teamId, keyId))?.requesterKeyIds, [keyIdOf(operator.publicKey)]);
      const cleared = await store.setApproverLabels(teamId, keyId, { groups: [] });
      assert.equal(cleared?.groups, undefined);
      assert.deepEqual(cleared?.requesterKeyIds, [keyIdOf(operator.publicKey)], 'a field left out stays');
      assert.equal(await store.setApproverLabels(teamId, 'f'.repeat(32), { groups: ['x'] }), null);
      assert.equal(await store.setApproverLabels('team_other', keyId, { groups: ['x'] }), null);
    });
  });
}
