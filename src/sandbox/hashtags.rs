//! Hashtag Search on graph.facebook.com (seed 002 "Hashtag Search", lines 1095-1175;
//! facebook-login.md §11): `GET /ig_hashtag_search?user_id=&q=`, the hashtag node
//! (`GET /{hashtag-id}?fields=id,name`), its `top_media` and `recent_media` edges, and
//! `GET /{ig-user-id}/recently_searched_hashtags`.
//!
//! What Meta documents and this module reproduces:
//! - Facebook Login only: on the Instagram host these paths name nothing (code 803).
//! - Hashtag ids are static and global, so they are derived from the name alone.
//! - At most 30 unique hashtags per IG account in a rolling 7 days, measured on the sandbox
//!   clock (`POST /__sandbox/clock?advance_secs=` crosses the boundary). A hashtag counts
//!   from its first query; querying it again within its 7 days is free and does not restart
//!   its timer. Querying `top_media`/`recent_media` counts as a query too (ids are global, so
//!   a client could skip the search). The 31st answers code 24 (the seeds name no code).
//! - Emojis in queries are refused; a few demo hashtags stand for "sensitive" ones and
//!   answer a generic error.
//! - `top_media`/`recent_media` need `user_id`, page at most 50 per page with only an
//!   `after` cursor, return public photos only, `recent_media` only the last 24 hours, and
//!   never `username` or `owner` (no personally identifiable information).
//! - `recently_searched_hashtags`: the account's hashtags of the last 7 days, 25 per page by
//!   default, at most 30.
//!
//! Media is a deterministic stream per hashtag (a post every few minutes, its id and counts
//! derived from the name and its slot), so it stays consistent as the sandbox clock moves.
//! The guide's sample answers `{"id":…}` for a search; the endpoint reference (and every
//! client, e.g. python-facebook-api) reads `{"data":[{"id":…}]}`, which is served here.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::Method;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::access::visible_ig_ids;
use super::demo::Aspect;
use super::errors::GraphError;
use super::fields::{self, Field};
use super::graph::format_time;
use super::paging::{Keyed, paginate};
use super::server::Req;
use super::state::{Inner, Login, Token};

/// Unique hashtags one account may query in [`WINDOW_DAYS`].
pub const UNIQUE_LIMIT: usize = 30;
/// The rolling window of the limit.
pub const WINDOW_DAYS: i64 = 7;
/// Largest page of `top_media`/`recent_media`.
const MEDIA_PAGE_MAX: usize = 50;
/// How many top media a hashtag has.
const TOP_COUNT: usize = 50;
/// `recently_searched_hashtags`: default and largest page.
const RECENT_DEFAULT: usize = 25;
const RECENT_MAX: usize = 30;
/// Hashtag ids: 17843 followed by 12 digits.
const HASHTAG_ID_BASE: u64 = 17_843_000_000_000_000;
/// Media found through a hashtag: 1796 followed by 13 digits (demo media start at 1790…).
pub const HASHTAG_MEDIA_BASE: u64 = 17_960_000_000_000_000;
/// Demo hashtags that stand for ones Meta deems sensitive: they answer a generic error.
const SENSITIVE: &[&str] = &["nsfw", "gore"];
/// Demo hashtags with busy streams (minutes between posts); others post every 3 hours.
const BUSY: &[(&str, i64)] = &[
    ("coffee", 9),
    ("latte", 20),
    ("latteart", 35),
    ("ceramics", 40),
    ("handmade", 15),
    ("portland", 25),
];
const CAPTIONS: &[&str] = &[
    "Morning ritual #{}",
    "Can't get enough of this #{} ✨",
    "Weekend vibes #{} #goodtimes",
    "New favourite spot #{}",
    "Made this today #{} #process",
    "Golden hour #{}",
    "Tiny details #{}",
];

/// Every account's queried hashtags (kept in the world, so a persisted sandbox keeps the
/// budget across restarts).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Searches {
    /// IG user id → hashtags in order of first query.
    pub by_account: BTreeMap<String, Vec<Searched>>,
}

/// One hashtag's first query by one account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Searched {
    pub name: String,
    pub first: DateTime<Utc>,
}

/// SplitMix64 over a string: stable ids and counts.
pub fn hash(s: &str) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in s.bytes() {
        h = mix(h ^ u64::from(b));
    }
    h
}

/// One SplitMix64 step.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The global id of a hashtag.
pub fn hashtag_id(name: &str) -> String {
    (HASHTAG_ID_BASE + hash(name) % 1_000_000_000_000).to_string()
}

/// The CDN picture (demo photo index and shape) of a media found through a hashtag or
/// Business Discovery, from its id alone; `None` for any other id.
pub fn cdn_picture(id: &str) -> Option<(usize, Aspect)> {
    let n: u64 = id.parse().ok()?;
    if !(HASHTAG_MEDIA_BASE..HASHTAG_MEDIA_BASE + 20_000_000_000_000).contains(&n) {
        return None;
    }
    let h = mix(n);
    let aspect = match h % 4 {
        0 | 1 => Aspect::Square,
        2 => Aspect::Portrait,
        _ => Aspect::Landscape,
    };
    Some(((h >> 8) as usize % super::demo::PHOTO_COUNT, aspect))
}

/// Normalises `q`: lower case without a leading `#`; refuses emoji and anything but letters,
/// digits and `_` with code 100.
fn normalise(q: Option<&str>) -> Result<String, GraphError> {
    let raw = q
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| GraphError::invalid_parameter("(#100) The parameter q is required"))?;
    let name = raw.trim_start_matches('#').to_lowercase();
    if name.chars().any(is_emoji) {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) Emojis in hashtag queries are not supported: '{raw}'"
        )));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) '{raw}' is not a hashtag: use letters, digits and _ only"
        )));
    }
    Ok(name)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

/// Serves the Hashtag Search paths on the Facebook host; `None` for any other path.
pub fn serve(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    path: &[&str],
    token: &Token,
) -> Option<Result<Value, GraphError>> {
    if login != Login::Facebook {
        return None;
    }
    let route = match path {
        ["ig_hashtag_search"] => Route::Search,
        [ig, "recently_searched_hashtags"] => Route::Recent(ig),
        [id, edge @ ("top_media" | "recent_media")] if is_hashtag_id(inner, id) => {
            Route::Media(id, *edge == "recent_media")
        }
        [id] if is_hashtag_id(inner, id) => Route::Node(id),
        _ => return None,
    };
    if req.method != Method::GET {
        return Some(Err(
            GraphError::unsupported_get(&path.join("/")).with_method(&req.method)
        ));
    }
    if !token.has_scope(Login::Facebook.basic_scope()) {
        return Some(Err(GraphError::missing_permission(
            Login::Facebook.basic_scope(),
        )));
    }
    let selection = match req.param("fields").map(fields::parse).transpose() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return Some(Err(GraphError::invalid_parameter(e.to_string()))),
    };
    Some(match route {
        Route::Search => search(inner, req, token, &selection),
        Route::Node(id) => node(inner, id, &selection),
        Route::Media(id, recent) => media(inner, req, token, id, recent, &selection),
        Route::Recent(ig) => recently_searched(inner, req, token, ig, &selection),
    })
}

enum Route<'p> {
    Search,
    Node(&'p str),
    Media(&'p str, bool),
    Recent(&'p str),
}

/// The name of a hashtag id this sandbox has heard of (a demo one or one searched before).
fn name_of(inner: &Inner, id: &str) -> Option<String> {
    BUSY.iter()
        .map(|(n, _)| (*n).to_owned())
        .chain(
            inner
                .demo()
                .hashtag_searches
                .by_account
                .values()
                .flatten()
                .map(|s| s.name.clone()),
        )
        .find(|n| hashtag_id(n) == id)
}

fn is_hashtag_id(inner: &Inner, id: &str) -> bool {
    id.len() == 17 && id.starts_with("17843") && name_of(inner, id).is_some()
}

/// `user_id`: required, and an IG account this token may act for.
fn querying_user(inner: &Inner, req: &Req, token: &Token) -> Result<String, GraphError> {
    let user = req
        .param("user_id")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            GraphError::invalid_parameter(
                "(#100) The parameter user_id is required: the id of the IG user making the query",
            )
        })?;
    if !visible_ig_ids(&inner.demo(), token)
        .iter()
        .any(|v| v == user)
    {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) user_id {user} is not an Instagram professional account this token can act for"
        )));
    }
    Ok(user.to_owned())
}

/// Counts `name` against `user`'s budget, refusing a 31st unique hashtag in 7 days.
fn record_query(inner: &Inner, user: &str, name: &str) -> Result<(), GraphError> {
    let now = inner.now();
    {
        let demo = inner.demo();
        if let Some(list) = demo.hashtag_searches.by_account.get(user) {
            let live: Vec<&Searched> = list
                .iter()
                .filter(|s| now - s.first < Duration::days(WINDOW_DAYS))
                .collect();
            if live.iter().any(|s| s.name == name) {
                return Ok(());
            }
            if live.len() >= UNIQUE_LIMIT {
                let mut e = GraphError::oauth(
                    24,
                    format!(
                        "(#24) This Instagram account has queried {UNIQUE_LIMIT} unique hashtags in the last {WINDOW_DAYS} days, the most allowed"
                    ),
                );
                e.user_title = Some("Hashtag limit reached".into());
                e.user_msg = Some(format!(
                    "You can query up to {UNIQUE_LIMIT} unique hashtags in a rolling {WINDOW_DAYS}-day period."
                ));
                return Err(e);
            }
        }
    }
    let mut demo = inner.demo_mut();
    let list = demo
        .hashtag_searches
        .by_account
        .entry(user.to_owned())
        .or_default();
    // Entries older than the window no longer count; a re-query starts a new window.
    list.retain(|s| now - s.first < Duration::days(WINDOW_DAYS));
    list.push(Searched {
        name: name.to_owned(),
        first: now,
    });
    Ok(())
}

/// `GET /ig_hashtag_search?user_id=&q=`.
fn search(
    inner: &Inner,
    req: &Req,
    token: &Token,
    selection: &[Field],
) -> Result<Value, GraphError> {
    let user = querying_user(inner, req, token)?;
    let name = normalise(req.param("q"))?;
    if SENSITIVE.contains(&name.as_str()) {
        return Err(GraphError::oauth(1, "An unknown error has occurred."));
    }
    record_query(inner, &user, &name)?;
    Ok(json!({ "data": [hashtag_fields(&name, selection)?] }))
}

fn hashtag_fields(name: &str, selection: &[Field]) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for f in selection {
        match f.name.as_str() {
            "id" => {}
            "name" => {
                out.insert("name".into(), json!(name));
            }
            other => return Err(GraphError::nonexisting_field(other, "IGHashtag")),
        }
    }
    out.insert("id".into(), json!(hashtag_id(name)));
    Ok(Value::Object(out))
}

/// `GET /{hashtag-id}`.
fn node(inner: &Inner, id: &str, selection: &[Field]) -> Result<Value, GraphError> {
    let name = name_of(inner, id).ok_or_else(|| GraphError::unknown_object(id))?;
    hashtag_fields(&name, selection)
}

/// One post of a hashtag's stream.
#[derive(Clone, Debug)]
struct Post {
    id: String,
    name: String,
    slot: i64,
    at: DateTime<Utc>,
    likes: u64,
    comments: u64,
}

impl Keyed for Post {
    fn key(&self) -> String {
        self.id.clone()
    }
}

fn period_minutes(name: &str) -> i64 {
    BUSY.iter()
        .find(|(n, _)| *n == name)
        .map_or(180, |(_, m)| *m)
}

/// The hashtag's posts published in `(from, to]`, newest first.
fn posts(name: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Post> {
    let period = period_minutes(name) * 60;
    let phase = (hash(name) % period as u64) as i64;
    let slot_at = |slot: i64| DateTime::from_timestamp(slot * period + phase, 0);
    let last = (to.timestamp() - phase).div_euclid(period);
    let mut out = Vec::new();
    let mut slot = last;
    while let Some(at) = slot_at(slot) {
        if at <= from {
            break;
        }
        if at <= to {
            let h = mix(hash(name) ^ slot as u64);
            out.push(Post {
                id: (HASHTAG_MEDIA_BASE + h % 10_000_000_000_000).to_string(),
                name: name.to_owned(),
                slot,
                at,
                likes: 3
                    + (h >> 20) % 400
                    + if (h >> 40).is_multiple_of(9) {
                        4_000
                    } else {
                        0
                    },
                comments: (h >> 30) % 40,
            });
        }
        slot -= 1;
    }
    out
}

/// `GET /{hashtag-id}/top_media` or `/recent_media`.
fn media(
    inner: &Inner,
    req: &Req,
    token: &Token,
    id: &str,
    recent: bool,
    selection: &[Field],
) -> Result<Value, GraphError> {
    let user = querying_user(inner, req, token)?;
    let name = name_of(inner, id).ok_or_else(|| GraphError::unknown_object(id))?;
    record_query(inner, &user, &name)?;
    let now = inner.now();
    let items = if recent {
        posts(&name, now - Duration::hours(24), now)
    } else {
        let mut all = posts(&name, now - Duration::days(WINDOW_DAYS), now);
        all.sort_by(|a, b| b.likes.cmp(&a.likes).then(b.at.cmp(&a.at)));
        all.truncate(TOP_COUNT);
        all
    };
    let limit = match req.param("limit") {
        None => super::paging::DEFAULT_LIMIT,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(MEDIA_PAGE_MAX),
            _ => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) The parameter limit must be a positive integer, got '{raw}'"
                )));
            }
        },
    };
    let page = paginate(&items, limit, req.param("after"), None)?;
    let data = page
        .items
        .iter()
        .map(|p| post_fields(inner, p, selection))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = json!({ "data": data });
    if !page.items.is_empty() {
        // Meta documents only an `after` cursor on these edges.
        let mut paging = json!({ "cursors": { "after": page.after_cursor } });
        if page.has_next {
            let mut url = inner.root.clone();
            url.set_path(&req.path);
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in &req.query_params {
                    if k != "after" {
                        q.append_pair(k, v);
                    }
                }
                q.append_pair("after", &page.after_cursor);
            }
            paging["next"] = json!(url.to_string());
        }
        out["paging"] = paging;
    }
    Ok(out)
}

/// The public fields of a post found through a hashtag.
fn post_fields(inner: &Inner, p: &Post, selection: &[Field]) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for f in selection {
        let v = match f.name.as_str() {
            "id" => json!(p.id),
            "caption" => json!(
                CAPTIONS[(mix(p.slot as u64) % CAPTIONS.len() as u64) as usize]
                    .replace("{}", &p.name)
            ),
            "media_type" => json!("IMAGE"),
            "media_url" => json!(
                inner
                    .root
                    .join(&format!("cdn/{}/full.jpg", p.id))
                    .map(|u| u.to_string())
                    .unwrap_or_default()
            ),
            "permalink" => json!(format!(
                "https://www.instagram.com/p/Hx{}/",
                &p.id[p.id.len() - 9..]
            )),
            "timestamp" => json!(format_time(p.at)),
            "like_count" => json!(p.likes),
            "comments_count" => json!(p.comments),
            // Photos only: no album children.
            "children" => continue,
            "username" | "owner" => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) The {} field cannot be requested on media found through a hashtag: personally identifiable information is not returned",
                    f.name
                )));
            }
            other => return Err(GraphError::nonexisting_field(other, "IGMedia")),
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(p.id));
    Ok(Value::Object(out))
}

/// `GET /{ig-user-id}/recently_searched_hashtags`.
fn recently_searched(
    inner: &Inner,
    req: &Req,
    token: &Token,
    ig: &str,
    selection: &[Field],
) -> Result<Value, GraphError> {
    let demo = inner.demo();
    let visible = visible_ig_ids(&demo, token);
    let Some(account) = demo.account_by_id(ig) else {
        return Err(GraphError::unknown_object(ig));
    };
    if !visible.contains(&account.ig_id) {
        return Err(GraphError::unsupported_get(ig));
    }
    let now = inner.now();
    let items: Vec<Tag> = demo
        .hashtag_searches
        .by_account
        .get(&account.ig_id)
        .map(|l| {
            l.iter()
                .filter(|s| now - s.first < Duration::days(WINDOW_DAYS))
                .map(|s| Tag(s.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let limit = match req.param("limit") {
        None => RECENT_DEFAULT,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(RECENT_MAX),
            _ => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) The parameter limit must be a positive integer, got '{raw}'"
                )));
            }
        },
    };
    let page = paginate(&items, limit, req.param("after"), req.param("before"))?;
    let data = page
        .items
        .iter()
        .map(|t| hashtag_fields(&t.0, selection))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = json!({ "data": data });
    if let Some(cursors) = page.cursors() {
        let mut paging = json!({ "cursors": cursors });
        if page.has_next {
            let mut url = inner.root.clone();
            url.set_path(&req.path);
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in &req.query_params {
                    if k != "after" && k != "before" {
                        q.append_pair(k, v);
                    }
                }
                q.append_pair("after", &page.after_cursor);
            }
            paging["next"] = json!(url.to_string());
        }
        out["paging"] = paging;
    }
    Ok(out)
}

struct Tag(String);

impl Keyed for Tag {
    fn key(&self) -> String {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_media_stay_put_as_time_moves() {
        assert_eq!(hashtag_id("coffee"), hashtag_id("coffee"));
        assert_ne!(hashtag_id("coffee"), hashtag_id("latte"));
        let now = Utc::now();
        let a = posts("coffee", now - Duration::hours(24), now);
        let b = posts(
            "coffee",
            now - Duration::hours(23),
            now + Duration::hours(1),
        );
        assert!(a.len() > 100, "a busy hashtag posts often: {}", a.len());
        assert!(
            a.iter()
                .any(|p| b.iter().any(|q| q.id == p.id && q.at == p.at))
        );
        assert!(a.iter().all(|p| cdn_picture(&p.id).is_some()));
    }

    #[test]
    fn queries_are_normalised_and_emoji_refused() {
        assert_eq!(normalise(Some("#Coffee")).ok().as_deref(), Some("coffee"));
        assert!(normalise(Some("☕coffee")).is_err());
        assert!(normalise(Some("two words")).is_err());
        assert!(normalise(None).is_err());
    }
}
