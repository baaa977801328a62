/** Row shapes and conversions both stores share (SQLite and PostgreSQL return the same columns). */
import { ApiKeyRole, type Approval } from '../core/api.ts';
import { type Cosignature, Decision as DecisionSchema } from '../core/schemas.ts';
import type { ApiKeyRecord, ChangesPage, ReceiptRecord, StoredDecision } from './store.ts';

export interface ApiKeyRow {
  key_id: string;
  team_id: string;
  secret_hash: Buffer;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

export const apiKeyFromRow = (r: ApiKeyRow): ApiKeyRecord => ({
  keyId: r.key_id,
  teamId: r.team_id,
  secretHash: r.secret_hash,
  // The column's CHECK holds the same values; parse anyway so a bad row fails loudly, never widens.
  role: ApiKeyRole.parse(r.role),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export interface ReceiptRow {
  receipt_id: string;
  canonical: string;
  received_at: string;
  issued_ms: number;
}

export const receiptRecordOf = (r: ReceiptRow): ReceiptRecord => ({
  receiptId: r.receipt_id,
  canonical: r.canonical,
  receivedAt: r.received_at,
  issuedMs: r.issued_ms,
});

export interface DecisionRow {
  approval_id: string;
  person_id: string;
  approver_key_id: string;
  decision: string;
  cosignature: string;
  decided_at: string;
}

export const decisionFromRow = (r: DecisionRow): StoredDecision => ({
  approvalId: r.approval_id,
  personId: r.person_id,
  approverKeyId: r.approver_key_id,
  // The column's CHECK holds the same values; parse anyway so a bad row fails loudly.
  decision: DecisionSchema.parse(r.decision),
  cosignature: JSON.parse(r.cosignature) as Cosignature,
  decidedAt: r.decided_at,
});

/** A changes page from up to `limit + 1` rows in change order: one row too many means `more`. */
export function approvalPage(
  rows: { body: string; change_seq: number }[],
  limit: number,
  changeSeq: number,
  parse: (body: string) => Approval,
): ChangesPage {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    approvals: page.map((r) => parse(r.body)),
    changeSeq: more ? page[page.length - 1]!.change_seq : changeSeq,
    more,
    reset: false,
  };
}
