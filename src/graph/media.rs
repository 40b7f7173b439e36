//! The IG Media node and the `/<IG_ID>/media` edge: what the Feed shows.

use serde::Deserialize;
use serde_json::Value;

use super::page::{FromGraph, Page, decode_as};
use super::time::parse_graph_time;
use super::{GraphClient, GraphError, Session};
use crate::ids::{IgUserId, MediaId};
use crate::model::{Media, MediaChild, MediaType, ProductType};

/// Carousel children as the Feed needs them.
const CHILD_FIELDS: &str = "id,media_type,media_url,thumbnail_url";

/// Every media field the Feed and the detail panel use. Absent values are omitted by Meta.
pub const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,alt_text,children{id,media_type,media_url,thumbnail_url}";

/// The largest `limit` Meta accepts on most edges.
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Deserialize)]
struct ChildWire {
    id: MediaId,
    media_type: Option<MediaType>,
    media_url: Option<String>,
    thumbnail_url: Option<String>,
}

impl From<ChildWire> for MediaChild {
    fn from(w: ChildWire) -> Self {
        Self {
            id: w.id,
            media_type: w.media_type.unwrap_or(MediaType::Other),
            media_url: w.media_url,
            thumbnail_url: w.thumbnail_url,
        }
    }
}

impl FromGraph for MediaChild {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        decode_as::<ChildWire>(value, path).map(Into::into)
    }
}

#[derive(Deserialize)]
struct ChildrenWire {
    #[serde(default)]
    data: Vec<ChildWire>,
}

#[derive(Deserialize)]
struct MediaWire {
    id: MediaId,
    caption: Option<String>,
    media_type: Option<MediaType>,
    media_product_type: Option<ProductType>,
    media_url: Option<String>,
    thumbnail_url: Option<String>,
    permalink: Option<String>,
    shortcode: Option<String>,
    timestamp: Option<String>,
    username: Option<String>,
    like_count: Option<u64>,
    comments_count: Option<u64>,
    alt_text: Option<String>,
    children: Option<ChildrenWire>,
}

impl FromGraph for Media {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        let w: MediaWire = decode_as(value, path)?;
        let raw_time = w
            .timestamp
            .ok_or_else(|| GraphError::decode(format!("{path}.timestamp"), "missing"))?;
        let timestamp = parse_graph_time(&raw_time).ok_or_else(|| {
            GraphError::decode(
                format!("{path}.timestamp"),
                format!("`{raw_time}` is not a date"),
            )
        })?;
        Ok(Media {
            id: w.id,
            caption: w.caption,
            media_type: w.media_type.unwrap_or(MediaType::Other),
            media_product_type: w.media_product_type,
            media_url: w.media_url,
            thumbnail_url: w.thumbnail_url,
            permalink: w.permalink,
            shortcode: w.shortcode,
            timestamp,
            username: w.username,
            like_count: w.like_count,
            comments_count: w.comments_count,
            alt_text: w.alt_text,
            children: w
                .children
                .map(|c| c.data.into_iter().map(Into::into).collect())
                .unwrap_or_default(),
        })
    }
}

/// `client.media(&session)`.
pub struct MediaHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl<'a> MediaHandler<'a> {
    pub(crate) fn new(client: &'a GraphClient, session: &'a Session) -> Self {
        Self { client, session }
    }

    /// The account's media, newest first: `list(id).limit(25).after(cursor).send()`.
    pub fn list(&self, ig_id: &IgUserId) -> ListMedia<'a> {
        ListMedia {
            client: self.client,
            session: self.session,
            ig_id: ig_id.clone(),
            limit: None,
            after: None,
        }
    }

    /// One media with fresh counts and children (`GET /<MEDIA_ID>`).
    pub async fn get(&self, id: &MediaId) -> Result<Media, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                id.as_str(),
                &[("fields", MEDIA_FIELDS.to_owned())],
            )
            .await?;
        Media::from_graph(v, "$")
    }

    /// Meta's copyright check of a published video
    /// (`GET /<MEDIA_ID>?fields=copyright_check_information`).
    pub async fn copyright(
        &self,
        id: &MediaId,
    ) -> Result<crate::model::CopyrightCheck, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                id.as_str(),
                &[("fields", "copyright_check_information".to_owned())],
            )
            .await?;
        Ok(super::publishing::copyright_information_from(
            &v["copyright_check_information"],
        ))
    }

    /// A carousel's items (`GET /<MEDIA_ID>/children`).
    pub async fn children(&self, id: &MediaId) -> Result<Vec<MediaChild>, GraphError> {
        let path = format!("{id}/children");
        let v = self
            .client
            .get_json(self.session, &path, &[("fields", CHILD_FIELDS.to_owned())])
            .await?;
        let first = Page::<MediaChild>::from_json(v)?;
        // A carousel holds at most 10 items; the bound only guards against a broken server.
        self.client.all_pages(self.session, first, 100).await
    }
}

/// A media list request being built (octocrab style: the fields become the query string).
pub struct ListMedia<'a> {
    client: &'a GraphClient,
    session: &'a Session,
    ig_id: IgUserId,
    limit: Option<u32>,
    after: Option<String>,
}

impl ListMedia<'_> {
    /// Items per page (Meta caps it at 100).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Starts after this cursor (`Page::after` of the previous page).
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![("fields", MEDIA_FIELDS.to_owned())];
        if let Some(n) = self.limit {
            p.push(("limit", n.to_string()));
        }
        if let Some(a) = &self.after {
            p.push(("after", a.clone()));
        }
        p
    }

    /// Reads one page.
    pub async fn send(self) -> Result<Page<Media>, GraphError> {
        let path = format!("{}/media", self.ig_id);
        let v = self
            .client
            .get_json(self.session, &path, &self.params())
            .await?;
        Page::from_json(v)
    }

    /// Reads pages until the edge ends or `max_items` media are collected.
    pub async fn all(self, max_items: usize) -> Result<Vec<Media>, GraphError> {
        let (client, session) = (self.client, self.session);
        let first = self.send().await?;
        client.all_pages(session, first, max_items).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ErrorKind;

    #[test]
    fn decodes_a_carousel_with_children_and_omitted_fields() {
        let v = serde_json::json!({
            "id": "1790", "media_type": "CAROUSEL_ALBUM", "media_product_type": "FEED",
            "timestamp": "2019-04-05T07:56:32+0000", "comments_count": 3,
            "children": {"data": [
                {"id": "1", "media_type": "IMAGE", "media_url": "https://x/1.jpg"},
                {"id": 2, "media_type": "VIDEO", "media_url": "https://x/2.mp4", "thumbnail_url": "https://x/2.jpg"}
            ]}
        });
        let m = Media::from_graph(v, "$").expect("media");
        assert_eq!(m.media_type, MediaType::CarouselAlbum);
        assert_eq!(m.like_count, None);
        assert_eq!(m.comments_count, Some(3));
        assert_eq!(m.children.len(), 2);
        assert_eq!(m.children[1].id.as_str(), "2");
        assert_eq!(m.preview_url(), Some("https://x/1.jpg"));
        assert_eq!(m.timestamp.to_rfc3339(), "2019-04-05T07:56:32+00:00");
    }

    #[test]
    fn a_bad_timestamp_names_its_path() {
        let v = serde_json::json!({"data":[{"id":"1","timestamp":"2019-04-05T07:56:32+0000"},{"id":"2","timestamp":"soon"}]});
        let err = Page::<Media>::from_json(v).expect_err("bad date");
        assert_eq!(
            err.kind,
            ErrorKind::Decode {
                path: "data[1].timestamp".into()
            }
        );
    }
}
