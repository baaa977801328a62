import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  b64url,
  canonicalize,
  computeActionHash,
  ErrorCode,
  fingerprintOf,
  fromHex,
  keyIdOf,
  publicKeyFromSecret,
  Receipt,
  shortCode,
  TrustSet,
  toHex,
  utf8,
  VERIFY_REASON_CODES,
  verifyBytes,
  verifyReceipt,
} from '../../src/core/index.ts';
import { computeWorkedExample, exampleBlocksOf } from './protocol-example.ts';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/protocol.md', root), 'utf8');
const blocks = exampleBlocksOf(doc);
const block = (name: string): string => {
  const text = blocks.get(name);
  assert.ok(text !== undefined, `docs/protocol.md has no example:${name} block`);
  return text;
};
const jsonBlocks = new Set([...doc.matchAll(/^```json\s+example:([a-z0-9-]+)/gm)].map((m) => m[1]));
const hex = (name: string) => block(name).replace(/\s+/g, '');

test('every example block in the doc matches what the code computes', () => {
  const { blocks: expected } = computeWorkedExample();
  assert.deepEqual([...blocks.keys()].sort(), Object.keys(expected).sort());
  for (const [name, text] of Object.entries(expected)) {
    // JSON blocks are compared as values (the formatter may re-wrap them); everything else byte for byte.
    if (jsonBlocks.has(name)) assert.deepEqual(JSON.parse(block(name)), JSON.parse(text), `example:${name}`);
    else assert.equal(block(name), text, `example:${name}`);
  }
});

test('the example is self-consistent when recomputed from the doc alone', () => {
  const opSecret = fromHex(block('operator-seed'));
  const apSecret = fromHex(block('approver-seed'));
  const opPublic = publicKeyFromSecret(opSecret);
  const apPublic = publicKeyFromSecret(apSecret);
  assert.equal(b64url.encode(opPublic), block('operator-public-key'));
  assert.equal(keyIdOf(opPublic), block('operator-key-id'));
  assert.equal(fingerprintOf(opPublic), block('operator-fingerprint'));
  assert.equal(b64url.encode(apPublic), block('approver-public-key'));
  assert.equal(keyIdOf(apPublic), block('approver-key-id'));
  assert.equal(fingerprintOf(apPublic), block('approver-fingerprint'));

  const action = JSON.parse(block('action'));
  assert.equal(canonicalize(action), block('action-canonical'));
  assert.equal(toHex(utf8.encode(block('action-canonical'))), hex('action-canonical-hex'));
  assert.equal(computeActionHash(action), block('action-hash'));
  assert.equal(shortCode(block('action-hash')), block('short-code'));

  for (const [statementName, signer, signatureName] of [
    ['receipt-statement', opPublic, 'receipt-signature'],
    ['decision-statement', apPublic, 'decision-signature'],
  ] as const) {
    const statement = JSON.parse(block(statementName));
    assert.equal(canonicalize(statement), block(`${statementName}-canonical`));
    const bytes = utf8.encode(block(`${statementName}-canonical`));
    assert.equal(toHex(bytes), hex(`${statementName}-canonical-hex`));
    assert.ok(verifyBytes(b64url.decode(block(signatureName)), bytes, signer), signatureName);
  }

  const receipt = Receipt.parse(JSON.parse(block('receipt')));
  assert.deepEqual(receipt.statement, JSON.parse(block('receipt-statement')));
  assert.deepEqual(receipt.cosignature?.statement, JSON.parse(block('decision-statement')));
  const approval = JSON.parse(block('approval'));
  assert.equal(receipt.cosignature?.statement.challenge, approval.challenge);
  assert.equal(receipt.cosignature?.statement.approvalId, approval.id);
});

test('docs/examples/receipt.json verifies with docs/examples/trust.json; a tampered copy does not', () => {
  const receipt = JSON.parse(readFileSync(new URL('docs/examples/receipt.json', root), 'utf8'));
  const trust = TrustSet.parse(JSON.parse(readFileSync(new URL('docs/examples/trust.json', root), 'utf8')));
  assert.deepEqual(receipt, JSON.parse(block('receipt')));
  assert.deepEqual(trust, JSON.parse(block('trust')));
  const result = verifyReceipt(receipt, trust);
  assert.deepEqual([result.ok, result.verdict, result.reasons], [true, 'allow', []]);

  const tampered = structuredClone(receipt);
  tampered.statement.action.params.amount = 2500.5;
  const bad = verifyReceipt(tampered, trust);
  assert.equal(bad.ok, false);
  assert.deepEqual(
    bad.reasons.map((r) => r.code),
    ['bad_operator_signature', 'action_hash_mismatch'],
  );
  assert.deepEqual(
    verifyReceipt(receipt, { approverKeys: [] }).reasons.map((r) => r.code),
    ['approver_untrusted'],
  );
});

test('the doc lists exactly the verification reason codes and API error codes the code uses', () => {
  const tableCodes = (heading: string) => {
    const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
    assert.ok(section, `section ${heading}`);
    return [...section.matchAll(/^\| `([a-z_]+)`\s+\|/gm)].map((m) => m[1]);
  };
  assert.deepEqual(tableCodes('5. Verification reason codes'), [...VERIFY_REASON_CODES]);
  assert.deepEqual(tableCodes('6. Control-plane API error codes'), [...ErrorCode.options]);
});

test('the 2-of-N example (§8.6) is reproducible from the doc and docs/examples/quorum-*.json verify', () => {
  const operator = fromHex(block('operator-seed'));
  const second = publicKeyFromSecret(fromHex(block('second-approver-seed')));
  assert.equal(b64url.encode(second), block('second-approver-public-key'));
  const statement = JSON.parse(block('quorum-receipt-statement'));
  assert.equal(canonicalize(statement), block('quorum-receipt-statement-canonical'));
  assert.ok(
    verifyBytes(
      b64url.decode(block('quorum-receipt-signature')),
      utf8.encode(block('quorum-receipt-statement-canonical')),
      publicKeyFromSecret(operator),
    ),
  );
  const receipt = Receipt.parse(JSON.parse(block('quorum-receipt')));
  const approval = JSON.parse(block('quorum-approval'));
  for (const cosignature of receipt.cosignatures ?? []) {
    assert.equal(cosignature.statement.approvalId, approval.id);
    assert.equal(cosignature.statement.challenge, approval.challenge);
    const bytes = utf8.encode(canonicalize(cosignature.statement));
    assert.ok(verifyBytes(b64url.decode(cosignature.signature), bytes, b64url.decode(cosignature.approverPublicKey)));
  }

  const fileReceipt = JSON.parse(readFileSync(new URL('docs/examples/quorum-receipt.json', root), 'utf8'));
  const trust = TrustSet.parse(JSON.parse(readFileSync(new URL('docs/examples/quorum-trust.json', root), 'utf8')));
  assert.deepEqual(fileReceipt, JSON.parse(block('quorum-receipt')));
  assert.deepEqual(trust, JSON.parse(block('quorum-trust')));
  const result = verifyReceipt(fileReceipt, trust);
  assert.deepEqual([result.ok, result.verdict, result.reasons], [true, 'allow', []]);

  const codesOf = (r: unknown, t = trust) => verifyReceipt(r, t).reasons.map((x) => x.code);
  const [first, secondCosig] = fileReceipt.cosignatures;
  assert.deepEqual(codesOf({ ...fileReceipt, cosignatures: [first] }), ['quorum_not_met']);
  assert.deepEqual(codesOf({ ...fileReceipt, cosignatures: [first, first] }), ['duplicate_approver']);
  const noSecurity = { ...trust, approvers: trust.approvers?.map((a) => ({ ...a, groups: ['finance'] })) };
  assert.deepEqual(codesOf(fileReceipt, noSecurity), ['quorum_not_met']);
  const lowered = structuredClone(fileReceipt);
  lowered.statement.quorum.required = 3;
  assert.ok(codesOf(lowered).includes('bad_operator_signature'));
  assert.ok(secondCosig);
});
