//! Resumable upload, location tags and collaborators over real HTTP against the sandbox:
//! a reel of a Facebook Login account published through rupload (no hosting), an upload cut
//! mid-file that resumes from the host's offset (within one publish, and after a restart),
//! location search and a post tagged with a place (and the refusal of a place without
//! coordinates), collaborators on a carousel, and the Instagram Login refusals that cost no
//! network call.

use std::sync::Arc;
use std::time::Duration;

use socialdesk::model::{Account, LoginKind};
use socialdesk::sandbox::RecordedRequest;
use socialdesk::store::{DraftLocation, DraftPlace, PostKind};

/// A taggable demo place and one without coordinates (sandbox/locations.rs).
const BAKERY: &str = "110000000000002";
const FESTIVAL: &str = "110000000000005";

use socialdesk::graph::Session;
use socialdesk::ids::ContainerId;

use crate::support::World;
use crate::support::media::{item, mp4, picture, post};
use crate::support::requests::{ClockPusher, form, param};
use image::ImageFormat;

/// A sandbox and an engine with no file hosting configured: a video that went to hosting
/// would fail, so a published reel proves it went through rupload.
async fn world() -> World {
    crate::support::world_without_login().await
}

/// The demo business account connected with Facebook Login (through its Page).
async fn facebook_account(w: &World) -> Account {
    w.connect_demo_business(LoginKind::Facebook, &[]).await
}

/// The same account connected with Instagram Login.
async fn instagram_account(w: &World) -> Account {
    w.connect_demo_business(LoginKind::Instagram, &[]).await
}

/// A resumable (rupload) reel container of the demo business on Facebook Login, waiting
/// for its bytes: the session it was made with and its id.
async fn resumable_reel_container(w: &World) -> (Session, ContainerId) {
    let fb = facebook_account(w).await;
    let session = w.core.session(&fb).await.expect("session");
    let mut request = socialdesk::graph::publishing::ContainerRequest::new(
        socialdesk::graph::publishing::ContainerType::Reels,
    );
    request.resumable = true;
    let container = w
        .core
        .client()
        .publishing(&session)
        .create_container(&fb.id, &request)
        .await
        .expect("resumable container");
    (session, container)
}

/// The container's status code, as `GET /{container-id}?fields=status_code` reads it.
async fn container_status(
    w: &World,
    session: &Session,
    container: &ContainerId,
) -> socialdesk::graph::publishing::StatusCode {
    w.core
        .client()
        .publishing(session)
        .status(container)
        .await
        .expect("status")
        .code
}

fn requests(w: &World) -> Vec<RecordedRequest> {
    w.sandbox.control().requests()
}

fn header<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The container creations (`POST …/{ig-id}/media`), in order.
fn creations(w: &World) -> Vec<Vec<(String, String)>> {
    requests(w)
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .map(form)
        .collect()
}

/// The rupload POSTs' `offset` headers, in order.
fn upload_offsets(w: &World) -> Vec<u64> {
    requests(w)
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/rupload/"))
        .map(|r| {
            header(r, "offset")
                .and_then(|o| o.parse().ok())
                .expect("an offset header")
        })
        .collect()
}

/// The published video's bytes, as the sandbox serves them.
async fn published_video(media_url: &str) -> Vec<u8> {
    reqwest::get(media_url)
        .await
        .expect("media url")
        .bytes()
        .await
        .expect("bytes")
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facebook_login_reel_goes_through_rupload_with_location_and_collaborators() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    let video = mp4(6);
    let mut spec = post(
        &fb,
        PostKind::Reel,
        "Pour-over at the bakery",
        vec![item("pour.mp4", Arc::new(video.clone()))],
    );
    spec.place = DraftPlace {
        location: Some(DraftLocation {
            id: BAKERY.into(),
            name: "Harbour Bakery".into(),
        }),
        collaborators: vec!["@harbour.bakery".into(), "baristaben".into()],
    };
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("reel published through rupload");

    let created = creations(&w);
    assert_eq!(created.len(), 1, "one container");
    let c = &created[0];
    assert_eq!(param(c, "media_type"), Some("REELS"));
    assert_eq!(param(c, "upload_type"), Some("resumable"));
    assert_eq!(param(c, "video_url"), None, "no hosting for rupload");
    assert_eq!(param(c, "location_id"), Some(BAKERY));
    assert_eq!(
        param(c, "collaborators"),
        Some(r#"["harbour.bakery","baristaben"]"#)
    );

    let all = requests(&w);
    let uploads: Vec<_> = all
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/rupload/"))
        .collect();
    assert_eq!(uploads.len(), 1);
    let up = uploads[0];
    assert!(
        up.path.starts_with("/rupload/ig-api-upload/v24.0/"),
        "{}",
        up.path
    );
    assert!(
        header(up, "authorization").is_some_and(|a| a.starts_with("OAuth ")),
        "rupload takes `Authorization: OAuth <token>`"
    );
    assert_eq!(header(up, "offset"), Some("0"));
    assert_eq!(
        header(up, "file_size"),
        Some(video.len().to_string().as_str())
    );

    let url = media.media_url.as_deref().expect("media_url");
    assert_eq!(
        published_video(url).await,
        video,
        "the bytes arrived intact"
    );
    assert_eq!(
        w.sandbox
            .control()
            .media_location(media.id.as_str())
            .as_deref(),
        Some(BAKERY)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_mid_file_resumes_from_the_hosts_offset() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    let video = mp4(8);
    let cut = (video.len() / 3) as u64;
    w.sandbox.control().cut_uploads(Some(cut), 1);
    let draft = w
        .core
        .save_post(
            post(
                &fb,
                PostKind::Reel,
                "Resumed reel",
                vec![item("r.mp4", Arc::new(video.clone()))],
            ),
            |_, _| {},
        )
        .await
        .expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published after resuming");
    assert_eq!(upload_offsets(&w), vec![0, cut], "the second POST resumes");
    assert_eq!(creations(&w).len(), 1, "the same container");
    let url = media.media_url.as_deref().expect("media_url");
    assert_eq!(published_video(url).await, video);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_stopped_mid_upload_resumes_after_a_restart_with_one_container_and_one_post() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    let video = mp4(8);
    let cut = (video.len() / 5) as u64;
    // Every attempt of this run is cut: the publish stops with bytes on the host.
    w.sandbox.control().cut_uploads(Some(cut), 10);
    let caption = "Reel across a restart";
    let draft = w
        .core
        .save_post(
            post(
                &fb,
                PostKind::Reel,
                caption,
                vec![item("x.mp4", Arc::new(video.clone()))],
            ),
            |_, _| {},
        )
        .await
        .expect("saved");
    let err = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect_err("the upload keeps being cut");
    assert!(err.to_string().contains("uploading the video"), "{err}");
    let stopped_at = upload_offsets(&w);
    assert_eq!(stopped_at, vec![0, cut, 2 * cut]);

    // "Restart": a new engine on the same data; the connection is fine again.
    w.sandbox.control().cut_uploads(None, 0);
    let core = w.restart_core().await;
    let _clock = ClockPusher::start(&w.sandbox);
    let media = core
        .publish_draft(draft, &|_| {})
        .await
        .expect("resumed after restart");
    assert_eq!(upload_offsets(&w), vec![0, cut, 2 * cut, 3 * cut]);
    assert_eq!(creations(&w).len(), 1, "never a second container");
    let url = media.media_url.as_deref().expect("media_url");
    assert_eq!(published_video(url).await, video);
    // Publishing the draft again does not post twice.
    let again = core.publish_draft(draft, &|_| {}).await.expect("again");
    assert_eq!(again.id, media.id);
    let publishes = requests(&w)
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media_publish"))
        .count();
    assert_eq!(publishes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_are_searched_and_a_place_without_coordinates_is_refused() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    w.host_files_on_sandbox().await;

    let places = w
        .core
        .search_locations(&fb, "harbour")
        .await
        .expect("search");
    let bakery = places
        .iter()
        .find(|p| p.id == BAKERY)
        .expect("the bakery is found");
    assert!(bakery.taggable());
    assert!(
        bakery.address().contains("Portland"),
        "{}",
        bakery.address()
    );
    let festival = w
        .core
        .search_locations(&fb, "festival")
        .await
        .expect("search");
    assert_eq!(festival.len(), 1);
    assert!(!festival[0].taggable(), "no coordinates");
    let search = requests(&w)
        .into_iter()
        .find(|r| r.path.ends_with("/pages/search"))
        .expect("Pages Search was called");
    assert!(search.path.starts_with("/facebook/"), "{}", search.path);
    assert!(search.query.contains("fields=id%2Cname%2Clocation"));

    // A picture tagged with the bakery.
    let _clock = ClockPusher::start(&w.sandbox);
    let mut spec = post(
        &fb,
        PostKind::Image,
        "Morning buns",
        vec![item("bun.jpg", picture(1080, 1080, ImageFormat::Jpeg))],
    );
    spec.place.location = Some(DraftLocation {
        id: BAKERY.into(),
        name: bakery.name.clone(),
    });
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published");
    assert_eq!(
        w.sandbox
            .control()
            .media_location(media.id.as_str())
            .as_deref(),
        Some(BAKERY)
    );

    // The festival has no coordinates: Meta's coded exception, with the fix.
    let mut spec = post(
        &fb,
        PostKind::Image,
        "At the festival",
        vec![item("f.jpg", picture(1080, 1080, ImageFormat::Jpeg))],
    );
    spec.place.location = Some(DraftLocation {
        id: FESTIVAL.into(),
        name: festival[0].name.clone(),
    });
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let err = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID"),
        "{text}"
    );
    assert!(text.contains("pick another place"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collaborators_and_the_location_reach_the_right_carousel_containers() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    w.host_files_on_sandbox().await;
    let mut spec = post(
        &fb,
        PostKind::Carousel,
        "Two from the roastery",
        vec![
            item("a.jpg", picture(1080, 1080, ImageFormat::Jpeg)),
            item("b.jpg", picture(1080, 1080, ImageFormat::Jpeg)),
        ],
    );
    spec.place = DraftPlace {
        location: Some(DraftLocation {
            id: BAKERY.into(),
            name: "Harbour Bakery".into(),
        }),
        collaborators: vec!["harbour.bakery".into()],
    };
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let _clock = ClockPusher::start(&w.sandbox);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("carousel published");
    let created = creations(&w);
    assert_eq!(created.len(), 3);
    for child in created
        .iter()
        .filter(|f| param(f, "is_carousel_item") == Some("true"))
    {
        assert_eq!(param(child, "location_id"), Some(BAKERY));
        assert_eq!(param(child, "collaborators"), None);
    }
    let parent = created
        .iter()
        .find(|f| param(f, "media_type") == Some("CAROUSEL"))
        .expect("carousel container");
    assert_eq!(
        param(parent, "collaborators"),
        Some(r#"["harbour.bakery"]"#)
    );
    assert_eq!(param(parent, "location_id"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instagram_login_and_bad_collaborators_are_refused_before_any_network_call() {
    let w = world().await;
    // One account row per IG user: connect with Instagram Login first, Facebook Login later.
    let ig = instagram_account(&w).await;
    assert_eq!(ig.login, LoginKind::Instagram);
    let before = requests(&w).len();

    let err = w
        .core
        .search_locations(&ig, "coffee")
        .await
        .expect_err("needs Facebook Login");
    assert!(err.to_string().contains("Facebook Login"), "{err}");

    let mut spec = post(
        &ig,
        PostKind::Image,
        "x",
        vec![item("a.jpg", picture(1080, 1080, ImageFormat::Jpeg))],
    );
    spec.place.location = Some(DraftLocation {
        id: BAKERY.into(),
        name: "Harbour Bakery".into(),
    });
    let err = w
        .core
        .save_post(spec.clone(), |_, _| {})
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("Instagram Login"), "{err}");
    spec.place.location = None;
    spec.place.collaborators = vec!["mira".into()];
    let err = w
        .core
        .save_post(spec, |_, _| {})
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("cannot invite collaborators"),
        "{err}"
    );
    assert_eq!(requests(&w).len(), before, "no request was sent");

    let fb = facebook_account(&w).await;
    let before = requests(&w).len();
    let mut spec = post(
        &fb,
        PostKind::Image,
        "x",
        vec![item("a.jpg", picture(1080, 1080, ImageFormat::Jpeg))],
    );
    spec.place.collaborators = vec!["a".into(), "b".into(), "c".into(), "d".into()];
    let err = w.core.save_post(spec, |_, _| {}).await.expect_err("4");
    assert!(err.to_string().contains("at most 3"), "{err}");
    let mut story = post(
        &fb,
        PostKind::Story,
        "",
        vec![item("s.jpg", picture(1080, 1920, ImageFormat::Jpeg))],
    );
    story.place.collaborators = vec!["mira".into()];
    let err = w.core.save_post(story, |_, _| {}).await.expect_err("story");
    assert!(
        err.to_string()
            .contains("stories cannot have collaborators"),
        "{err}"
    );

    assert_eq!(requests(&w).len(), before, "no request was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rupload_host_speaks_the_documented_shapes() {
    let w = world().await;
    let (session, container) = resumable_reel_container(&w).await;
    assert_eq!(
        container_status(&w, &session, &container).await,
        socialdesk::graph::publishing::StatusCode::InProgress,
        "waiting for its bytes"
    );
    let http = reqwest::Client::new();
    // The unversioned path of seed line 2649 works too (C13).
    let base = w.sandbox.url();
    let unversioned = base
        .join(&format!("rupload/ig-api-upload/{container}"))
        .expect("url");
    let video = mp4(5);
    let auth = format!("OAuth {}", session.token());
    // A wrong offset is refused with the offset to resume from.
    let resp = http
        .post(unversioned.clone())
        .header("Authorization", &auth)
        .header("offset", "10")
        .header("file_size", video.len().to_string())
        .body(video.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["debug_info"]["type"], "ProcessingFailedError");
    assert!(
        body["debug_info"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("resume with offset 0")),
        "{body}"
    );
    // An Instagram Login token is not authorized.
    let ig = instagram_account(&w).await;
    let ig_session = w.core.session(&ig).await.expect("session");
    let resp = http
        .post(unversioned.clone())
        .header("Authorization", format!("OAuth {}", ig_session.token()))
        .header("offset", "0")
        .header("file_size", video.len().to_string())
        .body(video.clone())
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(
        body["debug_info"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unauthorized user request")),
        "{body}"
    );
    // Half, then GET says where to resume, then the rest.
    let half = video.len() / 2;
    let rupload = w.core.client().rupload(&session);
    let resp = http
        .post(unversioned.clone())
        .header("Authorization", &auth)
        .header("offset", "0")
        .header("file_size", video.len().to_string())
        .body(video[..half].to_vec())
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"success": true, "message": "Upload successful."})
    );
    let progress = rupload.progress(&container).await.expect("progress");
    assert_eq!((progress.offset, progress.complete), (half as u64, false));
    rupload
        .upload(
            &container,
            &bytes::Bytes::from(video.clone()),
            progress.offset,
        )
        .await
        .expect("the rest");
    let progress = rupload.progress(&container).await.expect("progress");
    assert!(progress.complete);
    w.sandbox.control().advance_clock(Duration::from_mins(1));
    assert_eq!(
        container_status(&w, &session, &container).await,
        socialdesk::graph::publishing::StatusCode::Finished
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carousel_videos_and_video_stories_of_facebook_login_use_rupload_too() {
    let w = world().await;
    let fb = facebook_account(&w).await;
    // Hosting for the picture.
    w.host_files_on_sandbox().await;
    let _clock = ClockPusher::start(&w.sandbox);

    // A carousel of a picture (hosted) and a video (rupload, before the carousel container).
    let video = mp4(5);
    let spec = post(
        &fb,
        PostKind::Carousel,
        "Picture and clip",
        vec![
            item("a.jpg", picture(1080, 1080, ImageFormat::Jpeg)),
            item("clip.mp4", Arc::new(video.clone())),
        ],
    );
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("carousel published");
    let all = requests(&w);
    let position =
        |pred: &dyn Fn(&RecordedRequest) -> bool| all.iter().position(pred).expect("request sent");
    let video_item =
        position(&|r| r.path.ends_with("/media") && param(&form(r), "media_type") == Some("VIDEO"));
    let upload = position(&|r| r.path.starts_with("/rupload/"));
    let carousel = position(&|r| {
        r.path.ends_with("/media") && param(&form(r), "media_type") == Some("CAROUSEL")
    });
    assert!(
        video_item < upload && upload < carousel,
        "item, bytes, carousel"
    );
    let item_form = form(&all[video_item]);
    assert_eq!(param(&item_form, "upload_type"), Some("resumable"));
    assert_eq!(param(&item_form, "is_carousel_item"), Some("true"));
    assert_eq!(param(&item_form, "video_url"), None);
    let picture = all
        .iter()
        .map(form)
        .find(|f| param(f, "image_url").is_some())
        .expect("the picture was hosted");
    assert_eq!(param(&picture, "upload_type"), None);

    // A video story.
    w.sandbox.control().clear_requests();
    let story_video = mp4(6);
    let spec = post(
        &fb,
        PostKind::Story,
        "",
        vec![item("story.mp4", Arc::new(story_video.clone()))],
    );
    let draft = w.core.save_post(spec, |_, _| {}).await.expect("saved");
    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("story published");
    let created = creations(&w);
    assert_eq!(param(&created[0], "media_type"), Some("STORIES"));
    assert_eq!(param(&created[0], "upload_type"), Some("resumable"));
    let url = media.media_url.as_deref().expect("media_url");
    assert_eq!(published_video(url).await, story_video);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rupload_fetches_a_hosted_file_given_as_file_url() {
    let w = world().await;
    let (session, container) = resumable_reel_container(&w).await;
    let http = reqwest::Client::new();
    let video = mp4(5);
    let hosted: serde_json::Value = http
        .post(
            w.sandbox
                .url()
                .join("__sandbox/uploads?filename=hosted.mp4")
                .expect("url"),
        )
        .header("Content-Type", "video/mp4")
        .body(video.clone())
        .send()
        .await
        .expect("hosted")
        .json()
        .await
        .expect("json");
    let file_url = hosted["url"].as_str().expect("url");
    let upload_url = w
        .core
        .client()
        .rupload(&session)
        .url(&container)
        .expect("url");
    let body: serde_json::Value = http
        .post(upload_url)
        .header("Authorization", format!("OAuth {}", session.token()))
        .header("file_url", file_url)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["success"], true, "{body}");
    let progress = w
        .core
        .client()
        .rupload(&session)
        .progress(&container)
        .await
        .expect("progress");
    assert!(progress.complete);
    assert_eq!(progress.offset, video.len() as u64);
    // A second upload for the same container is refused.
    let again = w
        .core
        .client()
        .rupload(&session)
        .upload(&container, &bytes::Bytes::from(video.clone()), 0)
        .await
        .expect_err("already uploaded");
    assert!(again.message.contains("already uploaded"), "{again}");
    assert!(!again.is_retryable());
}
