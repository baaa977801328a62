/**
 * Schema migrations for the SQLite store, applied in order inside one transaction each and
 * recorded in `schema_migrations`. Append new steps; never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: initial schema */ `
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
  /* 2: the changes feed (each approval stamped with the change counter of its last change) and
        an index for the per-team expiry probe that runs before every list */ `
  ALTER TABLE approvals ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX approvals_changes ON approvals(team_id, change_seq);
  CREATE INDEX approvals_team_expiry ON approvals(team_id, status, expires_ms);
  `,
  /* 3: API key roles; who opened each approval and enrolled each approver key */ `
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
  /* 4: quorum approvals: every decision kept, one per person (rotation chain) per approval */ `
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
];
