-- Scheduling on the server: accounts handed over by an admin (their Meta token sealed with
-- the key file, never in clear), scheduled posts with the publish claim and journal, and the
-- pictures of each post (a hosted URL, or an uploaded JPEG served at an unguessable key).

CREATE TABLE accounts (
    ig_user_id TEXT PRIMARY KEY,
    login TEXT NOT NULL CHECK (login IN ('instagram', 'facebook')),
    token_sealed TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES devices (id)
);

CREATE TABLE scheduled_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts (ig_user_id),
    media_type TEXT NOT NULL CHECK (media_type IN ('IMAGE', 'CAROUSEL')),
    caption TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'published', 'failed')),
    created_by INTEGER NOT NULL REFERENCES devices (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    claim_owner TEXT,
    claim_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    container_id TEXT,
    publish_sent_at INTEGER,
    media_id TEXT,
    published_at INTEGER,
    error TEXT
);

CREATE INDEX scheduled_posts_due ON scheduled_posts (state, scheduled_at);

CREATE TABLE post_media (
    post_id INTEGER NOT NULL REFERENCES scheduled_posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    image_url TEXT,
    public_key TEXT UNIQUE,
    jpeg BLOB,
    PRIMARY KEY (post_id, position)
);
