/**
 * HESO's Ed25519 rule (docs/protocol.md §1.3) against three public vector suites: every
 * vector gets the same verdict from the pure-JS backend (`verifyBytes`, used by the
 * renderer and the approver engine) and the node:crypto backend (`nodeVerify`, server and
 * CLI), and that verdict is the rule's — derived from each suite's own data, not from
 * either backend.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import { publicKeyProblem } from '../../src/core/ed25519-rule.ts';
import { fromHex, verifyBytes } from '../../src/core/index.ts';

const dir = new URL('./vectors/ed25519/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

interface Vector {
  name: string;
  key: string;
  sig: string;
  msg: Uint8Array;
  expected: boolean;
}

/** Both backends, and the rule's verdict, for each vector; one failure message lists every disagreement. */
function checkAll(vectors: Vector[]): { accepted: number } {
  const wrong: string[] = [];
  let accepted = 0;
  for (const v of vectors) {
    const key = fromHex(v.key);
    const sig = fromHex(v.sig);
    const noble = verifyBytes(sig, v.msg, key);
    const node = nodeVerify(sig, v.msg, key);
    if (noble !== v.expected || node !== v.expected)
      wrong.push(`${v.name}: rule says ${v.expected}, noble ${noble}, node:crypto ${node}`);
    if (v.expected) accepted++;
  }
  assert.deepEqual(wrong, []);
  return { accepted };
}

test('Wycheproof ed25519_test.json: all 151 vectors give their published result on both backends', () => {
  const suite = load('wycheproof-ed25519_test.json') as {
    numberOfTests: number;
    testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
  };
  // Wycheproof's "valid" / "invalid" are RFC 8032 strict verdicts and need no re-derivation:
  // its keys are all full-order and canonical, so the rule's extra key checks never apply.
  const vectors: Vector[] = suite.testGroups.flatMap((group) =>
    group.tests.map((t) => ({
      name: `tcId ${t.tcId}`,
      key: group.publicKey.pk,
      sig: t.sig,
      msg: fromHex(t.msg),
      expected: t.result === 'valid',
    })),
  );
  assert.equal(vectors.length, suite.numberOfTests);
  // Truncated and padded signatures are among them: both backends refuse any length but 64.
  const { accepted } = checkAll(vectors);
  assert.equal(accepted, 88);
});

/**
 * CCTV's flags say exactly which property each vector exercises, so the rule's verdict
 * follows from them: refuse `low_order_A` (small-order key, canonical or not),
 * `non_canonical_A`, `non_canonical_R` (encodings the rule refuses) and `low_order_residue`
 * (the cofactorless equation fails: only cofactored verifiers accept those). Every other
 * vector satisfies the cofactorless equation with canonical points (CCTV's vectors are
 * all valid under ZIP-215, the most permissive rule), so the rule accepts it.
 */
test('C2SP CCTV ed25519vectors.json: all 914 vectors, same verdict on both backends, the one the flags imply', () => {
  const suite = load('cctv-ed25519vectors.json') as {
    number: number;
    key: string;
    sig: string;
    msg: string;
    flags: string[] | null;
  }[];
  const REFUSED = ['low_order_A', 'non_canonical_A', 'non_canonical_R', 'low_order_residue'];
  const vectors: Vector[] = suite.map((v) => ({
    name: `#${v.number} [${(v.flags ?? []).join(' ')}]`,
    key: v.key,
    sig: v.sig,
    msg: new TextEncoder().encode(v.msg),
    expected: !(v.flags ?? []).some((flag) => REFUSED.includes(flag)),
  }));
  assert.equal(vectors.length, 914);
  const { accepted } = checkAll(vectors);
  // Accepted vectors include small-order R (allowed: R's order is the signer's business).
  assert.ok(accepted > 0 && accepted < 914);
  assert.ok(vectors.some((v) => v.expected && v.name.includes('low_order_R')));
});

/**
 * ed25519-speccheck's cases.json carries no flags; its README's condition table describes
 * each case. The rule's verdict per case, from that table:
 *  0 small A and small R          → refuse (small-order A)
 *  1 small A, mixed R             → refuse (small-order A)
 *  2 mixed A, small R, passes cofactorless → accept
 *  3 mixed A and R, passes cofactorless    → accept
 *  4 fails the cofactorless equation       → refuse
 *  5 fails the cofactorless equation       → refuse
 *  6 S > L, 7 S ≫ L               → refuse (S < L required)
 *  8, 9 non-canonical R           → refuse
 *  10, 11 non-canonical (small-order) A → refuse
 */
test('ed25519-speccheck cases.json: all 12 vectors, same verdict on both backends, the rule accepts only 2 and 3', () => {
  const suite = load('speccheck-cases.json') as { message: string; pub_key: string; signature: string }[];
  const ACCEPTED = new Set([2, 3]);
  const vectors: Vector[] = suite.map((c, i) => ({
    name: `case ${i}`,
    key: c.pub_key,
    sig: c.signature,
    msg: fromHex(c.message),
    expected: ACCEPTED.has(i),
  }));
  assert.equal(vectors.length, 12);
  assert.equal(checkAll(vectors).accepted, 2);
});

test('publicKeyProblem names why a key is refused: non-canonical, not on the curve, small order', () => {
  const hex = (bytes: number[]) => new Uint8Array(bytes);
  const le = (n: bigint) => hex(Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
  const p = 2n ** 255n - 19n;
  // y = p: the non-reduced spelling of y = 0.
  assert.equal(publicKeyProblem(le(p)), 'non_canonical');
  // y = 1 with the sign bit: "−0", a second spelling of the identity.
  assert.equal(publicKeyProblem(le(1n | (1n << 255n))), 'non_canonical');
  // The identity (y = 1) and the order-4 point (y = 0): small order.
  assert.equal(publicKeyProblem(le(1n)), 'small_order');
  assert.equal(publicKeyProblem(le(0n)), 'small_order');
  assert.equal(publicKeyProblem(le(p - 1n)), 'small_order');
  // y = 2 has no x on the curve.
  assert.equal(publicKeyProblem(le(2n)), 'not_on_curve');
  // The RFC 8032 TEST 1 key is fine.
  assert.equal(publicKeyProblem(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')), null);
  // Every low-order encoding CCTV lists as a key is refused by the same check.
  const cctv = load('cctv-ed25519vectors.json') as { key: string; flags: string[] | null }[];
  for (const v of cctv.filter((x) => x.flags?.includes('low_order_A')))
    assert.notEqual(publicKeyProblem(fromHex(v.key)), null, v.key);
});
