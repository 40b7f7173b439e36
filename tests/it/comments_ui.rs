//! The Comments tab headless: the test plays the engine, pushes an inbox, filters to the
//! unanswered comments, replies with the keyboard and sees the reply appear.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use egui_kittest::kittest::Queryable;
use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::{Command, Event};
use socialdesk::graph::comments::Comment;
use socialdesk::ids::{CommentId, IgUserId, MediaId};
use socialdesk::store::{
    CommentRule, InboxComment, RuleAction, RuleKind, RuleLogEntry, SavedReply,
};

use crate::support::ui::comments_tab;
use crate::support::{ACCOUNT_ID as ACCOUNT, drain};

/// The engine's answer to the tab: the account's inbox (no media list, comments on).
fn inbox_event(comments: Vec<InboxComment>, from_cache: bool) -> Event {
    Event::Comments(CommentsEvent::Inbox {
        account: IgUserId::from(ACCOUNT),
        comments: Arc::new(comments),
        media: Arc::new(Vec::new()),
        comments_off: Vec::new(),
        from_cache,
    })
}

fn comment(id: &str, parent: Option<&str>, user: &str, text: &str, minute: u32) -> InboxComment {
    InboxComment {
        comment: Comment {
            id: CommentId::from(id),
            media_id: MediaId::from("m1"),
            parent_id: parent.map(CommentId::from),
            text: text.to_owned(),
            username: user.to_owned(),
            from_id: None,
            timestamp: Utc
                .with_ymd_and_hms(2026, 1, 1, 10, minute, 0)
                .single()
                .expect("time"),
            like_count: Some(1),
            hidden: false,
        },
        flagged: false,
    }
}

#[test]
fn filter_unanswered_press_r_type_ctrl_enter_and_the_reply_appears() {
    let (mut harness, mut side) = comments_tab(800.0);
    let opened = drain(&mut side).into_iter().any(
        |c| matches!(c, Command::Comments(CommentsCommand::Open(ref a)) if a.as_str() == ACCOUNT),
    );
    assert!(opened, "opening the tab asks for the inbox");

    // Newest first: an answered question, its reply, and an unanswered one.
    let inbox = vec![
        comment("r1", Some("c1"), "studio", "Yes, 8am!", 30),
        comment("c2", None, "ana", "Do you ship to Canada?", 20),
        comment("c1", None, "ben", "Open on Sunday?", 10),
    ];
    assert!(side.events.try_send(inbox_event(inbox, true)));
    harness.run_steps(6);
    harness.get_by_label("2 comments");
    // The tab says one comment waits for an answer.
    harness.get_by_label("1 waiting in Comments");

    harness.get_by_label("Unanswered").click();
    harness.run_steps(6);
    harness.get_by_label("1 comments");
    assert!(harness.get_all_by_label("Do you ship to Canada?").count() >= 1);

    harness.key_press(egui::Key::R);
    harness.run_steps(6);
    harness.get_by_label("Reply").type_text("We do!");
    harness.run_steps(6);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.run_steps(6);
    let sent: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::Reply { to, text, .. }) => Some((to, text)),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec![(CommentId::from("c2"), "We do!".to_owned())]);

    assert!(
        side.events
            .try_send(Event::Comments(CommentsEvent::Replied {
                account: IgUserId::from(ACCOUNT),
                reply: comment("r2", Some("c2"), "studio", "We do!", 40).comment,
            }))
    );
    harness.run_steps(6);
    // Answered now: it leaves the unanswered filter; with the filter off its thread shows
    // the reply.
    harness.get_by_label("0 comments");
    assert!(harness.query_by_label("1 waiting in Comments").is_none());
    harness.get_by_label("Unanswered").click();
    harness.run_steps(6);
    // The cursor stays on the first row, the answered question.
    harness.get_by_label("  reply @studio: We do!");
}

#[test]
fn a_comment_gets_one_private_reply_handed_to_the_dms_engine() {
    let (mut harness, mut side) = comments_tab(900.0);
    // A comment from an hour ago: inside the 7-day private-reply window.
    let mut recent = comment("c9", None, "ana", "Can you DM me the price list?", 0);
    recent.comment.timestamp = Utc::now() - chrono::Duration::hours(1);
    recent.comment.from_id = Some("igsid-ana".to_owned());
    assert!(side.events.try_send(inbox_event(vec![recent], true)));
    harness.run_steps(6);
    drain(&mut side);

    harness.get_by_label("Reply in DM").click();
    harness.run_steps(6);
    harness.get_by_label("Private reply").click();
    harness.run_steps(6);
    harness
        .get_by_label("Private reply")
        .type_text("Sent you our prices!");
    harness.run_steps(6);
    harness.get_by_label("Send in DM").click();
    harness.run_steps(6);
    let requests: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Dms(socialdesk::engine::dms::DmsCommand::PrivateReply { request, .. }) => {
                Some(request)
            }
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 1, "exactly one private reply is sent");
    assert_eq!(requests[0].comment, CommentId::from("c9"));
    assert_eq!(requests[0].commenter_id.as_deref(), Some("igsid-ana"));
    assert_eq!(requests[0].text, "Sent you our prices!");

    assert!(side.events.try_send(Event::Dms(
        socialdesk::engine::dms::DmsEvent::PrivateReplySent {
            account: IgUserId::from(ACCOUNT),
            comment: CommentId::from("c9"),
            conversation: None,
        }
    )));
    harness.run_steps(6);
    assert!(
        harness
            .query_all_by_label_contains("Private reply sent to @ana")
            .next()
            .is_some(),
        "the outcome is shown in place of the form"
    );
}

#[test]
fn a_keyword_rule_added_in_the_editor_is_sent_and_its_log_entry_can_be_undone() {
    let (mut harness, mut side) = comments_tab(900.0);
    harness.get_by_label("Rules & saved replies").click();
    harness.run_steps(6);
    drain(&mut side);

    harness
        .get_by_label("Rule name")
        .set_text_value_accesskit("spam");
    harness.run_steps(4);
    harness
        .get_by_label("Pattern")
        .set_text_value_accesskit("followers, promo");
    harness.run_steps(4);
    harness.get_by_label("Add rule").click();
    harness.run_steps(6);
    let rules: Vec<CommentRule> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::AddRule { account, rule }) => {
                assert_eq!(account.as_str(), ACCOUNT);
                Some(rule)
            }
            _ => None,
        })
        .collect();
    assert_eq!(rules.len(), 1, "one AddRule command");
    assert_eq!(rules[0].name, "spam");
    assert_eq!(rules[0].kind, RuleKind::Keyword);
    assert_eq!(rules[0].pattern, "followers, promo");
    assert_eq!(rules[0].action, RuleAction::Hide);

    // The engine answers with the stored rule and, after a sync, a log entry.
    let stored = CommentRule {
        id: 7,
        ..rules[0].clone()
    };
    assert!(side.events.try_send(Event::Comments(CommentsEvent::Rules {
        account: IgUserId::from(ACCOUNT),
        rules: vec![stored],
        log: vec![RuleLogEntry {
            id: 42,
            rule_name: "spam".to_owned(),
            comment_id: CommentId::from("c5"),
            excerpt: "Get 10k followers".to_owned(),
            action: RuleAction::Hide,
            at: Utc::now(),
            undone: false,
        }],
    })));
    harness.run_steps(6);
    harness.get_by_label("Get 10k followers");
    harness.get_by_label("Undo").click();
    harness.run_steps(6);
    let undone: Vec<i64> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::UndoRuleAction { log_id, .. }) => Some(log_id),
            _ => None,
        })
        .collect();
    assert_eq!(undone, vec![42]);

    harness.get_by_label("Delete rule").click();
    harness.run_steps(6);
    let deleted = drain(&mut side).into_iter().any(|c| {
        matches!(
            c,
            Command::Comments(CommentsCommand::DeleteRule { id: 7, .. })
        )
    });
    assert!(deleted, "Delete rule sends DeleteRule with the rule's id");
}

#[test]
fn an_invalid_regex_rule_is_explained_and_not_sent() {
    let (mut harness, mut side) = comments_tab(900.0);
    harness.get_by_label("Rules & saved replies").click();
    harness.run_steps(6);
    harness.get_by_label("Regex").click();
    harness.run_steps(6);
    harness
        .get_by_label("Pattern")
        .set_text_value_accesskit("(dm us");
    harness.run_steps(4);
    harness.get_by_label("Add rule").click();
    harness.run_steps(6);
    assert!(
        harness
            .query_all_by_label_contains("the regex `(dm us` is invalid")
            .next()
            .is_some(),
        "the problem is named next to the form"
    );
    let sent = drain(&mut side)
        .into_iter()
        .any(|c| matches!(c, Command::Comments(CommentsCommand::AddRule { .. })));
    assert!(!sent, "an invalid rule is never sent");

    // Saved replies: added with a {username} placeholder, then deleted.
    harness
        .get_by_label("Reply name")
        .set_text_value_accesskit("Thanks");
    harness.run_steps(4);
    harness
        .get_by_label("Reply text")
        .set_text_value_accesskit("Thank you @{username}!");
    harness.run_steps(4);
    harness.get_by_label("Add saved reply").click();
    harness.run_steps(6);
    let added: Vec<(String, String)> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::AddSavedReply { name, body }) => Some((name, body)),
            _ => None,
        })
        .collect();
    assert_eq!(
        added,
        vec![("Thanks".to_owned(), "Thank you @{username}!".to_owned())]
    );
    assert!(
        side.events
            .try_send(Event::Comments(CommentsEvent::SavedReplies(vec![
                SavedReply {
                    id: 3,
                    name: "Thanks".to_owned(),
                    body: "Thank you @{username}!".to_owned(),
                }
            ])))
    );
    harness.run_steps(6);
    harness.get_by_label("Delete reply").click();
    harness.run_steps(6);
    let deleted = drain(&mut side)
        .into_iter()
        .any(|c| matches!(c, Command::Comments(CommentsCommand::DeleteSavedReply(3))));
    assert!(deleted);
}

#[test]
fn like_counts_show_as_a_heart_in_the_list_and_the_detail_and_follow_a_sync() {
    let (mut harness, mut side) = comments_tab(800.0);
    let inbox = |likes: u64| {
        let mut liked = comment("c2", None, "ana", "Love this!", 20);
        liked.comment.like_count = Some(likes);
        let mut unknown = comment("c1", None, "ben", "Nice", 10);
        unknown.comment.like_count = None;
        inbox_event(vec![liked, unknown], false)
    };
    assert!(side.events.try_send(inbox(7)));
    harness.run_steps(6);
    harness.get_by_label("7");
    harness.get_by_label("–");
    // The detail of the selected (newest) comment spells the count out; j moves on.
    harness.get_by_label("7 likes");
    harness.key_press(egui::Key::J);
    harness.run_steps(6);
    assert!(harness.query_by_label("7 likes").is_none());
    harness.key_press(egui::Key::K);
    harness.run_steps(6);

    // A sync that read a new count replaces the shown one.
    assert!(side.events.try_send(inbox(8)));
    harness.run_steps(6);
    harness.get_by_label("8");
    assert!(harness.query_by_label("7").is_none());
    drain(&mut side);
}
