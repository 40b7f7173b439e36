//! The Graph API client for both hosts (graph.instagram.com and graph.facebook.com).
//!
//! Shaped like octocrab: one [`GraphClient`] (cheap to clone) and a handler per resource,
//! reached with the [`Session`] of the account to act as:
//! `client.media(&session).list(&ig_id).limit(25).send().await`. The client owns versioned
//! base URLs, bearer authentication with `appsecret_proof`, cursor paging, error mapping
//! ([`GraphError`]), bounded retries with backoff, and slowing down when Meta's usage
//! headers near the limit.

pub mod breakdowns;
mod client;
pub mod comments;
pub mod discovery;
mod error;
#[cfg(test)]
mod fuzz;
pub mod hashtags;
pub mod http;
pub mod insights;
pub mod live;
pub mod locations;
pub mod media;
pub mod messages;
mod page;
pub mod pages;
pub mod publishing;
mod retry;
pub mod rupload;
mod session;
pub mod shopping;
mod time;
pub mod tokens;
mod usage;
pub mod users;

pub use client::GraphClient;
pub use error::{ErrorKind, GraphError};
pub use http::HttpClients;
pub use media::{ListMedia, MediaHandler};
pub use page::{FromGraph, MAX_PAGES, Page, PageGuard, PagingError};
pub use pages::PagesHandler;
pub use retry::RetryPolicy;
pub use session::{Session, appsecret_proof};
pub use time::parse_graph_time;
pub use tokens::{TokenGrant, TokensHandler};
pub use usage::{ThrottlePolicy, parse_usage_headers};
pub use users::{IgProfile, UsersHandler};

impl GraphClient {
    /// The IG User node (`/me`, `/<IG_ID>`).
    pub fn users<'a>(&'a self, session: &'a Session) -> UsersHandler<'a> {
        UsersHandler::new(self, session)
    }

    /// The media edge and node.
    pub fn media<'a>(&'a self, session: &'a Session) -> MediaHandler<'a> {
        MediaHandler::new(self, session)
    }

    /// Facebook Pages and their linked Instagram accounts (Facebook Login).
    pub fn pages<'a>(&'a self, session: &'a Session) -> PagesHandler<'a> {
        PagesHandler::new(self, session)
    }

    /// Token exchanges and refresh (no session: these calls carry their own credentials).
    pub fn tokens(&self) -> TokensHandler<'_> {
        TokensHandler::new(self)
    }
}
