/**
 * `npm run bench:verify`: what a check costs beside the signature verifications it holds.
 * In one process, rounds in which each check alternates, in blocks of 50, with a bare
 * node:crypto Ed25519 verify loop (the baseline): an operator receipt
 * (1 signature), a decision (1) and a co-signed receipt (2), each through both entry
 * points: the full one (`verifyReceipt` / `verifyCosignature`: parses its input) and the
 * parsed one the server uses (its request schema already parsed the body). Each check's
 * rate × its signatures ÷ the bare rate of the same round is its ratio (1.0: the check
 * costs nothing but its signatures); times are the process's CPU time. Warm-up first; min / median / max over the rounds. The
 * pure-JS verifier (what the browser uses) is one more labelled row. Prints figures only.
 *
 *   BENCH_ROUNDS (9)  BENCH_ITERATIONS per case and round (1000)
 */
import { createPublicKey, verify } from 'node:crypto';
import { checkDecision, checkOperatorReceipt } from '../src/cloud/verification.ts';
import type { Approval } from '../src/core/api.ts';
import { canonicalBytes } from '../src/core/canonical.ts';
import { generateKeyPair, verifyBytes } from '../src/core/crypto.ts';
import { installNodeCrypto, nodeVerify } from '../src/core/ed25519-node.ts';
import { b64url } from '../src/core/encoding.ts';
import { attachCosignature, buildCosignature, buildReceipt } from '../src/core/statements.ts';
import { verifyCosignature, verifyParsedReceipt, verifyReceipt } from '../src/core/verify.ts';
import { benchLine, showSpread, spread } from './bench-support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
/** Checks per block when a case and the bare verify alternate. */
const BLOCK = 50;

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
  /** Short name used in the `bench:` line. */
  key: string;
  label: string;
  signatures: number;
  run: () => boolean;
}

const { cosignature: _none, ...operatorPart } = receipt;
const bare: Case = {
  key: 'bare',
  label: 'bare node:crypto verify',
  signatures: 1,
  run: () => verify(null, message, operatorKeyObject, signature),
};
const opts = { verify: nodeVerify };
const noTrust = { approverKeys: [] };
const context = { ...approval, approvalId: approval.id };
const cases: Case[] = [
  {
    key: 'receipt_full',
    label: 'receipt, full entry (verifyReceipt)',
    signatures: 1,
    run: () => verifyReceipt(operatorPart, noTrust, opts).valid,
  },
  {
    key: 'receipt_parsed',
    label: 'receipt, parsed entry (server check)',
    signatures: 1,
    run: () => checkOperatorReceipt(receipt).ok,
  },
  {
    key: 'decision_full',
    label: 'decision, full entry (verifyCosignature)',
    signatures: 1,
    run: () => verifyCosignature(cosignature, context, opts).ok,
  },
  {
    key: 'decision_parsed',
    label: 'decision, parsed entry (server check)',
    signatures: 1,
    run: () => checkDecision(cosignature, approval).ok,
  },
  {
    key: 'cosigned_full',
    label: 'co-signed receipt, full entry',
    signatures: 2,
    run: () => verifyReceipt(cosigned, trust, opts).ok,
  },
  {
    key: 'cosigned_parsed',
    label: 'co-signed receipt, parsed entry',
    signatures: 2,
    run: () => verifyParsedReceipt(cosigned, trust, opts).ok,
  },
];

/** Checks per second of one case over `n` iterations. */
function rate(c: Case, n: number): number {
  return n / (elapsed(c, n) / 1000);
}

/**
 * Milliseconds of this process's CPU time for `n` checks. CPU time, not wall time: on a
 * shared machine the process is descheduled at random moments, which wall time would charge
 * to whichever check happened to be running.
 */
function elapsed(c: Case, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) if (!c.run()) throw new Error(`${c.label}: did not verify`);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * One case against the bare verify in alternating blocks of BLOCK checks: both see the same
 * moments of a shared machine's load, so their ratio holds while absolute rates swing.
 */
function paired(c: Case, n: number): { ratio: number; bareRate: number } {
  let bareMs = 0;
  let caseMs = 0;
  for (let done = 0; done < n; done += BLOCK) {
    bareMs += elapsed(bare, BLOCK);
    caseMs += elapsed(c, BLOCK);
  }
  return { ratio: (c.signatures * bareMs) / caseMs, bareRate: n / (bareMs / 1000) };
}

for (const c of [bare, ...cases]) rate(c, Math.ceil(ITERATIONS / 2)); // warm-up: JIT, key caches
const ratios = new Map<Case, number[]>(cases.map((c) => [c, []]));
const bareRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const { ratio, bareRate } = paired(c, ITERATIONS);
    ratios.get(c)!.push(ratio);
    bareRates.push(bareRate);
  }
}
const noble = rate(
  {
    key: 'noble',
    label: 'noble',
    signatures: 2,
    run: () => verifyReceipt(cosigned, trust, { verify: verifyBytes }).ok,
  },
  Math.max(20, Math.ceil(ITERATIONS / 40)),
);

console.log(
  `bench:verify — node ${process.version}, ${ROUNDS} interleaved rounds of ${ITERATIONS} checks per case, each paired with as many bare verifies`,
);
console.log(`  bare node:crypto verify                    ${showSpread(spread(bareRates), 0, '/s')}`);
console.log('  ratio per signature to the bare verify of the same round (1.00 = nothing but signatures):');
for (const [c, values] of ratios) console.log(`  ${c.label.padEnd(42)} ${showSpread(spread(values))}`);
console.log(`  co-signed receipt with @noble/ed25519 (the browser's path): ${noble.toFixed(0)}/s`);
benchLine('verify', {
  bare_verify_per_s: Math.round(spread(bareRates).median),
  ...Object.fromEntries(cases.map((c) => [`${c.key}_ratio`, spread(ratios.get(c)!).median])),
  noble_cosigned_per_s: Math.round(noble),
});
