/**
 * `npm run bench:verify`: what a check costs beside the signature verifications it holds.
 * In one process, interleaved rounds of: a bare node:crypto Ed25519 verify loop (the
 * baseline), the server's operator-receipt check (1 signature), its decision check (1), and
 * a full co-signed receipt verification (2). Each check's rate × its signatures ÷ the bare
 * rate of the same round is its ratio (1.0: the check costs nothing but its signatures).
 * Warm-up first; min / median / max over the rounds. The pure-JS verifier (what the
 * browser uses) is one more labelled row. Prints figures only.
 */
import { createPublicKey, verify } from 'node:crypto';
import { checkDecision, checkOperatorReceipt } from '../src/cloud/verification.ts';
import type { Approval } from '../src/core/api.ts';
import { canonicalBytes } from '../src/core/canonical.ts';
import { generateKeyPair, verifyBytes } from '../src/core/crypto.ts';
import { installNodeCrypto, nodeVerify } from '../src/core/ed25519-node.ts';
import { b64url } from '../src/core/encoding.ts';
import { attachCosignature, buildCosignature, buildReceipt } from '../src/core/statements.ts';
import { verifyReceipt } from '../src/core/verify.ts';
import { benchLine, showSpread, spread } from './bench-support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);

installNodeCrypto();
const operator = generateKeyPair();
const approver = generateKeyPair();
const receipt = buildReceipt(
  {
    teamId: 'team_bench',
    action: {
      tool: 'payments.refund',
      params: { amount: 250, currency: 'EUR', order: 'ord_1' },
      account: 'acct_1',
      workflow: 'bench',
      capturedAt: new Date().toISOString(),
    },
    verdict: 'suspend',
    policy: { version: 'p1', ruleId: 'r1' },
  },
  operator.secretKey,
);
const approval: Approval = {
  id: 'apr_bench',
  teamId: 'team_bench',
  status: 'pending',
  receipt,
  challenge: b64url.encode(new Uint8Array(32)),
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  cosignature: null,
  decidedAt: null,
};
const cosignature = buildCosignature({ approval, decision: 'approve' }, approver.secretKey);
const cosigned = attachCosignature(receipt, cosignature);
const trust = { approverKeys: [b64url.encode(approver.publicKey)] };

// The baseline: node:crypto verify of the operator signature, key object and bytes prepared once.
const operatorKeyObject = createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), operator.publicKey]),
  format: 'der',
  type: 'spki',
});
const message = canonicalBytes(receipt.statement);
const signature = b64url.decode(receipt.signature);

interface Case {
  label: string;
  signatures: number;
  run: () => boolean;
}

const cases: Case[] = [
  { label: 'bare node:crypto verify', signatures: 1, run: () => verify(null, message, operatorKeyObject, signature) },
  { label: 'receipt (server check)', signatures: 1, run: () => checkOperatorReceipt(receipt).ok },
  { label: 'decision (server check)', signatures: 1, run: () => checkDecision(cosignature, approval).ok },
  {
    label: 'co-signed receipt (verifyReceipt)',
    signatures: 2,
    run: () => verifyReceipt(cosigned, trust, { verify: nodeVerify }).ok,
  },
];

/** Checks per second of one case over `n` iterations. */
function rate(c: Case, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) if (!c.run()) throw new Error(`${c.label}: did not verify`);
  return n / ((performance.now() - start) / 1000);
}

for (const c of cases) rate(c, Math.ceil(ITERATIONS / 4)); // warm-up: JIT, key caches
const ratios = new Map<string, number[]>(cases.slice(1).map((c) => [c.label, []]));
const bareRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved: the baseline is measured in each round, beside the checks it is compared to.
  const bare = rate(cases[0]!, ITERATIONS);
  bareRates.push(bare);
  for (const c of cases.slice(1)) ratios.get(c.label)!.push((rate(c, ITERATIONS) * c.signatures) / bare);
}
const noble = rate(
  { label: 'noble', signatures: 2, run: () => verifyReceipt(cosigned, trust, { verify: verifyBytes }).ok },
  Math.max(20, Math.ceil(ITERATIONS / 40)),
);

console.log(`bench:verify — node ${process.version}, ${ROUNDS} interleaved rounds of ${ITERATIONS} checks each`);
console.log(`  bare node:crypto verify            ${showSpread(spread(bareRates), 0, '/s')}`);
console.log('  ratio per signature to the bare verify of the same round (1.00 = nothing but signatures):');
for (const [label, values] of ratios) console.log(`  ${label.padEnd(34)} ${showSpread(spread(values))}`);
console.log(`  co-signed receipt with @noble/ed25519 (the browser's path): ${noble.toFixed(0)}/s`);
const median = (label: string) => spread(ratios.get(label)!).median;
benchLine('verify', {
  bare_verify_per_s: Math.round(spread(bareRates).median),
  receipt_ratio: median('receipt (server check)'),
  decision_ratio: median('decision (server check)'),
  cosigned_ratio: median('co-signed receipt (verifyReceipt)'),
  noble_cosigned_per_s: Math.round(noble),
});
