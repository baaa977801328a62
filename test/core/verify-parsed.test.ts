/**
 * The parsed entry points (`verifyParsedReceipt`, `verifyParsedCosignature`: what the control
 * plane calls on bodies its request schemas already parsed) must reach exactly the result of
 * the full ones (`verifyReceipt`, `verifyCosignature`) on every input the schemas accept:
 * valid receipts of every verdict, and receipts tampered leaf by leaf, by hand and at random.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import {
  Cosignature,
  type CosignatureContext,
  Receipt,
  type TrustSet,
  verifyCosignature,
  verifyParsedCosignature,
  verifyParsedReceipt,
  verifyReceipt,
} from '../../src/core/index.ts';
import {
  AFTER_EXPIRY,
  APPROVAL,
  BEFORE_EXPIRY,
  clone,
  cosigned,
  keys,
  pub,
  suspendedReceipt,
  trust,
} from './fixtures.ts';

type Options = Parameters<typeof verifyReceipt>[2];

const stranger = pub(keys.stranger);

/** Receipts of every kind the verifier distinguishes. */
function bases(): { name: string; receipt: Receipt }[] {
  const { cosignature: _approved, ...suspended } = cosigned();
  return [
    { name: 'approved', receipt: cosigned() },
    { name: 'denied', receipt: cosigned('deny') },
    { name: 'suspended, no co-signature', receipt: suspended },
    { name: 'allow', receipt: suspendedReceipt({ verdict: 'allow' }) },
    { name: 'block', receipt: suspendedReceipt({ verdict: 'block' }) },
  ];
}

/** Trust and options the results depend on. */
const SETTINGS: { name: string; trust: TrustSet; opts: Options }[] = [
  { name: 'pinned approver', trust, opts: {} },
  { name: 'unknown approver', trust: { approverKeys: [stranger] }, opts: {} },
  { name: 'pinned operator', trust: { ...trust, operatorKeys: [pub(keys.operator)] }, opts: {} },
  { name: 'other operator pinned', trust: { ...trust, operatorKeys: [stranger] }, opts: {} },
  {
    name: 'expected approval, before expiry',
    trust,
    opts: {
      expect: { approvalId: APPROVAL.id, challenge: APPROVAL.challenge, expiresAt: APPROVAL.expiresAt },
      now: BEFORE_EXPIRY,
      requireUnexpired: true,
    },
  },
  { name: 'gate after expiry', trust, opts: { now: AFTER_EXPIRY, requireUnexpired: true } },
  { name: 'another approval expected', trust, opts: { expect: { approvalId: 'apr_other', challenge: stranger } } },
];

function leaves(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  else out.push(path);
  return out;
}

function withLeaf(receipt: Receipt, path: string[], value: unknown): unknown {
  const copy = clone(receipt) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** Changes of one leaf that keep the receipt's shape, so that only the checks after the parse can catch them. */
function sameShape(value: unknown): unknown[] {
  if (typeof value === 'number') return [value + 1, -value];
  if (typeof value === 'boolean') return [!value];
  if (typeof value !== 'string') return [];
  const out: unknown[] = [`${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`];
  if (/^\d{4}-/.test(value)) out.push(new Date(Date.parse(value) + 1000).toISOString());
  if (value.length === 43) out.push(stranger);
  for (const word of ['allow', 'block', 'suspend', 'approve', 'deny']) if (word !== value) out.push(word);
  return out;
}

/** Both entry points on one input; null when the schema refuses it (the server answers 400 before verifying). */
function compare(input: unknown, trustSet: TrustSet, opts: Options): boolean | null {
  const full = verifyReceipt(input, trustSet, { ...opts, verify: nodeVerify });
  const parsed = Receipt.safeParse(input);
  if (!parsed.success) {
    assert.equal(full.valid, false, 'a receipt the schema refuses is never valid');
    return null;
  }
  assert.deepEqual(verifyParsedReceipt(parsed.data, trustSet, { ...opts, verify: nodeVerify }), full);
  return full.valid;
}

describe('verifyParsedReceipt gives verifyReceipt’s result', () => {
  test('on valid receipts of every kind, under every trust setting', () => {
    let valid = 0;
    for (const { receipt } of bases()) for (const s of SETTINGS) if (compare(receipt, s.trust, s.opts)) valid++;
    assert.ok(valid >= 15, `only ${valid} valid cases: the fixtures lost their variety`);
  });

  test('on every leaf of every receipt tampered with a value of the same shape', () => {
    let compared = 0;
    let invalid = 0;
    for (const { receipt } of bases()) {
      for (const path of leaves(receipt)) {
        const value = path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], receipt);
        for (const changed of sameShape(value)) {
          for (const s of SETTINGS.slice(0, 4)) {
            const valid = compare(withLeaf(receipt, path, changed), s.trust, s.opts);
            if (valid === null) continue;
            compared++;
            if (!valid) invalid++;
          }
        }
      }
    }
    // Most changes keep the shape; nearly all of those must then fail on a signature or binding.
    assert.ok(compared > 500, `only ${compared} tampered receipts passed the schema`);
    assert.ok(invalid > compared * 0.8, `only ${invalid} of ${compared} tampered receipts were invalid`);
  });

  test('at random: any leaf replaced by any short string or number', () => {
    const good = cosigned();
    const paths = leaves(good);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constantFrom(...paths.map(() => stranger))),
        fc.constantFrom(...SETTINGS),
        (path, value, s) => {
          compare(withLeaf(good, path, value), s.trust, s.opts);
        },
      ),
      { numRuns: 400, seed: 10 },
    );
  });
});

describe('verifyParsedCosignature gives verifyCosignature’s result', () => {
  const receipt = suspendedReceipt();
  const context: CosignatureContext = {
    approvalId: APPROVAL.id,
    teamId: APPROVAL.teamId,
    challenge: APPROVAL.challenge,
    expiresAt: APPROVAL.expiresAt,
    receipt,
  };
  const contexts: { context: CosignatureContext; now?: Date }[] = [
    { context },
    { context, now: BEFORE_EXPIRY },
    { context, now: AFTER_EXPIRY },
    { context: { ...context, challenge: stranger } },
    { context: { ...context, approvalId: 'apr_other' } },
    { context: { ...context, receipt: suspendedReceipt({ receiptId: 'rcpt_other' }) } },
  ];

  test('on valid and tampered co-signatures, against several approvals', () => {
    const cosignature = cosigned().cosignature!;
    let compared = 0;
    let refused = 0;
    for (const path of leaves(cosignature)) {
      const value = path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], cosignature);
      for (const changed of [value, ...sameShape(value)]) {
        const input = withLeaf(cosignature as never, path, changed);
        const parsed = Cosignature.safeParse(input);
        for (const { context: c, now } of contexts) {
          const full = verifyCosignature(input, c, { verify: nodeVerify, ...(now ? { now } : {}) });
          if (!parsed.success) {
            assert.equal(full.ok, false);
            continue;
          }
          const fast = verifyParsedCosignature(parsed.data, c, { verify: nodeVerify, ...(now ? { now } : {}) });
          assert.deepEqual(fast, full);
          compared++;
          if (!full.ok) refused++;
        }
      }
    }
    assert.ok(compared > 200, `only ${compared} co-signatures passed the schema`);
    assert.ok(refused > compared / 2, `only ${refused} of ${compared} were refused`);
  });
});
