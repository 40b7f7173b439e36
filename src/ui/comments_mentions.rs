//! The Comments tab's "Mentions" view: media where the account is tagged (other people's
//! posts, from the `tags` edge), each with its thumbnail, the poster's @username, caption,
//! time and a button that opens the post on Instagram.
//!
//! The list is read on demand (the first time the view opens, and on Refresh), not synced:
//! tagged media belong to other people and change outside the account's inbox.

use std::sync::Arc;

use crate::engine::Command;
use crate::engine::comments::CommentsCommand;
use crate::ids::IgUserId;
use crate::model::Media;

use super::TabContext;
use super::textures::{ImageSize, cover_uv};
use super::theme;

const THUMB: f32 = 56.0;

/// The view's state: what the engine last sent, and whether a load is under way.
#[derive(Default)]
pub struct MentionsView {
    media: Arc<Vec<Media>>,
    requested: bool,
    loading: bool,
}

impl MentionsView {
    /// New tagged media from the engine (`CommentsEvent::Mentions`).
    pub fn set_media(&mut self, media: Arc<Vec<Media>>) {
        self.media = media;
        self.loading = false;
        self.requested = true;
    }

    /// A load failed: stop showing it as under way (the tab shows the message).
    pub fn load_failed(&mut self) {
        self.loading = false;
    }

    fn load(&mut self, account: &IgUserId, commands: &mut Vec<Command>) {
        self.requested = true;
        self.loading = true;
        commands.push(Command::Comments(CommentsCommand::LoadMentions(
            account.clone(),
        )));
    }

    /// Draws the view; asks for the list the first time it is shown.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &IgUserId,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        if !self.requested {
            self.load(account, commands);
        }
        ui.horizontal(|ui| {
            ui.label(format!("{} post(s) tag this account", self.media.len()));
            if ui
                .add_enabled(!self.loading, egui::Button::new("Refresh"))
                .clicked()
            {
                self.load(account, commands);
            }
            if self.loading {
                ui.spinner();
            }
        });
        if self.media.is_empty() && !self.loading {
            ui.label("Nobody has tagged this account in a post yet.");
            return;
        }
        let media = self.media.clone();
        egui::ScrollArea::vertical()
            .id_salt("comment_mentions")
            .auto_shrink(false)
            .show_rows(ui, THUMB + 8.0, media.len(), |ui, range| {
                for m in &media[range] {
                    Self::row(ui, m, cx, commands);
                }
            });
    }

    fn row(ui: &mut egui::Ui, m: &Media, cx: &mut TabContext<'_>, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.set_height(THUMB + 4.0);
            let size = egui::vec2(THUMB, THUMB);
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            let texture = m.preview_url().and_then(|url| {
                if cx.textures.request(ImageSize::Thumbnail, url) {
                    commands.push(Command::LoadThumbnail {
                        url: url.to_owned(),
                    });
                }
                cx.textures.texture(ImageSize::Thumbnail, url)
            });
            match texture {
                Some(t) => egui::Image::new(t)
                    .uv(cover_uv(t.size_vec2(), size))
                    .corner_radius(3)
                    .paint_at(ui, rect),
                None => {
                    ui.painter().rect_filled(rect, 3, theme::TILE_PLACEHOLDER);
                }
            }
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.strong(format!("@{}", m.username.as_deref().unwrap_or("unknown")));
                    ui.weak(m.timestamp.format("%b %d %H:%M").to_string());
                    if let Some(permalink) = &m.permalink
                        && ui.small_button("Open on Instagram").clicked()
                    {
                        commands.push(Command::OpenUrl(permalink.clone()));
                    }
                });
                let caption = m.caption.as_deref().unwrap_or("");
                ui.add(egui::Label::new(caption).truncate());
            });
        });
    }
}
