//! The Graph API read side of both hosts: token checks, throttling and fault switches,
//! node lookup, `fields` rendering with nested expansion, edges with cursor paging, and the
//! usage headers every Graph response carries.
//!
//! Nodes: the IG user (`/me`, `/{ig-id}`), IG media (`/{media-id}`), and on the
//! `/facebook` host the Facebook user and Pages. Edges: `media`, `stories`, `children`,
//! `accounts`.

use std::sync::Arc;

use axum::http::{HeaderValue, Method};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::demo::{Account, Comment, Container, Demo, FbUser, Media, MediaType, Page, Product};
use super::errors::GraphError;
use super::fields::{self, Field};
use super::server::{Req, json as json_response};
use super::state::{Inner, Login, Subject, Token, TokenKind};

/// Default and maximum page sizes of every edge.
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

/// Graph's timestamp format: `2026-11-01T08:00:00+0000`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// Serves one Graph request and adds the usage headers.
pub fn handle(inner: &Arc<Inner>, req: &Req, login: Login, path: &[&str]) -> Response {
    let mut usage_key = None;
    let result = serve(inner, req, login, path, &mut usage_key);
    with_headers(inner, usage_key, result)
}

/// Renders a Graph result (value or error envelope) with `X-App-Usage` and
/// `X-Business-Use-Case-Usage` headers. `usage_key` is the IG (or Page) id the call was about.
pub fn with_headers(
    inner: &Inner,
    usage_key: Option<String>,
    result: Result<Value, GraphError>,
) -> Response {
    let (usage, trace) = {
        let mut st = inner.lock();
        st.graph_calls += 1;
        (st.usage_percent, st.trace_id())
    };
    let mut resp = match result {
        Ok(value) => json_response(axum::http::StatusCode::OK, &value),
        Err(e) => json_response(e.status, &e.body(&trace)),
    };
    let app_usage = json!({
        "call_count": usage,
        "total_cputime": usage * 2 / 3,
        "total_time": usage * 3 / 4,
    });
    let key = usage_key
        .or_else(|| inner.app_id.clone())
        .unwrap_or_else(|| "0".to_owned());
    let regain = if usage >= 100 { 15 } else { 0 };
    let buc = json!({ key: [{
        "type": "instagram",
        "call_count": usage,
        "total_cputime": usage * 2 / 3,
        "total_time": usage * 3 / 4,
        "estimated_time_to_regain_access": regain,
    }]});
    let headers = resp.headers_mut();
    for (name, value) in [
        ("x-app-usage", app_usage.to_string()),
        ("x-business-use-case-usage", buc.to_string()),
        ("x-fb-trace-id", trace),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    resp
}

/// The token string of a request: `access_token` parameter or `Authorization: Bearer|OAuth`.
pub fn token_string(req: &Req) -> Option<String> {
    if let Some(t) = req.param("access_token").filter(|t| !t.is_empty()) {
        return Some(t.to_owned());
    }
    let auth = req
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, value) = auth.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Looks the request's token up and checks it is alive, for `login`'s host.
pub fn authenticate(inner: &Inner, req: &Req, login: Login) -> Result<(String, Token), GraphError> {
    let value = token_string(req).ok_or_else(GraphError::missing_token)?;
    let now = inner.now();
    let token = inner
        .lock()
        .tokens
        .get(&value)
        .cloned()
        .filter(|t| t.login == login)
        .ok_or_else(GraphError::unparsable_token)?;
    if token.revoked {
        return Err(GraphError::revoked_token());
    }
    if token.expires_at <= now {
        return Err(GraphError::expired_token(token.expires_at, now));
    }
    if let (Some(secret), Some(proof)) = (&inner.app_secret, req.param("appsecret_proof"))
        && !proof.eq_ignore_ascii_case(&appsecret_proof(secret, &value))
    {
        return Err(GraphError::invalid_parameter(
            "Invalid appsecret_proof provided in the API argument",
        ));
    }
    Ok((value, token))
}

/// Hex HMAC-SHA256 of the token keyed by the app secret.
pub fn appsecret_proof(secret: &str, token: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(token.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The IG ids a token may read.
pub fn visible_ig_ids(demo: &Demo, token: &Token) -> Vec<String> {
    match &token.subject {
        Subject::IgAccount(id) => vec![id.clone()],
        Subject::FbUser(_) => demo
            .pages
            .iter()
            .filter_map(|p| p.instagram_business_account.clone())
            .collect(),
        Subject::Page(page) => demo
            .page_by_id(page)
            .and_then(|p| p.instagram_business_account.clone())
            .into_iter()
            .collect(),
    }
}

/// The key of `X-Business-Use-Case-Usage`: the IG account (or Page) the token acts for.
fn usage_key(demo: &Demo, token: &Token) -> String {
    match &token.subject {
        Subject::Page(p) => demo
            .page_by_id(p)
            .and_then(|p| p.instagram_business_account.clone())
            .unwrap_or_else(|| p.clone()),
        _ => visible_ig_ids(demo, token)
            .into_iter()
            .next()
            .unwrap_or_else(|| demo.fb_user.id.clone()),
    }
}

/// Per-request context handed to rendering.
struct Ctx<'a> {
    inner: &'a Inner,
    demo: &'a Demo,
    req: &'a Req,
    login: Login,
    token_value: String,
    token: Token,
    now: DateTime<Utc>,
    /// Comment threads grouped once per request (50,000 comments stay fast).
    comment_index: std::cell::OnceCell<super::comments::CommentIndex<'a>>,
}

/// A readable object.
#[derive(Clone, Copy)]
enum Node<'a> {
    /// An IG user; `true` when reached as `/me` (the `id` is then app-scoped on IG Login).
    User(&'a Account, bool),
    Media(&'a Media),
    FbUser(&'a FbUser),
    Page(&'a Page),
    /// A Page as listed by `/me/accounts` (carries `access_token` and `tasks`).
    PageEntry(&'a Page),
    Comment(&'a Comment),
    Container(&'a Container),
}

impl Node<'_> {
    fn id(&self) -> String {
        match self {
            Node::User(a, _) => a.ig_id.clone(),
            Node::Media(m) => m.id.clone(),
            Node::FbUser(u) => u.id.clone(),
            Node::Page(p) | Node::PageEntry(p) => p.id.clone(),
            Node::Comment(c) => c.id.clone(),
            Node::Container(c) => c.id.clone(),
        }
    }
    fn type_name(&self) -> &'static str {
        match self {
            Node::User(..) => "ShadowIGUser",
            Node::Media(_) => "ShadowIGMedia",
            Node::FbUser(_) => "User",
            Node::Page(_) | Node::PageEntry(_) => "Page",
            Node::Comment(_) => "IGComment",
            Node::Container(_) => "ShadowIGMediaBuilder",
        }
    }
}

fn serve(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    path: &[&str],
    usage_out: &mut Option<String>,
) -> Result<Value, GraphError> {
    let (token_value, token) = authenticate(inner, req, login)?;
    super::comments::tick_activity(inner);
    *usage_out = Some(usage_key(&inner.demo(), &token));
    {
        let mut st = inner.lock();
        if st.usage_percent >= 100 {
            return Err(GraphError::throttled(st.throttle_code));
        }
        let fail_rate = st.fail_rate;
        if fail_rate > 0.0 && st.rng.random::<f64>() < fail_rate {
            let code = if st.rng.random_bool(0.5) { 1 } else { 2 };
            return Err(GraphError::transient(code));
        }
    }
    if let Some(r) = super::dms::serve(inner, req, login, path, &token_value, &token) {
        return r;
    }
    if req.method != Method::GET {
        let result = super::writes::handle(inner, req, login, path, &token);
        return super::comments::maybe_lose(inner, result);
    }
    let selection = match req.param("fields") {
        Some(f) => {
            Some(fields::parse(f).map_err(|e| GraphError::invalid_parameter(e.to_string()))?)
        }
        None => None,
    };
    let demo = inner.demo();
    let ctx = Ctx {
        inner,
        demo: &demo,
        req,
        login,
        token_value,
        token,
        now: inner.now(),
        comment_index: std::cell::OnceCell::new(),
    };
    match path {
        [id] => {
            let node = ctx.resolve(id)?;
            ctx.render(node, selection.as_deref(), false)
        }
        [id, edge] => {
            let node = ctx.resolve(id)?;
            ctx.top_level_edge(node, edge, selection.as_deref())
        }
        _ => Err(GraphError::unsupported_get(&path.join("/"))),
    }
}

impl GraphError {
    /// Rewrites an "Unsupported get request" into the POST/DELETE wording.
    pub fn with_method(mut self, method: &Method) -> Self {
        if method != Method::GET {
            let verb = method.as_str().to_ascii_lowercase();
            self.message =
                self.message
                    .replacen("Unsupported get", &format!("Unsupported {verb}"), 1);
        }
        self
    }
}

impl<'a> Ctx<'a> {
    fn comments(&self) -> &super::comments::CommentIndex<'a> {
        self.comment_index
            .get_or_init(|| super::comments::CommentIndex::build(self.demo))
    }

    fn require(&self, scope: &str) -> Result<(), GraphError> {
        if self.token.has_scope(scope) {
            Ok(())
        } else {
            Err(GraphError::missing_permission(scope))
        }
    }

    /// Finds `id` (or `me`) and checks this token may read it.
    fn resolve(&self, id: &str) -> Result<Node<'a>, GraphError> {
        let demo = self.demo;
        let visible = visible_ig_ids(self.demo, &self.token);
        if id == "me" {
            return match (&self.token.subject, self.login) {
                (Subject::IgAccount(ig), Login::Instagram) => {
                    self.require(self.login.basic_scope())?;
                    demo.account_by_id(ig)
                        .map(|a| Node::User(a, true))
                        .ok_or_else(|| GraphError::unknown_object(id))
                }
                (Subject::FbUser(_), _) => Ok(Node::FbUser(&demo.fb_user)),
                (Subject::Page(p), _) => demo
                    .page_by_id(p)
                    .map(Node::Page)
                    .ok_or_else(|| GraphError::unknown_object(id)),
                _ => Err(GraphError::unparsable_token()),
            };
        }
        if let Some(account) = demo.account_by_id(id) {
            if !visible.contains(&account.ig_id) {
                return Err(GraphError::unsupported_get(id));
            }
            self.require(self.login.basic_scope())?;
            // On Instagram Login the app-scoped id names the same user as `/me`.
            let as_me = id == account.app_scoped_id;
            return Ok(Node::User(account, as_me));
        }
        if let Some(media) = demo.media_by_id(id) {
            if !visible.contains(&media.owner) {
                return Err(GraphError::unsupported_get(id));
            }
            self.require(self.login.basic_scope())?;
            return Ok(Node::Media(media));
        }
        if let Some(comment) = demo.comment_by_id(id) {
            let owner = demo
                .media_by_id(&comment.media_id)
                .map(|m| m.owner.as_str());
            if !owner.is_some_and(|o| visible.iter().any(|v| v == o)) {
                return Err(GraphError::unsupported_get(id));
            }
            self.require(comments_scope(self.login))?;
            return Ok(Node::Comment(comment));
        }
        if let Some(container) = demo.container_by_id(id) {
            if !visible.contains(&container.owner) {
                return Err(GraphError::unsupported_get(id));
            }
            self.require(self.login.basic_scope())?;
            return Ok(Node::Container(container));
        }
        if self.login == Login::Facebook {
            if let Some(page) = demo.page_by_id(id) {
                let allowed = match &self.token.subject {
                    Subject::FbUser(_) => true,
                    Subject::Page(p) => p == id,
                    Subject::IgAccount(_) => false,
                };
                if !allowed {
                    return Err(GraphError::unsupported_get(id));
                }
                self.require("pages_show_list")?;
                return Ok(Node::Page(page));
            }
            if id == demo.fb_user.id {
                return match self.token.subject {
                    Subject::FbUser(_) => Ok(Node::FbUser(&demo.fb_user)),
                    _ => Err(GraphError::unsupported_get(id)),
                };
            }
        }
        Err(GraphError::unknown_object(id))
    }

    fn default_fields(node: &Node) -> &'static [&'static str] {
        match node {
            Node::User(..) | Node::Media(_) | Node::Comment(_) | Node::Container(_) => &["id"],
            Node::FbUser(_) | Node::Page(_) => &["name", "id"],
            Node::PageEntry(_) => &[
                "access_token",
                "category",
                "category_list",
                "name",
                "id",
                "tasks",
            ],
        }
    }

    /// Renders a node with `selection` (or its default fields).
    fn render(
        &self,
        node: Node<'a>,
        selection: Option<&[Field]>,
        via_edge: bool,
    ) -> Result<Value, GraphError> {
        let owned: Vec<Field>;
        let selection = match selection {
            Some(s) if !s.is_empty() => s,
            _ => {
                owned = Self::default_fields(&node)
                    .iter()
                    .map(|n| Field::plain(n))
                    .collect();
                &owned
            }
        };
        let mut out = Map::new();
        for field in selection {
            if let Some(v) = self.value(node, field, via_edge)? {
                out.insert(field.name.clone(), v);
            }
        }
        // Graph always answers a node's id, asked for or not.
        if !out.contains_key("id") {
            out.insert(
                "id".into(),
                self.value(node, &Field::plain("id"), via_edge)?
                    .unwrap_or(Value::Null),
            );
        }
        Ok(Value::Object(out))
    }

    /// One field of a node: `Ok(None)` when the field exists but has no value here.
    fn value(
        &self,
        node: Node<'a>,
        field: &Field,
        via_edge: bool,
    ) -> Result<Option<Value>, GraphError> {
        let name = field.name.as_str();
        let root = &self.inner.root;
        let cdn = |path: String| root.join(&path).map(|u| u.to_string()).unwrap_or(path);
        let v = match node {
            Node::User(a, as_me) => match name {
                "id" if as_me && self.login == Login::Instagram => json!(a.app_scoped_id),
                "id" => json!(a.ig_id),
                "user_id" if self.login == Login::Instagram => json!(a.ig_id),
                "ig_id" if self.login == Login::Facebook => {
                    json!(a.ig_id.parse::<u64>().unwrap_or(0))
                }
                "username" => json!(a.username),
                "name" => json!(a.name),
                "account_type" => json!(a.account_type),
                "profile_picture_url" => json!(cdn(format!("cdn/{}/profile.jpg", a.ig_id))),
                "followers_count" => json!(a.followers),
                "follows_count" => json!(a.follows),
                "media_count" => json!(self.demo.feed_of(&a.ig_id).len()),
                "biography" => json!(a.biography),
                "website" => json!(a.website),
                "media" | "stories" => self.nested_edge(node, field)?,
                _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
            },
            Node::Media(m) => return self.media_value(m, field, via_edge),
            Node::Comment(c) => return self.comment_value(c, field),
            Node::Container(c) => {
                let (code, status) = self.demo.container_status(c, self.now);
                match name {
                    "id" => json!(c.id),
                    "status_code" => json!(code),
                    "status" => json!(status),
                    _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
                }
            }
            Node::FbUser(u) => match name {
                "id" => json!(u.id),
                "name" => json!(u.name),
                "accounts" => {
                    self.require("pages_show_list")?;
                    self.nested_edge(node, field)?
                }
                _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
            },
            Node::Page(p) | Node::PageEntry(p) => match name {
                "id" => json!(p.id),
                "name" => json!(p.name),
                "category" => json!(p.category),
                "category_list" => json!([{"id": p.category_id, "name": p.category}]),
                "tasks" => json!(p.tasks),
                "access_token" => match (node, &self.token.subject) {
                    (Node::PageEntry(_), Subject::FbUser(_)) => json!(self.page_token(p)),
                    _ => return Ok(None),
                },
                "instagram_business_account" => {
                    let Some(ig) = p.instagram_business_account.as_deref() else {
                        return Ok(None);
                    };
                    match (self.demo.account_by_id(ig), &field.sub) {
                        (Some(a), Some(sub)) => {
                            self.render(Node::User(a, false), Some(sub), true)?
                        }
                        _ => json!({ "id": ig }),
                    }
                }
                _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
            },
        };
        Ok(Some(v))
    }

    fn media_value(
        &self,
        m: &'a Media,
        field: &Field,
        via_edge: bool,
    ) -> Result<Option<Value>, GraphError> {
        let root = &self.inner.root;
        let cdn = |path: String| root.join(&path).map(|u| u.to_string()).unwrap_or(path);
        let top_level = m.parent.is_none() && m.product != Product::Story;
        let name = field.name.as_str();
        let v = match name {
            "id" => Some(json!(m.id)),
            "caption" => m.caption.as_ref().map(|c| json!(c)),
            "media_type" => Some(json!(m.media_type.as_str())),
            "media_product_type" => Some(json!(m.product.as_str())),
            "media_url" => Some(json!(match m.media_type {
                MediaType::Image => cdn(format!("cdn/{}/full.jpg", m.id)),
                MediaType::Video => cdn(format!("cdn/{}/video.mp4", m.id)),
                // Albums answer with their first child's picture.
                MediaType::CarouselAlbum => {
                    let first = m.children.first().unwrap_or(&m.id);
                    cdn(format!("cdn/{first}/full.jpg"))
                }
            })),
            "thumbnail_url" => (m.media_type == MediaType::Video)
                .then(|| json!(cdn(format!("cdn/{}/full.jpg", m.id)))),
            "permalink" => {
                if m.parent.is_some() {
                    None
                } else {
                    Some(json!(match m.product {
                        Product::Reels =>
                            format!("https://www.instagram.com/reel/{}/", m.shortcode),
                        Product::Story => {
                            format!(
                                "https://www.instagram.com/stories/{}/{}/",
                                m.owner_username, m.id
                            )
                        }
                        Product::Feed => format!("https://www.instagram.com/p/{}/", m.shortcode),
                    }))
                }
            }
            "shortcode" => Some(json!(m.shortcode)),
            "timestamp" => Some(json!(format_time(m.timestamp))),
            "username" => Some(json!(m.owner_username)),
            "like_count" => (top_level && !(via_edge && m.hide_likes)).then(|| json!(m.like_count)),
            "comments_count" => top_level.then(|| json!(self.comments().count(&m.id))),
            "comments" => {
                if top_level {
                    self.require(comments_scope(self.login))?;
                    Some(self.nested_edge(Node::Media(m), field)?)
                } else {
                    None
                }
            }
            "is_comment_enabled" => top_level.then(|| json!(m.comments_enabled)),
            "is_shared_to_feed" => (m.product == Product::Reels).then_some(json!(m.shared_to_feed)),
            "alt_text" => m.alt_text.as_ref().map(|t| json!(t)),
            "owner" => {
                let owner = self.demo.account_by_id(&m.owner);
                match (owner, &field.sub) {
                    (Some(a), Some(sub)) => {
                        Some(self.render(Node::User(a, false), Some(sub), true)?)
                    }
                    _ => Some(json!({ "id": m.owner })),
                }
            }
            "children" => {
                if m.media_type == MediaType::CarouselAlbum {
                    Some(self.nested_edge(Node::Media(m), field)?)
                } else {
                    None
                }
            }
            _ => return Err(GraphError::nonexisting_field(name, "ShadowIGMedia")),
        };
        Ok(v)
    }

    fn comment_value(&self, c: &'a Comment, field: &Field) -> Result<Option<Value>, GraphError> {
        let name = field.name.as_str();
        let v = match name {
            "id" => Some(json!(c.id)),
            "text" => Some(json!(c.text)),
            "timestamp" => Some(json!(format_time(c.timestamp))),
            "username" => Some(json!(c.username)),
            "like_count" => Some(json!(c.like_count)),
            "hidden" => Some(json!(c.hidden)),
            "parent_id" => c.parent_id.as_ref().map(|p| json!(p)),
            "from" => Some(json!({"id": c.from_id, "username": c.username})),
            // `user` is only answered for the account's own comments.
            "user" => self
                .demo
                .media_by_id(&c.media_id)
                .filter(|m| m.owner == c.from_id)
                .map(|m| json!({"id": m.owner})),
            "media" => match self.demo.media_by_id(&c.media_id) {
                Some(m) => Some(self.render(Node::Media(m), field.sub.as_deref(), true)?),
                None => None,
            },
            "replies" => {
                if c.parent_id.is_none() {
                    Some(self.nested_edge(Node::Comment(c), field)?)
                } else {
                    None
                }
            }
            _ => return Err(GraphError::nonexisting_field(name, "IGComment")),
        };
        Ok(v)
    }

    /// The page token for `page`, minted once per user token.
    fn page_token(&self, page: &Page) -> String {
        let key = (self.token_value.clone(), page.id.clone());
        let mut st = self.inner.lock();
        if let Some(t) = st.page_tokens.get(&key) {
            return t.clone();
        }
        let token = Token {
            login: Login::Facebook,
            kind: TokenKind::Page,
            subject: Subject::Page(page.id.clone()),
            scopes: self.token.scopes.clone(),
            issued_at: self.now,
            expires_at: self.token.expires_at,
            revoked: false,
        };
        let value = st.mint(token);
        st.page_tokens.insert(key, value.clone());
        value
    }

    /// All items of an edge, in API order, after time filters.
    fn edge_items(
        &self,
        node: Node<'a>,
        edge: &str,
        allow_time: bool,
    ) -> Result<Vec<Node<'a>>, GraphError> {
        let demo = self.demo;
        let items = match (node, edge) {
            (Node::User(a, _), "media") => {
                let (since, until) = if allow_time {
                    (self.time_param("since")?, self.time_param("until")?)
                } else {
                    (None, None)
                };
                demo.feed_of(&a.ig_id)
                    .into_iter()
                    .filter(|m| since.is_none_or(|s| m.timestamp >= s))
                    .filter(|m| until.is_none_or(|u| m.timestamp <= u))
                    .map(Node::Media)
                    .collect()
            }
            (Node::User(a, _), "stories") => demo
                .live_stories_of(&a.ig_id, self.now)
                .into_iter()
                .map(Node::Media)
                .collect(),
            (Node::Media(m), "children") => m
                .children
                .iter()
                .filter_map(|id| demo.media_by_id(id))
                .map(Node::Media)
                .collect(),
            (Node::Media(m), "comments") => {
                self.require(comments_scope(self.login))?;
                self.comments()
                    .comments_on(&m.id)
                    .into_iter()
                    .map(Node::Comment)
                    .collect()
            }
            (Node::Comment(c), "replies") => self
                .comments()
                .replies_to(&c.id)
                .into_iter()
                .map(Node::Comment)
                .collect(),
            (Node::FbUser(_), "accounts") => {
                self.require("pages_show_list")?;
                demo.pages.iter().map(Node::PageEntry).collect()
            }
            _ => {
                return Err(GraphError::unsupported_get(&format!(
                    "{}/{edge}",
                    node.id()
                )));
            }
        };
        Ok(items)
    }

    fn time_param(&self, name: &str) -> Result<Option<DateTime<Utc>>, GraphError> {
        let Some(raw) = self.req.param(name) else {
            return Ok(None);
        };
        parse_time(raw).map(Some).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The parameter {name} must be a unix timestamp or a date such as 2026-11-01, got '{raw}'"
            ))
        })
    }

    /// `GET /{id}/{edge}`: a page of the edge with full `next`/`previous` URLs.
    fn top_level_edge(
        &self,
        node: Node<'a>,
        edge: &str,
        selection: Option<&[Field]>,
    ) -> Result<Value, GraphError> {
        if let (Node::User(a, _), "content_publishing_limit") = (node, edge) {
            return Ok(publishing_limit(self.demo, a, self.now));
        }
        let items = self.edge_items(node, edge, true)?;
        let limit = parse_limit(self.req.param("limit"))?;
        let page = paginate(
            &items,
            limit,
            self.req.param("after"),
            self.req.param("before"),
        )?;
        let data = page
            .items
            .iter()
            .map(|n| self.render(*n, selection, true))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = json!({ "data": data });
        if let Some(cursors) = page.cursors() {
            let mut paging = json!({ "cursors": cursors });
            if page.has_next {
                paging["next"] = json!(self.page_url(&page.after_cursor, "after"));
            }
            if page.has_previous {
                paging["previous"] = json!(self.page_url(&page.before_cursor, "before"));
            }
            out["paging"] = paging;
        }
        Ok(out)
    }

    /// The request's own URL with `after`/`before` replaced by `cursor`.
    fn page_url(&self, cursor: &str, direction: &str) -> String {
        let mut url = self.inner.root.clone();
        url.set_path(&self.req.path);
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            for (k, v) in &self.req.query_params {
                if k != "after" && k != "before" {
                    q.append_pair(k, v);
                }
            }
            if !self
                .req
                .query_params
                .iter()
                .any(|(k, _)| k == "access_token")
                && !self.token_value.is_empty()
            {
                q.append_pair("access_token", &self.token_value);
            }
            q.append_pair(direction, cursor);
        }
        url.to_string()
    }

    /// An edge expanded inside `fields` (`children{...}`, `media.limit(5){...}`).
    fn nested_edge(&self, node: Node<'a>, field: &Field) -> Result<Value, GraphError> {
        let items = self.edge_items(node, &field.name, false)?;
        let limit = field
            .limit
            .map_or(DEFAULT_LIMIT, |l| (l as usize).min(MAX_LIMIT));
        let page = paginate(&items, limit, None, None)?;
        let data = page
            .items
            .iter()
            .map(|n| self.render(*n, field.sub.as_deref(), true))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = json!({ "data": data });
        if let Some(cursors) = page.cursors() {
            let mut paging = json!({ "cursors": cursors });
            if page.has_next {
                let mut url = self.inner.root.clone();
                let prefix = match self.login {
                    Login::Instagram => "",
                    Login::Facebook => "facebook/",
                };
                url.set_path(&format!(
                    "{prefix}{}/{}/{}",
                    crate::sandbox::API_VERSION,
                    node.id(),
                    field.name
                ));
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("access_token", &self.token_value);
                    if let Some(sub) = &field.sub {
                        q.append_pair("fields", &fields::render(sub));
                    }
                    q.append_pair("limit", &limit.to_string());
                    q.append_pair("after", &page.after_cursor);
                }
                paging["next"] = json!(url.to_string());
            }
            out["paging"] = paging;
        }
        Ok(out)
    }
}

/// The permission comment reads and moderation need on each login.
pub fn comments_scope(login: Login) -> &'static str {
    match login {
        Login::Instagram => "instagram_business_manage_comments",
        Login::Facebook => "instagram_manage_comments",
    }
}

/// `GET /{ig-id}/content_publishing_limit`.
fn publishing_limit(demo: &Demo, account: &Account, now: DateTime<Utc>) -> Value {
    json!({"data": [{
        "quota_usage": demo.published_in_last_day(&account.ig_id, now),
        "config": {"quota_total": demo.quota_total(account), "quota_duration": 86400},
    }]})
}

/// `limit`: default 25, clamped to 100; anything but a positive integer is code 100.
fn parse_limit(raw: Option<&str>) -> Result<usize, GraphError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(MAX_LIMIT)),
            _ => Err(GraphError::invalid_parameter(format!(
                "(#100) The parameter limit must be a positive integer, got '{s}'"
            ))),
        },
    }
}

/// Unix seconds, `YYYY-MM-DD`, or an RFC 3339 / Graph timestamp.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Opaque cursor for an item id.
fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("sbx:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("sbx:")
        .map(str::to_owned)
}

struct PageOf<'n, 'a> {
    items: &'n [Node<'a>],
    before_cursor: String,
    after_cursor: String,
    has_next: bool,
    has_previous: bool,
}

impl PageOf<'_, '_> {
    fn cursors(&self) -> Option<Value> {
        (!self.items.is_empty())
            .then(|| json!({ "before": self.before_cursor, "after": self.after_cursor }))
    }
}

fn paginate<'n, 'a>(
    items: &'n [Node<'a>],
    limit: usize,
    after: Option<&str>,
    before: Option<&str>,
) -> Result<PageOf<'n, 'a>, GraphError> {
    let position = |cursor: &str| -> Result<usize, GraphError> {
        let id = decode_cursor(cursor).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The cursor '{cursor}' is not valid; use the cursors from the previous response's paging"
            ))
        })?;
        items.iter().position(|n| n.id() == id).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The cursor '{cursor}' points at an item that no longer exists"
            ))
        })
    };
    let (start, end) = match (
        after.filter(|s| !s.is_empty()),
        before.filter(|s| !s.is_empty()),
    ) {
        (Some(a), _) => {
            let start = position(a)? + 1;
            (start, (start + limit).min(items.len()))
        }
        (None, Some(b)) => {
            let end = position(b)?;
            (end.saturating_sub(limit), end)
        }
        (None, None) => (0, limit.min(items.len())),
    };
    let slice = &items[start.min(end)..end];
    Ok(PageOf {
        before_cursor: slice
            .first()
            .map(|n| encode_cursor(&n.id()))
            .unwrap_or_default(),
        after_cursor: slice
            .last()
            .map(|n| encode_cursor(&n.id()))
            .unwrap_or_default(),
        has_next: end < items.len(),
        has_previous: start > 0,
        items: slice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("17900000000000042");
        assert_eq!(decode_cursor(&c).as_deref(), Some("17900000000000042"));
        assert_eq!(decode_cursor("garbage!"), None);
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).expect("default"), 25);
        assert_eq!(parse_limit(Some("500")).expect("clamped"), 100);
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("ten")).is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("0").map(|t| t.timestamp()), Some(0));
        assert_eq!(
            parse_time("2026-11-01").map(|t| t.timestamp()),
            Some(1_793_491_200)
        );
        assert!(parse_time("2026-11-01T08:00:00+0000").is_some());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn proof_is_hex_hmac() {
        // RFC 4231 style check against a known value computed independently.
        let p = appsecret_proof("key", "The quick brown fox jumps over the lazy dog");
        assert_eq!(
            p,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
