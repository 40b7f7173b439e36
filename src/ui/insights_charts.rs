//! Drawing the Insights overview: KPI cards with change against the previous period, the
//! daily line chart (date axis, hover values, stable ids), interactions by media type,
//! audience demographics, the online-followers heat map and the best times to post.
//!
//! Plot points are built once per overview ([`ChartData::set`]) and lent to egui_plot every
//! frame, so two years of daily data cost no allocation per frame.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate};
use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, GridMark, Heatmap, Legend, Line, Plot, PlotPoint, PlotPoints};

use crate::engine::insights::calc;
use crate::engine::insights::{Kpi, MediaRow, Overview};
use crate::graph::insights::is_deprecated;

use super::insights::format_count;
use super::insights_export;
use super::insights_format::{self as fmt, Trend};

/// What an export button asked for.
pub enum Export {
    Csv { name: &'static str, body: String },
    Png { chart: &'static str },
}

/// Chart ids (stable across frames, also used in export file names).
pub const SERIES_CHART: &str = "daily";
pub const MEDIA_TYPE_CHART: &str = "media_types";
pub const AGE_CHART: &str = "age";
pub const GENDER_CHART: &str = "gender";
pub const ONLINE_CHART: &str = "online";

/// Per-overview chart data kept between frames.
#[derive(Default)]
pub struct ChartData {
    /// (metric, label, points) of each daily series.
    series: Vec<(String, String, Vec<PlotPoint>)>,
    /// How many lines the last frame drew.
    pub drawn_series: usize,
    /// Where each chart was drawn in the last frame (for PNG export).
    rects: HashMap<&'static str, egui::Rect>,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// A day as a plot x value (days since 1970-01-01).
pub fn day_x(day: NaiveDate) -> f64 {
    (day - epoch()).num_days() as f64
}

fn x_day(x: f64) -> NaiveDate {
    epoch() + Duration::days(x.round() as i64)
}

impl ChartData {
    /// Rebuilds the plot points from an overview.
    pub fn set(&mut self, overview: &Overview) {
        self.series = overview
            .series
            .iter()
            .map(|s| {
                let pts = s
                    .points
                    .iter()
                    .map(|(d, v)| PlotPoint::new(day_x(*d), *v as f64))
                    .collect();
                (s.metric.clone(), s.label.clone(), pts)
            })
            .collect();
    }

    /// Where `chart` was drawn in the last frame.
    pub fn rect(&self, chart: &str) -> Option<egui::Rect> {
        self.rects.get(chart).copied()
    }
}

fn export_buttons(
    ui: &mut egui::Ui,
    chart: &'static str,
    csv: impl FnOnce() -> String,
) -> Option<Export> {
    let mut out = None;
    ui.horizontal(|ui| {
        if ui
            .small_button("CSV")
            .on_hover_text("Save the data as CSV")
            .clicked()
        {
            out = Some(Export::Csv {
                name: chart,
                body: csv(),
            });
        }
        if ui
            .small_button("PNG")
            .on_hover_text("Save the chart as a PNG picture")
            .clicked()
        {
            out = Some(Export::Png { chart });
        }
    });
    out
}

/// Draws the overview; returns an export the user asked for.
pub fn overview_ui(
    ui: &mut egui::Ui,
    overview: &Overview,
    charts: &mut ChartData,
    rows: &[MediaRow],
) -> Option<Export> {
    let mut export = None;
    kpi_cards(ui, overview);
    if !overview.gone.is_empty() {
        for g in &overview.gone {
            ui.label(
                RichText::new(format!("{g}: no longer provided by Instagram"))
                    .weak()
                    .italics(),
            );
        }
    }
    ui.add_space(8.0);

    ui.horizontal(|ui| {
        ui.heading("Over time");
        if let Some(e) = export_buttons(ui, SERIES_CHART, || {
            insights_export::series_csv(&overview.series)
        }) {
            export = Some(e);
        }
    });
    let series = &charts.series;
    let mut drawn = 0;
    // One plot per series (their scales differ by orders of magnitude), with linked x axes
    // and cursors so hovering a day shows it on every plot.
    let link = egui::Id::unique("insights_days");
    let response = ui
        .scope(|ui| {
            const COLORS: [Color32; 3] = [
                Color32::from_rgb(225, 48, 108),
                Color32::from_rgb(88, 166, 255),
                Color32::from_rgb(252, 175, 69),
            ];
            for (i, (metric, label, pts)) in series.iter().enumerate() {
                Plot::new((SERIES_CHART, metric.as_str()))
                    .height(150.0)
                    .legend(Legend::default())
                    // Every plot spans the whole range, even a series Meta serves less of.
                    .include_x(day_x(overview.range.since))
                    .include_x(day_x(overview.range.until - Duration::days(1)))
                    .y_axis_min_width(48.0)
                    .link_axis(link, [true, false])
                    .link_cursor(link, [true, false])
                    .x_axis_formatter(|mark, _| x_day(mark.value).format("%b %d").to_string())
                    .label_formatter(|hover| {
                        let (name, pos) = match hover {
                            egui_plot::HoverPosition::NearDataPoint {
                                plot_name,
                                position,
                                ..
                            } => (*plot_name, *position),
                            egui_plot::HoverPosition::Elsewhere { position } => ("", *position),
                        };
                        let day = x_day(pos.x).format("%a %Y-%m-%d");
                        if name.is_empty() {
                            Some(format!("{day}"))
                        } else {
                            Some(format!(
                                "{name}\n{day}: {}",
                                format_count(pos.y.max(0.0) as u64)
                            ))
                        }
                    })
                    .allow_scroll(false)
                    .show(ui, |plot_ui| {
                        plot_ui.line(
                            Line::new(label.as_str(), PlotPoints::Borrowed(pts))
                                .id(metric)
                                .color(COLORS[i % COLORS.len()]),
                        );
                    });
                drawn += 1;
            }
        })
        .response;
    ui.label(
        RichText::new(
            "Instagram serves new-follower counts for the last 30 days only; older days come from the history this app keeps.",
        )
        .small()
        .weak(),
    );
    charts.drawn_series = drawn;
    charts.rects.insert(SERIES_CHART, response.rect);
    ui.add_space(8.0);

    ui.horizontal(|ui| {
        ui.heading("Interactions by media type");
        if let Some(e) = export_buttons(ui, MEDIA_TYPE_CHART, || {
            insights_export::pairs_csv(
                "media_product_type",
                "total_interactions",
                &overview.by_media_type,
            )
        }) {
            export = Some(e);
        }
    });
    let r = bar_chart(
        ui,
        MEDIA_TYPE_CHART,
        &overview.by_media_type,
        Color32::from_rgb(225, 48, 108),
    );
    charts.rects.insert(MEDIA_TYPE_CHART, r);
    ui.add_space(8.0);

    ui.heading("Audience");
    if let Some(note) = &overview.audience_note {
        ui.label(RichText::new(note).italics());
    }
    let d = &overview.demographics;
    if !d.age.is_empty() || !d.gender.is_empty() {
        ui.columns(2, |cols| {
            cols[0].horizontal(|ui| {
                ui.label("Followers by age");
                if let Some(e) = export_buttons(ui, AGE_CHART, || {
                    insights_export::pairs_csv("age", "followers", &d.age)
                }) {
                    export = Some(e);
                }
            });
            let r = bar_chart(
                &mut cols[0],
                AGE_CHART,
                &d.age,
                Color32::from_rgb(64, 93, 230),
            );
            charts.rects.insert(AGE_CHART, r);
            cols[1].horizontal(|ui| {
                ui.label("Followers by gender");
                if let Some(e) = export_buttons(ui, GENDER_CHART, || {
                    insights_export::pairs_csv("gender", "followers", &d.gender)
                }) {
                    export = Some(e);
                }
            });
            let r = bar_chart(
                &mut cols[1],
                GENDER_CHART,
                &d.gender,
                Color32::from_rgb(131, 58, 180),
            );
            charts.rects.insert(GENDER_CHART, r);
        });
        ui.columns(2, |cols| {
            top_list(&mut cols[0], "Top countries", &d.top_countries);
            top_list(&mut cols[1], "Top cities", &d.top_cities);
        });
    }

    if let Some(heat) = &overview.online {
        ui.horizontal(|ui| {
            ui.heading("Followers online by hour");
            if let Some(e) = export_buttons(ui, ONLINE_CHART, || online_csv(heat)) {
                export = Some(e);
            }
        });
        ui.label(
            RichText::new(
                "Average of the last 7 days; rows Monday (top) to Sunday, columns 0–23 h UTC; the best times below are in your time zone.",
            )
            .small()
            .weak(),
        );
        let values = fmt::heatmap_values(heat);
        let response = ui
            .scope(|ui| {
                Plot::new(ONLINE_CHART)
                    .height(170.0)
                    .y_grid_spacer(|_| {
                        fmt::heatmap_row_ticks()
                            .map(|value| GridMark {
                                value,
                                step_size: 1.0,
                            })
                            .collect()
                    })
                    .y_axis_formatter(|mark, _| {
                        fmt::heatmap_row_label(mark.value)
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .show_axes([true, true])
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .show_grid(false)
                    .show(ui, |plot_ui| {
                        plot_ui.add(
                            Heatmap::new(values, 24)
                                .palette(&fmt::heat_palette(
                                    plot_ui.ctx().global_style().visuals.dark_mode,
                                ))
                                .name("Online followers")
                                .formatter(Box::new(|v| format!("{v:.0}"))),
                        );
                    });
            })
            .response;
        charts.rects.insert(ONLINE_CHART, response.rect);
    }

    ui.add_space(8.0);
    ui.heading("Best times to post");
    let posts: Vec<(chrono::DateTime<chrono::Utc>, u64)> = rows
        .iter()
        .filter_map(|r| {
            r.insights
                .total_interactions
                .map(|t| (r.media.timestamp, t))
        })
        .collect();
    let slots = calc::best_slots(overview.online.as_ref(), &posts, 3);
    if slots.is_empty() {
        ui.label("Not enough data yet: suggestions need online followers or past posts.");
    }
    let now = chrono::Utc::now();
    for s in slots {
        // Scored in UTC; shown in local time like every other time in the app.
        let (weekday, hour) = fmt::slot_in(&chrono::Local, now, s.weekday, s.hour);
        ui.label(format!(
            "{} {hour:02}:00 · score {:.0}",
            fmt::weekday_name(weekday),
            s.score
        ));
    }
    export
}

fn online_csv(heat: &[[f64; 24]; 7]) -> String {
    let mut out = String::from("weekday");
    for h in 0..24 {
        out.push(',');
        out.push_str(&h.to_string());
    }
    out.push('\n');
    let mut day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(); // a Monday
    for row in heat {
        out.push_str(fmt::weekday_name(day.weekday()));
        for v in row {
            let _ = write!(out, ",{v:.1}");
        }
        out.push('\n');
        day += Duration::days(1);
    }
    out
}

/// Width of one KPI card's content, in points.
const KPI_CARD_WIDTH: f32 = 132.0;

fn kpi_cards(ui: &mut egui::Ui, overview: &Overview) {
    // Frames do not wrap inside `horizontal_wrapped` (their size is only known after they
    // are placed), so the cards are laid out in rows of as many as fit.
    let outer = KPI_CARD_WIDTH + 2.0 * 10.0 + 2.0 + ui.spacing().item_spacing.x;
    let per_row = ((ui.available_width() / outer).floor() as usize).max(1);
    for row in overview.kpis.chunks(per_row) {
        ui.horizontal(|ui| kpi_row(ui, row));
    }
}

fn kpi_row(ui: &mut egui::Ui, row: &[Kpi]) {
    for k in row {
        egui::Frame::group(ui.style())
            .inner_margin(egui::Margin::same(10))
            .show(ui, |ui| {
                ui.set_width(KPI_CARD_WIDTH);
                ui.vertical(|ui| {
                    ui.label(RichText::new(&k.label).small());
                    if k.gone || is_deprecated(&k.metric) {
                        ui.label(RichText::new("no longer provided by Instagram").weak());
                        return;
                    }
                    match k.value {
                        Some(v) => {
                            ui.label(RichText::new(format_count(v)).size(22.0).strong());
                        }
                        None => {
                            ui.label(RichText::new("—").size(22.0));
                        }
                    }
                    if let (Some(v), Some(p)) = (k.value, k.previous) {
                        match calc::change_percent(v, p) {
                            Some(c) => {
                                let (text, trend) = fmt::change_text(c);
                                let text = RichText::new(format!("{text} vs previous")).small();
                                ui.label(match trend {
                                    Trend::Up => text.color(Color32::from_rgb(46, 160, 67)),
                                    Trend::Down => text.color(Color32::from_rgb(218, 54, 51)),
                                    Trend::Flat => text.weak(),
                                });
                            }
                            None => {
                                ui.label(RichText::new("no previous data").small().weak());
                            }
                        }
                    }
                });
            });
    }
}

pub(super) fn bar_chart(
    ui: &mut egui::Ui,
    id: &'static str,
    data: &[(String, u64)],
    color: Color32,
) -> egui::Rect {
    let names: Vec<String> = data.iter().map(|(k, _)| k.clone()).collect();
    let bars: Vec<Bar> = data
        .iter()
        .enumerate()
        .map(|(i, (k, v))| Bar::new(i as f64, *v as f64).name(k).fill(color))
        .collect();
    let response = ui
        .scope(|ui| {
            Plot::new(id)
                .height(160.0)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show_grid([false, true])
                .x_axis_formatter(move |mark, _| {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .show(ui, |plot_ui| {
                    plot_ui.add(BarChart::new(id, bars).width(0.6).id(id));
                });
        })
        .response;
    response.rect
}

fn top_list(ui: &mut egui::Ui, title: &str, rows: &[(String, u64)]) {
    ui.label(RichText::new(title).strong());
    egui::Grid::new(title).striped(true).show(ui, |ui| {
        for (k, v) in rows {
            ui.label(k);
            ui.label(format_count(*v));
            ui.end_row();
        }
    });
}
