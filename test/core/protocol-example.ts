/**
 * The worked example of docs/protocol.md, computed from fixed seeds. The doc test
 * compares every fenced `example:NAME` block of the doc against these values, and
 * `node --import tsx test/core/protocol-example.ts` prints the blocks (used to write the doc).
 */
import {
  type Action,
  attachCosignature,
  attachCosignatures,
  b64url,
  buildCosignature,
  buildReceipt,
  canonicalize,
  computeActionHash,
  fingerprintOf,
  fromHex,
  keyIdOf,
  publicKeyFromSecret,
  type Receipt,
  shortCode,
  type TrustSet,
  toHex,
  utf8,
} from '../../src/core/index.ts';

export const OPERATOR_SEED_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const APPROVER_SEED_HEX = '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f';

export const EXAMPLE_ACTION: Action = {
  tool: 'payments.refund',
  params: {
    orderId: 'ord_8812',
    amount: 250.5,
    currency: 'EUR',
    note: 'Rückerstattung, Kundin 4711 – €',
    lines: [1, 2],
  },
  account: 'acct_berlin_01',
  workflow: 'refund-agent',
  capturedAt: '2026-03-02T09:15:00.000Z',
  summary: 'Refund order ord_8812',
};

export const EXAMPLE_APPROVAL = {
  id: 'apr_example_0001',
  teamId: 'team_acme',
  /** 32 bytes of 0x42, base64url. */
  challenge: b64url.encode(new Uint8Array(32).fill(0x42)),
  expiresAt: '2026-03-02T09:30:01.000Z',
};

/** The second approver of the quorum example (§8.6). */
export const SECOND_APPROVER_SEED_HEX = '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f';

export const QUORUM_APPROVAL = {
  id: 'apr_example_0002',
  teamId: 'team_acme',
  /** 32 bytes of 0x43, base64url. */
  challenge: b64url.encode(new Uint8Array(32).fill(0x43)),
  expiresAt: '2026-03-02T09:30:02.000Z',
};

export interface WorkedExample {
  blocks: Record<string, string>;
  receipt: Receipt;
  trust: TrustSet;
  quorumReceipt: Receipt;
  quorumTrust: TrustSet;
}

/** §8.6: the same action under a rule needing one approver from finance and one from security. */
function quorumExample(operatorSecret: Uint8Array, financeSecret: Uint8Array) {
  const securitySecret = fromHex(SECOND_APPROVER_SEED_HEX);
  const unsigned = buildReceipt(
    {
      teamId: QUORUM_APPROVAL.teamId,
      action: EXAMPLE_ACTION,
      verdict: 'suspend',
      policy: { version: 'pol_2026_03', ruleId: 'refunds-two-person' },
      quorum: { required: 2, groups: { finance: 1, security: 1 } },
      receiptId: 'rcpt_example_0002',
      issuedAt: '2026-03-02T09:15:02.000Z',
    },
    operatorSecret,
  );
  const approval = { ...QUORUM_APPROVAL, receipt: unsigned };
  const receipt = attachCosignatures(unsigned, [
    buildCosignature({ approval, decision: 'approve', decidedAt: '2026-03-02T09:18:10.000Z' }, financeSecret),
    buildCosignature({ approval, decision: 'approve', decidedAt: '2026-03-02T09:21:33.000Z' }, securitySecret),
  ]);
  const finance = b64url.encode(publicKeyFromSecret(financeSecret));
  const security = b64url.encode(publicKeyFromSecret(securitySecret));
  const trust: TrustSet = {
    approverKeys: [finance, security],
    approvers: [
      { id: 'dana', keys: [finance], groups: ['finance'] },
      { id: 'raj', keys: [security], groups: ['security'] },
    ],
  };
  const statementCanonical = canonicalize(receipt.statement);
  const blocks: Record<string, string> = {
    'second-approver-seed': SECOND_APPROVER_SEED_HEX,
    'second-approver-public-key': security,
    'quorum-receipt-statement': JSON.stringify(receipt.statement, null, 2),
    'quorum-receipt-statement-canonical': statementCanonical,
    'quorum-receipt-signature': receipt.signature,
    'quorum-approval': JSON.stringify(QUORUM_APPROVAL, null, 2),
    'quorum-receipt': JSON.stringify(receipt, null, 2),
    'quorum-trust': JSON.stringify(trust, null, 2),
  };
  return { receipt, trust, blocks };
}

function hexLines(bytes: Uint8Array): string {
  return toHex(bytes)
    .match(/.{1,64}/g)!
    .join('\n');
}

export function computeWorkedExample(): WorkedExample {
  const operatorSecret = fromHex(OPERATOR_SEED_HEX);
  const approverSecret = fromHex(APPROVER_SEED_HEX);
  const operatorPublic = publicKeyFromSecret(operatorSecret);
  const approverPublic = publicKeyFromSecret(approverSecret);

  const unsigned = buildReceipt(
    {
      teamId: EXAMPLE_APPROVAL.teamId,
      action: EXAMPLE_ACTION,
      verdict: 'suspend',
      policy: { version: 'pol_2026_03', ruleId: 'refunds-over-100' },
      receiptId: 'rcpt_example_0001',
      issuedAt: '2026-03-02T09:15:01.000Z',
    },
    operatorSecret,
  );
  const cosignature = buildCosignature(
    {
      approval: { ...EXAMPLE_APPROVAL, receipt: unsigned },
      decision: 'approve',
      reason: 'Customer called, verified by phone',
      decidedAt: '2026-03-02T09:17:42.000Z',
    },
    approverSecret,
  );
  const receipt = attachCosignature(unsigned, cosignature);
  const trust: TrustSet = { approverKeys: [b64url.encode(approverPublic)] };

  const actionCanonical = canonicalize(EXAMPLE_ACTION);
  const receiptCanonical = canonicalize(receipt.statement);
  const decisionCanonical = canonicalize(cosignature.statement);
  const blocks: Record<string, string> = {
    'operator-seed': OPERATOR_SEED_HEX,
    'operator-public-key': b64url.encode(operatorPublic),
    'operator-key-id': keyIdOf(operatorPublic),
    'operator-fingerprint': fingerprintOf(operatorPublic),
    'approver-seed': APPROVER_SEED_HEX,
    'approver-public-key': b64url.encode(approverPublic),
    'approver-key-id': keyIdOf(approverPublic),
    'approver-fingerprint': fingerprintOf(approverPublic),
    action: JSON.stringify(EXAMPLE_ACTION, null, 2),
    'action-canonical': actionCanonical,
    'action-canonical-hex': hexLines(utf8.encode(actionCanonical)),
    'action-hash': computeActionHash(EXAMPLE_ACTION),
    'short-code': shortCode(computeActionHash(EXAMPLE_ACTION)),
    'receipt-statement': JSON.stringify(receipt.statement, null, 2),
    'receipt-statement-canonical': receiptCanonical,
    'receipt-statement-canonical-hex': hexLines(utf8.encode(receiptCanonical)),
    'receipt-signature': receipt.signature,
    approval: JSON.stringify(EXAMPLE_APPROVAL, null, 2),
    'decision-statement': JSON.stringify(cosignature.statement, null, 2),
    'decision-statement-canonical': decisionCanonical,
    'decision-statement-canonical-hex': hexLines(utf8.encode(decisionCanonical)),
    'decision-signature': cosignature.signature,
    receipt: JSON.stringify(receipt, null, 2),
    trust: JSON.stringify(trust, null, 2),
  };
  const quorum = quorumExample(operatorSecret, approverSecret);
  return {
    blocks: { ...blocks, ...quorum.blocks },
    receipt,
    trust,
    quorumReceipt: quorum.receipt,
    quorumTrust: quorum.trust,
  };
}

/** Every fenced block whose info string contains `example:NAME`, by NAME. */
export function exampleBlocksOf(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const fence = /^```[a-z]*\s+example:([a-z0-9-]+)\s*\n([\s\S]*?)^```\s*$/gm;
  for (const m of markdown.matchAll(fence)) {
    if (out.has(m[1]!)) throw new Error(`docs/protocol.md: example block ${m[1]} appears twice`);
    out.set(m[1]!, m[2]!.replace(/\n$/, ''));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(computeWorkedExample().blocks)) {
    const lang =
      name === 'action' ||
      name.endsWith('statement') ||
      ['approval', 'receipt', 'trust', 'quorum-approval', 'quorum-receipt', 'quorum-trust'].includes(name)
        ? 'json'
        : 'text';
    process.stdout.write(`\`\`\`${lang} example:${name}\n${text}\n\`\`\`\n\n`);
  }
}
