//! The `breakdown` parameter where `insights.rs` does not already split totals: media
//! insights (`profile_activity` by `action_type`, a story's `navigation` by
//! `story_navigation_action_type`, seed 004) and `profile_links_taps` by
//! `contact_button_type` on the account.
//!
//! Meta documents that asking a breakdown of a metric that does not support it fails with
//! "An unknown error has occurred." (code 1) — the sandbox answers exactly that, so a
//! client has to recognise it; a breakdown name Meta does not know is a plain code 100.
//! Results leave out zero rows and use lower case, as the seed's example answers do.

use serde_json::{Value, json};

use super::errors::GraphError;
use super::insights::unit;

/// Breakdowns the media insights edge knows.
pub const MEDIA_BREAKDOWNS: &[&str] = &["action_type", "story_navigation_action_type"];

/// `action_type` values (profile components tapped after seeing the media), with weights.
const ACTION_TYPES: &[(&str, f64)] = &[
    ("bio_link_clicked", 0.38),
    ("call", 0.07),
    ("direction", 0.12),
    ("email", 0.11),
    ("text", 0.09),
    ("other", 0.23),
];

/// `story_navigation_action_type` values, with weights (forward taps dominate).
const NAVIGATION_TYPES: &[(&str, f64)] = &[
    ("tap_forward", 0.72),
    ("tap_back", 0.12),
    ("tap_exit", 0.09),
    ("swipe_forward", 0.07),
];

/// `contact_button_type` values of `profile_links_taps`, with weights.
const CONTACT_BUTTONS: &[(&str, f64)] = &[
    ("BOOK_NOW", 0.05),
    ("CALL", 0.14),
    ("DIRECTION", 0.22),
    ("EMAIL", 0.2),
    ("INSTANT_EXPERIENCE", 0.02),
    ("TEXT", 0.09),
    ("UNDEFINED", 0.28),
];

/// Splits `total` over `kinds` by weight (with a per-media wobble) so the parts add up to
/// exactly `total`; zero parts are left out.
fn split(seed: u64, key: &str, total: u64, kinds: &[(&str, f64)]) -> Vec<Value> {
    let weights: Vec<f64> = kinds
        .iter()
        .enumerate()
        .map(|(i, (_, w))| w * (0.7 + 0.6 * unit(seed, key, i as i64, 77)))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as u64)
        .collect();
    let rest = total.saturating_sub(parts.iter().sum());
    if let Some(first) = parts.first_mut() {
        *first += rest;
    }
    kinds
        .iter()
        .zip(parts)
        .filter(|(_, v)| *v > 0)
        .map(|((k, _), v)| json!({"dimension_values": [k], "value": v}))
        .collect()
}

/// `total_value` of one media metric with the requested breakdowns.
pub fn media_total_value(
    seed: u64,
    media_id: &str,
    metric: &str,
    value: u64,
    breakdowns: &[String],
) -> Result<Value, GraphError> {
    let mut out = Vec::new();
    for b in breakdowns {
        let kinds = match (b.as_str(), metric) {
            ("action_type", "profile_activity") => ACTION_TYPES,
            ("story_navigation_action_type", "navigation") => NAVIGATION_TYPES,
            // Documented: an incompatible metric answers "An unknown error has occurred."
            _ => {
                let mut e = GraphError::oauth(1, "An unknown error has occurred.");
                e.user_msg = Some(format!(
                    "The breakdown {b} is not available for the metric {metric}: media insights break down profile_activity by action_type and navigation by story_navigation_action_type."
                ));
                return Err(e);
            }
        };
        out.push(json!({
            "dimension_keys": [b],
            "results": split(seed, &format!("{media_id}/{b}"), value, kinds),
        }));
    }
    Ok(json!({"value": value, "breakdowns": out}))
}

/// `profile_links_taps` split by contact button over a range of `days` days.
pub fn contact_buttons(total: u64, days: u64) -> Vec<Value> {
    split(0, &format!("contact/{days}"), total, CONTACT_BUTTONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up_and_zero_rows_are_left_out() {
        for total in [0u64, 1, 4, 25, 1234] {
            let rows = split(42, "m1", total, ACTION_TYPES);
            let sum: u64 = rows.iter().map(|r| r["value"].as_u64().unwrap_or(0)).sum();
            assert_eq!(sum, total);
            assert!(rows.iter().all(|r| r["value"].as_u64() > Some(0)));
        }
    }

    #[test]
    fn incompatible_metric_is_metas_unknown_error() {
        let err = media_total_value(1, "m", "reach", 10, &["action_type".to_owned()])
            .expect_err("reach has no action_type");
        assert_eq!(err.code, 1);
        assert_eq!(err.message, "An unknown error has occurred.");
        assert!(
            err.user_msg
                .is_some_and(|m| m.contains("profile_activity by action_type"))
        );
    }
}
