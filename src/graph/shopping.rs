//! Product tagging reads (Instagram Shopping, Facebook Login only): the account's
//! `shopping_product_tag_eligibility`, its `available_catalogs`, and `catalog_product_search`.
//!
//! Tags themselves travel as `product_tags` on the media container (see
//! [`super::publishing::ContainerRequest`]). The Instagram Login API has no product tagging,
//! so every call here refuses an Instagram Login session locally, with a message saying so,
//! instead of sending a request Meta would reject.

use serde_json::Value;

use super::{ErrorKind, FromGraph, GraphClient, GraphError, Page, Session};
use crate::ids::IgUserId;
use crate::model::LoginKind;

/// A catalog the account can tag products from.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogInfo {
    pub catalog_id: String,
    pub catalog_name: String,
    pub shop_name: Option<String>,
    pub product_count: Option<u64>,
}

/// One product from `catalog_product_search`.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogProduct {
    /// Sent as a string in `product_tags`; Meta answers with a number.
    pub product_id: String,
    pub product_name: String,
    pub retailer_id: Option<String>,
    pub image_url: Option<String>,
    /// `approved`, `pending`, `rejected` or `outdated`.
    pub review_status: String,
    pub is_checkout_flow: bool,
}

impl CatalogProduct {
    /// Only approved products' tags are shown by Instagram; others are published hidden.
    pub fn is_approved(&self) -> bool {
        self.review_status == "approved"
    }

    /// Why a product cannot be chosen, for the greyed-out row; `None` when it can.
    pub fn why_not_taggable(&self) -> Option<String> {
        match self.review_status.as_str() {
            "approved" => None,
            "pending" => {
                Some("under review by Meta: its tag would stay hidden until approved".into())
            }
            "rejected" => Some("rejected by Meta's review: appeal it in Commerce Manager".into()),
            "outdated" => {
                Some("edited since approval: it needs review again before it shows".into())
            }
            other => Some(format!(
                "review status `{other}`: only approved products show"
            )),
        }
    }
}

/// Ids come as numbers in answers and strings in requests: accept both.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl FromGraph for CatalogInfo {
    fn from_graph(v: Value, path: &str) -> Result<Self, GraphError> {
        Ok(Self {
            catalog_id: id_text(&v["catalog_id"])
                .ok_or_else(|| GraphError::decode(format!("{path}.catalog_id"), "missing"))?,
            catalog_name: v["catalog_name"].as_str().unwrap_or_default().to_owned(),
            shop_name: v["shop_name"].as_str().map(str::to_owned),
            product_count: v["product_count"].as_u64(),
        })
    }
}

impl FromGraph for CatalogProduct {
    fn from_graph(v: Value, path: &str) -> Result<Self, GraphError> {
        Ok(Self {
            product_id: id_text(&v["product_id"])
                .ok_or_else(|| GraphError::decode(format!("{path}.product_id"), "missing"))?,
            product_name: v["product_name"].as_str().unwrap_or_default().to_owned(),
            retailer_id: v["retailer_id"].as_str().map(str::to_owned),
            image_url: v["image_url"].as_str().map(str::to_owned),
            review_status: v["review_status"].as_str().unwrap_or_default().to_owned(),
            is_checkout_flow: v["is_checkout_flow"].as_bool().unwrap_or(false),
        })
    }
}

/// `client.shopping(&session)`.
pub struct ShoppingHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Product tagging reads (Facebook Login accounts).
    pub fn shopping<'a>(&'a self, session: &'a Session) -> ShoppingHandler<'a> {
        ShoppingHandler {
            client: self,
            session,
        }
    }
}

/// The local refusal for an Instagram Login session.
pub fn instagram_login_refusal() -> GraphError {
    GraphError::new(
        ErrorKind::InvalidParameter,
        "product tagging is only available for accounts connected with Facebook Login (the Instagram Login API has none): reconnect this account through its Facebook Page to tag products",
    )
}

impl ShoppingHandler<'_> {
    fn facebook_only(&self) -> Result<(), GraphError> {
        match self.session.login {
            LoginKind::Facebook => Ok(()),
            LoginKind::Instagram => Err(instagram_login_refusal()),
        }
    }

    /// `GET /<IG_ID>?fields=shopping_product_tag_eligibility`: true when the account has an
    /// approved Instagram Shop it can tag from.
    pub async fn eligibility(&self, ig_id: &IgUserId) -> Result<bool, GraphError> {
        self.facebook_only()?;
        let v = self
            .client
            .get_json(
                self.session,
                ig_id.as_str(),
                &[("fields", "shopping_product_tag_eligibility".to_owned())],
            )
            .await?;
        v["shopping_product_tag_eligibility"]
            .as_bool()
            .ok_or_else(|| GraphError::decode("$.shopping_product_tag_eligibility", "missing"))
    }

    /// `GET /<IG_ID>/available_catalogs`.
    pub async fn catalogs(&self, ig_id: &IgUserId) -> Result<Vec<CatalogInfo>, GraphError> {
        self.facebook_only()?;
        let v = self
            .client
            .get_json(
                self.session,
                &format!("{ig_id}/available_catalogs"),
                &[(
                    "fields",
                    "catalog_id,catalog_name,shop_name,product_count".to_owned(),
                )],
            )
            .await?;
        let first: Page<CatalogInfo> = Page::from_json(v)?;
        self.client.all_pages(self.session, first, 100).await
    }

    /// `GET /<IG_ID>/catalog_product_search?catalog_id=&q=`: tag-eligible products whose
    /// name or SKU matches `query` (all of them when it is empty). One page; pass
    /// `after` from the previous page to read on.
    pub async fn search(
        &self,
        ig_id: &IgUserId,
        catalog_id: &str,
        query: &str,
        after: Option<&str>,
    ) -> Result<Page<CatalogProduct>, GraphError> {
        self.facebook_only()?;
        let mut params = vec![
            ("catalog_id", catalog_id.to_owned()),
            (
                "fields",
                "product_id,product_name,retailer_id,image_url,review_status,is_checkout_flow"
                    .to_owned(),
            ),
        ];
        if !query.trim().is_empty() {
            params.push(("q", query.trim().to_owned()));
        }
        if let Some(a) = after {
            params.push(("after", a.to_owned()));
        }
        let v = self
            .client
            .get_json(
                self.session,
                &format!("{ig_id}/catalog_product_search"),
                &params,
            )
            .await?;
        Page::from_json(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn products_decode_numeric_ids_and_say_why_they_are_greyed() {
        let p = CatalogProduct::from_graph(
            json!({"product_id": 3231775643511089u64, "product_name": "Gummy Wombats",
                   "review_status": "pending", "is_checkout_flow": true}),
            "data[0]",
        )
        .expect("decodes");
        assert_eq!(p.product_id, "3231775643511089");
        assert!(!p.is_approved());
        assert!(
            p.why_not_taggable()
                .expect("greyed")
                .contains("under review")
        );
        let err =
            CatalogProduct::from_graph(json!({"product_name": "x"}), "data[3]").expect_err("no id");
        assert!(err.to_string().contains("data[3].product_id"), "{err}");
    }

    #[tokio::test]
    async fn instagram_login_is_refused_without_a_request() {
        let endpoints = crate::config::Endpoints::sandbox(
            &url::Url::parse("http://127.0.0.1:9/").expect("url"),
        );
        let client = GraphClient::new(endpoints).expect("client");
        let session = Session::new(LoginKind::Instagram, "token");
        let err = client
            .shopping(&session)
            .catalogs(&IgUserId::from("1"))
            .await
            .expect_err("refused");
        assert!(
            err.to_string()
                .contains("only available for accounts connected with Facebook Login"),
            "{err}"
        );
    }
}
