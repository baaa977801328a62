/**
 * Trusted approver keys, pinned locally in the data dir (`heso trust add PUBKEY`). This
 * file is the trust root for the guard: the policy bundle's approver list is only a hint.
 * Keys the server lists as active but that are not pinned are reported, never trusted;
 * a pinned key the server reports revoked is dropped from the effective trust (the server
 * may reduce trust, never grant it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fingerprintOf, keyIdOf } from '../core/crypto.ts';
import { type ApproverRecord, type PolicyBundle, PublicKeyB64, type TrustSet } from '../core/schemas.ts';
import { PinnedApprover, TRUST_FILE_TYPE, TrustFile } from '../core/trust-file.ts';
import { timestampOf } from '../core/validate.ts';
import { dataDirPaths } from './data-dir.ts';
import { HesoError } from './errors.ts';
import { writeFileDurable } from './fsutil.ts';

export { PinnedApprover, TrustFile };

export interface TrustReport {
  /** Pinned and listed active by the control plane. */
  pinnedActive: PinnedApprover[];
  /** Pinned, but the control plane lists them revoked: not trusted while it says so. */
  pinnedRevoked: PinnedApprover[];
  /** Pinned, but the control plane does not list them as active (unknown or pending). Still trusted locally. */
  pinnedNotActive: PinnedApprover[];
  /** Listed active by the control plane but not pinned here: NOT trusted. Pin after checking the fingerprint out of band. */
  unpinned: ApproverRecord[];
}

export class TrustStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = dataDirPaths(dataDir).trustedApprovers;
  }

  list(): PinnedApprover[] {
    if (!existsSync(this.file)) return [];
    try {
      return TrustFile.parse(JSON.parse(readFileSync(this.file, 'utf8'))).approvers;
    } catch {
      throw new HesoError(
        'data_dir',
        `${this.file} is not a valid trusted-approvers file; fix it or remove it and pin the keys again`,
      );
    }
  }

  /** Pin an approver public key (base64url, 32 bytes). Idempotent; a new name renames the entry. */
  add(publicKey: string, opts: { name?: string; now?: () => Date } = {}): { added: boolean; approver: PinnedApprover } {
    const key = PublicKeyB64.safeParse(typeof publicKey === 'string' ? publicKey.trim() : publicKey);
    if (!key.success)
      throw new HesoError(
        'data_dir',
        `that is not an approver public key: ${key.error.issues[0]?.message ?? 'invalid'} (expected the 43 base64url characters the approver app shows with the fingerprint)`,
      );
    const approvers = this.list();
    const existing = approvers.find((a) => a.publicKey === key.data);
    if (existing) {
      if (opts.name && opts.name !== existing.name) {
        existing.name = opts.name;
        this.#write(approvers);
      }
      return { added: false, approver: existing };
    }
    const keyId = keyIdOf(key.data);
    const approver: PinnedApprover = {
      publicKey: key.data,
      keyId,
      fingerprint: fingerprintOf(key.data),
      name: (opts.name ?? `approver ${keyId.slice(0, 8)}`).slice(0, 200),
      addedAt: timestampOf((opts.now ?? (() => new Date()))()),
    };
    this.#write([...approvers, approver]);
    return { added: true, approver };
  }

  /** Unpin by public key, key id or fingerprint. Returns the removed entry, or null when none matched. */
  remove(keyOrId: string): PinnedApprover | null {
    const needle = keyOrId.trim();
    const normalized = needle.replace(/\s+/g, '').toLowerCase();
    const approvers = this.list();
    const hit = approvers.find((a) => a.publicKey === needle || a.keyId === normalized);
    if (!hit) return null;
    this.#write(approvers.filter((a) => a !== hit));
    return hit;
  }

  /**
   * The trust set the guard verifies with: pinned keys, minus any the bundle reports revoked.
   * `operatorKeys` restricts which operator keys' receipts count (the guard passes its own).
   */
  trustSet(opts: { operatorKeys?: string[]; bundle?: PolicyBundle | null } = {}): TrustSet {
    const revoked = new Set(
      (opts.bundle?.approvers ?? []).filter((a) => a.status === 'revoked').map((a) => a.publicKey),
    );
    return {
      approverKeys: this.list()
        .map((a) => a.publicKey)
        .filter((k) => !revoked.has(k)),
      ...(opts.operatorKeys ? { operatorKeys: opts.operatorKeys } : {}),
    };
  }

  /** Compare the pins with the approvers a policy bundle lists. */
  report(bundle: PolicyBundle): TrustReport {
    const pinned = this.list();
    const byKey = new Map(bundle.approvers.map((a) => [a.publicKey, a]));
    const pinnedKeys = new Set(pinned.map((p) => p.publicKey));
    return {
      pinnedActive: pinned.filter((p) => byKey.get(p.publicKey)?.status === 'active'),
      pinnedRevoked: pinned.filter((p) => byKey.get(p.publicKey)?.status === 'revoked'),
      pinnedNotActive: pinned.filter((p) => {
        const status = byKey.get(p.publicKey)?.status;
        return status !== 'active' && status !== 'revoked';
      }),
      unpinned: bundle.approvers.filter((a) => a.status === 'active' && !pinnedKeys.has(a.publicKey)),
    };
  }

  #write(approvers: PinnedApprover[]): void {
    if (!existsSync(dirname(this.file)))
      throw new HesoError('data_dir', `no data directory at ${dirname(this.file)}: run \`heso init\` first`);
    writeFileDurable(this.file, `${JSON.stringify({ type: TRUST_FILE_TYPE, approvers }, null, 2)}\n`, 0o600);
  }
}
