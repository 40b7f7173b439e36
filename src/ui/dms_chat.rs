//! The open conversation of the DMs tab: the window banner, message bubbles with times and
//! attachments (images shown, shares as links), messages Meta no longer details, and the
//! composer (Enter sends, Shift+Enter adds a line, optional image URL, Human agent tag).

use egui::{Color32, RichText};

use crate::engine::Command;
use crate::engine::dms::SendWindow;
use crate::graph::messages::{DmAttachment, DmMessage};
use crate::model::Account;

use super::dms::{ChatState, short_time};
use super::textures::{ImageSize, Textures};
use super::theme;

const OWN_BUBBLE: Color32 = Color32::from_rgb(0x5B, 0x3F, 0xD9);
/// Their bubbles in the dark theme; the light theme uses [`theme::placeholder`] with dark text.
const THEIR_BUBBLE: Color32 = Color32::from_rgb(0x2A, 0x2C, 0x34);
const BUBBLE_MAX_WIDTH: f32 = 420.0;
const IMAGE_SIZE: f32 = 180.0;

/// What the chat asks of the tab.
#[must_use]
pub enum ChatOutcome {
    None,
    Send {
        text: String,
        image_url: Option<String>,
        human_agent: bool,
    },
}

/// Draws the conversation and its composer.
pub fn chat_ui(
    ui: &mut egui::Ui,
    chat: &mut ChatState,
    person: &str,
    account: &Account,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) -> ChatOutcome {
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("@{person}")).strong().size(16.0));
    });
    if let Some(window) = &chat.window {
        let color = match window {
            SendWindow::Standard { .. } => theme::success(ui),
            SendWindow::HumanAgent { .. } => theme::warning(ui),
            SendWindow::Closed { .. } => theme::danger(ui),
        };
        ui.label(RichText::new(window.describe()).color(color).small());
    }
    ui.separator();
    let composer_height = 110.0;
    let height = (ui.available_height() - composer_height).max(80.0);
    egui::ScrollArea::vertical()
        .id_salt("dm_thread")
        .max_height(height)
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            messages_ui(ui, chat, account, textures, commands);
        });
    ui.separator();
    composer_ui(ui, chat)
}

fn messages_ui(
    ui: &mut egui::Ui,
    chat: &ChatState,
    account: &Account,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) {
    let unreadable = chat.messages.iter().filter(|m| !m.readable).count();
    if unreadable > 0 {
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(format!(
                    "{unreadable} older message{} not shown: Instagram only lets apps read the 20 most recent messages of a conversation.",
                    if unreadable == 1 { " is" } else { "s are" }
                ))
                .italics()
                .small()
                .color(theme::muted(ui)),
            );
        });
    }
    for m in chat.messages.iter().filter(|m| m.readable) {
        let own = m.from.as_ref().is_some_and(|f| {
            f.id == account.id.as_str() || f.username.as_deref() == Some(&account.username)
        });
        bubble_ui(ui, m, own, textures, commands);
    }
    for p in &chat.pending {
        let (status, color) = match &p.failed {
            Some(why) => (format!("Not sent: {why}"), theme::danger(ui)),
            None => ("Sending…".to_owned(), theme::muted(ui)),
        };
        ui.with_layout(egui::Layout::top_down(egui::Align::Max), |ui| {
            bubble_frame(OWN_BUBBLE).show(ui, |ui| {
                ui.set_max_width(BUBBLE_MAX_WIDTH);
                ui.label(RichText::new(&p.text).color(Color32::WHITE));
            });
            ui.add(egui::Label::new(RichText::new(status).small().color(color)).wrap());
        });
        ui.add_space(4.0);
    }
}

fn bubble_frame(fill: Color32) -> egui::Frame {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(12)
        .inner_margin(egui::Margin::symmetric(10, 6))
}

fn bubble_ui(
    ui: &mut egui::Ui,
    m: &DmMessage,
    own: bool,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) {
    let align = if own {
        egui::Align::Max
    } else {
        egui::Align::Min
    };
    ui.with_layout(egui::Layout::top_down(align), |ui| {
        let (fill, text_color) = match (own, ui.visuals().dark_mode) {
            (true, _) => (OWN_BUBBLE, Color32::WHITE),
            (false, true) => (THEIR_BUBBLE, Color32::WHITE),
            (false, false) => (theme::placeholder(ui), ui.visuals().strong_text_color()),
        };
        bubble_frame(fill).show(ui, |ui| {
            ui.set_max_width(BUBBLE_MAX_WIDTH);
            if let Some(text) = &m.text {
                ui.label(RichText::new(text).color(text_color));
            }
            for a in &m.attachments {
                attachment_ui(ui, a, textures, commands);
            }
        });
        if let Some(t) = m.created_time {
            ui.label(RichText::new(short_time(t)).small().color(theme::muted(ui)));
        }
    });
    ui.add_space(4.0);
}

fn attachment_ui(
    ui: &mut egui::Ui,
    a: &DmAttachment,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) {
    match a {
        DmAttachment::Image { url } => {
            if let Some(texture) = textures.texture(ImageSize::Thumbnail, url) {
                let size = texture.size_vec2();
                let scale = (IMAGE_SIZE / size.x.max(size.y)).min(1.0);
                ui.add(egui::Image::new(texture).fit_to_exact_size(size * scale));
            } else {
                if textures.request(ImageSize::Thumbnail, url) {
                    commands.push(Command::LoadThumbnail { url: url.clone() });
                }
                if ui.link("Image (loading…)").clicked() {
                    commands.push(Command::OpenUrl(url.clone()));
                }
            }
        }
        DmAttachment::Video { url } => {
            if ui.link("Video: open in browser").clicked() {
                commands.push(Command::OpenUrl(url.clone()));
            }
        }
        DmAttachment::Share { url } => {
            if ui.link(format!("Shared: {url}")).clicked() {
                commands.push(Command::OpenUrl(url.clone()));
            }
        }
    }
}

/// Removes a plain Enter press from this frame's input (so the multiline field does not
/// insert a line) and reports it. Shift+Enter stays and becomes a new line.
fn take_plain_enter(ui: &egui::Ui) -> bool {
    ui.input_mut(|i| {
        let found = i.events.iter().position(|e| {
            matches!(e, egui::Event::Key { key: egui::Key::Enter, pressed: true, modifiers, .. }
                if !modifiers.shift && !modifiers.alt)
        });
        if let Some(index) = found {
            i.events.remove(index);
            true
        } else {
            false
        }
    })
}

fn composer_ui(ui: &mut egui::Ui, chat: &mut ChatState) -> ChatOutcome {
    let window = chat.window.clone();
    if let Some(SendWindow::Closed { .. }) = window {
        ui.label(
            RichText::new("Sending is blocked in this conversation (see above).")
                .color(theme::danger(ui)),
        );
        return ChatOutcome::None;
    }
    if let Some(SendWindow::HumanAgent { .. }) = window {
        ui.checkbox(&mut chat.human_agent, "Human agent")
            .on_hover_text("Meta's HUMAN_AGENT tag: allowed from 24 hours to 7 days after the person's last message, only for replies a person wrote (not automation). Needs the Human Agent feature approved for your app.");
        ui.label(
            RichText::new("Tick if you wrote this reply yourself: Instagram then accepts it for up to 7 days.")
                .small()
                .color(theme::muted(ui)),
        );
    }
    let id = egui::Id::unique("dm_composer");
    let focused = ui.memory(|m| m.has_focus(id));
    let enter = focused && take_plain_enter(ui);
    let mut send = enter;
    ui.horizontal(|ui| {
        let label = ui.label("Message");
        ui.add(
            egui::TextEdit::multiline(&mut chat.draft)
                .id(id)
                .desired_rows(2)
                .desired_width(ui.available_width() - 140.0)
                .hint_text("Enter to send, Shift+Enter for a new line"),
        )
        .labelled_by(label.id);
        ui.vertical(|ui| {
            send |= ui.button("Send").clicked();
            if ui.button("Image…").clicked() {
                chat.show_image_field = !chat.show_image_field;
            }
        });
    });
    if chat.show_image_field {
        ui.horizontal(|ui| {
            let label = ui.label("Image (URL or file)");
            ui.add(
                egui::TextEdit::singleline(&mut chat.image_url)
                    .hint_text("https://… or /path/to/picture.jpg")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        });
    }
    if !send {
        return ChatOutcome::None;
    }
    let text = chat.draft.trim().to_owned();
    let image_url = Some(chat.image_url.trim().to_owned()).filter(|u| !u.is_empty());
    if text.is_empty() && image_url.is_none() {
        return ChatOutcome::None;
    }
    chat.draft.clear();
    chat.image_url.clear();
    chat.show_image_field = false;
    let human_agent = matches!(window, Some(SendWindow::HumanAgent { .. })) && chat.human_agent;
    ChatOutcome::Send {
        text,
        image_url,
        human_agent,
    }
}
