/**
 * An approval id is immutable to the approver. The first version of an approval this device
 * sees is the one it shows and the one it may sign; if the control plane later serves the same
 * id with another receipt, action, challenge, expiry or team, that is not an update but a
 * quarantine: the item keeps showing what was first seen, names what changed, and can only be
 * denied. Only the decision state (status, co-signature, decided-at) may move.
 *
 * One registry per profile. The first-seen version of each approval is also kept on disk, one
 * file per id created exclusively (`wx`), so the first process to see an id fixes it for the app
 * and the CLI alike, across restarts. Which parts changed is remembered in memory only: a later
 * run compares the control plane's answer with the first-seen file again.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Approval } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import { readStored } from '../sdk/stored-file.ts';

/** The parts of an approval that must never change under its id, in the words shown to people. */
const BOUND_PARTS: { name: string; of: (a: Approval) => unknown }[] = [
  { name: 'team', of: (a) => a.teamId },
  { name: 'action', of: (a) => a.receipt.statement.action },
  { name: 'receipt', of: (a) => a.receipt },
  { name: 'challenge', of: (a) => a.challenge },
  { name: 'expiry', of: (a) => a.expiresAt },
  { name: 'creation time', of: (a) => a.createdAt },
];

/** Forget approvals this long after they expired: they can no longer be decided anyway. */
const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

export interface Observed {
  /** What to show and sign: the first-seen content with the current decision state. */
  approval: Approval;
  /** Every bound part that ever differed from the first-seen version (sticky). Empty when none. */
  changed: string[];
  /** True when this observation found a change not seen before. */
  newlyChanged: boolean;
}

interface Entry {
  first: Approval;
  firstBound: string[];
  changed: Set<string>;
}

export class SeenApprovals {
  readonly #entries = new Map<string, Entry>();
  readonly #dir: string | null;

  /** `dir`: where first-seen versions are kept (public material only); null keeps them in memory. */
  constructor(dir: string | null) {
    this.#dir = dir;
  }

  /** Records `fresh` (the approval as the control plane served it now) and returns what the approver holds. */
  observe(fresh: Approval): Observed {
    let entry = this.#entries.get(fresh.id);
    if (!entry) {
      const first = this.#firstSeen(fresh);
      entry = { first, firstBound: BOUND_PARTS.map((p) => canonicalize(p.of(first))), changed: new Set() };
      this.#entries.set(fresh.id, entry);
    }
    let newlyChanged = false;
    BOUND_PARTS.forEach((part, i) => {
      if (canonicalize(part.of(fresh)) !== entry.firstBound[i] && !entry.changed.has(part.name)) {
        entry.changed.add(part.name);
        newlyChanged = true;
      }
    });
    const changed = [...entry.changed];
    // A changed approval stays as first seen, still pending: its new "decision state" is not believable either.
    const approval: Approval =
      changed.length > 0
        ? structuredClone(entry.first)
        : {
            ...structuredClone(entry.first),
            status: fresh.status,
            cosignature: fresh.cosignature,
            decidedAt: fresh.decidedAt,
            // Progress of a quorum is decision state too; each decision is verified before it is shown.
            ...(fresh.decisions ? { decisions: fresh.decisions } : {}),
          };
    return { approval, changed, newlyChanged };
  }

  /** Drops approvals that expired long ago, so a long-running app does not grow without bound. */
  prune(nowMs: number): void {
    for (const [id, entry] of this.#entries) {
      if (Date.parse(entry.first.expiresAt) + KEEP_AFTER_EXPIRY_MS < nowMs) this.#entries.delete(id);
    }
  }

  /** Removes first-seen files of approvals that expired long ago (run once per start: it reads the dir). */
  pruneStored(nowMs: number): void {
    if (this.#dir === null) return;
    let names: string[];
    try {
      names = readdirSync(this.#dir).filter((n) => n.endsWith('.json'));
    } catch {
      return;
    }
    for (const name of names) {
      const read = readStored(join(this.#dir, name), Approval);
      // A damaged file is kept: it is evidence of what was first seen, and removing it is a person's call.
      if (read.kind === 'ok' && Date.parse(read.value.expiresAt) + KEEP_AFTER_EXPIRY_MS < nowMs) {
        rmSync(join(this.#dir, name), { force: true });
      }
    }
  }

  /** The stored first-seen version of `fresh.id`, else `fresh` itself, stored if no other process was first. */
  #firstSeen(fresh: Approval): Approval {
    if (this.#dir === null) return structuredClone(fresh);
    const file = join(this.#dir, `${fresh.id}.json`);
    const stored = this.#read(file);
    if (stored && stored.id === fresh.id) return stored;
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      // Exclusive create: of two processes seeing an id at once, the first one's version counts.
      writeFileSync(file, `${JSON.stringify(fresh)}\n`, { flag: stored ? 'w' : 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return this.#read(file) ?? structuredClone(fresh);
      // A read-only or full disk must not stop the approver: this run still holds the version in memory.
    }
    return structuredClone(fresh);
  }

  /** The stored first-seen version; null when there is none or it cannot be read back (then this run's copy holds). */
  #read(file: string): Approval | null {
    try {
      const read = readStored(file, Approval);
      return read.kind === 'ok' ? read.value : null;
    } catch {
      return null; // unreadable (permissions): as with a full disk, this run still holds the version in memory
    }
  }
}

/** The quarantine reason for an approval whose bound parts changed after it was first seen. */
export function changedReason(changed: readonly string[]): string {
  return `the control plane changed this approval after this device first saw it (${changed.join(', ')} changed): you are shown what was first seen, and it can only be denied`;
}
