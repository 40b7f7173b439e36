//! The Graph API read side of both hosts: throttling and fault switches, node lookup,
//! `fields` rendering with nested expansion, and edges (paged by `paging.rs`). Token checks
//! and usage headers live in `access.rs`, writes in `writes.rs`.
//!
//! Nodes: IG user (`/me`, `/{ig-id}`), media, comment, container, conversation, message,
//! and on the `/facebook` host the Facebook user and Pages. Edges: `media`, `stories`,
//! `children`, `comments`, `replies`, `conversations`, `messages`, `accounts`, `insights`,
//! `content_publishing_limit`.

use std::sync::Arc;

use axum::http::Method;
use axum::response::Response;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::access::{authenticate, comments_scope, usage_key, visible_ig_ids, with_headers};
use super::demo::{Account, Comment, Container, Demo, FbUser, Media, MediaType, Page, Product};
use super::errors::GraphError;
use super::fields::{self, Field};
use super::insights;
use super::paging::{DEFAULT_LIMIT, Keyed, MAX_LIMIT, paginate, parse_limit, parse_time};
use super::server::Req;
use super::shopping::{self, Catalog, Product as ShopProduct, ProductTag};
use super::state::{Inner, Login, Subject, Token, TokenKind, WriteFault};

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
    /// `comment_id(..)` / `media_id(..)` of `mentioned_comment` / `mentioned_media`.
    mention_args: super::mentions::MentionArgs,
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
    /// Shopping rows (no `id` field of their own).
    Catalog(&'a Catalog),
    Product(&'a ShopProduct),
    ProductTag(&'a ProductTag, &'a ShopProduct),
}

impl Keyed for Node<'_> {
    fn key(&self) -> String {
        self.id()
    }
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
            Node::Catalog(c) => c.catalog_id.clone(),
            Node::Product(p) => p.product_id.to_string(),
            Node::ProductTag(t, _) => t.product_id.to_string(),
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
            Node::Catalog(_) => "ProductCatalog",
            Node::Product(_) => "ProductItem",
            Node::ProductTag(..) => "ProductTag",
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
    super::live::tick(inner);
    *usage_out = Some(usage_key(&inner.demo(), &token));
    {
        let mut st = inner.lock();
        if st.usage_percent >= 100 {
            return Err(GraphError::throttled(st.throttle_code));
        }
        if req.method != Method::GET
            && let Some((left, fault)) = st.failing_writes
        {
            st.failing_writes = (left > 1).then_some((left - 1, fault));
            return Err(match fault {
                WriteFault::Transient => GraphError::transient(2),
                WriteFault::Throttled => GraphError::throttled(80002),
            });
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
    if let Some(r) = super::locations::serve(inner, req, login, path, &token) {
        return r;
    }
    if let Some(r) = super::hashtags::serve(inner, req, login, path, &token) {
        return r;
    }
    if req.method != Method::GET {
        let result = super::writes::handle(inner, req, login, path, &token);
        return super::comments::maybe_lose(inner, result);
    }
    let (fields_value, mention_args) = match req.param("fields") {
        Some(f) => {
            let (plain, args) = super::mentions::lift_modifiers(f);
            (Some(plain), args)
        }
        None => (None, Default::default()),
    };
    let (fields_value, discovery) = super::discovery::lift(fields_value)?;
    let selection = match fields_value.as_deref() {
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
        mention_args,
    };
    match path {
        [id] => {
            let node = ctx.resolve(id)?;
            let mut out = ctx.render(node, selection.as_deref(), false)?;
            if let Some(query) = discovery {
                super::discovery::attach(inner, &demo, login, &mut out, query)?;
            }
            Ok(out)
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
            // Live video can only be read while it is being broadcast (seed 003).
            if !visible.contains(&media.owner)
                || (media.product == Product::Live && !super::live::on_air(demo, id))
            {
                return Err(GraphError::unsupported_get(id));
            }
            self.require(self.login.basic_scope())?;
            return Ok(Node::Media(media));
        }
        if let Some(comment) = demo.comment_by_id(id) {
            let owner = demo
                .media_by_id(&comment.media_id)
                .filter(|m| m.product != Product::Live || super::live::on_air(demo, &m.id))
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
            Node::Catalog(_) => &["catalog_id", "catalog_name", "shop_name", "product_count"],
            Node::Product(_) => &[
                "product_id",
                "merchant_id",
                "product_name",
                "image_url",
                "retailer_id",
                "review_status",
                "is_checkout_flow",
                "product_variants",
            ],
            Node::ProductTag(..) => &[
                "product_id",
                "merchant_id",
                "name",
                "price_string",
                "image_url",
                "review_status",
                "is_checkout",
                "stripped_price_string",
                "string_sale_price_string",
                "x",
                "y",
            ],
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
        // Graph always answers a node's id, asked for or not (shopping rows have none).
        let has_id = !matches!(
            node,
            Node::Catalog(_) | Node::Product(_) | Node::ProductTag(..)
        );
        if has_id && !out.contains_key("id") {
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
                "shopping_product_tag_eligibility" if self.login == Login::Facebook => {
                    json!(a.account_type == "Business")
                }
                "available_catalogs" if self.login == Login::Facebook => {
                    self.nested_edge(node, field)?
                }
                "media" | "stories" => self.nested_edge(node, field)?,
                "mentioned_comment" => {
                    let c = super::mentions::mentioned_comment(self.demo, a, &self.mention_args)?;
                    self.render(Node::Comment(c), field.sub.as_deref(), true)?
                }
                "mentioned_media" => {
                    let m = super::mentions::mentioned_media(self.demo, a, &self.mention_args)?;
                    self.render(Node::Media(m), field.sub.as_deref(), true)?
                }
                _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
            },
            Node::Media(m) => return self.media_value(m, field, via_edge),
            Node::Comment(c) => return self.comment_value(c, field),
            Node::Catalog(c) => match name {
                "catalog_id" => json!(c.catalog_id),
                "catalog_name" => json!(c.name),
                "shop_name" => json!(c.shop_name),
                "product_count" => json!(c.products.len()),
                _ => return Err(GraphError::nonexisting_field(name, node.type_name())),
            },
            Node::Product(p) => {
                let full = shopping::search_hit(p, self.product_image(p));
                return pick(&full, name, &[], node.type_name());
            }
            Node::ProductTag(t, p) => {
                let full = shopping::tag_view(t, p, self.product_image(p));
                let optional = ["string_sale_price_string", "x", "y"];
                return pick(&full, name, &optional, node.type_name());
            }
            Node::Container(c) => {
                let (code, status) = self.demo.container_status(c, self.now);
                match name {
                    "id" => json!(c.id),
                    "status_code" => json!(code),
                    "status" => json!(status),
                    "copyright_check_status" => {
                        super::copyright::container_status(c.is_video, c.copyright_match, code)
                    }
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
            // The legacy Instagram id older clients still ask for: stable per media.
            "ig_id" => Some(json!(legacy_media_ig_id(m))),
            "caption" => m.caption.as_ref().map(|c| json!(c)),
            "media_type" => Some(json!(if m.product == Product::Live {
                "BROADCAST"
            } else {
                m.media_type.as_str()
            })),
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
            "copyright_check_information" => Some(super::copyright::media_information(
                m.media_type == MediaType::Video,
                m.copyright_match,
            )),
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
                        Product::Live =>
                            format!("https://www.instagram.com/{}/live/", m.owner_username),
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
            // Since v12.0 (changelog 2021-11-09) a bare `media` answers `{id,
            // media_product_type}`, so a webhook consumer can tell a live or story comment
            // from a feed one without a second call.
            "media" => match (self.demo.media_by_id(&c.media_id), field.sub.as_deref()) {
                (Some(m), Some(sub)) if !sub.is_empty() => {
                    Some(self.render(Node::Media(m), Some(sub), true)?)
                }
                (Some(m), _) => {
                    let sub = [Field::plain("id"), Field::plain("media_product_type")];
                    Some(self.render(Node::Media(m), Some(&sub), true)?)
                }
                (None, _) => None,
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
            (Node::User(a, _), "live_media") => super::live::live_media_of(demo, &a.ig_id)
                .into_iter()
                .map(Node::Media)
                .collect(),
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
            (Node::User(a, _), "tags") => super::mentions::tagged_of(demo, &a.ig_id)
                .into_iter()
                .map(Node::Media)
                .collect(),
            (Node::User(a, _), "available_catalogs") => {
                self.require_shopping()?;
                if a.account_type == "Business" {
                    vec![Node::Catalog(&demo.catalog)]
                } else {
                    Vec::new()
                }
            }
            (Node::User(a, _), "catalog_product_search") => {
                self.require_shopping()?;
                let catalog = &demo.catalog;
                if a.account_type != "Business"
                    || self.req.param("catalog_id") != Some(catalog.catalog_id.as_str())
                {
                    return Err(GraphError::invalid_parameter(format!(
                        "(#100) catalog_id must name a catalog from available_catalogs ({} for @{}), got {:?}",
                        if a.account_type == "Business" {
                            catalog.catalog_id.as_str()
                        } else {
                            "none"
                        },
                        a.username,
                        self.req.param("catalog_id")
                    )));
                }
                let q = self.req.param("q").map(str::to_lowercase);
                catalog
                    .products
                    .iter()
                    .filter(|p| {
                        q.as_deref().is_none_or(|q| {
                            p.name.to_lowercase().contains(q)
                                || p.retailer_id.to_lowercase().contains(q)
                        })
                    })
                    .map(Node::Product)
                    .collect()
            }
            (Node::Media(m), "product_tags") => {
                self.require_shopping()?;
                m.product_tags
                    .iter()
                    .filter_map(|t| {
                        demo.catalog
                            .product(t.product_id)
                            .map(|p| Node::ProductTag(t, p))
                    })
                    .collect()
            }
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

    /// Shopping exists only on Facebook Login and needs its own permission.
    fn require_shopping(&self) -> Result<(), GraphError> {
        if self.login != Login::Facebook {
            return Err(GraphError::invalid_parameter(
                "(#100) Product tagging is only available with the Instagram API with Facebook Login",
            ));
        }
        self.require(shopping::SHOPPING_SCOPE)
    }

    fn product_image(&self, p: &ShopProduct) -> String {
        let path = format!("cdn/products/{}.jpg", p.product_id);
        self.inner
            .root
            .join(&path)
            .map(|u| u.to_string())
            .unwrap_or(path)
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
        if let (Node::Media(m), "collaborators") = (node, edge) {
            return Ok(json!({"data": m.collaborators.iter().map(|name| {
                let id = self
                    .demo
                    .account_by_username(name).map_or_else(|| format!("1784149{:010}", name_hash(name) % 10_000_000_000), |a| a.ig_id.clone());
                json!({"id": id, "username": name, "invite_status": "Pending"})
            }).collect::<Vec<_>>()}));
        }
        if let (Node::User(a, _), "product_appeal") = (node, edge) {
            self.require_shopping()?;
            let id = self
                .req
                .param("product_id")
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    GraphError::invalid_parameter("(#100) The parameter product_id is required")
                })?;
            let product = self
                .demo
                .catalog
                .product(id)
                .filter(|_| a.account_type == "Business")
                .ok_or_else(|| GraphError::unknown_object(&id.to_string()))?;
            return Ok(json!({"data": [{
                "product_id": id,
                "review_status": product.review_status,
                "eligible_for_appeal": product.review_status == "rejected",
            }]}));
        }
        if edge == "insights" {
            let scope = match self.login {
                Login::Instagram => "instagram_business_manage_insights",
                Login::Facebook => "instagram_manage_insights",
            };
            self.require(scope)?;
            return match node {
                Node::User(account, _) => insights::account_insights(&insights::AccountQuery {
                    req: self.req,
                    root: &self.inner.root,
                    token: &self.token_value,
                    seed: self.inner.seed,
                    demo: self.demo,
                    account,
                    now: self.now,
                }),
                Node::Media(m) => insights::media_insights(self.inner.seed, m, self.req, self.now),
                _ => Err(GraphError::unsupported_get(&format!(
                    "{}/insights",
                    node.id()
                ))),
            };
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

/// A stable number for a name (ids of invited collaborators outside the demo).
fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A media's legacy Instagram id (`<number>_<owner number>`, the shape of the retired
/// Instagram API): a stable function of the media and owner ids, never equal to `id`.
fn legacy_media_ig_id(m: &Media) -> String {
    let own = 1_000_000_000_000_000_000 + name_hash(&m.id) % 8_000_000_000_000_000_000;
    let owner = 1_000_000_000 + name_hash(&m.owner) % 9_000_000_000;
    format!("{own}_{owner}")
}

/// One member of a fully built JSON row: present, optional-and-absent, or unknown.
fn pick(
    full: &Value,
    name: &str,
    optional: &[&str],
    node_type: &str,
) -> Result<Option<Value>, GraphError> {
    match full.get(name) {
        Some(v) => Ok(Some(v.clone())),
        None if optional.contains(&name) => Ok(None),
        None => Err(GraphError::nonexisting_field(name, node_type)),
    }
}

/// `GET /{ig-id}/content_publishing_limit`.
fn publishing_limit(demo: &Demo, account: &Account, now: DateTime<Utc>) -> Value {
    json!({"data": [{
        "quota_usage": demo.published_in_last_day(&account.ig_id, now),
        "config": {"quota_total": demo.quota_total(account), "quota_duration": 86400},
    }]})
}
