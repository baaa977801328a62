import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import {
  assertGate,
  attachCosignature,
  buildCosignature,
  buildReceipt,
  computeActionHash,
  DECISION_TYPE,
  DecisionStatement,
  GateError,
  gate,
  keyIdOf,
  publicKeyFromSecret,
  RECEIPT_TYPE,
  ReceiptStatement,
  signStatement,
  ValidationError,
  VERIFY_REASON_CODES,
  type VerifyReasonCode,
  type VerifyResult,
  verifyCosignature,
  verifyReceipt,
  verifyStatement,
} from '../../src/core/index.ts';
import {
  ACTION,
  AFTER_EXPIRY,
  APPROVAL,
  BEFORE_EXPIRY,
  clone,
  cosigned,
  decisionFor,
  keys,
  pub,
  signedDecision,
  suspendedReceipt,
  trust,
} from './fixtures.ts';

const codes = (r: VerifyResult | { reasons: { code: VerifyReasonCode }[] }) => r.reasons.map((x) => x.code);

function assertCodes(result: VerifyResult, expected: VerifyReasonCode[], label = '') {
  for (const code of expected)
    assert.ok(codes(result).includes(code), `${label}: expected ${code}, got ${codes(result)}`);
}

describe('happy paths', () => {
  test('allow receipt verifies with no approver keys at all', () => {
    const receipt = buildReceipt(
      { teamId: 't', action: ACTION, verdict: 'allow', policy: { version: 'p', ruleId: null } },
      keys.operator,
    );
    assert.match(receipt.statement.receiptId, /^rcpt_[0-9a-f]{32}$/);
    assert.equal(receipt.statement.actionHash, computeActionHash(ACTION));
    assert.equal(receipt.statement.operatorKeyId, keyIdOf(publicKeyFromSecret(keys.operator)));
    const result = verifyReceipt(receipt, { approverKeys: [] });
    assert.deepEqual(
      { ok: result.ok, valid: result.valid, verdict: result.verdict, reasons: result.reasons },
      { ok: true, valid: true, verdict: 'allow', reasons: [] },
    );
    assert.equal(result.operatorKeyId, receipt.statement.operatorKeyId);
  });

  test('block receipt is valid but not allowed', () => {
    const receipt = suspendedReceipt({ verdict: 'block' });
    const result = verifyReceipt(receipt, trust);
    assert.equal(result.valid, true);
    assert.equal(result.ok, false);
    assert.equal(result.verdict, 'block');
    assert.deepEqual(codes(result), ['verdict_block']);
  });

  test('suspend without co-signature: valid, suspended, approval_missing', () => {
    const result = verifyReceipt(suspendedReceipt(), trust);
    assert.deepEqual(
      [result.valid, result.ok, result.verdict, codes(result)],
      [true, false, 'suspend', ['approval_missing']],
    );
  });

  test('suspend + trusted approve → allow (noble and node:crypto)', () => {
    const receipt = cosigned('approve');
    for (const verify of [undefined, nodeVerify]) {
      const result = verifyReceipt(receipt, trust, verify ? { verify } : {});
      assert.equal(result.ok, true, JSON.stringify(result.reasons));
      assert.equal(result.verdict, 'allow');
      assert.equal(result.claimedVerdict, 'suspend');
      assert.equal(result.decision, 'approve');
      assert.equal(result.approverKeyId, keyIdOf(publicKeyFromSecret(keys.approver)));
    }
    assert.ok(verifyReceipt(receipt, trust, { expect: { approvalId: APPROVAL.id, challenge: APPROVAL.challenge } }).ok);
  });

  test('suspend + trusted deny → block, valid, decision_denied', () => {
    const result = verifyReceipt(cosigned('deny'), trust);
    assert.deepEqual(
      [result.valid, result.ok, result.verdict, codes(result)],
      [true, false, 'block', ['decision_denied']],
    );
  });

  test('operator pinning', () => {
    const receipt = cosigned();
    assert.ok(verifyReceipt(receipt, { ...trust, operatorKeys: [pub(keys.operator)] }).ok);
    const result = verifyReceipt(receipt, { ...trust, operatorKeys: [pub(keys.otherOperator)] });
    assert.deepEqual(
      [result.ok, result.valid, result.verdict, codes(result)],
      [false, false, 'block', ['operator_untrusted']],
    );
  });

  test('a co-signature on an allow receipt is refused', () => {
    const allow = suspendedReceipt({ verdict: 'allow' });
    const cos = signedDecision(decisionFor(allow));
    const result = verifyReceipt(attachCosignature(allow, cos), trust);
    assert.equal(result.ok, false);
    assertCodes(result, ['unexpected_cosignature']);
  });
});

describe('untrusted co-signers never turn suspend into allow', () => {
  test('approver key not in the trust set', () => {
    for (const approverKeys of [[], [pub(keys.stranger)], [pub(keys.operator)]]) {
      const result = verifyReceipt(cosigned('approve'), { approverKeys });
      assert.equal(result.ok, false);
      assert.equal(result.verdict, 'suspend');
      assert.deepEqual(codes(result), ['approver_untrusted']);
    }
  });

  test('an attacker replaces the co-signature with their own, correctly bound and signed', () => {
    const receipt = suspendedReceipt();
    const forged = buildCosignature(
      { approval: { ...APPROVAL, receipt }, decision: 'approve', decidedAt: '2026-03-02T09:05:00.000Z' },
      keys.stranger,
    );
    const result = verifyReceipt(attachCosignature(receipt, forged), trust);
    assert.equal(result.ok, false);
    assert.equal(result.verdict, 'suspend');
    assert.deepEqual(codes(result), ['approver_untrusted']);
  });

  test('the operator co-signing its own receipt does not count unless trusted as an approver', () => {
    const receipt = suspendedReceipt();
    const self = buildCosignature(
      { approval: { ...APPROVAL, receipt }, decision: 'approve', decidedAt: '2026-03-02T09:05:00.000Z' },
      keys.operator,
    );
    assert.equal(verifyReceipt(attachCosignature(receipt, self), trust).verdict, 'suspend');
  });
});

describe('domain separation', () => {
  test('a decision statement presented as a receipt statement', () => {
    const receipt = cosigned();
    const cos = receipt.cosignature!;
    const result = verifyReceipt({ statement: cos.statement, signature: cos.signature }, trust);
    assert.deepEqual(codes(result), ['wrong_statement_type']);
    assert.equal(result.verdict, 'block');
  });

  test('a decision signature presented as the receipt signature (same key signs both)', () => {
    // The operator key also signs a decision; its signature must not verify the receipt.
    const receipt = suspendedReceipt();
    const decision = decisionFor(receipt, { approverKeyId: keyIdOf(publicKeyFromSecret(keys.operator)) });
    const decisionSig = signStatement(decision, keys.operator);
    const result = verifyReceipt({ ...receipt, signature: decisionSig }, trust);
    assert.deepEqual(codes(result), ['bad_operator_signature', 'approval_missing']);
    assert.deepEqual([result.valid, result.verdict], [false, 'block']);
    // and the bytes differ only by design: relabelling the type breaks the signature too.
    assert.ok(verifyStatement(decision, decisionSig, pub(keys.operator)));
    assert.ok(!verifyStatement({ ...decision, type: RECEIPT_TYPE }, decisionSig, pub(keys.operator)));
  });

  test('a receipt statement or signature presented as the co-signature', () => {
    const receipt = cosigned();
    const asStatement = { ...receipt, cosignature: { ...receipt.cosignature!, statement: receipt.statement } };
    assert.deepEqual(codes(verifyReceipt(asStatement, trust)), ['wrong_statement_type']);
    const sameKeyReceipt = buildReceipt(
      {
        teamId: 'team_a',
        action: ACTION,
        verdict: 'suspend',
        policy: { version: 'pol_1', ruleId: 'big-refunds' },
        receiptId: 'rcpt_1',
        issuedAt: '2026-03-02T09:00:01.000Z',
      },
      keys.approver,
    );
    const asSignature = { ...receipt, cosignature: { ...receipt.cosignature!, signature: sameKeyReceipt.signature } };
    assert.deepEqual(codes(verifyReceipt(asSignature, trust)), ['bad_cosignature']);
  });
});

/* ---------------------------------------------------------------------- tamper */

const other = {
  key: pub(keys.stranger),
  signature: signStatement({ something: 'else' }, keys.stranger),
  keyId: keyIdOf(publicKeyFromSecret(keys.stranger)),
};

/** A different value of the same shape, so only the cryptography and bindings can catch it. */
function mutate(path: string, value: unknown): unknown {
  const name = path
    .split('.')
    .at(-1)!
    .replace(/\[\d+\]$/, '');
  if (value === null) return name === 'ruleId' ? 'other-rule' : 0;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (typeof value !== 'string') throw new Error(`unexpected leaf ${path}`);
  if (name === 'type') return value === RECEIPT_TYPE ? DECISION_TYPE : RECEIPT_TYPE;
  if (name === 'verdict') return value === 'suspend' ? 'allow' : 'suspend';
  if (name === 'decision') return value === 'approve' ? 'deny' : 'approve';
  if (/^sha256:/.test(value)) return `sha256:${'0'.repeat(64)}`;
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return new Date(Date.parse(value) + 1000).toISOString();
  if (/^[0-9a-f]{32}$/.test(value)) return other.keyId;
  if (value.length === 43 && /^[A-Za-z0-9_-]+$/.test(value)) return other.key;
  if (value.length === 86) return other.signature;
  return `${value}x`;
}

function leaves(value: unknown, path: string, out: [string, unknown][]): [string, unknown][] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      leaves(v, Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
  } else out.push([path, value]);
  return out;
}

function setAt(root: unknown, path: string, newValue: unknown): void {
  const parts = path.match(/[^.[\]]+/g)!;
  let node = root as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts.at(-1)!] = newValue;
}

/** What each tampered field must at least produce. */
function expectedCodes(path: string): VerifyReasonCode[] {
  const bindings = ['teamId', 'receiptId', 'actionHash', 'operatorKeyId', 'policyVersion', 'ruleId'];
  if (path === 'statement.type' || path === 'cosignature.statement.type') return ['wrong_statement_type'];
  if (path === 'signature') return ['bad_operator_signature'];
  if (path.startsWith('statement.action.')) return ['bad_operator_signature', 'action_hash_mismatch'];
  if (path === 'statement.actionHash')
    return ['bad_operator_signature', 'action_hash_mismatch', 'decision_binding_mismatch'];
  if (path === 'statement.operatorPublicKey') return ['bad_operator_signature', 'operator_key_mismatch'];
  if (path === 'statement.operatorKeyId')
    return ['bad_operator_signature', 'operator_key_mismatch', 'decision_binding_mismatch'];
  if (['statement.receiptId', 'statement.teamId', 'statement.policy.version', 'statement.policy.ruleId'].includes(path))
    return ['bad_operator_signature', 'decision_binding_mismatch'];
  if (path.startsWith('statement.')) return ['bad_operator_signature'];
  if (path === 'cosignature.signature') return ['bad_cosignature'];
  if (path === 'cosignature.approverPublicKey')
    return ['bad_cosignature', 'approver_key_mismatch', 'approver_untrusted'];
  if (path === 'cosignature.statement.approverKeyId') return ['bad_cosignature', 'approver_key_mismatch'];
  const field = path.replace('cosignature.statement.', '');
  if (bindings.includes(field)) return ['bad_cosignature', 'decision_binding_mismatch'];
  return ['bad_cosignature'];
}

describe('tamper: every field of a co-signed receipt', () => {
  const original = cosigned('approve');
  const all = leaves(original, '', []);

  test('covers every field of both statements and envelopes', () => {
    const paths = new Set(all.map(([p]) => p.replace(/^(statement\.action\.params)\..*$/, '$1')));
    // `confirm` and `quorum` are optional and absent here; tampering with them is covered in
    // test/sdk/confirm.test.ts and test/core/quorum.test.ts.
    const optional = ['confirm', 'quorum'];
    for (const key of Object.keys(ReceiptStatement.shape).filter(
      (k) => k !== 'action' && k !== 'policy' && !optional.includes(k),
    ))
      assert.ok(paths.has(`statement.${key}`), key);
    for (const key of Object.keys(DecisionStatement.shape)) assert.ok(paths.has(`cosignature.statement.${key}`), key);
    for (const key of [
      'signature',
      'cosignature.signature',
      'cosignature.approverPublicKey',
      'statement.action.params',
    ])
      assert.ok(paths.has(key), key);
  });

  for (const [path, value] of all) {
    test(path, () => {
      const tampered = clone(original);
      setAt(tampered, path, mutate(path, value));
      const result = verifyReceipt(tampered, trust);
      assert.equal(result.ok, false);
      assert.equal(result.valid, false);
      assert.notEqual(result.verdict, 'allow');
      assert.ok(result.reasons.length > 0);
      for (const r of result.reasons) {
        assert.ok(VERIFY_REASON_CODES.includes(r.code));
        assert.ok(r.message.length > 0);
      }
      assert.ok(
        !codes(result).includes('malformed'),
        `shape-preserving change reported malformed: ${JSON.stringify(result.reasons)}`,
      );
      assertCodes(result, expectedCodes(path), path);
    });
  }
});

describe('decision bindings (validly signed by the trusted approver, but for something else)', () => {
  const receipt = suspendedReceipt();
  const changes: Record<string, unknown> = {
    teamId: 'team_b',
    receiptId: 'rcpt_2',
    actionHash: `sha256:${'1'.repeat(64)}`,
    operatorKeyId: other.keyId,
    policyVersion: 'pol_2',
    ruleId: null,
  };
  for (const [field, value] of Object.entries(changes)) {
    test(field, () => {
      const cos = signedDecision(decisionFor(receipt, { [field]: value }));
      const result = verifyReceipt(attachCosignature(receipt, cos), trust);
      assert.deepEqual(codes(result), ['decision_binding_mismatch']);
      assert.equal(result.reasons[0]!.field, `receipt.cosignature.statement.${field}`);
      assert.equal(result.verdict, 'suspend');
    });
  }

  test('replay on another approval or challenge is caught when the verifier knows them', () => {
    const good = cosigned();
    assert.deepEqual(codes(verifyReceipt(good, trust, { expect: { approvalId: 'apr_2' } })), ['approval_id_mismatch']);
    assert.deepEqual(codes(verifyReceipt(good, trust, { expect: { challenge: other.key } })), ['challenge_mismatch']);
  });

  test('a decision carrying another expiry than the approval was opened with is caught', () => {
    const good = cosigned();
    const signed = good.cosignature!.statement.expiresAt;
    assert.ok(verifyReceipt(good, trust, { expect: { expiresAt: signed } }).ok);
    const later = new Date(Date.parse(signed) + 60_000).toISOString();
    const result = verifyReceipt(good, trust, { expect: { expiresAt: later } });
    assert.deepEqual(codes(result), ['decision_binding_mismatch']);
    assert.equal(result.reasons[0]!.field, 'receipt.cosignature.statement.expiresAt');
  });
});

describe('expiry', () => {
  test('a decision signed after the approval expired fails', () => {
    const receipt = suspendedReceipt();
    const late = signedDecision(decisionFor(receipt, { decidedAt: '2026-03-02T09:15:00.000000001Z' }));
    const result = verifyReceipt(attachCosignature(receipt, late), trust);
    assert.deepEqual([result.ok, result.verdict, codes(result)], [false, 'suspend', ['decision_after_expiry']]);
  });

  test('buildCosignature refuses to sign after expiry', () => {
    const receipt = suspendedReceipt();
    assert.throws(
      () =>
        buildCosignature(
          { approval: { ...APPROVAL, receipt }, decision: 'approve', decidedAt: '2026-03-02T09:15:01.000Z' },
          keys.approver,
        ),
      (err: unknown) => err instanceof ValidationError && /expired/.test(err.message),
    );
  });

  test('gate checks the approval expiry against now; verifyReceipt alone does not', () => {
    const receipt = cosigned();
    assert.ok(gate(receipt, trust, { now: BEFORE_EXPIRY }).ok);
    const late = gate(receipt, trust, { now: AFTER_EXPIRY });
    assert.deepEqual([late.ok, late.valid, late.verdict, codes(late)], [false, true, 'suspend', ['approval_expired']]);
    assert.ok(verifyReceipt(receipt, trust, { now: AFTER_EXPIRY }).ok);
    // An allow receipt has no approval to expire.
    assert.ok(gate(suspendedReceipt({ verdict: 'allow' }), trust, { now: AFTER_EXPIRY }).ok);
  });

  test('assertGate throws GateError naming the reasons, returns the result when allowed', () => {
    assert.equal(assertGate(cosigned(), trust, { now: BEFORE_EXPIRY }).verdict, 'allow');
    assert.throws(
      () => assertGate(cosigned(), trust, { now: AFTER_EXPIRY }),
      (err: unknown) =>
        err instanceof GateError && err.reasons[0]!.code === 'approval_expired' && /approval_expired/.test(err.message),
    );
    assert.throws(
      () => assertGate(suspendedReceipt(), trust),
      (err: unknown) => err instanceof GateError && /approval_missing/.test(err.message),
    );
  });
});

describe('verifyCosignature (server side, against its own approval record)', () => {
  const receipt = suspendedReceipt();
  const cos = buildCosignature(
    { approval: { ...APPROVAL, receipt }, decision: 'approve', decidedAt: '2026-03-02T09:05:00.000Z' },
    keys.approver,
  );
  const context = { ...APPROVAL, approvalId: APPROVAL.id, receipt };

  test('accepts a matching decision, even from a key it does not know (trust is the caller’s check)', () => {
    const result = verifyCosignature(cos, context, { now: BEFORE_EXPIRY, verify: nodeVerify });
    assert.deepEqual([result.ok, result.reasons, result.decision], [true, [], 'approve']);
    assert.equal(result.approverKeyId, keyIdOf(publicKeyFromSecret(keys.approver)));
  });

  test('refuses replay on another approval, another team, another challenge, another expiry, after expiry', () => {
    const cases: [Partial<typeof context>, VerifyReasonCode][] = [
      [{ approvalId: 'apr_2' }, 'approval_id_mismatch'],
      [{ teamId: 'team_b' }, 'decision_binding_mismatch'],
      [{ challenge: other.key }, 'challenge_mismatch'],
      [{ expiresAt: '2026-03-02T10:00:00.000Z' }, 'decision_binding_mismatch'],
      [{ receipt: suspendedReceipt({ receiptId: 'rcpt_2' }) }, 'decision_binding_mismatch'],
    ];
    for (const [patch, code] of cases) {
      const result = verifyCosignature(cos, { ...context, ...patch });
      assert.equal(result.ok, false, JSON.stringify(patch));
      assert.ok(codes(result).includes(code), `${JSON.stringify(patch)} → ${codes(result)}`);
    }
    assert.deepEqual(codes(verifyCosignature(cos, context, { now: AFTER_EXPIRY })), ['approval_expired']);
  });

  test('refuses a bad signature and malformed input without throwing', () => {
    assert.deepEqual(codes(verifyCosignature({ ...cos, signature: other.signature }, context)), ['bad_cosignature']);
    assert.deepEqual(codes(verifyCosignature(null, context)), ['malformed']);
    assert.deepEqual(codes(verifyCosignature({ ...cos, statement: receipt.statement }, context)), [
      'wrong_statement_type',
    ]);
    assert.deepEqual(codes(verifyCosignature(cos, { ...context, receipt: {} as never })), ['malformed', 'malformed']);
  });
});

describe('builders refuse bad input with named fields', () => {
  test('buildReceipt', () => {
    assert.throws(
      () =>
        buildReceipt(
          { teamId: 'team a', action: ACTION, verdict: 'allow', policy: { version: 'p', ruleId: null } },
          keys.operator,
        ),
      (err: unknown) => err instanceof ValidationError && err.field === 'receipt.teamId',
    );
    assert.throws(
      () =>
        buildReceipt(
          {
            teamId: 't',
            action: { ...ACTION, params: { n: Number.NaN } },
            verdict: 'allow',
            policy: { version: 'p', ruleId: null },
          },
          keys.operator,
        ),
      (err: unknown) =>
        err instanceof ValidationError && /^action\.params: n: numbers must be finite/.test(err.message),
    );
  });

  test('buildCosignature refuses a receipt that is not operator-signed, not suspended, or of another team', () => {
    const receipt = suspendedReceipt();
    const attempt =
      (r: typeof receipt, approval = APPROVAL) =>
      () =>
        buildCosignature(
          { approval: { ...approval, receipt: r }, decision: 'approve', decidedAt: '2026-03-02T09:05:00.000Z' },
          keys.approver,
        );
    assert.throws(attempt({ ...receipt, signature: other.signature }), /operator signature does not verify/);
    assert.throws(attempt(suspendedReceipt({ verdict: 'allow' })), /only suspended actions/);
    assert.throws(attempt(receipt, { ...APPROVAL, teamId: 'team_b' }), /differs from the receipt team/);
    const badHash = clone(receipt);
    badHash.statement.actionHash = `sha256:${'0'.repeat(64)}`;
    badHash.signature = signStatement(badHash.statement, keys.operator);
    assert.throws(attempt(badHash), /does not match the action/);
    assert.equal(attempt(receipt)().statement.reason, undefined);
    assert.ok(!('reason' in attempt(receipt)().statement));
  });

  test('buildCosignature lets a tampered (quarantined) request be denied, never approved', () => {
    const tampered = clone(suspendedReceipt());
    tampered.statement.action.params = { amount: 99999 };
    const approval = { ...APPROVAL, receipt: tampered };
    const decidedAt = '2026-03-02T09:05:00.000Z';
    assert.throws(
      () => buildCosignature({ approval, decision: 'approve', decidedAt }, keys.approver),
      /operator signature does not verify/,
    );
    const deny = buildCosignature({ approval, decision: 'deny', reason: 'tampered', decidedAt }, keys.approver);
    assert.equal(deny.statement.decision, 'deny');
    assert.equal(deny.statement.approvalId, APPROVAL.id);
    assert.equal(deny.statement.challenge, APPROVAL.challenge);
    assert.throws(
      () =>
        buildCosignature({ approval: { ...approval, teamId: 'team_b' }, decision: 'deny', decidedAt }, keys.approver),
      /differs from the receipt team/,
    );
  });
});
