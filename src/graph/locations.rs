//! Places for location tags: Facebook's Pages Search (`GET /pages/search?q=…&fields=
//! id,name,location`), Facebook Login only.
//!
//! A post's `location_id` is the id of a Page that represents a physical place; Meta refuses
//! one without latitude and longitude (`INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID`,
//! facebook-login.md §7.9), so results say whether each can be used.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::page::{FromGraph, Page, decode_as};
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::model::LoginKind;

/// Results asked for per search.
const SEARCH_LIMIT: usize = 25;

/// The address part of a Page (`location`); every member may be missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlaceAddress {
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// A Page found by Pages Search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: Option<PlaceAddress>,
}

impl Place {
    /// Meta only tags posts with Pages that have coordinates.
    pub fn taggable(&self) -> bool {
        self.location
            .as_ref()
            .is_some_and(|l| l.latitude.is_some() && l.longitude.is_some())
    }

    /// "Street, City, Country" from what the Page has.
    pub fn address(&self) -> String {
        let Some(l) = &self.location else {
            return String::new();
        };
        [&l.street, &l.city, &l.country]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromGraph for Place {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        decode_as(value, path)
    }
}

/// Why locations cannot be searched for an account.
pub const NEEDS_FACEBOOK_LOGIN: &str = "location search uses Facebook's Pages Search, which needs an account connected with Facebook Login; reconnect this account through its Facebook Page to tag locations";

/// `client.locations(&session)`.
pub struct LocationsHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Pages Search for location tags (Facebook Login).
    pub fn locations<'a>(&'a self, session: &'a Session) -> LocationsHandler<'a> {
        LocationsHandler {
            client: self,
            session,
        }
    }
}

impl LocationsHandler<'_> {
    /// Pages whose name matches `query`, with their address (first page of results).
    pub async fn search(&self, query: &str) -> Result<Vec<Place>, GraphError> {
        if self.session.login != LoginKind::Facebook {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                NEEDS_FACEBOOK_LOGIN,
            ));
        }
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let v = self
            .client
            .get_json(
                self.session,
                "pages/search",
                &[
                    ("q", query.to_owned()),
                    ("fields", "id,name,location".to_owned()),
                    ("limit", SEARCH_LIMIT.to_string()),
                ],
            )
            .await?;
        Ok(Page::<Place>::from_json(v)?.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_without_coordinates_are_not_taggable() {
        let v = serde_json::json!({"data":[
            {"id":"1","name":"Cafe","location":{"street":"1 Main St","city":"Portland","country":"United States","latitude":45.5,"longitude":-122.6}},
            {"id":"2","name":"Festival","location":{"city":"Portland"}},
            {"id":"3","name":"Community"}
        ]});
        let p = Page::<Place>::from_json(v).expect("places").items;
        assert!(p[0].taggable());
        assert_eq!(p[0].address(), "1 Main St, Portland, United States");
        assert!(!p[1].taggable());
        assert!(!p[2].taggable());
        assert_eq!(p[2].address(), "");
    }
}
