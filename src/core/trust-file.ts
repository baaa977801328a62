/**
 * Pinned approver keys as people hand them around, read the same way everywhere (the CLI's
 * `heso verify --trust FILE`, the verifier page): an agent's `.heso/trusted-approvers.json`
 * (docs/protocol.md §3.1), a JSON trust set `{"approverKeys": [...], "operatorKeys": [...]}`,
 * or text with one base64url key per line (blank lines and `#` comments ignored).
 * Browser-safe: text in, keys out.
 */
import { z } from 'zod';
import { Id, LIMITS, PublicKeyB64, type TrustedApprover, TrustSet } from './schemas.ts';
import { parseJsonText, parseWith, ValidationError } from './validate.ts';

export const TRUST_FILE_TYPE = 'heso.trusted-approvers.v1';

export const PinnedApprover = z.strictObject({
  publicKey: PublicKeyB64,
  keyId: z.string(),
  fingerprint: z.string(),
  name: z.string().max(LIMITS.approverNameLength),
  addedAt: z.string(),
  /** For quorums: keys pinned with the same `person` are one approver (rotations); absent: the key is its own person. */
  person: Id.optional(),
  /** For quorums: the groups this approver counts in, pinned here (never taken from the control plane). */
  groups: z.array(Id).max(LIMITS.approverGroups).optional(),
  /** Operator keys registered as this approver's own: they never count towards those keys' requests. */
  requesterKeys: z.array(PublicKeyB64).max(100).optional(),
});
export type PinnedApprover = z.infer<typeof PinnedApprover>;

/** `<data dir>/trusted-approvers.json`, written by `heso trust add`. */
export const TrustFile = z.strictObject({ type: z.literal(TRUST_FILE_TYPE), approvers: z.array(PinnedApprover) });

/**
 * The trust set of pinned approvers: their keys, and (when any pin carries labels) who is who
 * for quorum counting. Keys pinned with the same `person` form one approver.
 */
export function trustSetOfPins(pins: readonly PinnedApprover[]): TrustSet {
  const approverKeys = pins.map((p) => p.publicKey);
  if (!pins.some((p) => p.person || p.groups?.length || p.requesterKeys?.length)) return { approverKeys };
  const people = new Map<string, TrustedApprover>();
  for (const pin of pins) {
    const id = pin.person ?? `key-${pin.keyId}`;
    const entry = people.get(id) ?? { id, keys: [] };
    entry.keys.push(pin.publicKey);
    const groups = [...new Set([...(entry.groups ?? []), ...(pin.groups ?? [])])];
    const requesterKeys = [...new Set([...(entry.requesterKeys ?? []), ...(pin.requesterKeys ?? [])])];
    if (groups.length) entry.groups = groups;
    if (requesterKeys.length) entry.requesterKeys = requesterKeys;
    people.set(id, entry);
  }
  return { approverKeys, approvers: [...people.values()] };
}

export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Null when `text` is a public key HESO accepts; otherwise why not (non-canonical, small order, …). */
export function publicKeyTextProblem(text: string): string | null {
  const parsed = PublicKeyB64.safeParse(text);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'not a public key');
}

export interface TrustKeys {
  approverKeys: string[];
  operatorKeys: string[];
  /** Who is who for quorum counting, as pinned in the file (never from the receipt). */
  approvers?: TrustedApprover[];
}

/** The keys in a trust file's text; `source` names it in errors (ValidationError, saying which line or field). */
export function trustKeysFromText(text: string, source: string): TrustKeys {
  if (text.trimStart().startsWith('{')) {
    const json = parseJsonText(text, source);
    const pinned = TrustFile.safeParse(json);
    // The agent's own pinned-keys file (heso trust add) is a trust root as it stands.
    if (pinned.success) {
      const set = trustSetOfPins(pinned.data.approvers);
      return {
        approverKeys: set.approverKeys,
        operatorKeys: [],
        ...(set.approvers ? { approvers: set.approvers } : {}),
      };
    }
    const trust = parseWith(TrustSet, json, source);
    return {
      approverKeys: trust.approverKeys,
      operatorKeys: trust.operatorKeys ?? [],
      ...(trust.approvers ? { approvers: trust.approvers } : {}),
    };
  }
  const keys: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = PUBLIC_KEY_PATTERN.test(line)
      ? publicKeyTextProblem(line)
      : 'not a base64url Ed25519 public key (43 characters)';
    if (problem) throw new ValidationError(`${source}, line ${i + 1}: ${problem}`, `line ${i + 1}`);
    keys.push(line);
  });
  return { approverKeys: keys, operatorKeys: [] };
}
