/**
 * The CloudStore on PostgreSQL (node-postgres with a pool), for several stateless
 * `heso-cloud` instances on one database.
 *
 * Invariants hold across instances through the database alone, never an in-process lock:
 * - every write that changes a team's queue (open, decide, expire) first locks the team's
 *   row (`SELECT … FOR UPDATE`): such writes for one team run one at a time, the change
 *   counter is bumped in commit order, and a decision sees the approval's latest state;
 * - uniqueness (approval per receipt id, receipt per id, approver per key id) is a
 *   constraint, written with `ON CONFLICT DO NOTHING` and then read back;
 * - reads that combine statements (a page and its cursor) run in one REPEATABLE READ snapshot.
 *
 * Durability: a method resolves after COMMIT returned (synchronous_commit on, the default).
 * Wake-ups: a queue-changing transaction sends `NOTIFY heso_queue, '<team id>'`, delivered at
 * commit to every instance's LISTEN connection (this one's too), which wakes its long-polls.
 */
import type pg from 'pg';
import type { Approval } from '../core/api.ts';
import type { ApproverRecord, PolicyDocument } from '../core/schemas.ts';
import { decisionsFull, withDecision, withLabels } from './decision-state.ts';
import {
  createPool,
  inTransaction,
  migrate,
  type PostgresOptions,
  QUEUE_CHANNEL,
  QueueListener,
  queryRows,
  schemaVersion,
  type Tx,
  unavailableOr,
} from './postgres-connection.ts';
import {
  type ApiKeyRecord,
  type ApproverLabels,
  type ChangesPage,
  type CloudStore,
  type DecideOutcome,
  type DecisionWrite,
  type OpenApprovalOutcome,
  type PendingPage,
  type PutReceiptOutcome,
  type ReceiptQuery,
  type ReceiptRecord,
  type ReceiptWrite,
  type SettledPage,
  type StoredDecision,
  type StoredPolicy,
  StoreUnavailableError,
  type TeamRecord,
} from './store.ts';
import {
  ApprovalRow,
  apiKeyOf,
  apiKeysOf,
  approvalPage,
  BodyRow,
  CanonicalRow,
  ChangeSeqRow,
  CountRow,
  decisionsOf,
  EnrolledByRow,
  ExistingApprovalRow,
  IdRow,
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
} from './store-rows.ts';

export type { PostgresOptions } from './postgres-connection.ts';

/**
 * The stored receipt as JSON, for reading fields of the signed statement itself. PostgreSQL's
 * JSON functions refuse the escape \u0000 (NUL has no place in its text type), which a receipt
 * may hold in any string: it is read as U+FFFD here. The stored text is never changed.
 */
const RECEIPT_JSON = String.raw`replace(canonical, '\u0000', '\uFFFD')::json`;

/** The operator-signed issuedAt in whole milliseconds. */
const ISSUED_MS = `round(extract(epoch FROM (${RECEIPT_JSON} #>> '{statement,issuedAt}')::timestamptz) * 1000)::bigint`;
const RECEIPT_COLUMNS = `receipt_id, canonical, received_at, ${ISSUED_MS} AS issued_ms`;

/** Records one change to an approval in the team's queue; `settles`: it left the queue (decided or expired). */
type Bump = (approvalId: string, settles: boolean) => Promise<number>;

/** $1 team, $2 approval, $3 settles, $4 channel: see #queueWrite. */
const BUMP = `
  WITH bumped AS (UPDATE teams SET change_seq = change_seq + 1 WHERE id = $1 RETURNING change_seq),
       notified AS (SELECT pg_notify($4, $1))
  UPDATE approvals SET change_seq = bumped.change_seq,
         settled_seq = CASE WHEN $3::boolean THEN bumped.change_seq ELSE approvals.settled_seq END
    FROM bumped, notified
   WHERE approvals.team_id = $1 AND approvals.id = $2
  RETURNING bumped.change_seq`;

export class PostgresCloudStore implements CloudStore {
  readonly pool: pg.Pool;
  readonly #listeners = new Set<(teamId: string) => void>();
  readonly #listener: QueueListener;

  private constructor(opts: PostgresOptions) {
    this.pool = createPool(opts);
    this.#listener = new QueueListener(
      opts.url,
      (teamId) => this.#announce(teamId),
      () => void this.#announceAll(),
    );
  }

  /** Connects, applies missing migrations (under an advisory lock) and starts listening for queue changes. */
  static async open(opts: PostgresOptions & { migrate?: boolean }): Promise<PostgresCloudStore> {
    const store = new PostgresCloudStore(opts);
    try {
      if (opts.migrate !== false) await migrate(store.pool);
      await store.#listener.start().catch(unavailableOr);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.pool);
  }

  /** The rows as read: unchecked until a store-rows.ts schema checks them. */
  #rows(text: string, values: unknown[] = []): Promise<unknown[]> {
    return queryRows(this.pool, text, values);
  }

  async #one(text: string, values: unknown[] = []): Promise<unknown> {
    return (await this.#rows(text, values))[0] ?? null;
  }

  #announce(teamId: string): void {
    for (const listener of this.#listeners) listener(teamId);
  }

  /** After the LISTEN connection came back: anything may have changed meanwhile, so every team's waiters re-read. */
  async #announceAll(): Promise<void> {
    const teams = await this.#rows('SELECT id FROM teams')
      .then((rows) => storedRows(IdRow, rows, 'team'))
      .catch(() => []);
    for (const { id } of teams) this.#announce(id);
  }

  onQueueChange(listener: (teamId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ready: a query answers and the LISTEN connection is up (without it, wake-ups from other instances are late). */
  async ping(): Promise<void> {
    await this.#rows('SELECT 1');
    if (!this.#listener.listening)
      throw new StoreUnavailableError('the connection that receives queue changes is reconnecting');
  }

  /* ------------------------------------------------------------------ teams */

  async createTeam(team: TeamRecord): Promise<void> {
    await this.#rows('INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)', [
      team.id,
      team.name,
      team.createdAt,
    ]);
  }

  async getTeam(teamId: string): Promise<TeamRecord | null> {
    return teamOf(await this.#one('SELECT id, name, created_at AS "createdAt" FROM teams WHERE id = $1', [teamId]));
  }

  async listTeams(): Promise<TeamRecord[]> {
    return teamsOf(await this.#rows('SELECT id, name, created_at AS "createdAt" FROM teams ORDER BY created_at, id'));
  }

  /* ------------------------------------------------------------------ API keys */

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#rows(
      'INSERT INTO api_keys (key_id, team_id, secret_hash, role, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [key.keyId, key.teamId, key.secretHash, key.role, key.createdAt, key.revokedAt],
    );
  }

  async getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
    return apiKeyOf(await this.#one('SELECT * FROM api_keys WHERE key_id = $1', [keyId]));
  }

  async listApiKeys(teamId: string): Promise<ApiKeyRecord[]> {
    return apiKeysOf(await this.#rows('SELECT * FROM api_keys WHERE team_id = $1 ORDER BY created_at', [teamId]));
  }

  async revokeApiKey(keyId: string, at: string): Promise<ApiKeyRecord | null> {
    return apiKeyOf(
      await this.#one('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE key_id = $2 RETURNING *', [
        at,
        keyId,
      ]),
    );
  }

  /* ------------------------------------------------------------------ policy */

  async setPolicy(teamId: string, document: PolicyDocument, at: string): Promise<void> {
    await this.#rows(
      `INSERT INTO policies (team_id, document, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (team_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
      [teamId, JSON.stringify(document), at],
    );
  }

  async getPolicy(teamId: string): Promise<StoredPolicy | null> {
    return policyOf(await this.#one('SELECT document, updated_at FROM policies WHERE team_id = $1', [teamId]));
  }

  /* ------------------------------------------------------------------ approvers */

  async enrolApprover(
    teamId: string,
    record: ApproverRecord,
    enrolledBy: string,
  ): Promise<{ record: ApproverRecord; created: boolean }> {
    const inserted = await this.#rows(
      `INSERT INTO approvers (team_id, key_id, record, status, enrolled_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (team_id, key_id) DO NOTHING RETURNING 1`,
      [teamId, record.keyId, JSON.stringify(record), record.status, enrolledBy],
    );
    if (inserted.length === 1) return { record, created: true };
    const existing = await this.getApprover(teamId, record.keyId);
    if (!existing) throw new Error(`approver ${record.keyId} neither inserted nor found`);
    return { record: existing, created: false };
  }

  async approverEnrolledBy(teamId: string, keyId: string): Promise<string | null> {
    const row = await this.#one('SELECT enrolled_by FROM approvers WHERE team_id = $1 AND key_id = $2', [
      teamId,
      keyId,
    ]);
    return storedOrNull(EnrolledByRow, row, 'approver')?.enrolled_by ?? null;
  }

  async getApprover(teamId: string, keyId: string): Promise<ApproverRecord | null> {
    const row = await this.#one('SELECT record FROM approvers WHERE team_id = $1 AND key_id = $2', [teamId, keyId]);
    const checked = storedOrNull(RecordRow, row, 'approver');
    return checked ? parseApprover(checked.record) : null;
  }

  async listApprovers(teamId: string): Promise<ApproverRecord[]> {
    const rows = await this.#rows('SELECT record FROM approvers WHERE team_id = $1 ORDER BY created_seq', [teamId]);
    return storedRows(RecordRow, rows, 'approver').map((r) => parseApprover(r.record));
  }

  async setApproverStatus(
    teamId: string,
    keyId: string,
    status: 'active' | 'revoked',
    at: string,
  ): Promise<ApproverRecord | null> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query('SELECT record FROM approvers WHERE team_id = $1 AND key_id = $2 FOR UPDATE', [
        teamId,
        keyId,
      ]);
      const row = storedOrNull(RecordRow, rows[0], 'approver');
      if (!row) return null;
      const current = parseApprover(row.record);
      let next: ApproverRecord = current;
      if (status === 'active' && current.status === 'pending') next = { ...current, status, activatedAt: at };
      if (status === 'revoked' && current.status !== 'revoked') next = { ...current, status, revokedAt: at };
      if (next !== current)
        await tx.query('UPDATE approvers SET record = $1, status = $2 WHERE team_id = $3 AND key_id = $4', [
          JSON.stringify(next),
          next.status,
          teamId,
          keyId,
        ]);
      return next;
    });
  }

  async setApproverLabels(teamId: string, keyId: string, labels: ApproverLabels): Promise<ApproverRecord | null> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query('SELECT record FROM approvers WHERE team_id = $1 AND key_id = $2 FOR UPDATE', [
        teamId,
        keyId,
      ]);
      const row = storedOrNull(RecordRow, rows[0], 'approver');
      if (!row) return null;
      const next = withLabels(parseApprover(row.record), labels);
      await tx.query('UPDATE approvers SET record = $1 WHERE team_id = $2 AND key_id = $3', [
        JSON.stringify(next),
        teamId,
        keyId,
      ]);
      return next;
    });
  }

  /* ------------------------------------------------------------------ receipts */

  async putReceipts(teamId: string, receipts: ReceiptWrite[], receivedAt: string): Promise<PutReceiptOutcome[]> {
    return inTransaction(this.pool, async (tx) => {
      const outcomes: PutReceiptOutcome[] = [];
      for (const item of receipts) {
        const inserted = await tx.query(
          `INSERT INTO receipts (team_id, receipt_id, canonical, received_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (team_id, receipt_id) DO NOTHING`,
          [teamId, item.receiptId, item.canonical, receivedAt],
        );
        if (inserted.rowCount === 1) {
          outcomes.push('accepted');
          continue;
        }
        // Already stored (maybe by another instance a moment ago): lock it and compare.
        const { rows } = await tx.query(
          'SELECT canonical FROM receipts WHERE team_id = $1 AND receipt_id = $2 FOR UPDATE',
          [teamId, item.receiptId],
        );
        const existing = stored(CanonicalRow, rows[0], 'receipt').canonical;
        if (existing === item.canonical) outcomes.push('duplicate');
        else if (!item.mayReplace(existing)) outcomes.push('conflict');
        else {
          await tx.query(
            'UPDATE receipts SET canonical = $1, received_at = $2 WHERE team_id = $3 AND receipt_id = $4',
            [item.canonical, receivedAt, teamId, item.receiptId],
          );
          outcomes.push('accepted');
        }
      }
      return outcomes;
    });
  }

  async getReceipt(teamId: string, receiptId: string): Promise<string | null> {
    const row = await this.#one('SELECT canonical FROM receipts WHERE team_id = $1 AND receipt_id = $2', [
      teamId,
      receiptId,
    ]);
    return storedOrNull(CanonicalRow, row, 'receipt')?.canonical ?? null;
  }

  async getReceiptRecord(teamId: string, receiptId: string): Promise<ReceiptRecord | null> {
    return receiptOf(
      await this.#one(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE team_id = $1 AND receipt_id = $2`, [
        teamId,
        receiptId,
      ]),
    );
  }

  async listReceipts(teamId: string, query: ReceiptQuery): Promise<ReceiptRecord[]> {
    const params: unknown[] = [teamId];
    const where = ['team_id = $1'];
    const add = (clause: (...refs: string[]) => string, ...values: unknown[]) => {
      const refs = values.map((v) => `$${params.push(v)}`);
      where.push(clause(...refs));
    };
    if (query.sinceMs !== undefined) add((p) => `${ISSUED_MS} >= ${p}`, query.sinceMs);
    if (query.untilMs !== undefined) add((p) => `${ISSUED_MS} < ${p}`, query.untilMs);
    if (query.verdict !== undefined) add((p) => `${RECEIPT_JSON} #>> '{statement,verdict}' = ${p}`, query.verdict);
    if (query.tool !== undefined) add((p) => `${RECEIPT_JSON} #>> '{statement,action,tool}' = ${p}`, query.tool);
    if (query.workflow !== undefined)
      add((p) => `${RECEIPT_JSON} #>> '{statement,action,workflow}' = ${p}`, query.workflow);
    if (query.after)
      add(
        (t, r) => `(${ISSUED_MS}, receipt_id COLLATE "C") > (${t}::bigint, ${r})`,
        query.after.issuedMs,
        query.after.receiptId,
      );
    const limit = `$${params.push(query.limit)}`;
    const rows = await this.#rows(
      `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE ${where.join(' AND ')}
       ORDER BY ${ISSUED_MS}, receipt_id COLLATE "C" LIMIT ${limit}`,
      params,
    );
    return receiptsOf(rows);
  }

  async countReceipts(teamId: string): Promise<number> {
    const row = await this.#one('SELECT COUNT(*) AS n FROM receipts WHERE team_id = $1', [teamId]);
    return storedOrNull(CountRow, row, 'count')?.n ?? 0;
  }

  /* ------------------------------------------------------------------ queue writes */

  /**
   * A write that may change the team's queue: the team row is locked first (see the header).
   * `bump` records one change in a single statement (one round trip while the lock is held):
   * it bumps the team's counter, stamps the approval with it (and as its settle point when the
   * change settles it), and queues `NOTIFY`, delivered to every instance at commit.
   */
  #queueWrite<T>(teamId: string, fn: (tx: Tx, bump: Bump) => Promise<T>) {
    return inTransaction(this.pool, async (tx) => {
      const locked = await tx.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
      if (locked.rowCount !== 1) throw new Error(`no team ${teamId}`);
      const bump: Bump = async (approvalId, settles) => {
        const { rows } = await tx.query(BUMP, [teamId, approvalId, settles, QUEUE_CHANNEL]);
        if (rows.length !== 1) throw new Error(`no approval ${approvalId} to stamp`);
        return stored(ChangeSeqRow, rows[0], 'team').change_seq;
      };
      return fn(tx, bump);
    });
  }

  async #approvalRow(tx: Tx | null, teamId: string, approvalId: string): Promise<ApprovalRow | null> {
    const text = 'SELECT body, status, expires_ms, opened_by FROM approvals WHERE team_id = $1 AND id = $2';
    const row = tx ? (await tx.query(text, [teamId, approvalId])).rows[0] : await this.#one(text, [teamId, approvalId]);
    return storedOrNull(ApprovalRow, row, 'approval');
  }

  /** Marks one pending approval expired, inside a queue write. */
  async #expire(tx: Tx, bump: Bump, teamId: string, body: string): Promise<Approval> {
    const expired: Approval = { ...parseApproval(body), status: 'expired' };
    await tx.query("UPDATE approvals SET status = 'expired', body = $1 WHERE team_id = $2 AND id = $3", [
      JSON.stringify(expired),
      teamId,
      expired.id,
    ]);
    await bump(expired.id, true);
    return expired;
  }

  async openApproval(
    teamId: string,
    approval: Approval,
    receiptCanonical: string,
    openedBy: string,
  ): Promise<OpenApprovalOutcome> {
    const receiptId = approval.receipt.statement.receiptId;
    return this.#queueWrite(teamId, async (tx, bump): Promise<OpenApprovalOutcome> => {
      const inserted = await tx.query(
        `INSERT INTO approvals (team_id, id, receipt_id, receipt_canonical, status, expires_ms, body, opened_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [
          teamId,
          approval.id,
          receiptId,
          receiptCanonical,
          approval.status,
          Date.parse(approval.expiresAt),
          JSON.stringify(approval),
          openedBy,
        ],
      );
      if (inserted.rowCount === 1) {
        await bump(approval.id, false);
        return { kind: 'created', approval };
      }
      const { rows } = await tx.query(
        'SELECT body, receipt_canonical FROM approvals WHERE team_id = $1 AND receipt_id = $2',
        [teamId, receiptId],
      );
      const existing = storedOrNull(ExistingApprovalRow, rows[0], 'approval');
      if (!existing) throw new Error(`approval id ${approval.id} is already taken`);
      const kind = existing.receipt_canonical === receiptCanonical ? 'existing' : 'conflict';
      return { kind, approval: parseApproval(existing.body) };
    });
  }

  async getApproval(teamId: string, approvalId: string, now: string, openedBy?: string): Promise<Approval | null> {
    const nowMs = Date.parse(now);
    const row = await this.#approvalRow(null, teamId, approvalId);
    if (!row || (openedBy !== undefined && row.opened_by !== openedBy)) return null;
    if (row.status !== 'pending' || row.expires_ms > nowMs) return parseApproval(row.body);
    return this.#queueWrite(teamId, async (tx, bump) => {
      const current = await this.#approvalRow(tx, teamId, approvalId);
      if (!current) return null;
      if (current.status === 'pending' && current.expires_ms <= nowMs)
        return this.#expire(tx, bump, teamId, current.body);
      return parseApproval(current.body);
    });
  }

  async decideApproval(
    teamId: string,
    approvalId: string,
    decision: DecisionWrite,
    now: string,
  ): Promise<DecideOutcome> {
    const nowMs = Date.parse(now);
    return this.#queueWrite(teamId, async (tx, bump): Promise<DecideOutcome> => {
      const row = await this.#approvalRow(tx, teamId, approvalId);
      if (!row) return { kind: 'not_found' };
      if (row.status === 'expired') return { kind: 'expired', approval: parseApproval(row.body) };
      if (row.status !== 'pending') return { kind: 'already_decided', approval: parseApproval(row.body) };
      if (row.expires_ms <= nowMs) return { kind: 'expired', approval: await this.#expire(tx, bump, teamId, row.body) };
      const current = parseApproval(row.body);
      // The primary key (approval, person) is the rule; the team lock makes this check exact.
      const earlier = await tx.query(
        'SELECT 1 FROM approval_decisions WHERE team_id = $1 AND approval_id = $2 AND person_id = $3',
        [teamId, approvalId, decision.personId],
      );
      if (earlier.rowCount) return { kind: 'duplicate_approver', approval: current };
      if (decisionsFull(current)) return { kind: 'full', approval: current };
      const next = withDecision(current, decision);
      await tx.query(
        `INSERT INTO approval_decisions
           (team_id, approval_id, person_id, approver_key_id, decision, cosignature, decided_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM approval_decisions WHERE team_id = $1 AND approval_id = $2))`,
        [
          teamId,
          approvalId,
          decision.personId,
          decision.cosignature.statement.approverKeyId,
          decision.cosignature.statement.decision,
          JSON.stringify(decision.cosignature),
          decision.decidedAt,
        ],
      );
      const updated = await tx.query(
        "UPDATE approvals SET status = $1, body = $2 WHERE team_id = $3 AND id = $4 AND status = 'pending'",
        [next.approval.status, JSON.stringify(next.approval), teamId, approvalId],
      );
      if (updated.rowCount !== 1) throw new Error('approval changed while its team was locked');
      // Progress is a queue change too: approvers' lists and the agent's long-poll wake for it.
      await bump(approvalId, next.closed);
      return next.closed ? { kind: 'decided', approval: next.approval } : { kind: 'recorded', approval: next.approval };
    });
  }

  async listDecisions(teamId: string, approvalId: string): Promise<StoredDecision[]> {
    const rows = await this.#rows(
      `SELECT approval_id, person_id, approver_key_id, decision, cosignature, decided_at FROM approval_decisions
         WHERE team_id = $1 AND approval_id = $2 ORDER BY seq`,
      [teamId, approvalId],
    );
    return decisionsOf(rows);
  }

  /** Expires the team's due approvals; true when there were any. */
  async #expireTeam(teamId: string, nowMs: number): Promise<boolean> {
    return this.#queueWrite(teamId, async (tx, bump) => {
      const { rows } = await tx.query(
        "SELECT body FROM approvals WHERE team_id = $1 AND status = 'pending' AND expires_ms <= $2 ORDER BY seq",
        [teamId, nowMs],
      );
      for (const row of storedRows(BodyRow, rows, 'approval')) await this.#expire(tx, bump, teamId, row.body);
      return rows.length > 0;
    });
  }

  async #expireDueOf(teamId: string, nowMs: number): Promise<void> {
    const due = await this.#rows(
      "SELECT 1 FROM approvals WHERE team_id = $1 AND status = 'pending' AND expires_ms <= $2 LIMIT 1",
      [teamId, nowMs],
    );
    if (due.length > 0) await this.#expireTeam(teamId, nowMs);
  }

  async expireDue(now: string): Promise<string[]> {
    const nowMs = Date.parse(now);
    const teams = storedRows(
      TeamIdRow,
      await this.#rows("SELECT DISTINCT team_id FROM approvals WHERE status = 'pending' AND expires_ms <= $1", [nowMs]),
      'approval',
    );
    const changed: string[] = [];
    // Every instance sweeps; the team lock makes the others find nothing left to expire.
    for (const { team_id } of teams) if (await this.#expireTeam(team_id, nowMs)) changed.push(team_id);
    return changed;
  }

  /* ------------------------------------------------------------------ queue reads */

  #snapshot<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn, 'repeatable read only');
  }

  async #changeSeq(tx: Tx | pg.Pool, teamId: string): Promise<number> {
    const { rows } = await tx.query('SELECT change_seq FROM teams WHERE id = $1', [teamId]);
    return storedOrNull(ChangeSeqRow, rows[0], 'team')?.change_seq ?? 0;
  }

  async getChangeSeq(teamId: string): Promise<number> {
    return this.#changeSeq(this.pool, teamId).catch(unavailableOr);
  }

  /** Pending approvals oldest first; with `afterId`, those after that approval (the list's next page). */
  async listPending(teamId: string, limit: number, now: string, afterId?: string): Promise<PendingPage> {
    await this.#expireDueOf(teamId, Date.parse(now));
    return this.#snapshot(async (tx) => {
      const { rows } = await tx.query(
        afterId === undefined
          ? "SELECT body FROM approvals WHERE team_id = $1 AND status = 'pending' ORDER BY seq LIMIT $2"
          : `SELECT body FROM approvals WHERE team_id = $1 AND status = 'pending'
               AND seq > (SELECT seq FROM approvals WHERE team_id = $1 AND id = $3) ORDER BY seq LIMIT $2`,
        afterId === undefined ? [teamId, limit] : [teamId, limit, afterId],
      );
      const approvals = storedRows(BodyRow, rows, 'approval').map((r) => parseApproval(r.body));
      return { approvals, changeSeq: await this.#changeSeq(tx, teamId) };
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
    return this.#snapshot(async (tx): Promise<SettledPage> => {
      const result = await tx.query(
        `SELECT body, settled_seq FROM approvals
          WHERE team_id = $1 AND opened_by = $2 AND settled_seq > $3 ORDER BY settled_seq LIMIT $4`,
        [teamId, openedBy, afterSeq, limit],
      );
      const rows = storedRows(SettledRow, result.rows, 'approval');
      const more = rows.length === limit;
      return {
        approvals: rows.map((r) => parseApproval(r.body)),
        cursor: more ? rows[rows.length - 1]!.settled_seq : await this.#changeSeq(tx, teamId),
        more,
      };
    });
  }

  async listChanges(teamId: string, since: number, limit: number, now: string): Promise<ChangesPage> {
    await this.#expireDueOf(teamId, Date.parse(now));
    return this.#snapshot(async (tx): Promise<ChangesPage> => {
      const changeSeq = await this.#changeSeq(tx, teamId);
      if (since > changeSeq) return { approvals: [], changeSeq, more: false, reset: true };
      const { rows } = await tx.query(
        'SELECT body, change_seq FROM approvals WHERE team_id = $1 AND change_seq > $2 ORDER BY change_seq LIMIT $3',
        [teamId, since, limit + 1],
      );
      return approvalPage(rows, limit, changeSeq);
    });
  }

  /** Stops listening and closes every pooled connection. */
  async close(): Promise<void> {
    await this.#listener.close();
    await this.pool.end().catch(() => {});
  }
}
