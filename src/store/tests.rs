//! Tests of the SQLite store against real SQLite (in memory and on disk).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::ids::{IgUserId, MediaId, PageId};
use crate::model::{Account, AccountStatus, LoginKind, Media, MediaChild, MediaType, ProductType};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("valid time")
}

fn account(id: &str, username: &str) -> Account {
    Account {
        id: IgUserId::from(id),
        username: username.to_owned(),
        name: Some(format!("{username} shop")),
        account_type: Some("BUSINESS".to_owned()),
        profile_picture_url: Some(format!("https://cdn.example/{id}.jpg?sig=1")),
        followers_count: Some(1234),
        media_count: Some(56),
        login: LoginKind::Instagram,
        page_id: None,
        status: AccountStatus::Connected,
        sandbox: true,
        token_issued_at: Some(at(0)),
        token_expires_at: Some(at(60 * 86_400)),
    }
}

fn media(id: &str, secs: i64) -> Media {
    Media {
        id: MediaId::from(id),
        caption: Some(format!("caption {id} #tag")),
        media_type: MediaType::Image,
        media_product_type: Some(ProductType::Feed),
        media_url: Some(format!("https://cdn.example/m/{id}.jpg")),
        thumbnail_url: None,
        permalink: Some(format!("https://www.instagram.com/p/{id}/")),
        shortcode: Some(id.to_owned()),
        timestamp: at(secs),
        username: Some("shop".to_owned()),
        like_count: Some(10),
        comments_count: Some(2),
        alt_text: None,
        children: Vec::new(),
    }
}

fn carousel(id: &str, secs: i64) -> Media {
    Media {
        media_type: MediaType::CarouselAlbum,
        media_url: None,
        like_count: None,
        children: vec![
            MediaChild {
                id: MediaId::from(format!("{id}-1")),
                media_type: MediaType::Image,
                media_url: Some("https://cdn.example/c1.jpg".to_owned()),
                thumbnail_url: None,
            },
            MediaChild {
                id: MediaId::from(format!("{id}-2")),
                media_type: MediaType::Video,
                media_url: Some("https://cdn.example/c2.mp4".to_owned()),
                thumbnail_url: Some("https://cdn.example/c2.jpg".to_owned()),
            },
        ],
        ..media(id, secs)
    }
}

#[cfg(unix)]
#[test]
fn the_database_and_its_wal_and_shm_are_private() {
    use super::private_files::mode_of;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store
        .upsert_account(&account("1", "a"))
        .expect("a write creates the WAL");
    for name in ["db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"] {
        assert_eq!(mode_of(&dir.path().join(name)), 0o600, "{name}");
    }
    drop(store);
    // A file an older build left readable is made private on the next open.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let _store = Store::open(&path).expect("reopen");
    assert_eq!(mode_of(&path), 0o600);
}

#[test]
fn migrations_run_once_and_schema_is_latest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    assert_eq!(
        store.schema_version().expect("version"),
        migrations::latest_version()
    );
    store.upsert_account(&account("1", "a")).expect("upsert");
    drop(store);

    // Reopening keeps data and does not re-run migrations (which would fail on CREATE TABLE).
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.accounts().expect("accounts").len(), 1);
    let mode: String = store
        .read(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let fk: bool = store
        .read(|c| Ok(c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?))
        .expect("foreign keys");
    assert!(fk);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    drop(Store::open(&path).expect("open"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
    }
    let err = Store::open(&path).expect_err("too new");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("update socialdesk"));
}

#[test]
fn garbage_file_is_reported_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    std::fs::write(&path, vec![0x5a; 8192]).expect("write garbage");
    let err = Store::open(&path).expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("move it away") && text.contains("db.sqlite3"),
        "{text}"
    );
}

#[test]
fn locked_file_is_reported_locked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    let holder = rusqlite::Connection::open(&path).expect("raw open");
    holder
        .execute_batch("CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
        .expect("hold lock");
    let err = Store::open_with_timeout(&path, Duration::from_millis(50)).expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("another socialdesk"));
}

#[test]
fn accounts_round_trip_in_position_order() {
    let store = Store::in_memory().expect("store");
    let mut fb = account("2", "Beta");
    fb.login = LoginKind::Facebook;
    fb.page_id = Some(PageId::from("900"));
    fb.token_expires_at = None;
    store.upsert_account(&account("3", "zulu")).expect("upsert");
    store.upsert_account(&fb).expect("upsert");
    store
        .upsert_account(&account("1", "alpha"))
        .expect("upsert");

    let all = store.accounts().expect("accounts");
    let names: Vec<_> = all.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        names,
        ["zulu", "Beta", "alpha"],
        "insertion order is switcher order"
    );
    assert_eq!(all[1], fb, "every field round-trips");

    // Updating keeps the position.
    let mut renamed = account("3", "zulu2");
    renamed.followers_count = Some(99);
    store.upsert_account(&renamed).expect("update");
    let all = store.accounts().expect("accounts");
    assert_eq!(all[0], renamed);

    store
        .set_account_order(&[IgUserId::from("1")])
        .expect("reorder");
    let names: Vec<_> = store
        .accounts()
        .expect("accounts")
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["alpha", "zulu2", "Beta"]);
    assert_eq!(
        store.account(&IgUserId::from("2")).expect("account"),
        Some(fb)
    );
    assert_eq!(
        store.account(&IgUserId::from("404")).expect("account"),
        None
    );
}

#[test]
fn status_and_token_times_update_and_unknown_account_is_an_error() {
    let store = Store::in_memory().expect("store");
    let id = IgUserId::from("7");
    store.upsert_account(&account("7", "shop")).expect("upsert");

    let status = AccountStatus::ReconnectNeeded {
        reason: "Error validating access token".to_owned(),
    };
    store.set_account_status(&id, &status).expect("status");
    store
        .set_token_times(&id, Some(at(10)), None)
        .expect("token times");
    let got = store.account(&id).expect("read").expect("present");
    assert_eq!(got.status, status);
    assert_eq!(got.token_issued_at, Some(at(10)));
    assert_eq!(got.token_expires_at, None);

    let missing = IgUserId::from("8");
    let err = store
        .set_account_status(&missing, &AccountStatus::Connected)
        .expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownAccount(ref i) if *i == missing));
    assert!(store.set_token_times(&missing, None, None).is_err());
    assert!(store.feed_cursor(&missing).is_err());
    assert!(store.synced_at(&missing).is_err());
    assert!(store.upsert_media(&missing, &[media("m", 0)]).is_err());
}

#[test]
fn settings_round_trip_and_active_account_cleared_on_removal() {
    let store = Store::in_memory().expect("store");
    assert_eq!(store.setting("x").expect("get"), None);
    store
        .set_setting(&app_id_key(LoginKind::Instagram), "123")
        .expect("set");
    store
        .set_setting(&app_id_key(LoginKind::Instagram), "456")
        .expect("replace");
    assert_eq!(
        store
            .setting(&app_id_key(LoginKind::Instagram))
            .expect("get")
            .as_deref(),
        Some("456")
    );
    assert_eq!(
        store
            .setting(&app_id_key(LoginKind::Facebook))
            .expect("get"),
        None
    );

    store.upsert_account(&account("1", "a")).expect("upsert");
    store.upsert_account(&account("2", "b")).expect("upsert");
    store.set_setting(ACTIVE_ACCOUNT_KEY, "2").expect("set");
    store
        .remove_account(&IgUserId::from("1"))
        .expect("remove other");
    assert_eq!(
        store.setting(ACTIVE_ACCOUNT_KEY).expect("get").as_deref(),
        Some("2")
    );
    store
        .remove_account(&IgUserId::from("2"))
        .expect("remove active");
    assert_eq!(store.setting(ACTIVE_ACCOUNT_KEY).expect("get"), None);
    store
        .remove_setting(&app_id_key(LoginKind::Instagram))
        .expect("remove");
    assert_eq!(
        store
            .setting(&app_id_key(LoginKind::Instagram))
            .expect("get"),
        None
    );
}

#[test]
fn media_round_trip_newest_first_with_children() {
    let store = Store::in_memory().expect("store");
    let id = IgUserId::from("1");
    store.upsert_account(&account("1", "a")).expect("upsert");
    let mut reel = media("r", 30);
    reel.media_type = MediaType::Video;
    reel.media_product_type = Some(ProductType::Reels);
    reel.thumbnail_url = Some("https://cdn.example/r.jpg".to_owned());
    let items = vec![media("old", 10), carousel("car", 20), reel.clone()];
    store.upsert_media(&id, &items).expect("upsert media");

    let got = store.cached_media(&id, 10, 0).expect("read");
    assert_eq!(got, vec![reel, items[1].clone(), items[0].clone()]);
    assert_eq!(store.cached_media_count(&id).expect("count"), 3);
    assert_eq!(
        store.cached_media(&id, 1, 1).expect("page"),
        vec![items[1].clone()]
    );
    assert!(store.cached_media(&id, 10, 3).expect("past end").is_empty());

    // Upserting again updates in place, no duplicates.
    let mut liked = media("old", 10);
    liked.like_count = Some(999);
    liked.caption = None;
    store
        .upsert_media(&id, std::slice::from_ref(&liked))
        .expect("update");
    assert_eq!(store.cached_media_count(&id).expect("count"), 3);
    assert_eq!(store.cached_media(&id, 1, 2).expect("last"), vec![liked]);

    store
        .remove_media(&id, &MediaId::from("car"))
        .expect("remove");
    assert_eq!(store.cached_media_count(&id).expect("count"), 2);
}

#[test]
fn media_is_per_account_and_cascades_on_removal() {
    let store = Store::in_memory().expect("store");
    let (a, b) = (IgUserId::from("1"), IgUserId::from("2"));
    store.upsert_account(&account("1", "a")).expect("upsert");
    store.upsert_account(&account("2", "b")).expect("upsert");
    // The same media id under two accounts is two rows (e.g. a collab post).
    store
        .upsert_media(&a, &[media("m1", 1), media("shared", 2)])
        .expect("a");
    store.upsert_media(&b, &[media("shared", 2)]).expect("b");
    assert_eq!(store.cached_media_count(&a).expect("count"), 2);
    assert_eq!(store.cached_media_count(&b).expect("count"), 1);

    store.remove_account(&a).expect("remove");
    assert_eq!(store.cached_media_count(&a).expect("count"), 0);
    assert_eq!(store.cached_media_count(&b).expect("count"), 1);
    // Re-adding the account starts with an empty feed.
    store.upsert_account(&account("1", "a")).expect("re-add");
    assert!(store.cached_media(&a, 10, 0).expect("read").is_empty());
}

#[test]
fn cursor_and_sync_time_survive_account_update_and_reset_on_clear() {
    let store = Store::in_memory().expect("store");
    let id = IgUserId::from("1");
    store.upsert_account(&account("1", "a")).expect("upsert");
    assert_eq!(store.feed_cursor(&id).expect("cursor"), None);
    assert_eq!(store.synced_at(&id).expect("synced"), None);

    store
        .set_feed_cursor(&id, Some("QVFIUabc"))
        .expect("cursor");
    store.set_synced_at(&id, at(500)).expect("synced");
    store
        .upsert_account(&account("1", "a-renamed"))
        .expect("update");
    assert_eq!(
        store.feed_cursor(&id).expect("cursor").as_deref(),
        Some("QVFIUabc")
    );
    assert_eq!(store.synced_at(&id).expect("synced"), Some(at(500)));

    store.upsert_media(&id, &[media("m", 0)]).expect("media");
    store.clear_media(&id).expect("clear");
    assert_eq!(store.cached_media_count(&id).expect("count"), 0);
    assert_eq!(store.feed_cursor(&id).expect("cursor"), None);
    assert_eq!(store.synced_at(&id).expect("synced"), None);

    store.set_feed_cursor(&id, Some("x")).expect("cursor");
    store.set_feed_cursor(&id, None).expect("feed complete");
    assert_eq!(store.feed_cursor(&id).expect("cursor"), None);
}

#[test]
fn failed_batch_writes_nothing() {
    let store = Store::in_memory().expect("store");
    let id = IgUserId::from("1");
    store.upsert_account(&account("1", "a")).expect("upsert");
    // Sabotage the second insert with a trigger; the first must be rolled back with it.
    store
        .read(|c| {
            Ok(c.execute_batch(
                "CREATE TRIGGER no_bad BEFORE INSERT ON media WHEN NEW.id = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )?)
        })
        .expect("trigger");
    let err = store.upsert_media(&id, &[media("good", 1), media("bad", 2)]);
    assert!(err.is_err());
    assert_eq!(store.cached_media_count(&id).expect("count"), 0);
}

#[test]
fn no_column_can_hold_a_token() {
    let store = Store::in_memory().expect("store");
    let columns: Vec<String> = store
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT m.name || '.' || p.name FROM sqlite_master m
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            )?;
            let names = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(names)
        })
        .expect("columns");
    assert!(columns.contains(&"accounts.token_expires_at".to_owned()));
    for column in &columns {
        let lower = column.to_lowercase();
        assert!(
            !(lower.contains("secret") || lower.ends_with("token") || lower.contains("access")),
            "column {column} looks like it stores a secret"
        );
    }
}

#[test]
fn ten_thousand_media_page_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let id = IgUserId::from("1");
    store.upsert_account(&account("1", "a")).expect("upsert");
    store.upsert_account(&account("2", "b")).expect("upsert");
    let batch: Vec<Media> = (0..10_000)
        .map(|i| {
            if i % 10 == 0 {
                carousel(&format!("m{i}"), i)
            } else {
                media(&format!("m{i}"), i)
            }
        })
        .collect();
    store.upsert_media(&id, &batch).expect("bulk upsert");
    store
        .upsert_media(&IgUserId::from("2"), &batch[..1000])
        .expect("other account");

    let started = Instant::now();
    let first = store.cached_media(&id, 60, 0).expect("first page");
    let deep = store.cached_media(&id, 60, 9_000).expect("deep page");
    let all = store.cached_media(&id, 10_000, 0).expect("everything");
    let elapsed = started.elapsed();
    assert_eq!(first[0].id, MediaId::from("m9999"));
    assert_eq!(deep[0].id, MediaId::from("m999"));
    assert_eq!(all.len(), 10_000);
    assert!(
        all.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
        "newest first"
    );
    // Generous for a debug build on a loaded 2-core machine; a table scan + sort of JSON
    // children per page would still pass, so the plan is checked below as well.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    let plan: Vec<String> = store
        .read(|c| {
            let mut stmt = c.prepare(
                "EXPLAIN QUERY PLAN SELECT id FROM media WHERE account_id = ?1
                 ORDER BY timestamp DESC, id DESC LIMIT 60",
            )?;
            let rows = stmt
                .query_map(["1"], |r| r.get::<_, String>(3))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .expect("plan");
    let plan = plan.join(" | ");
    assert!(plan.contains("media_by_account_time"), "{plan}");
    assert!(
        !plan.contains("TEMP B-TREE"),
        "feed query sorts instead of using the index: {plan}"
    );
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}
