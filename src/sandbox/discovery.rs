//! Business Discovery on graph.facebook.com (seed 002 "Business Discovery", lines 451-600;
//! facebook-login.md §12): `GET /{ig-user-id}?fields=business_discovery.username(NAME){…}`.
//!
//! What Meta documents and this module reproduces:
//! - The query runs on the caller's own IG user id and names the target by username; the
//!   answer carries the target's public fields and its own `id`, and the caller's `id`
//!   beside `business_discovery`.
//! - Targets are Business and (since 2019-08-13) Creator accounts; a personal account, an
//!   age-gated business and an unknown name all answer the same "cannot find user" error
//!   (code 110, subcode 2207013), as the real API does: it cannot tell them apart for you.
//! - The nested `media` edge takes `.limit(n)`, `.after(c)`, `.before(c)`, `.since(t)` and
//!   `.until(t)` and public media fields only; `like_count` is left out when the owner hid
//!   likes, `view_count` exists on reels only. Facebook Login only: on the Instagram host the
//!   field does not exist.
//!
//! Competitors are deterministic: each posts at a steady rhythm from a fixed start, so its
//! `media_count` grows as the sandbox clock moves (daily snapshots see it change). The demo
//! world's own accounts can be looked up too, with their real media.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::demo::{Demo, MediaType, Product};
use super::errors::GraphError;
use super::fields::{self, Field};
use super::graph::format_time;
use super::hashtags::{HASHTAG_MEDIA_BASE, mix};
use super::paging::{DEFAULT_LIMIT, Keyed, MAX_LIMIT, paginate, parse_time};
use super::state::{Inner, Login};

/// What kind of Instagram account a demo competitor is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Business,
    Creator,
    /// A personal account: not visible to Business Discovery.
    Personal,
    /// An age-gated business: Meta returns no data about it.
    AgeGated,
}

/// A demo account other than the user's own.
struct Competitor {
    ig_id: &'static str,
    username: &'static str,
    name: &'static str,
    kind: Kind,
    followers: u64,
    follows: u64,
    biography: &'static str,
    website: &'static str,
    /// Hours between posts.
    every_hours: i64,
    /// Typical likes per post.
    base_likes: u64,
    hides_likes: bool,
    photo: usize,
}

/// Demo competitors. Harbour Bakery and Sofia also tag the demo accounts (mentions.rs).
const COMPETITORS: &[Competitor] = &[
    Competitor {
        ig_id: "17841400000000901",
        username: "harbour.bakery",
        name: "Harbour Bakery",
        kind: Kind::Business,
        followers: 8_420,
        follows: 512,
        biography: "Sourdough, pastries & coffee on SW Harbour Way 🥐",
        website: "https://harbourbakery.example.com/",
        every_hours: 30,
        base_likes: 260,
        hides_likes: false,
        photo: 1,
    },
    Competitor {
        ig_id: "17841400000000501",
        username: "bluedoor.coffee",
        name: "Blue Door Coffee Bar",
        kind: Kind::Business,
        followers: 23_150,
        follows: 190,
        biography: "Espresso bar · 3 Alder Street · open 6–6",
        website: "https://bluedoor.example.com/",
        every_hours: 20,
        base_likes: 720,
        hides_likes: false,
        photo: 3,
    },
    Competitor {
        ig_id: "17841400000000502",
        username: "kenji.makes",
        name: "Kenji Watanabe",
        kind: Kind::Creator,
        followers: 5_640,
        follows: 610,
        biography: "Wheel-thrown mugs and small-batch glazes 🏺",
        website: "https://kenji.example.com/",
        every_hours: 40,
        base_likes: 310,
        hides_likes: true,
        photo: 2,
    },
    Competitor {
        ig_id: "17841400000000904",
        username: "sofia_sketches",
        name: "Sofia Lind",
        kind: Kind::Creator,
        followers: 1_980,
        follows: 840,
        biography: "Urban sketcher · cafés and corners ✏️",
        website: "https://sofia.example.com/",
        every_hours: 52,
        base_likes: 120,
        hides_likes: false,
        photo: 5,
    },
    Competitor {
        ig_id: "17841400000000503",
        username: "jamie.weekends",
        name: "Jamie",
        kind: Kind::Personal,
        followers: 310,
        follows: 402,
        biography: "",
        website: "",
        every_hours: 70,
        base_likes: 20,
        hides_likes: false,
        photo: 4,
    },
    Competitor {
        ig_id: "17841400000000504",
        username: "afterdark.brewing",
        name: "After Dark Brewing Co.",
        kind: Kind::AgeGated,
        followers: 15_200,
        follows: 88,
        biography: "Craft beer taproom. 21+ only.",
        website: "https://afterdark.example.com/",
        every_hours: 26,
        base_likes: 400,
        hides_likes: false,
        photo: 6,
    },
];

/// The demo photo of a competitor's profile picture (`/cdn/<ig-id>/profile.jpg`).
pub fn profile_photo(ig_id: &str) -> Option<usize> {
    COMPETITORS
        .iter()
        .find(|c| c.ig_id == ig_id)
        .map(|c| c.photo)
}

/// A `business_discovery.username(X){…}` taken out of a `fields` value.
#[derive(Debug)]
pub struct Query {
    username: String,
    /// The sub-selection, modifiers of `media` lifted out.
    fields: Vec<Field>,
    media_after: Option<String>,
    media_before: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

/// Takes `business_discovery…` out of `fields` (the rest is rendered as usual).
pub fn lift(fields_value: Option<String>) -> Result<(Option<String>, Option<Query>), GraphError> {
    let Some(f) = fields_value else {
        return Ok((None, None));
    };
    let Some(start) = f.find("business_discovery") else {
        return Ok((Some(f), None));
    };
    let mut pos = start + "business_discovery".len();
    let username = match f[pos..].strip_prefix(".username(") {
        Some(rest) => {
            let len = rest.find(')').ok_or_else(|| {
                GraphError::invalid_parameter("(#100) business_discovery.username( is not closed")
            })?;
            pos += ".username(".len() + len + 1;
            rest[..len].trim().trim_start_matches('@').to_owned()
        }
        None => {
            return Err(GraphError::invalid_parameter(
                "(#100) business_discovery needs the username modifier: business_discovery.username(NAME){followers_count,media_count}",
            ));
        }
    };
    let mut sub = String::new();
    if f[pos..].starts_with('{') {
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in f[pos..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(pos + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.ok_or_else(|| {
            GraphError::invalid_parameter(
                "(#100) Syntax error \"Unexpected end of string\": close the '{' of business_discovery",
            )
        })?;
        f[pos + 1..end].clone_into(&mut sub);
        pos = end + 1;
    }
    let rest = format!("{}{}", &f[..start], &f[pos..])
        .replace(",,", ",")
        .trim_matches(',')
        .to_owned();
    let mut take = |name: &str| -> Option<String> {
        let pattern = format!(".{name}(");
        let at = sub.find(&pattern)?;
        let len = sub[at + pattern.len()..].find(')')?;
        let value = sub[at + pattern.len()..at + pattern.len() + len].to_owned();
        sub.replace_range(at..=(at + pattern.len() + len), "");
        Some(value)
    };
    let media_after = take("after");
    let media_before = take("before");
    let since = take("since");
    let until = take("until");
    let fields = fields::parse(&sub).map_err(|e| GraphError::invalid_parameter(e.to_string()))?;
    Ok((
        Some(rest),
        Some(Query {
            username,
            fields,
            media_after,
            media_before,
            since,
            until,
        }),
    ))
}

/// Meta's answer for a username it will not show: unknown, personal or age-gated.
fn cannot_find(username: &str) -> GraphError {
    let mut e = GraphError::oauth(110, "Invalid user id");
    e.subcode = Some(2_207_013);
    e.user_title = Some("Cannot find User".into());
    e.user_msg = Some(format!(
        "The user with username: {username} cannot be found."
    ));
    e
}

/// A discovered account, whoever it is.
struct Target<'a> {
    ig_id: String,
    username: String,
    name: String,
    biography: String,
    website: String,
    followers: u64,
    follows: u64,
    media: Vec<DMedia<'a>>,
}

/// One media of a discovered account.
#[derive(Clone)]
struct DMedia<'a> {
    id: String,
    caption: Option<String>,
    media_type: MediaType,
    product: Product,
    timestamp: DateTime<Utc>,
    likes: u64,
    comments: u64,
    hide_likes: bool,
    shortcode: String,
    children: Vec<String>,
    owner_username: String,
    /// The demo world's own media (served by the demo CDN paths).
    _demo: Option<&'a super::demo::Media>,
}

impl Keyed for DMedia<'_> {
    fn key(&self) -> String {
        self.id.clone()
    }
}

const CAPTIONS: &[&str] = &[
    "Fresh out of the oven this morning",
    "Behind the counter with the team",
    "New season, new menu ✨",
    "Thank you for 5 wonderful years!",
    "Weekend special — come say hi",
    "Process shot, start to finish",
    "Little details we love",
    "Rainy day, warm cups ☔",
];

/// A competitor's posts up to `now`, newest first.
fn competitor_media(
    c: &Competitor,
    epoch: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<DMedia<'static>> {
    // Every competitor has posted for a while before the sandbox's epoch.
    let period = c.every_hours * 3600;
    let first = epoch.timestamp() - 400 * period;
    let last = (now.timestamp() - first).div_euclid(period);
    let base = mix(c.ig_id.parse::<u64>().unwrap_or(0));
    (0..=last)
        .rev()
        .filter_map(|slot| {
            let at = DateTime::from_timestamp(first + slot * period, 0)?;
            let h = mix(base ^ slot as u64);
            let id = HASHTAG_MEDIA_BASE + 10_000_000_000_000 + h % 9_000_000_000_000;
            let (media_type, product) = match h % 7 {
                0 => (MediaType::Video, Product::Reels),
                1 => (MediaType::CarouselAlbum, Product::Feed),
                _ => (MediaType::Image, Product::Feed),
            };
            let children = if media_type == MediaType::CarouselAlbum {
                (1..=3).map(|k| (id + k).to_string()).collect()
            } else {
                Vec::new()
            };
            Some(DMedia {
                id: id.to_string(),
                caption: Some(CAPTIONS[(h >> 12) as usize % CAPTIONS.len()].to_owned()),
                media_type,
                product,
                timestamp: at,
                likes: c.base_likes / 2 + (h >> 20) % c.base_likes.max(1),
                comments: (h >> 36) % 60,
                hide_likes: c.hides_likes && (h >> 44).is_multiple_of(3),
                shortcode: format!("Cx{}", &id.to_string()[8..]),
                children,
                owner_username: c.username.to_owned(),
                _demo: None,
            })
        })
        .collect()
}

fn find_target<'a>(
    demo: &'a Demo,
    username: &str,
    epoch: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Target<'a>, GraphError> {
    if let Some(c) = COMPETITORS
        .iter()
        .find(|c| c.username.eq_ignore_ascii_case(username))
    {
        if matches!(c.kind, Kind::Personal | Kind::AgeGated) {
            return Err(cannot_find(username));
        }
        return Ok(Target {
            ig_id: c.ig_id.to_owned(),
            username: c.username.to_owned(),
            name: c.name.to_owned(),
            biography: c.biography.to_owned(),
            website: c.website.to_owned(),
            followers: c.followers + (now - epoch).num_days().max(0) as u64 * (c.followers / 400),
            follows: c.follows,
            media: competitor_media(c, epoch, now),
        });
    }
    let a = demo
        .accounts
        .iter()
        .find(|a| a.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| cannot_find(username))?;
    Ok(Target {
        ig_id: a.ig_id.clone(),
        username: a.username.clone(),
        name: a.name.clone(),
        biography: a.biography.clone(),
        website: a.website.clone(),
        followers: a.followers,
        follows: a.follows,
        media: demo
            .feed_of(&a.ig_id)
            .into_iter()
            .map(|m| DMedia {
                id: m.id.clone(),
                caption: m.caption.clone(),
                media_type: m.media_type,
                product: m.product,
                timestamp: m.timestamp,
                likes: m.like_count,
                comments: demo.comment_count(&m.id) as u64,
                hide_likes: m.hide_likes,
                shortcode: m.shortcode.clone(),
                children: m.children.clone(),
                owner_username: m.owner_username.clone(),
                _demo: Some(m),
            })
            .collect(),
    })
}

/// Adds `business_discovery` to the rendered node `out` (the caller's own IG user).
pub fn attach(
    inner: &Arc<Inner>,
    demo: &Demo,
    login: Login,
    out: &mut Value,
    query: Query,
) -> Result<(), GraphError> {
    let own = out.get("id").and_then(Value::as_str).unwrap_or_default();
    if login != Login::Facebook || demo.account_by_id(own).is_none() {
        return Err(GraphError::nonexisting_field(
            "business_discovery",
            if login == Login::Facebook {
                "User"
            } else {
                "IGUser"
            },
        ));
    }
    let now = inner.now();
    let target = find_target(demo, &query.username, inner.started, now)?;
    let value = render_target(inner, &target, &query)?;
    out["business_discovery"] = value;
    Ok(())
}

fn cdn(inner: &Inner, path: String) -> String {
    inner
        .root
        .join(&path)
        .map(|u| u.to_string())
        .unwrap_or(path)
}

fn render_target(inner: &Inner, t: &Target, q: &Query) -> Result<Value, GraphError> {
    let mut out = Map::new();
    let selection: Vec<Field> = if q.fields.is_empty() {
        vec![Field::plain("id")]
    } else {
        q.fields.clone()
    };
    for f in &selection {
        let v = match f.name.as_str() {
            "id" => json!(t.ig_id),
            "username" => json!(t.username),
            "name" => json!(t.name),
            "biography" => json!(t.biography),
            "website" => json!(t.website),
            "followers_count" => json!(t.followers),
            "follows_count" => json!(t.follows),
            "media_count" => json!(t.media.len()),
            "profile_picture_url" => json!(cdn(inner, format!("cdn/{}/profile.jpg", t.ig_id))),
            "media" => media_edge(inner, t, f, q)?,
            other => return Err(GraphError::nonexisting_field(other, "IGUser")),
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(t.ig_id));
    Ok(Value::Object(out))
}

fn time_modifier(raw: Option<&String>, name: &str) -> Result<Option<DateTime<Utc>>, GraphError> {
    match raw {
        None => Ok(None),
        Some(r) => parse_time(r).map(Some).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) .{name}() takes a unix timestamp or a date such as 2026-11-01, got '{r}'"
            ))
        }),
    }
}

fn media_edge(inner: &Inner, t: &Target, f: &Field, q: &Query) -> Result<Value, GraphError> {
    let since = time_modifier(q.since.as_ref(), "since")?;
    let until = time_modifier(q.until.as_ref(), "until")?;
    let items: Vec<DMedia> = t
        .media
        .iter()
        .filter(|m| since.is_none_or(|s| m.timestamp >= s))
        .filter(|m| until.is_none_or(|u| m.timestamp <= u))
        .cloned()
        .collect();
    let limit = f
        .limit
        .map_or(DEFAULT_LIMIT, |l| (l as usize).min(MAX_LIMIT));
    let page = paginate(
        &items,
        limit,
        q.media_after.as_deref(),
        q.media_before.as_deref(),
    )?;
    let sub: Vec<Field> = match &f.sub {
        Some(s) if !s.is_empty() => s.clone(),
        _ => vec![Field::plain("id")],
    };
    let data = page
        .items
        .iter()
        .map(|m| media_fields(inner, m, &sub))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = json!({ "data": data });
    if let Some(cursors) = page.cursors() {
        out["paging"] = json!({ "cursors": cursors });
    }
    Ok(out)
}

fn media_fields(inner: &Inner, m: &DMedia, sub: &[Field]) -> Result<Value, GraphError> {
    let mut out = Map::new();
    let is_video = m.media_type == MediaType::Video;
    for f in sub {
        let v = match f.name.as_str() {
            "id" => Some(json!(m.id)),
            "caption" => m.caption.as_ref().map(|c| json!(c)),
            "media_type" => Some(json!(m.media_type.as_str())),
            "media_product_type" => Some(json!(m.product.as_str())),
            "media_url" => Some(json!(cdn(
                inner,
                format!(
                    "cdn/{}/{}",
                    if m.media_type == MediaType::CarouselAlbum {
                        m.children.first().unwrap_or(&m.id)
                    } else {
                        &m.id
                    },
                    if is_video { "video.mp4" } else { "full.jpg" }
                )
            ))),
            "thumbnail_url" => {
                is_video.then(|| json!(cdn(inner, format!("cdn/{}/thumb.jpg", m.id))))
            }
            "permalink" => Some(json!(match m.product {
                Product::Reels => format!("https://www.instagram.com/reel/{}/", m.shortcode),
                _ => format!("https://www.instagram.com/p/{}/", m.shortcode),
            })),
            "shortcode" => Some(json!(m.shortcode)),
            "timestamp" => Some(json!(format_time(m.timestamp))),
            "username" => Some(json!(m.owner_username)),
            "like_count" => (!m.hide_likes).then(|| json!(m.likes)),
            "comments_count" => Some(json!(m.comments)),
            "view_count" => {
                (m.product == Product::Reels).then(|| json!(m.likes * 9 + m.comments * 31))
            }
            "children" => {
                if m.children.is_empty() {
                    None
                } else {
                    let child_sub: Vec<Field> = match &f.sub {
                        Some(s) if !s.is_empty() => s.clone(),
                        _ => vec![Field::plain("id")],
                    };
                    let data = m
                        .children
                        .iter()
                        .map(|id| {
                            let child = DMedia {
                                id: id.clone(),
                                caption: None,
                                media_type: MediaType::Image,
                                children: Vec::new(),
                                ..m.clone()
                            };
                            media_fields(inner, &child, &child_sub)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Some(json!({ "data": data }))
                }
            }
            other => return Err(GraphError::nonexisting_field(other, "IGMedia")),
        };
        if let Some(v) = v {
            out.insert(f.name.clone(), v);
        }
    }
    out.entry("id").or_insert_with(|| json!(m.id));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn lifts_the_discovery_field_and_its_media_modifiers() {
        let (rest, q) = lift(Some(
            "id,business_discovery.username(harbour.bakery){followers_count,media.after(abc).limit(3){like_count}},name".into(),
        ))
        .expect("parses");
        assert_eq!(rest.as_deref(), Some("id,name"));
        let q = q.expect("query");
        assert_eq!(q.username, "harbour.bakery");
        assert_eq!(q.media_after.as_deref(), Some("abc"));
        assert_eq!(q.fields[1].name, "media");
        assert_eq!(q.fields[1].limit, Some(3));
        assert!(lift(Some("business_discovery{id}".into())).is_err());
    }

    #[test]
    fn competitors_keep_posting_as_time_moves() {
        let epoch = Utc::now();
        let c = &COMPETITORS[0];
        let now = competitor_media(c, epoch, epoch);
        let later = competitor_media(c, epoch, epoch + Duration::days(10));
        assert!(later.len() > now.len());
        assert_eq!(now[0].id, later[later.len() - now.len()].id);
    }
}
