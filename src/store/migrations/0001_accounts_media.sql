-- 0001: connected accounts, app settings and the cached media feed.
-- Shipped migrations are never edited: add a new numbered file instead.
-- There is deliberately no column for tokens or app secrets: they live in the secret store.

CREATE TABLE accounts (
    id                  TEXT    PRIMARY KEY NOT NULL,
    username            TEXT    NOT NULL,
    name                TEXT,
    account_type        TEXT,
    profile_picture_url TEXT,
    followers_count     INTEGER,
    media_count         INTEGER,
    login               TEXT    NOT NULL CHECK (login IN ('instagram', 'facebook')),
    page_id             TEXT,
    status              TEXT    NOT NULL DEFAULT 'connected'
                                CHECK (status IN ('connected', 'reconnect_needed')),
    status_reason       TEXT,
    sandbox             INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    -- Unix milliseconds, UTC.
    token_issued_at     INTEGER,
    token_expires_at    INTEGER,
    -- Where the account sits in the account switcher; ties are broken by username.
    position            INTEGER NOT NULL DEFAULT 0,
    -- The `after` cursor of the next feed page to fetch; NULL when the feed is complete.
    feed_cursor         TEXT,
    synced_at           INTEGER
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE media (
    account_id         TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                 TEXT    NOT NULL,
    media_type         TEXT    NOT NULL,
    media_product_type TEXT,
    caption            TEXT,
    media_url          TEXT,
    thumbnail_url      TEXT,
    permalink          TEXT,
    shortcode          TEXT,
    -- Unix milliseconds, UTC.
    timestamp          INTEGER NOT NULL,
    username           TEXT,
    like_count         INTEGER,
    comments_count     INTEGER,
    alt_text           TEXT,
    -- Carousel children as a JSON array of `model::MediaChild`.
    children_json      TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

-- The feed grid reads newest first, page by page.
CREATE INDEX media_by_account_time ON media (account_id, timestamp DESC, id DESC);
