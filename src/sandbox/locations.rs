//! Places for location tags: Facebook's Pages Search (`GET /facebook/pages/search?q=…`) over
//! a fixed set of demo Pages, and the check `location_id` must pass on container creation.
//!
//! Meta's rule (facebook-login.md §7.9, seed 002 lines 861-872): a location tag is the id of
//! a Page that has a latitude and a longitude; any other id fails container creation with
//! the coded exception `INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID`. So some demo places
//! here deliberately lack coordinates (an event with only a city, a community with no
//! address at all), as real search results do.
//!
//! Pages Search exists only on graph.facebook.com: on the Instagram host the path is not a
//! node and answers like any unknown object. Its documented shape is the usual Graph list,
//! `{"data":[{"id","name","location":{…}}],"paging":{…}}`, where `location` carries
//! `street`, `city`, `state`, `country`, `zip`, `latitude`, `longitude` when the Page has them;
//! `fields` defaults to `id,name`.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::errors::GraphError;
use super::paging::{Keyed, paginate, parse_limit};
use super::server::Req;
use super::state::{Inner, Login, Token};

/// The searchable places and the location each published media was tagged with (the IG
/// Media node has no location field, so this is read through [`SandboxControl`] only).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Places {
    pub list: Vec<Place>,
    /// media id → place id.
    pub tagged: HashMap<String, String>,
}

impl super::SandboxControl {
    /// The place a published media was tagged with (`location_id` of its container).
    pub fn media_location(&self, media_id: &str) -> Option<String> {
        self.inner.demo().places.tagged.get(media_id).cloned()
    }
}

/// A Page that may stand for a physical place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub street: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub zip: Option<String>,
    /// Both or neither: only Pages with coordinates can be tagged.
    pub coordinates: Option<(f64, f64)>,
}

impl Keyed for Place {
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Place {
    /// Whether a post can be tagged with this place.
    pub fn taggable(&self) -> bool {
        self.coordinates.is_some()
    }

    fn location(&self) -> Option<Value> {
        let mut m = Map::new();
        for (k, v) in [
            ("street", &self.street),
            ("city", &self.city),
            ("country", &self.country),
            ("zip", &self.zip),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        if let Some((lat, lon)) = self.coordinates {
            m.insert("latitude".into(), json!(lat));
            m.insert("longitude".into(), json!(lon));
        }
        (!m.is_empty()).then_some(Value::Object(m))
    }
}

fn place(
    id: &str,
    name: &str,
    street: Option<&str>,
    city: Option<&str>,
    country: Option<&str>,
    coordinates: Option<(f64, f64)>,
) -> Place {
    Place {
        id: id.into(),
        name: name.into(),
        street: street.map(str::to_owned),
        city: city.map(str::to_owned),
        country: country.map(str::to_owned),
        zip: street.map(|_| "97204".to_owned()),
        coordinates,
    }
}

/// The demo places.
pub fn demo_places() -> Places {
    Places {
        list: place_list(),
        tagged: HashMap::new(),
    }
}

/// Most with coordinates, three without (not taggable).
fn place_list() -> Vec<Place> {
    let us = Some("United States");
    let pdx = Some("Portland");
    vec![
        // The demo user's own Pages (demo.rs): the coffee shop has an address, the events
        // Page none.
        place(
            "104000000000001",
            "Northwind Coffee Roasters",
            Some("12 Harbour Street"),
            pdx,
            us,
            Some((45.5231, -122.6765)),
        ),
        place(
            "104000000000002",
            "Northwind Events",
            None,
            None,
            None,
            None,
        ),
        place(
            "110000000000002",
            "Harbour Bakery",
            Some("40 SW Harbour Way"),
            pdx,
            us,
            Some((45.5202, -122.6741)),
        ),
        place(
            "110000000000003",
            "Pioneer Courthouse Square",
            Some("701 SW 6th Ave"),
            pdx,
            us,
            Some((45.5189, -122.6793)),
        ),
        place(
            "110000000000004",
            "Blue Door Coffee Bar",
            Some("3 Alder Street"),
            pdx,
            us,
            Some((45.5215, -122.6812)),
        ),
        // An event Page: a city, but no coordinates.
        place(
            "110000000000005",
            "Portland Coffee Festival",
            None,
            pdx,
            us,
            None,
        ),
        // A community Page: no address at all.
        place(
            "110000000000006",
            "Coffee Lovers Community",
            None,
            None,
            None,
            None,
        ),
    ]
}

/// Serves `GET /facebook/pages/search`; `None` for any other path.
pub fn serve(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    path: &[&str],
    _token: &Token,
) -> Option<Result<Value, GraphError>> {
    if login != Login::Facebook || path != ["pages", "search"] {
        return None;
    }
    if req.method != axum::http::Method::GET {
        return Some(Err(
            GraphError::unsupported_get("pages/search").with_method(&req.method)
        ));
    }
    Some(search(inner, req))
}

fn search(inner: &Arc<Inner>, req: &Req) -> Result<Value, GraphError> {
    let q = req
        .param("q")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| {
            GraphError::invalid_parameter(
                "(#100) The parameter q is required: the words the Page name must contain",
            )
        })?
        .to_lowercase();
    let fields: Vec<String> = req
        .param("fields")
        .unwrap_or("id,name")
        .split(',')
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    for f in &fields {
        if !matches!(f.as_str(), "id" | "name" | "location" | "link") {
            return Err(GraphError::nonexisting_field(f, "Page"));
        }
    }
    let limit = parse_limit(req.param("limit"))?;
    let demo = inner.demo();
    let words: Vec<&str> = q.split_whitespace().collect();
    let hits: Vec<Place> = demo
        .places
        .list
        .iter()
        .filter(|p| {
            let name = p.name.to_lowercase();
            words.iter().all(|w| name.contains(w))
        })
        .cloned()
        .collect();
    let page = paginate(&hits, limit, req.param("after"), req.param("before"))?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|p| {
            let mut m = Map::new();
            for f in &fields {
                let v = match f.as_str() {
                    "id" => json!(p.id),
                    "name" => json!(p.name),
                    "link" => json!(format!("https://www.facebook.com/{}", p.id)),
                    _ => match p.location() {
                        Some(l) => l,
                        None => continue,
                    },
                };
                m.insert(f.clone(), v);
            }
            Value::Object(m)
        })
        .collect();
    let mut out = json!({ "data": data });
    if let Some(cursors) = page.cursors() {
        let mut paging = json!({ "cursors": cursors });
        if page.has_next {
            let mut url = inner.root.clone();
            url.set_path(&format!("facebook/{}/pages/search", super::API_VERSION));
            url.query_pairs_mut()
                .append_pair("q", &q)
                .append_pair("fields", &fields.join(","))
                .append_pair("limit", &limit.to_string())
                .append_pair("after", &page.after_cursor);
            paging["next"] = json!(url.to_string());
        }
        out["paging"] = paging;
    }
    Ok(out)
}

/// `location_id` on container creation: the id of a known Page with coordinates.
pub fn check_location(inner: &Inner, location_id: &str) -> Result<String, GraphError> {
    let demo = inner.demo();
    match demo.places.list.iter().find(|p| p.id == location_id) {
        Some(p) if p.taggable() => Ok(p.id.clone()),
        Some(p) => Err(invalid_location(&format!(
            "the Page '{}' ({location_id}) has no latitude and longitude, so it cannot be used as a location; pick a Page that represents a physical place",
            p.name
        ))),
        None => Err(invalid_location(&format!(
            "'{location_id}' is not the id of a Page with a location; find one with GET /pages/search?q=…&fields=id,name,location"
        ))),
    }
}

fn invalid_location(detail: &str) -> GraphError {
    let mut e = GraphError::invalid_parameter(format!(
        "(#100) INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID: {detail}"
    ));
    e.user_title = Some("Invalid location".into());
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_demo_places_cannot_be_tagged() {
        let places = place_list();
        assert!(places.iter().filter(|p| p.taggable()).count() >= 3);
        let untaggable: Vec<_> = places.iter().filter(|p| !p.taggable()).collect();
        assert_eq!(untaggable.len(), 3);
        // One has a city but no coordinates: a location object without latitude.
        let festival = places
            .iter()
            .find(|p| p.name == "Portland Coffee Festival")
            .and_then(Place::location)
            .expect("has a city");
        assert!(festival.get("latitude").is_none());
        assert!(untaggable[0].location().is_none());
    }
}
