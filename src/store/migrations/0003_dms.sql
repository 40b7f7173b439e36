-- 0003: the Instagram Direct cache (conversations, messages) and the private replies sent.
-- Shipped migrations are never edited: add a new numbered file instead.

CREATE TABLE dm_conversations (
    account_id        TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                TEXT    NOT NULL,
    -- The person (IGSID) and their username.
    person_id         TEXT,
    person_username   TEXT,
    -- Meta's updated_time, Unix milliseconds UTC.
    updated_time      INTEGER,
    -- The updated_time whose messages are cached: the conversation is re-read when
    -- updated_time moves past it.
    synced_time       INTEGER,
    -- Kept locally (the API does not mark messages read): the newest message time seen.
    read_time         INTEGER,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE dm_messages (
    account_id        TEXT    NOT NULL,
    conversation_id   TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    created_time      INTEGER,
    from_id           TEXT,
    from_username     TEXT,
    text              TEXT,
    attachments_json  TEXT    NOT NULL DEFAULT '[]',
    -- 0 when Meta listed the message but no longer answers its details (older than the
    -- 20 most recent of its conversation).
    readable          INTEGER NOT NULL DEFAULT 1 CHECK (readable IN (0, 1)),
    -- Position in the conversation, 0 = newest, so messages without a time still sort.
    position          INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_id, id),
    FOREIGN KEY (account_id, conversation_id)
        REFERENCES dm_conversations (account_id, id) ON DELETE CASCADE
);

CREATE TABLE dm_private_replies (
    account_id        TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment_id        TEXT    NOT NULL,
    recipient_id      TEXT,
    message_id        TEXT,
    conversation_id   TEXT,
    sent_at           INTEGER NOT NULL,
    PRIMARY KEY (account_id, comment_id)
);
