/**
 * `npm run bench:verify`: receipt verifications per second with the pure-JS verifier
 * (what the browser uses) and with the node:crypto fast path (what the server uses).
 * Prints figures only; nothing asserts on timing.
 */

import { type Ed25519Verify, generateKeyPair, verifyBytes } from '../src/core/crypto.ts';
import { nodeVerify } from '../src/core/ed25519-node.ts';
import { b64url } from '../src/core/encoding.ts';
import { attachCosignature, buildCosignature, buildReceipt } from '../src/core/statements.ts';
import { verifyReceipt } from '../src/core/verify.ts';

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
const cosigned = attachCosignature(
  receipt,
  buildCosignature(
    {
      approval: {
        id: 'apr_bench',
        teamId: 'team_bench',
        challenge: b64url.encode(new Uint8Array(32)),
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        receipt,
      },
      decision: 'approve',
    },
    approver.secretKey,
  ),
);
const trust = { approverKeys: [b64url.encode(approver.publicKey)] };

function run(label: string, verify: Ed25519Verify, iterations: number): void {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    if (!verifyReceipt(cosigned, trust, { verify }).ok) throw new Error('benchmark receipt did not verify');
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${label.padEnd(28)} ${(iterations / seconds).toFixed(0).padStart(7)} co-signed receipts/s (2 signatures each)`,
  );
}

run('@noble/ed25519 (browser)', (s, m, k) => verifyBytes(s, m, k), 100);
run('node:crypto (server)', nodeVerify, 2000);
