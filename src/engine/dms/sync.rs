//! Inbox sync: list conversations by `updated_time`, re-read only those that changed, cache
//! everything in SQLite. Every read is paced at Meta's 2 calls per second per account.

use crate::graph::messages::{ConversationId, DmMessage};
use crate::graph::{GraphError, PageGuard, Session};
use crate::model::Account;
use crate::store::CachedConversation;

use super::super::core::Core;
use super::DmError;
use super::limiter::{self, Limit};

/// How many conversations one sync lists.
const MAX_CONVERSATIONS: usize = 100;
/// How many message ids of one conversation are listed (only 20 are readable anyway).
const MAX_MESSAGES: usize = 200;

/// The limiter key of an account: its id on this API host (two sandboxes never share one).
pub(super) fn limit_key(core: &Core, account: &Account) -> String {
    format!("{}|{}", core.client().graph_root(account.login), account.id)
}

/// Waits for a read slot. Read pacing is routine (at most a second per call) and silent;
/// only queued sends are announced.
pub(super) async fn paced_read(core: &Core, account: &Account, _queued: &(dyn Fn(String) + Sync)) {
    limiter::acquire(&limit_key(core, account), Limit::Read, |_| {}).await;
}

/// Reads a conversation's messages (newest first), one paced call per page.
pub(super) async fn fetch_messages(
    core: &Core,
    account: &Account,
    session: &Session,
    conversation: &ConversationId,
    queued: &(dyn Fn(String) + Sync),
) -> Result<Vec<DmMessage>, DmError> {
    paced_read(core, account, queued).await;
    let client = core.client();
    let mut page = client.messages(session).messages_page(conversation).await?;
    let mut guard = PageGuard::new("messages");
    let mut items = std::mem::take(&mut page.items);
    let mut next = guard
        .follow(items.len(), page.next.take())
        .map_err(GraphError::from)?;
    while items.len() < MAX_MESSAGES {
        let Some(url) = next.take() else { break };
        paced_read(core, account, queued).await;
        let page = client.get_page::<DmMessage>(session, &url).await?;
        next = guard
            .follow(page.items.len(), page.next)
            .map_err(GraphError::from)?;
        items.extend(page.items);
    }
    items.truncate(MAX_MESSAGES);
    Ok(items)
}

/// Re-reads one conversation and caches it; returns its messages oldest first.
pub(super) async fn sync_conversation(
    core: &Core,
    account: &Account,
    session: &Session,
    conversation: &ConversationId,
    queued: &(dyn Fn(String) + Sync),
) -> Result<Vec<DmMessage>, DmError> {
    let newest_first = fetch_messages(core, account, session, conversation, queued).await?;
    let synced = newest_first.iter().filter_map(|m| m.created_time).max();
    let (id, conv) = (account.id.clone(), conversation.clone());
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    core.with_store(move |s| s.replace_dm_messages(&id, &conv, &newest_first, synced))
        .await?;
    Ok(oldest_first)
}

/// Lists conversations and re-reads those whose `updated_time` moved. Returns the
/// conversations that were re-read.
pub async fn sync_account(
    core: &Core,
    account: &Account,
    queued: &(dyn Fn(String) + Sync),
) -> Result<Vec<ConversationId>, DmError> {
    super::require_instagram_login(account)?;
    let session = core.session(account).await?;
    paced_read(core, account, queued).await;
    let listed = core
        .client()
        .messages(&session)
        .conversations(MAX_CONVERSATIONS)
        .await?;
    let (id, username) = (account.id.clone(), account.username.clone());
    let cached: Vec<CachedConversation> = core
        .with_store(move |s| {
            s.upsert_dm_conversations(&id, &username, &listed)?;
            s.dm_conversations(&id)
        })
        .await?;
    let mut changed = Vec::new();
    for c in cached.iter().filter(|c| c.needs_sync()) {
        let newest_first = fetch_messages(core, account, &session, &c.id, queued).await?;
        // The cache reflects the listed updated_time, so an unchanged conversation is
        // skipped next time even if its newest message time differs slightly.
        let synced = c
            .updated_time
            .or_else(|| newest_first.iter().filter_map(|m| m.created_time).max());
        let (id, conv) = (account.id.clone(), c.id.clone());
        core.with_store(move |s| s.replace_dm_messages(&id, &conv, &newest_first, synced))
            .await?;
        changed.push(c.id.clone());
    }
    Ok(changed)
}
