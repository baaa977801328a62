/**
 * The server's re-verification of what clients send: receipts (pushed or opened as
 * approvals) and co-signed decisions. Uses the shared core verifier with node:crypto,
 * through its entry points for parsed input: every value here already went through the
 * request schema (or was stored after it did), so it is not parsed a second time.
 */
import type { Approval } from '../core/api.ts';
import { CanonicalJsonError, canonicalize } from '../core/canonical.ts';
import { nodeVerify } from '../core/ed25519-node.ts';
import type { Cosignature, Receipt } from '../core/schemas.ts';
import { type VerifyReason, verifyParsedCosignature, verifyParsedReceipt } from '../core/verify.ts';

const NO_APPROVER_TRUST = { approverKeys: [] };

export type Check = { ok: true } | { ok: false; message: string; field?: string };

function failed(reasons: VerifyReason[]): Check {
  const first = reasons[0];
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
  return { ok: false, message: `${first?.message ?? 'does not verify'}${more}`, field: first?.field };
}

/**
 * The operator part of a receipt: shape, operator signature, key id, action hash. Outcome
 * reasons (block verdict, suspended without approval) are fine here: they describe a valid receipt.
 * A co-signature, if any, is ignored (checked separately against the stored approval).
 */
export function checkOperatorReceipt(receipt: Receipt): Check {
  const { cosignature: _ignored, ...operatorPart } = receipt;
  const result = verifyParsedReceipt(operatorPart, NO_APPROVER_TRUST, { verify: nodeVerify });
  return result.valid ? { ok: true } : failed(result.reasons);
}

/**
 * The canonical JSON of a co-signature, or null when it has none (a value JCS refuses, such as
 * a lone surrogate the schema let through). Such a value cannot be what this server signed off,
 * so it is a refusal of the client's input, never a server fault.
 */
function canonicalOrNull(value: unknown): string | null {
  try {
    return canonicalize(value);
  } catch (err) {
    if (err instanceof CanonicalJsonError) return null;
    throw err;
  }
}

/**
 * A receipt carrying a co-signature is accepted only when that co-signature is the very one
 * this server accepted for the approval it names (same team, same receipt).
 */
export function checkCosignedReceipt(receipt: Receipt, approval: Approval | null): Check {
  const cosignature = receipt.cosignature;
  if (!cosignature) return checkOperatorReceipt(receipt);
  const approvalId = cosignature.statement.approvalId;
  if (!approval)
    return { ok: false, message: `no approval ${approvalId} for this team`, field: 'cosignature.statement.approvalId' };
  const pushed = canonicalOrNull(cosignature);
  if (pushed === null)
    return { ok: false, message: 'the co-signature is not canonicalisable JSON (RFC 8785)', field: 'cosignature' };
  if (!approval.cosignature || canonicalOrNull(approval.cosignature) !== pushed)
    return {
      ok: false,
      message: `the co-signature is not the decision accepted for approval ${approvalId}`,
      field: 'cosignature',
    };
  if (approval.receipt.statement.receiptId !== receipt.statement.receiptId)
    return { ok: false, message: `approval ${approvalId} is for another receipt`, field: 'statement.receiptId' };
  const result = verifyParsedReceipt(
    receipt,
    { approverKeys: [cosignature.approverPublicKey] },
    { verify: nodeVerify, expect: { approvalId: approval.id, challenge: approval.challenge } },
  );
  return result.valid ? { ok: true } : failed(result.reasons);
}

/** A posted decision (parsed with DecideRequest) against the approval's stored challenge, expiry and receipt. Approver trust is the caller's. */
export function checkDecision(cosignature: Cosignature, approval: Approval): Check {
  const result = verifyParsedCosignature(
    cosignature,
    {
      teamId: approval.teamId,
      approvalId: approval.id,
      challenge: approval.challenge,
      expiresAt: approval.expiresAt,
      receipt: approval.receipt,
    },
    { verify: nodeVerify },
  );
  return result.ok ? { ok: true } : failed(result.reasons);
}
