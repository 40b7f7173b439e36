//! The frame around every tab: the tab bar, the account sidebar and the status bar.

use egui::{Color32, RichText, Sense};
use serde::{Deserialize, Serialize};

use super::theme;
use super::unread::Unread;
use crate::engine::Command;
use crate::engine::protocol::SyncStatus;
use crate::ids::IgUserId;
use crate::model::{Account, AccountStatus};

/// The top-level tabs, in display order. Persisted, so it must stay `Copy + Default + serde`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Feed,
    Composer,
    Comments,
    Dms,
    Insights,
    Research,
    Calendar,
}

impl Tab {
    /// Every tab, in the order of the tab bar and of the Ctrl+1..7 shortcuts.
    pub const ALL: [Tab; 7] = [
        Tab::Feed,
        Tab::Composer,
        Tab::Comments,
        Tab::Dms,
        Tab::Insights,
        Tab::Research,
        Tab::Calendar,
    ];

    /// The tab's name in the tab bar.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Feed => "Feed",
            Tab::Composer => "Composer",
            Tab::Comments => "Comments",
            Tab::Dms => "DMs",
            Tab::Insights => "Insights",
            Tab::Research => "Research",
            Tab::Calendar => "Calendar",
        }
    }

    /// The digit key that selects this tab together with Ctrl (Cmd on macOS).
    pub fn shortcut_key(self) -> egui::Key {
        match self {
            Tab::Feed => egui::Key::Num1,
            Tab::Composer => egui::Key::Num2,
            Tab::Comments => egui::Key::Num3,
            Tab::Dms => egui::Key::Num4,
            Tab::Insights => egui::Key::Num5,
            Tab::Research => egui::Key::Num6,
            Tab::Calendar => egui::Key::Num7,
        }
    }
}

/// Switches tabs on Ctrl+1..7.
pub fn tab_shortcuts(ctx: &egui::Context, tab: &mut Tab) {
    for candidate in Tab::ALL {
        let pressed =
            ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, candidate.shortcut_key()));
        if pressed {
            *tab = candidate;
        }
    }
}

/// The tab bar; returns true when a tab was clicked (so an open Accounts page closes).
/// `highlight` is false while a page that is not a tab (Accounts) covers the content.
/// How many things wait on each tab (unanswered comments, unread conversations); 0 draws
/// no badge.
#[derive(Clone, Copy, Debug, Default)]
pub struct TabBadges {
    pub comments: usize,
    pub dms: usize,
}

impl TabBadges {
    fn count(self, tab: Tab) -> usize {
        match tab {
            Tab::Comments => self.comments,
            Tab::Dms => self.dms,
            _ => 0,
        }
    }
}

/// The tab bar; returns true when a tab was clicked.
pub fn tab_bar_ui(ui: &mut egui::Ui, tab: &mut Tab, highlight: bool, badges: TabBadges) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for (index, candidate) in Tab::ALL.into_iter().enumerate() {
            let selected = highlight && *tab == candidate;
            let text = if selected {
                RichText::new(candidate.label())
                    .strong()
                    .color(ui.visuals().strong_text_color())
            } else {
                RichText::new(candidate.label())
            };
            let button = egui::Button::selectable(selected, text).min_size(egui::vec2(78.0, 28.0));
            let response = ui.add(button).on_hover_text(format!("Ctrl+{}", index + 1));
            if selected {
                let rect = response.rect;
                ui.painter().hline(
                    rect.x_range().shrink(6.0),
                    rect.bottom() + 1.0,
                    egui::Stroke::new(2.0, theme::ACCENT),
                );
            }
            let waiting = badges.count(candidate);
            if waiting > 0 {
                badge_ui(ui, response.rect, candidate, waiting);
            }
            if response.clicked() {
                *tab = candidate;
                clicked = true;
            }
        }
    });
    clicked
}

/// A small count in the tab button's top-right corner; screen readers (and tests) read it
/// as "N waiting in <tab>".
fn badge_ui(ui: &mut egui::Ui, button: egui::Rect, tab: Tab, waiting: usize) {
    let text = if waiting > 99 {
        "99+".to_owned()
    } else {
        waiting.to_string()
    };
    let galley =
        ui.painter()
            .layout_no_wrap(text, egui::FontId::proportional(10.0), Color32::WHITE);
    let size = egui::vec2((galley.size().x + 8.0).max(16.0), 14.0);
    let rect = egui::Rect::from_min_size(
        egui::pos2(button.right() - size.x + 8.0, button.top() - 6.0),
        size,
    );
    ui.painter()
        .rect_filled(rect, egui::CornerRadius::same(7), theme::ACCENT);
    ui.painter()
        .galley(rect.center() - galley.size() / 2.0, galley, Color32::WHITE);
    let label = format!("{waiting} waiting in {}", tab.label());
    ui.interact(
        rect,
        ui.scope_id().with(("tab_badge", tab.label())),
        egui::Sense::hover(),
    )
    .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
}

/// What the sidebar asks the app to do besides sending commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SidebarOutcome {
    /// "Add account" was clicked: show the Accounts page.
    pub open_accounts: bool,
    /// An account was clicked: show its content (closes the Accounts page).
    pub account_clicked: bool,
}

/// The account switcher; `unread` holds what waits in each of `accounts`, in order.
pub fn sidebar_ui(
    ui: &mut egui::Ui,
    accounts: &[Account],
    unread: &[Unread],
    active: Option<&IgUserId>,
    commands: &mut Vec<Command>,
) -> SidebarOutcome {
    let mut outcome = SidebarOutcome::default();
    ui.add_space(10.0);
    ui.label(RichText::new("socialdesk").size(18.0).strong());
    ui.add_space(12.0);
    ui.label(RichText::new("ACCOUNTS").small().color(theme::muted(ui)));
    ui.add_space(2.0);
    if accounts.is_empty() {
        ui.label(RichText::new("No account connected yet.").color(theme::muted(ui)));
    }
    for (i, account) in accounts.iter().enumerate() {
        let selected = active == Some(&account.id);
        let waiting = unread.get(i).copied().unwrap_or_default();
        if account_row_ui(ui, account, selected, waiting).clicked() {
            outcome.account_clicked = true;
            if !selected {
                commands.push(Command::SelectAccount(account.id.clone()));
            }
        }
    }
    ui.add_space(8.0);
    if ui
        .add(egui::Button::new("Add account").min_size(egui::vec2(ui.available_width(), 30.0)))
        .clicked()
    {
        outcome.open_accounts = true;
    }
    outcome
}

/// One account in the switcher: avatar initial, @username, type and status, and what waits
/// in it (comments to answer, unread conversations) as two small counts on the right.
fn account_row_ui(
    ui: &mut egui::Ui,
    account: &Account,
    selected: bool,
    waiting: Unread,
) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 46.0), Sense::click());
    let label = format!("@{}", account.username);
    let needs_reconnect = matches!(account.status, AccountStatus::ReconnectNeeded { .. });
    // Screen readers (and tests) hear the red marker and the counts too.
    let mut accessible = if needs_reconnect {
        format!("{label}, reconnect needed")
    } else {
        label.clone()
    };
    if let Some(counts) = waiting.describe() {
        accessible.push_str(", ");
        accessible.push_str(&counts);
    }
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, accessible.clone())
    });
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        let fill = if selected {
            theme::ACCENT.gamma_multiply(0.25)
        } else if response.hovered() {
            theme::hover_wash(ui)
        } else {
            Color32::TRANSPARENT
        };
        painter.rect_filled(rect, theme::CARD_RADIUS, fill);

        let center = egui::pos2(rect.left() + 22.0, rect.center().y);
        painter.circle_filled(center, 15.0, theme::avatar_color(&account.username));
        let initial = account
            .username
            .chars()
            .next()
            .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().to_string());
        painter.text(
            center,
            egui::Align2::CENTER_CENTER,
            initial,
            egui::FontId::proportional(15.0),
            Color32::WHITE,
        );

        let text_left = rect.left() + 44.0;
        let text_color = ui.visuals().strong_text_color();
        // Each line stops short of its count, ending in "…" when it does not fit, so
        // neither is drawn over the other and a cut name still reads as cut.
        let (top_pill, bottom_pill) = unread_counts_ui(ui, rect, waiting);
        let line = |text: String, pill: f32, size: f32, color: Color32| {
            let room = rect.right() - pill - if pill > 0.0 { 6.0 } else { 4.0 } - text_left;
            let mut job = egui::text::LayoutJob::simple_singleline(
                text,
                egui::FontId::proportional(size),
                color,
            );
            job.wrap = egui::text::TextWrapping::truncate_at_width(room.max(0.0));
            painter.layout_job(job)
        };
        painter.galley(
            egui::pos2(text_left, rect.top() + 7.0),
            line(label.clone(), top_pill, 14.0, text_color),
            text_color,
        );
        // A broken account says so in red where its type would be, with a dot on the avatar.
        let (subtitle, subtitle_color) = if needs_reconnect {
            ("Reconnect needed".to_owned(), theme::danger(ui))
        } else {
            (account_type_label(account), theme::muted(ui))
        };
        let subtitle = line(subtitle, bottom_pill, 11.0, subtitle_color);
        painter.galley(
            egui::pos2(text_left, rect.bottom() - 7.0 - subtitle.size().y),
            subtitle,
            subtitle_color,
        );
        if needs_reconnect {
            let dot = center + egui::vec2(11.0, -11.0);
            painter.circle_filled(dot, 5.0, theme::sidebar_bg(ui));
            painter.circle_filled(dot, 3.5, theme::danger(ui));
        }
    }
    let response = match waiting.describe() {
        Some(counts) => response.on_hover_text(crate::ui::capitalise(&counts)),
        None => response,
    };
    match &account.status {
        AccountStatus::ReconnectNeeded { reason } => {
            response.on_hover_text(format!("Reconnect needed: {reason}"))
        }
        AccountStatus::Connected => response,
    }
}

/// The counts at the right end of an account row: comments to answer (accent) above unread
/// conversations (a calmer fill); a zero draws nothing. Returns the room each took from the
/// right edge (top, bottom).
fn unread_counts_ui(ui: &egui::Ui, row: egui::Rect, waiting: Unread) -> (f32, f32) {
    let painter = ui.painter();
    let pills = [
        (waiting.comments, theme::ACCENT, row.top() + 6.0),
        (
            waiting.dms,
            Color32::from_rgb(0x4A, 0x5B, 0xD6),
            row.bottom() - 20.0,
        ),
    ];
    let mut taken = [0.0; 2];
    for (slot, (count, fill, top)) in pills.into_iter().enumerate() {
        if count == 0 {
            continue;
        }
        let text = if count > 99 {
            "99+".to_owned()
        } else {
            count.to_string()
        };
        let galley = painter.layout_no_wrap(text, egui::FontId::proportional(10.0), Color32::WHITE);
        let size = egui::vec2((galley.size().x + 10.0).max(18.0), 14.0);
        let rect = egui::Rect::from_min_size(egui::pos2(row.right() - 4.0 - size.x, top), size);
        painter.rect_filled(rect, egui::CornerRadius::same(7), fill);
        painter.galley(rect.center() - galley.size() / 2.0, galley, Color32::WHITE);
        taken[slot] = size.x + 4.0;
    }
    (taken[0], taken[1])
}

/// "Business", "Creator" and so on, with the login it came through.
pub fn account_type_label(account: &Account) -> String {
    format!("{} · {}", account.type_label(), account.login.label())
}

/// The status bar: sync text, API usage and the SANDBOX badge.
pub fn status_bar_ui(ui: &mut egui::Ui, sync: &SyncStatus, sandbox_url: Option<&str>) {
    ui.horizontal(|ui| {
        if sync.busy {
            ui.add(egui::Spinner::new().size(12.0));
        }
        let text = if sync.text.is_empty() {
            "Ready"
        } else {
            sync.text.as_str()
        };
        ui.label(RichText::new(text).color(theme::muted(ui)));

        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(url) = sandbox_url {
                sandbox_badge_ui(ui, url);
            }
            let usage = sync.usage;
            let mut usage_text = format!("API usage {} %", usage.max_percent);
            if usage.regain_access_minutes > 0 {
                usage_text.push_str(" · paused, back in ");
                usage_text.push_str(&usage.regain_access_minutes.to_string());
                usage_text.push_str(" min");
            }
            ui.label(RichText::new(usage_text).color(theme::usage_color(ui, usage.max_percent)))
                .on_hover_text(
                    "Highest figure from Meta's X-App-Usage and X-Business-Use-Case-Usage headers",
                );
        });
    });
}

/// The orange badge that says this is not the real Instagram.
fn sandbox_badge_ui(ui: &mut egui::Ui, url: &str) {
    egui::Frame::new()
        .fill(theme::SANDBOX)
        .corner_radius(4)
        .inner_margin(egui::Margin::symmetric(8, 1))
        .show(ui, |ui| {
            ui.label(RichText::new("SANDBOX").strong().color(Color32::BLACK))
                .on_hover_text(format!(
                    "Running against the built-in sandbox at {url}\nDemo data, nothing is posted to Instagram."
                ));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_labels_and_shortcuts_are_distinct() {
        let mut labels: Vec<_> = Tab::ALL.iter().map(|t| t.label()).collect();
        labels.dedup();
        assert_eq!(labels.len(), Tab::ALL.len());
        let keys: std::collections::HashSet<_> =
            Tab::ALL.iter().map(|t| t.shortcut_key()).collect();
        assert_eq!(keys.len(), Tab::ALL.len());
    }
}
