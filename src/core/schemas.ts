/**
 * The one schema source for every signed statement and every object that crosses a
 * process or network boundary. Server, SDK, approver engine, CLIs and the renderer all
 * validate with these, so a field means the same thing everywhere.
 *
 * Size limits live here too: every string has a maximum length, arbitrary JSON (action
 * params) has a depth and a byte budget, so bad input is refused with a named field
 * before any work is done on it.
 */
import { z } from 'zod';
import { CanonicalJsonError, canonicalBytes } from './canonical.ts';
import { PUBLIC_KEY_PROBLEM_MESSAGES, publicKeyProblem } from './ed25519-rule.ts';
import { b64url } from './encoding.ts';

export const LIMITS = {
  /** Longest identifier (team id, approval id, receipt id, rule id, …). */
  idLength: 128,
  /** Longest free-text string (reason, summary). */
  textLength: 2000,
  /** Longest approver name (what enrolment records, as the team admin knows the person). */
  approverNameLength: 200,
  /** Longest string anywhere inside action params. */
  paramStringLength: 8192,
  /** Most member/index steps from params to any value inside it (params itself is at depth 0). */
  paramDepth: 16,
  /** Largest size of action params' canonical form (JCS), in UTF-8 bytes. */
  paramBytes: 64 * 1024,
  /** Most keys in one params object / items in one array. */
  paramEntries: 1000,
  /** Largest request body any route accepts, in bytes. */
  requestBytes: 1024 * 1024,
  /** Most receipts in one batch push. */
  receiptBatch: 100,
  /** Most rules in one policy. */
  policyRules: 500,
  /** Largest quorum: most approvals one action may require (total, and per group). */
  quorumMax: 10,
  /** Most approver groups one quorum may name. */
  quorumGroups: 10,
  /** Most decisions one approval keeps (one per approver; denies that do not veto count too). */
  decisionsPerApproval: 64,
  /** Most groups one approver may be in. */
  approverGroups: 20,
} as const;

/* ----------------------------------------------------------------------------------
 * Primitives
 * -------------------------------------------------------------------------------- */

const B64URL = /^[A-Za-z0-9_-]*$/;
const LONE_SURROGATE = /\p{Cs}/u;

/** The bytes of a base64url string of the right shape, or null when it is not the one canonical spelling. */
function decodeCanonical(text: string, bytes: number): Uint8Array | null {
  if (text.length !== Math.ceil((bytes * 4) / 3) || !B64URL.test(text)) return null;
  try {
    return b64url.decode(text);
  } catch {
    return null;
  }
}

/**
 * base64url without padding that decodes to exactly `bytes` bytes, in its one canonical
 * spelling (unused trailing bits zero): a second spelling of the same key or signature
 * is malformed input, never a different value.
 */
export const b64urlBytes = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3), `must be base64url (no padding) of ${bytes} bytes`)
    .regex(B64URL, 'must be base64url without padding')
    .refine(
      (text) => text.length !== Math.ceil((bytes * 4) / 3) || !B64URL.test(text) || decodeCanonical(text, bytes),
      'must be canonical base64url (the unused trailing bits of the last character must be zero)',
    );

/**
 * An Ed25519 public key HESO accepts anywhere (statements, trust sets, enrolment, pins):
 * canonical base64url of a canonical, non-small-order point (docs/protocol.md §1.3).
 */
export const PublicKeyB64 = b64urlBytes(32)
  .superRefine((text, ctx) => {
    const bytes = decodeCanonical(text, 32);
    const problem = bytes && publicKeyProblem(bytes);
    if (problem) ctx.addIssue({ code: 'custom', message: `public key ${PUBLIC_KEY_PROBLEM_MESSAGES[problem]}` });
  })
  .describe('Ed25519 public key, base64url, 32 bytes');
export const SignatureB64 = b64urlBytes(64).describe('Ed25519 signature, base64url, 64 bytes');
export const ChallengeB64 = b64urlBytes(32).describe('server-issued one-time challenge, 32 bytes');

/** Key id: hex of the first 16 bytes of SHA-256 over the raw 32-byte public key. */
export const KeyId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');

/** `sha256:` + 64 lowercase hex characters. */
export const ActionHash = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: followed by 64 lowercase hex characters');

/** RFC 3339 UTC timestamp with a `Z` suffix, e.g. 2026-11-27T10:00:00.000Z. */
export const Timestamp = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'must be an RFC 3339 UTC time ending in Z')
  .refine(isRealUtcTime, 'must be a real date and time');

/** Date.parse rolls impossible dates over (Feb 30 → Mar 2); a real time survives the round trip. */
function isRealUtcTime(s: string): boolean {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return false;
  // Compare the seconds-precision prefix, which is what Date can represent exactly.
  return new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19);
}

/** Identifiers: printable, no whitespace or control characters. */
export const Id = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits, and . _ : -');

/**
 * A team API key as it travels in `Authorization: Bearer …`: printable ASCII without spaces
 * (the client's rule; the approver's `ApiKey` adds its length limits on top).
 */
export const ApiKeyText = z
  .string()
  .regex(/^[!-~]+$/, 'is empty or contains spaces, control or non-ASCII characters; paste the whole heso_… key');

/** A string that is valid Unicode: no lone UTF-16 surrogate (JCS cannot encode one, so it could not be signed). */
export const UnicodeString = z.string().refine((text) => !LONE_SURROGATE.test(text), {
  message: 'contains a lone UTF-16 surrogate (not valid Unicode)',
  abort: true,
});

/** Free text (reason, summary, description): at most 2000 Unicode code points, no lone surrogate. */
export const Text = UnicodeString.max(LIMITS.textLength);

/** An approver's name, as enrolled and shown: 1–200 Unicode code points, no lone surrogate. */
export const ApproverName = UnicodeString.min(1).max(LIMITS.approverNameLength);

/**
 * Loopback hosts: traffic to them never leaves the machine, so plain http is acceptable
 * there (a local test or demo server). 127.0.0.0/8, ::1 and the name localhost; `URL`
 * has already normalised other spellings (127.1, 0x7f.0.0.1) to dotted quads.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why `text` is not a usable control-plane endpoint, or null when it is. */
export function endpointProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text.slice(0, 200)}" is not a URL; use e.g. https://heso.example.com`;
  }
  if (url.username || url.password)
    return 'the endpoint must not contain a user name or password; the API key is sent separately';
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `the endpoint must start with https://, not ${url.protocol}//`;
  if (isLoopbackHost(url.hostname)) return null;
  return (
    `plain http:// is only allowed for a server on this machine (localhost, 127.0.0.1, [::1]); ` +
    `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}: over http the API key would travel in clear`
  );
}

/**
 * A control-plane base URL, the one rule everywhere an endpoint is accepted (client, SDK
 * `configure`, approver `init`, the app's IPC, the CLIs): https for any host, plain http
 * only for loopback, no credentials in the URL.
 */
export const Endpoint = z
  .string()
  .max(2000)
  .superRefine((text, ctx) => {
    const problem = endpointProblem(text);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

export const Verdict = z.enum(['allow', 'block', 'suspend']);
export type Verdict = z.infer<typeof Verdict>;

export const Decision = z.enum(['approve', 'deny']);
export type Decision = z.infer<typeof Decision>;

/* ----------------------------------------------------------------------------------
 * Arbitrary JSON (action params), bounded
 * -------------------------------------------------------------------------------- */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** More than `max` Unicode code points? (A surrogate pair is one code point; lone ones are refused separately.) */
function codePointsOver(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) pairs++;
    }
  }
  return text.length - pairs > max;
}

/**
 * Member names refused inside params: JavaScript consumers that copy params with plain
 * assignment would set an object's prototype instead of a property ("prototype pollution"),
 * so HESO refuses them everywhere (capture, server, verifier) rather than sign them.
 */
export const FORBIDDEN_MEMBER_NAMES: readonly string[] = ['__proto__', 'constructor'];

/**
 * Why a value breaks one of the params limits (docs/protocol.md §2.1), with a dotted path to
 * the offending place; null when within them. `depth` is the number of member/index steps from
 * params to `value` (params itself is 0); every value, scalars included, must be at depth ≤
 * LIMITS.paramDepth. Lengths count Unicode code points, as zod's `.max()` does for every other
 * string field (😀 is one character).
 *
 * What makes a value JSON that can be signed at all (safe integers, no lone surrogate, plain
 * objects, no undefined/function/bigint) is the canonicaliser's rule, checked once by
 * `paramsProblem` through `canonicalBytes`. Non-finite numbers are named here first, in the
 * words callers know ("numbers must be finite").
 */
export function checkBoundedJson(value: unknown, path = '', depth = 0): string | null {
  const at = path || 'value';
  if (depth > LIMITS.paramDepth) return `${at}: nested deeper than ${LIMITS.paramDepth} levels`;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${at}: numbers must be finite`;
  if (typeof value === 'string') {
    if (codePointsOver(value, LIMITS.paramStringLength))
      return `${at}: string longer than ${LIMITS.paramStringLength} characters (Unicode code points)`;
    return null;
  }
  if (Array.isArray(value)) {
    if (value.length > LIMITS.paramEntries) return `${at}: more than ${LIMITS.paramEntries} items`;
    for (let i = 0; i < value.length; i++) {
      const err = checkBoundedJson(value[i], `${path}[${i}]`, depth + 1);
      if (err) return err;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) return checkBoundedObject(value, path, depth);
  return null;
}

function checkBoundedObject(value: object, path: string, depth: number): string | null {
  const at = path || 'value';
  const keys = Object.keys(value);
  if (keys.length > LIMITS.paramEntries) return `${at}: more than ${LIMITS.paramEntries} keys`;
  for (const key of keys) {
    const keyPath = path ? `${path}.${key}` : key;
    if (codePointsOver(key, LIMITS.idLength * 2))
      return `${at}: member name longer than ${LIMITS.idLength * 2} characters (Unicode code points)`;
    if (FORBIDDEN_MEMBER_NAMES.includes(key))
      return `${keyPath}: the member name "${key}" is refused (prototype pollution risk in JavaScript); rename it`;
    const err = checkBoundedJson((value as Record<string, unknown>)[key], keyPath, depth + 1);
    if (err) return err;
  }
  return null;
}

/** A canonicaliser refusal (`$.a[0]: problem`) in this file's path style (`a[0]: problem`). */
function canonicalProblem(err: CanonicalJsonError): string {
  const problem = err.message.slice(err.path.length + 2);
  const path = err.path.replace(/^\$\.?/, '');
  return `${path || 'value'}: ${problem}`;
}

/**
 * Why `value` is not valid action params, or null: the limits above, then the canonical form
 * (JCS), which refuses what cannot be signed and whose UTF-8 encoding is what the size limit
 * counts, in bytes, as docs/protocol.md §2.1 says (`€` is 3 bytes, not 1 UTF-16 unit).
 */
export function paramsProblem(value: unknown): string | null {
  const limit = checkBoundedJson(value);
  if (limit) return limit;
  let bytes: number;
  try {
    bytes = canonicalBytes(value).length;
  } catch (err) {
    if (err instanceof CanonicalJsonError) return canonicalProblem(err);
    throw err;
  }
  return bytes > LIMITS.paramBytes ? `canonical form larger than ${LIMITS.paramBytes} bytes of UTF-8` : null;
}

/** Action params: a JSON object within the limits of docs/protocol.md §2.1 (see `paramsProblem`). */
export const JsonObjectSchema: z.ZodType<JsonObject> = z
  .custom<JsonObject>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
  .superRefine((v, ctx) => {
    const problem = paramsProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/* ----------------------------------------------------------------------------------
 * Action: what an agent wants to do. Its JCS bytes are what `actionHash` covers.
 * -------------------------------------------------------------------------------- */

export const Action = z.strictObject({
  /** What kind of action, dotted: `payments.refund`, `email.send`, `deploy.production`, `db.delete`. */
  tool: Id,
  /** The action's arguments exactly as the agent will execute them. */
  params: JsonObjectSchema,
  /** The customer / tenant account the action touches. */
  account: Id,
  /** The workflow (agent, pipeline, job) that asked for it. */
  workflow: Id,
  capturedAt: Timestamp,
  /** Optional human summary written by the agent. Display only; the params are what count. */
  summary: Text.optional(),
});
export type Action = z.infer<typeof Action>;

/* ----------------------------------------------------------------------------------
 * Statements: the signed objects. Each carries `type` for domain separation.
 * The signature is Ed25519 over the RFC 8785 (JCS) bytes of the statement object.
 * -------------------------------------------------------------------------------- */

export const RECEIPT_TYPE = 'heso.receipt.v1';
export const DECISION_TYPE = 'heso.approval.decision.v1';
export const ROTATION_TYPE = 'heso.approver.rotation.v1';
export const AUDIT_ENTRY_TYPE = 'heso.audit.entry.v1';

export const PolicyRef = z.strictObject({
  version: Id,
  /** The rule that matched; null when the policy's default verdict applied. */
  ruleId: Id.nullable(),
});
export type PolicyRef = z.infer<typeof PolicyRef>;

/**
 * How the approver must confirm an approve, when a policy rule asks for more than a click:
 * `typed-code` = type the action's short confirmation code. Absent means the default.
 */
export const ApproverConfirmation = z.enum(['typed-code']);
export type ApproverConfirmation = z.infer<typeof ApproverConfirmation>;

/**
 * The quorum a receipt demands, exactly as the operator signs it (docs/protocol.md, "Quorum").
 * `required` distinct approvers must approve; with `groups`, each named group needs at least its
 * minimum of those, one approver filling one group's place. `veto: false` (only ever written
 * when false): a deny does not close the approval. A single approval with veto is the absence
 * of this field, so single-approver receipts keep their bytes.
 */
export const QuorumRequirement = z
  .strictObject({
    required: z.number().int().min(1).max(LIMITS.quorumMax),
    groups: z.record(Id, z.number().int().min(1).max(LIMITS.quorumMax)).optional(),
    veto: z.literal(false).optional(),
  })
  .superRefine((quorum, ctx) => {
    const problem = quorumProblem(quorum);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  });
export type QuorumRequirement = z.infer<typeof QuorumRequirement>;

/** Why a quorum cannot be met or is not in its one signed form; null when fine. */
function quorumProblem(quorum: {
  required: number;
  groups?: Record<string, number>;
  veto?: boolean;
}): { message: string; path: string[] } | null {
  const groups = Object.entries(quorum.groups ?? {});
  if (quorum.groups && groups.length === 0)
    return { message: 'name at least one group, or leave groups out', path: ['groups'] };
  if (groups.length > LIMITS.quorumGroups)
    return { message: `at most ${LIMITS.quorumGroups} groups`, path: ['groups'] };
  const sum = groups.reduce((total, [, need]) => total + need, 0);
  if (sum > quorum.required)
    return {
      message: `the group minimums add up to ${sum}, more than the ${quorum.required} approvals required; raise required to at least ${sum}`,
      path: ['required'],
    };
  if (quorum.required === 1 && groups.length === 0 && quorum.veto !== false)
    return { message: 'one approval with veto is the default: leave the quorum out', path: [] };
  return null;
}

/** Signed by the operator (agent) key. */
export const ReceiptStatement = z.strictObject({
  type: z.literal(RECEIPT_TYPE),
  receiptId: Id,
  teamId: Id,
  action: Action,
  actionHash: ActionHash,
  verdict: Verdict,
  policy: PolicyRef,
  operatorKeyId: KeyId,
  operatorPublicKey: PublicKeyB64,
  issuedAt: Timestamp,
  /** Optional, absent when unset (so receipts without it keep their bytes): the matched rule's `confirm`. */
  confirm: ApproverConfirmation.optional(),
  /** Optional, absent for one approver (so those receipts keep their bytes): the matched rule's quorum. */
  quorum: QuorumRequirement.optional(),
});
export type ReceiptStatement = z.infer<typeof ReceiptStatement>;

/** Signed by the approver's L1 key on their device. */
export const DecisionStatement = z.strictObject({
  type: z.literal(DECISION_TYPE),
  teamId: Id,
  approvalId: Id,
  receiptId: Id,
  actionHash: ActionHash,
  operatorKeyId: KeyId,
  policyVersion: Id,
  ruleId: Id.nullable(),
  decision: Decision,
  reason: Text.optional(),
  challenge: ChallengeB64,
  decidedAt: Timestamp,
  expiresAt: Timestamp,
  approverKeyId: KeyId,
});
export type DecisionStatement = z.infer<typeof DecisionStatement>;

/** The approver's co-signature as it travels: statement, signature, and the signing key. */
export const Cosignature = z.strictObject({
  statement: DecisionStatement,
  signature: SignatureB64,
  approverPublicKey: PublicKeyB64,
});
export type Cosignature = z.infer<typeof Cosignature>;

/**
 * An operator-signed receipt, with the approver's co-signature once a suspended action was
 * decided; a receipt whose statement states a quorum carries `cosignatures` instead, one per approver.
 */
export const Receipt = z.strictObject({
  statement: ReceiptStatement,
  signature: SignatureB64,
  cosignature: Cosignature.optional(),
  cosignatures: z.array(Cosignature).min(1).max(LIMITS.decisionsPerApproval).optional(),
});
export type Receipt = z.infer<typeof Receipt>;

/** A new approver key, vouched for by the key it replaces. Recorded as evidence; the new key still starts pending. */
export const RotationStatement = z.strictObject({
  type: z.literal(ROTATION_TYPE),
  teamId: Id,
  previousKeyId: KeyId,
  newPublicKey: PublicKeyB64,
  newKeyId: KeyId,
  rotatedAt: Timestamp,
});
export type RotationStatement = z.infer<typeof RotationStatement>;

export const SignedRotation = z.strictObject({
  statement: RotationStatement,
  signature: SignatureB64,
});
export type SignedRotation = z.infer<typeof SignedRotation>;

/* ----------------------------------------------------------------------------------
 * Policy. The rule language is specified in docs/policy.md and evaluated by
 * src/policy; the shapes are here because the policy bundle crosses the wire.
 * -------------------------------------------------------------------------------- */

/** A string or a list of strings; each may end in `*` to match a prefix (`db.*`). */
const Matcher = z.union([
  z.string().min(1).max(LIMITS.idLength),
  z.array(z.string().min(1).max(LIMITS.idLength)).min(1).max(100),
]);

/**
 * A rule's quorum as an admin writes it (docs/policy.md): `required` defaults to the sum of the
 * group minimums (or 1), `veto` to true. `quorumOfRule` turns it into the signed QuorumRequirement.
 */
export const PolicyApprovals = z
  .strictObject({
    required: z.number().int().min(1).max(LIMITS.quorumMax).optional(),
    groups: z.record(Id, z.number().int().min(1).max(LIMITS.quorumMax)).optional(),
    veto: z.boolean().optional(),
  })
  .superRefine((approvals, ctx) => {
    const groups = Object.values(approvals.groups ?? {});
    const required =
      approvals.required ??
      Math.max(
        1,
        groups.reduce((a, b) => a + b, 0),
      );
    if (required > LIMITS.quorumMax)
      ctx.addIssue({
        code: 'custom',
        message: `the group minimums add up to ${required}; at most ${LIMITS.quorumMax} approvals can be required`,
        path: ['groups'],
      });
    const problem = quorumProblem({ required, groups: approvals.groups, veto: approvals.veto ?? true });
    // The default quorum written out in full ({ required: 1 }) is fine in a policy.
    if (problem && problem.path.length > 0) ctx.addIssue({ code: 'custom', ...problem });
  });
export type PolicyApprovals = z.infer<typeof PolicyApprovals>;

/** The signed quorum a rule's `approvals` asks for; undefined for one approval with veto (today's receipts). */
export function quorumOfRule(approvals: PolicyApprovals | undefined): QuorumRequirement | undefined {
  if (!approvals) return undefined;
  const groups = approvals.groups && Object.keys(approvals.groups).length > 0 ? approvals.groups : undefined;
  const required =
    approvals.required ??
    Math.max(
      1,
      Object.values(groups ?? {}).reduce((a, b) => a + b, 0),
    );
  const veto = approvals.veto ?? true;
  if (required === 1 && !groups && veto) return undefined;
  return { required, ...(groups ? { groups } : {}), ...(veto ? {} : { veto: false as const }) };
}

export const PolicyRule = z.strictObject({
  id: Id,
  description: Text.optional(),
  verdict: Verdict,
  match: z
    .strictObject({
      tool: Matcher.optional(),
      account: Matcher.optional(),
      workflow: Matcher.optional(),
    })
    .optional(),
  /** Conditions on params, all of which must hold, e.g. `amount > 100`. Grammar in docs/policy.md. */
  when: z.array(z.string().min(1).max(500)).max(50).optional(),
  /** For `suspend` rules: how the approver must confirm an approve (`typed-code`). Carried in the receipt. */
  confirm: ApproverConfirmation.optional(),
  /** For `suspend` rules: how many approvers, from which groups, and whether a deny vetoes. Default: one, veto. */
  approvals: PolicyApprovals.optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/** A policy as an admin writes it (`heso-cloud policy set --team T FILE`). */
export const PolicyDocument = z.strictObject({
  version: Id,
  defaultVerdict: Verdict,
  rules: z.array(PolicyRule).max(LIMITS.policyRules),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

export const ApproverStatus = z.enum(['pending', 'active', 'revoked']);
export type ApproverStatus = z.infer<typeof ApproverStatus>;

export const ApproverRecord = z.strictObject({
  keyId: KeyId,
  publicKey: PublicKeyB64,
  fingerprint: z.string().max(100),
  name: ApproverName,
  status: ApproverStatus,
  createdAt: Timestamp,
  activatedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  /** Present when this key was enrolled as a rotation of an earlier key. */
  rotation: SignedRotation.nullable(),
  /** Approver groups an admin put this key in (`heso-cloud approver group`); absent: none. A hint to verifiers, never trust. */
  groups: z.array(Id).max(LIMITS.approverGroups).optional(),
  /** Operator keys registered as this approver's own: actions they request, this approver may not approve. */
  requesterKeyIds: z.array(KeyId).max(100).optional(),
});
export type ApproverRecord = z.infer<typeof ApproverRecord>;

/** What `GET /v1/teams/{team}/policy` returns. The approver list is a hint, never a trust root. */
export const PolicyBundle = z.strictObject({
  teamId: Id,
  version: Id,
  defaultVerdict: Verdict,
  rules: z.array(PolicyRule),
  approvers: z.array(ApproverRecord),
  fetchedAt: Timestamp,
});
export type PolicyBundle = z.infer<typeof PolicyBundle>;

/* ----------------------------------------------------------------------------------
 * Trust: which keys a verifier accepts. Pinned locally, never taken from the server.
 * -------------------------------------------------------------------------------- */

/**
 * For quorum counting, what a verifier pins about one person: every key they hold (rotations
 * included: they count once), their groups, and the operator keys that request on their behalf
 * (they never count towards an action those keys requested). Labels only: a key is trusted when
 * it is in `approverKeys`.
 */
export const TrustedApprover = z.strictObject({
  id: Id,
  keys: z.array(PublicKeyB64).min(1).max(100),
  groups: z.array(Id).max(LIMITS.approverGroups).optional(),
  requesterKeys: z.array(PublicKeyB64).max(100).optional(),
});
export type TrustedApprover = z.infer<typeof TrustedApprover>;

export const TrustSet = z.strictObject({
  /** Approver public keys (base64url) whose co-signatures may turn `suspend` into `allow`. */
  approverKeys: z.array(PublicKeyB64).max(1000),
  /** When given, only receipts signed by these operator keys are valid. When absent, any operator key is accepted. */
  operatorKeys: z.array(PublicKeyB64).max(1000).optional(),
  /** Who is who, for quorums; a trusted key listed nowhere here is a person of its own, in no group. */
  approvers: z.array(TrustedApprover).max(1000).optional(),
});
export type TrustSet = z.infer<typeof TrustSet>;
