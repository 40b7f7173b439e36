//! Live video in the Feed: a banner at the top while a broadcast is on air ("LIVE now — N
//! comments") that opens the live moderation view, where the broadcast's comments stream in
//! with Hide, Delete and Reply beside each.
//!
//! The view only draws what the engine last sent ([`LiveEvent::Status`]) and emits
//! [`LiveCommand`]s. It asks the engine to watch the active account while the Feed is
//! shown, and to stop when it is not, so `live_media` is not polled behind other tabs.
//! Moderation is shown at once (a hidden comment greys, a deleted one goes) and the next
//! status from Meta confirms it.

use egui::RichText;

use crate::engine::Command;
use crate::engine::live::{LiveBroadcast, LiveCommand, LiveEvent};
use crate::graph::comments::Comment;
use crate::ids::{CommentId, IgUserId};

/// The Feed's live state.
#[derive(Default)]
pub struct LiveState {
    /// The account the engine watches (what was last asked).
    watching: Option<IgUserId>,
    /// The last status for `watching`.
    live: Option<LiveBroadcast>,
    /// The moderation view is open.
    open: bool,
    /// The comment being replied to, and the reply typed so far.
    reply_to: Option<CommentId>,
    draft: String,
    /// The last action's outcome.
    notice: Option<(String, bool)>,
}

/// The banner's words: "LIVE now — 1 comment" / "— N comments".
pub fn banner_text(comments: usize) -> String {
    let noun = if comments == 1 { "comment" } else { "comments" };
    format!("🔴 LIVE now — {comments} {noun}")
}

impl LiveState {
    /// The broadcast shown, if any.
    pub fn live(&self) -> Option<&LiveBroadcast> {
        self.live.as_ref()
    }

    /// True while the moderation view is open.
    pub fn is_open(&self) -> bool {
        self.open && self.live.is_some()
    }

    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: LiveEvent) {
        match event {
            LiveEvent::Status { account, live } => {
                if Some(&account) == self.watching.as_ref() {
                    self.live = live.map(|b| *b);
                    if self.live.is_none() {
                        self.open = false;
                        self.reply_to = None;
                    }
                }
            }
            LiveEvent::Done {
                account,
                what,
                error,
            } => {
                if Some(&account) == self.watching.as_ref() {
                    self.notice = Some(match error {
                        None => (what, false),
                        Some(e) => (e, true),
                    });
                }
            }
        }
    }

    /// Asks the engine to watch `account` while the Feed (or this view) is shown, and to
    /// stop otherwise. Call once per frame.
    pub fn watch(
        &mut self,
        account: Option<&IgUserId>,
        feed_shown: bool,
        commands: &mut Vec<Command>,
    ) {
        let wanted = account.filter(|_| feed_shown).cloned();
        if wanted != self.watching {
            if wanted.is_none() || self.watching.is_some() {
                self.live = None;
                self.open = false;
            }
            self.watching.clone_from(&wanted);
            commands.push(Command::Live(LiveCommand::Watch(wanted)));
        }
    }

    /// The banner at the top of the Feed (nothing when no broadcast is on air).
    pub fn banner_ui(&mut self, ui: &mut egui::Ui) {
        let Some(live) = &self.live else { return };
        // Meta's count (the view reads the latest page of comments only).
        let count = live
            .media
            .comments_count
            .map_or(live.comments.len(), |n| n as usize);
        let text = banner_text(count);
        let button = egui::Button::new(RichText::new(text).strong().color(egui::Color32::WHITE))
            .fill(egui::Color32::from_rgb(214, 41, 118))
            .min_size(egui::vec2(ui.available_width(), 32.0));
        if ui
            .add(button)
            .on_hover_text("Open the live moderation view")
            .clicked()
        {
            self.open = true;
        }
        ui.add_space(4.0);
    }

    /// The moderation view (drawn instead of the grid while open).
    pub fn view_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let (Some(live), Some(account)) = (self.live.clone(), self.watching.clone()) else {
            return;
        };
        ui.horizontal(|ui| {
            if ui.button("Back to the Feed").clicked() {
                self.open = false;
            }
            ui.heading(format!(
                "Live: @{}",
                live.media.username.as_deref().unwrap_or("you")
            ));
            ui.label(
                RichText::new(format!(
                    "on air since {} · {} comments · new ones arrive every few seconds",
                    live.media
                        .timestamp
                        .with_timezone(&chrono::Local)
                        .format("%H:%M"),
                    live.comments.len()
                ))
                .small()
                .weak(),
            );
        });
        if let Some((text, is_error)) = self.notice.clone() {
            ui.horizontal(|ui| {
                if is_error {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                } else {
                    ui.label(text);
                }
                if ui.small_button("Dismiss").clicked() {
                    self.notice = None;
                }
            });
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("live_comments")
            .stick_to_bottom(true)
            .show(ui, |ui| {
                if live.comments.is_empty() {
                    ui.label(RichText::new("No comments yet.").italics());
                }
                for c in &live.comments {
                    self.comment_ui(ui, &account, c, commands);
                }
            });
    }

    fn comment_ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &IgUserId,
        c: &Comment,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal_wrapped(|ui| {
            if c.parent_id.is_some() {
                // Replies sit under the comment they answer.
                ui.add_space(24.0);
            }
            ui.label(RichText::new(format!("@{}", c.username)).strong());
            let text = RichText::new(&c.text);
            ui.label(if c.hidden {
                text.weak().italics()
            } else {
                text
            });
            if c.hidden {
                ui.label(RichText::new("(hidden)").small().weak());
            }
            let (hide_label, hide) = if c.hidden {
                (format!("Unhide comment by @{}", c.username), false)
            } else {
                (format!("Hide comment by @{}", c.username), true)
            };
            let short = if hide { "Hide" } else { "Unhide" };
            let hide_button = ui.small_button(short);
            hide_button
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &hide_label));
            if hide_button.clicked() {
                self.set_hidden(&c.id, hide);
                commands.push(Command::Live(LiveCommand::Hide {
                    account: account.clone(),
                    comment: c.id.clone(),
                    hidden: hide,
                }));
            }
            let delete_label = format!("Delete comment by @{}", c.username);
            let delete = ui.small_button("Delete");
            delete
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &delete_label));
            if delete.clicked() {
                self.remove(&c.id);
                commands.push(Command::Live(LiveCommand::Delete {
                    account: account.clone(),
                    comment: c.id.clone(),
                }));
            }
            let reply_label = format!("Reply to @{}", c.username);
            let reply = ui.small_button("Reply");
            reply.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &reply_label));
            if reply.clicked() {
                self.reply_to = Some(c.id.clone());
                self.draft = format!("@{} ", c.username);
            }
        });
        if self.reply_to.as_ref() == Some(&c.id) {
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.draft)
                        .desired_width(ui.available_width() - 140.0)
                        .hint_text("Your reply"),
                );
                edit.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Live reply")
                });
                let send = ui.add_enabled(
                    !self.draft.trim().is_empty(),
                    egui::Button::new("Send reply"),
                );
                if send.clicked() {
                    commands.push(Command::Live(LiveCommand::Reply {
                        account: account.clone(),
                        to: c.id.clone(),
                        text: self.draft.trim().to_owned(),
                    }));
                    self.reply_to = None;
                    self.draft.clear();
                }
                if ui.button("Cancel").clicked() {
                    self.reply_to = None;
                }
            });
        }
    }

    fn set_hidden(&mut self, id: &CommentId, hidden: bool) {
        if let Some(c) = self
            .live
            .as_mut()
            .and_then(|l| l.comments.iter_mut().find(|c| &c.id == id))
        {
            c.hidden = hidden;
        }
    }

    fn remove(&mut self, id: &CommentId) {
        if let Some(l) = self.live.as_mut() {
            l.comments
                .retain(|c| &c.id != id && c.parent_id.as_ref() != Some(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_counts_in_words() {
        assert_eq!(banner_text(1), "🔴 LIVE now — 1 comment");
        assert_eq!(banner_text(12), "🔴 LIVE now — 12 comments");
    }
}
