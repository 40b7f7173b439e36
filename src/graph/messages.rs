//! Instagram Direct on graph.instagram.com: conversations, messages, the Send API and
//! private replies to commenters.
//!
//! Reads: `GET /me/conversations?platform=instagram&fields=id,updated_time,participants`,
//! then `GET /<CONVERSATION_ID>?fields=messages.limit(n){…}` (following the edge's
//! `paging.next`). Meta lists every message id but answers details only for the 20 most
//! recent; older ones come back without `from`/`message` and are kept as
//! [`DmMessage::readable`]` == false` rather than treated as an error.
//!
//! Sends: `POST /<IG_ID>/messages` with `recipient` and `message` as JSON values (form
//! fields holding JSON, which Graph accepts like a JSON body), plus
//! `messaging_type=MESSAGE_TAG&tag=HUMAN_AGENT` for a human reply after 24 h. A send is never
//! retried by the client: a lost answer must be checked against the conversation first.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::GraphRequest;
use super::page::{FromGraph, Page, decode_as};
use super::time::parse_graph_time;
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{CommentId, IgUserId};

/// Fields of one message as the inbox shows it.
pub const MESSAGE_FIELDS: &str = "id,created_time,from,to,message,attachments,shares";
/// Fields of one conversation in the list.
pub const CONVERSATION_FIELDS: &str = "id,updated_time,participants";
/// Messages per page of the `messages` edge.
const MESSAGES_PAGE: u32 = 50;
/// Error subcode Meta sends (with code 10) for a message outside the allowed window.
pub const OUTSIDE_WINDOW_SUBCODE: i64 = 2534022;

/// A conversation id (`aWdfZ…`), opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub String);

/// A message id (`aWdFZ…`), opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub String);

impl std::fmt::Display for ConversationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Someone in a conversation: the account itself or the person (IGSID).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Participant {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    IgUserId::deserialize(d).map(|id| id.0)
}

/// A conversation as listed by `/me/conversations`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub updated_time: Option<DateTime<Utc>>,
    pub participants: Vec<Participant>,
}

impl Conversation {
    /// The person the account talks with (the participant that is not `own`).
    pub fn other(&self, own: &IgUserId, own_username: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.id != own.as_str() && p.username.as_deref() != Some(own_username))
    }
}

/// What a message carries besides text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DmAttachment {
    Image {
        url: String,
    },
    Video {
        url: String,
    },
    /// A shared post or link: only its URL is known (Meta returns nothing more).
    Share {
        url: String,
    },
}

impl DmAttachment {
    pub fn url(&self) -> &str {
        match self {
            Self::Image { url } | Self::Video { url } | Self::Share { url } => url,
        }
    }
}

/// One message. Older than the 20 most recent, only `id` (and maybe the time) is known.
#[derive(Clone, Debug, PartialEq)]
pub struct DmMessage {
    pub id: MessageId,
    pub created_time: Option<DateTime<Utc>>,
    pub from: Option<Participant>,
    pub to: Vec<Participant>,
    pub text: Option<String>,
    pub attachments: Vec<DmAttachment>,
    /// False when Meta listed the message but no longer answers its details.
    pub readable: bool,
}

#[derive(Deserialize)]
struct DataOf<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

#[derive(Deserialize)]
struct ConversationWire {
    id: String,
    updated_time: Option<String>,
    participants: Option<DataOf<Participant>>,
}

#[derive(Deserialize, Default)]
struct MediaData {
    url: Option<String>,
}

#[derive(Deserialize)]
struct AttachmentWire {
    image_data: Option<MediaData>,
    video_data: Option<MediaData>,
    file_url: Option<String>,
}

#[derive(Deserialize)]
struct ShareWire {
    link: Option<String>,
}

#[derive(Deserialize)]
struct MessageWire {
    id: String,
    created_time: Option<String>,
    from: Option<Participant>,
    to: Option<DataOf<Participant>>,
    message: Option<String>,
    attachments: Option<DataOf<AttachmentWire>>,
    shares: Option<DataOf<ShareWire>>,
}

fn time_at(raw: Option<String>, path: &str) -> Result<Option<DateTime<Utc>>, GraphError> {
    raw.map(|s| {
        parse_graph_time(&s).ok_or_else(|| GraphError::decode(path, format!("`{s}` is not a date")))
    })
    .transpose()
}

impl FromGraph for Conversation {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        let w: ConversationWire = decode_as(value, path)?;
        Ok(Self {
            id: ConversationId(w.id),
            updated_time: time_at(w.updated_time, &format!("{path}.updated_time"))?,
            participants: w.participants.map(|p| p.data).unwrap_or_default(),
        })
    }
}

impl FromGraph for DmMessage {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        let w: MessageWire = decode_as(value, path)?;
        let mut attachments = Vec::new();
        for a in w.attachments.map(|a| a.data).unwrap_or_default() {
            if let Some(url) = a.image_data.and_then(|d| d.url) {
                attachments.push(DmAttachment::Image { url });
            } else if let Some(url) = a.video_data.and_then(|d| d.url) {
                attachments.push(DmAttachment::Video { url });
            } else if let Some(url) = a.file_url {
                attachments.push(DmAttachment::Share { url });
            }
        }
        for s in w.shares.map(|s| s.data).unwrap_or_default() {
            if let Some(url) = s.link {
                attachments.push(DmAttachment::Share { url });
            }
        }
        let readable = w.from.is_some();
        Ok(Self {
            id: MessageId(w.id),
            created_time: time_at(w.created_time, &format!("{path}.created_time"))?,
            from: w.from,
            to: w.to.map(|t| t.data).unwrap_or_default(),
            text: w.message.filter(|m| !m.is_empty()),
            attachments,
            readable,
        })
    }
}

/// Whom a message goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A person by IGSID (within the messaging window).
    User(String),
    /// The author of a comment (a private reply).
    Comment(CommentId),
}

/// What to send.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OutgoingMessage {
    pub text: Option<String>,
    /// A public image URL sent as an attachment.
    pub image_url: Option<String>,
    /// Sends with `messaging_type=MESSAGE_TAG&tag=HUMAN_AGENT` (24 h – 7 days, human-written).
    pub human_agent: bool,
}

/// Meta's answer to a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The person's IGSID (for a private reply: the commenter).
    pub recipient_id: String,
    pub message_id: MessageId,
}

/// `client.messages(&session)`.
pub struct MessagesHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Instagram Direct: conversations, messages, sends and private replies.
    pub fn messages<'a>(&'a self, session: &'a Session) -> MessagesHandler<'a> {
        MessagesHandler {
            client: self,
            session,
        }
    }
}

impl MessagesHandler<'_> {
    /// Conversations, most recently updated first, up to `max`.
    pub async fn conversations(&self, max: usize) -> Result<Vec<Conversation>, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                "me/conversations",
                &[
                    ("platform", "instagram".to_owned()),
                    ("fields", CONVERSATION_FIELDS.to_owned()),
                    ("limit", max.clamp(1, 100).to_string()),
                ],
            )
            .await?;
        let first = Page::<Conversation>::from_json(v)?;
        self.client.all_pages(self.session, first, max).await
    }

    /// The conversation with one person (`user_id=<IGSID>`), if there is one.
    pub async fn conversation_with(
        &self,
        user_id: &str,
    ) -> Result<Option<Conversation>, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                "me/conversations",
                &[
                    ("platform", "instagram".to_owned()),
                    ("user_id", user_id.to_owned()),
                    ("fields", CONVERSATION_FIELDS.to_owned()),
                ],
            )
            .await?;
        Ok(Page::<Conversation>::from_json(v)?.items.into_iter().next())
    }

    /// The messages of a conversation, newest first, up to `max` (ids of older ones included).
    pub async fn messages(
        &self,
        conversation: &ConversationId,
        max: usize,
    ) -> Result<Vec<DmMessage>, GraphError> {
        let first = self.messages_page(conversation).await?;
        self.client.all_pages(self.session, first, max).await
    }

    /// The first page of a conversation's messages, newest first; follow `next` with
    /// [`GraphClient::get_page`] (callers that pace their calls page by hand).
    pub async fn messages_page(
        &self,
        conversation: &ConversationId,
    ) -> Result<Page<DmMessage>, GraphError> {
        let fields = format!("messages.limit({MESSAGES_PAGE}){{{MESSAGE_FIELDS}}}");
        let mut v = self
            .client
            .get_json(self.session, &conversation.0, &[("fields", fields)])
            .await?;
        // A conversation without messages omits the edge.
        let Some(edge) = v.get_mut("messages").map(Value::take) else {
            return Ok(Page {
                items: Vec::new(),
                after: None,
                next: None,
            });
        };
        Page::<DmMessage>::from_json(edge)
            .map_err(|e| GraphError::decode(format!("messages.{}", decode_path(&e)), e.message))
    }

    /// One message in detail (`GET /<MESSAGE_ID>`); Meta refuses those older than the 20
    /// most recent of their conversation.
    pub async fn message(&self, id: &MessageId) -> Result<DmMessage, GraphError> {
        let v = self
            .client
            .get_json(
                self.session,
                &id.0,
                &[("fields", MESSAGE_FIELDS.to_owned())],
            )
            .await?;
        DmMessage::from_graph(v, "$")
    }

    /// Sends one message (`POST /<IG_ID>/messages`). Never retried: see the module docs.
    pub async fn send(
        &self,
        ig_id: &IgUserId,
        to: &Recipient,
        message: &OutgoingMessage,
    ) -> Result<Sent, GraphError> {
        let recipient = match to {
            Recipient::User(id) => json!({ "id": id }),
            Recipient::Comment(c) => json!({ "comment_id": c.as_str() }),
        };
        let body = match (&message.text, &message.image_url) {
            (_, Some(url)) => json!({"attachment": {"type": "image", "payload": {"url": url}}}),
            (Some(text), None) => json!({ "text": text }),
            (None, None) => {
                return Err(GraphError::new(
                    ErrorKind::InvalidParameter,
                    "the message is empty: type some text or choose an image",
                ));
            }
        };
        let mut form = vec![
            ("recipient", recipient.to_string()),
            ("message", body.to_string()),
        ];
        if message.human_agent {
            form.push(("messaging_type", "MESSAGE_TAG".to_owned()));
            form.push(("tag", "HUMAN_AGENT".to_owned()));
        }
        let url = self
            .client
            .versioned_url(self.session.login, &format!("{ig_id}/messages"))?;
        let request = GraphRequest {
            method: Method::POST,
            url,
            query: Vec::new(),
            form: Some(form),
            session: Some(self.session),
            idempotent: false,
        };
        #[derive(Deserialize)]
        struct SentWire {
            #[serde(deserialize_with = "string_or_number")]
            recipient_id: String,
            message_id: String,
        }
        let v = self.client.execute(request).await?;
        let w: SentWire = decode_as(v, "$")?;
        Ok(Sent {
            recipient_id: w.recipient_id,
            message_id: MessageId(w.message_id),
        })
    }
}

fn decode_path(e: &GraphError) -> String {
    match &e.kind {
        ErrorKind::Decode { path } => path.clone(),
        _ => "$".into(),
    }
}

/// True for Meta's "outside of allowed window" refusal (code 10, subcode 2534022).
pub fn is_outside_window(e: &GraphError) -> bool {
    e.subcode == Some(OUTSIDE_WINDOW_SUBCODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_readable_and_unreadable_messages_and_attachments() {
        let v = json!({"data":[
            {"id":"m2","created_time":"2026-11-01T08:00:00+0000","from":{"id":"61","username":"ana"},
             "to":{"data":[{"id":178,"username":"shop"}]},"message":"",
             "attachments":{"data":[{"image_data":{"url":"https://x/i.jpg","preview_url":"https://x/p.jpg"}}]},
             "shares":{"data":[{"link":"https://instagram.com/p/1"}]}},
            {"id":"m1","created_time":"2026-10-01T08:00:00+0000"}
        ]});
        let page = Page::<DmMessage>::from_json(v).expect("page");
        let (new, old) = (&page.items[0], &page.items[1]);
        assert!(new.readable && !old.readable);
        assert_eq!(new.text, None, "an empty text is no text");
        assert_eq!(new.to[0].id, "178");
        assert_eq!(
            new.attachments,
            vec![
                DmAttachment::Image {
                    url: "https://x/i.jpg".into()
                },
                DmAttachment::Share {
                    url: "https://instagram.com/p/1".into()
                }
            ]
        );
    }

    #[test]
    fn a_bad_time_names_its_path() {
        let err = Conversation::from_graph(json!({"id":"c","updated_time":"soon"}), "data[0]")
            .expect_err("bad");
        assert!(
            err.message.contains("data[0].updated_time"),
            "{}",
            err.message
        );
    }
}
