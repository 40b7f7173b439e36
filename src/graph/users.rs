//! The IG User node: `GET /me` (Instagram Login) and `GET /<IG_ID>` (both logins).

use serde::Deserialize;

use super::page::{decode_as, unwrap_data_list};
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{IgUserId, PageId};
use crate::model::{Account, AccountStatus, LoginKind};

/// Fields of `/me` on graph.instagram.com. `user_id` is the professional account id
/// (`<IG_ID>`); `id` there is only app-scoped.
const ME_FIELDS: &str = "user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";

/// Fields of the IG User node read by id. graph.facebook.com has no `account_type` or
/// `user_id` there, and refuses unknown fields with code 100.
const USER_FIELDS_INSTAGRAM: &str =
    "id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";
const USER_FIELDS_FACEBOOK: &str =
    "id,username,name,profile_picture_url,followers_count,follows_count,media_count";

/// An Instagram professional account's profile as the Graph API describes it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct IgProfile {
    /// The `<IG_ID>` used by every other endpoint.
    pub id: IgUserId,
    pub username: String,
    pub name: Option<String>,
    pub account_type: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: Option<u64>,
    pub follows_count: Option<u64>,
    pub media_count: Option<u64>,
}

impl IgProfile {
    /// The domain account for this profile, connected now; token dates are filled by auth.
    pub fn into_account(self, login: LoginKind, page_id: Option<PageId>, sandbox: bool) -> Account {
        Account {
            id: self.id,
            username: self.username,
            name: self.name,
            account_type: self.account_type,
            profile_picture_url: self.profile_picture_url,
            followers_count: self.followers_count,
            media_count: self.media_count,
            login,
            page_id,
            status: AccountStatus::Connected,
            sandbox,
            token_issued_at: None,
            token_expires_at: None,
        }
    }
}

/// The wire shape: `/me` names the IG id `user_id` and its `id` is app-scoped.
#[derive(Deserialize)]
struct ProfileWire {
    user_id: Option<IgUserId>,
    id: Option<IgUserId>,
    username: String,
    name: Option<String>,
    account_type: Option<String>,
    profile_picture_url: Option<String>,
    followers_count: Option<u64>,
    follows_count: Option<u64>,
    media_count: Option<u64>,
}

fn profile_from(v: serde_json::Value) -> Result<IgProfile, GraphError> {
    let (obj, path) = unwrap_data_list(v)?;
    let w: ProfileWire = decode_as(obj, path)?;
    let id = w.user_id.or(w.id).ok_or_else(|| {
        GraphError::decode(
            format!("{path}.user_id"),
            "neither `user_id` nor `id` is present",
        )
    })?;
    Ok(IgProfile {
        id,
        username: w.username,
        name: w.name,
        account_type: w.account_type,
        profile_picture_url: w.profile_picture_url,
        followers_count: w.followers_count,
        follows_count: w.follows_count,
        media_count: w.media_count,
    })
}

/// `client.users(&session)`.
pub struct UsersHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl<'a> UsersHandler<'a> {
    pub(crate) fn new(client: &'a GraphClient, session: &'a Session) -> Self {
        Self { client, session }
    }

    /// The account that owns an Instagram Login token (`GET /me`). Accepts the flat answer
    /// and the `{"data":[..]}` one.
    ///
    /// With Facebook Login `/me` is the Facebook user, not an Instagram account: use
    /// `pages().accounts()` and then [`Self::user`].
    pub async fn me(&self) -> Result<IgProfile, GraphError> {
        if self.session.login == LoginKind::Facebook {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                "with Facebook Login /me is the Facebook user: read the Pages' linked Instagram accounts instead",
            ));
        }
        let v = self
            .client
            .get_json(self.session, "me", &[("fields", ME_FIELDS.to_owned())])
            .await?;
        profile_from(v)
    }

    /// An Instagram professional account by id (`GET /<IG_ID>`).
    pub async fn user(&self, id: &IgUserId) -> Result<IgProfile, GraphError> {
        let fields = match self.session.login {
            LoginKind::Instagram => USER_FIELDS_INSTAGRAM,
            LoginKind::Facebook => USER_FIELDS_FACEBOOK,
        };
        let v = self
            .client
            .get_json(self.session, id.as_str(), &[("fields", fields.to_owned())])
            .await?;
        profile_from(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn me_accepts_flat_and_wrapped_and_prefers_user_id() {
        let flat = serde_json::json!({"id":"app-scoped","user_id":"1784","username":"northwind.coffee","followers_count":1200});
        let p = profile_from(flat).expect("flat");
        assert_eq!(p.id.as_str(), "1784");
        assert_eq!(p.followers_count, Some(1200));
        assert_eq!(p.media_count, None);
        let wrapped = serde_json::json!({"data":[{"user_id":1784,"username":"northwind.coffee"}]});
        assert_eq!(profile_from(wrapped).expect("wrapped").id.as_str(), "1784");
        let by_id = serde_json::json!({"id":"1784","username":"x"});
        assert_eq!(profile_from(by_id).expect("by id").id.as_str(), "1784");
    }

    #[test]
    fn missing_username_names_the_path() {
        let err =
            profile_from(serde_json::json!({"data":[{"user_id":"1"}]})).expect_err("no username");
        assert_eq!(
            err.kind,
            ErrorKind::Decode {
                path: "data[0]".into()
            }
        );
        assert!(err.message.contains("username"));
    }
}
