/**
 * Row shapes and conversions both stores share (SQLite and PostgreSQL return the same columns).
 * Every value read back from the database is checked against its schema here, never cast: a
 * row damaged or written by another program fails with StoredDataError (the server answers 500
 * naming the record), instead of crashing a request with a stray TypeError or, worse, answering
 * with a wrong value. The schemas are built once, at load; JSON columns are parsed only where a
 * caller uses them.
 */
import { z } from 'zod';
import { ApiKeyRole, Approval } from '../core/api.ts';
import { ApproverRecord, Cosignature, Decision as DecisionSchema, PolicyDocument } from '../core/schemas.ts';
import { parseWith, ValidationError } from '../core/validate.ts';
import {
  type ApiKeyRecord,
  type ChangesPage,
  type ReceiptRecord,
  StoredDataError,
  type StoredDecision,
  type StoredPolicy,
  type TeamRecord,
} from './store.ts';

/** Database integers: better-sqlite3 and node-postgres (int8 parser) both give numbers. */
const Integer = z.number().int();
const Bytes = z.custom<Buffer>((value) => Buffer.isBuffer(value), 'expected bytes');

/**
 * The value `row` as `schema` describes it; StoredDataError when it does not match. `what`
 * names the record for the message (`approval body (team T)`).
 */
export function stored<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  try {
    return parseWith(schema, row, what);
  } catch (err) {
    if (err instanceof ValidationError) throw corrupt(what, err.message);
    throw err;
  }
}

/** Like `stored`, for a row that may be absent: null when there is none. */
export const storedOrNull = <S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> | null =>
  row === undefined || row === null ? null : stored(schema, row, what);

/** Every row of a result, each checked. */
export const storedRows = <S extends z.ZodType>(schema: S, rows: readonly unknown[], what: string): z.output<S>[] =>
  rows.map((row) => stored(schema, row, what));

/** A JSON column (text) parsed and checked against the schema of the value it holds. */
export function storedJson<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(what, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return stored(schema, value, what);
}

function corrupt(what: string, problem: string): StoredDataError {
  return new StoredDataError(
    `the database holds a damaged record: ${problem.startsWith(what) ? problem : `${what}: ${problem}`}. ` +
      'It was not written by this heso-cloud as it is; restore the row from a backup or remove it',
  );
}

/**
 * Approval bodies already checked, by their exact text: the pending queue is read again and
 * again (every approver's list, every long-poll), and the full schema costs ~10× the JSON parse.
 * The same text checks the same way (the schemas have no transforms or defaults, so the parsed
 * text is the checked value); a changed body is new text and is checked. Bounded: cleared when full.
 */
const checkedApprovalBodies = new Set<string>();
const CHECKED_BODIES_MAX = 2048;

export function parseApproval(body: string): Approval {
  if (checkedApprovalBodies.has(body)) return JSON.parse(body) as Approval;
  const approval = storedJson(Approval, body, 'approval');
  if (checkedApprovalBodies.size >= CHECKED_BODIES_MAX) checkedApprovalBodies.clear();
  checkedApprovalBodies.add(body);
  return approval;
}

export const parseApprover = (record: string): ApproverRecord => storedJson(ApproverRecord, record, 'approver');

/* ------------------------------------------------------------------ row schemas */

export const TeamRow = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export const teamOf = (row: unknown): TeamRecord | null => storedOrNull(TeamRow, row, 'team');
export const teamsOf = (rows: readonly unknown[]): TeamRecord[] => storedRows(TeamRow, rows, 'team');

const ApiKeyRow = z.object({
  key_id: z.string(),
  team_id: z.string(),
  secret_hash: Bytes,
  // The column's CHECK holds the same values; parse anyway so a bad row fails loudly, never widens.
  role: ApiKeyRole,
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});

const apiKeyFromRow = (row: unknown): ApiKeyRecord => {
  const r = stored(ApiKeyRow, row, 'API key');
  return {
    keyId: r.key_id,
    teamId: r.team_id,
    secretHash: r.secret_hash,
    role: r.role,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
};
export const apiKeyOf = (row: unknown): ApiKeyRecord | null => (row == null ? null : apiKeyFromRow(row));
export const apiKeysOf = (rows: readonly unknown[]): ApiKeyRecord[] => rows.map(apiKeyFromRow);

const PolicyRow = z.object({ document: z.string(), updated_at: z.string() });
export const policyOf = (row: unknown): StoredPolicy | null => {
  const r = storedOrNull(PolicyRow, row, 'policy');
  return r && { document: storedJson(PolicyDocument, r.document, 'policy document'), updatedAt: r.updated_at };
};

/** One JSON text column (`record`, `body`, `canonical`). */
export const RecordRow = z.object({ record: z.string() });
export const BodyRow = z.object({ body: z.string() });
export const CanonicalRow = z.object({ canonical: z.string() });
export const EnrolledByRow = z.object({ enrolled_by: z.string().nullable() });
export const ExistingApprovalRow = z.object({ body: z.string(), receipt_canonical: z.string() });
export const ApprovalRow = z.object({
  body: z.string(),
  status: z.string(),
  expires_ms: Integer,
  opened_by: z.string().nullable(),
});
export type ApprovalRow = z.output<typeof ApprovalRow>;
export const ChangeSeqRow = z.object({ change_seq: Integer });
export const SettledRow = z.object({ body: z.string(), settled_seq: Integer });
export const ChangeRow = z.object({ body: z.string(), change_seq: Integer });
export const CountRow = z.object({ n: Integer });
export const TeamIdRow = z.object({ team_id: z.string() });
export const IdRow = z.object({ id: z.string() });
export const VersionRow = z.object({ v: Integer.nullable() });
export const ColumnRow = z.object({ name: z.string() });

const ReceiptRow = z.object({
  receipt_id: z.string(),
  canonical: z.string(),
  received_at: z.string(),
  issued_ms: Integer,
});

const receiptRecordOf = (row: unknown): ReceiptRecord => {
  const r = stored(ReceiptRow, row, 'receipt');
  return { receiptId: r.receipt_id, canonical: r.canonical, receivedAt: r.received_at, issuedMs: r.issued_ms };
};
export const receiptOf = (row: unknown): ReceiptRecord | null => (row == null ? null : receiptRecordOf(row));
export const receiptsOf = (rows: readonly unknown[]): ReceiptRecord[] => rows.map(receiptRecordOf);

const DecisionRow = z.object({
  approval_id: z.string(),
  person_id: z.string(),
  approver_key_id: z.string(),
  // The column's CHECK holds the same values; parse anyway so a bad row fails loudly.
  decision: DecisionSchema,
  cosignature: z.string(),
  decided_at: z.string(),
});

const decisionFromRow = (row: unknown): StoredDecision => {
  const r = stored(DecisionRow, row, 'decision');
  return {
    approvalId: r.approval_id,
    personId: r.person_id,
    approverKeyId: r.approver_key_id,
    decision: r.decision,
    cosignature: storedJson(Cosignature, r.cosignature, `decision on approval ${r.approval_id}: cosignature`),
    decidedAt: r.decided_at,
  };
};
export const decisionsOf = (rows: readonly unknown[]): StoredDecision[] => rows.map(decisionFromRow);

/** A changes page from up to `limit + 1` rows in change order: one row too many means `more`. */
export function approvalPage(rows: readonly unknown[], limit: number, changeSeq: number): ChangesPage {
  const checked = storedRows(ChangeRow, rows, 'approval change');
  const more = checked.length > limit;
  const page = more ? checked.slice(0, limit) : checked;
  return {
    approvals: page.map((r) => parseApproval(r.body)),
    changeSeq: more ? page[page.length - 1]!.change_seq : changeSeq,
    more,
    reset: false,
  };
}
