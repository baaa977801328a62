/**
 * The Python verifier is a second implementation of docs/protocol.md: for the worked example
 * and every tamper case it must reach the TypeScript verifier's verdict with the same reason
 * codes (and fields), and receipts signed by either side must verify on the other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attachCosignature,
  b64url,
  buildCosignature,
  buildReceipt,
  publicKeyFromSecret,
  type Receipt,
  toHex,
  verifyReceipt,
} from '../../src/core/index.ts';
import { computeWorkedExample, EXAMPLE_APPROVAL } from '../core/protocol-example.ts';
import { comparable, type PyCase, pySign, pyVerify } from './support.ts';
import { leafTampers, strangerKey } from './tamper.ts';

const example = computeWorkedExample();
const clone = <T>(v: T): T => structuredClone(v);

function tamperCases(): { name: string; case: PyCase }[] {
  const trust = example.trust;
  const cases: { name: string; case: PyCase }[] = [
    { name: 'worked example', case: { receipt: example.receipt, trust } },
  ];
  cases.push(...leafTampers(example.receipt, trust));
  const { cosignature, ...suspended } = clone(example.receipt);
  const withExtra = (at: string[]) => {
    const receipt = clone(example.receipt);
    const node = at.reduce<Record<string, unknown>>((n, k) => n[k] as Record<string, unknown>, receipt as never);
    node.extra = 1;
    return receipt;
  };
  cases.push(
    { name: 'no co-signature', case: { receipt: suspended, trust } },
    { name: 'untrusted approver', case: { receipt: example.receipt, trust: { approverKeys: [strangerKey] } } },
    {
      name: 'pinned other operator',
      case: { receipt: example.receipt, trust: { ...trust, operatorKeys: [strangerKey] } },
    },
    {
      name: 'pinned right operator',
      case: {
        receipt: example.receipt,
        trust: { ...trust, operatorKeys: [example.receipt.statement.operatorPublicKey] },
      },
    },
    { name: 'trust malformed', case: { receipt: example.receipt, trust: { approverKeys: ['nope'] } } },
    { name: 'trust with unknown field', case: { receipt: example.receipt, trust: { ...trust, extra: true } } },
    { name: 'receipt not an object', case: { receipt: [1, 2], trust } },
    {
      name: 'decision statement as receipt',
      case: { receipt: { statement: cosignature!.statement, signature: cosignature!.signature }, trust },
    },
    { name: 'unknown field in envelope', case: { receipt: withExtra([]), trust } },
    { name: 'unknown field in statement', case: { receipt: withExtra(['statement']), trust } },
    { name: 'unknown field in params', case: { receipt: withExtra(['statement', 'action', 'params']), trust } },
    { name: 'unknown field in co-signature', case: { receipt: withExtra(['cosignature', 'statement']), trust } },
    {
      name: 'gate after expiry',
      case: { receipt: example.receipt, trust, requireUnexpired: true, now: '2026-03-02T09:30:01.001Z' },
    },
    {
      name: 'gate at expiry',
      case: { receipt: example.receipt, trust, requireUnexpired: true, now: '2026-03-02T09:30:01.000Z' },
    },
    {
      name: 'expected approval',
      case: {
        receipt: example.receipt,
        trust,
        expect: {
          approvalId: EXAMPLE_APPROVAL.id,
          challenge: EXAMPLE_APPROVAL.challenge,
          expiresAt: EXAMPLE_APPROVAL.expiresAt,
        },
      },
    },
    {
      name: 'other approval',
      case: {
        receipt: example.receipt,
        trust,
        expect: { approvalId: 'apr_2', challenge: strangerKey, expiresAt: '2026-03-02T09:30:00.000Z' },
      },
    },
  );
  return cases;
}

function tsVerify(c: PyCase) {
  return verifyReceipt(c.receipt, c.trust as never, {
    ...(c.expect ? { expect: c.expect } : {}),
    ...(c.now ? { now: new Date(c.now) } : {}),
    requireUnexpired: c.requireUnexpired ?? false,
  });
}

describe('Python verifier agrees with the TypeScript verifier', () => {
  const cases = tamperCases();
  const python = pyVerify(cases.map((c) => c.case));
  test('the worked example is valid and allowed in Python', () => {
    assert.equal(python[0]!.ok, true);
    assert.deepEqual(comparable(python[0]!), comparable(tsVerify(cases[0]!.case)));
  });
  test(`every tamper case (${cases.length}) gets the same verdict and reason codes`, () => {
    let tampered = 0;
    cases.forEach((c, i) => {
      const ts = tsVerify(c.case);
      if (!ts.ok) tampered++;
      assert.deepEqual(comparable(python[i]!), comparable(ts), c.name);
    });
    assert.ok(tampered > 100, `only ${tampered} cases fail verification; the generator lost its teeth`);
  });
});

function signingItems(count: number) {
  const operatorSeed = toHex(new Uint8Array(32).fill(7));
  const approverSeed = toHex(new Uint8Array(32).fill(9));
  const verdicts = ['allow', 'block', 'suspend', 'suspend'] as const;
  return Array.from({ length: count }, (_, i) => {
    const verdict = verdicts[i % 4]!;
    const item: Record<string, unknown> = {
      teamId: 'team_x',
      receiptId: `rcpt_${i}`,
      verdict,
      policy: { version: 'pol_1', ruleId: i % 5 === 0 ? null : `rule-${i % 7}` },
      issuedAt: '2026-03-02T09:15:01.000Z',
      operatorSeed,
      action: {
        tool: 'payments.refund',
        params: {
          amount: i * 1.25,
          n: i,
          note: `Rückerstattung ${i} – € 😀`,
          big: 2 ** 52 + i,
          tiny: 1e-7 * i,
          list: [i, { k: true }],
        },
        account: `acct_${i % 13}`,
        workflow: 'agent',
        capturedAt: '2026-03-02T09:15:00.123456789Z',
      },
    };
    if (verdict === 'suspend') {
      item.approval = {
        id: `apr_${i}`,
        challenge: b64url.encode(new Uint8Array(32).fill(i % 256)),
        decision: i % 8 === 2 ? 'deny' : 'approve',
        decidedAt: '2026-03-02T09:20:00.000Z',
        expiresAt: '2026-03-02T09:30:00.000Z',
        approverSeed,
      };
    }
    return item;
  });
}

describe('1,000 receipts cross-verified', () => {
  const items = signingItems(1000);
  const approverKey = b64url.encode(publicKeyFromSecret(new Uint8Array(32).fill(9)));
  const trust = { approverKeys: [approverKey] };

  test('signed in Python, verified in TypeScript (byte-identical to TypeScript signing)', () => {
    const receipts = pySign(items) as Receipt[];
    assert.equal(receipts.length, 1000);
    receipts.forEach((receipt, i) => {
      const item = items[i]!;
      const result = verifyReceipt(receipt, trust);
      assert.equal(result.valid, true, JSON.stringify(result.reasons));
      const expected =
        item.verdict === 'suspend'
          ? (item.approval as { decision: string }).decision === 'approve'
            ? 'allow'
            : 'block'
          : item.verdict;
      assert.equal(result.verdict, expected);
    });
    // Ed25519 is deterministic: the TypeScript builder must produce the very same bytes.
    const ts = buildReceipt(
      {
        teamId: 'team_x',
        action: items[3]!.action as never,
        verdict: 'suspend',
        policy: items[3]!.policy as never,
        receiptId: 'rcpt_3',
        issuedAt: '2026-03-02T09:15:01.000Z',
      },
      new Uint8Array(32).fill(7),
    );
    assert.equal(ts.signature, receipts[3]!.signature);
  });

  test('signed in TypeScript, verified in Python', () => {
    const receipts = items.map((item) => {
      const receipt = buildReceipt(
        {
          teamId: 'team_x',
          action: item.action as never,
          verdict: item.verdict as never,
          policy: item.policy as never,
          receiptId: item.receiptId as string,
          issuedAt: item.issuedAt as string,
        },
        new Uint8Array(32).fill(7),
      );
      const a = item.approval as Record<string, string> | undefined;
      if (!a) return receipt;
      const cos = buildCosignature(
        {
          approval: { id: a.id!, teamId: 'team_x', challenge: a.challenge!, expiresAt: a.expiresAt!, receipt },
          decision: a.decision as never,
          decidedAt: a.decidedAt!,
        },
        new Uint8Array(32).fill(9),
      );
      return attachCosignature(receipt, cos);
    });
    const python = pyVerify(receipts.map((receipt) => ({ receipt, trust })));
    receipts.forEach((receipt, i) => {
      assert.deepEqual(comparable(python[i]!), comparable(verifyReceipt(receipt, trust)), `receipt ${i}`);
      assert.equal(python[i]!.valid, true);
    });
  });
});
