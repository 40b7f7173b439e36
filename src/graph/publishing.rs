//! Content publishing: the publishing limit, media containers, their status, and
//! `media_publish`.
//!
//! The three documented steps: `POST /<IG_ID>/media` creates a container (Meta fetches the
//! `image_url` / `video_url`), `GET /<CONTAINER_ID>?fields=status_code,status` reports
//! processing, and `POST /<IG_ID>/media_publish?creation_id=` turns a `FINISHED` container
//! into a post. POSTs are never retried here (`idempotent: false`): the publish pipeline
//! decides what is safe to resend, from its journal.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::GraphRequest;
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{ContainerId, IgUserId, MediaId};
use crate::model::{CopyrightCheck, CopyrightMatch};

/// What a container will become (`media_type`; `None` = a feed image).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerType {
    Image,
    /// A video inside a carousel (`media_type=VIDEO` with `is_carousel_item`).
    CarouselVideo,
    Reels,
    Stories,
    Carousel,
}

/// A user tag as Meta takes it: fractions of the published image from its top-left.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagAt {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// Parameters of `POST /<IG_ID>/media`.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerRequest {
    pub kind: ContainerType,
    pub image_url: Option<String>,
    pub video_url: Option<String>,
    pub is_carousel_item: bool,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub user_tags: Vec<TagAt>,
    /// Carousel children container ids.
    pub children: Vec<ContainerId>,
    /// Reels: also show in the feed.
    pub share_to_feed: Option<bool>,
    /// Products tagged (Facebook Login): x/y on images, none on videos.
    pub product_tags: Vec<ProductTagAt>,
    /// Videos: the cover frame in ms (`thumb_offset`).
    pub thumb_offset_ms: Option<u64>,
    /// Reels: a cover image URL (`cover_url`).
    pub cover_url: Option<String>,
    /// Videos on Facebook Login: `upload_type=resumable` instead of `video_url`; the bytes
    /// then go to rupload ([`super::rupload`]).
    pub resumable: bool,
    /// A Page id with coordinates (`location_id`): images, carousel items, reels.
    pub location_id: Option<String>,
    /// Usernames invited as collaborators (Facebook Login; at most 3, not on stories).
    pub collaborators: Vec<String>,
}

/// A product tag as Meta takes it in `product_tags`: the id as a string, coordinates only on
/// images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductTagAt {
    pub product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

impl ContainerRequest {
    /// An empty request of `kind`; fill in the fields that apply.
    pub fn new(kind: ContainerType) -> Self {
        Self {
            kind,
            image_url: None,
            video_url: None,
            is_carousel_item: false,
            caption: None,
            alt_text: None,
            user_tags: Vec::new(),
            children: Vec::new(),
            share_to_feed: None,
            product_tags: Vec::new(),
            thumb_offset_ms: None,
            cover_url: None,
            resumable: false,
            location_id: None,
            collaborators: Vec::new(),
        }
    }

    fn form(&self) -> Result<Vec<(&'static str, String)>, GraphError> {
        let mut form = Vec::new();
        match self.kind {
            ContainerType::Image => {}
            ContainerType::CarouselVideo => form.push(("media_type", "VIDEO".to_owned())),
            ContainerType::Reels => form.push(("media_type", "REELS".to_owned())),
            ContainerType::Stories => form.push(("media_type", "STORIES".to_owned())),
            ContainerType::Carousel => form.push(("media_type", "CAROUSEL".to_owned())),
        }
        if let Some(u) = &self.image_url {
            form.push(("image_url", u.clone()));
        }
        if let Some(u) = &self.video_url {
            form.push(("video_url", u.clone()));
        }
        if self.is_carousel_item {
            form.push(("is_carousel_item", "true".to_owned()));
        }
        if let Some(c) = &self.caption {
            form.push(("caption", c.clone()));
        }
        if let Some(a) = &self.alt_text {
            form.push(("alt_text", a.clone()));
        }
        if !self.user_tags.is_empty() {
            let tags = serde_json::to_string(&self.user_tags)
                .map_err(|e| GraphError::new(ErrorKind::Other, format!("user_tags: {e}")))?;
            form.push(("user_tags", tags));
        }
        if !self.children.is_empty() {
            let ids: Vec<&str> = self.children.iter().map(ContainerId::as_str).collect();
            form.push(("children", ids.join(",")));
        }
        if let Some(s) = self.share_to_feed {
            form.push(("share_to_feed", s.to_string()));
        }
        if !self.product_tags.is_empty() {
            let tags = serde_json::to_string(&self.product_tags)
                .map_err(|e| GraphError::new(ErrorKind::Other, format!("product_tags: {e}")))?;
            form.push(("product_tags", tags));
        }
        if let Some(ms) = self.thumb_offset_ms {
            form.push(("thumb_offset", ms.to_string()));
        }
        if let Some(u) = &self.cover_url {
            form.push(("cover_url", u.clone()));
        }
        if self.resumable {
            form.push(("upload_type", "resumable".to_owned()));
        }
        if let Some(l) = &self.location_id {
            form.push(("location_id", l.clone()));
        }
        if !self.collaborators.is_empty() {
            let names = serde_json::to_string(&self.collaborators)
                .map_err(|e| GraphError::new(ErrorKind::Other, format!("collaborators: {e}")))?;
            form.push(("collaborators", names));
        }
        Ok(form)
    }
}

/// `status_code` of a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusCode {
    InProgress,
    Finished,
    Published,
    Expired,
    Error,
    Other(String),
}

/// `copyright_check_status` of a container: `{status, matches_found}`, and, per the
/// guide's text, the match's `author`, `content_title`, `owner_copyright_policy` beside them.
pub fn copyright_status_from(v: &serde_json::Value) -> CopyrightCheck {
    let matches_found = v["matches_found"].as_bool().unwrap_or(false);
    let found = copyright_match_from(v);
    CopyrightCheck {
        status: v["status"].as_str().unwrap_or_default().to_owned(),
        matches_found,
        matches: if matches_found {
            vec![found]
        } else {
            Vec::new()
        },
    }
}

/// `copyright_check_information` of published media: `{status: {status, matches_found},
/// copyright_matches: [...]}`.
pub fn copyright_information_from(v: &serde_json::Value) -> CopyrightCheck {
    let status = &v["status"];
    CopyrightCheck {
        status: status["status"].as_str().unwrap_or_default().to_owned(),
        matches_found: status["matches_found"].as_bool().unwrap_or(false),
        matches: v["copyright_matches"]
            .as_array()
            .map(|list| list.iter().map(copyright_match_from).collect())
            .unwrap_or_default(),
    }
}

fn copyright_match_from(v: &serde_json::Value) -> CopyrightMatch {
    let text = |key: &str| v[key].as_str().map(str::to_owned);
    let policy = &v["owner_copyright_policy"];
    let actions = policy["actions"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    let geos = a["geos"]
                        .as_array()
                        .map(|g| {
                            g.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    Some((a["action"].as_str()?.to_owned(), geos))
                })
                .collect()
        })
        .unwrap_or_default();
    CopyrightMatch {
        content_title: text("content_title"),
        author: text("author"),
        owner: policy["name"].as_str().map(str::to_owned),
        actions,
    }
}

/// A container's processing state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerStatus {
    pub code: StatusCode,
    /// Meta's `status` text (for ERROR it carries the error subcode).
    pub status: Option<String>,
}

impl ContainerStatus {
    /// The 2207xxx subcode quoted in an ERROR `status`, if any.
    pub fn error_subcode(&self) -> Option<i64> {
        let text = self.status.as_deref()?;
        text.split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() >= 6)
            .find_map(|w| w.parse().ok())
    }
}

/// The account's 24-hour publishing quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishingLimit {
    pub quota_usage: u64,
    pub quota_total: u64,
    pub quota_duration_secs: u64,
}

impl PublishingLimit {
    pub fn exhausted(&self) -> bool {
        self.quota_usage >= self.quota_total
    }
}

/// `client.publishing(&session)`.
pub struct PublishingHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Containers, status, media_publish and the publishing limit.
    pub fn publishing<'a>(&'a self, session: &'a Session) -> PublishingHandler<'a> {
        PublishingHandler {
            client: self,
            session,
        }
    }
}

fn id_of(v: &Value, what: &str) -> Result<String, GraphError> {
    match &v["id"] {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(GraphError::decode(format!("$.id ({what})"), "missing")),
    }
}

impl PublishingHandler<'_> {
    async fn post(
        &self,
        path: &str,
        form: Vec<(&'static str, String)>,
    ) -> Result<Value, GraphError> {
        let url = self.client.versioned_url(self.session.login, path)?;
        let request = GraphRequest {
            method: Method::POST,
            url,
            query: Vec::new(),
            form: Some(form),
            session: Some(self.session),
            idempotent: false,
        };
        self.client.execute(request).await
    }

    /// `GET /<IG_ID>/content_publishing_limit?fields=quota_usage,config`.
    pub async fn limit(&self, ig_id: &IgUserId) -> Result<PublishingLimit, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                &format!("{ig_id}/content_publishing_limit"),
                &[("fields", "quota_usage,config".to_owned())],
            )
            .await?;
        let entry = &v["data"][0];
        let usage = entry["quota_usage"]
            .as_u64()
            .ok_or_else(|| GraphError::decode("data[0].quota_usage", "missing"))?;
        Ok(PublishingLimit {
            quota_usage: usage,
            // Meta documents 100 posts a day when `config` is left out.
            quota_total: entry["config"]["quota_total"].as_u64().unwrap_or(100),
            quota_duration_secs: entry["config"]["quota_duration"].as_u64().unwrap_or(86_400),
        })
    }

    /// `POST /<IG_ID>/media`: creates a container.
    pub async fn create_container(
        &self,
        ig_id: &IgUserId,
        request: &ContainerRequest,
    ) -> Result<ContainerId, GraphError> {
        let v = self
            .post(&format!("{ig_id}/media"), request.form()?)
            .await?;
        Ok(ContainerId(id_of(&v, "container")?))
    }

    /// `GET /<CONTAINER_ID>?fields=status_code,status`.
    pub async fn status(&self, container: &ContainerId) -> Result<ContainerStatus, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                container.as_str(),
                &[("fields", "status_code,status".to_owned())],
            )
            .await?;
        let code = match v["status_code"].as_str() {
            Some("IN_PROGRESS") => StatusCode::InProgress,
            Some("FINISHED") => StatusCode::Finished,
            Some("PUBLISHED") => StatusCode::Published,
            Some("EXPIRED") => StatusCode::Expired,
            Some("ERROR") => StatusCode::Error,
            Some(other) => StatusCode::Other(other.to_owned()),
            None => return Err(GraphError::decode("$.status_code", "missing")),
        };
        Ok(ContainerStatus {
            code,
            status: v["status"].as_str().map(str::to_owned),
        })
    }

    /// `GET /<CONTAINER_ID>?fields=copyright_check_status`: the copyright check of an
    /// uploaded, unpublished video.
    pub async fn copyright(&self, container: &ContainerId) -> Result<CopyrightCheck, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                container.as_str(),
                &[("fields", "copyright_check_status".to_owned())],
            )
            .await?;
        Ok(copyright_status_from(&v["copyright_check_status"]))
    }

    /// `POST /<IG_ID>/media_publish?creation_id=`: publishes a finished container.
    pub async fn publish(
        &self,
        ig_id: &IgUserId,
        container: &ContainerId,
    ) -> Result<MediaId, GraphError> {
        let v = self
            .post(
                &format!("{ig_id}/media_publish"),
                vec![("creation_id", container.to_string())],
            )
            .await?;
        Ok(MediaId(id_of(&v, "media")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_carries_every_parameter() {
        let mut r = ContainerRequest::new(ContainerType::Image);
        r.image_url = Some("https://h/a.jpg".into());
        r.caption = Some("hi".into());
        r.user_tags = vec![TagAt {
            username: "mira".into(),
            x: Some(0.25),
            y: Some(0.5),
        }];
        let form = r.form().expect("form");
        assert!(form.contains(&("image_url", "https://h/a.jpg".into())));
        assert!(form.contains(&(
            "user_tags",
            r#"[{"username":"mira","x":0.25,"y":0.5}]"#.into()
        )));
        assert!(!form.iter().any(|(k, _)| *k == "media_type"));

        let mut v = ContainerRequest::new(ContainerType::Reels);
        v.resumable = true;
        v.location_id = Some("110".into());
        v.collaborators = vec!["mira".into(), "leo".into()];
        let form = v.form().expect("form");
        assert!(form.contains(&("upload_type", "resumable".into())));
        assert!(form.contains(&("location_id", "110".into())));
        assert!(form.contains(&("collaborators", r#"["mira","leo"]"#.into())));
        assert!(!form.iter().any(|(k, _)| *k == "video_url"));

        let mut c = ContainerRequest::new(ContainerType::Carousel);
        c.children = vec![ContainerId::from("1"), ContainerId::from("2")];
        let form = c.form().expect("form");
        assert!(form.contains(&("media_type", "CAROUSEL".into())));
        assert!(form.contains(&("children", "1,2".into())));
    }

    #[test]
    fn error_status_yields_its_subcode() {
        let s = ContainerStatus {
            code: StatusCode::Error,
            status: Some("Error: Media upload has failed with error code 2207026".into()),
        };
        assert_eq!(s.error_subcode(), Some(2207026));
    }
}
