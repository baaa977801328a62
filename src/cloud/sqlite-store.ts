/**
 * The embedded CloudStore: one SQLite file through better-sqlite3.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every commit is fsynced to the WAL
 * before it returns, and a request is acknowledged only after the commit holding its write
 * returned: an acknowledged write survives SIGKILL and power loss.
 *
 * Throughput: writes go through group commit (group-commit.ts): the writes that arrive in
 * the same turn of the event loop share one transaction and one fsync, each in its own
 * savepoint, so a burst of N requests costs one fsync, not N. Verification happens in the
 * routes before a write is queued, never inside the commit.
 *
 * better-sqlite3 is synchronous: a batch runs start to end without yielding, so two writes
 * never interleave, and reads (outside the batch) see only committed data. One server
 * process per database file (the admin CLI may open it alongside: busy_timeout).
 */
import Database from 'better-sqlite3';
import type { Approval } from '../core/api.ts';
import type { ApproverRecord, PolicyDocument } from '../core/schemas.ts';
import { decisionsFull, withDecision, withLabels } from './decision-state.ts';
import { GroupCommit } from './group-commit.ts';
import { MIGRATIONS } from './migrations.ts';
import { ISSUED_MS, RECEIPT_COLUMNS } from './sqlite-receipts.ts';
import type {
  ApiKeyRecord,
  ApproverLabels,
  ChangesPage,
  CloudStore,
  DecideOutcome,
  DecisionWrite,
  OpenApprovalOutcome,
  PendingPage,
  PutReceiptOutcome,
  ReceiptQuery,
  ReceiptRecord,
  ReceiptWrite,
  SettledPage,
  StoredDecision,
  StoredPolicy,
  TeamRecord,
} from './store.ts';
import {
  ApprovalRow,
  apiKeyOf,
  apiKeysOf,
  approvalPage,
  BodyRow,
  CanonicalRow,
  ChangeSeqRow,
  ColumnRow,
  CountRow,
  decisionsOf,
  EnrolledByRow,
  ExistingApprovalRow,
  parseApproval,
  parseApprover,
  policyOf,
  RecordRow,
  receiptOf,
  receiptsOf,
  SettledRow,
  stored,
  storedOrNull,
  storedRows,
  TeamIdRow,
  teamOf,
  teamsOf,
  VersionRow,
} from './store-rows.ts';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` (no durability; for quick unit use only). */
  path: string;
  readonly?: boolean;
}

export class SqliteCloudStore implements CloudStore {
  readonly db: Database.Database;
  readonly #listeners = new Set<(teamId: string) => void>();
  /** Teams whose change counter the running write bumped; moved to #batchChanged if it succeeds. */
  readonly #writeChanged = new Set<string>();
  /** Teams whose queue the running batch changed; announced after its commit. */
  readonly #batchChanged = new Set<string>();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #commits: GroupCommit;

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.#migrate();
    }
    this.#commits = new GroupCommit(this.db, {
      afterCommit: () => this.#announce(),
      afterRollback: () => this.#batchChanged.clear(),
    });
  }

  /** Prepared once per SQL text: preparing costs more than running these small statements. */
  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** The schema version this database is at. */
  schemaVersion(): number {
    return (
      stored(VersionRow, this.#sql('SELECT MAX(version) AS v FROM schema_migrations').get(), 'schema version').v ?? 0
    );
  }

  #migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    let current = this.schemaVersion();
    // Databases made by the API-key-roles work before it met the changes feed recorded the roles
    // step as version 2. Such a database has `api_keys.role` but no `approvals.change_seq`: add
    // the changes-feed step now and record it as 3, so both steps are in and nothing runs twice.
    if (current === 2 && this.#hasColumn('api_keys', 'role') && !this.#hasColumn('approvals', 'change_seq')) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[1]!.sqlite);
          this.#sql('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
            3,
            new Date().toISOString(),
          );
        })
        .immediate();
      current = 3;
    }
    if (current > MIGRATIONS.length)
      throw new Error(
        `database schema version ${current} is newer than this heso-cloud (knows ${MIGRATIONS.length}); upgrade heso-cloud`,
      );
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version - 1]!.sqlite;
      this.db
        .transaction(() => {
          this.db.exec(sql);
          this.#sql('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
            version,
            new Date().toISOString(),
          );
        })
        .immediate();
    }
  }

  #hasColumn(table: string, column: string): boolean {
    const rows = storedRows(ColumnRow, this.db.prepare(`PRAGMA table_info(${table})`).all(), 'table column');
    return rows.some((row) => row.name === column);
  }

  /* ------------------------------------------------------------------ teams */

  async createTeam(team: TeamRecord): Promise<void> {
    await this.#write(() =>
      this.#sql('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)').run(team.id, team.name, team.createdAt),
    );
  }

  async getTeam(teamId: string): Promise<TeamRecord | null> {
    return teamOf(this.#sql('SELECT id, name, created_at AS createdAt FROM teams WHERE id = ?').get(teamId));
  }

  async listTeams(): Promise<TeamRecord[]> {
    return teamsOf(this.#sql('SELECT id, name, created_at AS createdAt FROM teams ORDER BY created_at, id').all());
  }

  /* ------------------------------------------------------------------ API keys */

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#write(() =>
      this.#sql(
        'INSERT INTO api_keys (key_id, team_id, secret_hash, role, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(key.keyId, key.teamId, key.secretHash, key.role, key.createdAt, key.revokedAt),
    );
  }

  async getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
    return apiKeyOf(this.#sql('SELECT * FROM api_keys WHERE key_id = ?').get(keyId));
  }

  async listApiKeys(teamId: string): Promise<ApiKeyRecord[]> {
    return apiKeysOf(this.#sql('SELECT * FROM api_keys WHERE team_id = ? ORDER BY created_at').all(teamId));
  }

  async revokeApiKey(keyId: string, at: string): Promise<ApiKeyRecord | null> {
    await this.#write(() =>
      this.#sql('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?').run(at, keyId),
    );
    return this.getApiKey(keyId);
  }

  /* ------------------------------------------------------------------ policy */

  async setPolicy(teamId: string, document: PolicyDocument, at: string): Promise<void> {
    await this.#write(() =>
      this.#sql(
        `INSERT INTO policies (team_id, document, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (team_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
      ).run(teamId, JSON.stringify(document), at),
    );
  }

  async getPolicy(teamId: string): Promise<StoredPolicy | null> {
    return policyOf(this.#sql('SELECT document, updated_at FROM policies WHERE team_id = ?').get(teamId));
  }

  /* ------------------------------------------------------------------ approvers */

  async enrolApprover(
    teamId: string,
    record: ApproverRecord,
    enrolledBy: string,
  ): Promise<{ record: ApproverRecord; created: boolean }> {
    return this.#write(() => {
      const existing = this.#approver(teamId, record.keyId);
      if (existing) return { record: existing, created: false };
      this.#sql(
        `INSERT INTO approvers (team_id, key_id, record, status, created_seq, enrolled_by)
             VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM approvers WHERE team_id = ?), ?)`,
      ).run(teamId, record.keyId, JSON.stringify(record), record.status, teamId, enrolledBy);
      return { record, created: true };
    });
  }

  async approverEnrolledBy(teamId: string, keyId: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT enrolled_by FROM approvers WHERE team_id = ? AND key_id = ?')
      .get(teamId, keyId);
    return storedOrNull(EnrolledByRow, row, 'approver')?.enrolled_by ?? null;
  }

  #approver(teamId: string, keyId: string): ApproverRecord | null {
    const row = this.#sql('SELECT record FROM approvers WHERE team_id = ? AND key_id = ?').get(teamId, keyId);
    const checked = storedOrNull(RecordRow, row, 'approver');
    return checked ? parseApprover(checked.record) : null;
  }

  async getApprover(teamId: string, keyId: string): Promise<ApproverRecord | null> {
    return this.#approver(teamId, keyId);
  }

  async listApprovers(teamId: string): Promise<ApproverRecord[]> {
    const rows = this.#sql('SELECT record FROM approvers WHERE team_id = ? ORDER BY created_seq').all(teamId);
    return storedRows(RecordRow, rows, 'approver').map((r) => parseApprover(r.record));
  }

  async setApproverStatus(
    teamId: string,
    keyId: string,
    status: 'active' | 'revoked',
    at: string,
  ): Promise<ApproverRecord | null> {
    return this.#write(() => {
      const current = this.#approver(teamId, keyId);
      if (!current) return null;
      let next: ApproverRecord = current;
      if (status === 'active' && current.status === 'pending') next = { ...current, status, activatedAt: at };
      if (status === 'revoked' && current.status !== 'revoked') next = { ...current, status, revokedAt: at };
      if (next !== current)
        this.#sql('UPDATE approvers SET record = ?, status = ? WHERE team_id = ? AND key_id = ?').run(
          JSON.stringify(next),
          next.status,
          teamId,
          keyId,
        );
      return next;
    });
  }

  async setApproverLabels(teamId: string, keyId: string, labels: ApproverLabels): Promise<ApproverRecord | null> {
    return this.#write(() => {
      const current = this.#approver(teamId, keyId);
      if (!current) return null;
      const next = withLabels(current, labels);
      this.#sql('UPDATE approvers SET record = ? WHERE team_id = ? AND key_id = ?').run(
        JSON.stringify(next),
        teamId,
        keyId,
      );
      return next;
    });
  }

  /* ------------------------------------------------------------------ receipts */

  async putReceipts(teamId: string, receipts: ReceiptWrite[], receivedAt: string): Promise<PutReceiptOutcome[]> {
    const select = this.#sql('SELECT canonical FROM receipts WHERE team_id = ? AND receipt_id = ?');
    const insert = this.#sql('INSERT INTO receipts (team_id, receipt_id, canonical, received_at) VALUES (?, ?, ?, ?)');
    const replace = this.#sql(
      'UPDATE receipts SET canonical = ?, received_at = ? WHERE team_id = ? AND receipt_id = ?',
    );
    return this.#write(() =>
      receipts.map((item): PutReceiptOutcome => {
        const existing = storedOrNull(CanonicalRow, select.get(teamId, item.receiptId), 'receipt');
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
    const row = this.#sql('SELECT canonical FROM receipts WHERE team_id = ? AND receipt_id = ?').get(teamId, receiptId);
    return storedOrNull(CanonicalRow, row, 'receipt')?.canonical ?? null;
  }

  async getReceiptRecord(teamId: string, receiptId: string): Promise<ReceiptRecord | null> {
    return receiptOf(
      this.db
        .prepare(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE team_id = ? AND receipt_id = ?`)
        .get(teamId, receiptId),
    );
  }

  async listReceipts(teamId: string, query: ReceiptQuery): Promise<ReceiptRecord[]> {
    // Filters read the signed statement itself (json_extract), so nothing stored beside it can disagree.
    const where = ['team_id = ?'];
    const params: (string | number)[] = [teamId];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (query.sinceMs !== undefined) add(`${ISSUED_MS} >= ?`, query.sinceMs);
    if (query.untilMs !== undefined) add(`${ISSUED_MS} < ?`, query.untilMs);
    if (query.verdict !== undefined) add(`json_extract(canonical, '$.statement.verdict') = ?`, query.verdict);
    if (query.tool !== undefined) add(`json_extract(canonical, '$.statement.action.tool') = ?`, query.tool);
    if (query.workflow !== undefined) add(`json_extract(canonical, '$.statement.action.workflow') = ?`, query.workflow);
    if (query.after) add(`(${ISSUED_MS}, receipt_id) > (?, ?)`, query.after.issuedMs, query.after.receiptId);
    const rows = this.db
      .prepare(
        `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE ${where.join(' AND ')} ORDER BY ${ISSUED_MS}, receipt_id LIMIT ?`,
      )
      .all(...params, query.limit);
    return receiptsOf(rows);
  }

  async countReceipts(teamId: string): Promise<number> {
    return stored(CountRow, this.#sql('SELECT COUNT(*) AS n FROM receipts WHERE team_id = ?').get(teamId), 'count').n;
  }

  /* ------------------------------------------------------------------ writes and change announcements */

  /**
   * Runs `fn` atomically in the next group commit; resolves once it is durable. The teams
   * whose queue it changed are announced after that commit (a write that throws is rolled
   * back to its savepoint and announces nothing).
   */
  #write<T>(fn: () => T): Promise<T> {
    return this.#commits.write(() => {
      this.#writeChanged.clear();
      const result = fn();
      for (const teamId of this.#writeChanged) this.#batchChanged.add(teamId);
      this.#writeChanged.clear();
      return result;
    });
  }

  /** A consistent read of several statements (a read transaction: no lock, no fsync). */
  #read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  #announce(): void {
    const changed = [...this.#batchChanged];
    this.#batchChanged.clear();
    for (const teamId of changed) for (const listener of this.#listeners) listener(teamId);
  }

  /** Bumps the team's change counter and stamps the approval with it (the changes feed's cursor); returns it. */
  #bump(teamId: string, approvalId: string): number {
    const row = storedOrNull(
      ChangeSeqRow,
      this.#sql('UPDATE teams SET change_seq = change_seq + 1 WHERE id = ? RETURNING change_seq').get(teamId),
      'team',
    );
    if (!row) throw new Error(`no team ${teamId}`);
    this.#sql('UPDATE approvals SET change_seq = ? WHERE team_id = ? AND id = ?').run(
      row.change_seq,
      teamId,
      approvalId,
    );
    this.#writeChanged.add(teamId);
    return row.change_seq;
  }

  onQueueChange(listener: (teamId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /* ------------------------------------------------------------------ approvals */

  #approvalRow(teamId: string, approvalId: string): ApprovalRow | null {
    const row = this.#sql('SELECT body, status, expires_ms, opened_by FROM approvals WHERE team_id = ? AND id = ?').get(
      teamId,
      approvalId,
    );
    return storedOrNull(ApprovalRow, row, 'approval');
  }

  /** Marks one pending approval expired; the caller is inside a write. */
  #expire(teamId: string, body: string): Approval {
    const expired: Approval = { ...parseApproval(body), status: 'expired' };
    this.#sql("UPDATE approvals SET status = 'expired', body = ? WHERE team_id = ? AND id = ?").run(
      JSON.stringify(expired),
      teamId,
      expired.id,
    );
    const seq = this.#bump(teamId, expired.id);
    this.#sql('UPDATE approvals SET settled_seq = ? WHERE team_id = ? AND id = ?').run(seq, teamId, expired.id);
    return expired;
  }

  async openApproval(
    teamId: string,
    approval: Approval,
    receiptCanonical: string,
    openedBy: string,
  ): Promise<OpenApprovalOutcome> {
    return this.#write((): OpenApprovalOutcome => {
      const existing = storedOrNull(
        ExistingApprovalRow,
        this.#sql('SELECT body, receipt_canonical FROM approvals WHERE team_id = ? AND receipt_id = ?').get(
          teamId,
          approval.receipt.statement.receiptId,
        ),
        'approval',
      );
      if (existing) {
        const kind = existing.receipt_canonical === receiptCanonical ? 'existing' : 'conflict';
        return { kind, approval: parseApproval(existing.body) };
      }
      this.#sql(
        `INSERT INTO approvals (team_id, id, receipt_id, receipt_canonical, status, expires_ms, body, opened_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        teamId,
        approval.id,
        approval.receipt.statement.receiptId,
        receiptCanonical,
        approval.status,
        Date.parse(approval.expiresAt),
        JSON.stringify(approval),
        openedBy,
      );
      this.#bump(teamId, approval.id);
      return { kind: 'created', approval };
    });
  }

  async getApproval(teamId: string, approvalId: string, now: string, openedBy?: string): Promise<Approval | null> {
    const nowMs = Date.parse(now);
    const row = this.#approvalRow(teamId, approvalId);
    if (!row || (openedBy !== undefined && row.opened_by !== openedBy)) return null;
    if (row.status !== 'pending' || row.expires_ms > nowMs) return parseApproval(row.body);
    // Past its expiry: mark it expired (a write), re-reading in case a decision got there first.
    return this.#write(() => {
      const current = this.#approvalRow(teamId, approvalId);
      if (!current) return null;
      if (current.status === 'pending' && current.expires_ms <= nowMs) return this.#expire(teamId, current.body);
      return parseApproval(current.body);
    });
  }

  async listPending(teamId: string, limit: number, now: string, afterId?: string): Promise<PendingPage> {
    await this.#expireDueOf(teamId, Date.parse(now));
    return this.#read(() => {
      const rows = storedRows(
        BodyRow,
        afterId === undefined
          ? this.#sql("SELECT body FROM approvals WHERE team_id = ? AND status = 'pending' ORDER BY seq LIMIT ?").all(
              teamId,
              limit,
            )
          : this.#sql(
              `SELECT body FROM approvals WHERE team_id = ? AND status = 'pending'
                 AND seq > (SELECT seq FROM approvals WHERE team_id = ? AND id = ?) ORDER BY seq LIMIT ?`,
            ).all(teamId, teamId, afterId, limit),
        'approval',
      );
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
    await this.#expireDueOf(teamId, Date.parse(now));
    return this.#read((): SettledPage => {
      const settled = this.#sql(
        `SELECT body, settled_seq FROM approvals
            WHERE team_id = ? AND opened_by = ? AND settled_seq > ? ORDER BY settled_seq LIMIT ?`,
      ).all(teamId, openedBy, afterSeq, limit);
      const rows = storedRows(SettledRow, settled, 'approval');
      const more = rows.length === limit;
      return {
        approvals: rows.map((r) => parseApproval(r.body)),
        cursor: more ? rows[rows.length - 1]!.settled_seq : this.#changeSeq(teamId),
        more,
      };
    });
  }

  async listChanges(teamId: string, since: number, limit: number, now: string): Promise<ChangesPage> {
    await this.#expireDueOf(teamId, Date.parse(now));
    return this.#read((): ChangesPage => {
      const changeSeq = this.#changeSeq(teamId);
      if (since > changeSeq) return { approvals: [], changeSeq, more: false, reset: true };
      const rows = this.#sql(
        'SELECT body, change_seq FROM approvals WHERE team_id = ? AND change_seq > ? ORDER BY change_seq LIMIT ?',
      ).all(teamId, since, limit + 1);
      return approvalPage(rows, limit, changeSeq);
    });
  }

  #changeSeq(teamId: string): number {
    return (
      storedOrNull(ChangeSeqRow, this.#sql('SELECT change_seq FROM teams WHERE id = ?').get(teamId), 'team')
        ?.change_seq ?? 0
    );
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
    return this.#write((): DecideOutcome => {
      const row = this.#approvalRow(teamId, approvalId);
      if (!row) return { kind: 'not_found' };
      if (row.status === 'expired') return { kind: 'expired', approval: parseApproval(row.body) };
      if (row.status !== 'pending') return { kind: 'already_decided', approval: parseApproval(row.body) };
      if (row.expires_ms <= nowMs) return { kind: 'expired', approval: this.#expire(teamId, row.body) };
      const current = parseApproval(row.body);
      const earlier = this.#sql(
        'SELECT 1 FROM approval_decisions WHERE team_id = ? AND approval_id = ? AND person_id = ?',
      ).get(teamId, approvalId, decision.personId);
      if (earlier) return { kind: 'duplicate_approver', approval: current };
      if (decisionsFull(current)) return { kind: 'full', approval: current };
      const next = withDecision(current, decision);
      this.#sql(
        `INSERT INTO approval_decisions
           (team_id, approval_id, person_id, approver_key_id, decision, cosignature, decided_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM approval_decisions WHERE team_id = ? AND approval_id = ?))`,
      ).run(
        teamId,
        approvalId,
        decision.personId,
        decision.cosignature.statement.approverKeyId,
        decision.cosignature.statement.decision,
        JSON.stringify(decision.cosignature),
        decision.decidedAt,
        teamId,
        approvalId,
      );
      const changed = this.#sql(
        "UPDATE approvals SET status = ?, body = ? WHERE team_id = ? AND id = ? AND status = 'pending'",
      ).run(next.approval.status, JSON.stringify(next.approval), teamId, approvalId).changes;
      if (changed !== 1) throw new Error('approval changed inside its own transaction');
      // Progress is a queue change too: approvers' lists and the agent's long-poll wake for it.
      const seq = this.#bump(teamId, approvalId);
      if (!next.closed) return { kind: 'recorded', approval: next.approval };
      this.#sql('UPDATE approvals SET settled_seq = ? WHERE team_id = ? AND id = ?').run(seq, teamId, approvalId);
      return { kind: 'decided', approval: next.approval };
    });
  }

  async listDecisions(teamId: string, approvalId: string): Promise<StoredDecision[]> {
    const rows = this.#sql(
      `SELECT approval_id, person_id, approver_key_id, decision, cosignature, decided_at FROM approval_decisions
         WHERE team_id = ? AND approval_id = ? ORDER BY seq`,
    ).all(teamId, approvalId);
    return decisionsOf(rows);
  }

  /** Expires the team's due approvals first when there are any (a cheap indexed probe otherwise). */
  async #expireDueOf(teamId: string, nowMs: number): Promise<void> {
    const due = this.#sql(
      "SELECT 1 FROM approvals WHERE team_id = ? AND status = 'pending' AND expires_ms <= ? LIMIT 1",
    ).get(teamId, nowMs);
    if (due) await this.#write(() => this.#expireTeam(teamId, nowMs));
  }

  #expireTeam(teamId: string, nowMs: number): boolean {
    const rows = this.#sql(
      "SELECT body FROM approvals WHERE team_id = ? AND status = 'pending' AND expires_ms <= ?",
    ).all(teamId, nowMs);
    for (const row of storedRows(BodyRow, rows, 'approval')) this.#expire(teamId, row.body);
    return rows.length > 0;
  }

  async expireDue(now: string): Promise<string[]> {
    const nowMs = Date.parse(now);
    const due = this.#sql("SELECT 1 FROM approvals WHERE status = 'pending' AND expires_ms <= ? LIMIT 1").get(nowMs);
    if (!due) return [];
    return this.#write(() => {
      const teams = storedRows(
        TeamIdRow,
        this.#sql("SELECT DISTINCT team_id FROM approvals WHERE status = 'pending' AND expires_ms <= ?").all(nowMs),
        'approval',
      );
      for (const { team_id } of teams) this.#expireTeam(team_id, nowMs);
      return teams.map((t) => t.team_id);
    });
  }

  async ping(): Promise<void> {
    this.#sql('SELECT 1').get();
  }

  /** Commits writes still queued, then closes the file. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    this.#commits.flushNow();
    this.db.close();
  }
}
