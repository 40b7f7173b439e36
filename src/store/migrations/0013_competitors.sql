-- Competitors over time: the accounts each connected account tracks through Business
-- Discovery, and one snapshot of each per local day (a second snapshot the same day
-- replaces the first, so a day's figures are its latest). The account's own figures are
-- kept here too, under its own username, so the Research tab can compare like with like.
CREATE TABLE competitors (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Lower case, without '@'.
    username TEXT NOT NULL,
    -- Unix milliseconds.
    added_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, username)
);

CREATE TABLE competitor_snapshots (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    -- The user's local date, YYYY-MM-DD.
    day TEXT NOT NULL,
    -- NULL when Meta left the figure out.
    followers_count INTEGER,
    media_count INTEGER,
    posts_last_7_days INTEGER NOT NULL,
    -- Average likes + comments per recent post; NULL with no recent post.
    engagement_per_post REAL,
    -- Unix milliseconds.
    taken_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, username, day)
);
