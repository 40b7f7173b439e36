//! A video in the Composer (the test plays the engine): its facts and the limit check show
//! as soon as it is added, before anything is saved, and the cover choice says what will be
//! sent.

use std::path::PathBuf;
use std::sync::Arc;

use crate::support::ui::{composer_tab, sent_post};
use crate::support::{DroppedPath, drain, push};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::composer::{ComposerCommand, ComposerEvent, MediaSource};
use socialdesk::engine::{self, Command, EngineSide, Event};
use socialdesk::media::video::{VideoCodec, probe, synthetic_mp4};
use socialdesk::model::LoginKind;
use socialdesk::ui::App;

fn info(seconds: u32) -> socialdesk::media::video::VideoInfo {
    let bytes = synthetic_mp4(1080, 1920, seconds, VideoCodec::H264, true).expect("mp4");
    probe(&bytes).expect("probe")
}

/// The Composer on Reel with `/videos/clip.mp4` dropped on it; the engine was asked to read
/// the video at once.
fn reel_with_a_video() -> (Harness<'static, App>, EngineSide) {
    let account = crate::support::account("demo.studio", LoginKind::Instagram);
    let (mut harness, mut side) = composer_tab(1600.0, account);
    harness.get_by_label("Reel").click();
    harness.run();
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(PathBuf::from("/videos/clip.mp4"))));
    harness.run();
    assert!(
        asked_to_load(&mut side, "clip.mp4"),
        "the engine is asked to read the video at once"
    );
    (harness, side)
}

/// Whether the UI asked the engine to load the file `name` since the last drain.
fn asked_to_load(side: &mut EngineSide, name: &str) -> bool {
    drain(side).into_iter().any(|c| {
        matches!(
            c,
            Command::Composer(ComposerCommand::LoadPreview(MediaSource::Path(ref p)))
                if p.ends_with(name)
        )
    })
}

#[test]
fn a_video_shows_its_facts_and_limits_before_saving_and_the_cover_sent() {
    let (mut harness, side) = reel_with_a_video();
    harness.get_by_label_contains("reading the video");

    // Too short for a reel: said before anything is saved.
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::VideoInfo {
            source: "clip.mp4".into(),
            info: info(2),
        }),
    );
    harness.get_by_label_contains("1080×1920 · H.264 + AAC");
    harness.get_by_label_contains("Not publishable as reels");

    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::VideoInfo {
            source: "clip.mp4".into(),
            info: info(12),
        }),
    );
    harness.get_by_label("Meets Instagram's limits for reels.");
    harness.get_by_label("Cover sent: Instagram's default (the first frame).");

    let field = "Cover frame at (ms):";
    harness.get_by_label(field).focus();
    harness.run();
    harness.get_by_label(field).type_text("2500");
    harness.run();
    harness.get_by_label("Cover sent: the frame at 2.5 s.");

    let url = "or cover image URL:";
    harness.get_by_label(url).focus();
    harness.run();
    harness
        .get_by_label(url)
        .type_text("https://cdn.example.com/cover.jpg");
    harness.run();
    harness.get_by_label("Cover sent: the image at the URL (the frame time is ignored).");
}

#[test]
fn a_reel_takes_a_cover_picture_from_disk_and_sends_it_with_the_post() {
    use socialdesk::ui::composer::picker::ScriptedPicker;
    use socialdesk::ui::composer::video::{PICK_COVER_BUTTON, REMOVE_COVER_BUTTON};

    let (mut harness, mut side) = reel_with_a_video();
    harness
        .state_mut()
        .composer_mut()
        .set_picker(Box::new(ScriptedPicker {
            answers: vec![vec![PathBuf::from("/pictures/cover.jpg")]],
            ..ScriptedPicker::default()
        }));
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::VideoInfo {
            source: "clip.mp4".into(),
            info: info(12),
        }),
    );
    drain(&mut side);

    harness.get_by_label(PICK_COVER_BUTTON).click();
    // A spinner turns until the thumbnail arrives: step instead of waiting to settle.
    harness.run_steps(3);
    assert!(
        asked_to_load(&mut side, "cover.jpg"),
        "the engine is asked for the cover's thumbnail"
    );
    harness.get_by_label("Cover picture: cover.jpg");
    harness.get_by_label(
        "Cover sent: cover.jpg, its centred 9:16 part, uploaded with the reel (the frame time is ignored).",
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Preview {
            source: "cover.jpg".into(),
            image: Arc::new(egui::ColorImage::filled([160, 90], egui::Color32::GREEN)),
            width: 1600,
            height: 900,
        }),
    );

    harness.get_by_label("Publish").click();
    harness.run();
    let (_, post) = sent_post(&mut side).expect("publish sent");
    let item = &post.items[0];
    assert!(
        matches!(&item.cover_image, Some(MediaSource::Path(p)) if p.ends_with("cover.jpg")),
        "{:?}",
        item.cover_image
    );
    assert_eq!(item.cover_url, None);

    harness.get_by_label(REMOVE_COVER_BUTTON).click();
    harness.run();
    harness.get_by_label("Cover sent: Instagram's default (the first frame).");
    harness.get_by_label(PICK_COVER_BUTTON);
}

/// The engine side: adding a video reads its container at once and answers with its facts.
#[tokio::test]
async fn the_engine_reads_a_video_when_it_is_added() {
    let w = crate::support::world_without_login().await;
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(w.config(), side));
    let bytes = synthetic_mp4(1080, 1920, 9, VideoCodec::Hevc, false).expect("mp4");
    assert!(handle.send(Command::Composer(ComposerCommand::LoadPreview(
        MediaSource::Bytes {
            name: "story.mov".into(),
            bytes: Arc::new(bytes),
        }
    ))));
    let start = std::time::Instant::now();
    let info = loop {
        match handle.try_recv() {
            Some(Event::Composer(ComposerEvent::VideoInfo { source, info })) => {
                assert_eq!(source, "story.mov");
                break info;
            }
            Some(Event::Composer(ComposerEvent::PreviewFailed { message, .. })) => {
                panic!("the video was not read: {message}")
            }
            Some(_) => {}
            None if start.elapsed() > std::time::Duration::from_secs(20) => {
                panic!("no answer about the video")
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    };
    assert_eq!((info.width, info.height), (1080, 1920));
    assert_eq!(info.codec, VideoCodec::Hevc);
    assert_eq!(info.audio, None);
    assert_eq!(info.duration.as_secs(), 9);
}
