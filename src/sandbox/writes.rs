//! Graph writes (POST / DELETE): content publishing and comment moderation.
//! (filled in below)

use std::sync::Arc;

use serde_json::Value;

use super::errors::GraphError;
use super::server::Req;
use super::state::{Inner, Login, Token};

/// Dispatches a non-GET Graph call.
pub fn handle(
    _inner: &Arc<Inner>,
    req: &Req,
    _login: Login,
    path: &[&str],
    _token: &Token,
) -> Result<Value, GraphError> {
    Err(GraphError::unsupported_get(&path.join("/")).with_method(&req.method))
}
