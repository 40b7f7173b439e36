//! Graph writes (POST / DELETE): routes each call to publishing, comment moderation or
//! messaging, and holds what they share (resolving the acting account, error helpers).

use std::sync::Arc;

use axum::http::Method;
use serde_json::Value;

use super::access::visible_ig_ids;
use super::demo::Demo;
use super::errors::GraphError;
use super::server::Req;
use super::state::{Inner, Login, Subject, Token};
use super::{moderation, publishing, shopping};

/// Dispatches a non-GET Graph call.
pub fn handle(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    path: &[&str],
    token: &Token,
) -> Result<Value, GraphError> {
    let unsupported = || GraphError::unsupported_get(&path.join("/")).with_method(&req.method);
    match (&req.method, path) {
        (&Method::POST, [id, "media"]) => {
            publishing::create_container(inner, req, login, token, id)
        }
        (&Method::POST, [id, "media_publish"]) => publishing::publish(inner, req, login, token, id),
        (&Method::POST, [id, "comments"]) => {
            moderation::comment(inner, req, login, token, id, false)
        }
        (&Method::POST, [id, "replies"]) => moderation::comment(inner, req, login, token, id, true),
        (&Method::POST, [id, "mentions"]) => super::mentions::reply(inner, req, login, token, id),
        (&Method::POST, [id, "product_tags"]) => {
            shopping::edit_tags(inner, req, login, token, id, false)
        }
        (&Method::DELETE, [id, "product_tags"]) => {
            shopping::edit_tags(inner, req, login, token, id, true)
        }
        (&Method::POST, [id, "product_appeal"]) => {
            own_account(&inner.demo(), token, id)?;
            shopping::appeal(req, login, token, &inner.demo().catalog)
        }
        (&Method::POST, [id]) => moderation::update(inner, req, login, token, id),
        (&Method::DELETE, [id]) => moderation::delete_comment(inner, login, token, id),
        _ => Err(unsupported()),
    }
}

/// Resolves `id` (or `me` on Instagram Login, or a linked Page on Facebook Login, as the
/// Messenger-style `/{page-id}/messages` uses) to an IG account this token acts for.
pub fn own_account(demo: &Demo, token: &Token, id: &str) -> Result<String, GraphError> {
    let visible = visible_ig_ids(demo, token);
    let linked_page = || {
        demo.page_by_id(id)
            .filter(|_| token.login == Login::Facebook)
            .and_then(|p| p.instagram_business_account.clone())
    };
    let ig_id = match (id, &token.subject) {
        ("me", Subject::IgAccount(ig)) => ig.clone(),
        ("me", Subject::Page(page)) => demo
            .page_by_id(page)
            .and_then(|p| p.instagram_business_account.clone())
            .ok_or_else(|| GraphError::unknown_object(id))?,
        _ => match demo.account_by_id(id) {
            Some(a) => a.ig_id.clone(),
            None => linked_page().ok_or_else(|| GraphError::unknown_object(id))?,
        },
    };
    if visible.contains(&ig_id) {
        Ok(ig_id)
    } else {
        Err(GraphError::unsupported_get(id).with_method(&Method::POST))
    }
}

pub fn bad(message: impl Into<String>) -> GraphError {
    GraphError::invalid_parameter(message)
}

pub fn bad_sub(subcode: i64, title: &str, message: impl Into<String>) -> GraphError {
    let mut e = bad(message);
    e.subcode = Some(subcode);
    e.user_title = Some(title.to_owned());
    e
}
