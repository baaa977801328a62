/**
 * The audit log as JSON Lines for auditors: one entry per line, oldest first, with what each
 * decision was about. Pure: unit-tested in test/renderer/history-export.test.ts.
 */
import type { AuditEntryView } from '../../src/approver/api.ts';

export function historyJsonLines(entries: readonly AuditEntryView[]): string {
  return [...entries]
    .sort((a, b) => a.seq - b.seq)
    .map((entry) => `${JSON.stringify(entry)}\n`)
    .join('');
}

export function exportFileName(profile: string, at: Date): string {
  return `heso-audit-${profile.replace(/[^A-Za-z0-9._-]/g, '_')}-${at.toISOString().slice(0, 10)}.jsonl`;
}
