//! Content publishing, as documented in three steps: `POST /{ig-id}/media` creates a
//! container and the sandbox really fetches `image_url` / `video_url` (so hosting problems
//! surface as they would with Meta: 2207052), checks JPEG, size and aspect ratio, and keeps
//! the container `IN_PROGRESS` for a few seconds of sandbox clock; `GET /{container}`
//! reports `status_code`; `POST /{ig-id}/media_publish` turns a `FINISHED` container into
//! media, within the 24 h quota.

use std::sync::Arc;

use chrono::Duration;
use serde_json::{Value, json};

use super::covers;
use super::demo::{
    Aspect, Container, ContainerKind, CoverFetch, Demo, Media, MediaType, PHOTO_COUNT, Processing,
    Product,
};
use super::errors::GraphError;
use super::fetch;
use super::server::Req;
use super::shopping;
use super::state::{Inner, Login, Token};
use super::writes::{bad, bad_sub, own_account};

/// Seconds of sandbox clock a fetched image / video stays `IN_PROGRESS`.
const IMAGE_PROCESSING_SECS: i64 = 2;
const VIDEO_PROCESSING_SECS: i64 = 10;
const MAX_CAPTION_CHARS: usize = 2200;
const MAX_HASHTAGS: usize = 30;
const MAX_MENTIONS: usize = 20;
const MAX_USER_TAGS: usize = 20;
const MAX_CAROUSEL_CHILDREN: usize = 10;
const MAX_COLLABORATORS: usize = 3;

fn publish_scope_ok(login: Login, token: &Token) -> Result<(), GraphError> {
    let ok = match login {
        Login::Instagram => {
            token.has_scope("instagram_business_content_publish")
                || token.has_scope("instagram_business_content_publishing")
        }
        Login::Facebook => token.has_scope("instagram_content_publish"),
    };
    if ok {
        Ok(())
    } else {
        Err(GraphError::missing_permission(match login {
            Login::Instagram => "instagram_business_content_publish",
            Login::Facebook => "instagram_content_publish",
        }))
    }
}

/// Caption limits: 2,200 characters, 30 hashtags, 20 @mentions.
fn check_caption(caption: &str) -> Result<(), GraphError> {
    let chars = caption.chars().count();
    if chars > MAX_CAPTION_CHARS {
        return Err(bad_sub(
            2207010,
            "Caption too long",
            format!(
                "(#100) The caption has {chars} characters; the limit is {MAX_CAPTION_CHARS}. Shorten it."
            ),
        ));
    }
    let words = || caption.split(|c: char| c.is_whitespace());
    let hashtags = words()
        .filter(|w| w.starts_with('#') && w.len() > 1)
        .count();
    if hashtags > MAX_HASHTAGS {
        return Err(bad_sub(
            2207010,
            "Too many hashtags",
            format!(
                "(#100) The caption has {hashtags} hashtags; the limit is {MAX_HASHTAGS}. Remove some."
            ),
        ));
    }
    let mentions = words()
        .filter(|w| w.starts_with('@') && w.len() > 1)
        .count();
    if mentions > MAX_MENTIONS {
        return Err(bad_sub(
            2207010,
            "Too many mentions",
            format!(
                "(#100) The caption has {mentions} @mentions; the limit is {MAX_MENTIONS}. Remove some."
            ),
        ));
    }
    Ok(())
}

/// `user_tags`: a JSON list of `{username, x, y}`; at most 20, coordinates in 0..=1.
fn check_user_tags(raw: &str, needs_coordinates: bool) -> Result<(), GraphError> {
    let tags: Vec<Value> = super::params::parse_list(raw).map_err(|e| {
        bad(format!(
            "(#100) user_tags must be a JSON list of {{\"username\",\"x\",\"y\"}} objects: {e}"
        ))
    })?;
    if tags.len() > MAX_USER_TAGS {
        return Err(bad(format!(
            "(#100) {} user tags given; at most {MAX_USER_TAGS} are allowed per image",
            tags.len()
        )));
    }
    for tag in &tags {
        if tag["username"].as_str().is_none_or(str::is_empty) {
            return Err(bad("(#100) Every user tag needs a username"));
        }
        if needs_coordinates {
            for axis in ["x", "y"] {
                match tag[axis].as_f64() {
                    Some(v) if (0.0..=1.0).contains(&v) => {}
                    _ => {
                        return Err(bad(format!(
                            "(#100) user tag {} needs {axis} between 0.0 and 1.0",
                            tag["username"]
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

pub fn create_container(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    id: &str,
) -> Result<Value, GraphError> {
    let owner = own_account(&inner.demo(), token, id)?;
    publish_scope_ok(login, token)?;
    let param = |n: &str| req.param(n).filter(|v| !v.is_empty());
    let resumable = match param("upload_type") {
        None => false,
        Some("resumable") if login == Login::Instagram => {
            return Err(bad(
                "(#100) upload_type=resumable is only available with Facebook Login for Business; pass video_url",
            ));
        }
        Some("resumable") => true,
        Some(other) => {
            return Err(bad(format!(
                "(#100) Unknown upload_type {other}; the only value is resumable"
            )));
        }
    };
    let is_carousel_item = param("is_carousel_item") == Some("true");
    let (kind, is_video) = match param("media_type") {
        None | Some("IMAGE") if param("video_url").is_some() && !is_carousel_item => {
            return Err(bad_sub(
                2207023,
                "Unsupported media type",
                "(#100) A video needs media_type=REELS (or STORIES); feed videos are published as reels",
            ));
        }
        None | Some("IMAGE") => (ContainerKind::Image, param("video_url").is_some()),
        Some("REELS") => (ContainerKind::Reels, true),
        Some("STORIES") => (
            ContainerKind::Stories,
            param("video_url").is_some() || param("upload_type") == Some("resumable"),
        ),
        Some("CAROUSEL") => (ContainerKind::Carousel, false),
        Some("VIDEO") if is_carousel_item => (ContainerKind::Image, true),
        Some("VIDEO") => {
            return Err(bad_sub(
                2207023,
                "Unsupported media type",
                "(#100) media_type=VIDEO is no longer supported for feed videos; use media_type=REELS",
            ));
        }
        Some(other) => {
            return Err(bad(format!(
                "(#100) Unknown media_type {other}; use REELS, STORIES or CAROUSEL (or none for an image)"
            )));
        }
    };
    if let Some(caption) = param("caption") {
        if is_carousel_item {
            return Err(bad(
                "(#100) Carousel items take no caption; put it on the CAROUSEL container",
            ));
        }
        check_caption(caption)?;
    }
    if param("alt_text").is_some() && matches!(kind, ContainerKind::Reels | ContainerKind::Stories)
    {
        return Err(bad(
            "(#100) alt_text is supported for image posts only, not for reels or stories",
        ));
    }
    if let Some(tags) = param("user_tags") {
        check_user_tags(tags, !is_video)?;
    }
    if param("collaborators").is_some() && login == Login::Instagram {
        return Err(bad(
            "(#100) collaborators is only available with Facebook Login for Business",
        ));
    }
    if param("product_tags").is_some() && login == Login::Instagram {
        return Err(bad(
            "(#100) product tags are not supported by the Instagram API with Instagram Login",
        ));
    }
    let product_tags = match param("product_tags") {
        None => Vec::new(),
        Some(raw) => {
            if !token.has_scope(shopping::SHOPPING_SCOPE) {
                return Err(GraphError::missing_permission(shopping::SHOPPING_SCOPE));
            }
            match kind {
                ContainerKind::Stories => {
                    return Err(bad("(#100) Product tags are not supported on stories"));
                }
                ContainerKind::Carousel => {
                    return Err(bad(
                        "(#100) Tag products on the carousel item containers (at most 5 each), not on the CAROUSEL container",
                    ));
                }
                _ => {}
            }
            let demo = inner.demo();
            if demo
                .account_by_id(&owner)
                .is_none_or(|a| a.account_type != "Business")
            {
                return Err(bad(
                    "(#100) This account is not eligible for product tagging (shopping_product_tag_eligibility is false)",
                ));
            }
            let max = match (kind, is_carousel_item) {
                (ContainerKind::Reels, _) => 30,
                (_, true) => 5,
                _ => 20,
            };
            shopping::parse_tags(&demo.catalog, raw, !is_video, max, "product_tags")?
        }
    };
    let collaborators = match param("collaborators") {
        None => Vec::new(),
        Some(raw) => parse_collaborators(raw, kind, &inner.demo(), &owner)?,
    };
    let cover_url =
        covers::check_params(param("cover_url"), param("thumb_offset"), kind, is_video)?;
    if resumable && (!is_video || param("video_url").is_some()) {
        return Err(bad(
            "(#100) upload_type=resumable is for videos (media_type REELS, STORIES or VIDEO as a carousel item) and replaces video_url: upload the bytes to rupload",
        ));
    }
    let location_id = match param("location_id") {
        None => None,
        Some(_) if kind == ContainerKind::Stories => {
            return Err(bad(
                "(#100) location_id is not supported on stories; tag locations on images, carousel items and reels",
            ));
        }
        Some(_) if kind == ContainerKind::Carousel => {
            return Err(bad(
                "(#100) Set location_id on the carousel item containers, not on the CAROUSEL container",
            ));
        }
        Some(location) => Some(super::locations::check_location(inner, location)?),
    };
    let now = inner.now();
    let copyright_match = inner.lock().copyright_match;
    let mut children = Vec::new();
    let url = if kind == ContainerKind::Carousel {
        let list: Vec<String> = param("children")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if list.len() < 2 || list.len() > MAX_CAROUSEL_CHILDREN {
            return Err(bad(format!(
                "(#100) A carousel needs 2 to {MAX_CAROUSEL_CHILDREN} children container ids, got {}",
                list.len()
            )));
        }
        let demo = inner.demo();
        for child in &list {
            match demo.container_by_id(child) {
                Some(c) if c.owner == owner && c.is_carousel_item => {}
                _ => {
                    return Err(bad(format!(
                        "(#100) children: {child} is not a carousel item container of this account (create it with is_carousel_item=true)"
                    )));
                }
            }
        }
        let tagged: usize = list
            .iter()
            .filter_map(|id| demo.container_by_id(id))
            .map(|c| c.product_tags.len())
            .sum();
        if tagged > 20 {
            return Err(bad(format!(
                "(#100) The carousel's items carry {tagged} product tags; at most 20 per post"
            )));
        }
        children = list;
        None
    } else if resumable {
        None
    } else {
        let (name, value) = if is_video {
            ("video_url", param("video_url"))
        } else {
            ("image_url", param("image_url"))
        };
        let value = value.ok_or_else(|| bad(format!("(#100) The parameter {name} is required")))?;
        let parsed = url::Url::parse(value)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                bad(format!(
                    "(#100) {name} must be an absolute http(s) URL, got '{value}'"
                ))
            })?;
        Some(parsed)
    };

    let container_id = {
        let mut demo = inner.demo_mut();
        let id = demo.take_container_id();
        demo.containers.push(Container {
            id: id.clone(),
            owner,
            kind,
            is_video,
            is_carousel_item,
            caption: param("caption").map(str::to_owned),
            alt_text: param("alt_text").map(str::to_owned),
            share_to_feed: param("share_to_feed") != Some("false"),
            children,
            created_at: now,
            processing: if url.is_some() || resumable {
                Processing::Pending
            } else {
                Processing::Ready {
                    ready_at: now,
                    width: 1080,
                    height: 1080,
                }
            },
            upload: None,
            published_media: None,
            product_tags,
            collaborators,
            location_id,
            cover: cover_url.as_ref().map(|_| CoverFetch::Pending),
            copyright_match: is_video && copyright_match,
        });
        if resumable {
            demo.rupload.open(&id);
        }
        id
    };
    if let Some(cover) = cover_url {
        covers::spawn_fetch(inner, container_id.clone(), cover);
    }
    if let Some(url) = url {
        let inner = inner.clone();
        let id = container_id.clone();
        let story = kind == ContainerKind::Stories;
        let injected = inner.lock().container_failure;
        tokio::spawn(async move {
            let fetched = fetch_and_check(&inner, url, is_video, story).await;
            let outcome = match (fetched, injected) {
                (Ok(_), Some(subcode)) => Err((
                    subcode,
                    format!(
                        "Media upload has failed with error code {subcode} (sandbox container-failure switch)"
                    ),
                )),
                (other, _) => other,
            };
            let mut demo = inner.demo_mut();
            if let Some(c) = demo.containers.iter_mut().find(|c| c.id == id) {
                match outcome {
                    Ok((processing, upload)) => {
                        c.processing = processing;
                        c.upload = Some(upload);
                    }
                    Err((subcode, message)) => {
                        c.processing = Processing::Failed { subcode, message }
                    }
                }
            }
        });
    }
    Ok(json!({ "id": container_id }))
}

/// Fetches a container's media like Meta's crawler and validates it.
async fn fetch_and_check(
    inner: &Arc<Inner>,
    url: url::Url,
    is_video: bool,
    story: bool,
) -> Result<(Processing, String), (i64, String)> {
    let what = if is_video { "video_url" } else { "image_url" };
    let bytes = fetch::fetch(&url, what).await?;
    if is_video {
        return check_video(inner, bytes);
    }
    let (width, height) = fetch::check_jpeg(&bytes, what).await?;
    let ratio = f64::from(width) / f64::from(height.max(1));
    if !story && !(0.795..=1.915).contains(&ratio) {
        return Err((
            2207009,
            format!(
                "The aspect ratio {width}x{height} ({ratio:.2}) is outside 4:5 to 1.91:1; crop the image"
            ),
        ));
    }
    let key = inner.store_upload(bytes, "image/jpeg");
    let ready_at = inner.now() + Duration::seconds(IMAGE_PROCESSING_SECS);
    Ok((
        Processing::Ready {
            ready_at,
            width,
            height,
        },
        key,
    ))
}

/// Checks video bytes (fetched from `video_url` or uploaded to rupload) are an MP4/MOV the
/// sandbox can walk: an `ftyp` box first, then top-level boxes that each fit in the file
/// (a size of 0 runs to the end, as ISO-BMFF allows). Keeps
/// them in the upload store and starts the processing delay.
pub fn check_video(inner: &Inner, bytes: Vec<u8>) -> Result<(Processing, String), (i64, String)> {
    if !mp4_boxes_ok(&bytes) {
        return Err((
            2207026,
            "Unsupported video format: send MP4/MOV (H.264 or HEVC, AAC)".into(),
        ));
    }
    let key = inner.store_upload(bytes, "video/mp4");
    let ready_at = inner.now() + Duration::seconds(VIDEO_PROCESSING_SECS);
    Ok((
        Processing::Ready {
            ready_at,
            width: 1080,
            height: 1920,
        },
        key,
    ))
}

/// Walks the top-level ISO-BMFF boxes: `ftyp` first, every box inside the file.
fn mp4_boxes_ok(bytes: &[u8]) -> bool {
    let mut at = 0usize;
    let mut first = true;
    while at < bytes.len() {
        let Some(head) = bytes.get(at..at + 8) else {
            return false;
        };
        let size32 = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = &head[4..8];
        let size = match size32 {
            0 => (bytes.len() - at) as u64,
            1 => match bytes.get(at + 8..at + 16) {
                Some(b) => u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                None => return false,
            },
            n => n,
        };
        if size < 8 || (at as u64).saturating_add(size) > bytes.len() as u64 {
            return false;
        }
        if first && kind != b"ftyp" {
            return false;
        }
        first = false;
        at += usize::try_from(size).unwrap_or(usize::MAX);
    }
    !first
}

/// `collaborators`: up to 3 usernames, not on stories, never the account itself.
fn parse_collaborators(
    raw: &str,
    kind: ContainerKind,
    demo: &Demo,
    owner: &str,
) -> Result<Vec<String>, GraphError> {
    if kind == ContainerKind::Stories {
        return Err(bad("(#100) Collaborators cannot be invited on stories"));
    }
    let list = super::params::parse_list(raw).map_err(|e| {
        bad(format!(
            "(#100) collaborators must be a JSON list of usernames: {e}"
        ))
    })?;
    let names: Vec<String> = list
        .iter()
        .map(|v| {
            v.as_str()
                .map(|s| s.trim().trim_start_matches('@').to_owned())
        })
        .collect::<Option<Vec<_>>>()
        .filter(|names| names.iter().all(|n| !n.is_empty()))
        .ok_or_else(|| bad("(#100) collaborators must be a list of usernames (strings)"))?;
    if names.len() > MAX_COLLABORATORS {
        return Err(bad(format!(
            "(#100) {} collaborators given; at most {MAX_COLLABORATORS} can be invited",
            names.len()
        )));
    }
    let own = demo.account_by_id(owner).map(|a| a.username.as_str());
    if let Some(me) = names.iter().find(|n| Some(n.as_str()) == own) {
        return Err(bad(format!(
            "(#100) @{me} cannot invite itself as a collaborator"
        )));
    }
    Ok(names)
}

/// The nearest frame shape for published media (used for generated covers).
fn nearest_aspect(width: u32, height: u32) -> Aspect {
    let r = f64::from(width) / f64::from(height.max(1));
    [
        Aspect::Square,
        Aspect::Portrait,
        Aspect::Landscape,
        Aspect::Vertical,
    ]
    .into_iter()
    .min_by(|a, b| (a.ratio() - r).abs().total_cmp(&(b.ratio() - r).abs()))
    .unwrap_or(Aspect::Square)
}

pub fn publish(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    id: &str,
) -> Result<Value, GraphError> {
    let owner = own_account(&inner.demo(), token, id)?;
    publish_scope_ok(login, token)?;
    let creation_id = req
        .param("creation_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("(#100) The parameter creation_id is required"))?
        .to_owned();
    let now = inner.now();
    let mut demo = inner.demo_mut();
    let container = demo
        .container_by_id(&creation_id)
        .filter(|c| c.owner == owner)
        .cloned()
        .ok_or_else(|| {
            bad(format!(
                "(#100) creation_id {creation_id} is not a media container of this account"
            ))
        })?;
    if container.is_carousel_item {
        return Err(bad(
            "(#100) A carousel item is published through its CAROUSEL container, not on its own",
        ));
    }
    check_ready(&demo, &container, now)?;
    let account = demo
        .account_by_id(&owner)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(&owner))?;
    if demo.published_in_last_day(&owner, now) >= demo.quota_total(&account) {
        let mut e = GraphError::oauth(
            9,
            "(#9) Application request limit reached: the maximum number of posts that can be published in 24 hours has been reached",
        );
        e.subcode = Some(2207042);
        e.user_title = Some("Daily publishing limit reached".into());
        return Err(e);
    }
    let tagged = !container.product_tags.is_empty()
        || container
            .children
            .iter()
            .filter_map(|id| demo.container_by_id(id))
            .any(|c| !c.product_tags.is_empty());
    if tagged && demo.tagged_published_in_last_day(&owner, now) >= shopping::TAGGED_POSTS_PER_DAY {
        let mut e = GraphError::oauth(
            9,
            "(#9) Application request limit reached: at most 25 posts with product tags can be published in 24 hours",
        );
        e.subcode = Some(2207042);
        return Err(e);
    }
    let media_id = demo.take_media_id();
    let shortcode = {
        let mut st = inner.lock();
        st.random_string("", 11)
    };
    let mut child_ids = Vec::new();
    for child_id in &container.children {
        let Some(child) = demo.container_by_id(child_id).cloned() else {
            continue;
        };
        let cid = demo.take_media_id();
        let media = media_from(
            &child,
            &cid,
            &account.username,
            now,
            Some(media_id.clone()),
            String::new(),
        );
        demo.media.push(media);
        if let Some(place) = &child.location_id {
            demo.places.tagged.insert(cid.clone(), place.clone());
        }
        mark_published(&mut demo, child_id, &cid);
        child_ids.push(cid);
    }
    let mut media = media_from(
        &container,
        &media_id,
        &account.username,
        now,
        None,
        shortcode,
    );
    media.children = child_ids;
    if container.kind == ContainerKind::Carousel {
        media.media_type = MediaType::CarouselAlbum;
    }
    demo.media.push(media);
    if let Some(place) = &container.location_id {
        demo.places.tagged.insert(media_id.clone(), place.clone());
    }
    mark_published(&mut demo, &creation_id, &media_id);
    Ok(json!({ "id": media_id }))
}

/// Refuses a container that is not `FINISHED` (children included, for carousels).
fn check_ready(
    demo: &Demo,
    c: &Container,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), GraphError> {
    let mut all = vec![c];
    all.extend(c.children.iter().filter_map(|id| demo.container_by_id(id)));
    for c in all {
        let (code, status) = c.status(now);
        match code {
            "FINISHED" => {}
            "IN_PROGRESS" => {
                let mut e = GraphError::oauth(
                    9007,
                    "(#9007) The media is not ready for publishing, please wait for a moment",
                );
                e.subcode = Some(2207027);
                e.user_title = Some("Media not ready".into());
                e.user_msg = Some(format!(
                    "Container {} is still processing; poll its status_code.",
                    c.id
                ));
                return Err(e);
            }
            "EXPIRED" => {
                return Err(bad_sub(
                    2207008,
                    "Container expired",
                    format!(
                        "(#100) Container {} expired (not published within 24 hours); create a new one",
                        c.id
                    ),
                ));
            }
            "PUBLISHED" => {
                return Err(bad(format!(
                    "(#100) Container {} was already published as media {}",
                    c.id,
                    c.published_media.as_deref().unwrap_or("?")
                )));
            }
            _ => {
                let (subcode, message) = match c.failure() {
                    Some((subcode, message)) => (subcode, message.to_owned()),
                    None => (2207001, status),
                };
                return Err(bad_sub(
                    subcode,
                    "Media upload failed",
                    format!("(#100) {message}"),
                ));
            }
        }
    }
    Ok(())
}

fn mark_published(demo: &mut Demo, container_id: &str, media_id: &str) {
    if let Some(c) = demo.containers.iter_mut().find(|c| c.id == container_id) {
        c.published_media = Some(media_id.to_owned());
    }
}

fn media_from(
    c: &Container,
    id: &str,
    username: &str,
    now: chrono::DateTime<chrono::Utc>,
    parent: Option<String>,
    shortcode: String,
) -> Media {
    let (width, height) = match c.processing {
        Processing::Ready { width, height, .. } => (width, height),
        _ => (1080, 1080),
    };
    let product = match c.kind {
        ContainerKind::Reels => Product::Reels,
        ContainerKind::Stories => Product::Story,
        _ => Product::Feed,
    };
    let key: u64 = id.parse().unwrap_or(0);
    Media {
        id: id.to_owned(),
        owner: c.owner.clone(),
        owner_username: username.to_owned(),
        media_type: if c.is_video {
            MediaType::Video
        } else {
            MediaType::Image
        },
        product,
        caption: c.caption.clone(),
        alt_text: c.alt_text.clone(),
        timestamp: now,
        like_count: 0,
        comments_count: 0,
        hide_likes: false,
        comments_enabled: true,
        shared_to_feed: c.kind == ContainerKind::Reels && c.share_to_feed,
        product_tags: c.product_tags.clone(),
        collaborators: c.collaborators.clone(),
        shortcode,
        children: Vec::new(),
        parent,
        photo: (key % PHOTO_COUNT as u64) as usize,
        aspect: nearest_aspect(width, height),
        upload: c.upload.clone(),
        copyright_match: c.copyright_match,
        cover: match &c.cover {
            Some(CoverFetch::Fetched { upload }) => Some(upload.clone()),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caption_limits() {
        assert!(check_caption("hello #a #b @c").is_ok());
        assert!(check_caption(&"x".repeat(2201)).is_err());
        let tags: String = (0..31).map(|i| format!("#t{i} ")).collect();
        assert!(check_caption(&tags).is_err());
        let mentions: String = (0..21).map(|i| format!("@u{i} ")).collect();
        assert!(check_caption(&mentions).is_err());
    }

    #[test]
    fn user_tag_rules() {
        assert!(check_user_tags(r#"[{"username":"a","x":0.5,"y":0.1}]"#, true).is_ok());
        assert!(check_user_tags(r#"[{"username":"a","x":1.5,"y":0.1}]"#, true).is_err());
        assert!(check_user_tags(r#"[{"username":"a"}]"#, false).is_ok());
        assert!(check_user_tags("not json", true).is_err());
    }

    #[test]
    fn video_boxes_are_walked() {
        let mut mp4 = vec![0, 0, 0, 16];
        mp4.extend_from_slice(b"ftypisom\0\0\x02\0");
        mp4.extend_from_slice(&[0, 0, 0, 12]);
        mp4.extend_from_slice(b"moov\0\0\0\0");
        assert!(mp4_boxes_ok(&mp4));
        // A box running past the end (bytes missing or out of order) is refused.
        assert!(!mp4_boxes_ok(&mp4[..mp4.len() - 2]));
        let mut swapped = mp4[16..].to_vec();
        swapped.extend_from_slice(&mp4[..16]);
        assert!(!mp4_boxes_ok(&swapped), "ftyp must come first");
        assert!(!mp4_boxes_ok(b"not a video at all"));
    }

    #[test]
    fn aspects() {
        assert_eq!(nearest_aspect(1080, 1350), Aspect::Portrait);
        assert_eq!(nearest_aspect(1080, 1920), Aspect::Vertical);
        assert_eq!(nearest_aspect(1910, 1000), Aspect::Landscape);
    }
}
