/**
 * Quorum receipts (docs/protocol.md §3 "Quorum", §4 step 6q) verified by the Python verifier and
 * the TypeScript verifier: the same verdict, validity, counted approver, quorum progress and
 * reason codes (with fields) for every case, from a met quorum to tampered and over-limit ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attachCosignatures,
  b64url,
  buildCosignature,
  buildReceipt,
  type Cosignature,
  type Decision,
  fromHex,
  publicKeyFromSecret,
  type QuorumRequirement,
  type Receipt,
  signStatement,
  type TrustSet,
  verifyReceipt,
} from '../../src/core/index.ts';
import { computeWorkedExample } from '../core/protocol-example.ts';
import { comparable, type PyCase, pyVerify } from './support.ts';
import { leafTampers, strangerKey } from './tamper.ts';

const operator = fromHex('61'.repeat(32));
const secrets = {
  dana: fromHex('62'.repeat(32)),
  danaRotated: fromHex('63'.repeat(32)),
  raj: fromHex('64'.repeat(32)),
  li: fromHex('65'.repeat(32)),
  both: fromHex('66'.repeat(32)),
  sam: fromHex('67'.repeat(32)),
  mallory: fromHex('68'.repeat(32)),
};
const pub = (secret: Uint8Array) => b64url.encode(publicKeyFromSecret(secret));
const APPROVAL = {
  id: 'apr_q1',
  teamId: 'team_q',
  challenge: b64url.encode(new Uint8Array(32).fill(9)),
  expiresAt: '2026-03-02T09:30:00.000Z',
};

/**
 * Dana (finance, rotated once: two keys), Raj (security), Li (finance, but the operator key is
 * her own agent's), Bo (`both`: finance and security), Sam (trusted, pinned under no person).
 * Mallory's key is pinned nowhere.
 */
const trust: TrustSet = {
  approverKeys: [secrets.dana, secrets.danaRotated, secrets.raj, secrets.li, secrets.both, secrets.sam].map(pub),
  approvers: [
    { id: 'dana', keys: [pub(secrets.dana), pub(secrets.danaRotated)], groups: ['finance'] },
    { id: 'raj', keys: [pub(secrets.raj)], groups: ['security'] },
    { id: 'li', keys: [pub(secrets.li)], groups: ['finance'], requesterKeys: [pub(operator)] },
    { id: 'bo', keys: [pub(secrets.both)], groups: ['finance', 'security'] },
  ],
};
const TWO_GROUPS: QuorumRequirement = { required: 2, groups: { finance: 1, security: 1 } };

function quorumReceipt(quorum: QuorumRequirement | undefined, verdict: 'suspend' | 'allow' = 'suspend'): Receipt {
  return buildReceipt(
    {
      teamId: APPROVAL.teamId,
      action: {
        tool: 'payments.refund',
        params: { amount: 900, currency: 'EUR' },
        account: 'acct_q',
        workflow: 'refunds',
        capturedAt: '2026-03-02T09:00:00.000Z',
      },
      verdict,
      policy: { version: 'pol_q', ruleId: 'two-person' },
      ...(quorum ? { quorum } : {}),
      receiptId: 'rcpt_q1',
      issuedAt: '2026-03-02T09:00:01.000Z',
    },
    operator,
  );
}

function sign(receipt: Receipt, secret: Uint8Array, decision: Decision = 'approve', approval = APPROVAL): Cosignature {
  return buildCosignature(
    { approval: { ...approval, receipt }, decision, decidedAt: '2026-03-02T09:05:00.000Z' },
    secret,
  );
}

/** A quorum receipt co-signed by `signers`, in order. */
function decided(quorum: QuorumRequirement, signers: [Uint8Array, Decision?][]): Receipt {
  const receipt = quorumReceipt(quorum);
  return attachCosignatures(
    receipt,
    signers.map(([secret, decision]) => sign(receipt, secret, decision)),
  );
}

/** The operator signs a statement the builder would refuse (an over-limit quorum): only the schema stops it. */
function resigned(receipt: Receipt, quorum: unknown): Receipt {
  const statement = { ...receipt.statement, quorum } as Receipt['statement'];
  return { ...receipt, statement, signature: signStatement(statement, operator) };
}

function outcomeCases(): { name: string; case: PyCase }[] {
  const met = decided(TWO_GROUPS, [[secrets.dana], [secrets.raj]]);
  const plain = quorumReceipt(undefined);
  const otherApproval = { ...APPROVAL, id: 'apr_q2' };
  const mixed = quorumReceipt({ required: 2 });
  const cases: [string, Receipt | unknown, PyCase['trust']?][] = [
    ['quorum met (finance + security)', met],
    ['quorum not met (finance only)', decided(TWO_GROUPS, [[secrets.dana]])],
    ['same person via two keys', decided({ required: 2 }, [[secrets.dana], [secrets.danaRotated]])],
    ['same key twice', decided({ required: 2 }, [[secrets.raj], [secrets.raj]])],
    ['unpinned key does not count', decided({ required: 2 }, [[secrets.dana], [secrets.mallory]])],
    ['requester approving own request', decided({ required: 2 }, [[secrets.dana], [secrets.li]])],
    ['a deny vetoes', decided({ required: 2 }, [[secrets.dana], [secrets.raj, 'deny']])],
    [
      'a deny by an untrusted key changes nothing',
      decided({ required: 2 }, [[secrets.dana], [secrets.mallory, 'deny']]),
    ],
    [
      'veto off: a deny is kept but the quorum is met',
      decided({ required: 2, veto: false }, [[secrets.dana], [secrets.raj, 'deny'], [secrets.sam]]),
    ],
    [
      'veto off: only denies',
      decided({ required: 2, veto: false }, [
        [secrets.dana, 'deny'],
        [secrets.raj, 'deny'],
      ]),
    ],
    ['one person in two groups fills one place', decided(TWO_GROUPS, [[secrets.both]])],
    ['two-group person and a finance person', decided(TWO_GROUPS, [[secrets.both], [secrets.dana]])],
    ['finance person and a two-group person', decided(TWO_GROUPS, [[secrets.dana], [secrets.both]])],
    ['unlabelled trusted key is its own person', decided({ required: 2 }, [[secrets.sam], [secrets.raj]])],
    ['a group short though enough people', decided(TWO_GROUPS, [[secrets.dana], [secrets.sam]])],
    [
      'groups named by digits keep the JavaScript member order',
      decided({ required: 3, groups: { security: 1, '7': 1, '10': 1 } }, [[secrets.both], [secrets.raj]]),
    ],
    ['quorum over range and unmeetable', resigned(met, { required: 11, groups: { finance: 10, security: 10 } })],
    ['quorum with an unknown field and the default', resigned(met, { required: 1, extra: 1 })],
    [
      'quorum group minimums: out of range and too many',
      resigned(met, { required: 2, groups: { finance: 0, security: 5 } }),
    ],
    ['quorum with a wrongly typed minimum', resigned(met, { required: 2, groups: { finance: '1', security: 5 } })],
    ['quorum with a bad group name and too many', resigned(met, { required: 2, groups: { 'a b': 1, security: 5 } })],
    ['no co-signatures', quorumReceipt(TWO_GROUPS)],
    ['empty co-signatures', { ...met, cosignatures: [] }],
    ['co-signatures null', { ...met, cosignatures: null }],
    ['65 co-signatures (over the limit)', { ...met, cosignatures: Array(65).fill(met.cosignatures![0]) }],
    ['a single co-signature on a quorum receipt', { ...met, cosignature: met.cosignatures![0] }],
    ['co-signatures on a receipt without quorum', attachCosignatures(plain, [sign(plain, secrets.dana)])],
    ['co-signatures on an allow receipt', { ...quorumReceipt(undefined, 'allow'), cosignatures: met.cosignatures }],
    [
      'co-signatures deciding two approvals',
      attachCosignatures(mixed, [sign(mixed, secrets.dana), sign(mixed, secrets.raj, 'approve', otherApproval)]),
    ],
    ['a co-signature that is not one', { ...met, cosignatures: [met.cosignatures![0], { statement: 1 }] }],
    [
      'tampered quorum: required 2 → 3',
      { ...met, statement: { ...met.statement, quorum: { ...TWO_GROUPS, required: 3 } } },
    ],
    ['tampered quorum: removed', { ...met, statement: { ...met.statement, quorum: undefined } }],
    ['over-limit quorum: 11 required', resigned(met, { required: 11 })],
    ['over-limit quorum: group minimum 11', resigned(met, { required: 10, groups: { finance: 11 } })],
    [
      'over-limit quorum: 11 groups',
      resigned(met, { required: 10, groups: Object.fromEntries([...'abcdefghijk'].map((g) => [g, 1])) }),
    ],
    ['quorum minimums above required', resigned(met, { required: 2, groups: { finance: 2, security: 1 } })],
    ['quorum that is the default', resigned(met, { required: 1 })],
    ['quorum with veto true', resigned(met, { required: 2, veto: true })],
    ['quorum with an unknown field', resigned(met, { required: 2, extra: 1 })],
    ['quorum with a bad group name', resigned(met, { required: 2, groups: { 'no spaces': 1 } })],
    ['quorum with no groups', resigned(met, { required: 2, groups: {} })],
    ['quorum required 2.5', resigned(met, { required: 2.5 })],
    ['quorum required a string', resigned(met, { required: '2' })],
    ['quorum not an object', resigned(met, [2])],
    [
      'met, but trust pins a key under two people',
      met,
      { ...trust, approvers: [...trust.approvers!, { id: 'eve', keys: [pub(secrets.raj)] }] },
    ],
    ['met, trust without labels: no groups known', met, { approverKeys: trust.approverKeys }],
    ['trust approvers malformed', met, { ...trust, approvers: [{ id: 'a b', keys: [], groups: [1], extra: true }] }],
    ['trust approvers null', met, { ...trust, approvers: null }],
    ['trust approver with 101 keys', met, { ...trust, approvers: [{ id: 'x', keys: Array(101).fill(strangerKey) }] }],
    [
      'trust approver in 21 groups',
      met,
      { ...trust, approvers: [{ id: 'x', keys: [strangerKey], groups: Array(21).fill('g') }] },
    ],
  ];
  return cases.map(([name, receipt, trustSet]) => ({
    name,
    case: { receipt: JSON.parse(JSON.stringify(receipt)), trust: trustSet ?? trust },
  }));
}

function timingCases(): { name: string; case: PyCase }[] {
  const met = decided(TWO_GROUPS, [[secrets.dana], [secrets.raj]]);
  return [
    {
      name: 'gate after expiry (counted, but expired)',
      case: { receipt: met, trust, requireUnexpired: true, now: '2026-03-02T09:30:00.001Z' },
    },
    {
      name: 'gate before expiry',
      case: { receipt: met, trust, requireUnexpired: true, now: '2026-03-02T09:29:59.999Z' },
    },
    {
      name: 'expected approval',
      case: {
        receipt: met,
        trust,
        expect: { approvalId: APPROVAL.id, challenge: APPROVAL.challenge, expiresAt: APPROVAL.expiresAt },
      },
    },
    { name: 'expected another approval', case: { receipt: met, trust, expect: { approvalId: 'apr_other' } } },
  ];
}

function tsVerify(c: PyCase) {
  return verifyReceipt(c.receipt, c.trust as TrustSet, {
    ...(c.expect ? { expect: c.expect } : {}),
    ...(c.now ? { now: new Date(c.now) } : {}),
    requireUnexpired: c.requireUnexpired ?? false,
  });
}

/** Runs every case through both verifiers; returns the TypeScript results, for the caller's own checks. */
function assertParity(cases: { name: string; case: PyCase }[]) {
  const python = pyVerify(cases.map((c) => c.case));
  return cases.map((c, i) => {
    const ts = tsVerify(c.case);
    assert.deepEqual(comparable(python[i]!), comparable(ts), c.name);
    return ts;
  });
}

describe('Python verifies quorum receipts as the TypeScript verifier does', () => {
  test('met, not met, duplicate person, unpinned key, requester, veto, tampered and over-limit quorums', () => {
    const cases = outcomeCases();
    const results = assertParity(cases);
    const byName = new Map(cases.map((c, i) => [c.name, results[i]!]));
    // The cases must cover every outcome, or agreement would prove little.
    const codes = (name: string) => byName.get(name)!.reasons.map((r) => r.code);
    assert.equal(byName.get('quorum met (finance + security)')!.ok, true);
    assert.deepEqual(codes('quorum not met (finance only)'), ['quorum_not_met']);
    assert.ok(codes('same person via two keys').includes('duplicate_approver'));
    assert.deepEqual(codes('unpinned key does not count'), ['quorum_not_met']);
    assert.deepEqual(codes('requester approving own request'), ['quorum_not_met']);
    assert.equal(byName.get('a deny vetoes')!.verdict, 'block');
    assert.equal(byName.get('veto off: a deny is kept but the quorum is met')!.ok, true);
    assert.deepEqual(codes('tampered quorum: required 2 → 3'), ['bad_operator_signature', 'quorum_not_met']);
    assert.deepEqual(codes('over-limit quorum: 11 required'), ['malformed']);
    assert.equal(byName.get('two-group person and a finance person')!.ok, true);
  });

  test('expiry and expected approvals count the same way', () => {
    const [expired, fresh] = assertParity(timingCases());
    assert.deepEqual(
      expired!.reasons.map((r) => r.code),
      ['approval_expired', 'approval_expired'],
    );
    assert.equal(fresh!.ok, true);
  });

  test('every leaf of the documented quorum receipt (§8.6), tampered, gets the same verdict', () => {
    const example = computeWorkedExample();
    const cases = [
      { name: '§8.6 as documented', case: { receipt: example.quorumReceipt, trust: example.quorumTrust } },
      ...leafTampers(example.quorumReceipt, example.quorumTrust),
    ];
    const results = assertParity(cases);
    assert.equal(results[0]!.ok, true);
    const failing = results.filter((r) => !r.ok).length;
    assert.ok(failing > 100, `only ${failing} tampered cases fail verification; the generator lost its teeth`);
  });
});
