//! The DMs tab: the conversation list of the active account (avatar initial, username, last
//! message, time, a locally kept unread dot) beside the open conversation (see
//! [`super::dms_chat`]). State arrives as [`DmsEvent`]s; clicks become [`DmsCommand`]s.

use chrono::{DateTime, Local, Utc};
use egui::{RichText, Sense};

use crate::engine::Command;
use crate::engine::dms::{DmSummary, DmsCommand, DmsEvent, SendWindow};
use crate::graph::messages::{ConversationId, DmMessage};
use crate::ids::IgUserId;

use super::dms_chat::{self, ChatOutcome};
use super::{TabContext, theme};

/// Width of the conversation list.
const LIST_WIDTH: f32 = 280.0;

/// A message typed here and not yet confirmed by the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingBubble {
    pub text: String,
    /// Why it was not sent (shown under the bubble), once the engine said so.
    pub failed: Option<String>,
}

/// The open conversation.
#[derive(Default)]
pub struct ChatState {
    pub id: Option<ConversationId>,
    pub messages: Vec<DmMessage>,
    pub window: Option<SendWindow>,
    pub pending: Vec<PendingBubble>,
    pub draft: String,
    pub human_agent: bool,
    pub image_url: String,
    pub show_image_field: bool,
}

/// The DMs tab's state.
#[derive(Default)]
pub struct DmsTab {
    /// The account the shown inbox belongs to (a refresh was asked for it).
    account: Option<IgUserId>,
    conversations: Vec<DmSummary>,
    loaded: bool,
    /// The last problem or queue notice: (text, is_error).
    notice: Option<(String, bool)>,
    chat: ChatState,
    /// Set when the open conversation changed on the server; the next frame re-opens it.
    reload_open: bool,
}

impl DmsTab {
    /// Conversations with a message the user has not opened (the DMs tab's badge).
    pub fn unread_count(&self) -> usize {
        self.conversations.iter().filter(|c| c.unread).count()
    }

    /// The account whose inbox the tab holds (none before the tab was first shown).
    pub fn account(&self) -> Option<&IgUserId> {
        self.account.as_ref()
    }

    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: DmsEvent) {
        match event {
            DmsEvent::Conversations {
                account,
                conversations,
                from_cache,
            } if Some(&account) == self.account.as_ref() => {
                // The open conversation moved on (the poller saw a new message): re-read it.
                if let Some(open) = &self.chat.id {
                    let last = |list: &[DmSummary]| {
                        list.iter()
                            .find(|s| &s.conversation.id == open)
                            .and_then(|s| s.conversation.last_time)
                    };
                    if !from_cache
                        && last(&conversations) != last(&self.conversations)
                        && last(&self.conversations).is_some()
                    {
                        self.reload_open = true;
                    }
                }
                self.conversations = conversations;
                if !from_cache {
                    self.loaded = true;
                    if self.notice.as_ref().is_some_and(|n| !n.1) {
                        self.notice = None;
                    }
                }
            }
            DmsEvent::Thread {
                account,
                conversation,
                messages,
                window,
            } if Some(&account) == self.account.as_ref()
                && Some(&conversation) == self.chat.id.as_ref() =>
            {
                // Bubbles that now appear in the thread are no longer pending.
                self.chat.pending.retain(|p| {
                    p.failed.is_some()
                        || !messages.iter().any(|m| m.text.as_deref() == Some(&p.text))
                });
                self.chat.messages = messages;
                self.chat.window = Some(window);
            }
            DmsEvent::Sent {
                account,
                conversation,
                confirmed_after_lost_answer,
            } if Some(&account) == self.account.as_ref() => {
                if Some(&conversation) == self.chat.id.as_ref() {
                    // The thread with the sent message follows at once.
                    self.chat.pending.retain(|p| p.failed.is_some());
                }
                self.notice = confirmed_after_lost_answer.then(|| {
                    (
                        "The answer to a send was lost, but the message is in the conversation: it was sent once.".to_owned(),
                        false,
                    )
                });
            }
            DmsEvent::SendFailed {
                account,
                conversation,
                text,
                message,
            } if Some(&account) == self.account.as_ref() => {
                if Some(&conversation) == self.chat.id.as_ref() {
                    let pending = &mut self.chat.pending;
                    // The bubble with this text, else the oldest unsent one (an image-only
                    // bubble shows its URL, not the empty text).
                    let index = pending
                        .iter()
                        .position(|p| p.text == text && p.failed.is_none())
                        .or_else(|| pending.iter().position(|p| p.failed.is_none()));
                    if let Some(i) = index {
                        pending[i].failed = Some(message.clone());
                    }
                }
                self.notice = Some((message, true));
            }
            DmsEvent::Queued { account, message } if Some(&account) == self.account.as_ref() => {
                self.notice = Some((message, false));
            }
            DmsEvent::PrivateReplySent { .. } => {
                self.notice = Some(("Private reply sent.".into(), false));
            }
            DmsEvent::PrivateReplyFailed { message, .. } => {
                self.notice = Some((message, true));
            }
            DmsEvent::Failed { account, message } if Some(&account) == self.account.as_ref() => {
                self.notice = Some((message, true));
            }
            _ => {}
        }
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
                "Direct messages",
                "Connect an Instagram account in Accounts to read and answer its messages.",
            );
            return;
        };
        if self.account.as_ref() != Some(&account.id) {
            *self = Self {
                account: Some(account.id.clone()),
                ..Self::default()
            };
            commands.push(Command::Dms(DmsCommand::Refresh(account.id.clone())));
        }
        if std::mem::take(&mut self.reload_open)
            && let Some(id) = &self.chat.id
        {
            commands.push(Command::Dms(DmsCommand::Open {
                account: account.id.clone(),
                conversation: id.clone(),
            }));
        }
        ui.horizontal(|ui| {
            ui.heading("Direct messages");
            if ui.button("Refresh").clicked() {
                commands.push(Command::Dms(DmsCommand::Refresh(account.id.clone())));
            }
            if !self.loaded {
                // A static label: a spinner would repaint every frame while the inbox syncs.
                ui.label(RichText::new("Syncing…").color(theme::muted(ui)));
            }
        });
        if let Some((text, is_error)) = &self.notice {
            let color = if *is_error {
                theme::danger(ui)
            } else {
                theme::warning(ui)
            };
            ui.label(RichText::new(text).color(color));
        }
        ui.separator();
        let height = ui.available_height();
        ui.horizontal_top(|ui| {
            ui.allocate_ui_with_layout(
                egui::vec2(LIST_WIDTH, height),
                egui::Layout::top_down(egui::Align::Min),
                |ui| self.list_ui(ui, &account.id, commands),
            );
            ui.separator();
            ui.vertical(|ui| {
                let Some(conversation) = self.chat.id.clone() else {
                    super::empty::empty_state_ui(
                        ui,
                        "No conversation open",
                        "Pick a conversation on the left.",
                    );
                    return;
                };
                let person = self
                    .conversations
                    .iter()
                    .find(|s| s.conversation.id == conversation)
                    .and_then(|s| s.conversation.person.as_ref())
                    .and_then(|p| p.username.clone())
                    .unwrap_or_else(|| "Conversation".to_owned());
                let outcome =
                    dms_chat::chat_ui(ui, &mut self.chat, &person, account, cx.textures, commands);
                if let ChatOutcome::Send {
                    text,
                    image_url,
                    human_agent,
                } = outcome
                {
                    self.chat.pending.push(PendingBubble {
                        text: if text.is_empty() {
                            image_url.clone().unwrap_or_default()
                        } else {
                            text.clone()
                        },
                        failed: None,
                    });
                    commands.push(Command::Dms(DmsCommand::Send {
                        account: account.id.clone(),
                        conversation,
                        text,
                        image_url,
                        human_agent,
                    }));
                }
            });
        });
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        if self.conversations.is_empty() {
            let text = if self.loaded {
                "No conversations yet."
            } else {
                "Loading conversations…"
            };
            ui.label(RichText::new(text).color(theme::muted(ui)));
            return;
        }
        let mut open = None;
        egui::ScrollArea::vertical()
            .id_salt("dm_list")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for summary in &self.conversations {
                    let selected = self.chat.id.as_ref() == Some(&summary.conversation.id);
                    if conversation_row_ui(ui, summary, selected) {
                        open = Some(summary.conversation.id.clone());
                    }
                }
            });
        if let Some(id) = open {
            if let Some(s) = self
                .conversations
                .iter_mut()
                .find(|s| s.conversation.id == id)
            {
                // Read is kept locally; the engine records it too when the thread loads.
                s.unread = false;
            }
            if self.chat.id.as_ref() != Some(&id) {
                self.chat = ChatState {
                    id: Some(id.clone()),
                    ..ChatState::default()
                };
            }
            commands.push(Command::Dms(DmsCommand::Open {
                account: account.clone(),
                conversation: id,
            }));
        }
    }
}

/// One list row; returns true when clicked.
fn conversation_row_ui(ui: &mut egui::Ui, summary: &DmSummary, selected: bool) -> bool {
    let c = &summary.conversation;
    let name = c
        .person
        .as_ref()
        .and_then(|p| p.username.clone().or_else(|| Some(p.id.clone())))
        .unwrap_or_else(|| "Unknown".to_owned());
    let mut clicked = false;
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(34.0, 34.0), Sense::hover());
        let painter = ui.painter();
        painter.circle_filled(rect.center(), 16.0, theme::avatar_color(&name));
        let initial = name
            .chars()
            .next()
            .unwrap_or('?')
            .to_uppercase()
            .to_string();
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            initial,
            egui::FontId::proportional(15.0),
            egui::Color32::WHITE,
        );
        if summary.unread {
            painter.circle_filled(rect.right_top() + egui::vec2(-3.0, 4.0), 4.5, theme::ACCENT);
        }
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                let label = if summary.unread {
                    RichText::new(&name).strong()
                } else {
                    RichText::new(&name)
                };
                clicked |= ui.selectable_label(selected, label).clicked();
                if let Some(t) = c.last_time {
                    ui.label(RichText::new(short_time(t)).small().color(theme::muted(ui)));
                }
                if summary.unread {
                    ui.label(RichText::new("Unread").small().color(theme::ACCENT));
                }
            });
            let last = c
                .last_text
                .clone()
                .unwrap_or_else(|| "Attachment".to_owned());
            ui.add(egui::Label::new(RichText::new(last).color(theme::muted(ui))).truncate());
        });
    });
    ui.add_space(4.0);
    clicked
}

/// "14:02" today, else "12 Nov".
pub fn short_time(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d %b").to_string()
    }
}
