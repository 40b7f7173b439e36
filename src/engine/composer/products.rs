//! Product tagging for the Composer: is the account allowed to tag products, from which
//! catalog, and which products match the search box.
//!
//! Only accounts connected with Facebook Login can tag products (the Instagram Login API has
//! no Shopping endpoints); an Instagram Login account gets that answer locally, with no call.

use super::super::core::{Core, EngineError};
use crate::graph::ErrorKind;
use crate::graph::shopping::{CatalogInfo, CatalogProduct};
use crate::model::{Account, LoginKind};

/// What the account can do with product tags.
#[derive(Clone, Debug, PartialEq)]
pub enum ShopSetup {
    /// Connected with Instagram Login: no product tagging at all.
    InstagramLogin,
    /// `shopping_product_tag_eligibility` is false: no approved Instagram Shop.
    NotEligible,
    /// Eligible; the catalogs to search (usually one).
    Ready { catalogs: Vec<CatalogInfo> },
}

impl ShopSetup {
    /// The sentence the Composer shows when tagging is unavailable.
    pub fn explain(&self) -> Option<&'static str> {
        match self {
            Self::InstagramLogin => Some(
                "Product tags need the account connected with Facebook Login (Instagram Login has no product tagging): reconnect it through its Facebook Page in Accounts",
            ),
            Self::NotEligible => Some(
                "This account cannot tag products: Instagram reports no approved Instagram Shop with checkout for it (shopping_product_tag_eligibility is false); set one up in Commerce Manager",
            ),
            Self::Ready { catalogs } if catalogs.is_empty() => Some(
                "This account's shop has no catalog it can tag from; add one in Commerce Manager",
            ),
            Self::Ready { .. } => None,
        }
    }
}

/// A missing Shopping permission, reworded with the fix.
fn permission_fix(e: EngineError) -> EngineError {
    match &e {
        EngineError::Graph(g) if matches!(g.kind, ErrorKind::PermissionMissing { .. }) => {
            let mut g = g.clone();
            g.message = format!(
                "{}: the login did not grant instagram_shopping_tag_products / catalog_management; log in again in Accounts and allow product tagging",
                g.message
            );
            EngineError::Graph(g)
        }
        _ => e,
    }
}

impl Core {
    /// Eligibility and catalogs of `account` (two calls; none for Instagram Login).
    pub async fn shop_setup(&self, account: &Account) -> Result<ShopSetup, EngineError> {
        if account.login == LoginKind::Instagram {
            return Ok(ShopSetup::InstagramLogin);
        }
        let session = self.session(account).await?;
        let shopping = self.client().shopping(&session);
        let result = async {
            if !shopping.eligibility(&account.id).await? {
                return Ok(ShopSetup::NotEligible);
            }
            let catalogs = shopping.catalogs(&account.id).await?;
            Ok(ShopSetup::Ready { catalogs })
        }
        .await
        .map_err(|e: crate::graph::GraphError| permission_fix(e.into()));
        if let Err(e) = &result {
            self.note_error(account, e).await;
        }
        result
    }

    /// Products of `catalog_id` whose name or SKU matches `query` (first page, up to 100).
    pub async fn search_products(
        &self,
        account: &Account,
        catalog_id: &str,
        query: &str,
    ) -> Result<Vec<CatalogProduct>, EngineError> {
        if account.login == LoginKind::Instagram {
            return Err(crate::graph::shopping::instagram_login_refusal().into());
        }
        let session = self.session(account).await?;
        let result = async {
            let first = self
                .client()
                .shopping(&session)
                .search(&account.id, catalog_id, query, None)
                .await?;
            self.client().all_pages(&session, first, 100).await
        }
        .await
        .map_err(|e| permission_fix(e.into()));
        if let Err(e) = &result {
            self.note_error(account, e).await;
        }
        result
    }
}
