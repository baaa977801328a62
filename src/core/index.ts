/**
 * HESO core protocol library: everything a party needs to build, sign and verify
 * statements. Runs in Node and in the browser (no Node built-ins here; the node:crypto
 * fast path lives in ./ed25519-node.ts and is imported directly by Node code).
 * The protocol is specified in docs/protocol.md.
 */
export * from './api.ts';
export {
  type CanonicalizeOptions,
  CanonicalJsonError,
  canonicalBytes,
  canonicalize,
  serializeJcsNumber,
} from './canonical.ts';
export {
  computeActionHash,
  type Ed25519Signing,
  type Ed25519Verify,
  fingerprintOf,
  generateKeyPair,
  type KeyPair,
  keyIdOf,
  publicKeyFromSecret,
  randomBytes,
  type Sha256,
  setEd25519Signing,
  setSha256,
  sha256,
  shortCode,
  signBytes,
  verifyBytes,
} from './crypto.ts';
export { b64url, bytesEqual, EncodingError, fromHex, toHex, utf8 } from './encoding.ts';
export { assertGate, GateError, gate } from './gate.ts';
export {
  isJsonLines,
  type LineReport,
  type LinesSummary,
  nonEmptyLines,
  summaryOf,
  type TextLine,
  verifyReceiptLines,
  verifyReceiptText,
} from './receipt-text.ts';
export * from './schemas.ts';
export {
  type ApprovalContext,
  attachCosignature,
  type BuildCosignatureInput,
  type BuildReceiptInput,
  buildCosignature,
  buildReceipt,
  newReceiptId,
  signStatement,
  verifyStatement,
} from './statements.ts';
export {
  PinnedApprover,
  PUBLIC_KEY_PATTERN,
  publicKeyTextProblem,
  TRUST_FILE_TYPE,
  TrustFile,
  type TrustKeys,
  trustKeysFromText,
} from './trust-file.ts';
export {
  compareTimestamps,
  formatPath,
  issuesOf,
  parseJsonText,
  parseWith,
  timestampOf,
  ValidationError,
  type ValidationIssue,
} from './validate.ts';
export {
  type CosignatureCheckResult,
  type CosignatureContext,
  VERIFY_REASON_CODES,
  type VerifyOptions,
  type VerifyReason,
  type VerifyReasonCode,
  type VerifyResult,
  verifyCosignature,
  verifyParsedCosignature,
  verifyParsedReceipt,
  verifyReceipt,
} from './verify.ts';
