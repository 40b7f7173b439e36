//! Token endpoints: the code exchanges of both logins, Instagram's short → long-lived
//! exchange and refresh, and Facebook's `fb_exchange_token`.
//!
//! These calls carry the token or the app secret in the query string, as Meta documents;
//! the client never logs query strings and strips URLs from transport errors.

use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use super::client::GraphRequest;
use super::page::{decode_as, unwrap_data_list};
use super::{GraphClient, GraphError};
use crate::ids::IgUserId;
use crate::model::LoginKind;

/// A token answer, whichever endpoint gave it. The token is a [`SecretString`]: `Debug`
/// never prints it.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    pub access_token: SecretString,
    pub token_type: Option<String>,
    /// Seconds until expiry (`5183944` ≈ 60 days for long-lived tokens).
    pub expires_in: Option<u64>,
    /// Instagram's code exchange: the account's id.
    pub user_id: Option<IgUserId>,
    /// Instagram's code exchange: the permissions granted (list or comma string on the wire).
    pub permissions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Permissions {
    List(Vec<String>),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct GrantWire {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<Seconds>,
    user_id: Option<IgUserId>,
    permissions: Option<Permissions>,
}

impl TokenGrant {
    /// Accepts the flat answer and the `{"data":[..]}` one; `user_id` as number or string;
    /// `permissions` as a list or a comma-separated string; no `token_type` needed.
    pub fn from_json(v: Value) -> Result<Self, GraphError> {
        let (obj, path) = unwrap_data_list(v)?;
        let w: GrantWire = decode_as(obj, path)?;
        let expires_in = match w.expires_in {
            Some(Seconds::Number(n)) => Some(n),
            Some(Seconds::Text(s)) => Some(s.trim().parse().map_err(|_| {
                GraphError::decode(
                    format!("{path}.expires_in"),
                    format!("`{s}` is not a number"),
                )
            })?),
            None => None,
        };
        let permissions = match w.permissions {
            Some(Permissions::List(l)) => l,
            Some(Permissions::Text(s)) => s
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
            None => Vec::new(),
        };
        if w.access_token.is_empty() {
            return Err(GraphError::decode(format!("{path}.access_token"), "empty"));
        }
        Ok(Self {
            access_token: SecretString::from(w.access_token),
            token_type: w.token_type,
            expires_in,
            user_id: w.user_id,
            permissions,
        })
    }
}

/// `client.tokens()`.
pub struct TokensHandler<'a> {
    client: &'a GraphClient,
}

impl<'a> TokensHandler<'a> {
    pub(crate) fn new(client: &'a GraphClient) -> Self {
        Self { client }
    }

    async fn grant(&self, req: GraphRequest<'_>) -> Result<TokenGrant, GraphError> {
        TokenGrant::from_json(self.client.execute(req).await?)
    }

    /// Instagram step 2: `POST api.instagram.com/oauth/access_token` (form) → short-lived token.
    /// Not retried: a code works once.
    pub async fn instagram_code_exchange(
        &self,
        app_id: &str,
        app_secret: &str,
        redirect_uri: &str,
        code: &str,
    ) -> Result<TokenGrant, GraphError> {
        let req = GraphRequest {
            method: Method::POST,
            url: self.client.endpoints().instagram_token.clone(),
            query: Vec::new(),
            form: Some(vec![
                ("client_id", app_id.to_owned()),
                ("client_secret", app_secret.to_owned()),
                ("grant_type", "authorization_code".to_owned()),
                ("redirect_uri", redirect_uri.to_owned()),
                ("code", code.to_owned()),
            ]),
            session: None,
            idempotent: false,
        };
        self.grant(req).await
    }

    /// Instagram step 3: short-lived → long-lived (60 days), `GET /access_token?grant_type=ig_exchange_token`.
    pub async fn instagram_long_lived(
        &self,
        app_secret: &str,
        short_token: &str,
    ) -> Result<TokenGrant, GraphError> {
        let url = self.client.root_url(LoginKind::Instagram, "access_token")?;
        let req = GraphRequest::get(url, None)
            .param("grant_type", "ig_exchange_token")
            .param("client_secret", app_secret)
            .param("access_token", short_token);
        self.grant(req).await
    }

    /// Instagram refresh of a long-lived token (≥ 24 h old, not expired); needs no secret.
    pub async fn instagram_refresh(&self, long_token: &str) -> Result<TokenGrant, GraphError> {
        let url = self
            .client
            .root_url(LoginKind::Instagram, "refresh_access_token")?;
        let req = GraphRequest::get(url, None)
            .param("grant_type", "ig_refresh_token")
            .param("access_token", long_token);
        self.grant(req).await
    }

    /// Facebook Login: code → user token (`GET /oauth/access_token`). Not retried.
    pub async fn facebook_code_exchange(
        &self,
        app_id: &str,
        app_secret: &str,
        redirect_uri: &str,
        code: &str,
    ) -> Result<TokenGrant, GraphError> {
        let url = self
            .client
            .versioned_url(LoginKind::Facebook, "oauth/access_token")?;
        let mut req = GraphRequest::get(url, None)
            .param("client_id", app_id)
            .param("client_secret", app_secret)
            .param("redirect_uri", redirect_uri)
            .param("code", code);
        req.idempotent = false;
        self.grant(req).await
    }

    /// Facebook Login: user token → long-lived user token (`grant_type=fb_exchange_token`).
    pub async fn facebook_long_lived(
        &self,
        app_id: &str,
        app_secret: &str,
        token: &str,
    ) -> Result<TokenGrant, GraphError> {
        let url = self
            .client
            .versioned_url(LoginKind::Facebook, "oauth/access_token")?;
        let req = GraphRequest::get(url, None)
            .param("grant_type", "fb_exchange_token")
            .param("client_id", app_id)
            .param("client_secret", app_secret)
            .param("fb_exchange_token", token);
        self.grant(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_flat_numeric_ids_and_permission_lists() {
        let v = serde_json::json!({"access_token":"IGQ","user_id":17841400000000000u64,"permissions":["instagram_business_basic","instagram_business_manage_comments"]});
        let g = TokenGrant::from_json(v).expect("flat");
        assert_eq!(
            g.user_id.as_ref().map(IgUserId::as_str),
            Some("17841400000000000")
        );
        assert_eq!(g.permissions.len(), 2);
        assert_eq!(g.token_type, None);
    }

    #[test]
    fn accepts_wrapped_answers_with_comma_permissions() {
        let v = serde_json::json!({"data":[{"access_token":"IGQ","user_id":"1020","permissions":"instagram_business_basic,instagram_business_content_publish"}]});
        let g = TokenGrant::from_json(v).expect("wrapped");
        assert_eq!(
            g.permissions,
            vec![
                "instagram_business_basic",
                "instagram_business_content_publish"
            ]
        );
        let v = serde_json::json!({"access_token":"L","token_type":"bearer","expires_in":5183944});
        assert_eq!(
            TokenGrant::from_json(v).expect("long").expires_in,
            Some(5_183_944)
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let g =
            TokenGrant::from_json(serde_json::json!({"access_token":"IGQsecret"})).expect("grant");
        assert!(!format!("{g:?}").contains("IGQsecret"));
        let err = TokenGrant::from_json(serde_json::json!({"token_type":"bearer"}))
            .expect_err("no token");
        assert!(err.message.contains("access_token"));
    }
}
