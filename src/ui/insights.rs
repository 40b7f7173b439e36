//! The Insights tab: the account overview (range picker, KPI cards, charts, audience, best
//! times to post) and the sortable per-post table, with CSV and PNG exports.
//!
//! State lives here; drawing of cards and charts is in `insights_charts`. Data arrives as
//! [`InsightsEvent`]s (cached first, then fresh); the tab never does IO itself: exports ask
//! a [`SaveDialog`] for a path and let the engine write the bytes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use egui::RichText;

use crate::engine::Command;
use crate::engine::insights::breakdowns::BreakdownSet;
use crate::engine::insights::{DateRange, InsightsCommand, InsightsEvent, MediaRow, Overview};
use crate::graph::insights::MediaInsights;
use crate::ids::{IgUserId, MediaId};
use crate::model::Media;

use super::TabContext;
use super::insights_charts::{self, ChartData};
use super::insights_export::{self, RfdSaveDialog, SaveDialog};
use super::pending::{Pending, Poll};

/// The preset ranges, in days.
pub const PRESETS: [u32; 3] = [7, 30, 90];

/// The caveats Meta documents, shown under the range picker.
pub const CAVEATS: &str = "Data can be up to 48 hours late. Demographics and online followers need at least 100 followers. Story insights last only 24 hours.";

/// Which range the user picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeChoice {
    Last(u32),
    Custom,
}

/// Which half of the tab is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Overview,
    Posts,
    /// Metrics split by type, age, gender, place (`insights_breakdowns`).
    Breakdowns,
}

/// Columns of the per-post table that sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    Date,
    Reach,
    Views,
    Likes,
    Comments,
    Shares,
    Saves,
    Interactions,
    WatchTime,
}

impl SortColumn {
    pub const ALL: [SortColumn; 9] = [
        SortColumn::Date,
        SortColumn::Reach,
        SortColumn::Views,
        SortColumn::Likes,
        SortColumn::Comments,
        SortColumn::Shares,
        SortColumn::Saves,
        SortColumn::Interactions,
        SortColumn::WatchTime,
    ];
    pub fn title(self) -> &'static str {
        match self {
            SortColumn::Date => "Date",
            SortColumn::Reach => "Reach",
            SortColumn::Views => "Views",
            SortColumn::Likes => "Likes",
            SortColumn::Comments => "Comments",
            SortColumn::Shares => "Shares",
            SortColumn::Saves => "Saves",
            SortColumn::Interactions => "Interactions",
            SortColumn::WatchTime => "Watch time",
        }
    }
    fn key(self, r: &MediaRow) -> i64 {
        let i = &r.insights;
        let n = |v: Option<u64>| v.map_or(-1, |v| v as i64);
        match self {
            SortColumn::Date => r.media.timestamp.timestamp(),
            SortColumn::Reach => n(i.reach),
            SortColumn::Views => n(i.views),
            SortColumn::Likes => n(i.likes),
            SortColumn::Comments => n(i.comments),
            SortColumn::Shares => n(i.shares),
            SortColumn::Saves => n(i.saved),
            SortColumn::Interactions => n(i.total_interactions),
            SortColumn::WatchTime => n(i.reels_watch_time_ms),
        }
    }
}

/// A chart picture being taken: the screenshot arrives a frame later.
/// What to do once the save dialog answered.
enum SaveJob {
    Csv(Vec<u8>),
    Png(&'static str),
}

struct PendingPng {
    path: PathBuf,
    chart: &'static str,
    /// Filled by egui's screenshot callback.
    shot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
}

/// The Insights tab's state.
pub struct InsightsTab {
    account: Option<IgUserId>,
    section: Section,
    choice: RangeChoice,
    range: Option<DateRange>,
    custom_since: String,
    custom_until: String,
    overview: Option<Overview>,
    charts: ChartData,
    rows: Vec<MediaRow>,
    rows_from_cache: bool,
    sort: (SortColumn, bool),
    loading: bool,
    error: Option<String>,
    notice: Option<String>,
    dialog: Box<dyn SaveDialog>,
    /// An export waiting for the user to pick where to save it.
    pending_save: Option<(Pending<Option<PathBuf>>, SaveJob)>,
    pending_png: Option<PendingPng>,
    /// The insights of the post open in the Feed's detail panel.
    post: Option<(MediaId, PostInsights)>,
    /// The Breakdowns section, asked the first time it is opened.
    breakdowns: Option<BreakdownSet>,
    breakdowns_loading: bool,
}

/// Where the detail panel's insights stand.
#[derive(Clone, Debug, PartialEq)]
pub enum PostInsights {
    Loading,
    Loaded(MediaInsights, Vec<String>),
    Failed(String),
}

impl Default for InsightsTab {
    fn default() -> Self {
        Self::with_dialog(Box::new(RfdSaveDialog))
    }
}

/// Thousands separators: 12345 → "12,345".
pub fn format_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl InsightsTab {
    /// A tab whose exports ask `dialog` for the path (tests pass a fake).
    pub fn with_dialog(dialog: Box<dyn SaveDialog>) -> Self {
        Self {
            account: None,
            section: Section::Overview,
            choice: RangeChoice::Last(30),
            range: None,
            custom_since: String::new(),
            custom_until: String::new(),
            overview: None,
            charts: ChartData::default(),
            rows: Vec::new(),
            rows_from_cache: false,
            sort: (SortColumn::Date, true),
            loading: false,
            error: None,
            notice: None,
            dialog,
            pending_save: None,
            pending_png: None,
            post: None,
            breakdowns: None,
            breakdowns_loading: false,
        }
    }

    /// The overview shown, if any.
    pub fn overview(&self) -> Option<&Overview> {
        self.overview.as_ref()
    }

    /// How many series the line chart drew in the last frame.
    pub fn drawn_series(&self) -> usize {
        self.charts.drawn_series
    }

    /// The Breakdowns section shown, if any.
    pub fn breakdowns(&self) -> Option<&BreakdownSet> {
        self.breakdowns.as_ref()
    }

    /// The per-post rows in their shown (sorted) order.
    pub fn rows(&self) -> &[MediaRow] {
        &self.rows
    }

    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: InsightsEvent) {
        match event {
            InsightsEvent::Overview(o) => {
                if Some(&o.account) != self.account.as_ref()
                    || Some(o.range) != self.range && self.range.is_some()
                {
                    return;
                }
                if !o.from_cache {
                    self.loading = false;
                    self.error = None;
                }
                self.charts.set(&o);
                self.overview = Some(*o);
            }
            InsightsEvent::MediaTable {
                account,
                rows,
                from_cache,
            } => {
                if Some(&account) == self.account.as_ref() {
                    self.rows = rows;
                    self.rows_from_cache = from_cache;
                    self.sort_rows();
                }
            }
            InsightsEvent::Breakdowns(set) => {
                if Some(&set.account) == self.account.as_ref() {
                    if !set.from_cache {
                        self.breakdowns_loading = false;
                    }
                    self.breakdowns = Some(*set);
                }
            }
            InsightsEvent::MediaInsights {
                media,
                insights,
                gone,
            } => {
                if self.post.as_ref().is_some_and(|(id, _)| *id == media) {
                    self.post = Some((media, PostInsights::Loaded(insights, gone)));
                }
            }
            InsightsEvent::MediaInsightsFailed { media, message } => {
                if self.post.as_ref().is_some_and(|(id, _)| *id == media) {
                    self.post = Some((media, PostInsights::Failed(message)));
                }
            }
            InsightsEvent::Failed { account, message } => {
                if Some(&account) == self.account.as_ref() {
                    self.loading = false;
                    self.breakdowns_loading = false;
                    self.error = Some(message);
                }
            }
            InsightsEvent::Exported { path, error } => {
                self.notice = Some(match error {
                    None => format!("Saved {}", path.display()),
                    Some(e) => e,
                });
            }
        }
    }

    fn sort_rows(&mut self) {
        let (col, desc) = self.sort;
        self.rows.sort_by(|a, b| {
            let o = col.key(a).cmp(&col.key(b));
            if desc { o.reverse() } else { o }
        });
    }

    fn request(&mut self, today: NaiveDate, commands: &mut Vec<Command>) {
        let Some(account) = self.account.clone() else {
            return;
        };
        let range = match self.choice {
            RangeChoice::Last(days) => DateRange::last_days(today, days),
            RangeChoice::Custom => {
                let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
                match (parse(&self.custom_since), parse(&self.custom_until)) {
                    (Some(since), Some(until)) if since < until && until <= today => DateRange {
                        since,
                        until: until.min(today),
                    },
                    _ => {
                        self.error = Some(format!(
                            "The custom range needs two dates as YYYY-MM-DD, the first before the second, and not after {today}."
                        ));
                        return;
                    }
                }
            }
        };
        self.range = Some(range);
        self.loading = true;
        self.error = None;
        commands.push(Command::Insights(InsightsCommand::LoadOverview {
            account,
            range,
        }));
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let Some(account) = cx.account else {
            super::empty::empty_state_ui(
                ui,
                super::empty::tab_heading(super::Tab::Insights),
                "Connect an Instagram professional account in Accounts to see its insights.",
            );
            return;
        };
        self.poll_save(ui, commands);
        let today = chrono::Utc::now().date_naive();
        if self.account.as_ref() != Some(&account.id) {
            self.account = Some(account.id.clone());
            self.overview = None;
            self.charts = ChartData::default();
            self.rows.clear();
            self.breakdowns = None;
            self.breakdowns_loading = false;
            self.request(today, commands);
            commands.push(Command::Insights(InsightsCommand::LoadMediaTable {
                account: account.id.clone(),
            }));
        }
        self.take_screenshot(ui, commands);

        ui.horizontal(|ui| {
            for (section, label) in [
                (Section::Overview, "Overview"),
                (Section::Posts, "Posts"),
                (Section::Breakdowns, "Breakdowns"),
            ] {
                if ui
                    .add(egui::Button::selectable(self.section == section, label))
                    .clicked()
                {
                    self.section = section;
                }
            }
            ui.separator();
            for days in PRESETS {
                let selected = self.choice == RangeChoice::Last(days);
                if ui
                    .add(egui::Button::selectable(selected, format!("{days} days")))
                    .clicked()
                {
                    self.choice = RangeChoice::Last(days);
                    self.request(today, commands);
                }
            }
            if ui
                .add(egui::Button::selectable(
                    self.choice == RangeChoice::Custom,
                    "Custom",
                ))
                .clicked()
            {
                self.choice = RangeChoice::Custom;
                if self.custom_since.is_empty()
                    && let Some(r) = self.range
                {
                    self.custom_since = r.since.to_string();
                    self.custom_until = r.until.to_string();
                }
            }
            if ui.button("Refresh").clicked() {
                self.request(today, commands);
                commands.push(Command::Insights(InsightsCommand::LoadMediaTable {
                    account: account.id.clone(),
                }));
                if self.breakdowns.is_some() {
                    self.breakdowns_loading = true;
                    commands.push(Command::Insights(InsightsCommand::LoadBreakdowns {
                        account: account.id.clone(),
                    }));
                }
            }
            if self.loading || self.breakdowns_loading {
                ui.spinner();
            }
        });
        if self.choice == RangeChoice::Custom {
            ui.horizontal(|ui| {
                ui.label("From");
                ui.add(
                    egui::TextEdit::singleline(&mut self.custom_since)
                        .desired_width(90.0)
                        .hint_text("YYYY-MM-DD"),
                )
                .labelled_by(ui.label("(since)").id);
                ui.label("to");
                ui.add(
                    egui::TextEdit::singleline(&mut self.custom_until)
                        .desired_width(90.0)
                        .hint_text("YYYY-MM-DD"),
                )
                .labelled_by(ui.label("(until, exclusive)").id);
                if ui.button("Apply").clicked() {
                    self.request(today, commands);
                }
            });
        }
        ui.label(RichText::new(CAVEATS).small().weak());
        if let Some(o) = &self.overview {
            let status = if o.from_cache {
                "cached, refreshing…"
            } else {
                "fresh"
            };
            ui.label(
                RichText::new(format!(
                    "{} to {} · fetched {} ({status})",
                    o.range.since,
                    o.range.until - chrono::Duration::days(1),
                    o.fetched_at.format("%Y-%m-%d %H:%M UTC")
                ))
                .small(),
            );
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some(n) = self.notice.clone() {
            ui.horizontal(|ui| {
                ui.label(n);
                if ui.small_button("Dismiss").clicked() {
                    self.notice = None;
                }
            });
        }
        ui.separator();

        match self.section {
            Section::Overview => self.overview_ui(ui, commands),
            Section::Posts => self.posts_ui(ui, commands),
            Section::Breakdowns => {
                if self.breakdowns.is_none() && !self.breakdowns_loading {
                    self.breakdowns_loading = true;
                    commands.push(Command::Insights(InsightsCommand::LoadBreakdowns {
                        account: account.id.clone(),
                    }));
                }
                let mut export = None;
                egui::ScrollArea::vertical()
                    .id_salt("insights_breakdowns")
                    .show(ui, |ui| {
                        export = super::insights_breakdowns::breakdowns_ui(
                            ui,
                            self.breakdowns.as_ref(),
                            self.breakdowns_loading,
                        );
                    });
                if let Some(export) = export {
                    self.export(ui, export, commands);
                }
            }
        }
    }

    fn overview_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(overview) = self.overview.as_ref() else {
            if !self.loading && self.error.is_none() {
                ui.label("No insights yet.");
            } else if self.loading {
                ui.label("Loading insights…");
            }
            return;
        };
        let mut export: Option<insights_charts::Export> = None;
        egui::ScrollArea::vertical()
            .id_salt("insights_overview")
            .show(ui, |ui| {
                export = insights_charts::overview_ui(ui, overview, &mut self.charts, &self.rows);
            });
        if let Some(export) = export {
            self.export(ui, export, commands);
        }
    }

    fn export(
        &mut self,
        ui: &egui::Ui,
        export: insights_charts::Export,
        commands: &mut Vec<Command>,
    ) {
        use insights_charts::Export;
        let stem = match (&self.overview, &self.account) {
            (Some(o), _) => format!("insights-{}-{}", o.account, o.range.until),
            (None, Some(account)) => format!("insights-{account}"),
            (None, None) => return,
        };
        let (name, extension, job) = match export {
            Export::Csv { name, body } => (
                format!("{stem}-{name}.csv"),
                "csv",
                SaveJob::Csv(body.into_bytes()),
            ),
            Export::Png { chart } => (format!("{stem}-{chart}.png"), "png", SaveJob::Png(chart)),
        };
        let answer = self.dialog.save_path(ui.ctx(), &name, extension);
        self.pending_save = Some((answer, job));
        self.poll_save(ui, commands);
    }

    /// Carries out an export once its save dialog answered.
    fn poll_save(&mut self, ui: &egui::Ui, commands: &mut Vec<Command>) {
        let Some((answer, _)) = &self.pending_save else {
            return;
        };
        let path = match answer.poll() {
            Poll::Waiting => return,
            Poll::Ready(Some(path)) => path,
            // Cancelled, or the dialog could not open (logged): nothing to save.
            Poll::Ready(None) | Poll::Gone => {
                self.pending_save = None;
                return;
            }
        };
        let Some((_, job)) = self.pending_save.take() else {
            return;
        };
        match job {
            SaveJob::Csv(bytes) => {
                commands.push(Command::Insights(InsightsCommand::WriteFile {
                    path,
                    bytes,
                }));
            }
            SaveJob::Png(chart) => {
                let shot = Arc::new(Mutex::new(None));
                let slot = shot.clone();
                let ctx = ui.ctx().clone();
                ui.ctx().request_screenshot(move |image| {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(image);
                    }
                    ctx.request_repaint();
                });
                self.pending_png = Some(PendingPng { path, chart, shot });
            }
        }
    }

    /// Turns a screenshot that arrived into the PNG of the chart that asked for it.
    fn take_screenshot(&mut self, ui: &egui::Ui, commands: &mut Vec<Command>) {
        let image = match &self.pending_png {
            Some(p) => p.shot.lock().ok().and_then(|mut s| s.take()),
            None => return,
        };
        let Some(image) = image else { return };
        let Some(pending) = self.pending_png.take() else {
            return;
        };
        let Some(rect) = self.charts.rect(pending.chart) else {
            self.notice = Some("The chart was not visible; scroll to it and export again.".into());
            return;
        };
        commands.push(Command::Insights(InsightsCommand::WriteChartPng {
            path: pending.path,
            shot: image,
            region: rect,
            pixels_per_point: ui.ctx().pixels_per_point(),
        }));
    }

    fn posts_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} recent posts{}",
                self.rows.len(),
                if self.rows_from_cache {
                    " (cached)"
                } else {
                    ""
                }
            ));
            if ui.button("Export CSV").clicked() {
                let body = insights_export::media_csv(&self.rows);
                let name = format!(
                    "insights-posts-{}.csv",
                    self.account
                        .as_ref()
                        .map_or("", super::super::ids::IgUserId::as_str)
                );
                let answer = self.dialog.save_path(ui.ctx(), &name, "csv");
                self.pending_save = Some((answer, SaveJob::Csv(body.into_bytes())));
            }
        });
        let mut resort = None;
        egui::ScrollArea::both()
            .id_salt("insights_posts")
            .show(ui, |ui| {
                egui::Grid::new("insights_posts_grid")
                    .striped(true)
                    .spacing(egui::vec2(14.0, 6.0))
                    .show(ui, |ui| {
                        ui.strong("Post");
                        ui.strong("Type");
                        for col in SortColumn::ALL {
                            let arrow = match self.sort {
                                (c, true) if c == col => " v",
                                (c, false) if c == col => " ^",
                                _ => "",
                            };
                            if ui.button(format!("{}{arrow}", col.title())).clicked() {
                                resort = Some(col);
                            }
                        }
                        ui.end_row();
                        for row in &self.rows {
                            posts_row_ui(ui, row, commands);
                            ui.end_row();
                        }
                    });
            });
        if let Some(col) = resort {
            self.sort = if self.sort.0 == col {
                (col, !self.sort.1)
            } else {
                (col, true)
            };
            self.sort_rows();
        }
    }
}

impl InsightsTab {
    /// The "Insights" block of the Feed's detail panel for `media` (asks the engine once
    /// per post; uses the per-post table's row when it already has one).
    pub fn post_panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        account: Option<&IgUserId>,
        media: &Media,
        commands: &mut Vec<Command>,
    ) {
        let Some(account) = account else { return };
        if self.post.as_ref().is_none_or(|(id, _)| *id != media.id) {
            let known = self.rows.iter().find(|r| r.media.id == media.id);
            let state = if let Some(r) = known {
                PostInsights::Loaded(r.insights.clone(), Vec::new())
            } else {
                commands.push(Command::Insights(InsightsCommand::LoadMediaInsights {
                    account: account.clone(),
                    media: Box::new(media.clone()),
                }));
                PostInsights::Loading
            };
            self.post = Some((media.id.clone(), state));
        }
        let Some((_, state)) = &self.post else { return };
        egui::CollapsingHeader::new("Insights")
            .id_salt("post_insights")
            .default_open(true)
            .show(ui, |ui| match state {
                PostInsights::Loading => {
                    ui.label("Loading insights…");
                }
                PostInsights::Failed(message) => {
                    ui.colored_label(ui.visuals().error_fg_color, message);
                }
                PostInsights::Loaded(i, gone) => {
                    egui::Grid::new("post_insights_grid").show(ui, |ui| {
                        let rows = [
                            ("Reach", i.reach),
                            ("Views", i.views),
                            ("Likes", i.likes),
                            ("Comments", i.comments),
                            ("Shares", i.shares),
                            ("Saves", i.saved),
                            ("Total interactions", i.total_interactions),
                        ];
                        for (name, v) in rows {
                            if let Some(v) = v {
                                ui.label(name);
                                ui.label(format_count(v));
                                ui.end_row();
                            }
                        }
                        if let Some(ms) = i.reels_watch_time_ms {
                            ui.label("Watch time");
                            ui.label(format!("{:.1} h", ms as f64 / 3_600_000.0));
                            ui.end_row();
                        }
                    });
                    for g in gone {
                        ui.label(
                            RichText::new(format!("{g}: no longer provided by Instagram")).weak(),
                        );
                    }
                }
            });
        ui.add_space(6.0);
    }
}

fn posts_row_ui(ui: &mut egui::Ui, row: &MediaRow, commands: &mut Vec<Command>) {
    let m = &row.media;
    let caption: String = m
        .caption
        .as_deref()
        .unwrap_or("(no caption)")
        .chars()
        .take(40)
        .collect();
    let link = ui.link(caption).on_hover_text("Open the post on Instagram");
    if link.clicked()
        && let Some(url) = &m.permalink
    {
        commands.push(Command::OpenUrl(url.clone()));
    }
    ui.label(
        m.media_product_type
            .as_ref()
            .map(|p| format!("{p:?}"))
            .unwrap_or_default(),
    );
    ui.label(m.timestamp.format("%Y-%m-%d").to_string());
    let i = &row.insights;
    let cell = |ui: &mut egui::Ui, v: Option<u64>| {
        ui.label(v.map_or_else(|| "—".into(), format_count));
    };
    cell(ui, i.reach);
    cell(ui, i.views);
    cell(ui, i.likes);
    cell(ui, i.comments);
    cell(ui, i.shares);
    cell(ui, i.saved);
    cell(ui, i.total_interactions);
    ui.label(i.reels_watch_time_ms.map_or_else(
        || "—".into(),
        |ms| format!("{:.1} h", ms as f64 / 3_600_000.0),
    ));
    if let Some(note) = &row.note {
        ui.label(RichText::new(note).small().weak());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(12_345_678), "12,345,678");
    }
}
