//! `socialdesk insights …`: account and media insights from the command line.
//!
//! `insights account` prints range totals and daily series as a table; `--csv` and `--json`
//! print one table of daily rows with every metric asked for (a metric Meta only totals is
//! read one day at a time, so it is never dropped or split into a second table).
//! `insights media ID` prints one post's insights.
//! Metrics Meta retired are never requested and are printed as "no longer provided".

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::engine::Core;
use crate::engine::insights::csv as insights_csv;
use crate::engine::insights::{DailySeries, DateRange};
use crate::graph::insights::{MediaInsights, is_deprecated};
use crate::ids::MediaId;
use crate::model::Account;

use super::output::print_json;
use super::pick_account;

/// Metrics that have a daily time series; any other metric is totalled over the range.
const SERIES: &[&str] = &["reach", "follower_count"];

/// The `insights` subcommands.
#[derive(Debug, Subcommand)]
pub enum InsightsCommand {
    /// Account metrics over a range: daily series and totals.
    Account {
        /// Account id or @username (default: the active account).
        #[arg(long)]
        account: Option<String>,
        /// First day, YYYY-MM-DD (default: 30 days before --until).
        #[arg(long)]
        since: Option<NaiveDate>,
        /// Day after the last one, YYYY-MM-DD (default: today; today's data is not final).
        #[arg(long)]
        until: Option<NaiveDate>,
        /// Metrics, comma-separated or repeated (default: reach, follower_count, views,
        /// accounts_engaged, total_interactions, profile_links_taps).
        #[arg(long = "metric", value_delimiter = ',')]
        metrics: Vec<String>,
        /// Print CSV instead of a table: one row per day, `date,<metric>,…`, a column for
        /// every metric asked (a metric Meta only totals is read day by day).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print JSON: the range totals and the same daily rows as `--csv`.
        #[arg(long)]
        json: bool,
    },
    /// One metric split by a dimension, as Meta documents it: a post's `profile_activity`
    /// by `action_type`, a story's `navigation` by `story_navigation_action_type` (with
    /// --media), the account's `profile_links_taps` by `contact_button_type`, or an audience
    /// (`follower_demographics`, `engaged_audience_demographics`,
    /// `reached_audience_demographics`) by `age`, `gender`, `city`, `country` or two of them.
    Breakdown {
        /// The metric, e.g. profile_activity or follower_demographics.
        #[arg(long)]
        metric: String,
        /// The dimension(s), comma-separated (age,gender).
        #[arg(long = "by", value_delimiter = ',', required = true)]
        by: Vec<String>,
        /// A post or story id: break down that media's metric instead of the account's.
        #[arg(long)]
        media: Option<String>,
        /// Account id or @username (default: the active account).
        #[arg(long)]
        account: Option<String>,
        /// Account totals: the last N days (1–30).
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Audience metrics: this_week or this_month.
        #[arg(long, default_value = "this_month")]
        timeframe: String,
        /// Print CSV: a column per dimension, then the value.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print JSON: `{metric, dimension_keys, total, rows[{values, value}]}`.
        #[arg(long)]
        json: bool,
    },
    /// One media's lifetime insights.
    Media {
        /// The media id.
        id: String,
        /// Account id or @username that owns it (default: the active account).
        #[arg(long)]
        account: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one subcommand against the engine core.
pub async fn run(core: Arc<Core>, command: InsightsCommand) -> Result<()> {
    match command {
        InsightsCommand::Account {
            account,
            since,
            until,
            metrics,
            csv,
            json,
        } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let until = until.unwrap_or_else(|| core.now().date_naive());
            let since = since.unwrap_or(until - chrono::Duration::days(30));
            if since >= until {
                bail!("--since ({since}) must be before --until ({until})");
            }
            let metrics: Vec<String> = if metrics.is_empty() {
                [
                    "reach",
                    "follower_count",
                    "views",
                    "accounts_engaged",
                    "total_interactions",
                    "profile_links_taps",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
            } else {
                metrics
                    .iter()
                    .map(|m| m.trim().to_ascii_lowercase())
                    .collect()
            };
            let format = match (csv, json) {
                (true, _) => Format::Csv,
                (false, true) => Format::Json,
                (false, false) => Format::Table,
            };
            account_insights(
                &core,
                &account,
                DateRange { since, until },
                &metrics,
                format,
            )
            .await
        }
        InsightsCommand::Breakdown {
            metric,
            by,
            media,
            account,
            days,
            timeframe,
            csv,
            json,
        } => {
            if !(1..=30).contains(&days) {
                bail!("--days must be 1 to 30 (Meta's longest range per request), got {days}");
            }
            if !["this_week", "this_month"].contains(&timeframe.as_str()) {
                bail!(
                    "--timeframe must be this_week or this_month (Meta retired the others in v20.0)"
                );
            }
            let account = pick_account(&core, account.as_deref()).await?;
            let metric = metric.trim().to_ascii_lowercase();
            let by: Vec<String> = by.iter().map(|b| b.trim().to_ascii_lowercase()).collect();
            let by: Vec<&str> = by.iter().map(String::as_str).collect();
            let media = media.map(|m| MediaId::from(m.trim()));
            let b = core
                .breakdown(&account, &metric, &by, media.as_ref(), days, &timeframe)
                .await
                .with_context(|| format!("could not break {metric} down by {}", by.join(",")))?;
            if csv {
                print!("{}", insights_csv::breakdown_csv(&b));
            } else if json {
                print_json(&serde_json::to_value(&b)?)?;
            } else {
                println!(
                    "{} by {}{}",
                    b.metric,
                    b.dimension_keys.join(" × "),
                    b.total.map(|t| format!(" (total {t})")).unwrap_or_default()
                );
                if b.rows.is_empty() {
                    println!(
                        "no data (a story's insights last 24 hours; small accounts have no audience data)"
                    );
                }
                for r in &b.rows {
                    println!("{:<32} {:>10}", r.values.join(" / "), r.value);
                }
            }
            Ok(())
        }
        InsightsCommand::Media { id, account, json } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let session = core.session(&account).await?;
            let media = core
                .client()
                .media(&session)
                .get(&MediaId::from(id.as_str()))
                .await
                .with_context(|| format!("could not read media {id}"))?;
            let (insights, gone) = core.media_insights(&account, &media).await?;
            if json {
                let v = serde_json::json!({"id": id, "insights": insights, "gone": gone});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_media(&id, &insights);
                for g in gone {
                    println!("{g:<22} no longer provided by Instagram");
                }
            }
            Ok(())
        }
    }
}

/// How `insights account` prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Csv,
    Json,
}

async fn account_insights(
    core: &Core,
    account: &Account,
    range: DateRange,
    metrics: &[String],
    format: Format,
) -> Result<()> {
    let session = core.session(account).await?;
    let insights = core.client().insights(&session);
    let mut gone: Vec<String> = metrics
        .iter()
        .filter(|m| is_deprecated(m))
        .cloned()
        .collect();
    let live: Vec<&str> = metrics
        .iter()
        .filter(|m| !is_deprecated(m))
        .map(String::as_str)
        .collect();
    let series_metrics: Vec<&str> = live
        .iter()
        .copied()
        .filter(|m| SERIES.contains(m))
        .collect();
    let total_metrics: Vec<&str> = live
        .iter()
        .copied()
        .filter(|m| !SERIES.contains(m))
        .collect();

    let mut series = Vec::new();
    for m in &series_metrics {
        let mut since = range.since;
        if *m == "follower_count" {
            let floor = core.now().date_naive()
                - chrono::Duration::days(crate::graph::insights::FOLLOWER_COUNT_DAYS);
            since = since.max(floor);
            if since >= range.until {
                eprintln!("follower_count: Instagram serves only the last 30 days");
                continue;
            }
        }
        let set = insights
            .account_series(&account.id, &[m], since, range.until)
            .await?;
        gone.extend(set.gone);
        for (metric, days) in set.series {
            series.push(DailySeries {
                label: metric.clone(),
                metric,
                points: days.into_iter().collect(),
            });
        }
    }
    let totals = if total_metrics.is_empty() {
        Default::default()
    } else {
        insights
            .account_totals(&account.id, &total_metrics, range.since, range.until, None)
            .await?
    };
    gone.extend(totals.gone.iter().cloned());

    let pairs: Vec<(String, u64)> = totals
        .totals
        .iter()
        .map(|t| (t.metric.clone(), t.value))
        .collect();
    if format != Format::Table {
        // One table: the totalled metrics read day by day beside the daily series, in the
        // order they were asked for.
        let (daily_totals, now_gone) =
            daily_totals(&insights, account, &total_metrics, range).await?;
        gone.extend(now_gone);
        series.extend(daily_totals);
        series.sort_by_key(|s| live.iter().position(|m| *m == s.metric));
    }
    gone.sort();
    gone.dedup();
    match format {
        Format::Csv => print!("{}", insights_csv::series_csv(&series)),
        Format::Json => print_json(&serde_json::json!({
            "account": account.username,
            "since": range.since,
            "until": range.until,
            "totals": pairs.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "daily": daily_rows(&series),
            "gone": gone,
        }))?,
        Format::Table => {
            println!(
                "@{} insights, {} to {} ({} days)",
                account.username,
                range.since,
                range.until - chrono::Duration::days(1),
                range.days()
            );
            for (metric, value) in &pairs {
                println!("{metric:<22} {value:>12}");
            }
            if !series.is_empty() {
                print!("\n{}", insights_csv::series_csv(&series).replace(',', "\t"));
            }
        }
    }
    for g in gone {
        eprintln!("{g}: no longer provided by Instagram");
    }
    Ok(())
}

/// `metrics` (totalled by Meta, no daily series) read one day at a time over `range`, as
/// daily series; plus the metrics Meta said are gone.
async fn daily_totals(
    insights: &crate::graph::insights::InsightsHandler<'_>,
    account: &Account,
    metrics: &[&str],
    range: DateRange,
) -> Result<(Vec<DailySeries>, Vec<String>)> {
    let mut asked: Vec<&str> = metrics.to_vec();
    let mut points: std::collections::BTreeMap<String, Vec<(NaiveDate, u64)>> = asked
        .iter()
        .map(|m| ((*m).to_owned(), Vec::new()))
        .collect();
    let mut gone = Vec::new();
    let mut day = range.since;
    while day < range.until && !asked.is_empty() {
        let next = day + chrono::Duration::days(1);
        let set = insights
            .account_totals(&account.id, &asked, day, next, None)
            .await?;
        asked.retain(|m| !set.gone.iter().any(|g| g == m));
        for t in set.totals {
            points.entry(t.metric).or_default().push((day, t.value));
        }
        gone.extend(set.gone);
        day = next;
    }
    let series = points
        .into_iter()
        .filter(|(metric, _)| !gone.contains(metric))
        .map(|(metric, points)| DailySeries {
            label: metric.clone(),
            metric,
            points,
        })
        .collect();
    Ok((series, gone))
}

/// The daily rows of `--json`: `{"date": …, "<metric>": value, …}`, a metric left out on a
/// day Meta sent nothing for it (as the CSV leaves the cell empty).
fn daily_rows(series: &[DailySeries]) -> Vec<serde_json::Value> {
    let mut days: std::collections::BTreeMap<
        NaiveDate,
        serde_json::Map<String, serde_json::Value>,
    > = std::collections::BTreeMap::new();
    for s in series {
        for (day, value) in &s.points {
            days.entry(*day)
                .or_default()
                .insert(s.metric.clone(), (*value).into());
        }
    }
    days.into_iter()
        .map(|(day, mut row)| {
            row.insert("date".into(), day.to_string().into());
            serde_json::Value::Object(row)
        })
        .collect()
}

fn print_media(id: &str, i: &MediaInsights) {
    println!("media {id}");
    let rows = [
        ("reach", i.reach),
        ("views", i.views),
        ("likes", i.likes),
        ("comments", i.comments),
        ("shares", i.shares),
        ("saves", i.saved),
        ("total_interactions", i.total_interactions),
        ("reels_watch_time_ms", i.reels_watch_time_ms),
        ("reels_avg_watch_ms", i.reels_avg_watch_ms),
    ];
    for (name, v) in rows {
        if let Some(v) = v {
            println!("{name:<22} {v:>12}");
        }
    }
}
