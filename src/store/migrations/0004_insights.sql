-- 0004: the insights cache. Daily account values are kept forever (Meta answers
-- follower_count for 30 days only), so long-term charts grow as the app keeps syncing.

CREATE TABLE insights_daily (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    metric     TEXT    NOT NULL,
    -- The day the value counts (YYYY-MM-DD, UTC): the day before Meta's `end_time`.
    day        TEXT    NOT NULL,
    value      INTEGER NOT NULL,
    -- Unix milliseconds, UTC: when this value was last read from Meta.
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, metric, day)
) WITHOUT ROWID;

-- Whole answers the tab shows as they are (overview totals, demographics, the media table),
-- as JSON under a key such as `overview:30` or `media`.
CREATE TABLE insights_snapshots (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    json       TEXT    NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);
