//! Mentions and tags in the sandbox: deterministic demo media from other people that tag the
//! demo accounts (each with a comment that @mentions the tagged account), the
//! `GET /{ig-user-id}/tags` edge's item list, and `POST /{ig-user-id}/mentions` (reply to a
//! comment that mentioned the account, or comment on a media whose caption mentioned it).
//!
//! Facts: facebook-login.md §10 — the reply to a comment mention appears as a sub-thread of
//! that comment; `media_id` alone comments on a caption mention.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::access::comments_scope;
use super::demo::{Account, Aspect, Comment, Demo, Media, MediaType, Product};

/// Meta's limitation (facebook-login.md §10): "Mentions on Stories are not supported".
fn refuse_story(m: &Media) -> Result<(), GraphError> {
    if m.product == Product::Story {
        return Err(bad(format!(
            "(#100) Media {} is a story: mentions on stories are not supported",
            m.id
        )));
    }
    Ok(())
}
use super::errors::GraphError;
use super::server::Req;
use super::state::{Inner, Login, Token};
use super::writes::{bad, own_account};

/// One tag of an account on someone else's media.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tag {
    pub media_id: String,
    /// IG id of the tagged account.
    pub ig_id: String,
}

/// Other people who post photos tagging the demo accounts: (username, IG id).
const TAGGERS: &[(&str, &str)] = &[
    ("harbour.bakery", "17841400000000901"),
    ("lena.loves.latte", "17841400000000902"),
    ("tom_on_tour", "17841400000000903"),
    ("sofia_sketches", "17841400000000904"),
];
const TAGGED_CAPTIONS: &[&str] = &[
    "Best flat white in town, thanks @{}!",
    "Saturday market haul with @{} 🛍️",
    "Found my new favourite spot — @{}",
    "Collab day with @{} ✨",
    "Morning ritual, courtesy of @{}",
    "Weekend trip, first stop @{}",
    // Tags the account in the photo without an @mention in the caption: Meta does not let
    // an app comment on it.
    "Gift arrived today 🎁",
];
/// Who writes the comment that @mentions the tagged account on each tagged media.
const MENTIONERS: &[(&str, &str)] = &[
    ("baristaben", "6120000000000002"),
    ("kenji.makes", "6120000000000007"),
    ("ana.pereira", "6120000000000006"),
];

/// Adds tagged media from other people (7 for the first account, 3 for each further one)
/// and, on each, a comment that @mentions the tagged account. Ids are taken after every
/// other demo object, so the rest of the demo keeps its ids.
pub fn generate(
    start: DateTime<Utc>,
    accounts: &[&Account],
    media: &mut Vec<Media>,
    comments: &mut Vec<Comment>,
    next_media_id: &mut u64,
    next_comment_id: &mut u64,
) -> Vec<Tag> {
    let take = |next: &mut u64| {
        let id = *next;
        *next += 1;
        id.to_string()
    };
    let mut tags = Vec::new();
    for (a, account) in accounts.iter().enumerate() {
        let count = if a == 0 { 7 } else { 3 };
        for k in 0..count {
            let (owner_username, owner) = TAGGERS[(a + k) % TAGGERS.len()];
            let id = take(next_media_id);
            let timestamp = start - Duration::hours(5 + 13 * k as i64 + 2 * a as i64);
            let caption =
                TAGGED_CAPTIONS[(a + k) % TAGGED_CAPTIONS.len()].replace("{}", &account.username);
            media.push(Media {
                id: id.clone(),
                owner: owner.to_owned(),
                owner_username: owner_username.to_owned(),
                media_type: MediaType::Image,
                product: Product::Feed,
                caption: Some(caption),
                alt_text: None,
                timestamp,
                like_count: 40 + 17 * k as u64,
                comments_count: 0,
                hide_likes: false,
                comments_enabled: true,
                shared_to_feed: false,
                product_tags: Vec::new(),
                collaborators: Vec::new(),
                shortcode: format!("TAG{a}{k:05}"),
                children: Vec::new(),
                parent: None,
                photo: 1 + (k % 5),
                aspect: if k % 2 == 0 {
                    Aspect::Square
                } else {
                    Aspect::Portrait
                },
                upload: None,
                cover: None,
                copyright_match: false,
            });
            let (username, from_id) = MENTIONERS[(a + k) % MENTIONERS.len()];
            comments.push(Comment {
                id: take(next_comment_id),
                media_id: id.clone(),
                parent_id: None,
                text: format!("@{} do you ship this abroad?", account.username),
                username: username.to_owned(),
                from_id: from_id.to_owned(),
                timestamp: timestamp + Duration::minutes(30),
                like_count: 0,
                hidden: false,
            });
            tags.push(Tag {
                media_id: id,
                ig_id: account.ig_id.clone(),
            });
        }
    }
    tags
}

/// Media where the account is tagged, newest first (the `tags` edge).
pub fn tagged_of<'a>(demo: &'a Demo, ig_id: &str) -> Vec<&'a Media> {
    let mut out: Vec<&Media> = demo
        .tags
        .iter()
        .filter(|t| t.ig_id == ig_id)
        .filter_map(|t| demo.media_by_id(&t.media_id))
        .collect();
    out.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(b.id.cmp(&a.id)));
    out
}

/// Whether `text` @mentions `username` (a whole handle, not a prefix of a longer one).
fn mentions(text: &str, username: &str) -> bool {
    let needle = format!("@{username}");
    text.match_indices(&needle).any(|(i, _)| {
        !text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// `POST /{ig-user-id}/mentions`: with `comment_id`, replies in the thread of a comment that
/// @mentioned the account; with only `media_id`, comments on a media whose caption did.
/// Answers `{"id": "<new comment id>"}`.
pub fn reply(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    id: &str,
) -> Result<Value, GraphError> {
    if !token.has_scope(comments_scope(login)) {
        return Err(GraphError::missing_permission(comments_scope(login)));
    }
    let message = req
        .param("message")
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| bad("(#100) The parameter message is required"))?
        .to_owned();
    let now = inner.now();
    let mut demo = inner.demo_mut();
    let ig_id = own_account(&demo, token, id)?;
    let account = demo
        .account_by_id(&ig_id)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(id))?;
    let media_param = req.param("media_id").filter(|m| !m.is_empty());
    let (media_id, parent_id) = if let Some(comment_id) =
        req.param("comment_id").filter(|c| !c.is_empty())
    {
        let c = demo.comment_by_id(comment_id).ok_or_else(|| {
            bad(format!(
                "(#100) comment_id {comment_id} does not name a comment that mentions @{}",
                account.username
            ))
        })?;
        if !mentions(&c.text, &account.username) {
            return Err(bad(format!(
                "(#100) Comment {comment_id} does not mention @{}; only mentions can be answered here",
                account.username
            )));
        }
        if media_param.is_some_and(|m| m != c.media_id) {
            return Err(bad(format!(
                "(#100) media_id does not match the media of comment {comment_id}"
            )));
        }
        if let Some(m) = demo.media_by_id(&c.media_id) {
            refuse_story(m)?;
        }
        let top = c.parent_id.clone().unwrap_or_else(|| c.id.clone());
        (c.media_id.clone(), Some(top))
    } else {
        let media_id = media_param
            .ok_or_else(|| bad("(#100) The parameter comment_id or media_id is required"))?;
        let m = demo
            .media_by_id(media_id)
            .ok_or_else(|| bad(format!("(#100) media_id {media_id} does not name a media")))?;
        refuse_story(m)?;
        if !m
            .caption
            .as_deref()
            .is_some_and(|c| mentions(c, &account.username))
        {
            return Err(bad(format!(
                "(#100) The caption of media {media_id} does not mention @{}",
                account.username
            )));
        }
        (m.id.clone(), None)
    };
    let comment_id = demo.take_comment_id();
    demo.comments.push(Comment {
        id: comment_id.clone(),
        media_id,
        parent_id,
        text: message,
        username: account.username.clone(),
        from_id: account.ig_id.clone(),
        timestamp: now,
        like_count: 0,
        hidden: false,
    });
    Ok(json!({ "id": comment_id }))
}

/// The ids named by `mentioned_comment.comment_id(X)` / `mentioned_media.media_id(X)` in a
/// request's `fields`. The shared `fields` parser only knows `.limit(n)`, so these two
/// modifiers are lifted out of the string before parsing and kept here.
#[derive(Clone, Debug, Default)]
pub struct MentionArgs {
    pub comment_id: Option<String>,
    pub media_id: Option<String>,
}

/// Removes the `comment_id(..)` / `media_id(..)` modifiers of `mentioned_comment` and
/// `mentioned_media` from a `fields` value, returning the plain value and the ids.
pub fn lift_modifiers(fields: &str) -> (String, MentionArgs) {
    let mut args = MentionArgs::default();
    let mut out = fields.to_owned();
    for (field, modifier) in [
        ("mentioned_comment", "comment_id"),
        ("mentioned_media", "media_id"),
    ] {
        let pattern = format!("{field}.{modifier}(");
        if let Some(start) = out.find(&pattern) {
            let arg_start = start + pattern.len();
            if let Some(len) = out[arg_start..].find(')') {
                let id = out[arg_start..arg_start + len].trim().to_owned();
                out.replace_range(start..=(arg_start + len), field);
                match modifier {
                    "comment_id" => args.comment_id = Some(id),
                    _ => args.media_id = Some(id),
                }
            }
        }
    }
    (out, args)
}

/// The comment named by `mentioned_comment.comment_id(X)`: it must exist and @mention the
/// account (Meta answers code 100 otherwise).
pub fn mentioned_comment<'a>(
    demo: &'a Demo,
    account: &Account,
    args: &MentionArgs,
) -> Result<&'a Comment, GraphError> {
    let id = args.comment_id.as_deref().ok_or_else(|| {
        bad("(#100) mentioned_comment needs the comment_id modifier: mentioned_comment.comment_id(<id>){text,timestamp,username}")
    })?;
    demo.comment_by_id(id)
        .filter(|c| mentions(&c.text, &account.username))
        .ok_or_else(|| {
            bad(format!(
                "(#100) comment_id {id} does not name a comment that mentions @{}",
                account.username
            ))
        })
}

/// The media named by `mentioned_media.media_id(X)`: its caption must @mention the account.
pub fn mentioned_media<'a>(
    demo: &'a Demo,
    account: &Account,
    args: &MentionArgs,
) -> Result<&'a Media, GraphError> {
    let id = args.media_id.as_deref().ok_or_else(|| {
        bad("(#100) mentioned_media needs the media_id modifier: mentioned_media.media_id(<id>){caption,media_type}")
    })?;
    demo.media_by_id(id)
        .filter(|m| {
            m.caption
                .as_deref()
                .is_some_and(|c| mentions(c, &account.username))
        })
        .ok_or_else(|| {
            bad(format!(
                "(#100) media_id {id} does not name a media whose caption mentions @{}",
                account.username
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_are_lifted_out_of_fields() {
        let (plain, args) =
            lift_modifiers("id,mentioned_comment.comment_id(178){text,timestamp},username");
        assert_eq!(plain, "id,mentioned_comment{text,timestamp},username");
        assert_eq!(args.comment_id.as_deref(), Some("178"));
        assert_eq!(args.media_id, None);
        let (plain, args) = lift_modifiers("mentioned_media.media_id( 9 ){caption}");
        assert_eq!(plain, "mentioned_media{caption}");
        assert_eq!(args.media_id.as_deref(), Some("9"));
    }

    #[test]
    fn mention_matches_whole_handle_only() {
        assert!(mentions("hi @northwind!", "northwind"));
        assert!(mentions("@northwind", "northwind"));
        assert!(!mentions("hi @northwind.coffee", "northwind"));
        assert!(!mentions("hi northwind", "northwind"));
    }

    #[test]
    fn demo_tags_every_account_deterministically() {
        let start = Utc::now();
        let a = super::super::demo::generate(7, start);
        let b = super::super::demo::generate(7, start);
        let first = &a.accounts[0];
        let tagged: Vec<&str> = tagged_of(&a, &first.ig_id)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        let again: Vec<&str> = tagged_of(&b, &first.ig_id)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(tagged.len(), 7);
        assert_eq!(tagged, again);
        for m in tagged_of(&a, &first.ig_id) {
            assert_ne!(m.owner, first.ig_id);
            assert!(
                a.comments_on(&m.id)
                    .iter()
                    .any(|c| mentions(&c.text, &first.username))
            );
        }
    }
}
