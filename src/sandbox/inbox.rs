//! Direct messages: demo conversations, `POST /{ig-id}/messages` (DMs and private replies
//! to commenters) with Meta's messaging windows, and the activity generator that makes new
//! comments and messages arrive while the sandbox runs.
//!
//! Windows: the account may answer within 24 h of the person's last message, up to 7 days
//! with `messaging_type=MESSAGE_TAG` + `tag=HUMAN_AGENT`; a private reply goes once per
//! comment within 7 days of it.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::demo::{Account, Comment, Demo};
use super::errors::GraphError;

/// Messages of a conversation that can be read in detail (older ones read as deleted).
pub const READABLE_MESSAGES: usize = 20;
const MAX_TEXT_CHARS: usize = 1000;

/// One message in a conversation.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub from_id: String,
    pub from_username: String,
    pub to_id: String,
    pub to_username: String,
    pub text: Option<String>,
    pub attachment_url: Option<String>,
    pub created: DateTime<Utc>,
}

/// A thread between an account and one person (IGSID).
#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: String,
    /// IG id of the account.
    pub account: String,
    pub participant_id: String,
    pub participant_username: String,
    /// Oldest first.
    pub messages: Vec<Message>,
}

impl Conversation {
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        self.messages.last().map(|m| m.created)
    }
    /// When the person last wrote.
    pub fn last_inbound(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.from_id == self.participant_id)
            .map(|m| m.created)
    }
}

const INBOUND: &[&str] = &[
    "Hi! Are you open on Sunday?",
    "Do you ship beans to Canada? 🇨🇦",
    "Loved your last post!",
    "Can I book the space for a birthday?",
    "Is the oat milk free?",
    "Hey, quick question about my order #1042",
    "Would you be up for a collab? ✨",
    "Thanks for the quick reply 🙏",
];
const OUTBOUND: &[&str] = &[
    "Hi! Yes, 8–3 on Sundays ☕",
    "We do! Shipping is flat $9.",
    "Thank you so much ❤️",
    "Sure, send us the date and group size.",
    "Let me check and get back to you.",
];

/// An opaque id like Meta's base64 conversation and message ids.
pub fn opaque_id(rng: &mut StdRng, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = prefix.to_owned();
    for _ in 0..48 {
        s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    s
}

/// Demo threads for `account` with some of the commenters: a few inside the 24 h window,
/// some only reachable with the human-agent tag, one older than 7 days.
pub fn generate(
    rng: &mut StdRng,
    start: DateTime<Utc>,
    account: &Account,
    people: &[(&str, &str)],
) -> Vec<Conversation> {
    let mut out = Vec::new();
    for (i, (username, igsid)) in people.iter().enumerate().take(8) {
        // Age of the last inbound message: 1 h .. 10 days.
        let last_age_h: i64 = match i % 4 {
            0 | 1 => rng.random_range(1..20),
            2 => rng.random_range(30..120),
            _ => rng.random_range(170..240),
        };
        // The first thread is long enough to hit the 20-readable-messages rule.
        let count = if i == 0 {
            24
        } else {
            rng.random_range(2..=12usize)
        };
        // Times counted back from the last (inbound) message, so nothing lies in the future.
        let mut times: Vec<DateTime<Utc>> = Vec::with_capacity(count);
        let mut t = start - Duration::hours(last_age_h);
        for _ in 0..count {
            times.push(t);
            t -= Duration::minutes(rng.random_range(2..30));
        }
        times.reverse();
        let mut messages = Vec::new();
        for (k, t) in times.into_iter().enumerate() {
            let inbound = k % 3 != 1 || k + 1 == count;
            let (from_id, from_username, to_id, to_username, pool) = if inbound {
                (
                    igsid.to_string(),
                    username.to_string(),
                    account.ig_id.clone(),
                    account.username.clone(),
                    INBOUND,
                )
            } else {
                (
                    account.ig_id.clone(),
                    account.username.clone(),
                    igsid.to_string(),
                    username.to_string(),
                    OUTBOUND,
                )
            };
            messages.push(Message {
                id: opaque_id(rng, "aWdGGiblWZ"),
                from_id,
                from_username,
                to_id,
                to_username,
                text: Some(pool[rng.random_range(0..pool.len())].to_owned()),
                attachment_url: None,
                created: t,
            });
        }
        out.push(Conversation {
            id: opaque_id(rng, "aWdfR"),
            account: account.ig_id.clone(),
            participant_id: igsid.to_string(),
            participant_username: username.to_string(),
            messages,
        });
    }
    out
}

/// What `POST /{ig-id}/messages` asked for.
pub struct SendRequest {
    pub recipient_id: Option<String>,
    pub comment_id: Option<String>,
    pub text: Option<String>,
    pub attachment_url: Option<String>,
    pub human_agent: bool,
}

impl SendRequest {
    /// Reads the documented JSON body (or the same keys as form fields, JSON-encoded).
    pub fn parse(
        recipient: Option<&str>,
        message: Option<&str>,
        messaging_type: Option<&str>,
        tag: Option<&str>,
    ) -> Result<Self, GraphError> {
        let bad = |m: &str| GraphError::invalid_parameter(m.to_owned());
        let recipient: Value = recipient
            .and_then(|r| serde_json::from_str(r).ok())
            .ok_or_else(|| bad("(#100) recipient is required: {\"id\":\"<IGSID>\"} or {\"comment_id\":\"<COMMENT_ID>\"}"))?;
        let message: Value = message
            .and_then(|m| serde_json::from_str(m).ok())
            .ok_or_else(|| {
                bad("(#100) message is required: {\"text\":\"...\"} or {\"attachment\":{...}}")
            })?;
        let text = message["text"].as_str().map(str::to_owned);
        let attachment_url = message["attachment"]["payload"]["url"]
            .as_str()
            .map(str::to_owned);
        if text.is_none() && attachment_url.is_none() {
            return Err(bad(
                "(#100) message needs text or an attachment with payload.url",
            ));
        }
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS)
        {
            return Err(bad(
                "(#100) message text is longer than 1000 characters; split it",
            ));
        }
        Ok(Self {
            recipient_id: recipient["id"].as_str().map(str::to_owned),
            comment_id: recipient["comment_id"].as_str().map(str::to_owned),
            text,
            attachment_url,
            human_agent: messaging_type == Some("MESSAGE_TAG") && tag == Some("HUMAN_AGENT"),
        })
    }
}

fn window_error(message: &str, subcode: i64) -> GraphError {
    let mut e = GraphError::oauth(10, format!("(#10) {message}"));
    e.status = axum::http::StatusCode::FORBIDDEN;
    e.subcode = Some(subcode);
    e
}

/// Appends an outbound message (DM or private reply) and returns the response body.
pub fn send(
    demo: &mut Demo,
    account: &Account,
    send: SendRequest,
    now: DateTime<Utc>,
    message_id: String,
    conversation_id: String,
) -> Result<Value, GraphError> {
    let (person_id, person_name) = if let Some(comment_id) = &send.comment_id {
        let comment: Comment = demo
            .comment_by_id(comment_id)
            .cloned()
            .ok_or_else(|| GraphError::unknown_object(comment_id))?;
        let on_own_media = demo
            .media_by_id(&comment.media_id)
            .is_some_and(|m| m.owner == account.ig_id);
        if !on_own_media || comment.from_id == account.ig_id {
            return Err(GraphError::invalid_parameter(
                "(#100) A private reply goes to someone else's comment on one of this account's media",
            ));
        }
        if now - comment.timestamp > Duration::days(7) {
            return Err(window_error(
                "Private replies can only be sent within 7 days of the comment",
                2534022,
            ));
        }
        if demo.private_replied.contains(comment_id) {
            return Err(window_error(
                "This comment already received a private reply; further messages need the person to answer first",
                2534024,
            ));
        }
        demo.private_replied.push(comment_id.clone());
        (comment.from_id, comment.username)
    } else {
        let id = send.recipient_id.clone().ok_or_else(|| {
            GraphError::invalid_parameter("(#100) recipient needs id (an IGSID) or comment_id")
        })?;
        let conv = demo
            .conversations
            .iter()
            .find(|c| c.account == account.ig_id && c.participant_id == id)
            .ok_or_else(|| {
                let mut e = GraphError::invalid_parameter(format!(
                    "(#100) No matching user found: {id} has not messaged this account"
                ));
                e.subcode = Some(2018001);
                e
            })?;
        let last = conv.last_inbound().unwrap_or(DateTime::<Utc>::MIN_UTC);
        let age = now - last;
        if age > Duration::days(7) || (age > Duration::hours(24) && !send.human_agent) {
            return Err(window_error(
                "This message is sent outside of allowed window. Within 7 days, send it with messaging_type=MESSAGE_TAG and tag=HUMAN_AGENT",
                2534022,
            ));
        }
        (
            conv.participant_id.clone(),
            conv.participant_username.clone(),
        )
    };
    let message = Message {
        id: message_id.clone(),
        from_id: account.ig_id.clone(),
        from_username: account.username.clone(),
        to_id: person_id.clone(),
        to_username: person_name.clone(),
        text: send.text,
        attachment_url: send.attachment_url,
        created: now,
    };
    match demo
        .conversations
        .iter_mut()
        .find(|c| c.account == account.ig_id && c.participant_id == person_id)
    {
        Some(conv) => conv.messages.push(message),
        None => demo.conversations.push(Conversation {
            id: conversation_id,
            account: account.ig_id.clone(),
            participant_id: person_id.clone(),
            participant_username: person_name,
            messages: vec![message],
        }),
    }
    Ok(json!({"recipient_id": person_id, "message_id": message_id}))
}

/// Adds one inbound comment and one inbound message per account (the activity generator).
pub fn simulate(
    demo: &mut Demo,
    rng: &mut StdRng,
    now: DateTime<Utc>,
    people: &[(&str, &str)],
    texts: &[&str],
) {
    let accounts = demo.accounts.clone();
    for account in &accounts {
        let newest = demo
            .feed_of(&account.ig_id)
            .first()
            .map(|m| (m.id.clone(), m.comments_enabled));
        if let Some((media_id, true)) = newest {
            let (username, igsid) = people[rng.random_range(0..people.len())];
            let id = demo.take_comment_id();
            demo.comments.push(Comment {
                id,
                media_id,
                parent_id: None,
                text: texts[rng.random_range(0..texts.len())].to_owned(),
                username: username.to_owned(),
                from_id: igsid.to_owned(),
                timestamp: now,
                like_count: 0,
                hidden: false,
            });
        }
        let threads: Vec<usize> = (0..demo.conversations.len())
            .filter(|&i| demo.conversations[i].account == account.ig_id)
            .collect();
        if threads.is_empty() {
            continue;
        }
        let i = threads[rng.random_range(0..threads.len())];
        let message_id = opaque_id(rng, "aWdGGiblWZ");
        let text = INBOUND[rng.random_range(0..INBOUND.len())].to_owned();
        let conv = &mut demo.conversations[i];
        conv.messages.push(Message {
            id: message_id,
            from_id: conv.participant_id.clone(),
            from_username: conv.participant_username.clone(),
            to_id: account.ig_id.clone(),
            to_username: account.username.clone(),
            text: Some(text),
            attachment_url: None,
            created: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_cover_every_window_and_never_lie_in_the_future() {
        for seed in [1, 7, 42, 99, 12345] {
            let start = Utc::now();
            let demo = crate::sandbox::demo::generate(seed, start);
            let business = &demo.accounts[0];
            let ages: Vec<Duration> = demo
                .conversations
                .iter()
                .filter(|c| c.account == business.ig_id)
                .map(|c| start - c.last_inbound().expect("inbound"))
                .collect();
            assert!(ages.iter().any(|a| *a < Duration::hours(23)), "seed {seed}");
            assert!(
                ages.iter()
                    .any(|a| *a > Duration::hours(25) && *a < Duration::days(6)),
                "seed {seed}"
            );
            assert!(ages.iter().any(|a| *a > Duration::days(7)), "seed {seed}");
            for c in &demo.conversations {
                assert!(c.messages.iter().all(|m| m.created <= start));
                assert!(c.messages.windows(2).all(|w| w[0].created <= w[1].created));
            }
            assert!(
                demo.conversations
                    .iter()
                    .any(|c| c.messages.len() > READABLE_MESSAGES)
            );
        }
    }
}
