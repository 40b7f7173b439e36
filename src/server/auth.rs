//! Who is calling: every path except `/healthz`, `/webhooks` and `/pair` needs
//! `Authorization: Bearer <device token>`, looked up by its SHA-256 on every request so a
//! revoked device is refused at once. Roles are ordered: viewers read, editors also write
//! (schedule, moderate), admins also manage devices.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::routes::AppState;

/// What a device may do; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads events, the calendar and the inbox.
    Viewer,
    /// Also schedules posts and moderates.
    Editor,
    /// Also invites, lists and revokes devices and reads the audit log.
    Admin,
}

impl Role {
    /// The name stored in the database and shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "viewer" => Self::Viewer,
            "editor" => Self::Editor,
            "admin" => Self::Admin,
            _ => return None,
        })
    }
}

/// The device behind a request, put in the request's extensions by [`require_device`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub device_id: i64,
    pub role: Role,
}

impl Caller {
    /// Refuses (403) unless the caller's role includes `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this device is a {}; this needs the {} role (an admin can pair the desktop again with `socialdesk server invite --role {}`)",
                self.role.name(),
                needed.name(),
                needed.name()
            )))
        }
    }
}

/// The SHA-256 (hex) under which a secret (device token, invite code) is stored.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Middleware: 401 unless the request carries the token of a paired, unrevoked device.
pub async fn require_device(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "no device token: send `Authorization: Bearer <token>` (pair the desktop with a code from `socialdesk server invite`)",
            )
        })?;
    let device = state
        .db
        .device_by_token(secret_digest(token))
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "this device token is unknown or was revoked: pair the desktop again with a new code from an admin",
            )
        })?;
    request.extensions_mut().insert(Caller {
        device_id: device.id,
        role: device.role,
    });
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below() {
        let editor = Caller {
            device_id: 1,
            role: Role::Editor,
        };
        assert!(editor.require(Role::Viewer).is_ok());
        assert!(editor.require(Role::Editor).is_ok());
        assert!(editor.require(Role::Admin).is_err());
        for role in [Role::Viewer, Role::Editor, Role::Admin] {
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            secret_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
