//! A reel's cover picture from disk, over real HTTP against the sandbox: it is prepared as
//! the centred 9:16 part of the picture, hosted, sent as `cover_url`, fetched by the sandbox
//! as Meta does and shown as the published reel's thumbnail; a retry reuses the hosted cover;
//! a Facebook Login reel sends its video through rupload and its cover through hosting; the
//! sandbox fails a container whose cover is not a JPEG; bad covers are refused before any
//! network call.

use std::sync::Arc;
use std::time::Duration;

use image::{Rgb, RgbImage};
use socialdesk::engine::composer::{
    ItemSpec, MediaSource, PostError, PostSpec, SANDBOX_HOSTING_KEY,
};
use socialdesk::model::{Account, LoginKind};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox};
use socialdesk::store::{DraftPlace, PostKind};

use crate::support::World;

/// The demo business logged in, with the sandbox's upload endpoint as file hosting.
async fn world() -> World {
    let w = crate::support::world().await;
    let url = w.sandbox.url().to_string();
    w.core
        .with_store(move |s| s.set_setting(SANDBOX_HOSTING_KEY, &url))
        .await
        .expect("hosting");
    w
}

fn mp4(seconds: u32) -> Arc<Vec<u8>> {
    let bytes = socialdesk::media::video::synthetic_mp4(
        1080,
        1920,
        seconds,
        socialdesk::media::video::VideoCodec::H264,
        true,
    )
    .expect("mp4");
    Arc::new(bytes)
}

/// A landscape picture: red on the left third, green in the middle, blue on the right.
fn landscape_jpeg() -> Arc<Vec<u8>> {
    let img = RgbImage::from_fn(1920, 1080, |x, _| match x * 3 / 1920 {
        0 => Rgb([220, 20, 20]),
        1 => Rgb([20, 200, 20]),
        _ => Rgb([20, 20, 220]),
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    Arc::new(out.into_inner())
}

fn bytes(name: &str, bytes: Arc<Vec<u8>>) -> MediaSource {
    MediaSource::Bytes {
        name: name.into(),
        bytes,
    }
}

fn reel_with_cover(account: &Account, caption: &str) -> PostSpec {
    let mut video = ItemSpec::new(bytes("clip.mp4", mp4(6)));
    video.cover_image = Some(bytes("cover.jpg", landscape_jpeg()));
    PostSpec {
        account: account.id.clone(),
        kind: PostKind::Reel,
        caption: caption.into(),
        share_to_feed: true,
        scheduled_at: None,
        items: vec![video],
        place: DraftPlace::default(),
    }
}

/// Advances the sandbox clock while a publish polls, so processing finishes quickly.
struct ClockPusher(tokio::task::JoinHandle<()>);

impl ClockPusher {
    fn start(sandbox: &Sandbox) -> Self {
        let control = sandbox.control();
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                control.advance_clock(Duration::from_secs(5));
            }
        }))
    }
}

impl Drop for ClockPusher {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The `cover_url` of every container created, in order.
fn cover_urls_sent(w: &World) -> Vec<Option<String>> {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .map(|r| {
            url::form_urlencoded::parse(r.body.as_bytes())
                .find(|(k, _)| k == "cover_url")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

async fn get_jpeg(url: &str) -> image::RgbImage {
    let body = reqwest::get(url)
        .await
        .expect("reachable")
        .bytes()
        .await
        .expect("bytes");
    image::load_from_memory_with_format(&body, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .to_rgb8()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cover_picture_is_hosted_sent_as_cover_url_and_becomes_the_reels_thumbnail() {
    let w = world().await;
    let caption = "New blend, new cover #reels";
    let draft = w
        .core
        .save_post(reel_with_cover(w.account(), caption), |_, _| {})
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("reel published");

    let sent = cover_urls_sent(&w);
    assert_eq!(sent.len(), 1, "one container");
    let cover_url = sent[0].clone().expect("cover_url sent");
    // The hosted cover is the centred 9:16 part: the middle (green) third of the picture.
    let hosted = get_jpeg(&cover_url).await;
    assert_eq!(hosted.height(), 1080);
    assert!((607..=608).contains(&hosted.width()), "{}", hosted.width());
    let middle = hosted.get_pixel(hosted.width() / 2, 540);
    assert!(
        middle[1] > 150 && middle[0] < 80,
        "green middle: {middle:?}"
    );
    // The sandbox fetched it and shows it as the reel's picture.
    let thumb_url = media.thumbnail_url.clone().expect("a reel has a thumbnail");
    let thumb = get_jpeg(&thumb_url).await;
    let ratio = thumb.width() as f64 / thumb.height() as f64;
    assert!(
        (ratio - 9.0 / 16.0).abs() < 0.01,
        "9:16 thumbnail, got {ratio}"
    );
    let px = thumb.get_pixel(thumb.width() / 2, thumb.height() / 2);
    assert!(
        px[1] > 150 && px[0] < 80,
        "the cover, not a demo photo: {px:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_failed_container_reuses_the_hosted_cover() {
    let w = world().await;
    let caption = "Second try #reels";
    let draft = w
        .core
        .save_post(reel_with_cover(w.account(), caption), |_, _| {})
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    w.sandbox.control().set_container_failure(Some(2207026));
    let err = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect_err("the container fails");
    assert!(
        err.to_string().contains("2207026") || err.to_string().contains("re-encode"),
        "{err}"
    );
    w.sandbox.control().set_container_failure(None);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published on retry");
    let sent = cover_urls_sent(&w);
    assert!(sent.len() >= 2, "a fresh container on retry: {sent:?}");
    assert!(sent[0].is_some());
    assert!(
        sent.windows(2).all(|p| p[0] == p[1]),
        "the cover is uploaded once and its URL reused: {sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_meta_could_not_fetch_the_files_a_retry_uploads_them_again() {
    let w = world().await;
    let draft = w
        .core
        .save_post(
            reel_with_cover(w.account(), "Fetch again #reels"),
            |_, _| {},
        )
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    w.sandbox.control().set_container_failure(Some(2207052));
    let err = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect_err("Meta could not fetch");
    assert!(err.to_string().contains("must be public"), "{err}");
    w.sandbox.control().set_container_failure(None);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published on retry");
    let sent = cover_urls_sent(&w);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].is_some() && sent[1].is_some());
    assert_ne!(sent[0], sent[1], "the cover was hosted anew");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facebook_login_reel_uploads_its_video_to_rupload_and_its_cover_to_hosting() {
    let w = world().await;
    let scopes = socialdesk::auth::default_scopes(LoginKind::Facebook).to_vec();
    let token = w
        .sandbox
        .control()
        .mint_token("facebook", DEMO_BUSINESS_USERNAME, &scopes)
        .expect("minted");
    let account = w
        .core
        .add_token(LoginKind::Facebook, &token)
        .await
        .expect("connected with Facebook Login")
        .into_iter()
        .find(|a| a.page_id.is_some())
        .expect("the Page-linked IG account");
    let draft = w
        .core
        .save_post(
            reel_with_cover(&account, "Through rupload #reels"),
            |_, _| {},
        )
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published");
    let create = w
        .sandbox
        .control()
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/media"))
        .expect("container created");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(create.body.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("upload_type"), Some("resumable"));
    assert_eq!(param("video_url"), None);
    let cover = param("cover_url").expect("cover_url");
    assert_eq!(get_jpeg(cover).await.height(), 1080);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_fails_a_reel_whose_cover_is_not_a_jpeg_and_refuses_covers_off_reels() {
    let w = world().await;
    let token = w
        .sandbox
        .control()
        .mint_token(
            "instagram",
            DEMO_BUSINESS_USERNAME,
            &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
        )
        .expect("token");
    let http = reqwest::Client::new();
    let root = w.sandbox.url();
    let media = root
        .join(&format!("v24.0/{}/media", w.account().id.as_str()))
        .expect("url");
    // A PNG hosted on the sandbox's own upload endpoint.
    let mut png = std::io::Cursor::new(Vec::new());
    RgbImage::from_pixel(540, 960, Rgb([9, 9, 9]))
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let upload: serde_json::Value = http
        .post(root.join("__sandbox/uploads?filename=c.png").expect("url"))
        .header("content-type", "image/png")
        .body(png.into_inner())
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let png_url = upload["url"].as_str().expect("hosted url").to_owned();
    let video: serde_json::Value = http
        .post(root.join("__sandbox/uploads?filename=v.mp4").expect("url"))
        .header("content-type", "video/mp4")
        .body(mp4(5).as_ref().clone())
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let video_url = video["url"].as_str().expect("hosted url").to_owned();

    let create = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("video_url", video_url.clone()),
            ("access_token", token.clone()),
        ];
        form.extend(extra);
        http.post(media.clone()).form(&form).send()
    };
    let created: serde_json::Value = create(vec![
        ("media_type", "REELS".into()),
        ("cover_url", png_url.clone()),
    ])
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    let container = created["id"].as_str().expect("container id").to_owned();
    let mut status = serde_json::Value::Null;
    for _ in 0..50 {
        w.sandbox.control().advance_clock(Duration::from_secs(5));
        status = http
            .get(root.join(&format!("v24.0/{container}")).expect("url"))
            .query(&[("fields", "status_code,status"), ("access_token", &token)])
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if status["status_code"] != "IN_PROGRESS" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status["status_code"], "ERROR", "{status}");
    assert!(
        status["status"]
            .as_str()
            .is_some_and(|s| s.contains("2207005")),
        "{status}"
    );

    let story = create(vec![
        ("media_type", "STORIES".into()),
        ("cover_url", png_url.clone()),
    ])
    .await
    .expect("sent");
    assert_eq!(story.status(), 400);
    let body: serde_json::Value = story.json().await.expect("json");
    assert_eq!(body["error"]["code"], 100);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("reels only")),
        "{body}"
    );

    let offset = create(vec![
        ("media_type", "REELS".into()),
        ("thumb_offset", "soon".into()),
    ])
    .await
    .expect("sent");
    assert_eq!(offset.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_covers_are_refused_before_any_network_call() {
    let w = world().await;
    let before = w.sandbox.control().requests().len();

    // A cover on a carousel video.
    let mut carousel = reel_with_cover(w.account(), "c");
    carousel.kind = PostKind::Carousel;
    carousel
        .items
        .push(ItemSpec::new(bytes("b.jpg", landscape_jpeg())));
    let err = w
        .core
        .save_post(carousel, |_, _| {})
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("reels only"), "{err}");

    // A video as the cover.
    let mut video_cover = reel_with_cover(w.account(), "v");
    video_cover.items[0].cover_image = Some(bytes("cover.mp4", mp4(4)));
    let err = w
        .core
        .save_post(video_cover, |_, _| {})
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("cover.mp4 is a video"), "{err}");

    // Both a picture and a URL.
    let mut both = reel_with_cover(w.account(), "b");
    both.items[0].cover_url = Some("https://cdn.example/c.jpg".into());
    let err = both.validate().expect_err("refused");
    assert_eq!(err, PostError::TwoCovers { item: 1 });

    // A picture too small for a 9:16 cover of 320 px.
    let mut tiny = reel_with_cover(w.account(), "t");
    let mut small = std::io::Cursor::new(Vec::new());
    RgbImage::from_pixel(300, 300, Rgb([1, 2, 3]))
        .write_to(&mut small, image::ImageFormat::Jpeg)
        .expect("jpeg");
    tiny.items[0].cover_image = Some(bytes("small.jpg", Arc::new(small.into_inner())));
    let err = w
        .core
        .save_post(tiny, |_, _| {})
        .await
        .expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("the cover small.jpg") && msg.contains("320 px"),
        "{msg}"
    );

    assert_eq!(
        w.sandbox.control().requests().len(),
        before,
        "no request was sent"
    );
}

/// `socialdesk publish --reel … --cover …`: the real binary against its embedded sandbox.
#[test]
fn the_cli_publishes_a_reel_with_a_cover_picture_and_refuses_one_without_a_video() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reel = dir.path().join("reel.mp4");
    std::fs::write(&reel, mp4(5).as_ref()).expect("mp4");
    let cover = dir.path().join("cover.jpg");
    std::fs::write(&cover, landscape_jpeg().as_ref()).expect("jpeg");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_socialdesk"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("SOCIALDESK_SANDBOX")
            .env_remove("SOCIALDESK_GRAPH_URL")
            .env_remove("SOCIALDESK_META_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run socialdesk")
    };
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_owned();
    let (reel, cover) = (path(&reel), path(&cover));
    let out = run(&[
        "publish",
        "--sandbox",
        "--reel",
        &reel,
        "--cover",
        &cover,
        "--caption",
        "CLI cover",
    ]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
        "{id}"
    );

    let out = run(&["publish", "--sandbox", "--image", &cover, "--cover", &cover]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apply to a video (--reel)"), "{stderr}");
}
