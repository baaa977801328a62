/**
 * The last check before an agent runs an action: is this receipt valid, trusted, allowed,
 * and (for a co-signed one) is its approval still unexpired right now?
 */
import type { TrustSet } from './schemas.ts';
import { type VerifyOptions, type VerifyReason, type VerifyResult, verifyReceipt } from './verify.ts';

/** Thrown by `assertGate` when an action may not run. `reasons` says exactly why. */
export class GateError extends Error {
  override name = 'GateError';
  constructor(readonly result: VerifyResult) {
    super(
      `action not allowed (verdict ${result.verdict}): ${result.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`,
    );
  }
  get reasons(): VerifyReason[] {
    return this.result.reasons;
  }
}

/** `verifyReceipt` that also requires the approval to be unexpired at `opts.now` (default: now). Never throws. */
export function gate(
  receipt: unknown,
  trust: TrustSet,
  opts: Omit<VerifyOptions, 'requireUnexpired'> = {},
): VerifyResult {
  return verifyReceipt(receipt, trust, { ...opts, requireUnexpired: true });
}

/** Like `gate`, but throws GateError unless the action may run; returns the result when it may. */
export function assertGate(
  receipt: unknown,
  trust: TrustSet,
  opts: Omit<VerifyOptions, 'requireUnexpired'> = {},
): VerifyResult {
  const result = gate(receipt, trust, opts);
  if (!result.ok) throw new GateError(result);
  return result;
}
