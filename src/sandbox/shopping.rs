//! Product tagging (Instagram Shopping, Facebook Login only): the demo shop's catalog,
//! tag validation for publishing, and the tag edits on published media.
//!
//! Rules from the docs: up to 20 tags on a feed post (5 per carousel slide), 30 on a reel,
//! unique product ids, `x` / `y` in 0..=1 on images only; `POST /{media}/product_tags`
//! adds or moves tags up to 5; 25 tagged posts per 24 h. Unapproved products can be tagged
//! without error (the tag just stays hidden), exactly as Meta behaves.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use serde_json::{Value, json};

use super::access::visible_ig_ids;
use super::errors::GraphError;
use super::server::Req;
use super::state::{Inner, Login, Token};

/// The permission every shopping endpoint needs.
pub const SHOPPING_SCOPE: &str = "instagram_shopping_tag_products";
/// Tagged posts an account may publish per 24 h.
pub const TAGGED_POSTS_PER_DAY: usize = 25;
/// Tags `POST /{media}/product_tags` may leave on a media.
pub const MAX_UPDATED_TAGS: usize = 5;
pub const MERCHANT_ID: u64 = 90_010_000_000_001;

/// One product of the demo catalog.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Product {
    pub product_id: u64,
    pub retailer_id: String,
    pub name: String,
    pub price_cents: u64,
    pub sale_cents: Option<u64>,
    /// `approved`, `pending`, `rejected` or `outdated`.
    pub review_status: String,
    pub is_checkout: bool,
    /// Index into the embedded photos.
    pub photo: usize,
    /// (variant product id, variant name).
    pub variants: Vec<(u64, Option<String>)>,
}

impl Product {
    pub fn price_string(&self) -> String {
        format!("${}.{:02}", self.price_cents / 100, self.price_cents % 100)
    }
}

/// The shop's catalog.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Catalog {
    pub catalog_id: String,
    pub name: String,
    pub shop_name: String,
    pub products: Vec<Product>,
}

impl Catalog {
    pub fn product(&self, id: u64) -> Option<&Product> {
        self.products
            .iter()
            .find(|p| p.product_id == id || p.variants.iter().any(|(v, _)| *v == id))
    }
}

/// A product placed on a media (coordinates only on images).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductTag {
    pub product_id: u64,
    pub x: Option<f64>,
    pub y: Option<f64>,
}

/// (retailer id, name, price in cents, sale price, review status, checkout, photo index).
type CatalogRow = (
    &'static str,
    &'static str,
    u64,
    Option<u64>,
    &'static str,
    bool,
    usize,
);

/// Northwind's shop. Fixed data: the catalog is the same for every seed.
pub fn demo_catalog() -> Catalog {
    let items: [CatalogRow; 10] = [
        (
            "nw-guji-250",
            "Ethiopia Guji, 250 g",
            1800,
            None,
            "approved",
            true,
            3,
        ),
        (
            "nw-huila-250",
            "Colombia Huila, 250 g",
            1600,
            Some(1400),
            "approved",
            true,
            3,
        ),
        (
            "nw-house-1kg",
            "House Espresso Blend, 1 kg",
            4200,
            None,
            "approved",
            true,
            3,
        ),
        (
            "nw-mug-brick",
            "Brick Red Stoneware Mug",
            2400,
            None,
            "approved",
            true,
            1,
        ),
        (
            "nw-mug-gravel",
            "Gravel Grey Stoneware Mug",
            2400,
            None,
            "approved",
            false,
            5,
        ),
        (
            "nw-coldbrew-kit",
            "Cold Brew Kit",
            3500,
            None,
            "pending",
            true,
            4,
        ),
        (
            "nw-tote",
            "Harbour Street Tote Bag",
            1500,
            None,
            "approved",
            true,
            2,
        ),
        (
            "nw-gift-card",
            "Gift Card",
            2500,
            None,
            "rejected",
            false,
            3,
        ),
        (
            "nw-decaf-250",
            "Swiss Water Decaf, 250 g",
            1700,
            None,
            "outdated",
            true,
            3,
        ),
        (
            "nw-subscription",
            "Monthly Bean Subscription",
            3900,
            Some(3500),
            "approved",
            true,
            3,
        ),
    ];
    let products = items
        .iter()
        .enumerate()
        .map(
            |(i, (retailer, name, price, sale, status, checkout, photo))| {
                let id = 3_231_775_643_511_000 + i as u64 * 17;
                let variants = if retailer.starts_with("nw-mug") {
                    vec![(id + 1, None), (id + 2, Some(format!("{name} (set of 2)")))]
                } else {
                    Vec::new()
                };
                Product {
                    product_id: id,
                    retailer_id: (*retailer).to_owned(),
                    name: (*name).to_owned(),
                    price_cents: *price,
                    sale_cents: *sale,
                    review_status: status.to_string(),
                    is_checkout: *checkout,
                    photo: *photo,
                    variants,
                }
            },
        )
        .collect();
    Catalog {
        catalog_id: "960179311066902".into(),
        name: "Northwind Coffee Catalog".into(),
        shop_name: "Northwind Coffee Shop".into(),
        products,
    }
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::invalid_parameter(message)
}

/// A number sent as a JSON number or a quoted string (the docs send strings, answer numbers).
fn as_id(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Parses and checks `product_tags` / `updated_tags`.
pub fn parse_tags(
    catalog: &Catalog,
    raw: &str,
    needs_coordinates: bool,
    max: usize,
    param: &str,
) -> Result<Vec<ProductTag>, GraphError> {
    let list: Vec<Value> = super::params::parse_list(raw).map_err(|e| {
        bad(format!(
            "(#100) {param} must be a JSON list of {{\"product_id\",\"x\",\"y\"}} objects: {e}"
        ))
    })?;
    if list.len() > max {
        return Err(bad(format!(
            "(#100) {} product tags given; at most {max} are allowed here",
            list.len()
        )));
    }
    let mut tags: Vec<ProductTag> = Vec::new();
    for item in &list {
        let id = as_id(&item["product_id"])
            .ok_or_else(|| bad(format!("(#100) Every entry of {param} needs a product_id")))?;
        if catalog.product(id).is_none() {
            return Err(bad(format!(
                "(#100) Product {id} is not in a catalog this account can tag from; search with catalog_product_search"
            )));
        }
        if tags.iter().any(|t| t.product_id == id) {
            return Err(bad(format!(
                "(#100) Product {id} is tagged twice; tags must be unique"
            )));
        }
        let coord = |axis: &str| -> Result<Option<f64>, GraphError> {
            match (item[axis].as_f64(), needs_coordinates) {
                (Some(v), true) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
                (Some(_), true) => Err(bad(format!(
                    "(#100) Product tag {id}: {axis} must be between 0.0 and 1.0 (a fraction of the published image)"
                ))),
                (None, true) => Err(bad(format!(
                    "(#100) Product tag {id} on an image needs {axis}"
                ))),
                (_, false) => Ok(None),
            }
        };
        tags.push(ProductTag {
            product_id: id,
            x: coord("x")?,
            y: coord("y")?,
        });
    }
    Ok(tags)
}

/// Merges `updated` into `existing` (moves known products, adds new ones up to 5).
pub fn apply_updates(
    existing: &mut Vec<ProductTag>,
    updated: Vec<ProductTag>,
) -> Result<(), GraphError> {
    for tag in updated {
        let count = existing.len();
        match existing.iter_mut().find(|t| t.product_id == tag.product_id) {
            Some(t) => *t = tag,
            None if count < MAX_UPDATED_TAGS => existing.push(tag),
            None => {
                return Err(bad(format!(
                    "(#100) This media already has {count} product tags; tags can be added only up to {MAX_UPDATED_TAGS}"
                )));
            }
        }
    }
    Ok(())
}

/// Parses `deleted_tags` (`[{merchant_id, product_id}]`) into product ids.
pub fn parse_deleted(raw: &str) -> Result<Vec<u64>, GraphError> {
    let list: Vec<Value> = super::params::parse_list(raw).map_err(|e| {
        bad(format!("(#100) deleted_tags must be a JSON list of {{\"merchant_id\",\"product_id\"}} objects: {e}"))
    })?;
    list.iter()
        .map(|item| {
            if as_id(&item["merchant_id"]).is_none() {
                return Err(bad(
                    "(#100) Every entry of deleted_tags needs merchant_id and product_id",
                ));
            }
            as_id(&item["product_id"]).ok_or_else(|| {
                bad("(#100) Every entry of deleted_tags needs merchant_id and product_id")
            })
        })
        .collect()
}

/// Checks login and permission for a shopping write.
fn require(login: Login, token: &Token) -> Result<(), GraphError> {
    if login != Login::Facebook {
        return Err(bad(
            "(#100) Product tagging is only available with the Instagram API with Facebook Login",
        ));
    }
    if !token.has_scope(SHOPPING_SCOPE) {
        return Err(GraphError::missing_permission(SHOPPING_SCOPE));
    }
    Ok(())
}

/// `POST /{media}/product_tags` (`updated_tags`) and `DELETE /{media}/product_tags`
/// (`deleted_tags`).
pub fn edit_tags(
    inner: &Arc<Inner>,
    req: &Req,
    login: Login,
    token: &Token,
    media_id: &str,
    delete: bool,
) -> Result<Value, GraphError> {
    require(login, token)?;
    let mut demo = inner.demo_mut();
    let visible = visible_ig_ids(&demo, token);
    let media = demo
        .media_by_id(media_id)
        .cloned()
        .ok_or_else(|| GraphError::unknown_object(media_id))?;
    if !visible.contains(&media.owner) {
        return Err(GraphError::unsupported_get(media_id).with_method(&req.method));
    }
    if media.product == super::demo::Product::Story {
        return Err(bad("(#100) Stories cannot carry product tags"));
    }
    let mut tags = media.product_tags.clone();
    if delete {
        let raw = req
            .param("deleted_tags")
            .ok_or_else(|| bad("(#100) The parameter deleted_tags is required"))?;
        let ids = parse_deleted(raw)?;
        tags.retain(|t| !ids.contains(&t.product_id));
    } else {
        let raw = req
            .param("updated_tags")
            .ok_or_else(|| bad("(#100) The parameter updated_tags is required"))?;
        let is_video = media.media_type == super::demo::MediaType::Video;
        let updated = parse_tags(
            &demo.catalog,
            raw,
            !is_video,
            MAX_UPDATED_TAGS,
            "updated_tags",
        )?;
        apply_updates(&mut tags, updated)?;
    }
    if let Some(m) = demo.media.iter_mut().find(|m| m.id == media_id) {
        m.product_tags = tags;
    }
    Ok(json!({"success": true}))
}

/// `POST /{ig-id}/product_appeal`: the appeal is received, not decided.
pub fn appeal(
    req: &Req,
    login: Login,
    token: &Token,
    catalog: &Catalog,
) -> Result<Value, GraphError> {
    require(login, token)?;
    if req
        .param("appeal_reason")
        .is_none_or(|r| r.trim().is_empty())
    {
        return Err(bad("(#100) The parameter appeal_reason is required"));
    }
    let id = req
        .param("product_id")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| bad("(#100) The parameter product_id is required"))?;
    if catalog.product(id).is_none() {
        return Err(GraphError::unknown_object(&id.to_string()));
    }
    Ok(json!({"success": true}))
}

/// A search hit (`catalog_product_search`), all documented fields.
pub fn search_hit(p: &Product, image_url: String) -> Value {
    json!({
        "product_id": p.product_id,
        "merchant_id": MERCHANT_ID,
        "product_name": p.name,
        "image_url": image_url,
        "retailer_id": p.retailer_id,
        "review_status": p.review_status,
        "is_checkout_flow": p.is_checkout,
        "product_variants": p.variants.iter().map(|(id, name)| match name {
            Some(n) => json!({"product_id": id, "variant_name": n}),
            None => json!({"product_id": id}),
        }).collect::<Vec<_>>(),
    })
}

/// A tag as `GET /{media}/product_tags` answers it.
pub fn tag_view(tag: &ProductTag, p: &Product, image_url: String) -> Value {
    let mut v = json!({
        "product_id": tag.product_id,
        "merchant_id": MERCHANT_ID,
        "name": p.name,
        "price_string": p.price_string(),
        "image_url": image_url,
        "review_status": p.review_status,
        "is_checkout": p.is_checkout,
        "stripped_price_string": p.price_string(),
    });
    if let Some(sale) = p.sale_cents {
        v["string_sale_price_string"] = json!(format!("${}.{:02}", sale / 100, sale % 100));
    }
    if let (Some(x), Some(y)) = (tag.x, tag.y) {
        // Meta stores coordinates as single precision.
        v["x"] = json!(f64::from(x as f32));
        v["y"] = json!(f64::from(y as f32));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        let c = demo_catalog();
        let id = c.products[0].product_id;
        let ok = format!(r#"[{{"product_id":"{id}","x":0.5,"y":0.8}}]"#);
        assert_eq!(
            parse_tags(&c, &ok, true, 20, "product_tags")
                .expect("valid")
                .len(),
            1
        );
        let dup = format!(
            r#"[{{"product_id":{id},"x":0.5,"y":0.8}},{{"product_id":{id},"x":0.1,"y":0.1}}]"#
        );
        assert!(parse_tags(&c, &dup, true, 20, "product_tags").is_err());
        let no_xy = format!(r#"[{{"product_id":{id}}}]"#);
        assert!(parse_tags(&c, &no_xy, true, 20, "product_tags").is_err());
        assert!(parse_tags(&c, &no_xy, false, 30, "product_tags").is_ok());
        assert!(
            parse_tags(
                &c,
                r#"[{"product_id":1,"x":0.5,"y":0.5}]"#,
                true,
                20,
                "product_tags"
            )
            .is_err()
        );
    }

    #[test]
    fn updates_cap_at_five() {
        let c = demo_catalog();
        let mut tags: Vec<ProductTag> = Vec::new();
        let new = |i: usize| ProductTag {
            product_id: c.products[i].product_id,
            x: Some(0.1),
            y: Some(0.2),
        };
        apply_updates(&mut tags, (0..5).map(new).collect()).expect("five fit");
        apply_updates(
            &mut tags,
            vec![ProductTag {
                x: Some(0.9),
                ..new(0)
            }],
        )
        .expect("moving is fine");
        assert_eq!(tags[0].x, Some(0.9));
        assert!(apply_updates(&mut tags, vec![new(6)]).is_err());
    }
}
