//! The Research tab's tracked competitors: their latest followers, posts per week and
//! likes + comments per post beside the account's own, and a small chart of each over time
//! (followers by default; posts per week or engagement per post on request). Snapshots are taken by the engine (once a day, when the tab opens); this
//! only draws the board it sends and emits Untrack.

use egui::{Color32, RichText};
use egui_plot::{Line, Plot, PlotPoint, PlotPoints};

use super::insights::format_count;
use super::insights_charts::day_x;
use super::theme;
use crate::engine::Command;
use crate::engine::competitors::{CompetitorBoard, SnapshotFailure};
use crate::engine::research::ResearchCommand;
use crate::ids::IgUserId;
use crate::store::CompetitorSnapshot;

/// The heading of the tracked list (a test finds the section by it).
pub const TRACKED_HEADING: &str = "Tracked competitors";
/// The id salt of each competitor's chart: `(COMPETITOR_CHART, username)`.
pub const COMPETITOR_CHART: &str = "competitor_chart";

/// What the competitors' charts show over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChartMetric {
    #[default]
    Followers,
    PostsPerWeek,
    EngagementPerPost,
}

impl ChartMetric {
    pub const ALL: [ChartMetric; 3] = [
        ChartMetric::Followers,
        ChartMetric::PostsPerWeek,
        ChartMetric::EngagementPerPost,
    ];

    /// The selector's label, and the chart caption after the username.
    pub fn label(self) -> &'static str {
        match self {
            ChartMetric::Followers => "followers",
            ChartMetric::PostsPerWeek => "posts per week",
            ChartMetric::EngagementPerPost => "likes + comments per post",
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn value(self, s: &CompetitorSnapshot) -> Option<f64> {
        match self {
            ChartMetric::Followers => s.followers_count.map(|n| n as f64),
            ChartMetric::PostsPerWeek => Some(f64::from(s.posts_last_7_days)),
            ChartMetric::EngagementPerPost => s.engagement_per_post,
        }
    }
}

/// The points of `metric`'s chart: one per day that has the figure.
pub fn metric_points(history: &[CompetitorSnapshot], metric: ChartMetric) -> Vec<PlotPoint> {
    history
        .iter()
        .filter_map(|s| metric.value(s).map(|v| PlotPoint::new(day_x(s.day), v)))
        .collect()
}

/// The points of a followers-over-time chart: one per day with a followers count.
pub fn follower_points(history: &[CompetitorSnapshot]) -> Vec<PlotPoint> {
    metric_points(history, ChartMetric::Followers)
}

/// The tracked list's state.
#[derive(Default)]
pub struct CompetitorsPanel {
    board: Option<CompetitorBoard>,
    /// Each competitor's chart points, built when the board arrives.
    points: Vec<(String, Vec<PlotPoint>)>,
    failures: Vec<SnapshotFailure>,
    error: Option<String>,
    metric: ChartMetric,
    /// A Track or Untrack sent and not answered yet.
    pub(super) busy: bool,
}

impl CompetitorsPanel {
    /// A new board from the engine.
    pub fn set_board(&mut self, board: CompetitorBoard, failures: Vec<SnapshotFailure>) {
        self.board = Some(board);
        self.rebuild_points();
        self.failures = failures;
        self.busy = false;
    }

    fn rebuild_points(&mut self) {
        let metric = self.metric;
        self.points = self.board.as_ref().map_or_else(Vec::new, |b| {
            b.tracked
                .iter()
                .map(|t| (t.username.clone(), metric_points(&t.history, metric)))
                .collect()
        });
    }

    /// A Track, Untrack or load that failed.
    pub fn set_error(&mut self, message: String) {
        self.error = Some(message);
        self.busy = false;
    }

    /// True when `username` is tracked.
    pub fn is_tracked(&self, username: &str) -> bool {
        self.board.as_ref().is_some_and(|b| {
            b.tracked
                .iter()
                .any(|t| t.username.eq_ignore_ascii_case(username))
        })
    }

    /// Sends Track for `username` (the lookup's button).
    pub fn track(&mut self, account: &IgUserId, username: &str, commands: &mut Vec<Command>) {
        self.busy = true;
        self.error = None;
        commands.push(Command::Research(ResearchCommand::Track {
            account: account.clone(),
            username: username.to_owned(),
        }));
    }

    /// Draws the tracked list, or nothing before the first board arrives.
    pub fn panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        own_username: &str,
        account: &IgUserId,
        commands: &mut Vec<Command>,
    ) {
        if let Some(error) = &self.error {
            ui.label(RichText::new(super::capitalise(error)).color(theme::danger(ui)));
        }
        let Some(board) = &self.board else {
            return;
        };
        ui.add_space(8.0);
        ui.label(RichText::new(TRACKED_HEADING).strong());
        if board.tracked.is_empty() {
            ui.label(
                RichText::new(
                    "Look an account up and press Track to follow its figures day by day.",
                )
                .color(theme::muted(ui)),
            );
            return;
        }
        for f in &self.failures {
            ui.label(
                RichText::new(format!("Today's snapshot failed for {f}")).color(theme::danger(ui)),
            );
        }
        let mut untrack = None;
        egui::Grid::new("tracked_competitors")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for h in [
                    "Account",
                    "Followers",
                    "Posts / week",
                    "Eng. / post",
                    "As of",
                ] {
                    ui.label(RichText::new(h).color(theme::muted(ui)));
                }
                ui.end_row();
                figures_row(ui, &format!("@{own_username} (you)"), board.own.as_ref());
                ui.end_row();
                for t in &board.tracked {
                    figures_row(ui, &format!("@{}", t.username), t.latest());
                    if ui
                        .add_enabled(!self.busy, egui::Button::new("Untrack").small())
                        .on_hover_text(format!(
                            "Stop tracking @{} and forget its history",
                            t.username
                        ))
                        .clicked()
                    {
                        untrack = Some(t.username.clone());
                    }
                    ui.end_row();
                }
            });
        let mut metric = self.metric;
        ui.horizontal(|ui| {
            ui.label(RichText::new("Chart").color(theme::muted(ui)));
            for m in ChartMetric::ALL {
                ui.selectable_value(&mut metric, m, m.label());
            }
        });
        for (username, points) in &self.points {
            metric_chart(ui, username, self.metric, points);
        }
        if metric != self.metric {
            self.metric = metric;
            self.rebuild_points();
        }
        if let Some(username) = untrack {
            self.busy = true;
            commands.push(Command::Research(ResearchCommand::Untrack {
                account: account.clone(),
                username,
            }));
        }
    }
}

fn figures_row(ui: &mut egui::Ui, name: &str, s: Option<&CompetitorSnapshot>) {
    ui.label(name);
    let Some(s) = s else {
        ui.label(RichText::new("no snapshot yet").color(theme::muted(ui)));
        for _ in 0..3 {
            ui.label("");
        }
        return;
    };
    ui.label(s.followers_count.map_or("-".to_owned(), format_count));
    ui.label(s.posts_last_7_days.to_string());
    ui.label(
        s.engagement_per_post
            .map_or("-".to_owned(), |e| format!("{e:.1}")),
    );
    ui.label(RichText::new(s.day.format("%b %d").to_string()).color(theme::muted(ui)));
}

fn metric_chart(ui: &mut egui::Ui, username: &str, metric: ChartMetric, points: &[PlotPoint]) {
    ui.add_space(4.0);
    ui.label(RichText::new(format!("@{username} {}", metric.label())).small());
    if points.len() < 2 {
        ui.label(
            RichText::new("The chart fills in as a snapshot is taken each day.")
                .small()
                .color(theme::muted(ui)),
        );
        return;
    }
    Plot::new((COMPETITOR_CHART, username))
        .height(90.0)
        .width(ui.available_width().min(480.0))
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .y_axis_min_width(48.0)
        .x_axis_formatter(|mark, _| {
            chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .map(|d| {
                    #[allow(clippy::cast_possible_truncation)]
                    let days = mark.value.round() as i64;
                    (d + chrono::Duration::days(days))
                        .format("%b %d")
                        .to_string()
                })
                .unwrap_or_default()
        })
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new(format!("@{username}"), PlotPoints::Borrowed(points))
                    .color(Color32::from_rgb(88, 166, 255)),
            );
        });
}
