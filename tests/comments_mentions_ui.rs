//! The Comments tab's Mentions view headless: the test plays the engine, opens the view,
//! sees the load request, pushes tagged media and finds each listed with its poster and
//! caption; the permalink button asks the engine to open the post.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::{self, Command, EngineSide, Event};
use socialdesk::ids::{IgUserId, MediaId};
use socialdesk::model::{Account, AccountStatus, LoginKind, Media, MediaType};
use socialdesk::ui::App;

const ACCOUNT: &str = "17841400000000001";

fn account() -> Account {
    Account {
        id: IgUserId::from(ACCOUNT),
        username: "studio".to_owned(),
        name: None,
        account_type: Some("BUSINESS".to_owned()),
        profile_picture_url: None,
        followers_count: None,
        media_count: None,
        login: LoginKind::Instagram,
        page_id: None,
        status: AccountStatus::Connected,
        sandbox: true,
        token_issued_at: None,
        token_expires_at: None,
    }
}

fn tagged(id: &str, username: &str, caption: &str, hour: u32) -> Media {
    Media {
        id: MediaId::from(id),
        caption: Some(caption.to_owned()),
        media_type: MediaType::Image,
        media_product_type: None,
        media_url: None,
        thumbnail_url: None,
        permalink: Some(format!("https://www.instagram.com/p/{id}/")),
        shortcode: None,
        timestamp: Utc
            .with_ymd_and_hms(2026, 1, 1, hour, 0, 0)
            .single()
            .expect("time"),
        username: Some(username.to_owned()),
        like_count: Some(3),
        comments_count: Some(1),
        alt_text: None,
        children: Vec::new(),
    }
}

fn drain(side: &mut EngineSide) -> Vec<Command> {
    std::iter::from_fn(|| side.commands.try_recv().ok()).collect()
}

#[test]
fn mentions_view_asks_for_tagged_media_and_lists_what_is_pushed() {
    let (handle, mut side) = engine::channel();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    harness.run_steps(6);
    assert!(side.events.try_send(Event::Accounts {
        accounts: vec![account()],
        active: Some(IgUserId::from(ACCOUNT)),
    }));
    harness.run_steps(6);
    harness.get_by_label("Comments").click();
    harness.run_steps(6);
    drain(&mut side);

    harness.get_by_label("Mentions").click();
    harness.run_steps(6);
    let asked = drain(&mut side).into_iter().filter(|c| {
        matches!(c, Command::Comments(CommentsCommand::LoadMentions(a)) if a.as_str() == ACCOUNT)
    });
    assert_eq!(
        asked.count(),
        1,
        "opening the view loads the tagged media once"
    );

    assert!(
        side.events
            .try_send(Event::Comments(CommentsEvent::Mentions {
                account: IgUserId::from(ACCOUNT),
                media: Arc::new(vec![
                    tagged(
                        "t1",
                        "harbour.bakery",
                        "Best flat white, thanks @studio!",
                        12
                    ),
                    tagged("t2", "lena.loves.latte", "Market haul with @studio", 9),
                ]),
            }))
    );
    harness.run_steps(6);
    harness.get_by_label("2 post(s) tag this account");
    harness.get_by_label("@harbour.bakery");
    harness.get_by_label("@lena.loves.latte");
    harness.get_by_label("Best flat white, thanks @studio!");
    harness.get_by_label("Market haul with @studio");

    let buttons: Vec<_> = harness.get_all_by_label("Open on Instagram").collect();
    assert_eq!(buttons.len(), 2);
    buttons[1].click();
    harness.run_steps(4);
    let opened: Vec<String> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::OpenUrl(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(opened, vec!["https://www.instagram.com/p/t2/".to_owned()]);

    // A push for another account is ignored.
    assert!(
        side.events
            .try_send(Event::Comments(CommentsEvent::Mentions {
                account: IgUserId::from("999"),
                media: Arc::new(Vec::new()),
            }))
    );
    harness.run_steps(4);
    harness.get_by_label("2 post(s) tag this account");
}
