-- 0007: the Mentions cache, and the regex rule kind stored under its own name.
--
-- 1. comment_rules.kind: migration 0002's CHECK predates regex rules, which were stored as
--    'pattern'. SQLite cannot alter a CHECK, so the table is rebuilt (create, copy, drop,
--    rename; https://sqlite.org/lang_altertable.html#otheralter) inside the migration
--    transaction. Rule ids are copied unchanged, so comment_rule_log.rule_id (which declares
--    no foreign key) still names the same rules, and the AUTOINCREMENT high-water mark is
--    carried over so a new rule never reuses the id of a deleted one that the log names.
--    No table declares a foreign key to comment_rules, so dropping it with foreign_keys on
--    deletes nothing else; its own key to accounts is declared again on the new table.

CREATE TABLE comment_rules_v7 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('keyword', 'regex', 'emoji_only', 'link')),
    pattern    TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL CHECK (action IN ('hide', 'flag')),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
);
INSERT INTO comment_rules_v7 (id, account_id, name, kind, pattern, action, enabled)
    SELECT id, account_id, name, CASE kind WHEN 'pattern' THEN 'regex' ELSE kind END,
           pattern, action, enabled
    FROM comment_rules;
-- The copy set the new table's counter to its largest id; the old counter is at least that.
DELETE FROM sqlite_sequence WHERE name = 'comment_rules_v7';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'comment_rules_v7', seq FROM sqlite_sequence WHERE name = 'comment_rules';
DROP TABLE comment_rules;
ALTER TABLE comment_rules_v7 RENAME TO comment_rules;

-- 2. Mentions: media that tag the account or @mention it in a caption, and comments that
--    @mention it, as last read from Meta (Meta keeps no list of mentions: the tags edge is
--    re-read, mentioned comments are looked up by id), so the view opens instantly and
--    offline. A reply sent from the app is recorded on its row.
CREATE TABLE mentions (
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    media_id     TEXT    NOT NULL,
    -- '' for a media-level mention (tag or caption), else the mentioning comment.
    comment_id   TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL CHECK (kind IN ('tag', 'caption', 'comment')),
    -- 1 when it came from the tags edge (a refresh drops those the edge no longer lists).
    from_tags    INTEGER NOT NULL DEFAULT 0 CHECK (from_tags IN (0, 1)),
    -- Who wrote the caption or comment, and what it says.
    username     TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    -- Unix milliseconds, UTC.
    timestamp    INTEGER NOT NULL,
    media_type   TEXT,
    product_type TEXT,
    permalink    TEXT,
    preview_url  TEXT,
    like_count   INTEGER,
    reply_id     TEXT,
    reply_text   TEXT,
    replied_at   INTEGER,
    PRIMARY KEY (account_id, media_id, comment_id)
);
CREATE INDEX mentions_by_time ON mentions (account_id, timestamp DESC);
