//! The Feed tab: the active account's media as a virtualized grid of square thumbnails.
//!
//! Only the rows in view are laid out; their thumbnails are requested once per URL as they
//! scroll into view, and the next page is requested once when the last rows show up.

use egui::{Color32, RichText, Sense};

use super::empty::empty_state_ui;
use super::icons::{self, Icon};
use super::remote::Remote;
use super::textures::{ImageSize, Textures, cover_uv};
use super::theme;
use crate::engine::Command;
use crate::ids::{IgUserId, MediaId};
use crate::model::{Account, Media, MediaType};

/// Smallest tile edge; the column count is the most tiles of at least this size that fit.
const MIN_TILE_SIZE: f32 = 150.0;
/// Rows before the end at which the next page is asked for.
const LOAD_MORE_ROWS_AHEAD: usize = 2;

/// One account's feed as loaded so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedPage {
    pub media: Vec<Media>,
    /// More pages can be fetched.
    pub has_more: bool,
    /// The items came from the local cache (offline or not yet refreshed).
    pub from_cache: bool,
}

/// The Feed tab's state.
#[derive(Default)]
pub struct FeedState {
    /// The account whose feed this is; events for other accounts are ignored.
    account: Option<IgUserId>,
    page: Remote<FeedPage>,
    /// `LoadMoreFeed` was sent and no Feed event has answered it yet.
    load_more_sent: bool,
}

impl FeedState {
    /// Starts over for another account (or none).
    pub fn reset(&mut self, account: Option<IgUserId>) {
        *self = Self {
            account,
            ..Self::default()
        };
    }

    /// The account this feed belongs to.
    pub fn account(&self) -> Option<&IgUserId> {
        self.account.as_ref()
    }

    /// The media shown, in feed order.
    pub fn media(&self) -> &[Media] {
        self.page.value().map_or(&[], |page| page.media.as_slice())
    }

    /// A media by id, for the detail panel.
    pub fn find(&self, id: &MediaId) -> Option<&Media> {
        self.media().iter().find(|m| &m.id == id)
    }

    /// Applies an `Event::Feed`.
    pub fn on_feed(
        &mut self,
        account: &IgUserId,
        media: Vec<Media>,
        replace: bool,
        has_more: bool,
        from_cache: bool,
    ) {
        if self.account.as_ref() != Some(account) {
            return;
        }
        self.load_more_sent = false;
        let page = match (replace, self.page.value_mut()) {
            (false, Some(page)) => {
                let mut page = std::mem::take(page);
                page.media.extend(media);
                page.has_more = has_more;
                page.from_cache = from_cache;
                page
            }
            _ => FeedPage {
                media,
                has_more,
                from_cache,
            },
        };
        self.page.set_ready(page);
    }

    /// Applies an `Event::FeedFailed`: what was shown stays shown, with a banner.
    pub fn on_failed(&mut self, account: &IgUserId, message: &str) {
        if self.account.as_ref() != Some(account) {
            return;
        }
        self.load_more_sent = false;
        self.page.set_failed(message);
    }

    /// Applies an `Event::MediaDetail`: fresh counts and children for one media.
    pub fn on_detail(&mut self, media: Media) {
        if let Some(page) = self.page.value_mut()
            && let Some(slot) = page.media.iter_mut().find(|m| m.id == media.id)
        {
            *slot = media;
        }
    }
}

/// What the Feed asks the app to do besides sending commands.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct FeedOutcome {
    /// A tile was clicked: open it in the detail panel.
    pub open_media: Option<MediaId>,
    /// "Connect an account" was clicked.
    pub open_accounts: bool,
}

/// The accessible label and hover text of a tile: the caption's first line, or kind and date.
pub fn tile_label(media: &Media) -> String {
    media
        .caption
        .as_deref()
        .and_then(|c| c.lines().map(str::trim).find(|l| !l.is_empty()))
        .map_or_else(
            || {
                let date = media
                    .timestamp
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d");
                format!("{} {date}", media.kind_label())
            },
            str::to_owned,
        )
}

/// How many columns of at least [`MIN_TILE_SIZE`] fit, and the tile edge that fills the width.
pub fn grid_columns(width: f32) -> (usize, f32) {
    let columns = ((width + theme::TILE_GAP) / (MIN_TILE_SIZE + theme::TILE_GAP))
        .floor()
        .max(1.0) as usize;
    let tile = ((width - theme::TILE_GAP * (columns as f32 - 1.0)) / columns as f32).max(1.0);
    (columns, tile.floor())
}

/// Draws the Feed tab.
pub fn feed_ui(
    ui: &mut egui::Ui,
    feed: &mut FeedState,
    account: Option<&Account>,
    textures: &mut Textures,
    selected: Option<&MediaId>,
    commands: &mut Vec<Command>,
) -> FeedOutcome {
    let mut outcome = FeedOutcome::default();
    let Some(account) = account else {
        empty_state_ui(
            ui,
            "No account connected",
            "Connect an Instagram professional account to see its posts here.",
        );
        ui.vertical_centered(|ui| {
            if ui.button("Connect an account").clicked() {
                outcome.open_accounts = true;
            }
        });
        return outcome;
    };

    header_ui(ui, feed, account, commands);
    if let Some(message) = feed.page.error().map(str::to_owned) {
        failure_banner_ui(ui, &message, &account.id, &mut feed.page, commands);
    }

    let Some(page) = feed.page.value() else {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() * 0.3);
            ui.spinner();
            ui.label(RichText::new("Loading posts…").color(theme::muted(ui)));
        });
        return outcome;
    };
    if page.media.is_empty() {
        empty_state_ui(
            ui,
            "No posts yet",
            "Posts published on this account appear here.",
        );
        return outcome;
    }

    // Floating scroll bars draw over the content: keep the last column clear of them.
    let scroll = &ui.spacing().scroll;
    let bar_room = scroll.bar_width + scroll.bar_inner_margin;
    let (columns, tile) = grid_columns(ui.available_width() - bar_room);
    let rows = page.media.len().div_ceil(columns);
    let mut wants_more = false;
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing = egui::vec2(theme::TILE_GAP, theme::TILE_GAP);
        egui::ScrollArea::vertical()
            .id_salt("feed_grid")
            .auto_shrink(false)
            .show_rows(ui, tile, rows, |ui, row_range| {
                wants_more = row_range.end + LOAD_MORE_ROWS_AHEAD >= rows;
                for row in row_range {
                    ui.horizontal(|ui| {
                        let start = row * columns;
                        let end = (start + columns).min(page.media.len());
                        for media in &page.media[start..end] {
                            if let Some(url) = media.preview_url()
                                && textures.request(ImageSize::Thumbnail, url)
                            {
                                commands.push(Command::LoadThumbnail {
                                    url: url.to_owned(),
                                });
                            }
                            let is_selected = selected == Some(&media.id);
                            if tile_ui(ui, media, tile, textures, is_selected).clicked() {
                                outcome.open_media = Some(media.id.clone());
                            }
                        }
                    });
                }
            });
    });
    if wants_more && page.has_more && !feed.load_more_sent && !feed.page.is_loading() {
        feed.load_more_sent = true;
        commands.push(Command::LoadMoreFeed(account.id.clone()));
    }
    outcome
}

/// @username, counts, the cache note and Refresh.
fn header_ui(
    ui: &mut egui::Ui,
    feed: &mut FeedState,
    account: &Account,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.heading(RichText::new(format!("@{}", account.username)).strong());
        let loaded = feed.media().len();
        let count = match account.media_count {
            Some(total) if total as usize != loaded => format!("{total} posts · {loaded} loaded"),
            Some(total) => format!("{total} posts"),
            None => format!("{loaded} posts loaded"),
        };
        ui.label(RichText::new(count).color(theme::muted(ui)));
        if feed.page.value().is_some_and(|p| p.from_cache) {
            ui.label(
                RichText::new("· Showing saved posts")
                    .color(theme::muted(ui))
                    .italics(),
            )
            .on_hover_text(
                "These posts come from the local cache; they refresh when Instagram answers.",
            );
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let loading = feed.page.is_loading();
            if ui
                .add_enabled(!loading, egui::Button::new("Refresh"))
                .on_hover_text("Fetch the newest posts")
                .clicked()
            {
                feed.page.start_loading();
                commands.push(Command::RefreshFeed(account.id.clone()));
            }
            if loading {
                ui.spinner();
            }
        });
    });
    ui.add_space(6.0);
}

/// A red banner for a failed refresh, above the posts that stay shown.
fn failure_banner_ui(
    ui: &mut egui::Ui,
    message: &str,
    account: &IgUserId,
    page: &mut Remote<FeedPage>,
    commands: &mut Vec<Command>,
) {
    let mut retry = false;
    egui::Frame::new()
        .fill(theme::danger(ui).gamma_multiply(0.15))
        .stroke(egui::Stroke::new(1.0, theme::danger(ui)))
        .corner_radius(theme::CARD_RADIUS)
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new("Couldn't refresh the feed:")
                        .strong()
                        .color(theme::danger(ui)),
                );
                ui.add(egui::Label::new(message).wrap());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    retry = ui.button("Retry").clicked();
                });
            });
        });
    ui.add_space(6.0);
    if retry {
        page.start_loading();
        commands.push(Command::RefreshFeed(account.clone()));
    }
}

/// One square tile: thumbnail (or placeholder), kind badge, hover and selection outline.
fn tile_ui(
    ui: &mut egui::Ui,
    media: &Media,
    size: f32,
    textures: &Textures,
    selected: bool,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), Sense::click());
    let label = tile_label(media);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
    if ui.is_rect_visible(rect) {
        let state = media
            .preview_url()
            .and_then(|url| textures.state(ImageSize::Thumbnail, url));
        if let Some(texture) = state.and_then(Remote::value) {
            egui::Image::from_texture(texture)
                .uv(cover_uv(texture.size_vec2(), rect.size()))
                .corner_radius(theme::CARD_RADIUS)
                .paint_at(ui, rect);
        } else {
            let failed = state.and_then(Remote::error).is_some();
            placeholder_ui(ui, rect, media, failed);
        }
        badge_ui(ui, rect, media);
        let painter = ui.painter();
        if selected {
            painter.rect_stroke(
                rect,
                theme::CARD_RADIUS,
                egui::Stroke::new(3.0, theme::ACCENT),
                egui::StrokeKind::Inside,
            );
        } else if response.hovered() {
            painter.rect_filled(rect, theme::CARD_RADIUS, Color32::from_white_alpha(18));
        }
    }
    response.on_hover_text(label)
}

/// The neutral tile shown until the thumbnail arrives (or when it could not be loaded).
fn placeholder_ui(ui: &egui::Ui, rect: egui::Rect, media: &Media, failed: bool) {
    let painter = ui.painter();
    painter.rect_filled(rect, theme::CARD_RADIUS, theme::placeholder(ui));
    let text = if failed {
        "Image unavailable"
    } else {
        media.kind_label()
    };
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(13.0),
        theme::muted(ui),
    );
}

/// A small pill in the top-right corner for carousels, reels and videos.
fn badge_ui(ui: &egui::Ui, rect: egui::Rect, media: &Media) {
    let (icon, text) = match (media.kind_label(), &media.media_type) {
        ("Carousel", _) if !media.children.is_empty() => {
            (Some(Icon::Carousel), media.children.len().to_string())
        }
        ("Carousel", _) => (Some(Icon::Carousel), String::new()),
        ("Reel", _) => (Some(Icon::Play), "Reel".to_owned()),
        ("Story", _) => (None, "Story".to_owned()),
        (_, MediaType::Video) => (Some(Icon::Play), "Video".to_owned()),
        _ => return,
    };
    let painter = ui.painter();
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(11.0), Color32::WHITE);
    let icon_size = if icon.is_some() { 14.0 } else { 0.0 };
    let gap = if icon.is_some() && galley.size().x > 0.0 {
        3.0
    } else {
        0.0
    };
    let inner = egui::vec2(
        icon_size + gap + galley.size().x,
        galley.size().y.max(icon_size),
    );
    let pill = egui::Rect::from_min_size(
        egui::pos2(rect.right() - inner.x - 14.0, rect.top() + 6.0),
        inner + egui::vec2(8.0, 4.0),
    );
    painter.rect_filled(pill, 4, Color32::from_black_alpha(170));
    let mut x = pill.left() + 4.0;
    if let Some(icon) = icon {
        let icon_rect = egui::Rect::from_min_size(
            egui::pos2(x, pill.center().y - icon_size / 2.0),
            egui::vec2(icon_size, icon_size),
        );
        icons::paint(painter, icon_rect, icon, Color32::WHITE);
        x += icon_size + gap;
    }
    painter.galley(
        egui::pos2(x, pill.center().y - galley.size().y / 2.0),
        galley,
        Color32::WHITE,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MediaType;

    fn media(id: &str, caption: Option<&str>) -> Media {
        Media {
            id: MediaId::from(id),
            caption: caption.map(str::to_owned),
            media_type: MediaType::Image,
            media_product_type: None,
            media_url: Some(format!("https://cdn.example/{id}.jpg")),
            thumbnail_url: None,
            permalink: None,
            shortcode: None,
            timestamp: chrono::Utc::now(),
            username: None,
            like_count: None,
            comments_count: None,
            alt_text: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn tile_label_is_the_first_caption_line() {
        assert_eq!(tile_label(&media("1", Some("\n Hello \nworld"))), "Hello");
        assert!(tile_label(&media("1", None)).starts_with("Photo 20"));
    }

    #[test]
    fn columns_fill_the_width() {
        assert_eq!(grid_columns(100.0).0, 1);
        let (columns, tile) = grid_columns(960.0);
        assert_eq!(columns, 6);
        assert!(tile * columns as f32 + theme::TILE_GAP * 5.0 <= 960.0);
    }

    #[test]
    fn pages_append_and_failures_keep_the_feed() {
        let account = IgUserId::from("1");
        let mut feed = FeedState::default();
        feed.reset(Some(account.clone()));
        feed.on_feed(&account, vec![media("a", None)], true, true, true);
        feed.on_feed(&account, vec![media("b", None)], false, false, false);
        assert_eq!(feed.media().len(), 2);
        feed.on_failed(&account, "offline");
        assert_eq!(feed.media().len(), 2);
        feed.on_feed(&IgUserId::from("other"), vec![], true, false, false);
        assert_eq!(feed.media().len(), 2, "other accounts' feeds are ignored");
        feed.on_feed(&account, vec![media("c", None)], true, false, false);
        assert_eq!(feed.media().len(), 1);
    }
}
