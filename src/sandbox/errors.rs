//! The error shapes the emulated Meta hosts answer with.
//!
//! Two families exist on the real hosts and the sandbox reproduces both byte for byte in
//! structure: the Graph envelope `{"error":{message,type,code,error_subcode?,is_transient?,
//! error_user_title?,error_user_msg?,fbtrace_id}}` and the flat OAuth shape
//! `{"error_type","code","error_message"}` of api.instagram.com's code exchange.
//! Keeping them here means every handler refuses a request the same way.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// One Graph API error, ready to be rendered as the documented envelope.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("Graph error {code}{}: {message}", subcode.map(|s| format!("/{s}")).unwrap_or_default())]
pub struct GraphError {
    /// HTTP status the real API uses for this class of error (400, 403 or 500).
    pub status: StatusCode,
    pub message: String,
    pub kind: &'static str,
    pub code: i64,
    pub subcode: Option<i64>,
    pub is_transient: Option<bool>,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
}

impl GraphError {
    /// A generic OAuthException with HTTP 400.
    pub fn oauth(code: i64, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "OAuthException",
            code,
            subcode: None,
            is_transient: Some(false),
            user_title: None,
            user_msg: None,
        }
    }

    /// Code 2500: no token at all.
    pub fn missing_token() -> Self {
        Self::oauth(
            2500,
            "An active access token must be used to query information about the current user.",
        )
    }

    /// Code 190 without subcode: the token string is not one the sandbox issued (or belongs
    /// to the other login's host).
    pub fn unparsable_token() -> Self {
        Self::oauth(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// Code 190 / 463: the token's lifetime is over.
    pub fn expired_token(
        expired_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let fmt = "%A, %d-%b-%y %H:%M:%S UTC";
        let mut e = Self::oauth(
            190,
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                expired_at.format(fmt),
                now.format(fmt)
            ),
        );
        e.subcode = Some(463);
        e.user_title = Some("Session expired".into());
        e.user_msg = Some("Your session has expired. Please log in again.".into());
        e
    }

    /// Code 190 / 460: the session was invalidated (the sandbox's "revoke all" switch).
    pub fn revoked_token() -> Self {
        let mut e = Self::oauth(
            190,
            "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        );
        e.subcode = Some(460);
        e
    }

    /// Code 10 with HTTP 403: the token lacks `permission`.
    pub fn missing_permission(permission: &str) -> Self {
        let mut e = Self::oauth(
            10,
            format!(
                "(#10) Application does not have permission for this action. It requires the {permission} permission."
            ),
        );
        e.status = StatusCode::FORBIDDEN;
        e.user_msg = Some(format!(
            "Grant the {permission} permission and log in again."
        ));
        e
    }

    /// Code 100: an invalid parameter, named in the message.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::oauth(100, message)
    }

    /// Code 100: a field the node type does not have.
    pub fn nonexisting_field(field: &str, node_type: &str) -> Self {
        Self::oauth(
            100,
            format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            ),
        )
    }

    /// Code 803: an id or alias that names nothing.
    pub fn unknown_object(alias: &str) -> Self {
        Self::oauth(
            803,
            format!("(#803) Some of the aliases you requested do not exist: {alias}"),
        )
    }

    /// Code 100 / 33: the object exists but this token may not read it, or the edge is unknown.
    pub fn unsupported_get(id: &str) -> Self {
        let mut e = Self::oauth(
            100,
            format!(
                "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
        );
        e.kind = "GraphMethodException";
        e.subcode = Some(33);
        e
    }

    /// Code 1 or 2, HTTP 500, `is_transient: true`: the `fail_rate` fault.
    pub fn transient(code: i64) -> Self {
        let message = if code == 1 {
            "An unknown error occurred"
        } else {
            "An unexpected error has occurred. Please retry your request later."
        };
        let mut e = Self::oauth(code, message);
        e.status = StatusCode::INTERNAL_SERVER_ERROR;
        e.is_transient = Some(true);
        e
    }

    /// A throttling code (4, 17, 32, 613, 80002): usage at or above 100 %.
    pub fn throttled(code: i64) -> Self {
        let message = match code {
            4 => "(#4) Application request limit reached",
            17 => "(#17) User request limit reached",
            32 => "(#32) Page request limit reached",
            613 => "(#613) Calls to this api have exceeded the rate limit.",
            _ => {
                "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
            }
        };
        let mut e = Self::oauth(code, message);
        e.is_transient = Some(true);
        e
    }

    /// The JSON body of the envelope; `fbtrace_id` is supplied by the caller (it is random
    /// per response on the real API and deterministic here).
    pub fn body(&self, fbtrace_id: &str) -> Value {
        let mut inner = Map::new();
        inner.insert("message".into(), json!(self.message));
        inner.insert("type".into(), json!(self.kind));
        inner.insert("code".into(), json!(self.code));
        if let Some(sub) = self.subcode {
            inner.insert("error_subcode".into(), json!(sub));
        }
        if let Some(t) = self.is_transient {
            inner.insert("is_transient".into(), json!(t));
        }
        if let Some(t) = &self.user_title {
            inner.insert("error_user_title".into(), json!(t));
        }
        if let Some(m) = &self.user_msg {
            inner.insert("error_user_msg".into(), json!(m));
        }
        inner.insert("fbtrace_id".into(), json!(fbtrace_id));
        json!({ "error": Value::Object(inner) })
    }
}

/// The flat error of `POST api.instagram.com/oauth/access_token` (always HTTP 400).
pub fn flat_oauth_error(message: &str) -> Value {
    json!({"error_type": "OAuthException", "code": 400, "error_message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_omits_absent_optional_members() {
        let body = GraphError::unparsable_token().body("Abc");
        let err = &body["error"];
        assert_eq!(err["code"], 190);
        assert_eq!(err["type"], "OAuthException");
        assert_eq!(err["fbtrace_id"], "Abc");
        assert!(err.get("error_subcode").is_none());
    }

    #[test]
    fn transient_is_500_and_flagged() {
        let e = GraphError::transient(2);
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.body("x")["error"]["is_transient"], true);
    }
}
