//! The product tagging panel: whether the account may tag products (and why not), the
//! catalog, a search box, and the results. Choosing an approved product "arms" it: the next
//! click on the picture places it (videos take it without a place). Products that are not
//! approved are greyed, with the reason, because their tags would stay hidden.

use egui::{RichText, TextEdit};

use crate::engine::Command;
use crate::engine::composer::{ComposerCommand, ShopSetup};
use crate::graph::shopping::CatalogProduct;
use crate::ids::IgUserId;
use crate::model::{Account, LoginKind};
use crate::store::PostKind;

/// The accessible name of the search box.
pub const SEARCH_LABEL: &str = "Search products";

/// A product placed on an item, at fractions of the *source* picture (like user tags).
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedProduct {
    pub product_id: String,
    pub name: String,
    pub x: f64,
    pub y: f64,
}

/// What the user did in the panel this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum ShopAction {
    /// Tag this product on the selected video (no place).
    TagOnVideo(CatalogProduct),
}

/// The panel's state.
#[derive(Default)]
pub struct ShopPanel {
    loaded_for: Option<IgUserId>,
    setup: Option<ShopSetup>,
    error: Option<String>,
    catalog: Option<String>,
    query: String,
    results: Vec<CatalogProduct>,
    searching: bool,
    /// The product the next click on the picture places.
    pub armed: Option<CatalogProduct>,
}

impl ShopPanel {
    /// Applies the engine's answer about the shop.
    pub fn on_setup(&mut self, account: IgUserId, setup: ShopSetup) {
        if self.loaded_for.as_ref() != Some(&account) {
            return;
        }
        if let ShopSetup::Ready { catalogs } = &setup {
            self.catalog = catalogs.first().map(|c| c.catalog_id.clone());
        }
        self.setup = Some(setup);
        self.error = None;
    }

    /// Applies search results.
    pub fn on_products(&mut self, account: IgUserId, products: Vec<CatalogProduct>) {
        if self.loaded_for.as_ref() == Some(&account) {
            self.results = products;
            self.searching = false;
        }
    }

    /// Applies a failure.
    pub fn on_failed(&mut self, account: IgUserId, message: String) {
        if self.loaded_for.as_ref() == Some(&account) {
            self.error = Some(message);
            self.searching = false;
        }
    }

    /// Draws the panel for `account` composing a post of `kind` whose selected item is a
    /// video when `video`.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &Account,
        kind: PostKind,
        video: bool,
        commands: &mut Vec<Command>,
    ) -> Option<ShopAction> {
        if self.loaded_for.as_ref() != Some(&account.id) {
            *self = Self {
                loaded_for: Some(account.id.clone()),
                ..Self::default()
            };
            if account.login == LoginKind::Facebook {
                commands.push(Command::Composer(ComposerCommand::LoadShop(
                    account.id.clone(),
                )));
            } else {
                self.setup = Some(ShopSetup::InstagramLogin);
            }
        }
        ui.strong("Product tags");
        if kind == PostKind::Story {
            ui.label(RichText::new("Stories cannot carry product tags.").weak());
            return None;
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        let Some(setup) = &self.setup else {
            ui.label("Checking whether this account can tag products…");
            return None;
        };
        if let Some(why) = setup.explain() {
            ui.label(RichText::new(why).weak());
            return None;
        }
        let catalog = self.catalog.clone()?;
        let mut action = None;
        ui.horizontal(|ui| {
            let label = ui.label(SEARCH_LABEL);
            let edit = ui
                .add(
                    TextEdit::singleline(&mut self.query)
                        .hint_text("name or SKU")
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Search").clicked() || enter {
                self.searching = true;
                commands.push(Command::Composer(ComposerCommand::SearchProducts {
                    account: account.id.clone(),
                    catalog_id: catalog.clone(),
                    query: self.query.clone(),
                }));
            }
            if self.searching {
                ui.label("…");
            }
        });
        for product in &self.results {
            ui.horizontal(|ui| {
                let armed = self
                    .armed
                    .as_ref()
                    .is_some_and(|a| a.product_id == product.product_id);
                match product.why_not_taggable() {
                    None => {
                        let text = if video {
                            format!("Tag {} on the video", product.product_name)
                        } else {
                            format!("Place {}", product.product_name)
                        };
                        if ui.selectable_label(armed, text).clicked() {
                            if video {
                                action = Some(ShopAction::TagOnVideo(product.clone()));
                            } else {
                                self.armed = Some(product.clone());
                            }
                        }
                    }
                    Some(why) => {
                        ui.add_enabled(false, egui::Button::new(&product.product_name));
                        ui.label(RichText::new(why).weak().small());
                    }
                }
            });
        }
        if let Some(p) = &self.armed {
            ui.label(
                RichText::new(format!(
                    "Click the picture to place {} (Esc to cancel).",
                    p.product_name
                ))
                .color(crate::ui::theme::warning(ui)),
            );
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                self.armed = None;
            }
        }
        action
    }
}
