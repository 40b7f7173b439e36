//! A small "Reply in DM" form for a comment, for the Comments tab and a post's detail to
//! embed: it explains the rules (one private reply per comment, within 7 days), sends
//! [`DmsCommand::PrivateReply`], and shows the outcome when fed the matching [`DmsEvent`].

use chrono::{DateTime, Utc};
use egui::RichText;

use crate::engine::Command;
use crate::engine::dms::{DmsCommand, DmsEvent, PrivateReplyRequest};
use crate::ids::{CommentId, IgUserId};

use super::theme;

/// Private replies are allowed this long after the comment.
const WINDOW_DAYS: i64 = 7;

/// Where a private reply stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PrivateReplyState {
    #[default]
    Editing,
    Sending,
    Sent,
    Failed(String),
}

/// The comment a private reply answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRef {
    pub id: CommentId,
    pub time: DateTime<Utc>,
    pub author_id: Option<String>,
    pub author_username: Option<String>,
}

/// The form's state; keep one per comment being answered.
#[derive(Default)]
pub struct PrivateReplyForm {
    pub text: String,
    pub state: PrivateReplyState,
    comment: Option<CommentId>,
}

impl PrivateReplyForm {
    /// Applies a DM event (forward `Event::Dms` here while the form is shown).
    pub fn on_event(&mut self, event: &DmsEvent) {
        match event {
            DmsEvent::PrivateReplySent { comment, .. }
                if Some(comment) == self.comment.as_ref() =>
            {
                self.state = PrivateReplyState::Sent;
            }
            DmsEvent::PrivateReplyFailed {
                comment, message, ..
            } if Some(comment) == self.comment.as_ref() => {
                self.state = PrivateReplyState::Failed(message.clone());
            }
            _ => {}
        }
    }

    /// Draws the form for `comment`; pushes the command when the user sends.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &IgUserId,
        comment: &CommentRef,
        now: DateTime<Utc>,
        commands: &mut Vec<Command>,
    ) {
        if self.comment.as_ref() != Some(&comment.id) {
            *self = Self {
                comment: Some(comment.id.clone()),
                ..Self::default()
            };
        }
        let who = comment
            .author_username
            .as_deref()
            .map_or_else(|| "the commenter".to_owned(), |u| format!("@{u}"));
        let closes = comment.time + chrono::Duration::days(WINDOW_DAYS);
        if now > closes {
            ui.label(
                RichText::new(format!(
                    "A private reply is no longer possible: Instagram allows one within 7 days of the comment (until {}).",
                    closes.format("%Y-%m-%d %H:%M UTC")
                ))
                .color(theme::muted(ui)),
            );
            return;
        }
        match &self.state {
            PrivateReplyState::Sent => {
                ui.label(
                    RichText::new(format!(
                        "Private reply sent to {who}. It is in DMs; more messages only after they answer."
                    ))
                    .color(theme::success(ui)),
                );
                return;
            }
            PrivateReplyState::Failed(why) => {
                ui.label(RichText::new(why).color(theme::danger(ui)));
            }
            _ => {}
        }
        ui.label(
            RichText::new(format!(
                "Send {who} one private message about this comment (one per comment, until {}).",
                closes.format("%Y-%m-%d %H:%M UTC")
            ))
            .small()
            .color(theme::muted(ui)),
        );
        ui.horizontal(|ui| {
            let label = ui.label("Private reply");
            ui.add(egui::TextEdit::singleline(&mut self.text).desired_width(280.0))
                .labelled_by(label.id);
            let sending = self.state == PrivateReplyState::Sending;
            let can_send = !sending && !self.text.trim().is_empty();
            if ui
                .add_enabled(can_send, egui::Button::new("Send in DM"))
                .clicked()
            {
                self.state = PrivateReplyState::Sending;
                commands.push(Command::Dms(DmsCommand::PrivateReply {
                    account: account.clone(),
                    request: PrivateReplyRequest {
                        comment: comment.id.clone(),
                        comment_time: comment.time,
                        commenter_id: comment.author_id.clone(),
                        commenter_username: comment.author_username.clone(),
                        text: self.text.trim().to_owned(),
                    },
                }));
            }
            if sending {
                ui.label(RichText::new("Sending…").color(theme::muted(ui)));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    struct State {
        form: PrivateReplyForm,
        comment: CommentRef,
        now: DateTime<Utc>,
        commands: Vec<Command>,
    }

    fn harness(age_days: i64) -> Harness<'static, State> {
        let now = Utc::now();
        let state = State {
            form: PrivateReplyForm::default(),
            comment: CommentRef {
                id: CommentId::from("c1"),
                time: now - chrono::Duration::days(age_days),
                author_id: Some("61".into()),
                author_username: Some("ana".into()),
            },
            now,
            commands: Vec::new(),
        };
        Harness::new_ui_state(
            |ui, s: &mut State| {
                let account = IgUserId::from("178");
                s.form.ui(ui, &account, &s.comment, s.now, &mut s.commands);
            },
            state,
        )
    }

    #[test]
    fn sends_once_and_shows_the_outcome() {
        let mut h = harness(1);
        h.run();
        h.get_by_label("Private reply").focus();
        h.run();
        h.get_by_label("Private reply").type_text("Check your DMs!");
        h.run();
        h.get_by_label("Send in DM").click();
        h.run();
        assert!(matches!(
            h.state().commands.as_slice(),
            [Command::Dms(DmsCommand::PrivateReply { request, .. })] if request.text == "Check your DMs!"
        ));
        h.state_mut().form.on_event(&DmsEvent::PrivateReplyFailed {
            account: IgUserId::from("178"),
            comment: CommentId::from("c1"),
            message: "a private reply to this comment was already sent".into(),
        });
        h.run();
        h.get_by_label("a private reply to this comment was already sent");
    }

    #[test]
    fn a_comment_older_than_7_days_offers_no_form() {
        let mut h = harness(8);
        h.run();
        assert!(h.query_by_label("Private reply").is_none());
    }
}
