//! What waits in each connected account, for the sidebar: comments waiting for a reply and
//! unread DM conversations.
//!
//! The engine's pollers sync every connected account and send each one's inbox, whichever
//! account is on screen; the Comments and DMs tabs keep only the selected one's. These counts
//! are taken from the same events for every account, so the sidebar updates as each sync
//! finishes. The selected account's counts come from its tabs instead, which also follow what
//! the user just did (a reply sent, a conversation opened).

use std::collections::HashMap;

use crate::engine::comments::CommentsEvent;
use crate::engine::comments_ops::waiting_for_reply;
use crate::engine::dms::DmsEvent;
use crate::ids::IgUserId;
use crate::model::Account;

/// What waits in one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    /// Top-level comments from other people the account has not answered.
    pub comments: usize,
    /// Conversations whose person wrote since the user last opened them.
    pub dms: usize,
}

impl Unread {
    /// "3 comments to answer, 1 unread conversation", or `None` when nothing waits.
    pub fn describe(self) -> Option<String> {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let parts: Vec<String> = [
            (self.comments > 0)
                .then(|| plural(self.comments, "comment to answer", "comments to answer")),
            (self.dms > 0).then(|| plural(self.dms, "unread conversation", "unread conversations")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The counts of every account whose inboxes arrived.
#[derive(Debug, Default)]
pub struct UnreadCounts {
    by_account: HashMap<IgUserId, Unread>,
}

impl UnreadCounts {
    /// Counts what a Comments event brings (a whole inbox replaces the count).
    pub fn on_comments(&mut self, event: &CommentsEvent, accounts: &[Account]) {
        if let CommentsEvent::Inbox {
            account, comments, ..
        } = event
        {
            let Some(username) = accounts
                .iter()
                .find(|a| &a.id == account)
                .map(|a| a.username.as_str())
            else {
                return;
            };
            self.by_account.entry(account.clone()).or_default().comments =
                waiting_for_reply(comments.as_slice(), username).len();
        }
    }

    /// Counts what a DMs event brings (the conversation list replaces the count).
    pub fn on_dms(&mut self, event: &DmsEvent) {
        if let DmsEvent::Conversations {
            account,
            conversations,
            ..
        } = event
        {
            self.by_account.entry(account.clone()).or_default().dms =
                conversations.iter().filter(|c| c.unread).count();
        }
    }

    /// The counts of `account` (zero until its inboxes arrived).
    pub fn of(&self, account: &IgUserId) -> Unread {
        self.by_account.get(account).copied().unwrap_or_default()
    }

    /// Forgets accounts that are no longer connected.
    pub fn retain(&mut self, accounts: &[Account]) {
        self.by_account
            .retain(|id, _| accounts.iter().any(|a| &a.id == id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_what_waits() {
        assert_eq!(Unread::default().describe(), None);
        assert_eq!(
            Unread {
                comments: 1,
                dms: 2
            }
            .describe()
            .as_deref(),
            Some("1 comment to answer, 2 unread conversations")
        );
        assert_eq!(
            Unread {
                comments: 0,
                dms: 1
            }
            .describe()
            .as_deref(),
            Some("1 unread conversation")
        );
    }
}
