//! The Research tab's competitor lookup (Business Discovery): a username box, then the
//! account's profile picture, name, followers, posts and its recent media with likes and
//! comments. Unknown, personal and age-restricted accounts get the engine's one clear line.
//! "Track" adds a looked-up account to the tracked competitors (`research_competitors`).

use egui::{RichText, vec2};

use super::research::{Tile, tile_grid};
use super::research_competitors::CompetitorsPanel;
use super::textures::{ImageSize, cover_uv};
use super::{TabContext, theme};
use crate::engine::Command;
use crate::engine::research::{ResearchCommand, ResearchEvent};
use crate::graph::discovery::DiscoveredAccount;
use crate::ids::IgUserId;

/// The username field's label.
pub const USERNAME_LABEL: &str = "Username";
/// The button that tracks a looked-up account.
pub const TRACK_LABEL: &str = "Track";

/// The lookup's state.
#[derive(Default)]
pub struct DiscoveryPanel {
    username: String,
    looking: bool,
    found: Option<Box<DiscoveredAccount>>,
    error: Option<String>,
    competitors: CompetitorsPanel,
}

impl DiscoveryPanel {
    /// Applies a Discovered / DiscoverFailed event.
    pub fn on_event(&mut self, event: ResearchEvent) {
        match event {
            ResearchEvent::Discovered { found, .. } => {
                self.looking = false;
                self.error = None;
                self.found = Some(found);
            }
            ResearchEvent::DiscoverFailed { message, .. } => {
                self.looking = false;
                self.found = None;
                self.error = Some(message);
            }
            ResearchEvent::Competitors {
                board, failures, ..
            } => self.competitors.set_board(*board, failures),
            ResearchEvent::CompetitorFailed { message, .. } => {
                self.competitors.set_error(message);
            }
            _ => {}
        }
    }

    /// Draws the lookup box, what was found and the tracked competitors.
    pub fn panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        own_username: &str,
        account: &IgUserId,
        commands: &mut Vec<Command>,
    ) {
        self.lookup_ui(ui, cx, account, commands);
        self.competitors
            .panel_ui(ui, own_username, account, commands);
    }

    fn lookup_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        account: &IgUserId,
        commands: &mut Vec<Command>,
    ) {
        ui.add_space(6.0);
        ui.label(RichText::new("Competitor lookup").strong());
        ui.label(
            RichText::new("Any Business or Creator account's public profile and recent posts.")
                .color(theme::muted(ui)),
        );
        let mut go = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(USERNAME_LABEL);
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.username)
                        .hint_text("harbour.bakery")
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                go = true;
            }
            let ready = !self.username.trim().is_empty() && !self.looking;
            if ui
                .add_enabled(ready, egui::Button::new("Look up"))
                .clicked()
            {
                go = true;
            }
            if self.looking {
                ui.spinner();
            }
        });
        if go && !self.username.trim().is_empty() && !self.looking {
            self.looking = true;
            commands.push(Command::Research(ResearchCommand::Discover {
                account: account.clone(),
                username: self.username.trim().to_owned(),
            }));
        }
        if let Some(error) = &self.error {
            ui.label(RichText::new(super::capitalise(error)).color(theme::danger(ui)));
        }
        let Some(found) = &self.found else {
            return;
        };
        let mut track = None;
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if let Some(url) = &found.profile_picture_url {
                if cx.textures.request(ImageSize::Thumbnail, url) {
                    commands.push(Command::LoadThumbnail { url: url.clone() });
                }
                let size = vec2(56.0, 56.0);
                match cx.textures.texture(ImageSize::Thumbnail, url) {
                    Some(t) => {
                        ui.add(
                            egui::Image::new(t)
                                .uv(cover_uv(t.size_vec2(), size))
                                .maintain_aspect_ratio(false)
                                .fit_to_exact_size(size)
                                .corner_radius(28.0),
                        );
                    }
                    None => {
                        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                        ui.painter().circle_filled(
                            rect.center(),
                            28.0,
                            theme::avatar_color(&found.username),
                        );
                    }
                }
            }
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(format!(
                        "@{} · {}",
                        found.username,
                        found.name.as_deref().unwrap_or("")
                    ))
                    .strong(),
                );
                let n = |v: Option<u64>| v.map_or("-".to_owned(), |v| v.to_string());
                ui.label(format!(
                    "{} followers · {} posts",
                    n(found.followers_count),
                    n(found.media_count)
                ));
                if let Some(bio) = found.biography.as_deref().filter(|b| !b.is_empty()) {
                    ui.label(RichText::new(bio).color(theme::muted(ui)));
                }
                if let Some(site) = found.website.as_deref().filter(|w| !w.is_empty()) {
                    ui.label(RichText::new(site).color(theme::muted(ui)));
                }
                if self.competitors.is_tracked(&found.username) {
                    ui.label(RichText::new("Tracked").color(theme::muted(ui)));
                } else if ui
                    .add_enabled(!self.competitors.busy, egui::Button::new(TRACK_LABEL))
                    .on_hover_text("Keep a daily snapshot of this account's figures")
                    .clicked()
                {
                    track = Some(found.username.clone());
                }
            });
        });
        if let Some(username) = track {
            self.competitors.track(account, &username, commands);
        }
        ui.add_space(4.0);
        if found.media.is_empty() {
            ui.label(RichText::new("No posts yet.").color(theme::muted(ui)));
            return;
        }
        let tiles: Vec<Tile> = found
            .media
            .iter()
            .map(|m| Tile {
                url: m.picture_url().map(str::to_owned),
                likes: m.like_count,
                comments: m.comments_count,
                caption: m.caption.clone().unwrap_or_default(),
            })
            .collect();
        tile_grid(ui, cx, &tiles, commands);
    }
}
