/**
 * Operator-key trust, the way SSH trusts host keys. Each profile keeps the operator keys it
 * trusts, each with the workflows it signs for. The control plane is never trusted for this:
 * a receipt it re-signed with a key of its own is valid Ed25519 but signed by a stranger.
 *
 * - `trusted`: the key is pinned for the receipt's workflow.
 * - `first_seen`: nothing is pinned for this key and workflow yet. The item is shown with the
 *   key's fingerprint and cannot be approved until the person trusts the key (after comparing
 *   the fingerprint out of band), or an admin pins it up front.
 * - `changed`: the workflow is pinned to another key. Like a changed SSH host key this is a
 *   quarantine: the item can only be denied, and only an explicit `--replace` re-pins.
 *
 * Pure functions over the stored list; the engine persists it in the profile (profiles.json).
 */
import { z } from 'zod';
import { fingerprintOf, keyIdOf } from '../core/crypto.ts';
import { Action, KeyId, PublicKeyB64, Timestamp } from '../core/schemas.ts';
import type { OperatorTrustView, PendingItem } from './api.ts';
import { InputError } from './errors.ts';

export const WorkflowName = Action.shape.workflow;

export const TrustedOperator = z.strictObject({
  keyId: KeyId,
  publicKey: PublicKeyB64,
  fingerprint: z.string().max(100),
  /** Workflows this key signs for; a receipt for any other workflow is not covered. */
  workflows: z.array(WorkflowName).min(1).max(1000),
  /** `pinned` up front (admin, `trust add-operator`), or `confirmed` from a shown item's fingerprint. */
  source: z.enum(['pinned', 'confirmed']),
  addedAt: Timestamp,
});
export type TrustedOperator = z.infer<typeof TrustedOperator>;

export interface AddTrustInput {
  publicKey: string;
  workflows: string[];
  source: TrustedOperator['source'];
  now: string;
  /** Re-pin workflows currently pinned to another key (the `--replace` of a changed key). */
  replace?: boolean;
}

/** Key id and fingerprint of a base64url Ed25519 public key, or an InputError that says what is wrong. */
export function describeOperatorKey(publicKey: string): { keyId: string; fingerprint: string } {
  const parsed = PublicKeyB64.safeParse(publicKey);
  if (!parsed.success) {
    // Name the reason (non-canonical, small-order, …: docs/protocol.md §1.3), not only the expected shape.
    const why = parsed.error.issues[0]?.message ?? 'invalid';
    throw new InputError(
      `operator public key: ${why} (expected the 32-byte Ed25519 public key in base64url, 43 characters)`,
    );
  }
  try {
    return { keyId: keyIdOf(publicKey), fingerprint: fingerprintOf(publicKey) };
  } catch {
    throw new InputError('operator public key: not a canonical base64url Ed25519 public key');
  }
}

/** How the pinned list sees `operatorPublicKey` signing for `workflow`. */
export function assessOperator(
  trusted: readonly TrustedOperator[],
  operatorPublicKey: string,
  workflow: string,
): OperatorTrustView {
  let keyId: string;
  let fingerprint: string;
  try {
    ({ keyId, fingerprint } = describeOperatorKey(operatorPublicKey));
  } catch {
    // An undecodable key fails the signature check anyway; show it as never seen.
    return { keyId: '', fingerprint: '', publicKey: operatorPublicKey, workflow, trust: 'first_seen', pinnedKeys: [] };
  }
  const base = { keyId, fingerprint, publicKey: operatorPublicKey, workflow };
  const own = trusted.find((t) => t.keyId === keyId);
  if (own?.workflows.includes(workflow)) return { ...base, trust: 'trusted', pinnedKeys: [] };
  const others = trusted.filter((t) => t.keyId !== keyId && t.workflows.includes(workflow));
  if (others.length > 0) {
    return {
      ...base,
      trust: 'changed',
      pinnedKeys: others.map((t) => ({ keyId: t.keyId, fingerprint: t.fingerprint })),
    };
  }
  return { ...base, trust: 'first_seen', pinnedKeys: [] };
}

/** Why an item with this operator assessment cannot be approved; null when it can. */
export function operatorTrustProblem(view: OperatorTrustView): { reason: string; quarantine: boolean } | null {
  switch (view.trust) {
    case 'trusted':
      return null;
    case 'first_seen':
      return {
        quarantine: false,
        reason: `operator key ${view.fingerprint} is not trusted on this device for workflow "${view.workflow}" (first seen): compare its fingerprint with your team admin, then trust it before approving`,
      };
    case 'changed':
      return {
        quarantine: true,
        reason: `workflow "${view.workflow}" is pinned to operator key ${view.pinnedKeys.map((k) => k.fingerprint).join(', ')}, but this request is signed by ${view.fingerprint} (operator key changed)`,
      };
    default: {
      const never: never = view.trust;
      return never;
    }
  }
}

/** The list with `input.publicKey` trusted for `input.workflows`. Refuses to silently re-pin a workflow. */
export function addTrust(list: readonly TrustedOperator[], input: AddTrustInput): TrustedOperator[] {
  const { keyId, fingerprint } = describeOperatorKey(input.publicKey);
  const workflows = [...new Set(input.workflows)];
  if (workflows.length === 0)
    throw new InputError('name at least one workflow this operator key signs for (--workflow NAME, repeatable)');
  for (const w of workflows) {
    if (!WorkflowName.safeParse(w).success) throw new InputError(`workflow "${w}": not a valid workflow name`);
  }
  const clashes = list.filter((t) => t.keyId !== keyId && t.workflows.some((w) => workflows.includes(w)));
  if (clashes.length > 0 && !input.replace) {
    const names = clashes.flatMap((t) =>
      t.workflows.filter((w) => workflows.includes(w)).map((w) => `"${w}" → ${t.fingerprint}`),
    );
    throw new InputError(
      `Refused: ${names.join(', ')} is already pinned to another operator key. If your team admin confirmed the key change, trust the new key with --replace.`,
    );
  }
  const next: TrustedOperator[] = [];
  for (const t of list) {
    if (t.keyId === keyId) continue;
    const kept = input.replace ? t.workflows.filter((w) => !workflows.includes(w)) : t.workflows;
    if (kept.length > 0) next.push({ ...t, workflows: kept });
  }
  const existing = list.find((t) => t.keyId === keyId);
  next.push({
    keyId,
    publicKey: input.publicKey,
    fingerprint,
    workflows: [...new Set([...(existing?.workflows ?? []), ...workflows])].sort(),
    source: existing?.source === 'pinned' ? 'pinned' : input.source,
    addedAt: existing?.addedAt ?? input.now,
  });
  return next;
}

/** The list without `keyId` (or without only `workflow` for it). Unknown keys are an InputError. */
export function removeTrust(list: readonly TrustedOperator[], keyId: string, workflow?: string): TrustedOperator[] {
  const wanted = keyId.replace(/\s+/g, '').toLowerCase();
  const entry = list.find((t) => t.keyId === wanted);
  if (!entry)
    throw new InputError(`No trusted operator key ${keyId} in this profile: see \`heso-approver trust list\`.`);
  if (workflow !== undefined && !entry.workflows.includes(workflow)) {
    throw new InputError(`Operator key ${entry.fingerprint} is not trusted for workflow "${workflow}".`);
  }
  return list.flatMap((t) => {
    if (t !== entry) return [t];
    const kept = workflow === undefined ? [] : t.workflows.filter((w) => w !== workflow);
    return kept.length > 0 ? [{ ...t, workflows: kept }] : [];
  });
}

/**
 * Throws unless the key that signed `item` may be trusted from it: the fingerprint the person
 * confirmed must be that key's, and a quarantined item (changed key, failed verification) never
 * gets its key trusted this way.
 */
export function assertTrustable(item: PendingItem, confirmedFingerprint: string): void {
  const { operator } = item;
  const compact = (fp: string) => fp.replace(/\s+/g, '').toUpperCase();
  if (compact(confirmedFingerprint) !== compact(operator.fingerprint)) {
    throw new InputError(
      `The fingerprint you confirmed (${confirmedFingerprint}) is not the one of the key that signed this request (${operator.fingerprint}): nothing was trusted.`,
    );
  }
  if (operator.trust === 'changed') {
    throw new InputError(
      `Workflow "${operator.workflow}" is pinned to another operator key; this request is quarantined and its key was not trusted. If your team admin confirms the key change, pin the new key with \`heso-approver trust add-operator ${operator.publicKey} --workflow ${operator.workflow} --replace\`.`,
    );
  }
  if (item.quarantined) {
    throw new InputError(
      'This request is quarantined (it failed verification on this device): its operator key was not trusted.',
    );
  }
}
