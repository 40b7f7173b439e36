//! The content calendar: the engine's range (published media from the feed cache, scheduled
//! drafts, drafts without a time) and moving drafts, against a sandbox-backed core; and the
//! Calendar tab driven by labels with the engine played by the test.

use std::sync::Arc;

use chrono::{Duration, DurationRound, Local, TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::calendar::{CalendarCommand, CalendarEvent};
use socialdesk::engine::{self, Command, Core, Event};
use socialdesk::ids::IgUserId;
use socialdesk::model::{Account, LoginKind};
use socialdesk::store::{DraftState, DraftSummary, PostKind};
use socialdesk::ui::calendar_month::Month;
use socialdesk::ui::{App, Tab, UiPrefs};

use crate::support::media::{item, post};

fn square_jpeg() -> Arc<Vec<u8>> {
    let image = image::RgbImage::from_pixel(400, 400, image::Rgb([200, 120, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    Arc::new(out.into_inner())
}

async fn save(
    core: &Core,
    account: &Account,
    caption: &str,
    at: Option<chrono::DateTime<Utc>>,
) -> i64 {
    let mut post = post(
        account,
        PostKind::Image,
        caption,
        vec![item("cup.jpg", square_jpeg())],
    );
    post.share_to_feed = false;
    post.scheduled_at = at;
    core.save_post(post, |_, _| {}).await.expect("saved")
}

#[tokio::test]
async fn the_range_holds_published_and_scheduled_posts_and_drafts_move() {
    let w = crate::support::world().await;
    let (core, account) = (&w.core, w.account().clone());
    core.fetch_feed_page(&account, None)
        .await
        .expect("feed page");
    let now = core.now();
    let soon = now + Duration::days(2);
    let scheduled = save(core, &account, "Pumpkin spice is back", Some(soon)).await;
    let loose = save(core, &account, "Idea for later", None).await;
    let far = save(core, &account, "Next year", Some(now + Duration::days(400))).await;

    let from = now - Duration::days(30);
    let to = now + Duration::days(12);
    let CalendarEvent::Range {
        published,
        scheduled: in_range,
        unscheduled,
        ..
    } = core.calendar_range(account.id.clone(), from, to).await
    else {
        panic!("a range");
    };
    assert!(
        !published.is_empty(),
        "the cached feed shows on the calendar"
    );
    assert!(
        published
            .iter()
            .all(|m| m.timestamp >= from && m.timestamp < to)
    );
    let ids: Vec<i64> = in_range.iter().map(|d| d.id).collect();
    assert_eq!(
        ids,
        vec![scheduled],
        "only drafts scheduled inside the range"
    );
    assert_eq!(
        unscheduled.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![loose]
    );
    assert_ne!(far, scheduled);

    // Move the scheduled post; drop the loose draft on a day.
    // Whole minutes, as the calendar sets them.
    let later = (now + Duration::days(5))
        .duration_trunc(Duration::minutes(1))
        .expect("minute");
    match core
        .move_draft(account.id.clone(), scheduled, Some(later))
        .await
    {
        CalendarEvent::Rescheduled { draft, at } => {
            assert_eq!((draft, at), (scheduled, Some(later)));
        }
        other => panic!("moved: {other:?}"),
    }
    match core
        .move_draft(account.id.clone(), loose, Some(later))
        .await
    {
        CalendarEvent::Rescheduled { .. } => {}
        other => panic!("scheduled: {other:?}"),
    }
    let drafts = core
        .with_store({
            let id = account.id.clone();
            move |s| s.drafts(&id)
        })
        .await
        .expect("drafts");
    let find = |id: i64| drafts.iter().find(|d| d.id == id).expect("draft").clone();
    assert_eq!(find(scheduled).scheduled_at, Some(later));
    assert_eq!(find(loose).state, DraftState::Scheduled);

    // The past is refused, and so is a post already being published.
    match core
        .move_draft(
            account.id.clone(),
            scheduled,
            Some(now - Duration::hours(1)),
        )
        .await
    {
        CalendarEvent::Failed { message } => assert!(message.contains("past"), "{message}"),
        other => panic!("refused: {other:?}"),
    }
    core.with_store(move |s| s.set_draft_state(far, DraftState::Publishing, None, now))
        .await
        .expect("claimed");
    match core.move_draft(account.id.clone(), far, Some(later)).await {
        CalendarEvent::Failed { message } => {
            assert!(message.contains("being published"), "{message}");
        }
        other => panic!("refused: {other:?}"),
    }
    // Another account's draft does not move either.
    match core
        .move_draft(IgUserId::from("17841499999999999"), loose, Some(later))
        .await
    {
        CalendarEvent::Failed { .. } => {}
        other => panic!("refused: {other:?}"),
    }

    // Unschedule puts it back among the drafts.
    match core.move_draft(account.id.clone(), loose, None).await {
        CalendarEvent::Rescheduled { at: None, .. } => {}
        other => panic!("unscheduled: {other:?}"),
    }
}

#[test]
fn a_scheduled_post_shows_on_its_day_and_moves_to_an_exact_time() {
    let account = crate::support::account("northwind.coffee", LoginKind::Instagram);
    let (handle, mut side) = engine::channel();
    let app = App::new(handle).with_prefs(UiPrefs {
        tab: Tab::Calendar,
        ..UiPrefs::default()
    });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    side.events.try_send(Event::Accounts {
        accounts: vec![account.clone()],
        active: Some(account.id.clone()),
    });
    harness.run_steps(4);

    let load = crate::support::drain(&mut side)
        .into_iter()
        .find_map(|c| match c {
            Command::Calendar(CalendarCommand::Load { account, from, to }) => {
                Some((account, from, to))
            }
            _ => None,
        })
        .expect("the tab asks for its month");
    assert_eq!(load.0, account.id);
    let month = Month::of(Local::now().date_naive());
    assert_eq!((load.1, load.2), month.grid_range(&Local));
    harness.get_by_label(&month.title());

    // A post on the 15th of this month at 10:30 local.
    let day = month.first_day() + Duration::days(14);
    let at = Local
        .from_local_datetime(&day.and_hms_opt(10, 30, 0).expect("time"))
        .earliest()
        .expect("local time")
        .with_timezone(&Utc);
    let draft = DraftSummary {
        id: 7,
        account: account.id.clone(),
        kind: PostKind::Carousel,
        caption: "Autumn menu launch".into(),
        state: DraftState::Scheduled,
        scheduled_at: Some(at),
        media_id: None,
        error: None,
        items: 3,
        updated_at: Utc::now(),
    };
    side.events.try_send(Event::Calendar(CalendarEvent::Range {
        account: account.id.clone(),
        from: load.1,
        to: load.2,
        published: Vec::new(),
        scheduled: vec![draft],
        unscheduled: Vec::new(),
    }));
    harness.run_steps(4);
    // On its day, with its local time.
    let chip = harness.get_by_label_contains("10:30 Autumn menu launch");
    chip.click();
    harness.run_steps(4);
    harness.get_by_label("Carousel · scheduled");

    // Type an exact new time and move it.
    let next_year = Local::now().date_naive() + Duration::days(365);
    let text = format!("{} 08:15", next_year.format("%Y-%m-%d"));
    let field = "New time (your local time)";
    harness.get_by_label(field).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(2);
    harness.get_by_label(field).type_text(&text);
    harness.run_steps(2);
    harness.get_by_label("Move").click();
    harness.run_steps(4);

    let moved = crate::support::drain(&mut side)
        .into_iter()
        .find_map(|c| match c {
            Command::Calendar(CalendarCommand::Reschedule { draft, at, .. }) => Some((draft, at)),
            _ => None,
        })
        .expect("the move is sent to the engine");
    assert_eq!(moved.0, 7);
    assert_eq!(
        moved
            .1
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        text
    );

    side.events.try_send(Event::Calendar(CalendarEvent::Failed {
        message: "that post is already being published".into(),
    }));
    harness.run_steps(3);
    harness.get_by_label("That post is already being published");
}
