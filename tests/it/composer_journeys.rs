//! The Composer as a person uses it, with the real engine over a real sandbox: drop files,
//! click, click the same button again, save, reopen, pan a crop. Every journey ends by
//! counting what reached the (emulated) Instagram through its API.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::engine;
use socialdesk::ui::App;
use socialdesk::ui::composer::HASHTAG_SETS_LABEL;
use socialdesk::ui::composer::editor::EDITOR_LABEL;

use crate::support::raw::get_json;
use crate::support::ui::{queue_click_at, type_into};
use crate::support::{DroppedPath, World, basic_token, hosted_world};

/// The app on a real engine whose account is logged in to a fresh sandbox with hosting.
struct Journey {
    runtime: tokio::runtime::Runtime,
    world: World,
    harness: Harness<'static, App>,
    photos: tempfile::TempDir,
    engine_thread: std::thread::JoinHandle<()>,
}

impl Journey {
    fn start() -> Journey {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let world = runtime.block_on(hosted_world());
        let (harness, engine) = open_app(&world);
        Journey {
            runtime,
            world,
            harness,
            photos: tempfile::tempdir().expect("temp dir"),
            engine_thread: engine,
        }
    }

    /// A new app and engine on the same data, as after a crash: the old window is gone
    /// without any goodbye (no quit, no tab switch).
    fn restart(&mut self) {
        let (harness, engine) = open_app(&self.world);
        self.harness = harness;
        self.engine_thread = engine;
    }

    /// Writes a `w`×`h` JPEG whose left half is `left` and right half `right`, and drops it.
    fn drop_picture(&mut self, name: &str, (w, h): (u32, u32), left: [u8; 3], right: [u8; 3]) {
        let path = self.photos.path().join(name);
        write_halves(&path, w, h, left, right);
        self.harness
            .input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(path)));
        self.harness.step();
    }

    /// Waits until every dropped picture has its preview (the editor shows the selected one).
    fn wait_for_editor(&mut self) {
        step_until(&mut self.harness, |h| {
            h.query_by_label(EDITOR_LABEL).is_some()
        });
    }

    /// Clicks, then lets a frame pass so what the click changed is drawn.
    fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.harness.step();
        self.harness.step();
    }

    /// Clicks Save draft and waits for this save to end (the line from an earlier save
    /// reads the same, so the wait is for the job to finish, not for the words).
    fn save_draft(&mut self) {
        self.click("Save draft");
        step_until(&mut self.harness, |h| {
            !h.get_by_label("Save draft").accesskit_node().is_disabled()
                && h.query_all_by_label_contains("Saved as draft")
                    .next()
                    .is_some()
        });
    }

    fn is_enabled(&self, label: &str) -> bool {
        !self
            .harness
            .get_by_label(label)
            .accesskit_node()
            .is_disabled()
    }

    fn wait_for_text(&mut self, text: &str) {
        let text = text.to_owned();
        step_until(&mut self.harness, move |h| {
            h.query_all_by_label_contains(&text).next().is_some()
        });
    }

    /// The account's posts with `caption`, read through the Graph API.
    fn posts_with_caption(&self, caption: &str) -> Vec<serde_json::Value> {
        let token = basic_token(&self.world.sandbox);
        let url = format!(
            "{}v24.0/me/media?fields=caption,media_url,media_type&limit=100",
            self.world.sandbox.url()
        );
        let page = self.runtime.block_on(get_json(url, &token));
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter(|m| m["caption"].as_str() == Some(caption))
            .cloned()
            .collect()
    }
}

impl Journey {
    /// Closes the window as the user does (eframe calls `on_exit`, then drops the app),
    /// waits for the engine to stop as `gui::run` does, and opens the app again.
    fn quit_and_reopen(&mut self) {
        eframe::App::on_exit(self.harness.state_mut(), None);
        let (idle, _side) = engine::channel();
        let closed = std::mem::replace(
            &mut self.harness,
            Harness::builder().build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(idle)),
        );
        drop(closed);
        let engine = std::mem::replace(&mut self.engine_thread, std::thread::spawn(|| {}));
        assert!(
            engine::run::wait_for_shutdown(engine),
            "the engine did not stop after the window closed"
        );
        self.restart();
    }

    /// The account's drafts (any state), newest first, from the engine's store.
    fn drafts(&self) -> Vec<socialdesk::store::DraftSummary> {
        let account = self.world.account().id.clone();
        self.runtime
            .block_on(self.world.core.with_store(move |s| s.drafts(&account)))
            .expect("drafts")
    }

    /// Presses and releases the pointer at `pos` (a click, no movement).
    fn click_at(&mut self, pos: egui::Pos2) {
        queue_click_at(&mut self.harness, pos);
        self.harness.step();
        self.harness.step();
    }

    /// Drags the picture in the editor from its centre by `fraction` of its width, in ten
    /// moves as a hand does (the frame moves the other way over the original).
    fn drag_picture(&mut self, fraction: f32) {
        let rect = self.harness.get_by_label(EDITOR_LABEL).rect();
        let from = rect.center();
        let input = self.harness.input_mut();
        input.events.push(egui::Event::PointerMoved(from));
        input.events.push(egui::Event::PointerButton {
            pos: from,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        });
        self.harness.step();
        for step in 1..=10 {
            let to = from + egui::vec2(rect.width() * fraction / 10.0 * step as f32, 0.0);
            self.harness
                .input_mut()
                .events
                .push(egui::Event::PointerMoved(to));
            self.harness.step();
        }
        let end = from + egui::vec2(rect.width() * fraction, 0.0);
        self.harness
            .input_mut()
            .events
            .push(egui::Event::PointerButton {
                pos: end,
                button: egui::PointerButton::Primary,
                pressed: false,
                modifiers: egui::Modifiers::NONE,
            });
        self.harness.step();
    }

    /// The `user_tags` of every container Meta was asked to create, as sent.
    fn user_tags_sent(&self) -> Vec<serde_json::Value> {
        self.world
            .sandbox
            .control()
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
            .filter_map(|r| {
                url::form_urlencoded::parse(format!("{}&{}", r.query, r.body).as_bytes())
                    .find(|(k, _)| k == "user_tags")
                    .and_then(|(_, v)| serde_json::from_str(&v).ok())
            })
            .collect()
    }
}

/// The app on a fresh engine over `world`'s data, on the Composer tab.
fn open_app(world: &World) -> (Harness<'static, App>, std::thread::JoinHandle<()>) {
    let (handle, engine) = engine::spawn(world.config()).expect("engine");
    // A real engine keeps sending events (previews, progress) while the test types: a
    // frame may need many passes to settle on a loaded machine.
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    let username = world.account().username.clone();
    step_until(&mut harness, |h| {
        h.query_all_by_label_contains(&username).next().is_some()
    });
    harness.get_by_label("Composer").click();
    harness.step();
    (harness, engine)
}

/// Steps the UI (the engine works in the background) until `done`, or fails after 120 s
/// (the whole suite shares two cores).
fn step_until(harness: &mut Harness<'_, App>, mut done: impl FnMut(&Harness<'_, App>) -> bool) {
    let start = Instant::now();
    while !done(harness) {
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "the UI did not get there in time"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write_halves(path: &Path, w: u32, h: u32, left: [u8; 3], right: [u8; 3]) {
    let image = image::RgbImage::from_fn(w, h, |x, _| {
        image::Rgb(if x < w / 2 { left } else { right })
    });
    image.save(path).expect("jpeg");
}

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];
const GREEN: [u8; 3] = [30, 200, 60];

#[test]
fn publishing_then_clicking_publish_again_posts_once() {
    let mut j = Journey::start();
    j.drop_picture("one.jpg", (1080, 1080), RED, BLUE);
    j.drop_picture("two.jpg", (1080, 1080), GREEN, RED);
    j.wait_for_editor();
    type_into(&mut j.harness, "Caption", "Two pictures, one post");
    j.click("Publish");
    j.wait_for_text("Published — media");
    // The form is cleared: the same button cannot post again, however often it is clicked.
    assert!(!j.is_enabled("Publish"), "nothing left to publish");
    j.click("Publish");
    j.click("Publish");
    j.harness.run_steps(10);
    let posts = j.posts_with_caption("Two pictures, one post");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["media_type"], "CAROUSEL_ALBUM");
    // "New post" starts a blank form.
    j.click("New post");
    assert!(j.harness.query_by_label("View in Feed").is_none());
}

#[test]
fn cancelling_a_slow_publish_frees_the_composer_and_publishing_again_posts_once() {
    let mut j = Journey::start();
    j.world.sandbox.control().set_latency_ms(3000);
    j.drop_picture("slow.jpg", (1080, 1080), RED, BLUE);
    j.wait_for_editor();
    type_into(&mut j.harness, "Caption", "Cancelled once, then sent");
    j.click("Publish");
    // The draft is saved before any network step; the publish is under way.
    step_until(&mut j.harness, |h| {
        h.query_by_label("Cancel").is_some()
            && h.query_all_by_label_contains("publishing").next().is_some()
    });
    assert!(!j.is_enabled("Publish"), "one job at a time");
    j.click("Cancel");
    // On a loaded machine the whole publish may finish before the cancel is read: then it
    // ends as published (once), the form clears, and there is nothing left to cancel.
    step_until(&mut j.harness, |h| {
        h.query_all_by_label_contains("Cancelled.").next().is_some()
            || h.query_all_by_label_contains("Published — media")
                .next()
                .is_some()
    });
    if j.harness
        .query_all_by_label_contains("Published — media")
        .next()
        .is_some()
    {
        j.harness.run_steps(5);
        let posts = j.posts_with_caption("Cancelled once, then sent");
        assert_eq!(posts.len(), 1, "{posts:?}");
        return;
    }
    // Nothing stays locked, and the words are still there.
    assert!(j.is_enabled("Publish") && j.is_enabled("Save draft"));
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("Cancelled once, then sent")
    );
    j.world.sandbox.control().set_latency_ms(0);
    j.click("Publish");
    // On a loaded machine the cancel may land after Meta already published: then the
    // Composer asks before posting the same thing again, and the user keeps editing.
    step_until(&mut j.harness, |h| {
        h.query_all_by_label_contains("Published — media")
            .next()
            .is_some()
            || h.query_by_label("Keep editing").is_some()
    });
    if j.harness.query_by_label("Keep editing").is_some() {
        j.click("Keep editing");
    }
    j.harness.run_steps(5);
    let posts = j.posts_with_caption("Cancelled once, then sent");
    assert_eq!(posts.len(), 1, "{posts:?}");
}

#[test]
fn save_draft_frees_the_composer_and_the_draft_reopens_with_everything() {
    let mut j = Journey::start();
    j.drop_picture("tall.jpg", (1000, 1500), RED, BLUE);
    j.wait_for_editor();
    j.click("4:5");
    // Tag someone where the picture is clicked.
    let rect = j.harness.get_by_label(EDITOR_LABEL).rect();
    let at = rect.min + egui::vec2(rect.width() * 0.3, rect.height() * 0.4);
    j.click_at(at);
    type_into(&mut j.harness, "Tag 1: @", "mira.makes");
    type_into(&mut j.harness, "Alt text:", "A red and blue card");
    type_into(&mut j.harness, "Caption", "First words");
    j.save_draft();
    // Nothing stays locked: the form is editable and every button works.
    assert!(j.is_enabled("Publish") && j.is_enabled("Save draft"));
    type_into(&mut j.harness, "Caption", ", then more");
    j.save_draft();
    let drafts = j.drafts();
    assert_eq!(
        drafts.len(),
        1,
        "the second save replaced the draft: {drafts:?}"
    );
    let id = drafts[0].id;
    assert_eq!(drafts[0].caption, "First words, then more");

    // Start over, then reopen the draft from the list.
    j.click("New post");
    assert!(!j.is_enabled("Publish"), "a blank form");
    j.click(&format!("Edit draft {id}"));
    j.wait_for_text(&format!("Editing draft {id}"));
    j.wait_for_editor();
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("First words, then more")
    );
    assert_eq!(
        j.harness.get_by_label("Tag 1: @").value().as_deref(),
        Some("mira.makes")
    );
    assert_eq!(
        j.harness.get_by_label("Alt text:").value().as_deref(),
        Some("A red and blue card")
    );
    assert!(
        j.harness.get_by_label("4:5").accesskit_node().toggled()
            == Some(egui::accesskit::Toggled::True),
        "the crop's shape is restored"
    );

    // Publishing publishes the latest edit, once.
    type_into(&mut j.harness, "Caption", "!");
    j.click("Publish");
    j.wait_for_text("Published — media");
    assert_eq!(j.posts_with_caption("First words, then more!").len(), 1);
    assert_eq!(j.drafts().len(), 1, "the same draft went out");
}

#[test]
fn a_carousel_cropped_to_four_by_five_then_free_publishes() {
    let mut j = Journey::start();
    j.drop_picture("a.jpg", (1600, 1000), RED, BLUE);
    j.drop_picture("b.jpg", (1080, 1080), GREEN, RED);
    j.drop_picture("c.jpg", (1000, 1500), BLUE, GREEN);
    j.wait_for_editor();
    j.click("1. a.jpg");
    j.click("4:5");
    j.click("Free");
    type_into(&mut j.harness, "Caption", "Three shapes");
    assert!(j.is_enabled("Publish"), "no ratio or size error");
    j.click("Publish");
    j.wait_for_text("Published — media");
    assert_eq!(j.posts_with_caption("Three shapes").len(), 1);
}

#[test]
fn panning_the_crop_publishes_the_chosen_part() {
    let mut j = Journey::start();
    // Left half red, right half blue; a square crop is centred on the seam.
    j.drop_picture("seam.jpg", (2000, 1000), RED, BLUE);
    j.wait_for_editor();
    j.click("1:1");
    // Drag the picture to the right: the frame moves over the red half.
    j.drag_picture(0.6);
    assert!(
        j.harness.query_by_label("Tag 1: @").is_none(),
        "a drag is not a click: no tag was placed"
    );
    type_into(&mut j.harness, "Caption", "Only the red");
    j.click("Publish");
    j.wait_for_text("Published — media");
    let posts = j.posts_with_caption("Only the red");
    assert_eq!(posts.len(), 1);
    let url = posts[0]["media_url"]
        .as_str()
        .expect("media_url")
        .to_owned();
    let bytes = j.runtime.block_on(async {
        reqwest::get(url)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("bytes")
    });
    let published = image::load_from_memory(&bytes)
        .expect("a picture")
        .to_rgb8();
    let (w, h) = published.dimensions();
    assert!((i64::from(w) - i64::from(h)).abs() <= 2, "square: {w}x{h}");
    for x in [w / 10, w / 2, w * 9 / 10] {
        let p = published.get_pixel(x, h / 2).0;
        assert!(
            p[0] > 150 && p[2] < 100,
            "pixel at x={x} of {w} is {p:?}, not the red half"
        );
    }
}

#[test]
fn what_was_typed_just_before_quitting_is_back_next_time() {
    let mut j = Journey::start();
    j.drop_picture("quit.jpg", (1080, 1080), RED, BLUE);
    j.wait_for_editor();
    // Typed and closed within the same second: the periodic keep has not run yet.
    type_into(
        &mut j.harness,
        "Caption",
        "Typed, then closed the window at once",
    );
    j.quit_and_reopen();
    j.wait_for_text("Your unsaved post is back");
    j.wait_for_editor();
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("Typed, then closed the window at once")
    );
    j.harness.get_by_label("1. quit.jpg");
}

#[test]
fn unsaved_work_survives_a_crash() {
    let mut j = Journey::start();
    j.drop_picture("kept.jpg", (1080, 1350), RED, BLUE);
    j.wait_for_editor();
    type_into(&mut j.harness, "Caption", "Typed just before the crash");
    type_into(&mut j.harness, "Alt text:", "Two colours");
    // A little over a second of the app running: the form is kept meanwhile.
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        j.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    j.restart();
    j.wait_for_text("Your unsaved post is back");
    j.wait_for_editor();
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("Typed just before the crash")
    );
    assert_eq!(
        j.harness.get_by_label("Alt text:").value().as_deref(),
        Some("Two colours")
    );
    j.harness.get_by_label("1. kept.jpg");
    // Publishing it ends it: the next start is blank.
    j.click("Publish");
    j.wait_for_text("Published — media");
    j.harness.run_steps(5);
    j.restart();
    j.harness.run_steps(20);
    assert!(
        j.harness
            .query_by_label_contains("Your unsaved post is back")
            .is_none()
    );
    assert!(j.harness.query_by_label("1. kept.jpg").is_none());
}

#[test]
fn a_tag_stays_on_the_person_when_the_crop_moves() {
    let mut j = Journey::start();
    // 2000x1000, a square crop centred: the editor shows source x 500..1500.
    j.drop_picture("person.jpg", (2000, 1000), RED, BLUE);
    j.wait_for_editor();
    j.click("1:1");
    // Tag the person at 30 % across, 40 % down the frame: source (800, 400).
    let rect = j.harness.get_by_label(EDITOR_LABEL).rect();
    j.click_at(rect.min + egui::vec2(rect.width() * 0.3, rect.height() * 0.4));
    type_into(&mut j.harness, "Tag 1: @", "mira.makes");
    // Move the frame to the left edge (source x 0..1000): the person is now 80 % across.
    j.drag_picture(0.6);
    type_into(&mut j.harness, "Caption", "Tag follows the person");
    j.click("Publish");
    j.wait_for_text("Published — media");
    assert_eq!(j.posts_with_caption("Tag follows the person").len(), 1);
    let sent = j.user_tags_sent();
    assert_eq!(sent.len(), 1, "one container with tags: {sent:?}");
    let tag = &sent[0][0];
    assert_eq!(tag["username"], "mira.makes");
    let (x, y) = (tag["x"].as_f64().expect("x"), tag["y"].as_f64().expect("y"));
    assert!(
        (x - 0.8).abs() < 0.03 && (y - 0.4).abs() < 0.03,
        "the tag moved with the frame instead of staying on the person: ({x}, {y})"
    );
}

#[test]
fn a_saved_hashtag_set_goes_into_the_caption_from_the_composer() {
    let mut j = Journey::start();
    // A set saved in Research (here through the engine), then the app opened again.
    j.runtime
        .block_on(j.world.core.save_hashtag_set("Cafe", "#coffee latteart"))
        .expect("save the set");
    j.restart();
    step_until(&mut j.harness, |h| {
        h.query_by_label(HASHTAG_SETS_LABEL).is_some()
    });
    type_into(&mut j.harness, "Caption", "Morning light");
    j.click(HASHTAG_SETS_LABEL);
    j.click("Cafe");
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("Morning light\n\n#coffee #latteart")
    );
    // Picking it again does not add it twice.
    j.click(HASHTAG_SETS_LABEL);
    j.click("Cafe");
    assert_eq!(
        j.harness.get_by_label("Caption").value().as_deref(),
        Some("Morning light\n\n#coffee #latteart")
    );
}
