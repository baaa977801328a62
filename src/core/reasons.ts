/**
 * Verification reason codes and the small helpers receipt and co-signature checks share.
 */
import { canonicalBytes } from './canonical.ts';
import type { Ed25519Verify } from './crypto.ts';
import { b64url } from './encoding.ts';

/** Every reason a verification can fail. Closed set; documented in docs/protocol.md. */
export const VERIFY_REASON_CODES = [
  'malformed',
  'wrong_statement_type',
  'bad_operator_signature',
  'operator_key_mismatch',
  'operator_untrusted',
  'action_hash_mismatch',
  'verdict_block',
  'approval_missing',
  'unexpected_cosignature',
  'bad_cosignature',
  'approver_key_mismatch',
  'approver_untrusted',
  'decision_binding_mismatch',
  'decision_after_expiry',
  'approval_expired',
  'decision_denied',
  'challenge_mismatch',
  'approval_id_mismatch',
] as const;
export type VerifyReasonCode = (typeof VERIFY_REASON_CODES)[number];

/**
 * Reasons that describe the outcome of a receipt whose signatures and bindings are all
 * sound (it is valid, but not allowed). Every other code means the receipt is invalid.
 */
export const OUTCOME_REASONS: ReadonlySet<VerifyReasonCode> = new Set([
  'verdict_block',
  'approval_missing',
  'decision_denied',
  'approval_expired',
]);

export interface VerifyReason {
  code: VerifyReasonCode;
  message: string;
  /** Dotted path of the field to blame, when there is one. */
  field?: string;
}

export type AddReason = (code: VerifyReasonCode, message: string, field?: string) => void;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeOrNull(text: string): Uint8Array | null {
  try {
    return b64url.decode(text);
  } catch {
    return null;
  }
}

/** Whether `sigB64` is a signature by `publicKey` over the statement's JCS bytes (`message`, when the caller has them). */
export function signatureValid(
  sigB64: string,
  statement: object,
  publicKey: Uint8Array,
  verify: Ed25519Verify,
  message?: Uint8Array,
): boolean {
  const sig = decodeOrNull(sigB64);
  return sig !== null && verify(sig, message ?? canonicalBytes(statement), publicKey);
}
