//! The server database on PostgreSQL, for teams and (later) several server replicas.
//!
//! One `tokio-postgres` connection for now, behind an async mutex because a transaction
//! needs it exclusively; the statements are short (the publisher's included), so a team
//! scales by running more replicas, each with its connection. Migrations take an advisory lock, so
//! replicas starting together migrate once.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Row};

use super::{AuditEntry, DbError, Device, NewEvent, StoredEvent, parse_role, parse_value};
use crate::server::auth::Role;

/// Numbered migrations, run in order on connect and never edited once released.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_posts.sql")),
];

/// The advisory lock migrations hold (any constant; "sdmigr" in ASCII).
const MIGRATION_LOCK: i64 = 0x7364_6d69_6772;

#[derive(Clone)]
pub struct PostgresDb {
    pub(super) client: Arc<Mutex<Client>>,
}

impl PostgresDb {
    /// Connects to `url` and runs the migrations the database lacks.
    pub async fn connect(url: &SecretString) -> Result<Self, DbError> {
        let (mut client, connection) = tokio_postgres::connect(url.expose_secret(), NoTls)
            .await
            .map_err(DbError::Connect)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::error!("the PostgreSQL connection closed: {e}");
            }
        });
        migrate(&mut client).await?;
        Ok(Self {
            client: Arc::new(Mutex::new(client)),
        })
    }

    pub async fn insert_events(&self, events: &[NewEvent], now: i64) -> Result<u64, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO webhook_events
                     (event_key, object, account_id, field, sent_at, received_at, value)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (event_key) DO NOTHING",
            )
            .await?;
        let mut inserted = 0;
        for e in events {
            inserted += tx
                .execute(
                    &insert,
                    &[
                        &e.key,
                        &e.object,
                        &e.account_id,
                        &e.field,
                        &e.sent_at,
                        &now,
                        &e.value,
                    ],
                )
                .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>, DbError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT id, object, account_id, field, sent_at, received_at, value,
                        handled_by, handled_at
                 FROM webhook_events WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &limit],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredEvent {
                id: r.get(0),
                object: r.get(1),
                account_id: r.get(2),
                field: r.get(3),
                sent_at: r.get(4),
                received_at: r.get(5),
                value: parse_value(r.get(6)),
                handled_by: r.get(7),
                handled_at: r.get(8),
            })
            .collect())
    }

    pub async fn mark_handled(
        &self,
        event_id: i64,
        device: i64,
        now: i64,
    ) -> Result<bool, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE webhook_events SET handled_by = $1, handled_at = $2 WHERE id = $3",
                &[&device, &now, &event_id],
            )
            .await?;
        if changed > 0 {
            audit(
                &tx,
                now,
                Some(device),
                "event.handled",
                &format!("event {event_id}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    pub async fn create_invite(
        &self,
        code_sha256: &str,
        role: Role,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO invites (code_sha256, role, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[&code_sha256, &role.name(), &now, &expires_at],
        )
        .await?;
        let detail = format!("role {}", role.name());
        audit(&tx, now, None, "invite.created", &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn pair(
        &self,
        code_sha256: &str,
        device_name: &str,
        token_sha256: &str,
        now: i64,
    ) -> Result<Option<Device>, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        // The conditional UPDATE is the one-time check: of two racers, one wins.
        let Some(invite) = tx
            .query_opt(
                "UPDATE invites SET used_at = $1
                 WHERE code_sha256 = $2 AND used_at IS NULL AND expires_at > $1
                 RETURNING id, role",
                &[&now, &code_sha256],
            )
            .await?
        else {
            return Ok(None);
        };
        let (invite_id, role): (i64, String) = (invite.get(0), invite.get(1));
        let id: i64 = tx
            .query_one(
                "INSERT INTO devices (name, role, token_sha256, paired_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[&device_name, &role, &token_sha256, &now],
            )
            .await?
            .get(0);
        tx.execute(
            "UPDATE invites SET used_by = $1 WHERE id = $2",
            &[&id, &invite_id],
        )
        .await?;
        let detail = format!("{device_name:?} as {role}");
        audit(&tx, now, Some(id), "device.paired", &detail).await?;
        tx.commit().await?;
        Ok(Some(Device {
            id,
            name: device_name.to_owned(),
            role: parse_role(role)?,
            paired_at: now,
            revoked_at: None,
        }))
    }

    pub async fn device_by_token(&self, token_sha256: &str) -> Result<Option<Device>, DbError> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "SELECT id, name, role, paired_at, revoked_at FROM devices
                 WHERE token_sha256 = $1 AND revoked_at IS NULL",
                &[&token_sha256],
            )
            .await?;
        row.map(device).transpose()
    }

    pub async fn device_active(&self, id: i64) -> Result<bool, DbError> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "SELECT 1 FROM devices WHERE id = $1 AND revoked_at IS NULL",
                &[&id],
            )
            .await?;
        Ok(row.is_some())
    }

    pub async fn devices(&self) -> Result<Vec<Device>, DbError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT id, name, role, paired_at, revoked_at FROM devices ORDER BY id",
                &[],
            )
            .await?;
        rows.into_iter().map(device).collect()
    }

    pub async fn revoke(&self, id: i64, by: i64, now: i64) -> Result<bool, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let exists = tx
            .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&id])
            .await?
            .is_some();
        if exists {
            tx.execute(
                "UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[&now, &id],
            )
            .await?;
            audit(
                &tx,
                now,
                Some(by),
                "device.revoked",
                &format!("device {id}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(exists)
    }

    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT a.id, a.at, a.device_id, d.name, a.action, a.detail
                 FROM audit_log a LEFT JOIN devices d ON d.id = a.device_id
                 ORDER BY a.id DESC LIMIT $1",
                &[&limit],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.get(0),
                at: r.get(1),
                device_id: r.get(2),
                device_name: r.get(3),
                action: r.get(4),
                detail: r.get(5),
            })
            .collect())
    }
}

fn device(r: Row) -> Result<Device, DbError> {
    Ok(Device {
        id: r.get(0),
        name: r.get(1),
        role: parse_role(r.get(2))?,
        paired_at: r.get(3),
        revoked_at: r.get(4),
    })
}

pub(super) async fn audit(
    tx: &tokio_postgres::Transaction<'_>,
    now: i64,
    device: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO audit_log (at, device_id, action, detail) VALUES ($1, $2, $3, $4)",
        &[&now, &device, &action, &detail],
    )
    .await?;
    Ok(())
}

async fn migrate(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
        .await?;
    let done: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > done) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
    }
    tx.commit().await
}
