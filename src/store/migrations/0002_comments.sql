-- 0002: the comments inbox: cached comments and replies, per-media sync state, moderation
-- rules and their log, saved replies, and replies whose answer was lost (never sent twice).

CREATE TABLE comments (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    media_id   TEXT    NOT NULL,
    -- Set on replies: the top-level comment replied to.
    parent_id  TEXT,
    text       TEXT    NOT NULL,
    username   TEXT    NOT NULL,
    from_id    TEXT,
    -- Unix milliseconds, UTC.
    timestamp  INTEGER NOT NULL,
    like_count INTEGER,
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    -- Set by a rule with the "flag" action; cleared by the user.
    flagged    INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    PRIMARY KEY (account_id, id)
);
CREATE INDEX comments_by_media ON comments (account_id, media_id);

-- What the last sync saw of each media, so the next one reads only changed threads.
CREATE TABLE comment_media (
    account_id       TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    media_id         TEXT    NOT NULL,
    comments_count   INTEGER,
    comments_enabled INTEGER CHECK (comments_enabled IN (0, 1)),
    synced_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, media_id)
);

CREATE TABLE comment_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('keyword', 'pattern', 'emoji_only', 'link')),
    pattern    TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL CHECK (action IN ('hide', 'flag')),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
);

CREATE TABLE comment_rule_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule_id    INTEGER,
    rule_name  TEXT    NOT NULL,
    comment_id TEXT    NOT NULL,
    excerpt    TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    undone     INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);

CREATE TABLE saved_replies (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT    NOT NULL,
    body TEXT    NOT NULL
);

-- A reply is recorded here before it is sent and removed once Meta confirms it; a row that
-- survives means the answer was lost, and the thread is checked before sending again.
CREATE TABLE pending_replies (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    parent_id  TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, parent_id, text)
);
