/**
 * The operator's local audit log: one JSON line per guarded action and its outcome,
 * fsynced. It holds ids, hashes and verdicts (the receipts themselves go to the outbox),
 * never a key or a secret. Lines are read back through `AuditEntrySchema`, never cast.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ActionHash, Id, KeyId, PolicyRef, ReceiptStatement, Timestamp, Verdict } from '../core/schemas.ts';
import { dataDirPaths } from './data-dir.ts';
import { HesoError } from './errors.ts';
import { appendLineDurable } from './fsutil.ts';
import { parseStored } from './stored-file.ts';

const AuditOutcomeSchema = z.enum([
  'ran', // allowed (or approved and verified) and the function ran
  'observed', // observe-only mode: recorded, ran regardless of the verdict
  'blocked',
  'approval_opened',
  'approved', // co-signature verified locally
  'denied',
  'expired',
  'timeout',
  'cosignature_rejected',
  'failed', // the guarded function itself threw
]);
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

/** One line of the log; the action's fields come from the receipt it describes. */
export const AuditEntrySchema = z.strictObject({
  at: Timestamp,
  outcome: AuditOutcomeSchema,
  receiptId: ReceiptStatement.shape.receiptId,
  actionHash: ActionHash,
  tool: Id,
  account: Id,
  workflow: Id,
  verdict: Verdict,
  policyVersion: PolicyRef.shape.version,
  ruleId: PolicyRef.shape.ruleId,
  approvalId: Id.optional(),
  shortCode: z.string().optional(),
  approverKeyId: KeyId.optional(),
  reasons: z.array(z.string()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export class AuditLog {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = dataDirPaths(dataDir).auditLog;
  }

  append(entry: AuditEntry): void {
    appendLineDurable(this.file, JSON.stringify(entry));
  }

  /**
   * Every entry, oldest first. A line that is not JSON at all is the torn remains of an append
   * a crash cut short: skipped, as it holds no entry. A JSON line that is not an entry (edited
   * or damaged) throws, naming the line; the file is left as it is.
   */
  read(): AuditEntry[] {
    if (!existsSync(this.file)) return [];
    const out: AuditEntry[] = [];
    for (const [index, line] of readFileSync(this.file, 'utf8').split('\n').entries()) {
      if (!line.trim() || !isJson(line)) continue;
      const read = parseStored(line, AuditEntrySchema);
      if (read.kind === 'damaged')
        throw new HesoError(
          'data_dir',
          `line ${index + 1} of ${this.file} is ${read.problem}: the audit log was edited or damaged. It was left as it is; keep a copy as evidence, then move the file aside to start a new log.`,
        );
      if (read.kind === 'ok') out.push(read.value);
    }
    return out;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
