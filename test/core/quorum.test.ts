/** Offline verification of quorum receipts: counting distinct, trusted people against the signed quorum. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import {
  attachCosignatures,
  buildCosignature,
  type Cosignature,
  type Decision,
  fromHex,
  gate,
  keyIdOf,
  publicKeyFromSecret,
  type QuorumRequirement,
  quorumProgress,
  type Receipt,
  type TrustSet,
  verifyReceipt,
} from '../../src/core/index.ts';
import { APPROVAL, BEFORE_EXPIRY, clone, keys, pub, suspendedReceipt } from './fixtures.ts';

const people = {
  dana: fromHex('51'.repeat(32)),
  danaRotated: fromHex('52'.repeat(32)),
  raj: fromHex('53'.repeat(32)),
  li: fromHex('54'.repeat(32)),
  mallory: fromHex('55'.repeat(32)),
};
const keyId = (secret: Uint8Array) => keyIdOf(publicKeyFromSecret(secret));

/** Dana (finance; holds two keys after rotating), Raj (security), Li (finance, and the requester's own operator key). */
const trust: TrustSet = {
  approverKeys: [pub(people.dana), pub(people.danaRotated), pub(people.raj), pub(people.li)],
  approvers: [
    { id: 'dana', keys: [pub(people.dana), pub(people.danaRotated)], groups: ['finance'] },
    { id: 'raj', keys: [pub(people.raj)], groups: ['security'] },
    { id: 'li', keys: [pub(people.li)], groups: ['finance'], requesterKeys: [pub(keys.operator)] },
  ],
};

function quorumReceipt(quorum: QuorumRequirement, receiptId = 'rcpt_q'): Receipt {
  return suspendedReceipt({ quorum, receiptId });
}

function sign(receipt: Receipt, secret: Uint8Array, decision: Decision = 'approve', approval = APPROVAL): Cosignature {
  return buildCosignature(
    { approval: { ...approval, receipt }, decision, decidedAt: '2026-03-02T09:05:00.000Z' },
    secret,
  );
}

function withDecisions(quorum: QuorumRequirement, signers: [Uint8Array, Decision?][]): Receipt {
  const receipt = quorumReceipt(quorum);
  return attachCosignatures(
    receipt,
    signers.map(([secret, decision]) => sign(receipt, secret, decision)),
  );
}

const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);

describe('quorum receipts, offline', () => {
  test('the threshold met exactly allows; one short is a valid receipt still suspended', () => {
    const met = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.raj]]), trust);
    assert.deepEqual(codes(met), []);
    assert.equal(met.ok, true);
    assert.equal(met.verdict, 'allow');
    assert.equal(met.quorum?.approvals, 2);
    const short = verifyReceipt(withDecisions({ required: 2 }, [[people.dana]]), trust);
    assert.deepEqual(codes(short), ['quorum_not_met']);
    assert.equal(short.valid, true);
    assert.equal(short.ok, false);
    assert.equal(short.verdict, 'suspend');
    assert.match(short.reasons[0]!.message, /1 of 2 trusted approvals/);
  });

  test('the same approver twice does not count twice: same key, or a rotated key pinned to the same person', () => {
    for (const second of [people.dana, people.danaRotated]) {
      const result = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [second]]), trust);
      assert.ok(codes(result).includes('duplicate_approver'), keyId(second));
      assert.equal(result.ok, false);
      assert.notEqual(result.verdict, 'allow');
    }
  });

  test('an untrusted key, or one no longer in approverKeys (revoked), does not count', () => {
    const untrusted = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.mallory]]), trust);
    assert.deepEqual(codes(untrusted), ['quorum_not_met']);
    assert.match(untrusted.reasons[0]!.message, /not trusted/);
    const revoked: TrustSet = { ...trust, approverKeys: trust.approverKeys.filter((k) => k !== pub(people.raj)) };
    const result = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.raj]]), revoked);
    assert.deepEqual(codes(result), ['quorum_not_met']);
  });

  test('group minimums: two from finance leave security unmet; finance + security meets it', () => {
    const groups = { required: 2, groups: { finance: 1, security: 1 } };
    const trustNoRequester: TrustSet = {
      ...trust,
      approvers: trust.approvers!.map((a) => ({ ...a, requesterKeys: [] })),
    };
    const unmet = verifyReceipt(withDecisions(groups, [[people.dana], [people.li]]), trustNoRequester);
    assert.deepEqual(codes(unmet), ['quorum_not_met']);
    assert.match(unmet.reasons[0]!.message, /security needs 1 more/);
    const met = verifyReceipt(withDecisions(groups, [[people.dana], [people.raj]]), trustNoRequester);
    assert.equal(met.ok, true);
    assert.deepEqual(met.quorum?.groups, [
      { group: 'finance', need: 1, have: 1 },
      { group: 'security', need: 1, have: 1 },
    ]);
  });

  test('a deny vetoes (block); with veto: false it is kept but does not block a met quorum', () => {
    const vetoed = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.raj, 'deny']]), trust);
    assert.deepEqual(codes(vetoed), ['decision_denied']);
    assert.equal(vetoed.verdict, 'block');
    assert.equal(vetoed.valid, true);
    const noVeto = { required: 2, veto: false } as const;
    const allowed = verifyReceipt(withDecisions(noVeto, [[people.dana], [people.raj, 'deny'], [people.mallory]]), {
      ...trust,
      approverKeys: [...trust.approverKeys, pub(people.mallory)],
    });
    assert.equal(allowed.ok, true, JSON.stringify(allowed.reasons));
  });

  test('the requester does not count towards their own action', () => {
    const result = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.li]]), trust);
    assert.deepEqual(codes(result), ['quorum_not_met']);
    assert.match(result.reasons[0]!.message, /requester/);
  });

  test('a decision replayed from another approval does not count: the receipt is invalid', () => {
    const receipt = quorumReceipt({ required: 2 });
    const other = { ...APPROVAL, id: 'apr_other', challenge: APPROVAL.challenge.replace(/^./, 'A') };
    const replayed = attachCosignatures(receipt, [
      sign(receipt, people.dana),
      sign(receipt, people.raj, 'approve', other),
    ]);
    const result = verifyReceipt(replayed, trust);
    assert.ok(codes(result).includes('approval_id_mismatch'));
    assert.ok(codes(result).includes('challenge_mismatch'));
    assert.equal(result.ok, false);
    const expected = gate(replayed, trust, { now: BEFORE_EXPIRY, expect: { approvalId: APPROVAL.id } });
    assert.equal(expected.ok, false);
  });

  test('a quorum receipt needs "cosignatures"; a single-approver receipt may not carry them', () => {
    const receipt = quorumReceipt({ required: 2 });
    const single = { ...receipt, cosignature: sign(receipt, people.dana) };
    assert.ok(codes(verifyReceipt(single, trust)).includes('unexpected_cosignature'));
    assert.deepEqual(codes(verifyReceipt(receipt, trust)), ['approval_missing']);
    const plain = suspendedReceipt();
    const smuggled = { ...plain, cosignatures: [sign(plain, people.dana)] };
    assert.ok(codes(verifyReceipt(smuggled, trust)).includes('unexpected_cosignature'));
  });

  test('lowering the signed quorum breaks the operator signature', () => {
    const receipt = clone(withDecisions({ required: 2 }, [[people.dana]]));
    receipt.statement.quorum = { required: 1, veto: false };
    const result = verifyReceipt(receipt, trust);
    assert.ok(codes(result).includes('bad_operator_signature'));
    assert.equal(result.verdict, 'block');
  });

  test('every tampered variant of a met quorum receipt fails', () => {
    const good = withDecisions({ required: 2, groups: { finance: 1, security: 1 } }, [[people.dana], [people.raj]]);
    assert.equal(verifyReceipt(good, trust, { verify: nodeVerify }).ok, true);
    let variants = 0;
    for (const [path, tampered] of tamperedVariants(good)) {
      variants++;
      const result = verifyReceipt(tampered, trust, { verify: nodeVerify });
      assert.equal(result.ok, false, `tampering ${path} still verifies`);
    }
    assert.ok(variants > 50, `${variants} variants`);
  });

  test('a trust set pinning one key for two people is refused', () => {
    const bad: TrustSet = { ...trust, approvers: [...trust.approvers!, { id: 'eve', keys: [pub(people.raj)] }] };
    const result = verifyReceipt(withDecisions({ required: 2 }, [[people.dana], [people.raj]]), bad);
    assert.ok(codes(result).includes('malformed'));
    assert.equal(result.ok, false);
  });

  test('counting: one person in two groups fills one place; first vote per person counts', () => {
    const both = { person: 'a', groups: ['finance', 'security'], decision: 'approve' as const };
    const alone = quorumProgress({ required: 2, groups: { finance: 1, security: 1 } }, [both, both]);
    assert.equal(alone.met, false);
    assert.equal(alone.approvals, 1);
    const pair = quorumProgress({ required: 2, groups: { finance: 1, security: 1 } }, [
      both,
      { person: 'b', groups: ['finance'], decision: 'approve' },
    ]);
    assert.equal(pair.met, true, 'b takes finance, a takes security (augmenting path)');
  });
});

/** Every variant of `receipt` with one leaf changed (strings altered, numbers bumped, booleans flipped). */
function* tamperedVariants(receipt: Receipt): Generator<[string, unknown]> {
  const root = clone(receipt) as unknown as Record<string, unknown>;
  function* walk(node: unknown, path: (string | number)[]): Generator<(string | number)[]> {
    if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node))
        yield* walk(value, [...path, Array.isArray(node) ? Number(key) : key]);
    } else yield path;
  }
  for (const path of [...walk(root, [])]) {
    const copy = clone(root);
    let parent: Record<string | number, unknown> = copy;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const value = parent[last];
    parent[last] =
      typeof value === 'string'
        ? value.length > 0
          ? (value[0] === 'A' ? 'B' : 'A') + value.slice(1)
          : 'x'
        : typeof value === 'number'
          ? value + 1
          : typeof value === 'boolean'
            ? !value
            : 'x';
    yield [path.join('.'), copy];
  }
  // Dropping a co-signature, and duplicating one, must fail too.
  yield ['cosignatures (one dropped)', { ...receipt, cosignatures: receipt.cosignatures!.slice(1) }];
  yield [
    'cosignatures (one doubled)',
    { ...receipt, cosignatures: [receipt.cosignatures![0]!, receipt.cosignatures![0]!] },
  ];
}
