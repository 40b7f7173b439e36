//! A reel's cover picture from disk, over real HTTP against the sandbox: it is prepared as
//! the centred 9:16 part of the picture, hosted, sent as `cover_url`, fetched by the sandbox
//! as Meta does and shown as the published reel's thumbnail; a retry reuses the hosted cover;
//! a Facebook Login reel sends its video through rupload and its cover through hosting; the
//! sandbox fails a container whose cover is not a JPEG; bad covers are refused before any
//! network call.

use std::sync::Arc;
use std::time::Duration;

use image::{Rgb, RgbImage};
use socialdesk::engine::composer::{MediaSource, PostError, PostSpec, PublishError};
use socialdesk::model::{Account, LoginKind, Media};
use socialdesk::store::PostKind;

use crate::support::requests;
use crate::support::{World, cli, media};

use crate::support::hosted_world as world;

fn mp4(seconds: u32) -> Arc<Vec<u8>> {
    Arc::new(media::mp4(seconds))
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

/// A 6 s reel whose cover is [`landscape_jpeg`].
fn reel_with_cover(account: &Account, caption: &str) -> PostSpec {
    let mut video = media::item("clip.mp4", mp4(6));
    video.cover_image = Some(bytes("cover.jpg", landscape_jpeg()));
    media::post(account, PostKind::Reel, caption, vec![video])
}

/// Saves `post`; returns the draft and the outcome of publishing it while the sandbox clock
/// runs.
async fn save_and_publish(w: &World, post: PostSpec) -> (i64, Result<Media, PublishError>) {
    let draft = w.core.save_post(post, |_, _| {}).await.expect("saved");
    (draft, w.publish(draft).await)
}

/// The `cover_url` of every container created, in order.
fn cover_urls_sent(w: &World) -> Vec<Option<String>> {
    container_forms(w)
        .iter()
        .map(|form| requests::param(form, "cover_url").map(str::to_owned))
        .collect()
}

/// The form of every `POST /{ig-id}/media`, in order.
fn container_forms(w: &World) -> Vec<Vec<(String, String)>> {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .map(requests::form)
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
    let post = reel_with_cover(w.account(), "New blend, new cover #reels");
    let (_, published) = save_and_publish(&w, post).await;
    let media = published.expect("reel published");

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
    let ratio = f64::from(thumb.width()) / f64::from(thumb.height());
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
    w.sandbox.control().set_container_failure(Some(2207026));
    let (draft, failed) = save_and_publish(&w, reel_with_cover(w.account(), "Again #reels")).await;
    let err = failed.expect_err("the container fails");
    assert!(err.to_string().contains("re-encode"), "{err}");
    w.sandbox.control().set_container_failure(None);
    w.publish(draft).await.expect("published on retry");
    let sent = cover_urls_sent(&w);
    assert_eq!(sent.len(), 2, "a fresh container on retry: {sent:?}");
    assert!(sent[0].is_some());
    assert_eq!(
        sent[0], sent[1],
        "the cover is uploaded once and its URL reused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_meta_could_not_fetch_the_files_a_retry_uploads_them_again() {
    let w = world().await;
    w.sandbox.control().set_container_failure(Some(2207052));
    let post = reel_with_cover(w.account(), "Fetch again #reels");
    let (draft, failed) = save_and_publish(&w, post).await;
    let err = failed.expect_err("Meta could not fetch");
    assert!(err.to_string().contains("must be public"), "{err}");
    w.sandbox.control().set_container_failure(None);
    w.publish(draft).await.expect("published on retry");
    let sent = cover_urls_sent(&w);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].is_some() && sent[1].is_some());
    assert_ne!(sent[0], sent[1], "the cover was hosted anew");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facebook_login_reel_uploads_its_video_to_rupload_and_its_cover_to_hosting() {
    let w = world().await;
    let account = w.connect_demo_business(LoginKind::Facebook, &[]).await;
    let (_, published) = save_and_publish(&w, reel_with_cover(&account, "Rupload #reels")).await;
    published.expect("published");
    let forms = container_forms(&w);
    let form = forms.first().expect("container created");
    assert_eq!(requests::param(form, "upload_type"), Some("resumable"));
    assert_eq!(requests::param(form, "video_url"), None);
    let cover = requests::param(form, "cover_url").expect("cover_url");
    assert_eq!(get_jpeg(cover).await.height(), 1080);
}

/// Puts `body` on the sandbox's upload endpoint (as a user's hosting would); returns its URL.
async fn host(w: &World, name: &str, content_type: &str, body: Vec<u8>) -> String {
    let url = w
        .sandbox
        .url()
        .join(&format!("__sandbox/uploads?filename={name}"))
        .expect("url");
    let answer: serde_json::Value = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    answer["url"].as_str().expect("hosted url").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_fails_a_reel_whose_cover_is_not_a_jpeg_and_refuses_covers_off_reels() {
    let w = world().await;
    let token = crate::support::basic_token(&w.sandbox);
    let publish_token = w
        .sandbox
        .control()
        .mint_token(
            "instagram",
            socialdesk::sandbox::DEMO_BUSINESS_USERNAME,
            &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
        )
        .expect("token");
    let png = media::picture(540, 960, image::ImageFormat::Png)
        .as_ref()
        .clone();
    let png_url = host(&w, "c.png", "image/png", png).await;
    let video_url = host(&w, "v.mp4", "video/mp4", media::mp4(5)).await;
    let http = reqwest::Client::new();
    let root = w.sandbox.url();
    let media_edge = root
        .join(&format!("v24.0/{}/media", w.account().id.as_str()))
        .expect("url");
    let create = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("video_url", video_url.clone()),
            ("access_token", publish_token.clone()),
        ];
        form.extend(extra);
        http.post(media_edge.clone()).form(&form).send()
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
    let status_url = root
        .join(&format!("v24.0/{container}?fields=status_code,status"))
        .expect("url");
    let mut status = serde_json::Value::Null;
    for _ in 0..50 {
        w.sandbox.control().advance_clock(Duration::from_secs(5));
        status = crate::support::raw::get_json(status_url.clone(), &token).await;
        if status["status_code"] != "IN_PROGRESS" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status["status_code"], "ERROR", "{status}");
    let text = status["status"].as_str().unwrap_or_default();
    assert!(text.contains("2207005"), "{status}");

    let story = create(vec![
        ("media_type", "STORIES".into()),
        ("cover_url", png_url.clone()),
    ])
    .await
    .expect("sent");
    assert_eq!(story.status(), 400);
    let body: serde_json::Value = story.json().await.expect("json");
    assert_eq!(body["error"]["code"], 100);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("reels only"), "{body}");

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
    carousel.items.push(media::item("b.jpg", landscape_jpeg()));
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
    let small = media::picture(300, 300, image::ImageFormat::Jpeg);
    tiny.items[0].cover_image = Some(bytes("small.jpg", small));
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
    std::fs::write(&reel, media::mp4(5)).expect("mp4");
    let cover = dir.path().join("cover.jpg");
    std::fs::write(&cover, landscape_jpeg().as_ref()).expect("jpeg");
    let (reel, cover) = (
        reel.to_str().expect("utf-8"),
        cover.to_str().expect("utf-8"),
    );
    let out = cli::socialdesk_in_sandbox(
        dir.path(),
        &[
            "publish",
            "--reel",
            reel,
            "--cover",
            cover,
            "--caption",
            "CLI cover",
        ],
    );
    cli::assert_prints_media_id(&out);
    let out =
        cli::socialdesk_in_sandbox(dir.path(), &["publish", "--image", cover, "--cover", cover]);
    cli::assert_fails_with(&out, "apply to a video (--reel)");
}
