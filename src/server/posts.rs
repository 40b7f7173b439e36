//! Scheduling on the server over HTTP: editors hand over posts (`POST /posts`), move or
//! edit them until publishing starts (`PATCH /posts/{id}`), delete them (`DELETE`); every
//! role reads the calendar (`GET /posts?from&to`), with who scheduled each post. Uploaded
//! JPEGs are served to Meta's crawler at `GET /media/{key}` (no token: Meta's crawler has
//! none; the key is 32 random bytes, so the URL cannot be guessed, and the bytes are dropped
//! once the post is published).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;

use super::auth::{Caller, Role};
use super::db::{Change, NewImage, NewPost, PostEdit, PostKind, PostRow};
use super::error::ApiError;
use super::routes::AppState;

/// Meta's caption limit.
const CAPTION_MAX_CHARS: usize = 2200;
/// Meta's largest publishable JPEG.
pub const JPEG_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Pictures in a carousel.
const CAROUSEL_MAX: usize = 10;
/// `POST /posts` bodies: ten 8 MiB JPEGs in base64 and the rest of the JSON.
pub const BODY_LIMIT_BYTES: usize = 112 * 1024 * 1024;
/// How far in the past a new post may be scheduled (a clock a little behind is fine).
const PAST_SLACK_SECS: i64 = 5 * 60;

/// A time as UNIX seconds or RFC 3339 text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum When {
    Unix(i64),
    Text(String),
}

impl When {
    fn seconds(&self) -> Result<i64, ApiError> {
        match self {
            Self::Unix(s) => Ok(*s),
            Self::Text(text) => chrono::DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.timestamp())
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "{text:?} is not a time: send UNIX seconds or RFC 3339, e.g. 2026-12-01T09:00:00+01:00"
                    ))
                }),
        }
    }
}

/// One picture of `POST /posts`: exactly one of the two.
#[derive(Debug, Deserialize)]
pub struct ImageInput {
    /// A JPEG already on the web where Meta's crawler can fetch it.
    image_url: Option<String>,
    /// A prepared JPEG (≤ 8 MiB), base64; the server hosts it for Meta.
    jpeg_base64: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PostRequest {
    account_id: String,
    /// `IMAGE` or `CAROUSEL`; by default from the number of pictures.
    media_type: Option<PostKind>,
    #[serde(default)]
    caption: String,
    scheduled_at: When,
    images: Vec<ImageInput>,
}

#[derive(Debug, Deserialize)]
pub struct EditRequest {
    caption: Option<String>,
    scheduled_at: Option<When>,
}

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    /// From this time (UNIX seconds), inclusive.
    from: Option<i64>,
    /// Up to this time (UNIX seconds), exclusive.
    to: Option<i64>,
}

/// `POST /posts` (editor) → 201 with the stored post.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(request): Json<PostRequest>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Editor)?;
    let now = super::now();
    let scheduled_at = request.scheduled_at.seconds()?;
    if scheduled_at < now - PAST_SLACK_SECS {
        return Err(ApiError::bad_request(
            "scheduled_at is in the past: pick a time from now on",
        ));
    }
    check_caption(&request.caption)?;
    let kind = request.media_type.unwrap_or(if request.images.len() > 1 {
        PostKind::Carousel
    } else {
        PostKind::Image
    });
    let count_ok = match kind {
        PostKind::Image => request.images.len() == 1,
        PostKind::Carousel => (2..=CAROUSEL_MAX).contains(&request.images.len()),
    };
    if !count_ok {
        return Err(ApiError::bad_request(format!(
            "an IMAGE post has 1 picture and a CAROUSEL 2 to {CAROUSEL_MAX}; this one has {}",
            request.images.len()
        )));
    }
    let images = request
        .images
        .into_iter()
        .enumerate()
        .map(|(i, image)| new_image(i + 1, image))
        .collect::<Result<Vec<_>, _>>()?;
    let account_id = request.account_id.trim().to_owned();
    let id = state
        .db
        .create_post(
            NewPost {
                account_id: account_id.clone(),
                kind,
                caption: request.caption,
                scheduled_at,
                created_by: caller.device_id,
                images,
            },
            now,
        )
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "the server has no token for account {account_id}: an admin hands it over first (PUT /accounts/{account_id}, or `socialdesk server share-account`)"
            ))
        })?;
    tracing::info!(post = id, by = caller.device_id, "scheduled a post");
    let post = state.db.post(id).await?.ok_or_else(|| {
        ApiError::not_found(format!("post {id} was deleted before it could be shown"))
    })?;
    Ok((StatusCode::CREATED, Json(shown(&state, post))))
}

/// `GET /posts?from=&to=` (viewer) → `{"data": [...]}` by scheduled time.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(range): Query<RangeQuery>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Viewer)?;
    let posts = state
        .db
        .posts(range.from.unwrap_or(i64::MIN), range.to.unwrap_or(i64::MAX))
        .await?;
    let data: Vec<PostRow> = posts.into_iter().map(|p| shown(&state, p)).collect();
    Ok(Json(serde_json::json!({ "data": data })))
}

/// `GET /posts/{id}` (viewer).
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Viewer)?;
    let post = state.db.post(id).await?.ok_or_else(|| no_such_post(id))?;
    Ok(Json(shown(&state, post)))
}

/// `PATCH /posts/{id} {caption?, scheduled_at?}` (editor): refused with 409 once publishing
/// has started.
pub async fn edit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
    Json(request): Json<EditRequest>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Editor)?;
    let now = super::now();
    let scheduled_at = request
        .scheduled_at
        .as_ref()
        .map(When::seconds)
        .transpose()?;
    if scheduled_at.is_some_and(|at| at < now - PAST_SLACK_SECS) {
        return Err(ApiError::bad_request(
            "scheduled_at is in the past: pick a time from now on",
        ));
    }
    if let Some(caption) = &request.caption {
        check_caption(caption)?;
    }
    let edit = PostEdit {
        caption: request.caption,
        scheduled_at,
    };
    settle(
        state.db.edit_post(id, edit, caller.device_id, now).await?,
        id,
    )?;
    let post = state.db.post(id).await?.ok_or_else(|| no_such_post(id))?;
    Ok(Json(shown(&state, post)))
}

/// `DELETE /posts/{id}` (editor): refused with 409 once publishing has started.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Editor)?;
    settle(
        state
            .db
            .delete_post(id, caller.device_id, super::now())
            .await?,
        id,
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /media/{key}` (no token): an uploaded JPEG, for Meta's crawler.
pub async fn media(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let key = key.trim_end_matches(".jpg").to_owned();
    let bytes = state.db.uploaded_jpeg(key).await?.ok_or_else(|| {
        ApiError::not_found("no such picture (its post may be published already)")
    })?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], Bytes::from(bytes)))
}

/// The public URL of an uploaded picture.
pub fn media_url(state: &AppState, key: &str) -> String {
    format!(
        "{}/media/{key}.jpg",
        state.public_url.as_str().trim_end_matches('/')
    )
}

/// A post as shown: uploaded pictures with the URL Meta fetches them from.
fn shown(state: &AppState, mut post: PostRow) -> PostRow {
    for image in &mut post.images {
        if let Some(key) = &image.public_key {
            image.image_url = Some(media_url(state, key));
        }
    }
    post
}

fn settle(change: Change, id: i64) -> Result<(), ApiError> {
    match change {
        Change::Done => Ok(()),
        Change::NotFound => Err(no_such_post(id)),
        Change::Locked => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "post {id} is being published or is done (published or failed): it can no longer be changed; schedule a new post instead"
            ),
        )),
    }
}

fn no_such_post(id: i64) -> ApiError {
    ApiError::not_found(format!("there is no post {id} (see GET /posts)"))
}

fn check_caption(caption: &str) -> Result<(), ApiError> {
    let chars = caption.chars().count();
    if chars > CAPTION_MAX_CHARS {
        return Err(ApiError::bad_request(format!(
            "the caption has {chars} characters; Instagram takes at most {CAPTION_MAX_CHARS}"
        )));
    }
    Ok(())
}

/// Checks picture `n` of a request and gives uploaded bytes their unguessable key.
fn new_image(n: usize, image: ImageInput) -> Result<NewImage, ApiError> {
    match (image.image_url, image.jpeg_base64) {
        (Some(url), None) => {
            let parsed = url::Url::parse(url.trim()).map_err(|_| {
                ApiError::bad_request(format!("picture {n}: image_url is not a URL"))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ApiError::bad_request(format!(
                    "picture {n}: image_url must be an http(s) URL Meta can fetch"
                )));
            }
            Ok(NewImage::Url(parsed.to_string()))
        }
        (None, Some(data)) => {
            let bytes = STANDARD.decode(data.trim()).map_err(|_| {
                ApiError::bad_request(format!("picture {n}: jpeg_base64 is not base64"))
            })?;
            if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                return Err(ApiError::bad_request(format!(
                    "picture {n} is not a JPEG: Instagram publishes JPEGs only (convert it, or let the desktop prepare it)"
                )));
            }
            if bytes.len() > JPEG_MAX_BYTES {
                return Err(ApiError::bad_request(format!(
                    "picture {n} is {} bytes; Instagram takes JPEGs of at most 8 MiB",
                    bytes.len()
                )));
            }
            let key: [u8; 32] = rand::random();
            Ok(NewImage::Jpeg {
                public_key: URL_SAFE_NO_PAD.encode(key),
                bytes,
            })
        }
        _ => Err(ApiError::bad_request(format!(
            "picture {n}: give exactly one of image_url and jpeg_base64"
        ))),
    }
}
