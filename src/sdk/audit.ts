/**
 * The operator's local audit log: one JSON line per guarded action and its outcome,
 * fsynced. It holds ids, hashes and verdicts (the receipts themselves go to the outbox),
 * never a key or a secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Verdict } from '../core/schemas.ts';
import { dataDirPaths } from './data-dir.ts';
import { appendLineDurable } from './fsutil.ts';

export type AuditOutcome =
  | 'ran' // allowed (or approved and verified) and the function ran
  | 'observed' // observe-only mode: recorded, ran regardless of the verdict
  | 'blocked'
  | 'approval_opened'
  | 'approved' // co-signature verified locally
  | 'denied'
  | 'expired'
  | 'timeout'
  | 'cosignature_rejected'
  | 'failed'; // the guarded function itself threw

export interface AuditEntry {
  at: string;
  outcome: AuditOutcome;
  receiptId: string;
  actionHash: string;
  tool: string;
  account: string;
  workflow: string;
  verdict: Verdict;
  policyVersion: string;
  ruleId: string | null;
  approvalId?: string;
  shortCode?: string;
  approverKeyId?: string;
  reasons?: string[];
}

export class AuditLog {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = dataDirPaths(dataDir).auditLog;
  }

  append(entry: AuditEntry): void {
    appendLineDurable(this.file, JSON.stringify(entry));
  }

  /** Every entry, oldest first; unreadable lines (a torn write after a crash) are skipped. */
  read(): AuditEntry[] {
    if (!existsSync(this.file)) return [];
    const out: AuditEntry[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {
        // skip a partial last line
      }
    }
    return out;
  }
}
