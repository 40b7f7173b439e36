-- 0005: Composer drafts, the schedule and the publish journal.
-- A draft is written (with its prepared files) before any network call; every publishing
-- step then records its result here before the next one starts, so a retry or a restart
-- resumes from the journal instead of publishing twice.

CREATE TABLE drafts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('image', 'carousel', 'reel', 'story')),
    caption             TEXT    NOT NULL DEFAULT '',
    share_to_feed       INTEGER NOT NULL DEFAULT 1 CHECK (share_to_feed IN (0, 1)),
    state               TEXT    NOT NULL DEFAULT 'draft'
                                CHECK (state IN ('draft', 'scheduled', 'publishing', 'published', 'failed')),
    -- Unix milliseconds, UTC. When a scheduled draft is due.
    scheduled_at        INTEGER,
    -- The container media_publish is sent for (the carousel container for a carousel).
    parent_container_id TEXT,
    -- Set just before media_publish is sent: from then on, a retry checks first.
    publish_sent_at     INTEGER,
    media_id            TEXT,
    error               TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE INDEX drafts_by_state ON drafts (state, scheduled_at);

CREATE TABLE draft_items (
    draft_id       INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    is_video       INTEGER NOT NULL DEFAULT 0 CHECK (is_video IN (0, 1)),
    file_name      TEXT    NOT NULL,
    -- The prepared JPEG (or the video file), exactly the bytes that get hosted.
    content        BLOB    NOT NULL,
    width          INTEGER,
    height         INTEGER,
    alt_text       TEXT,
    -- [{"username","x","y"}] relative to the image as published.
    user_tags_json TEXT    NOT NULL DEFAULT '[]',
    hosted_url     TEXT,
    container_id   TEXT,
    PRIMARY KEY (draft_id, position)
);
