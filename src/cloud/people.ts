/**
 * Who an approver key belongs to. A person who rotates keeps being one person: the first key
 * of a rotation chain (each rotation names the key it replaces, signed by it) stands for them.
 */
import type { ApproverRecord } from '../core/schemas.ts';
import type { CloudStore } from './store.ts';

/** The key id standing for the person holding `approver`: the first key of its rotation chain. */
export async function personOf(store: CloudStore, teamId: string, approver: ApproverRecord): Promise<string> {
  let current = approver;
  const seen = new Set([current.keyId]);
  while (current.rotation) {
    const previousKeyId = current.rotation.statement.previousKeyId;
    // A chain can only point backwards (the previous key was enrolled first); stop at a loop or a gap.
    if (seen.has(previousKeyId)) break;
    const previous = await store.getApprover(teamId, previousKeyId);
    if (!previous) return previousKeyId;
    seen.add(previousKeyId);
    current = previous;
  }
  return current.keyId;
}
