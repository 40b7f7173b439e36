//! Headless UI tests of the DMs tab: the test plays the engine, pushes DM events and reads
//! the commands the tab sends, finding widgets by their accessible labels.

use chrono::{Duration, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::dms::{DmSummary, DmsCommand, DmsEvent, SendWindow};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::graph::messages::{
    ConversationId, DmAttachment, DmMessage, MessageId, Participant,
};
use socialdesk::ids::IgUserId;
use socialdesk::model::{Account, LoginKind};
use socialdesk::store::CachedConversation;
use socialdesk::ui::{App, Tab};

use crate::support::ui::app_harness_on;
use crate::support::{ACCOUNT_ID, drain, push};

fn harness() -> (Harness<'static, App>, EngineSide) {
    // Starts on the DMs tab: the Feed would show its loading spinner without a feed.
    app_harness_on(Tab::Dms)
}

fn account() -> Account {
    crate::support::account("northwind.coffee", LoginKind::Instagram)
}

fn lena() -> Participant {
    Participant {
        id: "61".into(),
        username: Some("lena.loves.latte".into()),
    }
}

fn message(id: &str, text: &str, from: Participant, minutes_ago: i64) -> DmMessage {
    DmMessage {
        id: MessageId(id.into()),
        created_time: Some(Utc::now() - Duration::minutes(minutes_ago)),
        from: Some(from),
        to: Vec::new(),
        text: Some(text.into()),
        attachments: Vec::new(),
        readable: true,
    }
}

fn summary(window: SendWindow, unread: bool) -> DmSummary {
    let now = Utc::now();
    DmSummary {
        conversation: CachedConversation {
            id: ConversationId("c1".into()),
            person: Some(lena()),
            updated_time: Some(now),
            synced_time: Some(now),
            read_time: None,
            last_text: Some("250 g please".into()),
            last_time: Some(now),
            last_inbound_time: Some(now),
        },
        window,
        unread,
    }
}

/// An account, the DMs tab open and one conversation listed.
fn with_inbox(window: SendWindow) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = harness();
    harness.run();
    push(
        &mut harness,
        &side,
        Event::Accounts {
            accounts: vec![account()],
            active: Some(IgUserId::from(ACCOUNT_ID)),
        },
    );
    assert_eq!(harness.state().tab(), Tab::Dms);
    let commands = drain(&mut side);
    assert!(
        commands.iter().any(
            |c| matches!(c, Command::Dms(DmsCommand::Refresh(id)) if id.as_str() == ACCOUNT_ID)
        ),
        "opening the tab syncs the inbox: {commands:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Dms(DmsEvent::Conversations {
            account: IgUserId::from(ACCOUNT_ID),
            conversations: vec![summary(window, true)],
            from_cache: false,
        }),
    );
    (harness, side)
}

fn open_thread(harness: &mut Harness<'_, App>, side: &mut EngineSide, window: SendWindow) {
    harness.get_by_label("lena.loves.latte").click();
    harness.run();
    let commands = drain(side);
    assert!(
        commands.iter().any(|c| matches!(c, Command::Dms(DmsCommand::Open { conversation, .. }) if conversation.0 == "c1")),
        "{commands:?}"
    );
    let own = Participant {
        id: ACCOUNT_ID.into(),
        username: Some("northwind.coffee".into()),
    };
    let mut old = message("m0", "", lena(), 500);
    old.readable = false;
    old.text = None;
    let mut with_image = message("m2", "Here it is", own.clone(), 30);
    with_image.attachments = vec![DmAttachment::Share {
        url: "https://www.instagram.com/p/abc/".into(),
    }];
    push(
        harness,
        side,
        Event::Dms(DmsEvent::Thread {
            account: IgUserId::from(ACCOUNT_ID),
            conversation: ConversationId("c1".into()),
            messages: vec![
                old,
                message("m1", "Hi! Do you still have the Guji?", lena(), 60),
                with_image,
                message("m3", "250 g please", lena(), 1),
            ],
            window,
        }),
    );
}

#[test]
fn open_a_conversation_type_enter_and_the_bubble_appears() {
    let window = SendWindow::Standard {
        closes_at: Utc::now() + Duration::hours(20),
    };
    let (mut harness, mut side) = with_inbox(window.clone());
    harness.get_by_label("Unread");
    open_thread(&mut harness, &mut side, window);
    harness.get_by_label("Hi! Do you still have the Guji?");
    harness.get_by_label("Shared: https://www.instagram.com/p/abc/");
    assert!(
        harness
            .query_by_label_contains("1 older message is not shown")
            .is_some(),
        "unreadable messages are explained, not hidden"
    );
    assert!(
        harness.query_by_label("Unread").is_none(),
        "opening marks it read"
    );

    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("Ready at 2!");
    harness.run();
    // Shift+Enter is a new line, not a send.
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness.run();
    assert!(
        !drain(&mut side)
            .iter()
            .any(|c| matches!(c, Command::Dms(DmsCommand::Send { .. }))),
        "Shift+Enter does not send"
    );
    harness.get_by_label("Message").type_text("See you");
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    let sends: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Dms(DmsCommand::Send {
                text, human_agent, ..
            }) => Some((text, human_agent)),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![("Ready at 2!\nSee you".to_owned(), false)]);
    harness.get_by_label("Ready at 2!\nSee you");
    harness.get_by_label("Sending…");

    // The engine answers with the thread including the message: the bubble stays, not pending.
    let own = Participant {
        id: ACCOUNT_ID.into(),
        username: Some("northwind.coffee".into()),
    };
    push(
        &mut harness,
        &side,
        Event::Dms(DmsEvent::Thread {
            account: IgUserId::from(ACCOUNT_ID),
            conversation: ConversationId("c1".into()),
            messages: vec![
                message("m3", "250 g please", lena(), 1),
                message("m4", "Ready at 2!\nSee you", own, 0),
            ],
            window: SendWindow::Standard {
                closes_at: Utc::now() + Duration::hours(20),
            },
        }),
    );
    harness.get_by_label("Ready at 2!\nSee you");
    assert!(harness.query_by_label("Sending…").is_none());
}

#[test]
fn after_24_hours_the_human_agent_tag_is_offered_and_errors_are_shown() {
    let window = SendWindow::HumanAgent {
        closes_at: Utc::now() + Duration::days(4),
    };
    let (mut harness, mut side) = with_inbox(window.clone());
    open_thread(&mut harness, &mut side, window);
    harness.get_by_label("Human agent").click();
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness
        .get_by_label("Message")
        .type_text("We ship to Canada");
    harness.run();
    harness.get_by_label("Send").click();
    harness.run();
    let sends: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Dms(DmsCommand::Send { human_agent, .. }) => Some(human_agent),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![true]);
    push(
        &mut harness,
        &side,
        Event::Dms(DmsEvent::SendFailed {
            account: IgUserId::from(ACCOUNT_ID),
            conversation: ConversationId("c1".into()),
            text: "We ship to Canada".into(),
            message: "not sent: the 24-hour reply window is closed".into(),
        }),
    );
    assert!(
        harness
            .query_by_label_contains("Not sent: not sent: the 24-hour reply window is closed")
            .is_some()
    );
}

#[test]
fn after_7_days_the_composer_is_replaced_by_the_reason() {
    let window = SendWindow::Closed {
        last_inbound: Some(Utc::now() - Duration::days(9)),
    };
    let (mut harness, mut side) = with_inbox(window.clone());
    open_thread(&mut harness, &mut side, window);
    assert!(harness.query_by_label("Message").is_none());
    assert!(
        harness
            .query_by_label_contains("more than 7 days old")
            .is_some()
    );
}

#[test]
fn a_new_message_in_the_open_conversation_reloads_it() {
    let window = SendWindow::Standard {
        closes_at: Utc::now() + Duration::hours(20),
    };
    let (mut harness, mut side) = with_inbox(window.clone());
    open_thread(&mut harness, &mut side, window.clone());
    drain(&mut side);
    let mut newer = summary(window, true);
    newer.conversation.last_time = Some(Utc::now() + Duration::minutes(1));
    newer.conversation.last_text = Some("Are you there?".into());
    push(
        &mut harness,
        &side,
        Event::Dms(DmsEvent::Conversations {
            account: IgUserId::from(ACCOUNT_ID),
            conversations: vec![newer],
            from_cache: false,
        }),
    );
    harness.run();
    let commands = drain(&mut side);
    assert!(
        commands.iter().any(|c| matches!(c, Command::Dms(DmsCommand::Open { conversation, .. }) if conversation.0 == "c1")),
        "{commands:?}"
    );
}

#[test]
fn the_dms_tab_shows_how_many_conversations_wait_until_one_is_opened() {
    let (mut harness, mut side) = with_inbox(SendWindow::Standard {
        closes_at: Utc::now() + Duration::hours(20),
    });
    harness.run();
    harness.get_by_label("1 waiting in DMs");
    open_thread(
        &mut harness,
        &mut side,
        SendWindow::Standard {
            closes_at: Utc::now() + Duration::hours(20),
        },
    );
    harness.run();
    assert!(harness.query_by_label("1 waiting in DMs").is_none());
}
