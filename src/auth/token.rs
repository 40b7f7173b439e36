//! Access tokens as socialdesk keeps them, when to refresh them, and refreshing.
//!
//! Instagram long-lived tokens live 60 days and can be refreshed once they are at least 24 h
//! old and not yet expired; an expired one needs a new login. Facebook Login user tokens are
//! renewed by logging in again.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::AppCredentials;
use super::AuthError;
use crate::graph::{ErrorKind, GraphClient, GraphError, Session, TokenGrant};
use crate::ids::PageId;
use crate::model::{Account, LoginKind};

/// A token may be refreshed once it is this old (Meta's rule).
pub const MIN_AGE_FOR_REFRESH: ChronoDuration = ChronoDuration::hours(24);
/// Refresh when expiry is this close.
pub const REFRESH_BEFORE_EXPIRY: ChronoDuration = ChronoDuration::days(7);

/// An access token with what socialdesk knows about its lifetime.
///
/// The token is a [`SecretString`]: `Debug` never prints it and it is wiped on drop; only the
/// secret store gets it exposed.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub secret: SecretString,
    pub issued_at: DateTime<Utc>,
    /// Unknown for tokens pasted from the App Dashboard until their first refresh.
    pub expires_at: Option<DateTime<Utc>>,
    pub login: LoginKind,
    /// The Facebook Page the account is reached through (Facebook Login only).
    pub page_id: Option<PageId>,
}

impl AccessToken {
    /// A token issued now from a grant (`expires_in` seconds, when Meta said).
    pub fn from_grant(
        grant: &TokenGrant,
        login: LoginKind,
        page_id: Option<PageId>,
        now: DateTime<Utc>,
    ) -> Self {
        let expires_at = grant
            .expires_in
            .and_then(|s| i64::try_from(s).ok())
            .map(|s| now + ChronoDuration::seconds(s));
        Self {
            secret: grant.access_token.clone(),
            issued_at: now,
            expires_at,
            login,
            page_id,
        }
    }

    /// The Graph session for this token; pass the app secret to send `appsecret_proof`.
    pub fn session(&self, app_secret: Option<&str>) -> Session {
        let s = Session {
            login: self.login,
            access_token: self.secret.clone(),
            app_secret: None,
        };
        match app_secret.filter(|s| !s.is_empty()) {
            Some(secret) => s.with_app_secret(secret),
            None => s,
        }
    }

    /// True when `expires_at` is known and past.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }
}

/// An account a login produced, with the token to act on it.
#[derive(Clone, Debug)]
pub struct ConnectedAccount {
    pub account: Account,
    pub token: AccessToken,
}

/// Whether to refresh a token now.
///
/// Never before it is 24 h old, never once expired (that needs a new login). Otherwise when
/// expiry is within 7 days or the token is past half its life; with unknown expiry (a pasted
/// token), as soon as allowed, which also tells us the expiry.
pub fn needs_refresh(
    issued_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    if now - issued_at < MIN_AGE_FOR_REFRESH {
        return false;
    }
    let Some(expires_at) = expires_at else {
        return true;
    };
    if now >= expires_at {
        return false;
    }
    let half_life = issued_at + (expires_at - issued_at) / 2;
    expires_at - now <= REFRESH_BEFORE_EXPIRY || now >= half_life
}

/// Refreshes an Instagram Login token (no app secret needed) and returns the new token.
///
/// An expired token gives a reconnect-needed error without calling Meta; Facebook Login
/// tokens give [`AuthError::RefreshUnsupported`].
pub async fn refresh(client: &GraphClient, token: &AccessToken) -> Result<AccessToken, AuthError> {
    refresh_at(client, token, Utc::now()).await
}

/// [`refresh`] with an explicit clock.
pub async fn refresh_at(
    client: &GraphClient,
    token: &AccessToken,
    now: DateTime<Utc>,
) -> Result<AccessToken, AuthError> {
    if token.login == LoginKind::Facebook {
        return Err(AuthError::RefreshUnsupported);
    }
    if token.is_expired(now) {
        let mut err = GraphError::new(
            ErrorKind::TokenInvalid,
            "the access token expired and can no longer be refreshed",
        );
        err.code = Some(190);
        return Err(err.into());
    }
    let grant = client
        .tokens()
        .instagram_refresh(token.secret.expose_secret())
        .await?;
    Ok(AccessToken::from_grant(
        &grant,
        token.login,
        token.page_id.clone(),
        now,
    ))
}

/// Renews a Facebook Login user token with `fb_exchange_token` (needs the app id and
/// secret); the new token keeps the Page it reaches the account through.
pub async fn refresh_facebook(
    client: &GraphClient,
    token: &AccessToken,
    app: &AppCredentials,
) -> Result<AccessToken, AuthError> {
    if app.app_secret.expose_secret().trim().is_empty() {
        return Err(AuthError::MissingAppSecret);
    }
    let now = Utc::now();
    if token.login != LoginKind::Facebook {
        return refresh_at(client, token, now).await;
    }
    let grant = client
        .tokens()
        .facebook_long_lived(
            &app.app_id,
            app.app_secret.expose_secret(),
            token.secret.expose_secret(),
        )
        .await?;
    Ok(AccessToken::from_grant(
        &grant,
        LoginKind::Facebook,
        token.page_id.clone(),
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("date")
    }

    #[test]
    fn refresh_policy_follows_meta_rules() {
        let issued = t0();
        let expires = Some(issued + ChronoDuration::days(60));
        let at = |d: ChronoDuration| needs_refresh(issued, expires, issued + d);
        assert!(!at(ChronoDuration::hours(23)), "younger than 24 h");
        assert!(!at(ChronoDuration::days(10)), "early in its life");
        assert!(at(ChronoDuration::days(31)), "past half-life");
        assert!(at(ChronoDuration::days(54)), "within 7 days of expiry");
        assert!(
            !at(ChronoDuration::days(61)),
            "expired: needs a login instead"
        );
        // A short-lived expiry (1 day) is never refreshable: it is expired by the time it is 24 h old.
        assert!(!needs_refresh(
            issued,
            Some(issued + ChronoDuration::days(1)),
            issued + ChronoDuration::hours(25)
        ));
        // Unknown expiry: refresh as soon as allowed.
        assert!(!needs_refresh(
            issued,
            None,
            issued + ChronoDuration::hours(2)
        ));
        assert!(needs_refresh(
            issued,
            None,
            issued + ChronoDuration::hours(25)
        ));
    }

    #[test]
    fn debug_hides_the_secret_and_dates_follow_the_grant() {
        let grant = TokenGrant::from_json(
            serde_json::json!({"access_token":"IGQlong","expires_in":5183944}),
        )
        .expect("grant");
        let t = AccessToken::from_grant(&grant, LoginKind::Instagram, None, t0());
        assert!(!format!("{t:?}").contains("IGQlong"));
        assert_eq!(
            t.expires_at,
            Some(t0() + ChronoDuration::seconds(5_183_944))
        );
        assert!(!t.is_expired(t0()));
        assert!(t.is_expired(t0() + ChronoDuration::days(61)));
        assert!(t.session(Some("")).app_secret.is_none());
    }
}
