//! Facebook Login only: the Pages a user manages (`GET /me/accounts`) and the Instagram
//! professional account linked to each (`GET /{page-id}?fields=instagram_business_account`).

use serde::Deserialize;
use serde_json::Value;

use super::page::{FromGraph, Page, decode_as};
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{IgUserId, PageId};
use crate::model::{FacebookPage, LoginKind};

/// At most this many Pages are read; agencies rarely manage more through one user.
const MAX_PAGES: usize = 500;

#[derive(Deserialize)]
struct PageWire {
    id: PageId,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tasks: Vec<String>,
    instagram_business_account: Option<LinkedWire>,
}

#[derive(Deserialize)]
struct LinkedWire {
    id: IgUserId,
}

impl FromGraph for FacebookPage {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        let w: PageWire = decode_as(value, path)?;
        Ok(FacebookPage {
            id: w.id,
            name: w.name,
            tasks: w.tasks,
            instagram_business_account: w.instagram_business_account.map(|l| l.id),
        })
    }
}

/// `client.pages(&session)`.
pub struct PagesHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl<'a> PagesHandler<'a> {
    pub(crate) fn new(client: &'a GraphClient, session: &'a Session) -> Self {
        Self { client, session }
    }

    /// Every Page the user can act on, each with its linked Instagram account resolved
    /// (`None` when the Page has none).
    pub async fn accounts(&self) -> Result<Vec<FacebookPage>, GraphError> {
        if self.session.login != LoginKind::Facebook {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                "Pages exist only with Facebook Login: this account was connected with Instagram Login",
            ));
        }
        let v = self
            .client
            .get_json(
                self.session,
                "me/accounts",
                &[
                    ("fields", "id,name,tasks".to_owned()),
                    ("limit", "100".to_owned()),
                ],
            )
            .await?;
        let first = Page::<FacebookPage>::from_json(v)?;
        let mut pages = self
            .client
            .all_pages(self.session, first, MAX_PAGES)
            .await?;
        for page in &mut pages {
            page.instagram_business_account = self.linked_instagram(&page.id).await?;
        }
        Ok(pages)
    }

    /// The Instagram professional account linked to a Page, if any.
    pub async fn linked_instagram(&self, page: &PageId) -> Result<Option<IgUserId>, GraphError> {
        #[derive(Deserialize)]
        struct W {
            instagram_business_account: Option<LinkedWire>,
        }
        let v = self
            .client
            .get_json(
                self.session,
                page.as_str(),
                &[("fields", "instagram_business_account".to_owned())],
            )
            .await?;
        let w: W = decode_as(v, "$")?;
        Ok(w.instagram_business_account.map(|l| l.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pages_with_and_without_tasks() {
        let v = serde_json::json!({"data":[
            {"id":"134895793791914","name":"Metricsaurus","tasks":["ANALYZE","MANAGE"],"access_token":"EAA.."},
            {"id":"2","instagram_business_account":{"id":"17841405822304914"}}
        ]});
        let p = Page::<FacebookPage>::from_json(v).expect("pages");
        assert_eq!(p.items[0].tasks, vec!["ANALYZE", "MANAGE"]);
        assert_eq!(p.items[0].instagram_business_account, None);
        assert_eq!(
            p.items[1]
                .instagram_business_account
                .as_ref()
                .map(IgUserId::as_str),
            Some("17841405822304914")
        );
    }
}
