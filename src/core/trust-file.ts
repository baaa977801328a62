/**
 * Pinned approver keys as people hand them around, read the same way everywhere (the CLI's
 * `heso verify --trust FILE`, the verifier page): an agent's `.heso/trusted-approvers.json`
 * (docs/protocol.md §3.1), a JSON trust set `{"approverKeys": [...], "operatorKeys": [...]}`,
 * or text with one base64url key per line (blank lines and `#` comments ignored).
 * Browser-safe: text in, keys out.
 */
import { z } from 'zod';
import { PublicKeyB64, TrustSet } from './schemas.ts';
import { parseJsonText, parseWith, ValidationError } from './validate.ts';

export const TRUST_FILE_TYPE = 'heso.trusted-approvers.v1';

export const PinnedApprover = z.strictObject({
  publicKey: PublicKeyB64,
  keyId: z.string(),
  fingerprint: z.string(),
  name: z.string().max(200),
  addedAt: z.string(),
});
export type PinnedApprover = z.infer<typeof PinnedApprover>;

/** `<data dir>/trusted-approvers.json`, written by `heso trust add`. */
export const TrustFile = z.strictObject({ type: z.literal(TRUST_FILE_TYPE), approvers: z.array(PinnedApprover) });

export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Null when `text` is a public key HESO accepts; otherwise why not (non-canonical, small order, …). */
export function publicKeyTextProblem(text: string): string | null {
  const parsed = PublicKeyB64.safeParse(text);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'not a public key');
}

export interface TrustKeys {
  approverKeys: string[];
  operatorKeys: string[];
}

/** The keys in a trust file's text; `source` names it in errors (ValidationError, saying which line or field). */
export function trustKeysFromText(text: string, source: string): TrustKeys {
  if (text.trimStart().startsWith('{')) {
    const json = parseJsonText(text, source);
    const pinned = TrustFile.safeParse(json);
    // The agent's own pinned-keys file (heso trust add) is a trust root as it stands.
    if (pinned.success) return { approverKeys: pinned.data.approvers.map((a) => a.publicKey), operatorKeys: [] };
    const trust = parseWith(TrustSet, json, source);
    return { approverKeys: trust.approverKeys, operatorKeys: trust.operatorKeys ?? [] };
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
