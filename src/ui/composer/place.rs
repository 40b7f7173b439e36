//! The location picker and the collaborators field of the Composer tab.
//!
//! Location: type a few words, search (Facebook's Pages Search, run by the engine), pick a
//! result, clear it. Places without coordinates are shown greyed with the reason, because
//! Instagram refuses them. Collaborators: up to three usernames, comma separated, with the
//! count and the limit shown as they are typed. Both are Facebook Login features: on an
//! Instagram Login account the panel says so instead of offering them; stories take neither.

use egui::{RichText, TextEdit};

use crate::engine::Command;
use crate::engine::composer::ComposerCommand;
use crate::graph::locations::Place;
use crate::ids::IgUserId;
use crate::model::{Account, LoginKind};
use crate::store::{DraftLocation, DraftPlace, MAX_COLLABORATORS, PostKind};

/// The accessible name of the place search box.
pub const PLACE_SEARCH_LABEL: &str = "Find a place";
/// The accessible name of the button that runs the place search.
pub const PLACE_SEARCH_BUTTON: &str = "Search places";
/// The accessible name of the collaborators box.
pub const COLLABORATORS_LABEL: &str = "Collaborators";
/// The accessible name of the button that removes the location.
pub const CLEAR_LOCATION: &str = "Clear location";
/// The button that drops the location and collaborators when the post became a story.
pub const CLEAR_FOR_STORY: &str = "Remove location and collaborators";
/// What an Instagram Login account is told.
pub const NEEDS_FACEBOOK_LOGIN: &str = "Location tags and collaborators need the account connected with Facebook Login (Pages Search and collaborator invites are not part of Instagram Login): reconnect it through its Facebook Page in Accounts.";

/// The panel's state.
#[derive(Default)]
pub struct PlacePanel {
    /// The account the results belong to.
    account: Option<IgUserId>,
    query: String,
    /// The query sent last (results for older queries are ignored).
    sent: Option<String>,
    results: Vec<Place>,
    searching: bool,
    error: Option<String>,
    location: Option<DraftLocation>,
    collaborators: String,
}

impl PlacePanel {
    /// Applies search results.
    pub fn on_locations(&mut self, account: IgUserId, query: String, places: Vec<Place>) {
        if self.account.as_ref() == Some(&account) && self.sent.as_deref() == Some(&query) {
            self.results = places;
            self.searching = false;
            self.error = None;
        }
    }

    /// Applies a failed search.
    pub fn on_failed(&mut self, account: IgUserId, query: String, message: String) {
        if self.account.as_ref() == Some(&account) && self.sent.as_deref() == Some(&query) {
            self.results.clear();
            self.searching = false;
            self.error = Some(message);
        }
    }

    /// The picked location, if any.
    pub fn location(&self) -> Option<&DraftLocation> {
        self.location.as_ref()
    }

    /// The usernames typed, without `@` or blanks.
    pub fn collaborators(&self) -> Vec<String> {
        self.collaborators
            .split([',', ' ', '\n'])
            .map(|n| n.trim().trim_start_matches('@'))
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// What goes on the post.
    pub fn post_place(&self) -> DraftPlace {
        DraftPlace {
            location: self.location.clone(),
            collaborators: self.collaborators(),
        }
    }

    /// Shows a reopened draft's location and collaborators.
    pub fn restore(&mut self, place: DraftPlace) {
        self.location = place.location;
        self.collaborators = place.collaborators.join(", ");
    }

    /// Forgets the location and collaborators (after the post went out).
    pub fn clear(&mut self) {
        self.location = None;
        self.collaborators.clear();
    }

    /// Draws the panel for `account` composing a post of `kind`.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        account: Option<&Account>,
        kind: PostKind,
        commands: &mut Vec<Command>,
    ) {
        let Some(account) = account else {
            return;
        };
        if self.account.as_ref() != Some(&account.id) {
            self.account = Some(account.id.clone());
            self.results.clear();
            self.sent = None;
            self.searching = false;
            self.error = None;
        }
        ui.separator();
        ui.strong("Location and collaborators");
        if account.login == LoginKind::Instagram {
            ui.label(RichText::new(NEEDS_FACEBOOK_LOGIN).weak());
            if !self.post_place().is_empty() {
                self.clear();
            }
            return;
        }
        if kind == PostKind::Story {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new("Stories take no location tag and no collaborators.").weak(),
                );
                // Set before switching to Story: offer to drop them (publishing is blocked
                // with the reason until then).
                if !self.post_place().is_empty() && ui.button(CLEAR_FOR_STORY).clicked() {
                    self.clear();
                }
            });
            return;
        }
        self.location_ui(ui, account, commands);
        self.collaborators_ui(ui);
    }

    fn location_ui(&mut self, ui: &mut egui::Ui, account: &Account, commands: &mut Vec<Command>) {
        let mut clear = false;
        match &self.location {
            Some(loc) => {
                ui.horizontal(|ui| {
                    ui.label(format!("Location: {}", loc.name));
                    clear = ui.button(CLEAR_LOCATION).clicked();
                });
            }
            None => {
                ui.label(RichText::new("No location").weak());
            }
        }
        if clear {
            self.location = None;
        }
        let mut search = false;
        ui.horizontal(|ui| {
            let label = ui.label(PLACE_SEARCH_LABEL);
            let field = ui
                .add(
                    TextEdit::singleline(&mut self.query)
                        .hint_text("café, street, city…")
                        .desired_width(220.0),
                )
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let can = !self.query.trim().is_empty() && !self.searching;
            search = (ui
                .add_enabled(can, egui::Button::new(PLACE_SEARCH_BUTTON))
                .clicked()
                || entered)
                && can;
            if self.searching {
                // Text, not a spinner: the UI repaints only when the engine answers.
                ui.label(RichText::new("Searching…").weak());
            }
        });
        if search {
            let query = self.query.trim().to_owned();
            self.sent = Some(query.clone());
            self.searching = true;
            self.error = None;
            commands.push(Command::Composer(ComposerCommand::SearchLocations {
                account: account.id.clone(),
                query,
            }));
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if !self.searching && self.sent.is_some() && self.results.is_empty() && self.error.is_none()
        {
            ui.label(RichText::new("No place matches; try fewer or other words.").weak());
        }
        let mut picked = None;
        for place in &self.results {
            ui.horizontal(|ui| {
                let button = ui
                    .add_enabled(place.taggable(), egui::Button::new(&place.name))
                    .on_disabled_hover_text(
                        "This Page has no latitude and longitude: Instagram cannot tag it.",
                    );
                if button.clicked() {
                    picked = Some(DraftLocation {
                        id: place.id.clone(),
                        name: place.name.clone(),
                    });
                }
                let address = place.address();
                if place.taggable() {
                    ui.label(RichText::new(address).weak());
                } else {
                    ui.label(
                        RichText::new(format!(
                            "{address}{}no coordinates, cannot be tagged",
                            if address.is_empty() { "" } else { " — " }
                        ))
                        .weak(),
                    );
                }
            });
        }
        if let Some(loc) = picked {
            self.location = Some(loc);
            self.results.clear();
            self.sent = None;
        }
    }

    fn collaborators_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label(COLLABORATORS_LABEL);
            ui.add(
                TextEdit::singleline(&mut self.collaborators)
                    .hint_text("username, username")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
            let n = self.collaborators().len();
            let text = format!("{n} / {MAX_COLLABORATORS}");
            if n > MAX_COLLABORATORS {
                ui.colored_label(ui.visuals().error_fg_color, text);
            } else {
                ui.label(RichText::new(text).weak());
            }
        });
        let n = self.collaborators().len();
        if n > MAX_COLLABORATORS {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!(
                    "Instagram invites at most {MAX_COLLABORATORS} collaborators per post; remove {}.",
                    n - MAX_COLLABORATORS
                ),
            );
        } else if n > 0 {
            ui.label(RichText::new("Each gets an invite; they must have public accounts.").weak());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collaborators_are_split_and_cleaned() {
        let mut p = PlacePanel {
            collaborators: "@mira, leo  ,, @ana".into(),
            ..Default::default()
        };
        assert_eq!(p.collaborators(), vec!["mira", "leo", "ana"]);
        p.clear();
        assert!(p.post_place().is_empty());
    }
}
