-- The server's first schema: webhook events, one-time invites, paired devices, the audit log.
-- Times are UNIX seconds. Secrets never reach this file: invite codes and device tokens are
-- stored as SHA-256 hex digests.

CREATE TABLE devices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_sha256 TEXT NOT NULL UNIQUE,
    paired_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE invites (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by BIGINT REFERENCES devices (id)
);

CREATE TABLE webhook_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    object TEXT NOT NULL,
    account_id TEXT NOT NULL,
    field TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    value TEXT NOT NULL,
    handled_by BIGINT REFERENCES devices (id),
    handled_at BIGINT
);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    device_id BIGINT REFERENCES devices (id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
