//! The Calendar tab: a month of published posts and scheduled drafts, day by day, in the
//! user's local time. Drag a scheduled post (or a draft without a time) onto another day to
//! move it, keeping its time of day; click it to set an exact time or take it off the
//! calendar. Published posts open on Instagram when clicked.
//!
//! Only draws and emits [`CalendarCommand`]s; the engine reads SQLite and moves drafts.

use chrono::{DateTime, Local, NaiveDate, NaiveTime, Utc};
use egui::{Color32, RichText, Sense, Stroke, vec2};

use super::TabContext;
use super::calendar_month::{self as month_math, GRID_DAYS, Month};
use super::composer::schedule;
use super::textures::ImageSize;
use super::theme;
use crate::engine::Command;
use crate::engine::calendar::{CalendarCommand, CalendarEvent};
use crate::ids::IgUserId;
use crate::model::Media;
use crate::store::{DraftState, DraftSummary, PostKind};

/// Smallest height of a day cell.
const MIN_CELL_HEIGHT: f32 = 84.0;
/// Height of one entry line in a cell.
const ENTRY_HEIGHT: f32 = 22.0;
/// Where a draft without a time lands when dropped on a day.
const DEFAULT_HOUR: u32 = 9;

/// What is being dragged: a draft's id.
#[derive(Clone, Copy, Debug)]
struct DraftDrag(i64);

/// The range the engine sent.
struct Loaded {
    account: IgUserId,
    month: Month,
    published: Vec<Media>,
    scheduled: Vec<DraftSummary>,
    unscheduled: Vec<DraftSummary>,
}

/// The Calendar tab's state.
#[derive(Default)]
pub struct CalendarTab {
    month: Option<Month>,
    loaded: Option<Loaded>,
    /// The (account, month) last asked for, and whether its answer is still awaited.
    requested: Option<(IgUserId, Month)>,
    waiting: bool,
    /// The pass this tab was last drawn in: a gap means it was just opened, so it reloads.
    last_pass: u64,
    selected: Option<i64>,
    /// The exact-time field, and the draft it was filled for.
    time_text: String,
    time_for: Option<i64>,
    notice: Option<(String, bool)>,
    /// The user asked for another tab (Edit opens the Composer).
    navigate: Option<super::Tab>,
}

impl CalendarTab {
    /// A tab the user asked to go to from here (taken once).
    pub fn take_navigation(&mut self) -> Option<super::Tab> {
        self.navigate.take()
    }

    /// Applies an engine event.
    pub fn on_event(&mut self, event: CalendarEvent) {
        match event {
            CalendarEvent::Range {
                account,
                from,
                to: _,
                published,
                scheduled,
                unscheduled,
            } => {
                let Some((want_account, want_month)) = &self.requested else {
                    return;
                };
                // A late answer for another account or month is dropped.
                if *want_account != account || want_month.grid_range(&Local).0 != from {
                    return;
                }
                self.waiting = false;
                self.loaded = Some(Loaded {
                    account,
                    month: *want_month,
                    published,
                    scheduled,
                    unscheduled,
                });
            }
            CalendarEvent::Rescheduled { draft, at } => {
                self.notice = Some((
                    match at {
                        Some(at) => format!("Moved to {}.", schedule::describe(at)),
                        None => "Taken off the calendar; it stays in Drafts.".to_owned(),
                    },
                    false,
                ));
                if at.is_none() && self.selected == Some(draft) {
                    self.selected = None;
                }
                self.requested = None;
            }
            CalendarEvent::Failed { message } => {
                self.waiting = false;
                self.notice = Some((super::capitalise(&message), true));
            }
        }
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let pass = ui.ctx().cumulative_pass_nr();
        if pass > self.last_pass + 1 {
            self.requested = None;
        }
        self.last_pass = pass;
        let Some(account) = cx.account else {
            super::empty::empty_state_ui(
                ui,
                super::empty::tab_heading(super::Tab::Calendar),
                "Connect an account in Accounts to plan its posts here.",
            );
            return;
        };
        let today = Local::now().date_naive();
        let month = *self.month.get_or_insert(Month::of(today));
        self.load_if_needed(&account.id, month, commands);

        self.header_ui(ui, month, today);
        if let Some((text, error)) = &self.notice {
            let color = if *error {
                theme::danger(ui)
            } else {
                theme::success(ui)
            };
            ui.label(RichText::new(text).color(color));
        }
        let Some(loaded) = self.loaded.as_ref().filter(|l| l.account == account.id) else {
            ui.label(RichText::new("Loading the calendar…").color(theme::muted(ui)));
            return;
        };
        let mut action = None;
        if self.time_for != self.selected {
            self.time_text.clear();
            self.time_for = self.selected;
        }
        if let Some(id) = self.selected
            && let Some(draft) = loaded
                .scheduled
                .iter()
                .chain(&loaded.unscheduled)
                .find(|d| d.id == id)
        {
            egui::Panel::right("calendar_detail")
                .resizable(false)
                .default_size(280.0)
                .show(ui, |ui| {
                    action = detail_ui(ui, draft, &mut self.time_text);
                });
        }
        unscheduled_ui(ui, &loaded.unscheduled, &mut self.selected);
        let grid_action = grid_ui(ui, loaded, today, cx, &mut self.selected, commands);
        let gone = self.selected.is_some()
            && !loaded
                .scheduled
                .iter()
                .chain(&loaded.unscheduled)
                .any(|d| Some(d.id) == self.selected);
        let action = action.or(grid_action);
        let current = action.as_ref().and_then(|a| {
            loaded
                .scheduled
                .iter()
                .find(|d| d.id == a.draft())
                .and_then(|d| d.scheduled_at)
        });
        if gone {
            self.selected = None;
        }
        if let Some(a) = action {
            self.apply(a, &account.id, current, commands);
        }
    }

    fn load_if_needed(&mut self, account: &IgUserId, month: Month, commands: &mut Vec<Command>) {
        let key = (account.clone(), month);
        if self.requested.as_ref() == Some(&key) {
            return;
        }
        let (from, to) = month.grid_range(&Local);
        commands.push(Command::Calendar(CalendarCommand::Load {
            account: account.clone(),
            from,
            to,
        }));
        self.requested = Some(key);
        self.waiting = true;
    }

    fn header_ui(&mut self, ui: &mut egui::Ui, month: Month, today: NaiveDate) {
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        let (back, forward) = ui.input(|i| {
            (
                !typing && i.key_pressed(egui::Key::PageUp),
                !typing && i.key_pressed(egui::Key::PageDown),
            )
        });
        let mut legend_fits = true;
        ui.horizontal(|ui| {
            ui.heading(super::empty::tab_heading(super::Tab::Calendar));
            ui.add_space(16.0);
            ui.label(RichText::new(month.title()).strong().size(16.0));
            ui.add_space(8.0);
            if ui
                .button("Previous month")
                .on_hover_text("Page Up")
                .clicked()
                || back
            {
                self.month = Some(month.previous());
            }
            if ui.button("Today").clicked() {
                self.month = Some(Month::of(today));
            }
            if ui.button("Next month").on_hover_text("Page Down").clicked() || forward {
                self.month = Some(month.next());
            }
            if ui.button("Refresh").clicked() {
                self.requested = None;
            }
            if self.waiting {
                ui.spinner();
            }
            // On a narrow window the legend gets a line of its own rather than sliding
            // under the buttons.
            legend_fits = ui.available_width() >= LEGEND_WIDTH;
            if legend_fits {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    legend_ui(ui);
                });
            }
        });
        if !legend_fits {
            ui.allocate_ui_with_layout(
                vec2(ui.available_width(), 16.0),
                egui::Layout::right_to_left(egui::Align::Center),
                legend_ui,
            );
        }
        ui.add_space(4.0);
    }

    /// Turns an action into a command; `current` is the draft's time now, if it has one.
    fn apply(
        &mut self,
        action: Action,
        account: &IgUserId,
        current: Option<DateTime<Utc>>,
        commands: &mut Vec<Command>,
    ) {
        let draft = action.draft();
        let at = match action {
            Action::Drop { day, .. } => match current {
                Some(at) => month_math::move_to_day(at, day, &Local),
                None => month_math::at_local(
                    day,
                    NaiveTime::from_hms_opt(DEFAULT_HOUR, 0, 0).unwrap_or(NaiveTime::MIN),
                    &Local,
                ),
            },
            Action::SetTime { ref text, .. } => match schedule::parse_local(text, Utc::now()) {
                Ok(at) => {
                    self.selected = Some(draft);
                    at
                }
                Err(e) => {
                    self.notice = Some((super::capitalise(&e.to_string()), true));
                    return;
                }
            },
            Action::Unschedule { .. } => {
                commands.push(Command::Calendar(CalendarCommand::Unschedule {
                    account: account.clone(),
                    draft,
                }));
                return;
            }
            Action::Edit { .. } => {
                commands.push(Command::Composer(
                    crate::engine::composer::ComposerCommand::OpenDraft { draft },
                ));
                self.navigate = Some(super::Tab::Composer);
                return;
            }
        };
        commands.push(Command::Calendar(CalendarCommand::Reschedule {
            account: account.clone(),
            draft,
            at,
        }));
    }
}

/// What the user did this frame.
enum Action {
    Drop {
        draft: i64,
        day: NaiveDate,
    },
    SetTime {
        draft: i64,
        text: String,
    },
    Unschedule {
        draft: i64,
    },
    /// Open the draft in the Composer.
    Edit {
        draft: i64,
    },
}

impl Action {
    fn draft(&self) -> i64 {
        match self {
            Self::Drop { draft, .. }
            | Self::SetTime { draft, .. }
            | Self::Unschedule { draft }
            | Self::Edit { draft } => *draft,
        }
    }
}

/// Room the legend needs beside the month buttons (three labels with their swatches).
const LEGEND_WIDTH: f32 = 200.0;

fn legend_ui(ui: &mut egui::Ui) {
    for (color, label) in [
        (theme::danger(ui), "failed"),
        (theme::ACCENT, "scheduled"),
        (theme::success(ui), "published"),
    ] {
        ui.label(RichText::new(label).color(theme::muted(ui)).small());
        let (rect, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
        ui.painter().rect_filled(rect, 2.0, color);
    }
}

/// Saved drafts without a time, to drag onto a day (the day cell takes the drop).
fn unscheduled_ui(ui: &mut egui::Ui, drafts: &[DraftSummary], selected: &mut Option<i64>) {
    if drafts.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Drafts without a time (drag onto a day):").color(theme::muted(ui)));
        for draft in drafts.iter().take(12) {
            let text = format!("{}: {}", kind_label(draft.kind), short(&draft.caption, 24));
            let response = ui.add(
                egui::Button::new(RichText::new(text).small())
                    .fill(theme::placeholder(ui))
                    .sense(Sense::click_and_drag()),
            );
            response.dnd_set_drag_payload(DraftDrag(draft.id));
            if response.clicked() {
                *selected = Some(draft.id);
            }
        }
        if drafts.len() > 12 {
            ui.label(RichText::new(format!("+{} more in Composer", drafts.len() - 12)).small());
        }
    });
    ui.add_space(4.0);
}

/// The six-week grid. Returns a drop, if one happened.
fn grid_ui(
    ui: &mut egui::Ui,
    loaded: &Loaded,
    today: NaiveDate,
    cx: &mut TabContext<'_>,
    selected: &mut Option<i64>,
    commands: &mut Vec<Command>,
) -> Option<Action> {
    let gap = 4.0;
    let width = ui.available_width();
    let cell_w = ((width - gap * 6.0) / 7.0).max(60.0);
    let header_h = 18.0;
    let cell_h = ((ui.available_height() - header_h - gap * 6.0) / 6.0).max(MIN_CELL_HEIGHT);
    let days = loaded.month.grid_days();
    let mut action = None;
    egui::ScrollArea::vertical()
        .id_salt("calendar_grid")
        .auto_shrink(false)
        .show(ui, |ui| {
            let origin = ui.cursor().min;
            for (i, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .iter()
                .enumerate()
            {
                let pos = origin + vec2(i as f32 * (cell_w + gap) + 4.0, 0.0);
                ui.painter().text(
                    pos,
                    egui::Align2::LEFT_TOP,
                    *name,
                    egui::FontId::proportional(12.0),
                    theme::muted(ui),
                );
            }
            let total = vec2(7.0 * cell_w + 6.0 * gap, header_h + 6.0 * (cell_h + gap));
            ui.allocate_space(total);
            for (index, day) in days.iter().enumerate().take(GRID_DAYS) {
                let (row, col) = (index / 7, index % 7);
                let min = origin
                    + vec2(
                        col as f32 * (cell_w + gap),
                        header_h + row as f32 * (cell_h + gap),
                    );
                let rect = egui::Rect::from_min_size(min, vec2(cell_w, cell_h));
                let published: Vec<&Media> = loaded
                    .published
                    .iter()
                    .filter(|m| month_math::local_day(m.timestamp, &Local) == *day)
                    .collect();
                let scheduled: Vec<&DraftSummary> = loaded
                    .scheduled
                    .iter()
                    .filter(|d| {
                        d.scheduled_at
                            .is_some_and(|t| month_math::local_day(t, &Local) == *day)
                    })
                    .collect();
                let cell = DayCell {
                    day: *day,
                    in_month: Month::of(*day) == loaded.month,
                    is_today: *day == today,
                    published,
                    scheduled,
                };
                if let Some(a) = cell.ui(ui, rect, cx, selected, commands) {
                    action = Some(a);
                }
            }
        });
    action
}

struct DayCell<'a> {
    day: NaiveDate,
    in_month: bool,
    is_today: bool,
    published: Vec<&'a Media>,
    scheduled: Vec<&'a DraftSummary>,
}

impl DayCell<'_> {
    fn ui(
        &self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        cx: &mut TabContext<'_>,
        selected: &mut Option<i64>,
        commands: &mut Vec<Command>,
    ) -> Option<Action> {
        let id = ui.scope_id().with(("calendar_day", self.day));
        let zone = ui.interact(rect, id, Sense::hover());
        let dragging = zone.dnd_hover_payload::<DraftDrag>().is_some();
        let fill = if self.in_month {
            theme::panel_bg(ui).gamma_multiply(1.4)
        } else {
            theme::sidebar_bg(ui)
        };
        let stroke = if dragging {
            Stroke::new(2.0, theme::ACCENT)
        } else if self.is_today {
            Stroke::new(1.5, theme::ACCENT.gamma_multiply(0.7))
        } else {
            Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color)
        };
        ui.painter().rect(
            rect,
            f32::from(theme::CARD_RADIUS),
            fill,
            stroke,
            egui::StrokeKind::Inside,
        );
        let number_color = if self.in_month {
            ui.visuals().text_color()
        } else {
            theme::muted(ui)
        };
        ui.painter().text(
            rect.min + vec2(6.0, 4.0),
            egui::Align2::LEFT_TOP,
            self.day.format("%-d").to_string(),
            egui::FontId::proportional(13.0),
            number_color,
        );
        let inner = egui::Rect::from_min_max(rect.min + vec2(4.0, 22.0), rect.max - vec2(4.0, 2.0));
        let fits = ((inner.height() / ENTRY_HEIGHT).floor() as usize).max(1);
        let total = self.scheduled.len() + self.published.len();
        let shown = if total > fits { fits - 1 } else { total };
        ui.scope_builder(egui::UiBuilder::new().max_rect(inner), |ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            let mut left = shown;
            for draft in &self.scheduled {
                if left == 0 {
                    break;
                }
                left -= 1;
                draft_chip(ui, draft, inner.width(), selected);
            }
            for media in &self.published {
                if left == 0 {
                    break;
                }
                left -= 1;
                media_chip(ui, media, cx, commands);
            }
            if total > shown {
                ui.label(
                    RichText::new(format!("+{} more", total - shown))
                        .small()
                        .color(theme::muted(ui)),
                );
            }
        });
        zone.dnd_release_payload::<DraftDrag>()
            .map(|drag| Action::Drop {
                draft: drag.0,
                day: self.day,
            })
    }
}

fn draft_chip(ui: &mut egui::Ui, draft: &DraftSummary, width: f32, selected: &mut Option<i64>) {
    let color = match draft.state {
        DraftState::Failed => theme::danger(ui),
        DraftState::Publishing => theme::warning(ui),
        _ => theme::ACCENT,
    };
    let time = draft
        .scheduled_at
        .map(|t| t.with_timezone(&Local).format("%H:%M").to_string())
        .unwrap_or_default();
    let text = format!("{time} {}", short(&draft.caption, 40));
    let is_selected = *selected == Some(draft.id);
    let response = ui.add(
        egui::Button::new(RichText::new(text).small().color(Color32::WHITE))
            .fill(color.gamma_multiply(if is_selected { 0.9 } else { 0.55 }))
            .truncate()
            .min_size(vec2(width, ENTRY_HEIGHT - 2.0))
            .sense(Sense::click_and_drag()),
    );
    let movable = matches!(draft.state, DraftState::Scheduled | DraftState::Draft);
    if movable {
        response.dnd_set_drag_payload(DraftDrag(draft.id));
    }
    let response = response.on_hover_text(format!(
        "{} · {}\n{}{}",
        kind_label(draft.kind),
        state_label(draft.state),
        short(&draft.caption, 200),
        draft
            .error
            .as_deref()
            .map(|e| format!("\n{e}"))
            .unwrap_or_default()
    ));
    if response.clicked() {
        *selected = Some(draft.id);
    }
}

fn media_chip(
    ui: &mut egui::Ui,
    media: &Media,
    cx: &mut TabContext<'_>,
    commands: &mut Vec<Command>,
) {
    let url = media.preview_url().map(str::to_owned);
    if let Some(url) = &url
        && cx.textures.request(ImageSize::Thumbnail, url)
    {
        commands.push(Command::LoadThumbnail { url: url.clone() });
    }
    let response = ui
        .horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            let size = vec2(ENTRY_HEIGHT - 4.0, ENTRY_HEIGHT - 4.0);
            if let Some(texture) = url
                .as_deref()
                .and_then(|u| cx.textures.texture(ImageSize::Thumbnail, u))
            {
                ui.add(
                    egui::Image::new(texture)
                        .uv(square_uv(texture.size_vec2()))
                        // The uv already cuts a square: fill the square, do not letterbox.
                        .maintain_aspect_ratio(false)
                        .fit_to_exact_size(size)
                        .corner_radius(3.0),
                );
            } else {
                let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
                ui.painter().rect_filled(rect, 3.0, theme::placeholder(ui));
            }
            let time = media.timestamp.with_timezone(&Local).format("%H:%M");
            ui.add(
                egui::Label::new(
                    RichText::new(format!(
                        "{time} {}",
                        short(media.caption.as_deref().unwrap_or(""), 40)
                    ))
                    .small()
                    .color(theme::success(ui)),
                )
                .truncate()
                .sense(Sense::click()),
            )
        })
        .inner;
    let response = response.on_hover_text(format!(
        "Published {}\n{}",
        media
            .timestamp
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M"),
        short(media.caption.as_deref().unwrap_or(""), 200)
    ));
    if response.clicked()
        && let Some(link) = &media.permalink
    {
        commands.push(Command::OpenUrl(link.clone()));
    }
}

/// The selected draft: its details, an exact time, and taking it off the calendar.
fn detail_ui(ui: &mut egui::Ui, draft: &DraftSummary, time_text: &mut String) -> Option<Action> {
    let mut action = None;
    ui.add_space(6.0);
    ui.strong(format!(
        "{} · {}",
        kind_label(draft.kind),
        state_label(draft.state)
    ));
    ui.label(
        RichText::new(format!(
            "{} item{}",
            draft.items,
            if draft.items == 1 { "" } else { "s" }
        ))
        .color(theme::muted(ui)),
    );
    ui.add_space(4.0);
    ui.label(if draft.caption.is_empty() {
        "(no caption)".to_owned()
    } else {
        short(&draft.caption, 300)
    });
    if let Some(error) = &draft.error {
        ui.label(RichText::new(error).color(theme::danger(ui)));
    }
    ui.separator();
    match draft.scheduled_at {
        Some(at) => ui.label(format!("Scheduled for {}", schedule::describe(at))),
        None => ui.label("Not scheduled"),
    };
    let movable = matches!(draft.state, DraftState::Scheduled | DraftState::Draft);
    if !movable {
        ui.label(
            RichText::new("Being published or already published: it can no longer move.")
                .color(theme::muted(ui)),
        );
        return None;
    }
    if time_text.is_empty()
        && let Some(at) = draft.scheduled_at
    {
        *time_text = at
            .with_timezone(&Local)
            .format(schedule::SCHEDULE_FORMAT)
            .to_string();
    }
    let label = ui.label("New time (your local time)");
    let field = ui
        .add(
            egui::TextEdit::singleline(time_text)
                .hint_text(schedule::SCHEDULE_HINT)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        super::schedule_picker::schedule_picker_ui(
            ui,
            time_text,
            &format!("calendar_move_{}", draft.id),
        );
    });
    ui.horizontal(|ui| {
        if ui.button("Move").clicked() || enter {
            action = Some(Action::SetTime {
                draft: draft.id,
                text: time_text.clone(),
            });
        }
        if draft.state == DraftState::Scheduled && ui.button("Unschedule").clicked() {
            action = Some(Action::Unschedule { draft: draft.id });
        }
        if ui
            .button("Edit")
            .on_hover_text("Open it in the Composer: pictures, crops, tags, caption and time")
            .clicked()
        {
            action = Some(Action::Edit { draft: draft.id });
        }
    });
    action
}

/// The centred square of a picture, as texture coordinates (a thumbnail is never squashed).
fn square_uv(size: egui::Vec2) -> egui::Rect {
    let (w, h) = (size.x.max(1.0), size.y.max(1.0));
    if w > h {
        let cut = (1.0 - h / w) / 2.0;
        egui::Rect::from_min_max(egui::pos2(cut, 0.0), egui::pos2(1.0 - cut, 1.0))
    } else {
        let cut = (1.0 - w / h) / 2.0;
        egui::Rect::from_min_max(egui::pos2(0.0, cut), egui::pos2(1.0, 1.0 - cut))
    }
}

fn kind_label(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Image => "Post",
        PostKind::Carousel => "Carousel",
        PostKind::Reel => "Reel",
        PostKind::Story => "Story",
    }
}

fn state_label(state: DraftState) -> &'static str {
    match state {
        DraftState::Draft => "draft",
        DraftState::Scheduled => "scheduled",
        DraftState::Publishing => "publishing",
        DraftState::Published => "published",
        DraftState::Failed => "failed",
    }
}

/// The first `max` characters of the first line, with "…" when cut.
fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > max || text.lines().nth(1).is_some() {
        let cut: String = line.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cuts_long_and_multiline_captions() {
        assert_eq!(short("Hello", 10), "Hello");
        assert_eq!(short("Hello world, long", 5), "Hello…");
        assert_eq!(short("Line one\nline two", 40), "Line one…");
        assert_eq!(crate::ui::capitalise("that post"), "That post");
    }
}
