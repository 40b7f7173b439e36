-- Hashtag research: the hashtags each account queried through Meta's Hashtag Search (Meta
-- allows 30 unique ones per account in a rolling 7 days, counted from each one's first
-- query), and named hashtag sets the user keeps for captions.
CREATE TABLE hashtag_searches (
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    hashtag_id TEXT NOT NULL,
    -- Unix milliseconds: when this hashtag was first queried in its current 7-day window.
    first_searched_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name, first_searched_at)
);
CREATE INDEX hashtag_searches_by_account ON hashtag_searches (account_id, first_searched_at);

CREATE TABLE hashtag_sets (
    name TEXT PRIMARY KEY NOT NULL,
    -- Space-separated hashtags without '#', in the user's order.
    tags TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
