//! The publish pipeline over real HTTP against the sandbox: each kind of post, tags after a
//! crop, bad inputs that never reach the network, and fault injection (answer lost after
//! media_publish committed, 5xx while polling, a crash mid-pipeline) → exactly one post.

use std::sync::Arc;

use socialdesk::engine::composer::{ItemSpec, PostSpec, PublishError};
use socialdesk::media::prepare::{CropPreset, CropRect};
use socialdesk::model::{Account, MediaType};
use socialdesk::sandbox::WriteFault;
use socialdesk::store::{PostKind, UserTag};

use crate::support::World;
use crate::support::media::{item, mp4, picture, post, vertical_video};
use crate::support::raw::get_json;
use crate::support::requests::{ClockPusher, form, param};
use crate::support::wait::{PATIENCE, wait_until};
use socialdesk::media::video::VideoCodec;

use crate::support::hosted_world as world;

/// Saves a post of the logged-in account as a draft (progress ignored): the draft id.
async fn save(
    w: &World,
    kind: PostKind,
    caption: &str,
    items: Vec<ItemSpec>,
) -> Result<i64, PublishError> {
    w.core
        .save_post(post(w.account(), kind, caption, items), |_, _| {})
        .await
}

/// Posts of the account with this caption, as the sandbox reports them.
async fn posts_with_caption(w: &World, caption: &str) -> usize {
    let session = w.core.session(w.account()).await.expect("session");
    let media = w
        .core
        .client()
        .media(&session)
        .list(&w.account().id)
        .limit(100)
        .send()
        .await
        .expect("media");
    media
        .items
        .iter()
        .filter(|m| m.caption.as_deref() == Some(caption))
        .count()
}

fn graph_requests(w: &World) -> usize {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| !r.path.starts_with("/cdn"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cropped_png_is_published_as_jpeg_with_tags_relative_to_the_crop() {
    let w = world().await;
    let bytes = picture(2000, 1000, image::ImageFormat::Png);
    let mut it = item("wide.png", bytes);
    // Square crop of a 2:1 picture keeps x 0.25–0.75 of the source.
    it.crop = CropRect::for_preset(CropPreset::Square, 2000, 1000);
    it.tags = vec![UserTag {
        username: "mira.makes".into(),
        x: 0.375,
        y: 0.2,
    }];
    it.alt_text = Some("Latte art".into());
    let caption = "Cropped square #coffee";
    let draft = save(&w, PostKind::Image, caption, vec![it])
        .await
        .expect("saved");
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published");
    assert_eq!(media.media_type, MediaType::Image);
    assert_eq!(media.caption.as_deref(), Some(caption));
    assert_eq!(posts_with_caption(&w, caption).await, 1);

    let requests = w.sandbox.control().requests();
    let create = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/media"))
        .expect("container created");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(create.body.as_bytes())
        .into_owned()
        .collect();
    let tags = &params
        .iter()
        .find(|(k, _)| k == "user_tags")
        .expect("user_tags sent")
        .1;
    let tags: serde_json::Value = serde_json::from_str(tags).expect("json");
    assert_eq!(tags[0]["username"], "mira.makes");
    assert_eq!(tags[0]["x"].as_f64(), Some(0.25), "x relative to the crop");
    assert_eq!(tags[0]["y"].as_f64(), Some(0.2));
    let image_url = &params
        .iter()
        .find(|(k, _)| k == "image_url")
        .expect("image_url")
        .1;
    let hosted = reqwest::get(image_url.as_str())
        .await
        .expect("hosted")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        hosted.starts_with(&[0xFF, 0xD8, 0xFF]),
        "the PNG went as JPEG"
    );
    let decoded = image::load_from_memory(&hosted).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (1000, 1000));

    // Publishing the same draft again returns the same post and creates nothing.
    let again = w.core.publish_draft(draft, &|_| {}).await.expect("again");
    assert_eq!(again.id, media.id);
    assert_eq!(posts_with_caption(&w, caption).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carousel_of_three_is_published_with_its_children() {
    let w = world().await;
    let items = (0..3)
        .map(|i| {
            item(
                &format!("{i}.jpg"),
                picture(1080, 1350, image::ImageFormat::Jpeg),
            )
        })
        .collect();
    let caption = "Three in a row";
    let draft = save(&w, PostKind::Carousel, caption, items)
        .await
        .expect("saved");
    let steps = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = steps.clone();
    let media = w
        .core
        .publish_draft(draft, &move |s| {
            if let Ok(mut v) = seen.lock() {
                v.push(s);
            }
        })
        .await
        .expect("published");
    assert_eq!(media.media_type, MediaType::CarouselAlbum);
    assert_eq!(media.children.len(), 3);
    assert_eq!(posts_with_caption(&w, caption).await, 1);
    let steps = steps.lock().expect("steps").clone();
    assert!(
        steps.iter().any(|s| matches!(
            s,
            socialdesk::engine::composer::PublishStep::Processing { .. }
        )),
        "the pipeline polled status_code: {steps:?}"
    );
    let cached = w
        .core
        .cached_feed(&w.account().id, 200)
        .await
        .expect("cache")
        .0;
    assert!(
        cached.iter().any(|m| m.id == media.id),
        "the new post is cached for the Feed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_fail_with_the_fix_and_no_network_call() {
    let w = world().await;
    let jpeg = picture(1080, 1080, image::ImageFormat::Jpeg);
    let cases: Vec<(PostSpec, &str)> = vec![
        (
            post(
                w.account(),
                PostKind::Image,
                "wide",
                vec![item(
                    "wide.jpg",
                    picture(1500, 500, image::ImageFormat::Jpeg),
                )],
            ),
            "crop it",
        ),
        (
            post(
                w.account(),
                PostKind::Carousel,
                "eleven",
                (0..11).map(|_| item("a.jpg", jpeg.clone())).collect(),
            ),
            "remove items down to 10",
        ),
        (
            {
                let mut it = item("a.jpg", jpeg.clone());
                it.tags = (0..21)
                    .map(|i| UserTag {
                        username: format!("u{i}"),
                        x: 0.5,
                        y: 0.5,
                    })
                    .collect();
                post(w.account(), PostKind::Image, "tags", vec![it])
            },
            "at most 20",
        ),
        (
            post(
                w.account(),
                PostKind::Image,
                &"x".repeat(2201),
                vec![item("a.jpg", jpeg.clone())],
            ),
            "shorten it by 1",
        ),
        (
            post(
                w.account(),
                PostKind::Story,
                "",
                vec![item("square.jpg", jpeg.clone())],
            ),
            "9:16",
        ),
    ];
    w.sandbox.control().clear_requests();
    for (spec, expected) in cases {
        let err = w
            .core
            .save_post(spec, |_, _| {})
            .await
            .expect_err("refused");
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
    assert_eq!(graph_requests(&w), 0, "nothing reached the network");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_after_media_publish_committed_never_posts_twice() {
    let w = world().await;
    let caption = "Lost answer";
    let draft = save(
        &w,
        PostKind::Image,
        caption,
        vec![item("a.jpg", picture(1080, 1080, image::ImageFormat::Jpeg))],
    )
    .await
    .expect("saved");
    let first = w.core.publish_draft(draft, &|_| {}).await.expect("first");
    // Make the journal look exactly like a timeout after Meta committed: media_publish was
    // journaled as sent, the post exists, but the answer (the media id) never arrived.
    let db = rusqlite::Connection::open(w.dirs.database()).expect("db");
    db.execute(
        "UPDATE drafts SET state = 'publishing', media_id = NULL WHERE id = ?1",
        [draft],
    )
    .expect("rewind");
    drop(db);
    w.sandbox.control().clear_requests();
    let second = w.core.publish_draft(draft, &|_| {}).await.expect("resumed");
    assert_eq!(
        second.id, first.id,
        "the same post was found, not a new one"
    );
    assert!(
        !w.sandbox
            .control()
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/media_publish")),
        "media_publish was not sent again"
    );
    assert_eq!(posts_with_caption(&w, caption).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_while_polling_do_not_stop_the_publish() {
    let w = world().await;
    let caption = "Through the storm";
    let draft = save(
        &w,
        PostKind::Image,
        caption,
        vec![item("a.jpg", picture(1080, 1350, image::ImageFormat::Jpeg))],
    )
    .await
    .expect("saved");
    let control = w.sandbox.control();
    let core = w.core.clone();
    let task = tokio::spawn(async move { core.publish_draft(draft, &|_| {}).await });
    let parent = wait_for_parent(&w, draft).await;
    control.set_fail_rate(1.0);
    control.clear_requests();
    // Every Graph call is refused now: wait until the status poll met a few refusals.
    wait_until("status polls refused by the sandbox", PATIENCE, || async {
        let polls = control
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with(&parent))
            .count();
        polls >= 2
    })
    .await;
    control.set_fail_rate(0.0);
    let media = task.await.expect("task").expect("published");
    assert_eq!(media.caption.as_deref(), Some(caption));
    assert_eq!(posts_with_caption(&w, caption).await, 1);
}

/// Container creation (a POST, which the Graph client never resends by itself) is tried
/// three times in all under the one retry policy: two transient refusals still publish once,
/// three end the attempt with Meta's error and no post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_creation_is_retried_within_the_policy_and_then_reported() {
    let w = world().await;
    let control = w.sandbox.control();
    let creations = || {
        control
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
            .count()
    };
    let caption = "Third time lucky";
    let draft = save(
        &w,
        PostKind::Image,
        caption,
        vec![item("a.jpg", picture(1080, 1350, image::ImageFormat::Jpeg))],
    )
    .await
    .expect("saved");
    control.clear_requests();
    control.fail_next_writes(2, WriteFault::Transient);
    w.publish(draft).await.expect("published on the third try");
    assert_eq!(creations(), 3, "two refused creations and one that worked");
    assert_eq!(posts_with_caption(&w, caption).await, 1);

    let caption = "Never lucky";
    let draft = save(
        &w,
        PostKind::Image,
        caption,
        vec![item("b.jpg", picture(1080, 1350, image::ImageFormat::Jpeg))],
    )
    .await
    .expect("saved");
    control.clear_requests();
    control.fail_next_writes(3, WriteFault::Transient);
    let err = w.publish(draft).await.expect_err("three refusals");
    assert!(
        matches!(&err, PublishError::Meta { step, .. } if step.contains("creating the container")),
        "{err}"
    );
    assert_eq!(creations(), 3, "no fourth attempt");
    assert_eq!(posts_with_caption(&w, caption).await, 0);
}

/// Waits until the draft's container to publish is journaled; returns its id.
async fn wait_for_parent(w: &World, draft: i64) -> String {
    let parent = std::sync::Mutex::new(None);
    wait_until("the container to be journaled", PATIENCE, || async {
        let d = w
            .core
            .with_store(move |s| s.draft(draft))
            .await
            .expect("read")
            .expect("draft");
        let found = d.parent_container_id.map(|c| c.as_str().to_owned());
        let journaled = found.is_some();
        *parent.lock().expect("parent") = found;
        journaled
    })
    .await;
    parent.into_inner().expect("parent").unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_pipeline_resumes_after_restart_with_exactly_one_post() {
    let w = world().await;
    let caption = "Crash and resume";
    let items = (0..2)
        .map(|i| {
            item(
                &format!("{i}.jpg"),
                picture(1080, 1080, image::ImageFormat::Jpeg),
            )
        })
        .collect();
    let draft = save(&w, PostKind::Carousel, caption, items)
        .await
        .expect("saved");
    let core = w.core.clone();
    let task = tokio::spawn(async move { core.publish_draft(draft, &|_| {}).await });
    wait_for_parent(&w, draft).await;
    task.abort();
    let _ = task.await;
    let before = w
        .core
        .with_store(move |s| s.draft(draft))
        .await
        .expect("read")
        .expect("draft");
    let containers: Vec<_> = before
        .items
        .iter()
        .map(|i| i.container_id.clone())
        .collect();

    // A new engine on the same data, as after a restart.
    let restarted = w.restart_core().await;
    let now = restarted.now();
    let due = restarted
        .with_store(move |s| s.drafts_to_run(now))
        .await
        .expect("due");
    assert_eq!(due, vec![draft], "the interrupted draft is found on start");
    w.sandbox.control().clear_requests();
    let media = restarted
        .publish_draft(draft, &|_| {})
        .await
        .expect("resumed");
    assert_eq!(media.media_type, MediaType::CarouselAlbum);
    let creates = w
        .sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .count();
    assert_eq!(creates, 0, "the journaled containers were reused");
    let after = restarted
        .with_store(move |s| s.draft(draft))
        .await
        .expect("read")
        .expect("draft");
    assert_eq!(
        after
            .items
            .iter()
            .map(|i| i.container_id.clone())
            .collect::<Vec<_>>(),
        containers
    );
    assert_eq!(posts_with_caption(&w, caption).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_account_publishes_a_nine_by_sixteen_story() {
    let w = world().await;
    // The demo business account may post stories: a 9:16 story goes through.
    let mut it = item("tall.jpg", picture(1080, 1920, image::ImageFormat::Jpeg));
    it.crop = CropRect::FULL;
    let draft = save(&w, PostKind::Story, "", vec![it])
        .await
        .expect("saved");
    let result = w.core.publish_draft(draft, &|_| {}).await;
    // Stories do not appear in /media, so the pipeline reads the story back by id.
    let media = result.expect("story published");
    assert!(!media.id.as_str().is_empty());
}

fn form_of(w: &World, path_end: &str) -> Vec<(String, String)> {
    let requests = w.sandbox.control().requests();
    let create = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with(path_end))
        .expect("request sent");
    form(create)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reel_with_a_cover_frame_is_published_through_the_sandbox() {
    let w = world().await;
    let video = mp4(8);
    let mut it = item("clip.mp4", Arc::new(video));
    it.thumb_offset_ms = Some(2500);
    let caption = "Behind the counter #reels";
    let draft = save(&w, PostKind::Reel, caption, vec![it])
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("reel published");
    assert!(!media.id.as_str().is_empty());
    assert_eq!(posts_with_caption(&w, caption).await, 1);
    let form = form_of(&w, "/media");
    assert_eq!(param(&form, "media_type"), Some("REELS"));
    assert_eq!(param(&form, "thumb_offset"), Some("2500"));
    assert_eq!(param(&form, "share_to_feed"), Some("true"));
    let video_url = param(&form, "video_url").expect("video_url");
    let hosted = reqwest::get(video_url)
        .await
        .expect("hosted")
        .bytes()
        .await
        .expect("bytes");
    let info = socialdesk::media::video::probe(&hosted).expect("the hosted file is the MP4");
    assert_eq!(info.duration.as_secs(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_too_short_or_wrong_codec_video_is_refused_before_any_network_call() {
    let w = world().await;
    let before = graph_requests(&w);

    let short = mp4(2);
    let err = save(
        &w,
        PostKind::Reel,
        "short",
        vec![item("s.mp4", Arc::new(short))],
    )
    .await
    .expect_err("too short");
    let msg = err.to_string();
    assert!(
        msg.contains("s.mp4") && msg.contains("at least 3 s"),
        "{msg}"
    );

    // A 61 s HEVC video is fine as a reel but too long for a story.
    let long = vertical_video(61, VideoCodec::Hevc, false);
    let err = save(
        &w,
        PostKind::Story,
        "",
        vec![item("long.mov", Arc::new(long))],
    )
    .await
    .expect_err("too long for a story");
    let msg = err.to_string();
    assert!(
        msg.contains("stories can be at most 60 s: trim it"),
        "{msg}"
    );

    // VP9 in an MP4: Instagram takes H.264 or HEVC only.
    let vp9 = vertical_video(6, VideoCodec::Vp9, true);
    let err = save(
        &w,
        PostKind::Reel,
        "vp9",
        vec![item("v.mp4", Arc::new(vp9))],
    )
    .await
    .expect_err("wrong codec");
    let msg = err.to_string();
    assert!(
        msg.contains("unsupported codec (VP9)") && msg.contains("re-encode it as H.264"),
        "{msg}"
    );

    // A cover after the end of the clip.
    let ok = mp4(4);
    let mut it = item("c.mp4", Arc::new(ok));
    it.thumb_offset_ms = Some(9000);
    let err = save(&w, PostKind::Reel, "c", vec![it])
        .await
        .expect_err("cover after end");
    assert!(err.to_string().contains("pick an earlier frame"), "{err}");

    // Not an MP4 container at all.
    let err = save(
        &w,
        PostKind::Reel,
        "x",
        vec![item(
            "x.mp4",
            Arc::new(b"\0\0\0\x10ftypqt  garbage!".to_vec()),
        )],
    )
    .await
    .expect_err("unreadable");
    assert!(err.to_string().contains("export it as MP4"), "{err}");

    assert_eq!(
        graph_requests(&w),
        before,
        "no network call for a bad video"
    );
}

/// The demo business account connected with Facebook Login (through its Page), with the
/// product tagging permission granted.
async fn facebook_account(w: &World) -> Account {
    w.connect_demo_business(
        socialdesk::model::LoginKind::Facebook,
        &["instagram_shopping_tag_products", "catalog_management"],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_are_searched_and_tagged_on_a_cropped_picture_with_facebook_login() {
    use socialdesk::engine::composer::ShopSetup;
    use socialdesk::store::ProductTag;

    let w = world().await;
    let fb = facebook_account(&w).await;
    let ShopSetup::Ready { catalogs } = w.core.shop_setup(&fb).await.expect("shop") else {
        panic!("the demo business account has a shop");
    };
    let catalog = &catalogs[0].catalog_id;
    let mugs = w
        .core
        .search_products(&fb, catalog, "mug")
        .await
        .expect("search");
    assert!(!mugs.is_empty() && mugs.iter().all(|p| p.product_name.contains("Mug")));
    let all = w
        .core
        .search_products(&fb, catalog, "")
        .await
        .expect("all products");
    let approved = all.iter().find(|p| p.is_approved()).expect("approved one");
    let greyed = all
        .iter()
        .find(|p| !p.is_approved())
        .expect("the demo catalog has an unapproved product");
    assert!(greyed.why_not_taggable().is_some());

    let mut it = item("wide.png", picture(2000, 1000, image::ImageFormat::Png));
    it.crop = CropRect::for_preset(CropPreset::Square, 2000, 1000);
    it.product_tags = vec![ProductTag {
        product_id: approved.product_id.clone(),
        x: Some(0.625),
        y: Some(0.5),
    }];
    let mut spec = post(w.account(), PostKind::Image, "Tagged #shop", vec![it]);
    spec.account = fb.id.clone();
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published with product tags");
    assert!(!media.id.as_str().is_empty());
    let form = form_of(&w, "/media");
    let tags: serde_json::Value =
        serde_json::from_str(param(&form, "product_tags").expect("product_tags sent"))
            .expect("json");
    assert_eq!(tags[0]["product_id"], approved.product_id.as_str());
    assert_eq!(tags[0]["x"].as_f64(), Some(0.75), "x relative to the crop");
    assert_eq!(tags[0]["y"].as_f64(), Some(0.5));

    // The sandbox kept them on the new media.
    let session = w.core.session(&fb).await.expect("session");
    let url = w
        .core
        .client()
        .versioned_url(
            socialdesk::model::LoginKind::Facebook,
            &format!("{}/product_tags", media.id),
        )
        .expect("url");
    let on_media = get_json(url, session.token()).await;
    assert_eq!(
        on_media["data"][0]["product_id"].to_string(),
        approved.product_id,
        "{on_media}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_tags_are_refused_for_instagram_login_and_over_the_limits_without_a_call() {
    use socialdesk::engine::composer::ShopSetup;
    use socialdesk::store::ProductTag;

    let w = world().await;
    let setup = w.core.shop_setup(w.account()).await.expect("answer");
    assert_eq!(setup, ShopSetup::InstagramLogin);
    assert!(
        setup
            .explain()
            .expect("explained")
            .contains("Facebook Login")
    );
    let before = graph_requests(&w);

    let tag = |id: usize| ProductTag {
        product_id: format!("{id}"),
        x: Some(0.5),
        y: Some(0.5),
    };
    let mut it = item("a.jpg", picture(1080, 1080, image::ImageFormat::Jpeg));
    it.product_tags = vec![tag(1)];
    let err = save(&w, PostKind::Image, "x", vec![it])
        .await
        .expect_err("Instagram Login");
    assert!(
        err.to_string()
            .contains("reconnect it with Facebook Login (through its Page)"),
        "{err}"
    );

    // 6 on one carousel slide (5 allowed).
    let mut first = item("a.jpg", picture(1080, 1080, image::ImageFormat::Jpeg));
    first.product_tags = (0..6).map(tag).collect();
    let second = item("b.jpg", picture(1080, 1080, image::ImageFormat::Jpeg));
    let err = save(&w, PostKind::Carousel, "x", vec![first, second])
        .await
        .expect_err("six on a slide");
    assert!(
        err.to_string()
            .contains("item 1 has 6 product tags; at most 5"),
        "{err}"
    );
    // A product tag on an image needs a place.
    let mut it = item("a.jpg", picture(1080, 1080, image::ImageFormat::Jpeg));
    it.product_tags = vec![ProductTag {
        product_id: "7".into(),
        x: None,
        y: None,
    }];
    let err = save(&w, PostKind::Image, "x", vec![it])
        .await
        .expect_err("no place");
    assert!(
        err.to_string().contains("click the image to place it"),
        "{err}"
    );
    assert_eq!(graph_requests(&w), before, "no network call");
}

/// A moto S3 server on a free port, stopped on drop. `None` when `moto_server` is not
/// installed (see TOOLCHAIN.md: `pip install "moto[server]"`).
struct Moto {
    child: std::process::Child,
    url: url::Url,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Set (by CI) to fail the S3 test when moto is missing instead of skipping it.
const REQUIRE_MOTO: &str = "SOCIALDESK_REQUIRE_MOTO";

/// A moto S3 server on a free port, or `None` when `moto_server` is not installed.
async fn moto() -> Option<Moto> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let moto = Moto {
        child,
        url: url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"),
    };
    // Installed but not answering within the deadline is a failure, not a skip.
    wait_until("moto_server to answer", PATIENCE, || async {
        reqwest::get(moto.url.clone()).await.is_ok()
    })
    .await;
    Some(moto)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_hosted_on_a_private_s3_bucket_through_presigned_urls() {
    use socialdesk::engine::composer::s3::S3Settings;

    let Some(moto) = moto().await else {
        assert!(
            std::env::var_os(REQUIRE_MOTO).is_none(),
            "moto_server not found but {REQUIRE_MOTO} is set: install it with pip install \"moto[server]\" and put it on PATH"
        );
        eprintln!(
            "SKIPPED: moto_server not found (pip install \"moto[server]\"; CI sets {REQUIRE_MOTO}=1 to fail instead)"
        );
        return;
    };
    // The bucket (moto takes an unsigned create).
    let created = reqwest::Client::new()
        .put(moto.url.join("posts").expect("url"))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());

    let w = world().await;
    let secret = "moto-secret-Kx9+zz/abc";
    w.core
        .configure_s3_hosting(
            S3Settings {
                endpoint: moto.url.clone(),
                bucket: "posts".into(),
                region: "us-east-1".into(),
                access_key_id: "AKIAMOTOTEST".into(),
                path_style: true,
            },
            secret,
        )
        .await
        .expect("configured");

    let caption = "Hosted on S3 #bucket";
    let draft = save(
        &w,
        PostKind::Image,
        caption,
        vec![item(
            "s3.jpg",
            picture(1080, 1080, image::ImageFormat::Jpeg),
        )],
    )
    .await
    .expect("saved");
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published from the bucket");
    assert_eq!(posts_with_caption(&w, caption).await, 1);

    let form = form_of(&w, "/media");
    let image_url = url::Url::parse(param(&form, "image_url").expect("image_url")).expect("url");
    assert_eq!(
        image_url.origin(),
        moto.url.origin(),
        "Meta fetches from the bucket"
    );
    assert!(image_url.path().starts_with("/posts/socialdesk/"));
    assert!(
        image_url.query_pairs().any(|(k, _)| k == "X-Amz-Signature"),
        "a presigned GET: {image_url}"
    );
    assert!(!image_url.as_str().contains(secret));
    let fetched = reqwest::get(image_url.clone())
        .await
        .expect("fetch")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        fetched.starts_with(&[0xFF, 0xD8, 0xFF]),
        "the JPEG is in the bucket"
    );

    // The secret is in the secret store only, never in SQLite.
    assert_eq!(
        w.secrets()
            .get(socialdesk::engine::composer::s3::S3_SECRET_KEY)
            .expect("secret store")
            .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
            .as_deref(),
        Some(secret)
    );
    w.core.retire();
    let db = std::fs::read(w.dirs.database()).expect("database file");
    let wal = std::fs::read(w.dirs.database().with_extension("sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes
                .windows(secret.len())
                .any(|win| win == secret.as_bytes()),
            "the secret access key must not be in SQLite"
        );
    }
    assert!(
        db.windows(12).any(|win| win == b"AKIAMOTOTEST")
            || wal.windows(12).any(|win| win == b"AKIAMOTOTEST"),
        "the access key id is a setting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reel_carries_product_tags_without_coordinates() {
    use socialdesk::engine::composer::ShopSetup;
    use socialdesk::store::ProductTag;

    let w = world().await;
    let fb = facebook_account(&w).await;
    let ShopSetup::Ready { catalogs } = w.core.shop_setup(&fb).await.expect("shop") else {
        panic!("the demo business account has a shop");
    };
    let products = w
        .core
        .search_products(&fb, &catalogs[0].catalog_id, "")
        .await
        .expect("search");
    let approved: Vec<_> = products
        .iter()
        .filter(|p| p.is_approved())
        .take(2)
        .collect();
    let video = mp4(6);
    let mut it = item("shop.mp4", Arc::new(video));
    it.product_tags = approved
        .iter()
        .map(|p| ProductTag {
            product_id: p.product_id.clone(),
            // Places given for a video are dropped: reels take none.
            x: Some(0.5),
            y: Some(0.5),
        })
        .collect();
    let mut spec = post(w.account(), PostKind::Reel, "Shop the reel", vec![it]);
    spec.account = fb.id.clone();
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("tagged reel published");
    let form = form_of(&w, "/media");
    let tags: serde_json::Value =
        serde_json::from_str(param(&form, "product_tags").expect("product_tags")).expect("json");
    assert_eq!(tags.as_array().map(Vec::len), Some(2));
    for tag in tags.as_array().expect("list") {
        assert!(tag.get("x").is_none() && tag.get("y").is_none(), "{tag}");
    }
}
