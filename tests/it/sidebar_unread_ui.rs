//! What waits in each account, in the sidebar: comments to answer and unread conversations,
//! for the account on screen and the others, updated as each sync's inbox arrives; and the
//! same with the real engine syncing the two demo accounts of the embedded sandbox.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::config::DataDirs;
use socialdesk::engine::comments::CommentsEvent;
use socialdesk::engine::dms::{DmSummary, DmsEvent, SendWindow};
use socialdesk::engine::{self, EngineConfig, EngineSide, Event, Mode};
use socialdesk::graph::comments::Comment;
use socialdesk::graph::messages::{ConversationId, Participant};
use socialdesk::ids::{CommentId, IgUserId, MediaId};
use socialdesk::model::{Account, LoginKind};
use socialdesk::sandbox::SandboxOptions;
use socialdesk::store::{CachedConversation, InboxComment};
use socialdesk::ui::{App, Tab};

use crate::support::push;
use crate::support::ui::app_harness_on;

fn two_accounts() -> (Account, Account) {
    let shop = crate::support::account("shop", LoginKind::Instagram);
    let mut kiln = crate::support::account("kiln", LoginKind::Instagram);
    kiln.id = IgUserId::from("17841400000000002");
    (shop, kiln)
}

fn comment(id: &str, parent: Option<&str>, user: &str) -> InboxComment {
    InboxComment {
        comment: Comment {
            id: CommentId::from(id),
            media_id: MediaId::from("m1"),
            parent_id: parent.map(CommentId::from),
            text: "how much?".to_owned(),
            username: user.to_owned(),
            from_id: None,
            timestamp: Utc
                .with_ymd_and_hms(2026, 1, 1, 10, 0, 0)
                .single()
                .expect("time"),
            like_count: None,
            hidden: false,
        },
        flagged: false,
    }
}

fn inbox(account: &Account, comments: Vec<InboxComment>) -> Event {
    Event::Comments(CommentsEvent::Inbox {
        account: account.id.clone(),
        comments: Arc::new(comments),
        media: Arc::new(Vec::new()),
        comments_off: Vec::new(),
        from_cache: false,
    })
}

fn conversations(account: &Account, unread: &[bool]) -> Event {
    let now = Utc::now();
    let list = unread
        .iter()
        .enumerate()
        .map(|(i, &unread)| DmSummary {
            conversation: CachedConversation {
                id: ConversationId(format!("c{i}")),
                person: Some(Participant {
                    id: format!("6{i}"),
                    username: Some(format!("person{i}")),
                }),
                updated_time: Some(now),
                synced_time: Some(now),
                read_time: None,
                last_text: Some("hello".into()),
                last_time: Some(now),
                last_inbound_time: Some(now),
            },
            window: SendWindow::Standard { closes_at: now },
            unread,
        })
        .collect();
    Event::Dms(DmsEvent::Conversations {
        account: account.id.clone(),
        conversations: list,
        from_cache: false,
    })
}

/// The sidebar's row of `username`, as a screen reader reads it.
fn row_label(harness: &Harness<'_, App>, username: &str) -> String {
    let prefix = format!("@{username}");
    harness
        .query_all_by_label_contains(&prefix)
        .filter_map(|n| n.accesskit_node().label())
        .find(|l| l == &prefix || l.starts_with(&format!("{prefix},")))
        .unwrap_or_else(|| panic!("no sidebar row for {prefix}"))
}

fn harness_with_two(side_tab: Tab) -> (Harness<'static, App>, EngineSide, Account, Account) {
    let (mut harness, side) = app_harness_on(side_tab);
    harness.run_steps(2);
    let (shop, kiln) = two_accounts();
    assert!(side.events.try_send(Event::Accounts {
        active: Some(shop.id.clone()),
        accounts: vec![shop.clone(), kiln.clone()],
    }));
    harness.run_steps(4);
    (harness, side, shop, kiln)
}

#[test]
fn every_account_shows_what_waits_and_follows_each_sync() {
    let (mut harness, side, shop, kiln) = harness_with_two(Tab::Dms);
    assert_eq!(row_label(&harness, "kiln"), "@kiln");

    // The other account's sync: two comments waiting (one answered), one unread chat.
    push(
        &mut harness,
        &side,
        inbox(
            &kiln,
            vec![
                comment("k1", None, "ana"),
                comment("k2", None, "bo"),
                comment("k3", None, "cy"),
                comment("k4", Some("k3"), "kiln"),
            ],
        ),
    );
    push(&mut harness, &side, conversations(&kiln, &[true, false]));
    assert_eq!(
        row_label(&harness, "kiln"),
        "@kiln, 2 comments to answer, 1 unread conversation"
    );
    assert_eq!(row_label(&harness, "shop"), "@shop", "nothing waits there");

    // The selected account's counts come from its tabs.
    push(
        &mut harness,
        &side,
        conversations(&shop, &[true, true, true]),
    );
    push(
        &mut harness,
        &side,
        inbox(&shop, vec![comment("s1", None, "dee")]),
    );
    assert_eq!(
        row_label(&harness, "shop"),
        "@shop, 1 comment to answer, 3 unread conversations"
    );

    // The next sync of the other account: the comment was answered, the chat read.
    push(
        &mut harness,
        &side,
        inbox(
            &kiln,
            vec![
                comment("k1", None, "ana"),
                comment("k5", Some("k1"), "kiln"),
                comment("k2", None, "bo"),
                comment("k3", None, "cy"),
                comment("k4", Some("k3"), "kiln"),
            ],
        ),
    );
    push(&mut harness, &side, conversations(&kiln, &[false, false]));
    assert_eq!(row_label(&harness, "kiln"), "@kiln, 1 comment to answer");
}

#[test]
fn both_demo_accounts_get_their_counts_from_the_real_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig::new(
        DataDirs::under(dir.path()),
        Mode::EmbeddedSandbox(SandboxOptions::default()),
    );
    let (handle, _engine) = engine::spawn(config).expect("engine");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    // The pollers sync every connected account, the one on screen and the other (the first
    // comment sync runs a minute after start).
    let start = Instant::now();
    let counted = |h: &Harness<'_, App>, username: &str| {
        h.query_all_by_label_contains(&format!("@{username},"))
            .filter_map(|n| n.accesskit_node().label())
            .any(|l| l.contains("comments to answer") || l.contains("unread conversation"))
    };
    while !(counted(&harness, "northwind.coffee") && counted(&harness, "mira.makes")) {
        assert!(
            start.elapsed() < Duration::from_mins(3),
            "the demo accounts never showed what waits in them"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
}
