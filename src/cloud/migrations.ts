/**
 * Schema migrations of both stores, in one ordered list: step N is schema version N on
 * SQLite and on PostgreSQL alike, so a version number means the same tables on either.
 * Each step runs in its own transaction and is recorded in `schema_migrations`.
 * Append new steps (both dialects); never edit a released one.
 */
export interface MigrationStep {
  /** What the step adds, for `heso-cloud migrate` and the logs. */
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  {
    name: 'initial schema',
    sqlite: `
  CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- monotonic per-team counter, bumped whenever the pending queue changes; the list cursor
    change_seq INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    secret_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  ) STRICT;
  CREATE INDEX api_keys_team ON api_keys(team_id);

  CREATE TABLE policies (
    team_id TEXT PRIMARY KEY REFERENCES teams(id),
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE approvers (
    team_id TEXT NOT NULL REFERENCES teams(id),
    key_id TEXT NOT NULL,
    record TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    created_seq INTEGER NOT NULL,
    PRIMARY KEY (team_id, key_id)
  ) STRICT;

  CREATE TABLE receipts (
    team_id TEXT NOT NULL REFERENCES teams(id),
    receipt_id TEXT NOT NULL,
    canonical TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (team_id, receipt_id)
  ) STRICT;

  CREATE TABLE approvals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT NOT NULL REFERENCES teams(id),
    id TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    receipt_canonical TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    expires_ms INTEGER NOT NULL,
    -- the whole Approval object as JSON, rewritten on every status change
    body TEXT NOT NULL,
    UNIQUE (team_id, id),
    UNIQUE (team_id, receipt_id)
  ) STRICT;
  CREATE INDEX approvals_pending ON approvals(status, expires_ms);
  CREATE INDEX approvals_team_status ON approvals(team_id, status, seq);
  `,
    postgres: `
  CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- monotonic per-team counter, bumped whenever the pending queue changes; the list cursor.
    -- Every queue write locks this row first, so bumps for one team commit in counter order.
    change_seq BIGINT NOT NULL DEFAULT 0
  );

  CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    secret_hash BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_team ON api_keys(team_id);

  CREATE TABLE policies (
    team_id TEXT PRIMARY KEY REFERENCES teams(id),
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE approvers (
    team_id TEXT NOT NULL REFERENCES teams(id),
    key_id TEXT NOT NULL,
    record TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    -- enrolment order (a sequence: concurrent enrolments never share a number)
    created_seq BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (team_id, key_id)
  );

  CREATE TABLE receipts (
    team_id TEXT NOT NULL REFERENCES teams(id),
    receipt_id TEXT NOT NULL,
    -- canonical JSON kept as text: the exact bytes that were signed
    canonical TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (team_id, receipt_id)
  );

  CREATE TABLE approvals (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    id TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    receipt_canonical TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    expires_ms BIGINT NOT NULL,
    -- the whole Approval object as JSON, rewritten on every status change
    body TEXT NOT NULL,
    UNIQUE (team_id, id),
    UNIQUE (team_id, receipt_id)
  );
  CREATE INDEX approvals_pending ON approvals(status, expires_ms);
  CREATE INDEX approvals_team_status ON approvals(team_id, status, seq);
  `,
  },
  {
    name: 'the changes feed: change stamps, expiry index',
    /* 2: the changes feed (each approval stamped with the change counter of its last change) and
        an index for the per-team expiry probe that runs before every list */
    sqlite: `
  ALTER TABLE approvals ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX approvals_changes ON approvals(team_id, change_seq);
  CREATE INDEX approvals_team_expiry ON approvals(team_id, status, expires_ms);
  `,
    postgres: `
  ALTER TABLE approvals ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
  CREATE INDEX approvals_changes ON approvals(team_id, change_seq);
  CREATE INDEX approvals_team_expiry ON approvals(team_id, status, expires_ms);
  `,
  },
  {
    name: 'API key roles; who opened each approval and enrolled each approver key',
    /* 3: API key roles; who opened each approval and enrolled each approver key */
    sqlite: `
  -- keys made before roles existed keep working as 'legacy' (everything) until revoked
  ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'legacy'
    CHECK (role IN ('operator', 'approver', 'admin', 'legacy'));
  -- the API key that opened the approval (NULL: opened before migration 3)
  ALTER TABLE approvals ADD COLUMN opened_by TEXT;
  -- the team change counter when the approval was decided or expired (NULL while pending)
  ALTER TABLE approvals ADD COLUMN settled_seq INTEGER;
  CREATE INDEX approvals_settled ON approvals(team_id, opened_by, settled_seq) WHERE settled_seq IS NOT NULL;
  -- the API key that enrolled the approver key (an approver key may revoke only its own)
  ALTER TABLE approvers ADD COLUMN enrolled_by TEXT;
  `,
    postgres: `
  ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'legacy'
    CHECK (role IN ('operator', 'approver', 'admin', 'legacy'));
  ALTER TABLE approvals ADD COLUMN opened_by TEXT;
  ALTER TABLE approvals ADD COLUMN settled_seq BIGINT;
  CREATE INDEX approvals_settled ON approvals(team_id, opened_by, settled_seq) WHERE settled_seq IS NOT NULL;
  ALTER TABLE approvers ADD COLUMN enrolled_by TEXT;
  `,
  },
  {
    name: 'quorum approvals: every decision kept, one per person per approval',
    /* 4: quorum approvals: every decision kept, one per person (rotation chain) per approval */
    sqlite: `
  CREATE TABLE approval_decisions (
    team_id TEXT NOT NULL,
    approval_id TEXT NOT NULL,
    -- the first key id of the approver's rotation chain: one person, whatever key they signed with
    person_id TEXT NOT NULL,
    approver_key_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
    -- the co-signature as JSON, exactly as verified
    cosignature TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (team_id, approval_id, person_id),
    FOREIGN KEY (team_id, approval_id) REFERENCES approvals(team_id, id)
  ) STRICT;
  CREATE INDEX approval_decisions_order ON approval_decisions(team_id, approval_id, seq);
  `,
    postgres: `
  CREATE TABLE approval_decisions (
    team_id TEXT NOT NULL,
    approval_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    approver_key_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
    cosignature TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    seq BIGINT NOT NULL,
    -- one decision per person per approval, whichever instance it reaches
    PRIMARY KEY (team_id, approval_id, person_id),
    FOREIGN KEY (team_id, approval_id) REFERENCES approvals(team_id, id)
  );
  CREATE INDEX approval_decisions_order ON approval_decisions(team_id, approval_id, seq);
  `,
  },
];
