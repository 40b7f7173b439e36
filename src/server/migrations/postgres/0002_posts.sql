-- Scheduling on the server: accounts handed over by an admin (their Meta token sealed with
-- the key file, never in clear), scheduled posts with the publish claim and journal, and the
-- pictures of each post (a hosted URL, or an uploaded JPEG served at an unguessable key).

CREATE TABLE accounts (
    ig_user_id TEXT PRIMARY KEY,
    login TEXT NOT NULL CHECK (login IN ('instagram', 'facebook')),
    token_sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES devices (id)
);

CREATE TABLE scheduled_posts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (ig_user_id),
    media_type TEXT NOT NULL CHECK (media_type IN ('IMAGE', 'CAROUSEL')),
    caption TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'published', 'failed')),
    created_by BIGINT NOT NULL REFERENCES devices (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    claim_owner TEXT,
    claim_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    container_id TEXT,
    publish_sent_at BIGINT,
    media_id TEXT,
    published_at BIGINT,
    error TEXT
);

CREATE INDEX scheduled_posts_due ON scheduled_posts (state, scheduled_at);

CREATE TABLE post_media (
    post_id BIGINT NOT NULL REFERENCES scheduled_posts (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    image_url TEXT,
    public_key TEXT UNIQUE,
    jpeg BYTEA,
    PRIMARY KEY (post_id, position)
);
