//! Instagram Direct in the sandbox: conversations and messages of the demo accounts, the
//! Send API (text, image attachment, `HUMAN_AGENT` tag), private replies to commenters,
//! Meta's messaging rules and an activity generator.
//!
//! Rules reproduced from the docs (instagram-login.md §9, beyond-seeds.md):
//! - `GET /me/conversations` (`platform=instagram`, optional `user_id`), newest first, with
//!   `id,updated_time,participants,messages{…}`; `GET /<CONVERSATION_ID>` and its `messages`
//!   edge list every message id, but only the **20 most recent** can be read in detail:
//!   older ones answer `id`/`created_time` only when expanded, and an error saying the message
//!   was deleted when read directly.
//! - `POST /<IG_ID>/messages`: within 24 h of the person's last message; from 24 h to 7 days
//!   only with `messaging_type=MESSAGE_TAG&tag=HUMAN_AGENT`; otherwise error 10 / 2534022.
//! - Private replies (`recipient.comment_id`): one per comment, within 7 days of the comment.
//! - Send limits: 100 sends per second and 750 private replies per hour per account (613).
//!
//! The module shares no type with the client; its JSON is built by hand like the rest of
//! the sandbox. The hooks elsewhere are one line each: a field in `Demo`, a call in
//! `demo::generate`, and a call in `graph::serve` that answers the paths this module owns.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::access::{comments_scope, messages_scope, visible_ig_ids};
use super::control::SandboxControl;
use super::demo::{Account, Demo};
use super::errors::GraphError;
use super::fields::{self, Field};
use super::graph::format_time;
use super::server::Req;
use super::state::{Inner, Login, Subject, Token};

/// Only the newest messages of a conversation can be read in detail.
pub const READABLE_MESSAGES: usize = 20;
/// The standard messaging window after the person's last message.
const STANDARD_WINDOW_HOURS: i64 = 24;
/// The `HUMAN_AGENT` window (and the private-reply window after a comment).
const HUMAN_AGENT_WINDOW_DAYS: i64 = 7;
/// Send API: calls per second per account (text, links, images).
const SENDS_PER_SECOND: usize = 100;
/// Private replies to post and reel comments: calls per hour per account.
const PRIVATE_REPLIES_PER_HOUR: usize = 750;
/// Default gap of sandbox clock between two generated incoming messages.
const DEFAULT_ACTIVITY_SECS: i64 = 120;
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

/// Someone who writes to a demo account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Person {
    /// Instagram-scoped id (IGSID).
    pub id: String,
    pub username: String,
}

/// One attachment as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attachment {
    /// `image`, `video` or `share`.
    pub kind: String,
    pub url: String,
}

/// One message, stored oldest first in its conversation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub created: DateTime<Utc>,
    /// True when the person wrote it; false when the account did.
    pub inbound: bool,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// A conversation between a demo account and one person.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub owner: String,
    pub person: Person,
    pub messages: Vec<Message>,
    /// The activity generator writes new messages into chatty conversations only.
    pub chatty: bool,
}

impl Conversation {
    fn updated(&self) -> Option<DateTime<Utc>> {
        self.messages.last().map(|m| m.created)
    }

    fn last_inbound(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.inbound)
            .map(|m| m.created)
    }
}

/// Every DM of the demo world and the messaging switches.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Inbox {
    pub conversations: Vec<Conversation>,
    /// Comment id → message id of the private reply sent for it.
    pub private_replies: HashMap<String, String>,
    next_message: u64,
    next_conversation: u64,
    /// Gap between generated incoming messages; `None` turns the generator off.
    pub activity_every: Option<Duration>,
    last_activity: DateTime<Utc>,
    activity_turn: usize,
    /// The next send is carried out but its answer is replaced by a transient error (a lost
    /// response, to test that clients check before sending again).
    pub lose_next_send_response: bool,
    /// Recent sends and private replies per account, for the rate limits.
    sends: HashMap<String, VecDeque<DateTime<Utc>>>,
    private_reply_times: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Inbox {
    fn message_id(&mut self) -> String {
        self.next_message += 1;
        URL_SAFE_NO_PAD.encode(format!(
            "ig_message_item:1:{}",
            9_100_000 + self.next_message
        ))
    }

    fn conversation_id(&mut self) -> String {
        self.next_conversation += 1;
        URL_SAFE_NO_PAD.encode(format!(
            "ig_conversation:1:{}",
            5_300_000 + self.next_conversation
        ))
    }

    fn conversation(&self, id: &str) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.id == id)
    }

    fn find_message(&self, id: &str) -> Option<(&Conversation, usize)> {
        self.conversations
            .iter()
            .find_map(|c| c.messages.iter().position(|m| m.id == id).map(|i| (c, i)))
    }

    /// Adds a message to the conversation between `owner` and `person`, creating it if needed.
    fn push(&mut self, owner: &str, person: &Person, message: Message) -> (String, String) {
        let index = if let Some(i) = self
            .conversations
            .iter()
            .position(|c| c.owner == owner && c.person.id == person.id)
        {
            i
        } else {
            let id = self.conversation_id();
            self.conversations.push(Conversation {
                id,
                owner: owner.to_owned(),
                person: person.clone(),
                messages: Vec::new(),
                chatty: false,
            });
            self.conversations.len() - 1
        };
        let id = message.id.clone();
        self.conversations[index].messages.push(message);
        (self.conversations[index].id.clone(), id)
    }

    /// Writes one incoming message when the generator is on and its gap has passed. One
    /// message per call at most: a clock jump of days does not flood.
    fn run_activity(&mut self, now: DateTime<Utc>) {
        let Some(every) = self.activity_every else {
            return;
        };
        if now - self.last_activity < every {
            return;
        }
        self.receive(now);
    }

    /// Writes one incoming message into the next chatty conversation, now.
    pub fn receive(&mut self, now: DateTime<Utc>) {
        self.last_activity = now;
        let chatty: Vec<usize> = (0..self.conversations.len())
            .filter(|&i| self.conversations[i].chatty)
            .collect();
        if chatty.is_empty() {
            return;
        }
        let index = chatty[self.activity_turn % chatty.len()];
        let text = ACTIVITY_TEXTS[self.activity_turn % ACTIVITY_TEXTS.len()];
        self.activity_turn += 1;
        let id = self.message_id();
        self.conversations[index].messages.push(Message {
            id,
            created: now,
            inbound: true,
            text: Some(text.to_owned()),
            attachments: Vec::new(),
        });
    }
}

const ACTIVITY_TEXTS: &[&str] = &[
    "Hi! Are you open tomorrow morning?",
    "Just tried the new blend, wow 😍",
    "Can I order a bag for pickup?",
    "Thanks so much!",
    "Do you have oat milk?",
];

/// One scripted conversation: person, whether the generator writes to it, and messages as
/// (minutes before the sandbox start, inbound, text).
struct Script {
    person: (&'static str, &'static str),
    chatty: bool,
    lines: Vec<(i64, bool, &'static str)>,
}

fn business_scripts() -> Vec<Script> {
    let mut long = Vec::new();
    // 30 messages: more than the 20 readable ones.
    for i in 0..30i64 {
        let inbound = i % 2 == 0;
        let text = if inbound {
            LONG_THREAD_IN[(i as usize / 2) % LONG_THREAD_IN.len()]
        } else {
            LONG_THREAD_OUT[(i as usize / 2) % LONG_THREAD_OUT.len()]
        };
        long.push((60 * 5 + (30 - i) * 7, inbound, text));
    }
    vec![
        Script {
            person: ("lena.loves.latte", "6120000000000003"),
            chatty: true,
            lines: vec![
                (95, true, "Hi! Do you still have the Guji beans?"),
                (90, false, "We do! 250 g or 1 kg?"),
                (12, true, "250 g please, can I pick it up today?"),
            ],
        },
        Script {
            person: ("harbour.bakery", "6120000000000001"),
            chatty: false,
            lines: long,
        },
        Script {
            person: ("tom_on_tour", "6120000000000004"),
            chatty: false,
            // Three days ago: only a HUMAN_AGENT reply is still allowed.
            lines: vec![
                (60 * 24 * 3 + 40, true, "Do you ship to Canada?"),
                (60 * 24 * 3 + 10, true, "Asking for a gift 🎁"),
            ],
        },
        Script {
            person: ("ana.pereira", "6120000000000006"),
            chatty: false,
            // Nine days ago: every window is closed.
            lines: vec![
                (60 * 24 * 9 + 30, true, "Loved the latte art class!"),
                (60 * 24 * 9, false, "Thank you Ana, come again soon!"),
            ],
        },
        Script {
            person: ("kenji.makes", "6120000000000007"),
            chatty: false,
            lines: vec![(60 * 30, true, "Collab idea: ceramic cups for your café?")],
        },
    ]
}

const LONG_THREAD_IN: &[&str] = &[
    "Morning! Can we get 20 croissants' worth of coffee for Saturday?",
    "Great, same blend as last time",
    "And could you grind half of it?",
    "Perfect, see you then",
];
const LONG_THREAD_OUT: &[&str] = &[
    "Of course! Which blend?",
    "Noted ☕",
    "Sure, espresso grind?",
    "See you Saturday!",
];

fn creator_scripts() -> Vec<Script> {
    vec![
        Script {
            person: ("sofia_sketches", "6120000000000009"),
            chatty: true,
            lines: vec![
                (
                    300,
                    true,
                    "Your tiny lamps are adorable, do you take commissions?",
                ),
                (280, false, "Thank you! Yes, from March"),
                (20, true, "Amazing, I'll write then ✨"),
            ],
        },
        Script {
            person: ("the.daily.grind", "6120000000000008"),
            chatty: false,
            lines: vec![(60 * 24 * 2, true, "Would you be up for a feature?")],
        },
    ]
}

/// The demo inbox of both demo accounts, with the clock starting at `start`.
pub fn generate(start: DateTime<Utc>, business: &Account, creator: &Account) -> Inbox {
    let mut inbox = Inbox {
        conversations: Vec::new(),
        private_replies: HashMap::new(),
        next_message: 0,
        next_conversation: 0,
        activity_every: Some(Duration::seconds(DEFAULT_ACTIVITY_SECS)),
        last_activity: start,
        activity_turn: 0,
        lose_next_send_response: false,
        sends: HashMap::new(),
        private_reply_times: HashMap::new(),
    };
    for (account, scripts) in [(business, business_scripts()), (creator, creator_scripts())] {
        for script in scripts {
            let person = Person {
                username: script.person.0.to_owned(),
                id: script.person.1.to_owned(),
            };
            let mut lines = script.lines;
            lines.sort_by_key(|l| std::cmp::Reverse(l.0));
            for (minutes_ago, inbound, text) in lines {
                let id = inbox.message_id();
                inbox.push(
                    &account.ig_id,
                    &person,
                    Message {
                        id,
                        created: start - Duration::minutes(minutes_ago),
                        inbound,
                        text: Some(text.to_owned()),
                        attachments: Vec::new(),
                    },
                );
            }
            if let Some(c) = inbox.conversations.last_mut() {
                c.chatty = script.chatty;
            }
        }
    }
    // A shared post (an attachment) in the first conversation.
    if let Some(c) = inbox.conversations.first_mut()
        && let Some(m) = c.messages.get_mut(1)
    {
        m.attachments.push(Attachment {
            kind: "share".into(),
            url: "https://www.instagram.com/p/DEMOshare1/".into(),
        });
    }
    inbox
}

/// Answers the messaging paths; `None` leaves the request to the rest of the Graph emulator.
pub fn serve(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    path: &[&str],
    token_value: &str,
    token: &Token,
) -> Option<Result<Value, GraphError>> {
    // The account a path id stands for: on Instagram Login `me` or the token's own IG id; on
    // Facebook Login the IG id or the Page linked to it (Messenger-style `/{page-id}/…`).
    let own_of = |id: &str| -> Option<String> {
        let demo = inner.demo();
        match (login, &token.subject) {
            (Login::Instagram, Subject::IgAccount(own)) => (id == "me"
                || demo.account_by_id(id).is_some_and(|a| &a.ig_id == own))
            .then(|| own.clone()),
            (Login::Facebook, Subject::Page(_) | Subject::FbUser(_)) => {
                super::writes::own_account(&demo, token, id).ok()
            }
            _ => None,
        }
    };
    // The account owning a conversation or message, when this token may act for it.
    let owner_of_object = |id: &str| -> Option<String> {
        let demo = inner.demo();
        let owner = demo
            .dms
            .conversation(id)
            .or_else(|| demo.dms.find_message(id).map(|(c, _)| c))?
            .owner
            .clone();
        let allowed = match &token.subject {
            Subject::IgAccount(own) => own == &owner,
            _ => visible_ig_ids(&demo, token).contains(&owner),
        };
        // Someone else's thread reads as not found, like any object the token cannot see.
        Some(if allowed { owner } else { String::new() })
    };
    let now = inner.now();
    match (&req.method, path) {
        (&Method::GET, [id, "conversations"]) => {
            let own = own_of(id)?;
            inner.demo_mut().dms.run_activity(now);
            // A Page's Messenger threads are not emulated: only `platform=instagram` has any.
            if login == Login::Facebook && req.param("platform") != Some("instagram") {
                return Some(require(token, messages_scope(login)).map(|()| json!({"data": []})));
            }
            Some(list_conversations(inner, req, &own, token_value, token))
        }
        (&Method::GET, [id]) => {
            let own = owner_of_object(id)?;
            inner.demo_mut().dms.run_activity(now);
            Some(read_node(inner, req, &own, id, token_value, token))
        }
        (&Method::GET, [id, "messages"]) => {
            let own = owner_of_object(id)?;
            Some(read_messages_edge(inner, req, &own, id, token_value, token))
        }
        (&Method::POST, [id, "messages"]) if login == Login::Facebook => {
            let own = super::writes::own_account(&inner.demo(), token, id);
            Some(own.and_then(|own| send(inner, req, &own, token)))
        }
        (&Method::POST, [id, "messages"]) => {
            let own = own_of(id)?;
            Some(send(inner, req, &own, token))
        }
        _ => None,
    }
}

fn require(token: &Token, scope: &str) -> Result<(), GraphError> {
    if token.has_scope(scope) {
        Ok(())
    } else {
        Err(GraphError::missing_permission(scope))
    }
}

fn parse_fields(req: &Req) -> Result<Option<Vec<Field>>, GraphError> {
    req.param("fields")
        .map(|f| fields::parse(f).map_err(|e| GraphError::invalid_parameter(e.to_string())))
        .transpose()
}

fn parse_limit(raw: Option<&str>) -> Result<usize, GraphError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(MAX_LIMIT)),
            _ => Err(GraphError::invalid_parameter(format!(
                "(#100) The parameter limit must be a positive integer, got '{s}'"
            ))),
        },
    }
}

fn cursor(index: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("dm:{index}"))
}

fn uncursor(raw: &str) -> Result<usize, GraphError> {
    URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("dm:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The cursor '{raw}' is not valid; use the cursors from the previous response's paging"
            ))
        })
}

/// A page of `total` items starting after `after`: (start, end, paging JSON or None).
fn page(
    inner: &Inner,
    total: usize,
    limit: usize,
    after: Option<&str>,
    path: &str,
    query: &[(&str, String)],
) -> Result<(usize, usize, Value), GraphError> {
    let start = match after.filter(|a| !a.is_empty()) {
        Some(a) => uncursor(a)? + 1,
        None => 0,
    }
    .min(total);
    let end = (start + limit).min(total);
    let mut paging = Map::new();
    if end > start {
        paging.insert(
            "cursors".into(),
            json!({"before": cursor(start), "after": cursor(end - 1)}),
        );
    }
    if end < total {
        let mut url = inner.root.clone();
        url.set_path(&format!("{}/{path}", super::API_VERSION));
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
            q.append_pair("limit", &limit.to_string());
            q.append_pair("after", &cursor(end - 1));
        }
        paging.insert("next".into(), json!(url.to_string()));
    }
    Ok((start, end, Value::Object(paging)))
}

fn list_conversations(
    inner: &Inner,
    req: &Req,
    own: &str,
    token_value: &str,
    token: &Token,
) -> Result<Value, GraphError> {
    require(token, messages_scope(token.login))?;
    if let Some(p) = req.param("platform")
        && p != "instagram"
    {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) platform must be instagram on graph.instagram.com, got '{p}'"
        )));
    }
    let selection = parse_fields(req)?;
    let limit = parse_limit(req.param("limit"))?;
    let demo = inner.demo();
    let mut list: Vec<&Conversation> = demo
        .dms
        .conversations
        .iter()
        .filter(|c| c.owner == own)
        .filter(|c| req.param("user_id").is_none_or(|u| u == c.person.id))
        .collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.updated()));
    let mut query = vec![("access_token", token_value.to_owned())];
    for key in ["platform", "fields", "user_id"] {
        if let Some(v) = req.param(key) {
            query.push((key, v.to_owned()));
        }
    }
    let (start, end, paging) = page(
        inner,
        list.len(),
        limit,
        req.param("after"),
        "me/conversations",
        &query,
    )?;
    let default = [Field::plain("id"), Field::plain("updated_time")];
    let fields = selection
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&default);
    let data = list[start..end]
        .iter()
        .map(|c| render_conversation(inner, &demo, c, fields, token_value))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"data": data, "paging": paging}))
}

fn read_node(
    inner: &Inner,
    req: &Req,
    own: &str,
    id: &str,
    token_value: &str,
    token: &Token,
) -> Result<Value, GraphError> {
    require(token, messages_scope(token.login))?;
    let selection = parse_fields(req)?;
    let demo = inner.demo();
    if let Some(c) = demo.dms.conversation(id) {
        if c.owner != own {
            return Err(GraphError::unsupported_get(id));
        }
        let default = [Field::plain("id")];
        let fields = selection
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&default);
        return render_conversation(inner, &demo, c, fields, token_value);
    }
    let Some((c, index)) = demo.dms.find_message(id) else {
        return Err(GraphError::unknown_object(id));
    };
    if c.owner != own {
        return Err(GraphError::unsupported_get(id));
    }
    if index + READABLE_MESSAGES < c.messages.len() {
        let mut e = GraphError::invalid_parameter(
            "(#100) This message has been deleted. Only the 20 most recent messages of a conversation can be read.",
        );
        e.subcode = Some(2534021);
        return Err(e);
    }
    let default = [Field::plain("id"), Field::plain("created_time")];
    let fields = selection
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&default);
    render_message(&demo, c, index, fields)
}

fn read_messages_edge(
    inner: &Inner,
    req: &Req,
    own: &str,
    id: &str,
    token_value: &str,
    token: &Token,
) -> Result<Value, GraphError> {
    require(token, messages_scope(token.login))?;
    let selection = parse_fields(req)?;
    let demo = inner.demo();
    let Some(c) = demo.dms.conversation(id).filter(|c| c.owner == own) else {
        return Err(GraphError::unsupported_get(id));
    };
    let field = Field {
        name: "messages".into(),
        limit: Some(parse_limit(req.param("limit"))? as u32),
        sub: selection,
    };
    messages_edge(inner, &demo, c, &field, req.param("after"), token_value)
}

fn render_conversation(
    inner: &Inner,
    demo: &Demo,
    c: &Conversation,
    fields: &[Field],
    token_value: &str,
) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(c.id),
            "updated_time" => match c.updated() {
                Some(t) => json!(format_time(t)),
                None => continue,
            },
            "participants" => {
                let owner = demo.account_by_id(&c.owner);
                json!({"data": [
                    {"username": owner.map_or("", |a| a.username.as_str()), "id": c.owner},
                    {"username": c.person.username, "id": c.person.id},
                ]})
            }
            "messages" => messages_edge(inner, demo, c, f, None, token_value)?,
            other => return Err(GraphError::nonexisting_field(other, "Conversation")),
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(c.id));
    Ok(Value::Object(out))
}

/// The `messages` edge, newest first.
fn messages_edge(
    inner: &Inner,
    demo: &Demo,
    c: &Conversation,
    field: &Field,
    after: Option<&str>,
    token_value: &str,
) -> Result<Value, GraphError> {
    let limit = field
        .limit
        .map_or(DEFAULT_LIMIT, |l| (l as usize).clamp(1, MAX_LIMIT));
    let total = c.messages.len();
    let mut query = vec![("access_token", token_value.to_owned())];
    if let Some(sub) = &field.sub {
        query.push(("fields", fields::render(sub)));
    }
    let (start, end, paging) = page(
        inner,
        total,
        limit,
        after,
        &format!("{}/messages", c.id),
        &query,
    )?;
    let default = [Field::plain("id"), Field::plain("created_time")];
    let sub = field
        .sub
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&default);
    let data = (start..end)
        .map(|newest_first| {
            let index = total - 1 - newest_first;
            if newest_first >= READABLE_MESSAGES {
                // Listed, but its details can no longer be read.
                let mut m = Map::new();
                m.insert("id".into(), json!(c.messages[index].id));
                if sub.iter().any(|f| f.name == "created_time") {
                    m.insert(
                        "created_time".into(),
                        json!(format_time(c.messages[index].created)),
                    );
                }
                Ok(Value::Object(m))
            } else {
                render_message(demo, c, index, sub)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"data": data, "paging": paging}))
}

fn render_message(
    demo: &Demo,
    c: &Conversation,
    index: usize,
    fields: &[Field],
) -> Result<Value, GraphError> {
    let m = &c.messages[index];
    let owner_name = demo
        .account_by_id(&c.owner)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    let owner = json!({"username": owner_name, "id": c.owner});
    let person = json!({"username": c.person.username, "id": c.person.id});
    let (from, to) = if m.inbound {
        (person, owner)
    } else {
        (owner, person)
    };
    let mut out = Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(m.id),
            "created_time" => json!(format_time(m.created)),
            "from" => from.clone(),
            "to" => json!({"data": [to.clone()]}),
            "message" => json!(m.text.clone().unwrap_or_default()),
            "attachments" => {
                let data: Vec<Value> = m
                    .attachments
                    .iter()
                    .filter(|a| a.kind != "share")
                    .map(|a| match a.kind.as_str() {
                        "video" => json!({"video_data": {"url": a.url}}),
                        _ => json!({"image_data": {"url": a.url, "preview_url": a.url}}),
                    })
                    .collect();
                if data.is_empty() {
                    continue;
                }
                json!({"data": data})
            }
            "shares" => {
                let data: Vec<Value> = m
                    .attachments
                    .iter()
                    .filter(|a| a.kind == "share")
                    .map(|a| json!({"link": a.url}))
                    .collect();
                if data.is_empty() {
                    continue;
                }
                json!({"data": data})
            }
            other => return Err(GraphError::nonexisting_field(other, "Message")),
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(m.id));
    Ok(Value::Object(out))
}

fn outside_window(detail: &str) -> GraphError {
    let mut e = GraphError::oauth(
        10,
        format!(
            "(#10) This message is sent outside of allowed window. {detail} Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
        ),
    );
    e.subcode = Some(2534022);
    // Meta answers permission-class errors (code 10) with HTTP 403.
    e.status = axum::http::StatusCode::FORBIDDEN;
    e
}

/// Parses a JSON-valued parameter (`recipient`, `message`): sent as a JSON body member or as
/// a form field holding JSON.
fn json_param(req: &Req, name: &str) -> Result<Value, GraphError> {
    let raw = req.param(name).ok_or_else(|| {
        GraphError::invalid_parameter(format!("(#100) The parameter {name} is required"))
    })?;
    serde_json::from_str::<Value>(raw)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            GraphError::invalid_parameter(format!("(#100) Param {name} must be a JSON object"))
        })
}

/// Removes timestamps older than `window` and says whether `max` are still in it.
fn over_limit(
    log: &mut HashMap<String, VecDeque<DateTime<Utc>>>,
    account: &str,
    now: DateTime<Utc>,
    window: Duration,
    max: usize,
) -> bool {
    let q = log.entry(account.to_owned()).or_default();
    while q.front().is_some_and(|t| now - *t >= window) {
        q.pop_front();
    }
    if q.len() >= max {
        return true;
    }
    q.push_back(now);
    false
}

/// `POST /<IG_ID>/messages`.
fn send(inner: &Inner, req: &Req, own: &str, token: &Token) -> Result<Value, GraphError> {
    let recipient = json_param(req, "recipient")?;
    let message = json_param(req, "message")?;
    let text = message
        .get("text")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let attachment = match message.get("attachment") {
        None => None,
        Some(a) => {
            let kind = a.get("type").and_then(Value::as_str).unwrap_or("");
            let url = a
                .pointer("/payload/url")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !matches!(kind, "image" | "video" | "audio" | "file") {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Unsupported attachment type '{kind}'"
                )));
            }
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(GraphError::invalid_parameter(
                    "(#100) The attachment payload.url must be a public http(s) URL",
                ));
            }
            Some(Attachment {
                kind: kind.to_owned(),
                url: url.to_owned(),
            })
        }
    };
    if text.as_deref().is_none_or(str::is_empty) && attachment.is_none() {
        return Err(GraphError::invalid_parameter(
            "(#100) message must have text or an attachment",
        ));
    }
    if text.as_ref().is_some_and(|t| t.len() > 1000) {
        return Err(GraphError::invalid_parameter(
            "(#100) Message text must be UTF-8 and at most 1000 characters",
        ));
    }
    let tag = req.param("tag");
    let human_agent = match (req.param("messaging_type"), tag) {
        (Some("MESSAGE_TAG"), Some("HUMAN_AGENT")) => true,
        (Some("MESSAGE_TAG"), other) => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) tag must be HUMAN_AGENT for messaging_type MESSAGE_TAG on Instagram, got '{}'",
                other.unwrap_or("")
            )));
        }
        (_, Some(_)) => {
            return Err(GraphError::invalid_parameter(
                "(#100) a tag needs messaging_type=MESSAGE_TAG",
            ));
        }
        _ => false,
    };
    let now = inner.now();
    let mut demo = inner.demo_mut();
    let result = if let Some(comment_id) = recipient.get("comment_id").and_then(Value::as_str) {
        require(token, comments_scope(token.login))?;
        private_reply(&mut demo, own, comment_id, text, attachment, now)?
    } else if let Some(user) = recipient.get("id").and_then(Value::as_str) {
        require(token, messages_scope(token.login))?;
        direct(&mut demo.dms, own, user, human_agent, text, attachment, now)?
    } else {
        return Err(GraphError::invalid_parameter(
            "(#100) recipient must have an id or a comment_id",
        ));
    };
    if std::mem::take(&mut demo.dms.lose_next_send_response) {
        return Err(GraphError::transient(2));
    }
    Ok(result)
}

fn direct(
    inbox: &mut Inbox,
    own: &str,
    user: &str,
    human_agent: bool,
    text: Option<String>,
    attachment: Option<Attachment>,
    now: DateTime<Utc>,
) -> Result<Value, GraphError> {
    let Some(c) = inbox
        .conversations
        .iter()
        .find(|c| c.owner == own && c.person.id == user)
    else {
        let mut e = GraphError::invalid_parameter("(#100) No matching user found");
        e.subcode = Some(2018001);
        return Err(e);
    };
    let person = c.person.clone();
    match c.last_inbound() {
        None => {
            return Err(outside_window(
                "The person has not written to this account (after a private reply, wait for their answer).",
            ));
        }
        Some(t) if now - t > Duration::days(HUMAN_AGENT_WINDOW_DAYS) => {
            return Err(outside_window(
                "The person's last message is more than 7 days old.",
            ));
        }
        Some(t) if now - t > Duration::hours(STANDARD_WINDOW_HOURS) && !human_agent => {
            return Err(outside_window(
                "The person's last message is more than 24 hours old; a human agent may answer within 7 days with the HUMAN_AGENT tag.",
            ));
        }
        Some(_) => {}
    }
    if over_limit(
        &mut inbox.sends,
        own,
        now,
        Duration::seconds(1),
        SENDS_PER_SECOND,
    ) {
        return Err(GraphError::throttled(613));
    }
    let id = inbox.message_id();
    inbox.push(
        own,
        &person,
        Message {
            id: id.clone(),
            created: now,
            inbound: false,
            text,
            attachments: attachment.into_iter().collect(),
        },
    );
    Ok(json!({"recipient_id": person.id, "message_id": id}))
}

fn private_reply(
    demo: &mut Demo,
    own: &str,
    comment_id: &str,
    text: Option<String>,
    attachment: Option<Attachment>,
    now: DateTime<Utc>,
) -> Result<Value, GraphError> {
    let comment = demo
        .comment_by_id(comment_id)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(comment_id))?;
    let on_own_media = demo
        .media_by_id(&comment.media_id)
        .is_some_and(|m| m.owner == own);
    if !on_own_media {
        return Err(GraphError::unsupported_get(comment_id).with_method(&Method::POST));
    }
    if comment.from_id == own {
        return Err(GraphError::invalid_parameter(
            "(#100) A private reply cannot be sent to the account's own comment",
        ));
    }
    if demo.dms.private_replies.contains_key(comment_id) {
        let mut e = GraphError::oauth(
            10,
            "(#10) A private reply was already sent for this comment. Further messages are allowed only after the person replies.",
        );
        e.subcode = Some(2534023);
        return Err(e);
    }
    if now - comment.timestamp > Duration::days(HUMAN_AGENT_WINDOW_DAYS) {
        return Err(outside_window(
            "Private replies must be sent within 7 days of the comment.",
        ));
    }
    if over_limit(
        &mut demo.dms.private_reply_times,
        own,
        now,
        Duration::hours(1),
        PRIVATE_REPLIES_PER_HOUR,
    ) {
        return Err(GraphError::throttled(613));
    }
    let person = Person {
        id: comment.from_id.clone(),
        username: comment.username.clone(),
    };
    let id = demo.dms.message_id();
    demo.dms.push(
        own,
        &person,
        Message {
            id: id.clone(),
            created: now,
            inbound: false,
            text,
            attachments: attachment.into_iter().collect(),
        },
    );
    demo.dms
        .private_replies
        .insert(comment_id.to_owned(), id.clone());
    Ok(json!({"recipient_id": person.id, "message_id": id}))
}

/// Messaging switches for tests and demos.
impl SandboxControl {
    /// Sets the gap of sandbox clock between generated incoming messages (`None` = off).
    pub fn set_dm_activity(&self, every: Option<std::time::Duration>) {
        let every = every.and_then(|d| Duration::from_std(d).ok());
        let now = self.inner.now();
        let mut demo = self.inner.demo_mut();
        demo.dms.activity_every = every;
        demo.dms.last_activity = now;
    }

    /// Carries out the next send but answers it with a transient error, as if the answer
    /// were lost on the way back.
    pub fn lose_next_dm_response(&self) {
        self.inner.demo_mut().dms.lose_next_send_response = true;
    }

    /// Delivers a message from `from_username` to the demo account `to_username` now, as if
    /// the person wrote it. Returns the conversation id, or `None` for an unknown account.
    pub fn deliver_dm(&self, to_username: &str, from_username: &str, text: &str) -> Option<String> {
        let now = self.inner.now();
        let mut demo = self.inner.demo_mut();
        let owner = demo.account_by_username(to_username)?.ig_id.clone();
        let known = demo
            .dms
            .conversations
            .iter()
            .find(|c| c.person.username == from_username)
            .map(|c| c.person.clone());
        let person = match known {
            Some(p) => p,
            None => Person {
                id: format!("61300000{:08}", demo.dms.conversations.len() + 1),
                username: from_username.to_owned(),
            },
        };
        let id = demo.dms.message_id();
        let (conversation, _) = demo.dms.push(
            &owner,
            &person,
            Message {
                id,
                created: now,
                inbound: true,
                text: Some(text.to_owned()),
                attachments: Vec::new(),
            },
        );
        Some(conversation)
    }

    /// Texts of a conversation's messages, oldest first (for tests).
    pub fn dm_texts(&self, conversation: &str) -> Vec<String> {
        self.inner
            .demo()
            .dms
            .conversation(conversation)
            .map(|c| {
                c.messages
                    .iter()
                    .map(|m| m.text.clone().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbox() -> (Inbox, DateTime<Utc>) {
        let start = Utc::now();
        let demo = super::super::demo::generate(42, start);
        (demo.dms, start)
    }

    #[test]
    fn generated_inbox_has_the_windows_tests_need() {
        let (inbox, start) = inbox();
        let owner = "17841400000000001";
        let ages: Vec<i64> = inbox
            .conversations
            .iter()
            .filter(|c| c.owner == owner)
            .filter_map(|c| c.last_inbound().map(|t| (start - t).num_hours()))
            .collect();
        assert!(ages.iter().any(|&h| h < 24), "{ages:?}");
        assert!(ages.iter().any(|&h| (24..24 * 7).contains(&h)), "{ages:?}");
        assert!(ages.iter().any(|&h| h > 24 * 7), "{ages:?}");
        assert!(
            inbox
                .conversations
                .iter()
                .any(|c| c.messages.len() > READABLE_MESSAGES)
        );
    }

    #[test]
    fn send_windows_follow_the_24h_and_7_day_rules() {
        let (mut inbox, start) = inbox();
        let owner = "17841400000000001";
        let send = |inbox: &mut Inbox, user: &str, tag: bool| {
            direct(inbox, owner, user, tag, Some("hi".into()), None, start)
        };
        send(&mut inbox, "6120000000000003", false).expect("open window");
        let e = send(&mut inbox, "6120000000000004", false).expect_err("3 days old");
        assert_eq!((e.code, e.subcode), (10, Some(2534022)));
        send(&mut inbox, "6120000000000004", true).expect("human agent within 7 days");
        let e = send(&mut inbox, "6120000000000006", true).expect_err("9 days old");
        assert_eq!((e.code, e.subcode), (10, Some(2534022)));
    }

    #[test]
    fn the_activity_generator_writes_once_per_gap() {
        let (mut inbox, start) = inbox();
        let count = |i: &Inbox| {
            i.conversations
                .iter()
                .map(|c| c.messages.len())
                .sum::<usize>()
        };
        let before = count(&inbox);
        inbox.run_activity(start + Duration::seconds(10));
        assert_eq!(count(&inbox), before);
        inbox.run_activity(start + Duration::days(30));
        inbox.run_activity(start + Duration::days(30));
        assert_eq!(count(&inbox), before + 1);
    }

    #[test]
    fn rate_limit_window_slides() {
        let mut log = HashMap::new();
        let t = Utc::now();
        for _ in 0..3 {
            assert!(!over_limit(&mut log, "a", t, Duration::seconds(1), 3));
        }
        assert!(over_limit(&mut log, "a", t, Duration::seconds(1), 3));
        assert!(!over_limit(
            &mut log,
            "a",
            t + Duration::seconds(1),
            Duration::seconds(1),
            3
        ));
    }
}
