//! Insights split by a dimension (`breakdown=`): which metric takes which breakdown, and
//! reading `total_value.breakdowns[{dimension_keys, results[{dimension_values, value}]}]`.
//!
//! Meta answers an unsupported metric/breakdown pair with "An unknown error has occurred."
//! (code 1, which the client would otherwise retry as transient), so [`check`] refuses
//! such a pair before any request, with the pairs Meta documents (seed 004) as the fix.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::insights::InsightsHandler;
use super::{ErrorKind, GraphError};
use crate::ids::{IgUserId, MediaId};
use crate::model::ProductType;

/// Where a breakdown is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `GET /<IG_ID>/insights` with `metric_type=total_value`.
    Account,
    /// `GET /<MEDIA_ID>/insights` of a media of this product type.
    Media(Option<ProductType>),
}

/// A metric with the breakdowns Meta documents for it, and where.
struct Rule {
    metric: &'static str,
    breakdowns: &'static [&'static str],
    account: bool,
    media: &'static [ProductType],
}

const DEMOGRAPHIC: &[&str] = &["age", "gender", "city", "country"];

const RULES: &[Rule] = &[
    Rule {
        metric: "profile_activity",
        breakdowns: &["action_type"],
        account: false,
        media: &[ProductType::Feed, ProductType::Story],
    },
    Rule {
        metric: "navigation",
        breakdowns: &["story_navigation_action_type"],
        account: false,
        media: &[ProductType::Story],
    },
    Rule {
        metric: "profile_links_taps",
        breakdowns: &["contact_button_type"],
        account: true,
        media: &[],
    },
    Rule {
        metric: "follows_and_unfollows",
        breakdowns: &["follow_type"],
        account: true,
        media: &[],
    },
    Rule {
        metric: "total_interactions",
        breakdowns: &["media_product_type"],
        account: true,
        media: &[],
    },
    Rule {
        metric: "reach",
        breakdowns: &["media_product_type", "follow_type"],
        account: true,
        media: &[],
    },
    Rule {
        metric: "views",
        breakdowns: &["media_product_type", "follow_type"],
        account: true,
        media: &[],
    },
    Rule {
        metric: "follower_demographics",
        breakdowns: DEMOGRAPHIC,
        account: true,
        media: &[],
    },
    Rule {
        metric: "engaged_audience_demographics",
        breakdowns: DEMOGRAPHIC,
        account: true,
        media: &[],
    },
    Rule {
        metric: "reached_audience_demographics",
        breakdowns: DEMOGRAPHIC,
        account: true,
        media: &[],
    },
];

/// True for the lifetime audience metrics that need `timeframe`.
pub fn is_demographic(metric: &str) -> bool {
    metric.ends_with("_demographics")
}

/// Every documented (metric, breakdowns) pair, for help texts.
pub fn documented_pairs() -> Vec<String> {
    RULES
        .iter()
        .map(|r| format!("{} by {}", r.metric, r.breakdowns.join("|")))
        .collect()
}

/// Refuses a breakdown Meta does not document for `metric` in `scope`, naming what works.
pub fn check(metric: &str, breakdowns: &[&str], scope: Scope) -> Result<(), GraphError> {
    let refuse = |why: String| Err(GraphError::new(ErrorKind::InvalidParameter, why));
    let Some(rule) = RULES.iter().find(|r| r.metric == metric) else {
        return refuse(format!(
            "Instagram has no breakdown of `{metric}`; documented: {}",
            documented_pairs().join(", ")
        ));
    };
    match &scope {
        Scope::Account if !rule.account => {
            return refuse(format!(
                "`{metric}` is broken down per post, not per account: give a post (--media ID)"
            ));
        }
        Scope::Media(product) => {
            if rule.media.is_empty() {
                return refuse(format!(
                    "`{metric}` is an account metric: leave out the post to break it down"
                ));
            }
            if let Some(p) = product
                && !rule.media.contains(p)
            {
                let names: Vec<&str> = rule.media.iter().map(product_name).collect();
                return refuse(format!(
                    "Instagram breaks `{metric}` down only for {} media, and this one is {}",
                    names.join(" and "),
                    product_name(p)
                ));
            }
        }
        Scope::Account => {}
    }
    let many = breakdowns.len() > 1;
    if breakdowns.is_empty()
        || (many && !is_demographic(metric))
        || breakdowns.len() > 2
        || breakdowns.iter().any(|b| !rule.breakdowns.contains(b))
    {
        let how = if is_demographic(metric) {
            " (one, or two such as age,gender)"
        } else {
            ""
        };
        return refuse(format!(
            "`{metric}` breaks down by {}{how}, not by {}",
            rule.breakdowns.join(" or "),
            if breakdowns.is_empty() {
                "nothing".to_owned()
            } else {
                breakdowns.join(",")
            }
        ));
    }
    Ok(())
}

fn product_name(p: &ProductType) -> &'static str {
    match p {
        ProductType::Feed => "FEED",
        ProductType::Story => "STORY",
        ProductType::Reels => "REELS",
        ProductType::Ad => "AD",
        ProductType::Other => "other",
    }
}

/// One metric split by one or more dimensions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub metric: String,
    /// The dimensions, in Meta's order (`["age", "gender"]`).
    pub dimension_keys: Vec<String>,
    /// `total_value.value` when Meta sent it.
    pub total: Option<u64>,
    /// One row per combination of dimension values, in Meta's order.
    pub rows: Vec<BreakdownRow>,
}

/// Values of the dimensions (as Meta spells them) and the count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub values: Vec<String>,
    pub value: u64,
}

impl Breakdown {
    /// Sum of the rows.
    pub fn sum(&self) -> u64 {
        self.rows.iter().map(|r| r.value).sum()
    }
}

/// Reads the first item of an insights answer as a [`Breakdown`] (empty when Meta sent no
/// data, as it does for a story older than 24 hours).
pub fn read(v: &Value, metric: &str) -> Result<Breakdown, GraphError> {
    let mut out = Breakdown {
        metric: metric.to_owned(),
        ..Default::default()
    };
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::decode("data", "missing or not a list"))?;
    let Some(tv) = data.first().and_then(|item| item.get("total_value")) else {
        return Ok(out);
    };
    out.total = tv.get("value").and_then(Value::as_u64);
    let Some(b) = tv
        .get("breakdowns")
        .and_then(Value::as_array)
        .and_then(|b| b.first())
    else {
        return Ok(out);
    };
    out.dimension_keys = b
        .get("dimension_keys")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let results = b.get("results").and_then(Value::as_array).ok_or_else(|| {
        GraphError::decode("data[0].total_value.breakdowns[0].results", "missing")
    })?;
    for (j, r) in results.iter().enumerate() {
        let path = format!("data[0].total_value.breakdowns[0].results[{j}]");
        let values = r
            .get("dimension_values")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .ok_or_else(|| GraphError::decode(format!("{path}.dimension_values"), "missing"))?;
        let value = r
            .get("value")
            .and_then(Value::as_u64)
            .ok_or_else(|| GraphError::decode(format!("{path}.value"), "not a count"))?;
        out.rows.push(BreakdownRow { values, value });
    }
    Ok(out)
}

impl InsightsHandler<'_> {
    /// A media metric split by `breakdown` (e.g. `profile_activity` by `action_type`).
    pub async fn media_breakdown(
        &self,
        id: &MediaId,
        product: Option<&ProductType>,
        metric: &str,
        breakdown: &str,
    ) -> Result<Breakdown, GraphError> {
        check(metric, &[breakdown], Scope::Media(product.cloned()))?;
        let params = [
            ("metric", metric.to_owned()),
            ("breakdown", breakdown.to_owned()),
        ];
        let v = self.get(&format!("{id}/insights"), &params).await?;
        read(&v, metric)
    }

    /// Ids of the account's stories still up (stories have insights for 24 hours only).
    pub async fn story_ids(&self, ig_id: &IgUserId) -> Result<Vec<MediaId>, GraphError> {
        let params = [("fields", "id".to_owned()), ("limit", "50".to_owned())];
        let v = self.get(&format!("{ig_id}/stories"), &params).await?;
        let data = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| GraphError::decode("data", "missing or not a list"))?;
        Ok(data
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str))
            .map(MediaId::from)
            .collect())
    }

    /// A lifetime audience metric by one or two of `age`, `gender`, `city`, `country`.
    pub async fn demographics_by(
        &self,
        ig_id: &IgUserId,
        metric: &str,
        breakdowns: &[&str],
        timeframe: &str,
    ) -> Result<Breakdown, GraphError> {
        check(metric, breakdowns, Scope::Account)?;
        let params = [
            ("metric", metric.to_owned()),
            ("period", "lifetime".to_owned()),
            ("metric_type", "total_value".to_owned()),
            ("timeframe", timeframe.to_owned()),
            ("breakdown", breakdowns.join(",")),
        ];
        let v = self.get(&format!("{ig_id}/insights"), &params).await?;
        read(&v, metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_pairs_pass_and_others_name_the_fix() {
        let story = Scope::Media(Some(ProductType::Story));
        let feed = Scope::Media(Some(ProductType::Feed));
        assert!(check("navigation", &["story_navigation_action_type"], story).is_ok());
        assert!(check("profile_activity", &["action_type"], feed.clone()).is_ok());
        assert!(check("follower_demographics", &["age", "gender"], Scope::Account).is_ok());
        let e = check("navigation", &["story_navigation_action_type"], feed).expect_err("feed");
        assert!(e.message.contains("only for STORY"), "{}", e.message);
        let e = check("reach", &["action_type"], Scope::Account).expect_err("pair");
        assert!(
            e.message.contains("media_product_type or follow_type"),
            "{}",
            e.message
        );
        let e = check("profile_activity", &["action_type"], Scope::Account).expect_err("scope");
        assert!(e.message.contains("--media"), "{}", e.message);
        assert!(check("likes", &["age"], Scope::Account).is_err());
    }

    #[test]
    fn reads_the_seed_example() {
        let v: Value = serde_json::from_str(
            r#"{"data":[{"name":"navigation","period":"lifetime","values":[{"value":25}],
            "total_value":{"value":25,"breakdowns":[{"dimension_keys":["story_navigation_action_type"],
            "results":[{"dimension_values":["tap_forward"],"value":19},{"dimension_values":["tap_back"],"value":4},
            {"dimension_values":["tap_exit"],"value":1},{"dimension_values":["swipe_forward"],"value":1}]}]},
            "id":"1/insights/navigation/lifetime"}]}"#,
        )
        .expect("json");
        let b = read(&v, "navigation").expect("reads");
        assert_eq!(b.total, Some(25));
        assert_eq!(b.sum(), 25);
        assert_eq!(b.rows[0].values, vec!["tap_forward".to_owned()]);
        assert_eq!(
            b.dimension_keys,
            vec!["story_navigation_action_type".to_owned()]
        );
        assert_eq!(
            read(&serde_json::json!({"data": []}), "x")
                .expect("empty")
                .rows,
            vec![]
        );
    }
}
