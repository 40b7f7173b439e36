//! Toasts: short messages stacked at the top right.
//!
//! Notices fade out on their own after [`NOTICE_SECS`]; errors stay until the user closes
//! them, because an error the user did not see cannot be acted on.

use egui::{Align2, RichText};

use super::{icons, theme};

/// How long a notice stays on screen.
pub const NOTICE_SECS: f64 = 6.0;
/// At most this many toasts are shown; older ones wait below the fold.
const MAX_SHOWN: usize = 5;

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    message: String,
    is_error: bool,
    /// `InputState::time` when it was shown, for auto-dismissal.
    shown_at: f64,
}

/// The stack of messages waiting to be read.
#[derive(Default)]
pub struct Toasts {
    toasts: Vec<Toast>,
    next_id: u64,
}

impl Toasts {
    /// Adds a message; `now` is the UI clock (`ui.input(|i| i.time)`).
    pub fn push(&mut self, message: impl Into<String>, is_error: bool, now: f64) {
        let message = message.into();
        // The same error arriving again (a retry loop) should not stack up.
        if self
            .toasts
            .iter()
            .any(|t| t.message == message && t.is_error == is_error)
        {
            return;
        }
        self.toasts.push(Toast {
            id: self.next_id,
            message,
            is_error,
            shown_at: now,
        });
        self.next_id += 1;
    }

    /// Number of messages still on screen.
    pub fn len(&self) -> usize {
        self.toasts.len()
    }

    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.toasts.is_empty()
    }

    /// Drops notices older than [`NOTICE_SECS`]; returns seconds until the next one expires.
    fn expire(&mut self, now: f64) -> Option<f64> {
        self.toasts
            .retain(|t| t.is_error || now - t.shown_at < NOTICE_SECS);
        self.toasts
            .iter()
            .filter(|t| !t.is_error)
            .map(|t| NOTICE_SECS - (now - t.shown_at))
            .reduce(f64::min)
    }

    /// Draws the stack at the top right of the window.
    pub fn toasts_ui(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if let Some(secs) = self.expire(now) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(secs.max(0.05)));
        }
        if self.toasts.is_empty() {
            return;
        }
        let mut closed = None;
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(Align2::RIGHT_TOP, egui::vec2(-14.0, 52.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(360.0);
                for toast in self.toasts.iter().rev().take(MAX_SHOWN) {
                    if toast_ui(ui, toast) {
                        closed = Some(toast.id);
                    }
                    ui.add_space(4.0);
                }
            });
        if let Some(id) = closed {
            self.toasts.retain(|t| t.id != id);
        }
    }
}

/// One toast card; returns true when the user closed it.
fn toast_ui(ui: &mut egui::Ui, toast: &Toast) -> bool {
    let (stripe, title) = if toast.is_error {
        (theme::danger(ui), "Error")
    } else {
        (theme::ACCENT, "Notice")
    };
    let mut closed = false;
    egui::Frame::new()
        .fill(ui.visuals().window_fill)
        .stroke(egui::Stroke::new(1.0, stripe))
        .corner_radius(8)
        .inner_margin(egui::Margin::symmetric(12, 8))
        .shadow(ui.visuals().popup_shadow)
        .show(ui, |ui| {
            ui.set_width(320.0);
            ui.horizontal(|ui| {
                ui.label(RichText::new(title).strong().color(stripe));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if icons::icon_button(ui, icons::Icon::Close, "Dismiss", true).clicked() {
                        closed = true;
                    }
                });
            });
            ui.add(egui::Label::new(&toast.message).wrap());
        });
    closed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_expire_and_errors_stay() {
        let mut toasts = Toasts::default();
        toasts.push("saved", false, 0.0);
        toasts.push("token expired", true, 0.0);
        toasts.push("token expired", true, 1.0);
        assert_eq!(toasts.len(), 2, "a repeated error is shown once");

        assert!(toasts.expire(1.0).is_some());
        assert_eq!(toasts.len(), 2);
        assert_eq!(toasts.expire(NOTICE_SECS + 1.0), None);
        assert_eq!(toasts.len(), 1, "only the error is left");
    }
}
