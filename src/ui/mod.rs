//! The egui UI: [`App`] owns the UI state, drains engine events at the start of each frame,
//! draws the shell and the current tab, and sends the commands the frame produced.
//!
//! Nothing here does IO or touches tokio: the engine does the work and answers with events.

pub mod accounts;
pub mod calendar;
pub mod calendar_month;
pub mod comments;
pub mod comments_mentions;
pub mod comments_rules;
pub mod composer;
pub mod detail;
pub mod dms;
pub mod dms_chat;
pub mod dms_private_reply;
pub mod empty;
pub mod feed;
pub mod fonts;
pub mod icons;
pub mod insights;
pub mod insights_breakdowns;
mod insights_charts;
pub mod insights_export;
pub mod insights_format;
pub mod live;
pub mod pending;
pub mod remote;
pub mod research;
pub mod research_competitors;
pub mod research_discovery;
pub mod schedule_picker;
pub mod shell;
pub mod textures;
pub mod theme;
pub mod toasts;
pub mod unread;

use serde::{Deserialize, Serialize};

use crate::engine::notify::{NotifyCommand, NotifyTopic};
use crate::engine::protocol::SyncStatus;
use crate::engine::research::{ResearchCommand, ResearchEvent};
use crate::engine::{Command, EngineHandle, Event};
use crate::ids::IgUserId;
use crate::model::Account;
use accounts::AccountsPage;
use detail::DetailState;
use feed::FeedState;
pub use shell::Tab;
use textures::{ImageSize, Textures};
use toasts::Toasts;

/// What a tab may read and use while drawing, besides its own state.
pub struct TabContext<'a> {
    /// The account whose data the tab shows.
    pub account: Option<&'a Account>,
    /// Textures of images the engine decoded (post thumbnails, avatars).
    pub textures: &'a mut Textures,
}

/// At most this many events are applied per frame, so a flood cannot freeze the UI.
const MAX_EVENTS_PER_FRAME: usize = 512;

/// UI state worth keeping between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiPrefs {
    pub tab: Tab,
    /// The Comments tab's filters.
    pub comment_filters: comments::Filters,
    /// The folder the Composer's file browser last picked from.
    pub last_folder: Option<std::path::PathBuf>,
    /// Dark, Light or the system's.
    pub theme: theme::ThemeChoice,
    /// The user switched desktop notifications off.
    pub notifications_off: bool,
    /// Notification topics the user switched off one by one.
    pub muted_topics: Vec<NotifyTopic>,
}

/// The whole desktop UI.
pub struct App {
    engine: EngineHandle,
    started: bool,
    /// Whether the saved hashtag sets were asked for (once, when the Composer first shows).
    hashtag_sets_requested: bool,
    /// The Composer was on screen last frame (leaving it keeps its form at once).
    was_composing: bool,
    /// Set once a command could not be queued, so the user is told once, not every frame.
    engine_gone: bool,
    /// The window's focus as last told to the engine (notifications of scheduled posts
    /// wait for the user to look away).
    focused: bool,
    prefs: UiPrefs,
    accounts: Vec<Account>,
    active: Option<IgUserId>,
    show_accounts_page: bool,
    accounts_page: AccountsPage,
    feed: FeedState,
    detail: DetailState,
    textures: Textures,
    sync: SyncStatus,
    sandbox_url: Option<String>,
    toasts: Toasts,
    composer: composer::ComposerTab,
    comments: comments::CommentsTab,
    dms: dms::DmsTab,
    insights: insights::InsightsTab,
    calendar: calendar::CalendarTab,
    research: research::ResearchTab,
    /// The Feed's live banner and moderation view.
    live: live::LiveState,
    /// What waits in every connected account (the sidebar's counts).
    unread: unread::UnreadCounts,
}

impl App {
    /// A UI talking to the engine at the other end of `engine`.
    pub fn new(engine: EngineHandle) -> Self {
        Self {
            engine,
            started: false,
            hashtag_sets_requested: false,
            was_composing: false,
            engine_gone: false,
            focused: true,
            prefs: UiPrefs::default(),
            accounts: Vec::new(),
            active: None,
            show_accounts_page: false,
            accounts_page: AccountsPage::default(),
            feed: FeedState::default(),
            detail: DetailState::default(),
            textures: Textures::default(),
            sync: SyncStatus::default(),
            sandbox_url: None,
            toasts: Toasts::default(),
            composer: composer::ComposerTab::default(),
            comments: comments::CommentsTab::default(),
            dms: dms::DmsTab::default(),
            insights: insights::InsightsTab::default(),
            calendar: calendar::CalendarTab::default(),
            research: research::ResearchTab::default(),
            live: live::LiveState::default(),
            unread: unread::UnreadCounts::default(),
        }
    }

    /// Restores persisted UI state (the selected tab, the Comments filters).
    pub fn with_prefs(mut self, prefs: UiPrefs) -> Self {
        self.comments.set_filters(prefs.comment_filters.clone());
        self.composer.set_last_folder(prefs.last_folder.clone());
        self.prefs = prefs;
        self
    }

    /// The app as the user left it last time: `storage` is eframe's (window geometry is
    /// eframe's own; the account in use is kept by the engine).
    pub fn restored(engine: EngineHandle, storage: Option<&dyn eframe::Storage>) -> Self {
        let prefs = storage
            .and_then(|s| eframe::get_value::<UiPrefs>(s, eframe::APP_KEY))
            .unwrap_or_default();
        App::new(engine).with_prefs(prefs)
    }

    /// The UI state to persist.
    pub fn prefs(&self) -> UiPrefs {
        UiPrefs {
            comment_filters: self.comments.filters().clone(),
            last_folder: self.composer.last_folder().map(ToOwned::to_owned),
            ..self.prefs.clone()
        }
    }

    /// The Composer tab's state (tests read what the user composed).
    pub fn composer(&self) -> &composer::ComposerTab {
        &self.composer
    }

    /// The Composer tab's state, to hand it test doubles (clipboard).
    pub fn composer_mut(&mut self) -> &mut composer::ComposerTab {
        &mut self.composer
    }

    /// The selected tab.
    pub fn tab(&self) -> Tab {
        self.prefs.tab
    }

    /// How many thumbnails were requested from the engine so far.
    pub fn thumbnails_requested(&self) -> usize {
        self.textures.requested_count(ImageSize::Thumbnail)
    }

    /// Draws one frame; drains pending events first. Used by eframe and by kittest.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut commands = Vec::new();
        if !self.started {
            self.started = true;
            theme::apply(&ctx, self.prefs.theme);
            fonts::install(&ctx);
            self.engine.set_repaint_context(&ctx);
            commands.push(Command::Start);
            // The engine starts with notifications on and the window in front.
            if self.prefs.notifications_off {
                commands.push(Command::Notifications(NotifyCommand::Enabled(false)));
            }
            for topic in &self.prefs.muted_topics {
                commands.push(Command::Notifications(NotifyCommand::Topic(*topic, false)));
            }
        }
        let focused = ctx.input(|i| i.focused);
        if self.focused != focused {
            self.focused = focused;
            commands.push(Command::Notifications(NotifyCommand::Focused(focused)));
        }
        self.drain_events(&ctx);
        self.keyboard(&ctx);
        // Files dragged over the window go to the Composer: show it while they hover.
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            self.prefs.tab = Tab::Composer;
            self.show_accounts_page = false;
        }
        self.textures.begin_frame();

        egui::Panel::top("tabs")
            .frame(
                egui::Frame::side_top_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(10, 6)),
            )
            .show(ui, |ui| {
                let badges = shell::TabBadges {
                    comments: self.comments.unanswered_count(),
                    dms: self.dms.unread_count(),
                };
                if shell::tab_bar_ui(ui, &mut self.prefs.tab, !self.show_accounts_page, badges) {
                    self.show_accounts_page = false;
                }
            });
        egui::Panel::bottom("status_bar")
            .frame(
                egui::Frame::side_top_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(10, 3)),
            )
            .show(ui, |ui| {
                shell::status_bar_ui(ui, &self.sync, self.sandbox_url.as_deref());
            });
        egui::Panel::left("sidebar")
            .resizable(false)
            .exact_size(220.0)
            .frame(
                egui::Frame::side_top_panel(ui.style())
                    .fill(theme::sidebar_bg(ui))
                    .inner_margin(egui::Margin::symmetric(10, 6)),
            )
            .show(ui, |ui| {
                let unread = self.sidebar_counts();
                let outcome = shell::sidebar_ui(
                    ui,
                    &self.accounts,
                    &unread,
                    self.active.as_ref(),
                    &mut commands,
                );
                if outcome.open_accounts {
                    self.show_accounts_page = true;
                } else if outcome.account_clicked {
                    self.show_accounts_page = false;
                }
                ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
                    ui.add_space(6.0);
                    // Bottom-up: the topics show under the main switch, while it is on.
                    if !self.prefs.notifications_off {
                        for topic in NotifyTopic::ALL.into_iter().rev() {
                            let mut on = !self.prefs.muted_topics.contains(&topic);
                            let changed = ui
                                .horizontal(|ui| {
                                    ui.add_space(18.0);
                                    ui.checkbox(&mut on, topic.label()).changed()
                                })
                                .inner;
                            if changed {
                                self.prefs.muted_topics.retain(|t| *t != topic);
                                if !on {
                                    self.prefs.muted_topics.push(topic);
                                }
                                commands
                                    .push(Command::Notifications(NotifyCommand::Topic(topic, on)));
                            }
                        }
                    }
                    let mut on = !self.prefs.notifications_off;
                    if ui
                        .checkbox(&mut on, "Desktop notifications")
                        .on_hover_text(
                            "New DMs, comments waiting for a reply, and scheduled posts that went \
                             out or failed while socialdesk was in the background",
                        )
                        .changed()
                    {
                        self.prefs.notifications_off = !on;
                        commands.push(Command::Notifications(NotifyCommand::Enabled(on)));
                    }
                    if theme::choice_ui(ui, &mut self.prefs.theme) {
                        theme::apply(ui.ctx(), self.prefs.theme);
                    }
                });
            });

        let showing_feed = !self.show_accounts_page && self.prefs.tab == Tab::Feed;
        let watched = self.active_account().map(|a| a.id.clone());
        self.live
            .watch(watched.as_ref(), showing_feed, &mut commands);
        if showing_feed && !self.live.is_open() {
            self.detail_panel_ui(ui, &mut commands);
        }

        egui::CentralPanel::default()
            .frame(egui::Frame::central_panel(ui.style()).inner_margin(egui::Margin::same(14)))
            .show(ui, |ui| {
                if self.show_accounts_page {
                    let outcome = self.accounts_page.accounts_ui(
                        ui,
                        &self.accounts,
                        self.sandbox_url.is_some(),
                        &mut commands,
                    );
                    if outcome.close {
                        self.show_accounts_page = false;
                    }
                } else if self.prefs.tab == Tab::Feed && self.live.is_open() {
                    self.live.view_ui(ui, &mut commands);
                } else if self.prefs.tab == Tab::Feed {
                    self.live.banner_ui(ui);
                    let account = self.active_account().cloned();
                    let outcome = feed::feed_ui(
                        ui,
                        &mut self.feed,
                        account.as_ref(),
                        &mut self.textures,
                        self.detail.selected(),
                        &mut commands,
                    );
                    if let Some(id) = outcome.open_media {
                        if let Some(account) = &account {
                            commands.push(Command::LoadMediaDetail {
                                account: account.id.clone(),
                                media: id.clone(),
                            });
                        }
                        self.detail.open(id);
                    }
                    if outcome.open_accounts {
                        self.show_accounts_page = true;
                    }
                } else {
                    let account = self.active_account().cloned();
                    let mut cx = TabContext {
                        account: account.as_ref(),
                        textures: &mut self.textures,
                    };
                    match self.prefs.tab {
                        Tab::Composer => {
                            // The "Hashtag sets" menu needs the saved sets, even when
                            // Research was never opened.
                            if !self.hashtag_sets_requested {
                                self.hashtag_sets_requested = true;
                                commands.push(Command::Research(ResearchCommand::LoadSets));
                            }
                            self.composer.tab_ui(ui, &mut cx, &mut commands);
                        }
                        Tab::Comments => self.comments.tab_ui(ui, &mut cx, &mut commands),
                        Tab::Dms => self.dms.tab_ui(ui, &mut cx, &mut commands),
                        Tab::Insights => self.insights.tab_ui(ui, &mut cx, &mut commands),
                        Tab::Research => self.research.tab_ui(ui, &mut cx, &mut commands),
                        Tab::Calendar => self.calendar.tab_ui(ui, &mut cx, &mut commands),
                        Tab::Feed => {}
                    }
                }
            });
        // A tab asked to open another (the Composer's "View in Feed", the Calendar's "Edit").
        if let Some(tab) = self
            .composer
            .take_navigation()
            .or_else(|| self.calendar.take_navigation())
        {
            self.prefs.tab = tab;
            self.show_accounts_page = false;
        }
        // Research's "Insert into caption": the set goes into the Composer's caption state.
        if let Some(text) = self.research.take_caption_insert() {
            self.composer.insert_into_caption(&text);
            self.prefs.tab = Tab::Composer;
            self.show_accounts_page = false;
        }
        // Leaving the Composer keeps its form on disk at once, not a second later.
        let composing = self.prefs.tab == Tab::Composer && !self.show_accounts_page;
        if self.was_composing && !composing {
            self.composer.keep_on_leave(&ctx, &mut commands);
        }
        self.was_composing = composing;

        self.textures
            .evict_thumbnails(textures::MAX_THUMBNAIL_TEXTURES);
        self.toasts.toasts_ui(&ctx);
        self.send_all(commands, &ctx);
    }

    /// What waits in each account, in sidebar order: from the Comments and DMs tabs for the
    /// account they hold (they follow what the user just did), else from its last sync.
    fn sidebar_counts(&self) -> Vec<unread::Unread> {
        self.accounts
            .iter()
            .map(|a| {
                let synced = self.unread.of(&a.id);
                unread::Unread {
                    comments: if self.comments.account() == Some(&a.id) {
                        self.comments.unanswered_count()
                    } else {
                        synced.comments
                    },
                    dms: if self.dms.account() == Some(&a.id) {
                        self.dms.unread_count()
                    } else {
                        synced.dms
                    },
                }
            })
            .collect()
    }

    fn active_account(&self) -> Option<&Account> {
        let active = self.active.as_ref()?;
        self.accounts.iter().find(|a| &a.id == active)
    }

    /// The right-hand panel for the selected media, when there is one.
    fn detail_panel_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(id) = self.detail.selected().cloned() else {
            return;
        };
        let Some(media) = self.feed.find(&id).cloned() else {
            // The media left the feed (account switch, refresh): nothing to show.
            self.detail.close();
            return;
        };
        egui::Panel::right("detail")
            .resizable(true)
            .default_size(380.0)
            .size_range(280.0..=720.0)
            .frame(egui::Frame::side_top_panel(ui.style()).inner_margin(egui::Margin::same(12)))
            .show(ui, |ui| {
                (self.insights).post_panel_ui(ui, self.active.as_ref(), &media, commands);
                if detail::detail_ui(ui, &mut self.detail, &media, &mut self.textures, commands) {
                    self.detail.close();
                }
            });
    }

    /// Ctrl+1..7 switch tabs; Esc closes the detail panel.
    fn keyboard(&mut self, ctx: &egui::Context) {
        let before = self.prefs.tab;
        shell::tab_shortcuts(ctx, &mut self.prefs.tab);
        if self.prefs.tab != before {
            self.show_accounts_page = false;
        }
        if self.detail.selected().is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.detail.close();
        }
    }

    /// Applies every pending engine event.
    fn drain_events(&mut self, ctx: &egui::Context) {
        for _ in 0..MAX_EVENTS_PER_FRAME {
            let Some(event) = self.engine.try_recv() else {
                return;
            };
            self.apply(ctx, event);
        }
        // More are waiting: come back next frame instead of blocking this one.
        ctx.request_repaint();
    }

    fn apply(&mut self, ctx: &egui::Context, event: Event) {
        match event {
            Event::Accounts { accounts, active } => {
                self.unread.retain(&accounts);
                self.accounts = accounts;
                // A feed that arrived first for this very account is kept.
                if self.feed.account() != active.as_ref() {
                    self.detail.close();
                    self.feed.reset(active.clone());
                }
                self.active = active;
            }
            Event::Feed {
                account,
                media,
                replace,
                has_more,
                from_cache,
            } => {
                // The engine may send the cached feed before the account list: adopt it.
                if self.active.is_none() && self.feed.account().is_none() {
                    self.feed.reset(Some(account.clone()));
                }
                self.feed
                    .on_feed(&account, media, replace, has_more, from_cache);
            }
            Event::FeedFailed { account, message } => self.feed.on_failed(&account, &message),
            Event::Thumbnail(image) => self.textures.insert(ctx, ImageSize::Thumbnail, &image),
            Event::Image(image) => self.textures.insert(ctx, ImageSize::Full, &image),
            Event::ImageFailed { url, message } => self.textures.fail(&url, &message),
            Event::Login(state) => self.accounts_page.on_login(state),
            Event::Sync(status) => self.sync = status,
            Event::SandboxMode { url } => self.sandbox_url = Some(url),
            Event::LiveMode => self.sandbox_url = None,
            Event::Notice { message, is_error } => {
                let now = ctx.input(|i| i.time);
                self.toasts.push(message, is_error, now);
            }
            Event::MediaDetail(media) => self.feed.on_detail(*media),
            Event::Copyright { media, check } => self.detail.on_copyright(media, check),
            Event::Composer(event) => self.composer.on_event(event),
            Event::Comments(event) => {
                self.unread.on_comments(&event, &self.accounts);
                self.comments.on_event(event);
            }
            Event::Dms(event) => {
                self.unread.on_dms(&event);
                self.comments.on_dms_event(&event);
                self.dms.on_event(event);
            }
            Event::Insights(event) => self.insights.on_event(event),
            Event::Calendar(event) => self.calendar.on_event(event),
            Event::Research(event) => {
                if let ResearchEvent::Sets(sets) = &event {
                    self.composer.set_hashtag_sets(sets);
                }
                self.research.on_event(event);
            }
            Event::Live(event) => self.live.on_event(event),
        }
    }

    /// Queues this frame's commands; a command that cannot be queued is undone where it
    /// matters (image requests are forgotten so they are retried).
    fn send_all(&mut self, commands: Vec<Command>, ctx: &egui::Context) {
        for command in commands {
            let retry_key = match &command {
                Command::LoadThumbnail { url } => Some((ImageSize::Thumbnail, url.clone())),
                Command::LoadImage { url } => Some((ImageSize::Full, url.clone())),
                _ => None,
            };
            if self.engine.send(command) {
                continue;
            }
            if let Some((size, url)) = retry_key {
                self.textures.forget(size, &url);
            }
            if !self.engine_gone {
                self.engine_gone = true;
                let now = ctx.input(|i| i.time);
                self.toasts.push(
                    "The background engine is not answering; restart socialdesk if this persists.",
                    true,
                    now,
                );
            }
        }
    }
}

impl App {
    /// The window is closing: hands the engine what must not be lost (the Composer's form
    /// as typed this very second). `gui::run` then waits for the engine to write it.
    pub fn on_quit(&mut self) {
        let mut commands = Vec::new();
        self.composer.keep_on_exit(&mut commands);
        for command in commands {
            // Nothing to tell: the window is going away. The engine logs a failed write.
            let _ = self.engine.send(command);
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.prefs());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.on_quit();
    }
}

/// `message` with a capital first letter: engine errors are phrased to follow a colon,
/// the UI also shows them as a line of their own.
pub(crate) fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
