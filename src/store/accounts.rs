//! Connected accounts: their profile, login kind, status and token times (never the token).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    ACTIVE_ACCOUNT_KEY, Failure, Store, StoreError, count_from_sql, count_to_sql, opt_from_millis,
    to_millis,
};
use crate::ids::{IgUserId, PageId};
use crate::model::{Account, AccountStatus, LoginKind};

const STATUS_CONNECTED: &str = "connected";
const STATUS_RECONNECT: &str = "reconnect_needed";

const ACCOUNT_COLUMNS: &str = "id, username, name, account_type, profile_picture_url, \
     followers_count, media_count, login, page_id, status, status_reason, sandbox, \
     token_issued_at, token_expires_at";

impl Store {
    /// Every connected account, in switcher order (`position`, then username).
    #[tracing::instrument(skip_all)]
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts
                 ORDER BY position, username COLLATE NOCASE, id"
            ))?;
            let rows = stmt.query_map([], RawAccount::from_row)?;
            let mut accounts = Vec::new();
            for raw in rows {
                accounts.push(raw?.into_account()?);
            }
            Ok(accounts)
        })
    }

    /// One account by id, if connected.
    #[tracing::instrument(skip_all)]
    pub fn account(&self, id: &IgUserId) -> Result<Option<Account>, StoreError> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
                [id.as_str()],
                RawAccount::from_row,
            )
            .optional()?
            .map(RawAccount::into_account)
            .transpose()
        })
    }

    /// Adds an account (at the end of the switcher) or updates every model field of an
    /// existing one. Its switcher position, feed cursor and sync time are kept on update.
    #[tracing::instrument(skip_all)]
    pub fn upsert_account(&self, account: &Account) -> Result<(), StoreError> {
        let (status, reason) = status_to_sql(&account.status);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO accounts (id, username, name, account_type, profile_picture_url,
                     followers_count, media_count, login, page_id, status, status_reason,
                     sandbox, token_issued_at, token_expires_at, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                     (SELECT COALESCE(MAX(position) + 1, 0) FROM accounts))
                 ON CONFLICT (id) DO UPDATE SET
                     username = excluded.username,
                     name = excluded.name,
                     account_type = excluded.account_type,
                     profile_picture_url = excluded.profile_picture_url,
                     followers_count = excluded.followers_count,
                     media_count = excluded.media_count,
                     login = excluded.login,
                     page_id = excluded.page_id,
                     status = excluded.status,
                     status_reason = excluded.status_reason,
                     sandbox = excluded.sandbox,
                     token_issued_at = excluded.token_issued_at,
                     token_expires_at = excluded.token_expires_at",
                params![
                    account.id.as_str(),
                    account.username,
                    account.name,
                    account.account_type,
                    account.profile_picture_url,
                    count_to_sql(account.followers_count),
                    count_to_sql(account.media_count),
                    account.login.as_str(),
                    account.page_id.as_ref().map(PageId::as_str),
                    status,
                    reason,
                    account.sandbox,
                    account.token_issued_at.map(to_millis),
                    account.token_expires_at.map(to_millis),
                ],
            )?;
            Ok(())
        })
    }

    /// Forgets an account and (by cascade) its cached media. If it was the active account,
    /// the active-account setting is cleared too. Removing an unknown id does nothing.
    #[tracing::instrument(skip_all)]
    pub fn remove_account(&self, id: &IgUserId) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM accounts WHERE id = ?1", [id.as_str()])?;
            tx.execute(
                "DELETE FROM settings WHERE key = ?1 AND value = ?2",
                [ACTIVE_ACCOUNT_KEY, id.as_str()],
            )?;
            Ok(())
        })
    }

    /// Records whether the account can be acted for (e.g. after Meta refused its token).
    #[tracing::instrument(skip_all)]
    pub fn set_account_status(
        &self,
        id: &IgUserId,
        status: &AccountStatus,
    ) -> Result<(), StoreError> {
        let (status, reason) = status_to_sql(status);
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE accounts SET status = ?2, status_reason = ?3 WHERE id = ?1",
                params![id.as_str(), status, reason],
            )?;
            require_changed(changed, id)
        })
    }

    /// Records when the account's current token was issued and when it expires
    /// (`None`: unknown, or a token that does not expire).
    #[tracing::instrument(skip_all)]
    pub fn set_token_times(
        &self,
        id: &IgUserId,
        issued_at: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE accounts SET token_issued_at = ?2, token_expires_at = ?3 WHERE id = ?1",
                params![
                    id.as_str(),
                    issued_at.map(to_millis),
                    expires_at.map(to_millis)
                ],
            )?;
            require_changed(changed, id)
        })
    }

    /// Puts the accounts in the switcher in the given order. Ids not listed keep their
    /// relative order after the listed ones; unknown ids are ignored.
    #[tracing::instrument(skip_all)]
    pub fn set_account_order(&self, ids: &[IgUserId]) -> Result<(), StoreError> {
        self.write(|tx| {
            let listed = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            // Move everyone after the listed block first, keeping their order.
            tx.execute("UPDATE accounts SET position = position + ?1", [listed])?;
            let mut stmt = tx.prepare_cached("UPDATE accounts SET position = ?2 WHERE id = ?1")?;
            for (position, id) in ids.iter().enumerate() {
                stmt.execute(params![
                    id.as_str(),
                    i64::try_from(position).unwrap_or(i64::MAX)
                ])?;
            }
            Ok(())
        })
    }
}

/// Fails with [`StoreError::UnknownAccount`] when an update touched no row.
pub(super) fn require_changed(changed: usize, id: &IgUserId) -> Result<(), Failure> {
    if changed == 0 {
        Err(Failure::Store(StoreError::UnknownAccount(id.clone())))
    } else {
        Ok(())
    }
}

/// Fails with [`StoreError::UnknownAccount`] unless `id` is a stored account.
pub(super) fn require_account(conn: &Connection, id: &IgUserId) -> Result<(), Failure> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)",
        [id.as_str()],
        |row| row.get(0),
    )?;
    require_changed(usize::from(exists), id)
}

fn status_to_sql(status: &AccountStatus) -> (&'static str, Option<&str>) {
    match status {
        AccountStatus::Connected => (STATUS_CONNECTED, None),
        AccountStatus::ReconnectNeeded { reason } => (STATUS_RECONNECT, Some(reason.as_str())),
    }
}

/// An account row as SQLite returns it, before the text enums are checked.
struct RawAccount {
    id: String,
    username: String,
    name: Option<String>,
    account_type: Option<String>,
    profile_picture_url: Option<String>,
    followers_count: Option<i64>,
    media_count: Option<i64>,
    login: String,
    page_id: Option<String>,
    status: String,
    status_reason: Option<String>,
    sandbox: bool,
    token_issued_at: Option<i64>,
    token_expires_at: Option<i64>,
}

impl RawAccount {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            username: row.get(1)?,
            name: row.get(2)?,
            account_type: row.get(3)?,
            profile_picture_url: row.get(4)?,
            followers_count: row.get(5)?,
            media_count: row.get(6)?,
            login: row.get(7)?,
            page_id: row.get(8)?,
            status: row.get(9)?,
            status_reason: row.get(10)?,
            sandbox: row.get(11)?,
            token_issued_at: row.get(12)?,
            token_expires_at: row.get(13)?,
        })
    }

    fn into_account(self) -> Result<Account, Failure> {
        let login = LoginKind::parse(&self.login).ok_or_else(|| StoreError::BadRow {
            what: "account",
            reason: format!("unknown login kind {:?}", self.login),
        })?;
        let status = match self.status.as_str() {
            STATUS_CONNECTED => AccountStatus::Connected,
            STATUS_RECONNECT => AccountStatus::ReconnectNeeded {
                reason: self.status_reason.unwrap_or_default(),
            },
            other => {
                return Err(Failure::Store(StoreError::BadRow {
                    what: "account",
                    reason: format!("unknown status {other:?}"),
                }));
            }
        };
        Ok(Account {
            id: IgUserId(self.id),
            username: self.username,
            name: self.name,
            account_type: self.account_type,
            profile_picture_url: self.profile_picture_url,
            followers_count: count_from_sql(self.followers_count),
            media_count: count_from_sql(self.media_count),
            login,
            page_id: self.page_id.map(PageId),
            status,
            sandbox: self.sandbox,
            token_issued_at: opt_from_millis(self.token_issued_at, "account token time")?,
            token_expires_at: opt_from_millis(self.token_expires_at, "account token time")?,
        })
    }
}
