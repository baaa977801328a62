/**
 * The embedded CloudStore: one SQLite file through better-sqlite3.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every commit is fsynced to the WAL
 * before the call returns. A request is acknowledged only after its commit returned, so an
 * acknowledged write survives SIGKILL (the OS already holds it) and also power loss (it is
 * on disk). NORMAL would be enough for SIGKILL alone; FULL costs one fsync per commit.
 *
 * better-sqlite3 is synchronous: each method runs start to end without yielding, and the
 * multi-statement ones run inside a transaction, so two requests can never interleave.
 * One server process per database file (the admin CLI may open it alongside: busy_timeout).
 */
import Database from 'better-sqlite3';
import { ApiKeyRole, type Approval } from '../core/api.ts';
import type { ApproverRecord, PolicyDocument } from '../core/schemas.ts';
import { MIGRATIONS } from './sqlite-migrations.ts';
import type {
  ApiKeyRecord,
  CloudStore,
  DecideOutcome,
  DecisionWrite,
  OpenApprovalOutcome,
  PendingPage,
  PutReceiptOutcome,
  ReceiptWrite,
  SettledPage,
  StoredPolicy,
  TeamRecord,
} from './store.ts';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` (no durability; for quick unit use only). */
  path: string;
  readonly?: boolean;
}

interface ApiKeyRow {
  key_id: string;
  team_id: string;
  secret_hash: Buffer;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

const apiKeyFromRow = (r: ApiKeyRow): ApiKeyRecord => ({
  keyId: r.key_id,
  teamId: r.team_id,
  secretHash: r.secret_hash,
  // The column's CHECK holds the same values; parse anyway so a bad row fails loudly, never widens.
  role: ApiKeyRole.parse(r.role),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

const parseApproval = (body: string) => JSON.parse(body) as Approval;
const parseApprover = (record: string) => JSON.parse(record) as ApproverRecord;

export class SqliteCloudStore implements CloudStore {
  readonly db: Database.Database;
  readonly #listeners = new Set<(teamId: string) => void>();
  /** Teams whose change counter the running transaction bumped; announced after commit. */
  readonly #changed = new Set<string>();

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.#migrate();
    }
  }

  /** The schema version this database is at. */
  schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  #migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const current = this.schemaVersion();
    if (current > MIGRATIONS.length)
      throw new Error(
        `database schema version ${current} is newer than this heso-cloud (knows ${MIGRATIONS.length}); upgrade heso-cloud`,
      );
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version - 1]!;
      this.db
        .transaction(() => {
          this.db.exec(sql);
          this.db
            .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
            .run(version, new Date().toISOString());
        })
        .immediate();
    }
  }

  /* ------------------------------------------------------------------ teams */

  async createTeam(team: TeamRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)')
      .run(team.id, team.name, team.createdAt);
  }

  async getTeam(teamId: string): Promise<TeamRecord | null> {
    const row = this.db.prepare('SELECT id, name, created_at AS createdAt FROM teams WHERE id = ?').get(teamId);
    return (row as TeamRecord | undefined) ?? null;
  }

  async listTeams(): Promise<TeamRecord[]> {
    return this.db
      .prepare('SELECT id, name, created_at AS createdAt FROM teams ORDER BY created_at, id')
      .all() as TeamRecord[];
  }

  /* ------------------------------------------------------------------ API keys */

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO api_keys (key_id, team_id, secret_hash, role, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(key.keyId, key.teamId, key.secretHash, key.role, key.createdAt, key.revokedAt);
  }

  async getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE key_id = ?').get(keyId) as ApiKeyRow | undefined;
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(teamId: string): Promise<ApiKeyRecord[]> {
    const rows = this.db.prepare('SELECT * FROM api_keys WHERE team_id = ? ORDER BY created_at').all(teamId);
    return (rows as ApiKeyRow[]).map(apiKeyFromRow);
  }

  async revokeApiKey(keyId: string, at: string): Promise<ApiKeyRecord | null> {
    this.db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?').run(at, keyId);
    return this.getApiKey(keyId);
  }

  /* ------------------------------------------------------------------ policy */

  async setPolicy(teamId: string, document: PolicyDocument, at: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO policies (team_id, document, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (team_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
      )
      .run(teamId, JSON.stringify(document), at);
  }

  async getPolicy(teamId: string): Promise<StoredPolicy | null> {
    const row = this.db.prepare('SELECT document, updated_at FROM policies WHERE team_id = ?').get(teamId) as
      | { document: string; updated_at: string }
      | undefined;
    return row ? { document: JSON.parse(row.document) as PolicyDocument, updatedAt: row.updated_at } : null;
  }

  /* ------------------------------------------------------------------ approvers */

  async enrolApprover(
    teamId: string,
    record: ApproverRecord,
    enrolledBy: string,
  ): Promise<{ record: ApproverRecord; created: boolean }> {
    return this.#tx(() => {
      const existing = this.#approver(teamId, record.keyId);
      if (existing) return { record: existing, created: false };
      this.db
        .prepare(
          `INSERT INTO approvers (team_id, key_id, record, status, created_seq, enrolled_by)
             VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM approvers WHERE team_id = ?), ?)`,
        )
        .run(teamId, record.keyId, JSON.stringify(record), record.status, teamId, enrolledBy);
      return { record, created: true };
    });
  }

  async approverEnrolledBy(teamId: string, keyId: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT enrolled_by FROM approvers WHERE team_id = ? AND key_id = ?')
      .get(teamId, keyId) as { enrolled_by: string | null } | undefined;
    return row?.enrolled_by ?? null;
  }

  #approver(teamId: string, keyId: string): ApproverRecord | null {
    const row = this.db.prepare('SELECT record FROM approvers WHERE team_id = ? AND key_id = ?').get(teamId, keyId) as
      | { record: string }
      | undefined;
    return row ? parseApprover(row.record) : null;
  }

  async getApprover(teamId: string, keyId: string): Promise<ApproverRecord | null> {
    return this.#approver(teamId, keyId);
  }

  async listApprovers(teamId: string): Promise<ApproverRecord[]> {
    const rows = this.db.prepare('SELECT record FROM approvers WHERE team_id = ? ORDER BY created_seq').all(teamId);
    return (rows as { record: string }[]).map((r) => parseApprover(r.record));
  }

  async setApproverStatus(
    teamId: string,
    keyId: string,
    status: 'active' | 'revoked',
    at: string,
  ): Promise<ApproverRecord | null> {
    return this.#tx(() => {
      const current = this.#approver(teamId, keyId);
      if (!current) return null;
      let next: ApproverRecord = current;
      if (status === 'active' && current.status === 'pending') next = { ...current, status, activatedAt: at };
      if (status === 'revoked' && current.status !== 'revoked') next = { ...current, status, revokedAt: at };
      if (next !== current)
        this.db
          .prepare('UPDATE approvers SET record = ?, status = ? WHERE team_id = ? AND key_id = ?')
          .run(JSON.stringify(next), next.status, teamId, keyId);
      return next;
    });
  }

  /* ------------------------------------------------------------------ receipts */

  async putReceipts(teamId: string, receipts: ReceiptWrite[], receivedAt: string): Promise<PutReceiptOutcome[]> {
    const select = this.db.prepare('SELECT canonical FROM receipts WHERE team_id = ? AND receipt_id = ?');
    const insert = this.db.prepare(
      'INSERT INTO receipts (team_id, receipt_id, canonical, received_at) VALUES (?, ?, ?, ?)',
    );
    const replace = this.db.prepare(
      'UPDATE receipts SET canonical = ?, received_at = ? WHERE team_id = ? AND receipt_id = ?',
    );
    return this.#tx(() =>
      receipts.map((item): PutReceiptOutcome => {
        const existing = select.get(teamId, item.receiptId) as { canonical: string } | undefined;
        if (!existing) {
          insert.run(teamId, item.receiptId, item.canonical, receivedAt);
          return 'accepted';
        }
        if (existing.canonical === item.canonical) return 'duplicate';
        if (!item.mayReplace(existing.canonical)) return 'conflict';
        replace.run(item.canonical, receivedAt, teamId, item.receiptId);
        return 'accepted';
      }),
    );
  }

  async getReceipt(teamId: string, receiptId: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT canonical FROM receipts WHERE team_id = ? AND receipt_id = ?')
      .get(teamId, receiptId) as { canonical: string } | undefined;
    return row?.canonical ?? null;
  }

  async countReceipts(teamId: string): Promise<number> {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM receipts WHERE team_id = ?').get(teamId) as { n: number };
    return row.n;
  }

  /* ------------------------------------------------------------------ approvals */

  /** Bumps the team's change counter; returns its new value. */
  #bump(teamId: string): number {
    const row = this.db
      .prepare('UPDATE teams SET change_seq = change_seq + 1 WHERE id = ? RETURNING change_seq')
      .get(teamId) as { change_seq: number } | undefined;
    this.#changed.add(teamId);
    return row?.change_seq ?? 0;
  }

  /** Runs `fn` in an IMMEDIATE transaction (takes the write lock up front), then announces queue changes. */
  #tx<T>(fn: () => T): T {
    let result: T;
    try {
      result = this.db.transaction(fn).immediate();
    } catch (err) {
      this.#changed.clear();
      throw err;
    }
    const changed = [...this.#changed];
    this.#changed.clear();
    for (const teamId of changed) for (const listener of this.#listeners) listener(teamId);
    return result;
  }

  onQueueChange(listener: (teamId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #approvalRow(teamId: string, approvalId: string) {
    return this.db
      .prepare('SELECT body, status, expires_ms, opened_by FROM approvals WHERE team_id = ? AND id = ?')
      .get(teamId, approvalId) as
      | { body: string; status: string; expires_ms: number; opened_by: string | null }
      | undefined;
  }

  /** Marks one pending approval expired; the caller is inside a transaction. */
  #expire(teamId: string, body: string): Approval {
    const expired: Approval = { ...parseApproval(body), status: 'expired' };
    const seq = this.#bump(teamId);
    this.db
      .prepare("UPDATE approvals SET status = 'expired', body = ?, settled_seq = ? WHERE team_id = ? AND id = ?")
      .run(JSON.stringify(expired), seq, teamId, expired.id);
    return expired;
  }

  async openApproval(
    teamId: string,
    approval: Approval,
    receiptCanonical: string,
    openedBy: string,
  ): Promise<OpenApprovalOutcome> {
    return this.#tx((): OpenApprovalOutcome => {
      const existing = this.db
        .prepare('SELECT body, receipt_canonical FROM approvals WHERE team_id = ? AND receipt_id = ?')
        .get(teamId, approval.receipt.statement.receiptId) as { body: string; receipt_canonical: string } | undefined;
      if (existing) {
        const kind = existing.receipt_canonical === receiptCanonical ? 'existing' : 'conflict';
        return { kind, approval: parseApproval(existing.body) };
      }
      this.db
        .prepare(
          `INSERT INTO approvals (team_id, id, receipt_id, receipt_canonical, status, expires_ms, body, opened_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          teamId,
          approval.id,
          approval.receipt.statement.receiptId,
          receiptCanonical,
          approval.status,
          Date.parse(approval.expiresAt),
          JSON.stringify(approval),
          openedBy,
        );
      this.#bump(teamId);
      return { kind: 'created', approval };
    });
  }

  async getApproval(teamId: string, approvalId: string, now: string, openedBy?: string): Promise<Approval | null> {
    const nowMs = Date.parse(now);
    return this.#tx(() => {
      const row = this.#approvalRow(teamId, approvalId);
      if (!row || (openedBy !== undefined && row.opened_by !== openedBy)) return null;
      if (row.status === 'pending' && row.expires_ms <= nowMs) return this.#expire(teamId, row.body);
      return parseApproval(row.body);
    });
  }

  async listPending(teamId: string, limit: number, now: string): Promise<PendingPage> {
    return this.#tx(() => {
      this.#expireTeam(teamId, Date.parse(now));
      const rows = this.db
        .prepare("SELECT body FROM approvals WHERE team_id = ? AND status = 'pending' ORDER BY seq LIMIT ?")
        .all(teamId, limit) as { body: string }[];
      return { approvals: rows.map((r) => parseApproval(r.body)), changeSeq: this.#changeSeq(teamId) };
    });
  }

  async listSettled(
    teamId: string,
    openedBy: string,
    afterSeq: number,
    limit: number,
    now: string,
  ): Promise<SettledPage> {
    return this.#tx(() => {
      this.#expireTeam(teamId, Date.parse(now));
      const rows = this.db
        .prepare(
          `SELECT body, settled_seq FROM approvals
            WHERE team_id = ? AND opened_by = ? AND settled_seq > ? ORDER BY settled_seq LIMIT ?`,
        )
        .all(teamId, openedBy, afterSeq, limit) as { body: string; settled_seq: number }[];
      const more = rows.length === limit;
      return {
        approvals: rows.map((r) => parseApproval(r.body)),
        cursor: more ? rows[rows.length - 1]!.settled_seq : this.#changeSeq(teamId),
        more,
      };
    });
  }

  #changeSeq(teamId: string): number {
    const row = this.db.prepare('SELECT change_seq FROM teams WHERE id = ?').get(teamId) as
      | { change_seq: number }
      | undefined;
    return row?.change_seq ?? 0;
  }

  async getChangeSeq(teamId: string): Promise<number> {
    return this.#changeSeq(teamId);
  }

  async decideApproval(
    teamId: string,
    approvalId: string,
    decision: DecisionWrite,
    now: string,
  ): Promise<DecideOutcome> {
    const nowMs = Date.parse(now);
    return this.#tx((): DecideOutcome => {
      const row = this.#approvalRow(teamId, approvalId);
      if (!row) return { kind: 'not_found' };
      if (row.status === 'expired') return { kind: 'expired', approval: parseApproval(row.body) };
      if (row.status !== 'pending') return { kind: 'already_decided', approval: parseApproval(row.body) };
      if (row.expires_ms <= nowMs) return { kind: 'expired', approval: this.#expire(teamId, row.body) };
      const decided: Approval = {
        ...parseApproval(row.body),
        status: decision.status,
        cosignature: decision.cosignature,
        decidedAt: decision.decidedAt,
      };
      const seq = this.#bump(teamId);
      const changed = this.db
        .prepare(
          "UPDATE approvals SET status = ?, body = ?, settled_seq = ? WHERE team_id = ? AND id = ? AND status = 'pending'",
        )
        .run(decision.status, JSON.stringify(decided), seq, teamId, approvalId).changes;
      if (changed !== 1) throw new Error('approval changed inside its own transaction');
      return { kind: 'decided', approval: decided };
    });
  }

  #expireTeam(teamId: string, nowMs: number): boolean {
    const rows = this.db
      .prepare("SELECT body FROM approvals WHERE team_id = ? AND status = 'pending' AND expires_ms <= ?")
      .all(teamId, nowMs) as { body: string }[];
    for (const row of rows) this.#expire(teamId, row.body);
    return rows.length > 0;
  }

  async expireDue(now: string): Promise<string[]> {
    const nowMs = Date.parse(now);
    return this.#tx(() => {
      const teams = this.db
        .prepare("SELECT DISTINCT team_id FROM approvals WHERE status = 'pending' AND expires_ms <= ?")
        .all(nowMs) as { team_id: string }[];
      for (const { team_id } of teams) this.#expireTeam(team_id, nowMs);
      return teams.map((t) => t.team_id);
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
