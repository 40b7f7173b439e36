//! The Instagram Direct cache: conversations, their messages, the locally kept read marks
//! (the API does not mark messages read) and the private replies already sent (so a second
//! one to the same comment is refused before any call).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::accounts::require_account;
use super::{Failure, Store, StoreError, from_millis, opt_from_millis, to_millis};
use crate::graph::messages::{
    Conversation, ConversationId, DmAttachment, DmMessage, MessageId, Participant,
};
use crate::ids::{CommentId, IgUserId};

/// A cached conversation with what the list shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedConversation {
    pub id: ConversationId,
    /// The person the account talks with.
    pub person: Option<Participant>,
    pub updated_time: Option<DateTime<Utc>>,
    /// The `updated_time` whose messages are cached (`None`: never read).
    pub synced_time: Option<DateTime<Utc>>,
    /// The newest message time the user has seen here.
    pub read_time: Option<DateTime<Utc>>,
    pub last_text: Option<String>,
    pub last_time: Option<DateTime<Utc>>,
    /// The person's newest message: the messaging windows run from it.
    pub last_inbound_time: Option<DateTime<Utc>>,
}

impl CachedConversation {
    /// True when the person wrote since the user last opened the conversation.
    pub fn unread(&self) -> bool {
        match (self.last_inbound_time, self.read_time) {
            (Some(inbound), Some(read)) => inbound > read,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// True when Meta reports a newer `updated_time` than the cached messages.
    pub fn needs_sync(&self) -> bool {
        self.synced_time.is_none() || self.synced_time < self.updated_time
    }
}

/// A private reply already sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateReplyRecord {
    pub comment_id: CommentId,
    pub recipient_id: Option<String>,
    pub message_id: Option<String>,
    pub conversation_id: Option<String>,
    pub sent_at: DateTime<Utc>,
}

fn bad_json(e: serde_json::Error) -> Failure {
    Failure::Store(StoreError::BadRow {
        what: "message attachments",
        reason: e.to_string(),
    })
}

impl Store {
    /// Adds or refreshes conversations of `account` (their messages are kept).
    #[tracing::instrument(skip_all)]
    pub fn upsert_dm_conversations(
        &self,
        account: &IgUserId,
        own_username: &str,
        conversations: &[Conversation],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO dm_conversations (account_id, id, person_id, person_username, updated_time)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, id) DO UPDATE SET
                     person_id = COALESCE(excluded.person_id, person_id),
                     person_username = COALESCE(excluded.person_username, person_username),
                     updated_time = excluded.updated_time",
            )?;
            for c in conversations {
                let person = c.other(account, own_username);
                stmt.execute(params![
                    account.as_str(),
                    c.id.0,
                    person.map(|p| p.id.as_str()),
                    person.and_then(|p| p.username.as_deref()),
                    c.updated_time.map(to_millis),
                ])?;
            }
            Ok(())
        })
    }

    /// Replaces the cached messages of a conversation (newest first, as Meta lists them) and
    /// records `synced_time` as the `updated_time` they reflect.
    #[tracing::instrument(skip_all)]
    pub fn replace_dm_messages(
        &self,
        account: &IgUserId,
        conversation: &ConversationId,
        newest_first: &[DmMessage],
        synced_time: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            tx.execute(
                "INSERT INTO dm_conversations (account_id, id, updated_time) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id, id) DO NOTHING",
                params![account.as_str(), conversation.0, synced_time.map(to_millis)],
            )?;
            tx.execute(
                "DELETE FROM dm_messages WHERE account_id = ?1 AND conversation_id = ?2",
                params![account.as_str(), conversation.0],
            )?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO dm_messages (account_id, conversation_id, id, created_time,
                     from_id, from_username, text, attachments_json, readable, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (position, m) in newest_first.iter().enumerate() {
                let attachments = serde_json::to_string(&m.attachments).map_err(bad_json)?;
                stmt.execute(params![
                    account.as_str(),
                    conversation.0,
                    m.id.0,
                    m.created_time.map(to_millis),
                    m.from.as_ref().map(|p| p.id.as_str()),
                    m.from.as_ref().and_then(|p| p.username.as_deref()),
                    m.text,
                    attachments,
                    m.readable,
                    i64::try_from(position).unwrap_or(i64::MAX),
                ])?;
            }
            tx.execute(
                "UPDATE dm_conversations SET synced_time = ?3,
                     updated_time = CASE WHEN ?3 IS NULL THEN updated_time
                                         ELSE MAX(COALESCE(updated_time, ?3), ?3) END
                 WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), conversation.0, synced_time.map(to_millis)],
            )?;
            Ok(())
        })
    }

    /// The cached conversations of an account, most recently updated first.
    #[tracing::instrument(skip_all)]
    pub fn dm_conversations(
        &self,
        account: &IgUserId,
    ) -> Result<Vec<CachedConversation>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.id, c.person_id, c.person_username, c.updated_time, c.synced_time,
                        c.read_time,
                        (SELECT m.text FROM dm_messages m WHERE m.account_id = c.account_id
                            AND m.conversation_id = c.id ORDER BY m.position LIMIT 1),
                        (SELECT m.created_time FROM dm_messages m WHERE m.account_id = c.account_id
                            AND m.conversation_id = c.id ORDER BY m.position LIMIT 1),
                        (SELECT MAX(m.created_time) FROM dm_messages m WHERE m.account_id = c.account_id
                            AND m.conversation_id = c.id AND m.from_id = c.person_id)
                 FROM dm_conversations c WHERE c.account_id = ?1
                 ORDER BY COALESCE(c.updated_time, 0) DESC, c.id",
            )?;
            let rows = stmt.query_map([account.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, pid, pname, updated, synced, read, text, last, inbound) = row?;
                out.push(CachedConversation {
                    id: ConversationId(id),
                    person: pid.map(|id| Participant {
                        id,
                        username: pname,
                    }),
                    updated_time: opt_from_millis(updated, "conversation time")?,
                    synced_time: opt_from_millis(synced, "conversation time")?,
                    read_time: opt_from_millis(read, "conversation time")?,
                    last_text: text,
                    last_time: opt_from_millis(last, "message time")?,
                    last_inbound_time: opt_from_millis(inbound, "message time")?,
                });
            }
            Ok(out)
        })
    }

    /// One cached conversation.
    pub fn dm_conversation(
        &self,
        account: &IgUserId,
        id: &ConversationId,
    ) -> Result<Option<CachedConversation>, StoreError> {
        Ok(self
            .dm_conversations(account)?
            .into_iter()
            .find(|c| &c.id == id))
    }

    /// The cached messages of a conversation, oldest first.
    #[tracing::instrument(skip_all)]
    pub fn dm_messages(
        &self,
        account: &IgUserId,
        conversation: &ConversationId,
    ) -> Result<Vec<DmMessage>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, created_time, from_id, from_username, text, attachments_json, readable
                 FROM dm_messages WHERE account_id = ?1 AND conversation_id = ?2
                 ORDER BY position DESC",
            )?;
            let rows = stmt.query_map(params![account.as_str(), conversation.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, created, from_id, from_name, text, attachments, readable) = row?;
                let attachments: Vec<DmAttachment> =
                    serde_json::from_str(&attachments).map_err(bad_json)?;
                out.push(DmMessage {
                    id: MessageId(id),
                    created_time: opt_from_millis(created, "message time")?,
                    from: from_id.map(|id| Participant {
                        id,
                        username: from_name,
                    }),
                    to: Vec::new(),
                    text,
                    attachments,
                    readable,
                });
            }
            Ok(out)
        })
    }

    /// Remembers that the user has seen the conversation up to `time`.
    #[tracing::instrument(skip_all)]
    pub fn mark_dm_read(
        &self,
        account: &IgUserId,
        conversation: &ConversationId,
        time: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE dm_conversations SET read_time = MAX(COALESCE(read_time, 0), ?3)
                 WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), conversation.0, to_millis(time)],
            )?;
            Ok(())
        })
    }

    /// The private reply already sent for a comment, if any.
    #[tracing::instrument(skip_all)]
    pub fn dm_private_reply(
        &self,
        account: &IgUserId,
        comment: &CommentId,
    ) -> Result<Option<PrivateReplyRecord>, StoreError> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT recipient_id, message_id, conversation_id, sent_at
                     FROM dm_private_replies WHERE account_id = ?1 AND comment_id = ?2",
                    params![account.as_str(), comment.as_str()],
                    |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(recipient_id, message_id, conversation_id, sent)| {
                Ok(PrivateReplyRecord {
                    comment_id: comment.clone(),
                    recipient_id,
                    message_id,
                    conversation_id,
                    sent_at: from_millis(sent, "private reply time")?,
                })
            })
            .transpose()
        })
    }

    /// Records a private reply (before its answer is known, then again with ids).
    #[tracing::instrument(skip_all)]
    pub fn record_dm_private_reply(
        &self,
        account: &IgUserId,
        record: &PrivateReplyRecord,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            tx.execute(
                "INSERT INTO dm_private_replies (account_id, comment_id, recipient_id, message_id,
                     conversation_id, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (account_id, comment_id) DO UPDATE SET
                     recipient_id = COALESCE(excluded.recipient_id, recipient_id),
                     message_id = COALESCE(excluded.message_id, message_id),
                     conversation_id = COALESCE(excluded.conversation_id, conversation_id)",
                params![
                    account.as_str(),
                    record.comment_id.as_str(),
                    record.recipient_id,
                    record.message_id,
                    record.conversation_id,
                    to_millis(record.sent_at),
                ],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountStatus, LoginKind};

    fn store_with_account() -> (Store, IgUserId) {
        let store = Store::in_memory().expect("store");
        let id = IgUserId::from("178");
        let account = Account {
            id: id.clone(),
            username: "shop".into(),
            name: None,
            account_type: None,
            profile_picture_url: None,
            followers_count: None,
            media_count: None,
            login: LoginKind::Instagram,
            page_id: None,
            status: AccountStatus::Connected,
            sandbox: true,
            token_issued_at: None,
            token_expires_at: None,
        };
        store.upsert_account(&account).expect("account");
        (store, id)
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("time")
    }

    fn msg(id: &str, secs: i64, from: &str) -> DmMessage {
        DmMessage {
            id: MessageId(id.into()),
            created_time: Some(at(secs)),
            from: Some(Participant {
                id: from.into(),
                username: None,
            }),
            to: Vec::new(),
            text: Some(format!("text {id}")),
            attachments: vec![DmAttachment::Image {
                url: "https://x/i.jpg".into(),
            }],
            readable: true,
        }
    }

    #[test]
    fn caches_conversations_messages_and_read_marks() {
        let (store, account) = store_with_account();
        let conv = Conversation {
            id: ConversationId("c1".into()),
            updated_time: Some(at(300)),
            participants: vec![
                Participant {
                    id: "178".into(),
                    username: Some("shop".into()),
                },
                Participant {
                    id: "61".into(),
                    username: Some("ana".into()),
                },
            ],
        };
        store
            .upsert_dm_conversations(&account, "shop", std::slice::from_ref(&conv))
            .expect("upsert");
        let cached = store.dm_conversations(&account).expect("list");
        assert!(cached[0].needs_sync());
        assert_eq!(cached[0].person.as_ref().map(|p| p.id.as_str()), Some("61"));
        let newest_first = vec![
            msg("m3", 300, "178"),
            msg("m2", 200, "61"),
            msg("m1", 100, "61"),
        ];
        store
            .replace_dm_messages(&account, &conv.id, &newest_first, Some(at(300)))
            .expect("messages");
        let cached = store.dm_conversations(&account).expect("list");
        let c = &cached[0];
        assert!(!c.needs_sync());
        assert_eq!(c.last_text.as_deref(), Some("text m3"));
        assert_eq!(c.last_inbound_time, Some(at(200)));
        assert!(c.unread());
        store
            .mark_dm_read(&account, &conv.id, at(300))
            .expect("read");
        assert!(!store.dm_conversations(&account).expect("list")[0].unread());
        let messages = store.dm_messages(&account, &conv.id).expect("messages");
        assert_eq!(
            messages.iter().map(|m| m.id.0.as_str()).collect::<Vec<_>>(),
            ["m1", "m2", "m3"]
        );
        assert_eq!(messages[0].attachments.len(), 1);
    }

    #[test]
    fn remembers_private_replies() {
        let (store, account) = store_with_account();
        let comment = CommentId::from("c9");
        assert_eq!(
            store.dm_private_reply(&account, &comment).expect("read"),
            None
        );
        let record = PrivateReplyRecord {
            comment_id: comment.clone(),
            recipient_id: None,
            message_id: None,
            conversation_id: None,
            sent_at: at(10),
        };
        store
            .record_dm_private_reply(&account, &record)
            .expect("record");
        let done = PrivateReplyRecord {
            message_id: Some("m".into()),
            ..record
        };
        store
            .record_dm_private_reply(&account, &done)
            .expect("update");
        let got = store.dm_private_reply(&account, &comment).expect("read");
        assert_eq!(got.and_then(|r| r.message_id).as_deref(), Some("m"));
    }
}
