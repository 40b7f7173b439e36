//! Comment moderation: commenting and replying as the account, hiding / unhiding,
//! deleting (replies go with their comment), and turning comments off on a media.

use std::sync::Arc;

use axum::http::Method;
use serde_json::{Value, json};

use super::access::{comments_scope, visible_ig_ids};
use super::demo::Comment;
use super::errors::GraphError;
use super::server::Req;
use super::state::{Inner, Login, Token};
use super::writes::bad;

/// `POST /{media}/comments` and `POST /{comment}/replies`.
pub fn comment(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    id: &str,
    reply: bool,
) -> Result<Value, GraphError> {
    if !token.has_scope(comments_scope(login)) {
        return Err(GraphError::missing_permission(comments_scope(login)));
    }
    let message = req
        .param("message")
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| bad("(#100) The parameter message is required"))?
        .to_owned();
    let now = inner.now();
    let mut demo = inner.demo_mut();
    let visible = visible_ig_ids(&demo, token);
    let (media_id, parent_id) = if reply {
        let c = demo
            .comment_by_id(id)
            .ok_or_else(|| GraphError::unknown_object(id))?;
        if c.parent_id.is_some() {
            return Err(bad("(#100) Replies can only be made to top-level comments"));
        }
        (c.media_id.clone(), Some(c.id.clone()))
    } else {
        (id.to_owned(), None)
    };
    let media = demo
        .media_by_id(&media_id)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(id))?;
    if !super::live::readable(&demo, &media.id) {
        return Err(GraphError::unknown_object(id));
    }
    if !visible.contains(&media.owner) {
        return Err(GraphError::unsupported_get(id).with_method(&Method::POST));
    }
    if !media.comments_enabled {
        return Err(bad(
            "(#100) Comments are turned off for this media; turn them on with comment_enabled=true",
        ));
    }
    let comment_id = demo.take_comment_id();
    demo.comments.push(Comment {
        id: comment_id.clone(),
        media_id,
        parent_id,
        text: message,
        username: media.owner_username.clone(),
        from_id: media.owner.clone(),
        timestamp: now,
        like_count: 0,
        hidden: false,
    });
    if req.param("fields").is_some() {
        // Meta's documented trap: with `fields` the comment is created but the call fails.
        let mut e = GraphError::oauth(
            20,
            "(#20) The comment was posted but the response could not be built; do not retry it",
        );
        e.subcode = Some(1772107);
        return Err(e);
    }
    Ok(json!({ "id": comment_id }))
}

/// `POST /{comment}?hide=` and `POST /{media}?comment_enabled=`.
pub fn update(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    id: &str,
) -> Result<Value, GraphError> {
    if !token.has_scope(comments_scope(login)) {
        return Err(GraphError::missing_permission(comments_scope(login)));
    }
    let flag = |name: &str| -> Result<Option<bool>, GraphError> {
        match req.param(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(bad(format!(
                "(#100) {name} must be true or false, got '{other}'"
            ))),
        }
    };
    let mut demo = inner.demo_mut();
    let visible = visible_ig_ids(&demo, token);
    if let Some(c) = demo.comment_by_id(id).cloned() {
        if !super::live::readable(&demo, &c.media_id) {
            return Err(GraphError::unknown_object(id));
        }
        let owner = demo
            .media_by_id(&c.media_id)
            .map(|m| m.owner.clone())
            .unwrap_or_default();
        if !visible.contains(&owner) {
            return Err(GraphError::unsupported_get(id).with_method(&Method::POST));
        }
        let hide = flag("hide")?.ok_or_else(|| bad("(#100) Pass hide=true or hide=false"))?;
        if c.from_id == owner {
            return Err(bad("(#100) The account's own comments cannot be hidden"));
        }
        if let Some(c) = demo.comments.iter_mut().find(|x| x.id == id) {
            c.hidden = hide;
        }
        return Ok(json!({"success": true}));
    }
    if let Some(m) = demo.media_by_id(id).cloned() {
        if !visible.contains(&m.owner) {
            return Err(GraphError::unsupported_get(id).with_method(&Method::POST));
        }
        let enabled = flag("comment_enabled")?
            .ok_or_else(|| bad("(#100) Pass comment_enabled=true or comment_enabled=false"))?;
        if let Some(m) = demo.media.iter_mut().find(|x| x.id == id) {
            m.comments_enabled = enabled;
        }
        return Ok(json!({"success": true}));
    }
    Err(GraphError::unknown_object(id))
}

/// `DELETE /{comment}`: removes the comment and its replies.
pub fn delete_comment(
    inner: &Arc<Inner>,
    login: Login,
    token: &Token,
    id: &str,
) -> Result<Value, GraphError> {
    if !token.has_scope(comments_scope(login)) {
        return Err(GraphError::missing_permission(comments_scope(login)));
    }
    let mut demo = inner.demo_mut();
    let visible = visible_ig_ids(&demo, token);
    let c = demo
        .comment_by_id(id)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(id))?;
    if !super::live::readable(&demo, &c.media_id) {
        return Err(GraphError::unknown_object(id));
    }
    let owner = demo
        .media_by_id(&c.media_id)
        .map(|m| m.owner.clone())
        .unwrap_or_default();
    if !visible.contains(&owner) {
        return Err(GraphError::unsupported_get(id).with_method(&Method::DELETE));
    }
    demo.comments
        .retain(|x| x.id != id && x.parent_id.as_deref() != Some(id));
    Ok(json!({"success": true}))
}
