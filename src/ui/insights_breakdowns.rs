//! The Insights tab's "Breakdowns" section: profile actions by type, story navigation by
//! type, contact buttons, followers by age × gender and the engaged audience's top cities
//! and countries. Each chart has its numbers beside it as a table (readable without
//! hovering, and by screen readers); one CSV export holds the whole section.

use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::insights::format_count;
use super::insights_charts::{Export, bar_chart};
use crate::engine::insights::breakdowns::BreakdownSet;
use crate::engine::insights::csv as insights_csv;

/// Chart ids (also the PNG/CSV file name parts).
const ACTIONS_CHART: &str = "profile-actions";
const NAVIGATION_CHART: &str = "story-navigation";
const CONTACT_CHART: &str = "contact-buttons";
const AGE_GENDER_CHART: &str = "age-gender";

/// A person's words for Meta's dimension values (either case: Meta's examples are lower
/// case, its tables upper case).
pub fn dimension_label(value: &str) -> String {
    let label = match value.to_ascii_uppercase().as_str() {
        "BIO_LINK_CLICKED" => "Bio link",
        "CALL" => "Call",
        "DIRECTION" => "Directions",
        "EMAIL" => "Email",
        "TEXT" => "Text",
        "OTHER" => "Other",
        "TAP_FORWARD" => "Tap forward",
        "TAP_BACK" => "Tap back",
        "TAP_EXIT" => "Exit",
        "SWIPE_FORWARD" => "Next story",
        "BOOK_NOW" => "Book now",
        "INSTANT_EXPERIENCE" => "Instant experience",
        "F" => "Women",
        "M" => "Men",
        "U" | "UNDEFINED" => "Unspecified",
        _ => return value.to_owned(),
    };
    label.to_owned()
}

fn labelled(rows: &[(String, u64)]) -> Vec<(String, u64)> {
    rows.iter().map(|(k, v)| (dimension_label(k), *v)).collect()
}

/// Label and count, one row each.
fn numbers(ui: &mut egui::Ui, id: &str, rows: &[(String, u64)]) {
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        for (k, v) in rows {
            ui.label(k);
            ui.label(format_count(*v));
            ui.end_row();
        }
    });
}

fn chart_with_numbers(
    ui: &mut egui::Ui,
    id: &'static str,
    title: &str,
    caption: &str,
    rows: &[(String, u64)],
    empty: &str,
    color: Color32,
) {
    ui.label(RichText::new(title).strong());
    ui.label(RichText::new(caption).small().weak());
    if rows.is_empty() {
        ui.label(RichText::new(empty).italics());
        return;
    }
    let rows = labelled(rows);
    bar_chart(ui, id, &rows, color);
    numbers(ui, &format!("{id}-numbers"), &rows);
}

/// Followers by age, one bar per gender side by side.
fn age_gender_chart(ui: &mut egui::Ui, rows: &[(String, String, u64)]) {
    let mut ages: Vec<&str> = Vec::new();
    let mut genders: Vec<&str> = Vec::new();
    for (a, g, _) in rows {
        if !ages.contains(&a.as_str()) {
            ages.push(a);
        }
        if !genders.contains(&g.as_str()) {
            genders.push(g);
        }
    }
    let colors = [
        Color32::from_rgb(225, 48, 108),
        Color32::from_rgb(64, 93, 230),
        Color32::from_rgb(150, 150, 150),
    ];
    let width = 0.8 / genders.len().max(1) as f64;
    let names: Vec<String> = ages.iter().map(|a| (*a).to_owned()).collect();
    Plot::new(AGE_GENDER_CHART)
        .height(180.0)
        .legend(Legend::default())
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
            for (gi, g) in genders.iter().enumerate() {
                let bars: Vec<Bar> = rows
                    .iter()
                    .filter(|(_, rg, _)| rg == g)
                    .filter_map(|(a, _, v)| {
                        let ai = ages.iter().position(|x| x == a)?;
                        let x = ai as f64 - 0.4 + width * (gi as f64 + 0.5);
                        Some(Bar::new(x, *v as f64).width(width * 0.9))
                    })
                    .collect();
                let name = dimension_label(g);
                plot_ui.add(
                    BarChart::new(name.clone(), bars)
                        .color(colors[gi % colors.len()])
                        .id(egui::Id::unique(AGE_GENDER_CHART).with(gi)),
                );
            }
        });
}

/// Draws the section; returns the export the user asked for.
pub fn breakdowns_ui(
    ui: &mut egui::Ui,
    set: Option<&BreakdownSet>,
    loading: bool,
) -> Option<Export> {
    let Some(set) = set else {
        ui.label(if loading {
            "Loading breakdowns…"
        } else {
            "No breakdowns yet."
        });
        return None;
    };
    let mut export = None;
    ui.horizontal(|ui| {
        ui.heading("Breakdowns");
        if ui
            .small_button("CSV")
            .on_hover_text("Save every breakdown as CSV")
            .clicked()
        {
            export = Some(Export::Csv {
                name: "breakdowns",
                body: insights_csv::breakdown_set_csv(set),
            });
        }
        if set.from_cache {
            ui.label(RichText::new("cached, refreshing…").small().weak());
        }
    });
    for note in &set.notes {
        ui.label(RichText::new(note).italics());
    }
    ui.columns(2, |cols| {
        chart_with_numbers(
            &mut cols[0],
            ACTIONS_CHART,
            "Profile actions by type",
            &format!("After seeing your last {} posts", set.posts),
            &set.profile_actions,
            "No profile actions on recent posts.",
            Color32::from_rgb(225, 48, 108),
        );
        chart_with_numbers(
            &mut cols[1],
            NAVIGATION_CHART,
            "Story navigation",
            &format!(
                "{} stories up now (story insights last 24 hours)",
                set.stories
            ),
            &set.story_navigation,
            "No story is up: navigation is counted while a story is live.",
            Color32::from_rgb(131, 58, 180),
        );
    });
    ui.add_space(8.0);
    chart_with_numbers(
        ui,
        CONTACT_CHART,
        "Contact button taps",
        "Last 30 days",
        &set.contact_buttons,
        "No contact button taps in the last 30 days.",
        Color32::from_rgb(245, 133, 41),
    );
    ui.add_space(8.0);
    ui.heading("Audience by age and gender");
    if set.age_gender.is_empty() {
        ui.label(RichText::new("No age and gender data.").italics());
    } else {
        age_gender_chart(ui, &set.age_gender);
        // The chart's numbers, largest groups first (readable without hovering).
        let mut groups: Vec<(String, u64)> = set
            .age_gender
            .iter()
            .map(|(age, gender, n)| (format!("{age} · {}", dimension_label(gender)), *n))
            .collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        groups.truncate(5);
        ui.label(RichText::new("Largest groups").strong());
        numbers(ui, "age-gender-numbers", &groups);
    }
    ui.columns(2, |cols| {
        cols[0].label(RichText::new("Engaged audience: top cities").strong());
        numbers(&mut cols[0], "engaged-cities", &set.engaged_cities);
        cols[1].label(RichText::new("Engaged audience: top countries").strong());
        numbers(&mut cols[1], "engaged-countries", &set.engaged_countries);
    });
    export
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_spellings_read_as_words_in_either_case() {
        assert_eq!(dimension_label("bio_link_clicked"), "Bio link");
        assert_eq!(dimension_label("TAP_FORWARD"), "Tap forward");
        assert_eq!(
            dimension_label("Seattle, Washington"),
            "Seattle, Washington"
        );
    }
}
