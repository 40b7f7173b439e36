//! The Research tab: Hashtag Search (top or recent media as a grid with like and comment
//! counts, the 30-per-week budget), saved hashtag sets that go into the Composer's caption,
//! and the competitor lookup (`research_discovery`). Facebook Login accounts only: an
//! Instagram Login account is told so instead of being offered controls that cannot work.
//!
//! Draws state and emits `Command::Research`; "Insert into caption" is handed to the App as
//! text ([`ResearchTab::take_caption_insert`]), which gives it to the Composer's state.

use egui::{RichText, Sense, vec2};

use super::research_discovery::DiscoveryPanel;
use super::textures::{ImageSize, cover_uv};
use super::{TabContext, empty, theme};
use crate::engine::Command;
use crate::engine::research::{HashtagBudget, HashtagResult, ResearchCommand, ResearchEvent};
use crate::graph::hashtags::HashtagEdge;
use crate::ids::IgUserId;
use crate::model::LoginKind;
use crate::store::HashtagSet;

/// Labels a person (and a test) finds the controls by.
pub const HASHTAG_LABEL: &str = "Hashtag";
pub const SET_NAME_LABEL: &str = "Set name";
pub const SET_TAGS_LABEL: &str = "Hashtags in set";
pub const INSERT_LABEL: &str = "Insert into caption";

/// Side of a grid tile.
pub(super) const TILE: f32 = 132.0;

/// What the Research tab keeps between frames.
#[derive(Default)]
pub struct ResearchTab {
    /// The account the loaded budget belongs to (a change reloads it).
    loaded_for: Option<IgUserId>,
    query: String,
    edge: Option<HashtagEdge>,
    searching: bool,
    result: Option<HashtagResult>,
    error: Option<String>,
    budget: Option<HashtagBudget>,
    sets: Vec<HashtagSet>,
    set_name: String,
    set_tags: String,
    set_error: Option<String>,
    discovery: DiscoveryPanel,
    /// Text to add to the Composer's caption, taken by the App.
    caption_insert: Option<String>,
    /// The egui pass the tab was last drawn in: a gap means it was opened again.
    drawn_pass: Option<u64>,
}

impl ResearchTab {
    /// Applies an engine event.
    pub fn on_event(&mut self, event: ResearchEvent) {
        match event {
            ResearchEvent::Budget { account, budget } => {
                if self.loaded_for.as_ref() == Some(&account) {
                    self.budget = Some(budget);
                }
            }
            ResearchEvent::Sets(sets) => self.sets = sets,
            ResearchEvent::Hashtag { account, result } => {
                if self.loaded_for.as_ref() == Some(&account) {
                    self.searching = false;
                    self.error = None;
                    self.result = Some(result);
                }
            }
            ResearchEvent::HashtagFailed {
                account, message, ..
            } => {
                if self.loaded_for.as_ref() == Some(&account) {
                    self.searching = false;
                    self.error = Some(message);
                }
            }
            ResearchEvent::SetFailed { message } => self.set_error = Some(message),
            event @ (ResearchEvent::Discovered { .. } | ResearchEvent::DiscoverFailed { .. }) => {
                self.discovery.on_event(event);
            }
            event
            @ (ResearchEvent::Competitors { .. } | ResearchEvent::CompetitorFailed { .. }) => {
                let for_this = match &event {
                    ResearchEvent::Competitors { account, .. }
                    | ResearchEvent::CompetitorFailed { account, .. } => {
                        self.loaded_for.as_ref() == Some(account)
                    }
                    _ => false,
                };
                if for_this {
                    self.discovery.on_event(event);
                }
            }
        }
    }

    /// The caption text "Insert into caption" produced this frame, if any.
    pub fn take_caption_insert(&mut self) -> Option<String> {
        self.caption_insert.take()
    }

    fn edge(&self) -> HashtagEdge {
        self.edge.unwrap_or(HashtagEdge::Top)
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let Some(account) = cx.account else {
            empty::empty_state_ui(
                ui,
                empty::tab_heading(super::Tab::Research),
                "Connect an account to search hashtags and look up other accounts.",
            );
            return;
        };
        let account_id = account.id.clone();
        if self.loaded_for.as_ref() != Some(&account_id) {
            self.loaded_for = Some(account_id.clone());
            self.result = None;
            self.budget = None;
            self.error = None;
            self.discovery = DiscoveryPanel::default();
            commands.push(Command::Research(ResearchCommand::Load {
                account: account_id.clone(),
            }));
        }
        let pass = ui.ctx().cumulative_pass_nr();
        let reopened = self.drawn_pass.is_some_and(|p| pass > p + 1);
        self.drawn_pass = Some(pass);
        if reopened && account.login == LoginKind::Facebook {
            // Today's competitor snapshots when the tab opens (a no-op once taken).
            commands.push(Command::Research(ResearchCommand::Competitors {
                account: account_id.clone(),
            }));
        }
        ui.heading(empty::tab_heading(super::Tab::Research));
        if account.login != LoginKind::Facebook {
            ui.add_space(8.0);
            ui.label(
                RichText::new(format!(
                    "Hashtag Search and Business Discovery need an account connected with Facebook Login. @{} is connected with Instagram Login: reconnect it through its Facebook Page in Accounts to research hashtags and competitors.",
                    account.username
                ))
                .color(theme::muted(ui)),
            );
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                self.hashtag_ui(ui, cx, &account_id, commands);
                ui.add_space(12.0);
                ui.separator();
                self.sets_ui(ui, commands);
                ui.add_space(12.0);
                ui.separator();
                self.discovery
                    .panel_ui(ui, cx, &account.username, &account_id, commands);
            });
    }

    fn hashtag_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        account: &IgUserId,
        commands: &mut Vec<Command>,
    ) {
        ui.add_space(6.0);
        ui.label(RichText::new("Hashtag search").strong());
        let budget_line = match &self.budget {
            Some(b) => b.summary(),
            None => "Instagram allows 30 unique hashtags per account in 7 days".to_owned(),
        };
        ui.label(RichText::new(budget_line).color(theme::muted(ui)));
        let mut search = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(HASHTAG_LABEL);
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .hint_text("coffee")
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                search = true;
            }
            let mut edge = self.edge();
            let top = ui.selectable_value(&mut edge, HashtagEdge::Top, "Top");
            let recent = ui.selectable_value(&mut edge, HashtagEdge::Recent, "Recent");
            if edge != self.edge() {
                self.edge = Some(edge);
                // Switching edges shows the other edge of the hashtag on screen.
                search |= (top.clicked() || recent.clicked()) && self.result.is_some();
            }
            let ready = !self.query.trim().is_empty() && !self.searching;
            if ui.add_enabled(ready, egui::Button::new("Search")).clicked() {
                search = true;
            }
            if self.searching {
                ui.spinner();
            }
        });
        if search && !self.query.trim().is_empty() && !self.searching {
            self.searching = true;
            commands.push(Command::Research(ResearchCommand::SearchHashtag {
                account: account.clone(),
                hashtag: self.query.trim().to_owned(),
                edge: self.edge(),
            }));
        }
        if let Some(error) = &self.error {
            ui.label(RichText::new(super::capitalise(error)).color(theme::danger(ui)));
        }
        let Some(result) = &self.result else {
            return;
        };
        ui.label(format!(
            "#{} — {} {} posts",
            result.name,
            result.media.len(),
            match result.edge {
                HashtagEdge::Top => "top",
                HashtagEdge::Recent => "recent (last 24 h)",
            }
        ));
        let tiles: Vec<Tile> = result
            .media
            .iter()
            .map(|m| Tile {
                url: m.media_url.clone(),
                likes: m.like_count,
                comments: m.comments_count,
                caption: m.caption.clone().unwrap_or_default(),
            })
            .collect();
        tile_grid(ui, cx, &tiles, commands);
    }

    fn sets_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.add_space(6.0);
        ui.label(RichText::new("Hashtag sets").strong());
        if self.sets.is_empty() {
            ui.label(
                RichText::new("No saved sets yet: name a set of hashtags to reuse in captions.")
                    .color(theme::muted(ui)),
            );
        }
        let mut delete = None;
        for set in &self.sets {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&set.name).strong());
                ui.label(set.caption_text());
                if ui.button(INSERT_LABEL).clicked() {
                    self.caption_insert = Some(set.caption_text());
                }
                if ui.small_button("Delete").clicked() {
                    delete = Some(set.name.clone());
                }
            });
        }
        if let Some(name) = delete {
            commands.push(Command::Research(ResearchCommand::DeleteSet { name }));
        }
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(SET_NAME_LABEL);
            ui.add(
                egui::TextEdit::singleline(&mut self.set_name)
                    .hint_text("Weekend")
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
            let label = ui.label(SET_TAGS_LABEL);
            ui.add(
                egui::TextEdit::singleline(&mut self.set_tags)
                    .hint_text("#coffee #latteart")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
            let ready = !self.set_name.trim().is_empty() && !self.set_tags.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Save set"))
                .clicked()
            {
                self.set_error = None;
                commands.push(Command::Research(ResearchCommand::SaveSet {
                    name: self.set_name.trim().to_owned(),
                    tags: self.set_tags.clone(),
                }));
                self.set_name.clear();
                self.set_tags.clear();
            }
        });
        if let Some(error) = &self.set_error {
            ui.label(RichText::new(super::capitalise(error)).color(theme::danger(ui)));
        }
    }
}

/// One picture of a grid with its counts.
pub(super) struct Tile {
    pub url: Option<String>,
    /// `None`: the owner hid like counts.
    pub likes: Option<u64>,
    pub comments: Option<u64>,
    pub caption: String,
}

/// Square thumbnails with "♥ likes · 💬 comments" under each, in as many columns as fit.
pub(super) fn tile_grid(
    ui: &mut egui::Ui,
    cx: &mut TabContext<'_>,
    tiles: &[Tile],
    commands: &mut Vec<Command>,
) {
    const GAP: f32 = 8.0;
    let columns = (((ui.available_width() + GAP) / (TILE + GAP)).floor() as usize).max(1);
    for row in tiles.chunks(columns) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            for tile in row {
                tile_ui(ui, cx, tile, commands);
            }
        });
        ui.add_space(GAP);
    }
}

fn tile_ui(ui: &mut egui::Ui, cx: &mut TabContext<'_>, tile: &Tile, commands: &mut Vec<Command>) {
    if let Some(url) = &tile.url
        && cx.textures.request(ImageSize::Thumbnail, url)
    {
        commands.push(Command::LoadThumbnail { url: url.clone() });
    }
    ui.vertical(|ui| {
        ui.set_width(TILE);
        let size = vec2(TILE, TILE);
        let texture = tile
            .url
            .as_deref()
            .and_then(|u| cx.textures.texture(ImageSize::Thumbnail, u));
        let response = match texture {
            Some(texture) => ui.add(
                egui::Image::new(texture)
                    .uv(cover_uv(texture.size_vec2(), size))
                    .maintain_aspect_ratio(false)
                    .fit_to_exact_size(size)
                    .corner_radius(4.0),
            ),
            None => {
                let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
                ui.painter().rect_filled(rect, 4.0, theme::placeholder(ui));
                response
            }
        };
        if !tile.caption.is_empty() {
            response.on_hover_text(&tile.caption);
        }
        let likes = tile
            .likes
            .map_or("likes hidden".to_owned(), |n| format!("♥ {n}"));
        let comments = tile
            .comments
            .map_or(String::new(), |n| format!(" · 💬 {n}"));
        ui.label(RichText::new(format!("{likes}{comments}")).small());
    });
}
