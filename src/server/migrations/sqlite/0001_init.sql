-- The server's first schema: webhook events, one-time invites, paired devices, the audit log.
-- Times are UNIX seconds. Secrets never reach this file: invite codes and device tokens are
-- stored as SHA-256 hex digests.

CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_sha256 TEXT NOT NULL UNIQUE,
    paired_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by INTEGER REFERENCES devices (id)
);

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key TEXT NOT NULL UNIQUE,
    object TEXT NOT NULL,
    account_id TEXT NOT NULL,
    field TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    value TEXT NOT NULL,
    handled_by INTEGER REFERENCES devices (id),
    handled_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    device_id INTEGER REFERENCES devices (id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
