//! Schema migrations: numbered `.sql` files embedded in the binary, applied in order on open.
//!
//! The schema version is `PRAGMA user_version` (the count of migrations applied). All pending
//! migrations run in one transaction, so a crash mid-upgrade leaves the old schema intact.
//! A shipped migration is never edited: a change is a new file appended to [`MIGRATIONS`].

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Every migration, in order; the schema version after applying `MIGRATIONS[i]` is `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_accounts_media",
        include_str!("migrations/0001_accounts_media.sql"),
    ),
    (
        "0002_comments",
        include_str!("migrations/0002_comments.sql"),
    ),
    ("0003_dms", include_str!("migrations/0003_dms.sql")),
    (
        "0004_insights",
        include_str!("migrations/0004_insights.sql"),
    ),
    ("0005_drafts", include_str!("migrations/0005_drafts.sql")),
    (
        "0006_draft_extras",
        include_str!("migrations/0006_draft_extras.sql"),
    ),
    (
        "0007_mentions_rule_kinds",
        include_str!("migrations/0007_mentions_rule_kinds.sql"),
    ),
    (
        "0008_draft_place",
        include_str!("migrations/0008_draft_place.sql"),
    ),
    (
        "0009_draft_cover",
        include_str!("migrations/0009_draft_cover.sql"),
    ),
    (
        "0010_copyright_ack",
        include_str!("migrations/0010_copyright_ack.sql"),
    ),
    (
        "0011_publish_claim",
        include_str!("migrations/0011_publish_claim.sql"),
    ),
    (
        "0012_hashtag_research",
        include_str!("migrations/0012_hashtag_research.sql"),
    ),
    (
        "0013_competitors",
        include_str!("migrations/0013_competitors.sql"),
    ),
];

/// The newest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

pub(crate) fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the schema to [`latest_version`], refusing a file from a newer socialdesk.
pub(crate) fn run(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    let sql_err = |e| StoreError::from_sqlite(path, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err)?;
    let found = current_version(&tx).map_err(sql_err)?;
    let known = latest_version();
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            known,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
        if version <= found {
            continue;
        }
        tracing::info!(migration = name, "applying store migration");
        tx.execute_batch(sql).map_err(sql_err)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(sql_err)?;
    }
    tx.commit().map_err(sql_err)
}
