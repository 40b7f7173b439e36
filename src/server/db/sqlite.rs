//! The server database in one SQLite file (`<data-dir>/server.sqlite3`, 0600), for one
//! person's server. rusqlite is blocking, so every call runs on tokio's blocking pool with
//! the one connection behind a mutex; WAL lets `socialdesk server invite` write while the
//! server runs.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::{AuditEntry, DbError, Device, NewEvent, StoredEvent, parse_role, parse_value};
use crate::server::auth::Role;
use crate::store::private_files;

/// Numbered migrations, run in order on open and never edited once released.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_posts.sql")),
];

/// How long a writer waits for another process's transaction (e.g. `server invite`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteDb {
    /// Opens `path` (created 0600 with its folder) and runs the migrations it lacks.
    pub async fn open(path: PathBuf) -> Result<Self, DbError> {
        let conn = tokio::task::spawn_blocking(move || open_blocking(path)).await??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, DbError> {
        let conn = Arc::clone(&self.conn);
        let result = tokio::task::spawn_blocking(move || {
            // A panic in another call cannot leave SQLite half-written (transactions roll
            // back on drop), so a poisoned lock is still a usable connection.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await?;
        Ok(result?)
    }

    pub async fn insert_events(&self, events: Vec<NewEvent>, now: i64) -> Result<u64, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let mut inserted = 0;
            {
                let mut insert = tx.prepare(
                    "INSERT INTO webhook_events
                         (event_key, object, account_id, field, sent_at, received_at, value)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (event_key) DO NOTHING",
                )?;
                for e in &events {
                    inserted += insert.execute(params![
                        e.key,
                        e.object,
                        e.account_id,
                        e.field,
                        e.sent_at,
                        now,
                        e.value
                    ])? as u64;
                }
            }
            tx.commit()?;
            Ok(inserted)
        })
        .await
    }

    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>, DbError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, object, account_id, field, sent_at, received_at, value,
                        handled_by, handled_at
                 FROM webhook_events WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit], |r| {
                Ok(StoredEvent {
                    id: r.get(0)?,
                    object: r.get(1)?,
                    account_id: r.get(2)?,
                    field: r.get(3)?,
                    sent_at: r.get(4)?,
                    received_at: r.get(5)?,
                    value: parse_value(r.get(6)?),
                    handled_by: r.get(7)?,
                    handled_at: r.get(8)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    pub async fn mark_handled(
        &self,
        event_id: i64,
        device: i64,
        now: i64,
    ) -> Result<bool, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE webhook_events SET handled_by = ?1, handled_at = ?2 WHERE id = ?3",
                params![device, now, event_id],
            )?;
            if changed > 0 {
                audit(
                    &tx,
                    now,
                    Some(device),
                    "event.handled",
                    &format!("event {event_id}"),
                )?;
            }
            tx.commit()?;
            Ok(changed > 0)
        })
        .await
    }

    pub async fn create_invite(
        &self,
        code_sha256: String,
        role: Role,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO invites (code_sha256, role, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_sha256, role.name(), now, expires_at],
            )?;
            audit(
                &tx,
                now,
                None,
                "invite.created",
                &format!("role {}", role.name()),
            )?;
            tx.commit()
        })
        .await
    }

    pub async fn pair(
        &self,
        code_sha256: String,
        device_name: String,
        token_sha256: String,
        now: i64,
    ) -> Result<Option<Device>, DbError> {
        let role = self
            .call(move |conn| {
                let tx = conn.transaction()?;
                // The conditional UPDATE is the one-time check: of two racers, one wins.
                let Some((invite, role)) = tx
                    .query_row(
                        "UPDATE invites SET used_at = ?1
                         WHERE code_sha256 = ?2 AND used_at IS NULL AND expires_at > ?1
                         RETURNING id, role",
                        params![now, code_sha256],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                    )
                    .optional()?
                else {
                    return Ok(None);
                };
                let id: i64 = tx.query_row(
                    "INSERT INTO devices (name, role, token_sha256, paired_at)
                     VALUES (?1, ?2, ?3, ?4) RETURNING id",
                    params![device_name, role, token_sha256, now],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "UPDATE invites SET used_by = ?1 WHERE id = ?2",
                    params![id, invite],
                )?;
                audit(
                    &tx,
                    now,
                    Some(id),
                    "device.paired",
                    &format!("{device_name:?} as {role}"),
                )?;
                tx.commit()?;
                Ok(Some((id, device_name, role)))
            })
            .await?;
        role.map(|(id, name, role)| {
            Ok(Device {
                id,
                name,
                role: parse_role(role)?,
                paired_at: now,
                revoked_at: None,
            })
        })
        .transpose()
    }

    pub async fn device_by_token(&self, token_sha256: String) -> Result<Option<Device>, DbError> {
        let row = self
            .call(move |conn| {
                conn.query_row(
                    "SELECT id, name, role, paired_at, revoked_at FROM devices
                     WHERE token_sha256 = ?1 AND revoked_at IS NULL",
                    params![token_sha256],
                    device_row,
                )
                .optional()
            })
            .await?;
        row.map(RawDevice::into_device).transpose()
    }

    pub async fn device_active(&self, id: i64) -> Result<bool, DbError> {
        self.call(move |conn| {
            conn.query_row(
                "SELECT 1 FROM devices WHERE id = ?1 AND revoked_at IS NULL",
                params![id],
                |_| Ok(()),
            )
            .optional()
            .map(|row| row.is_some())
        })
        .await
    }

    pub async fn devices(&self) -> Result<Vec<Device>, DbError> {
        let rows = self
            .call(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT id, name, role, paired_at, revoked_at FROM devices ORDER BY id",
                )?;
                let rows = stmt.query_map([], device_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        rows.into_iter().map(RawDevice::into_device).collect()
    }

    pub async fn revoke(&self, id: i64, by: i64, now: i64) -> Result<bool, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let exists = tx
                .query_row("SELECT 1 FROM devices WHERE id = ?1", params![id], |_| {
                    Ok(())
                })
                .optional()?
                .is_some();
            if exists {
                tx.execute(
                    "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now, id],
                )?;
                audit(
                    &tx,
                    now,
                    Some(by),
                    "device.revoked",
                    &format!("device {id}"),
                )?;
            }
            tx.commit()?;
            Ok(exists)
        })
        .await
    }

    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT a.id, a.at, a.device_id, d.name, a.action, a.detail
                 FROM audit_log a LEFT JOIN devices d ON d.id = a.device_id
                 ORDER BY a.id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    device_id: r.get(2)?,
                    device_name: r.get(3)?,
                    action: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}

/// A device row before its role is read.
struct RawDevice(i64, String, String, i64, Option<i64>);

impl RawDevice {
    fn into_device(self) -> Result<Device, DbError> {
        Ok(Device {
            id: self.0,
            name: self.1,
            role: parse_role(self.2)?,
            paired_at: self.3,
            revoked_at: self.4,
        })
    }
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawDevice> {
    Ok(RawDevice(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
    ))
}

pub(super) fn audit(
    tx: &rusqlite::Transaction<'_>,
    now: i64,
    device: Option<i64>,
    action: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, device_id, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now, device, action, detail],
    )?;
    Ok(())
}

fn open_blocking(path: PathBuf) -> Result<Connection, DbError> {
    let open_error = |source| DbError::Open {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(open_error)?;
    }
    // Create the file 0600 before SQLite does (it would use the umask); its journal and WAL
    // files take the database file's permissions.
    private_files::private_options()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(open_error)?;
    private_files::restrict(&path).map_err(open_error)?;
    let mut conn = Connection::open(&path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")?;
    let done: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > done) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            params![version],
        )?;
    }
    tx.commit()
}
