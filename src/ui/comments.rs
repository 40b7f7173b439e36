//! The Comments tab: one virtualized inbox of every comment on the account's posts, with
//! filters, a detail pane (thread and post), moderation actions, bulk selection, saved
//! replies and keyboard control (j/k move, r reply, h hide, d delete, / search,
//! Ctrl+Enter send). Deletes wait out an undo window before the command is sent.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Command;
use crate::engine::comments::{CommentsCommand, CommentsEvent};
use crate::engine::comments_ops::{fill_template, unanswered};
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::model::Media;
use crate::store::{InboxComment, SavedReply};

use super::TabContext;
use super::textures::{ImageSize, cover_uv};
use super::theme;

/// How long a delete can be undone before it is sent to Instagram.
pub const UNDO_WINDOW: Duration = Duration::from_secs(5);
const ROW_HEIGHT: f32 = 44.0;

/// What the tab's main area shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Inbox,
    Rules,
    Mentions,
}

/// Which comments the list shows. Kept between runs, except the post picked in the Feed
/// (a one-off jump, not a habit).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Filters {
    pub unanswered: bool,
    pub hidden: bool,
    pub questions: bool,
    pub keyword: String,
    #[serde(skip)]
    pub media: Option<MediaId>,
    /// Only comments from the last N days.
    pub days: Option<u32>,
}

/// The Comments tab's state.
#[derive(Default)]
pub struct CommentsTab {
    account: Option<IgUserId>,
    own_username: String,
    comments: Arc<Vec<InboxComment>>,
    media: HashMap<MediaId, Media>,
    comments_off: HashSet<MediaId>,
    open: HashMap<CommentId, bool>,
    /// Top-level comments by others nobody answered yet (the Comments tab's badge).
    unanswered: usize,
    replies: HashMap<CommentId, Vec<usize>>,
    /// Indices into `comments` of the listed (top-level) comments.
    rows: Vec<usize>,
    filters: Filters,
    applied: Option<Filters>,
    cursor: usize,
    selected: HashSet<CommentId>,
    anchor: Option<usize>,
    reply_text: String,
    focus_reply: bool,
    focus_search: bool,
    pending_deletes: Vec<(CommentId, Instant)>,
    saved: Vec<SavedReply>,
    status: String,
    syncing: bool,
    /// "Reply in DM" for the comment on display (hands off to the DMs engine).
    private_reply: super::dms_private_reply::PrivateReplyForm,
    view: View,
    rules: super::comments_rules::RulesEditor,
    mentions: super::comments_mentions::MentionsView,
}

/// A heart and the like count Meta reports for a comment or media (there is no API to like
/// or unlike a comment, so this is shown, never toggled). `long` says "N likes"; otherwise
/// just the number, with the words on hover. Meta leaves the count out when the owner hides
/// likes.
pub(super) fn like_count_ui(ui: &mut egui::Ui, count: Option<u64>, long: bool) {
    const HEART: egui::Color32 = egui::Color32::from_rgb(0xF0, 0x5A, 0x7E);
    match count {
        Some(n) => {
            let text = if long {
                format!("{n} like{}", if n == 1 { "" } else { "s" })
            } else {
                n.to_string()
            };
            super::icons::icon_label(ui, super::icons::Icon::Heart, text, HEART)
                .on_hover_text(format!("{n} like(s) on Instagram"));
        }
        None => {
            super::icons::icon_label(ui, super::icons::Icon::Heart, "–", HEART)
                .on_hover_text("Instagram did not report likes (the owner may hide them)");
        }
    }
}

fn is_question(text: &str) -> bool {
    text.contains('?')
}

impl CommentsTab {
    /// Comments by others still waiting for an answer (the tab's badge).
    pub fn unanswered_count(&self) -> usize {
        self.unanswered
    }

    /// The account whose inbox the tab holds (none before the tab was first shown).
    pub fn account(&self) -> Option<&IgUserId> {
        self.account.as_ref()
    }

    /// The filters in use (kept between runs).
    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// Puts back the filters of the last run.
    pub fn set_filters(&mut self, filters: Filters) {
        self.filters = filters;
    }

    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: CommentsEvent) {
        match event {
            CommentsEvent::Inbox {
                account,
                comments,
                media,
                comments_off,
                ..
            } => {
                if self.account.as_ref() != Some(&account) {
                    return;
                }
                self.comments = comments;
                self.media = media.iter().map(|m| (m.id.clone(), m.clone())).collect();
                self.comments_off = comments_off.into_iter().collect();
                self.reindex();
            }
            CommentsEvent::Syncing { .. } => {
                self.syncing = true;
                self.status = "Syncing comments…".into();
            }
            CommentsEvent::Synced { report, .. } => {
                self.syncing = false;
                self.status = format!(
                    "Up to date: {} new comment(s), {} rule action(s)",
                    report.new_comments, report.rule_actions
                );
            }
            CommentsEvent::Replied { reply, .. } => {
                let mut list = (*self.comments).clone();
                list.insert(
                    0,
                    InboxComment {
                        comment: reply,
                        flagged: false,
                    },
                );
                self.comments = Arc::new(list);
                self.status = "Reply posted".into();
                self.reindex();
            }
            CommentsEvent::Changed { comment, .. } => {
                let mut list = (*self.comments).clone();
                if let Some(c) = list.iter_mut().find(|c| c.comment.id == comment.comment.id) {
                    *c = comment;
                }
                self.comments = Arc::new(list);
                self.reindex();
            }
            CommentsEvent::Removed { comment, .. } => {
                let list: Vec<InboxComment> = self
                    .comments
                    .iter()
                    .filter(|c| {
                        c.comment.id != comment && c.comment.parent_id.as_ref() != Some(&comment)
                    })
                    .cloned()
                    .collect();
                self.comments = Arc::new(list);
                self.reindex();
            }
            CommentsEvent::CommentsEnabled { media, enabled, .. } => {
                if enabled {
                    self.comments_off.remove(&media);
                } else {
                    self.comments_off.insert(media);
                }
            }
            CommentsEvent::Rules {
                account,
                rules,
                log,
            } => {
                if self.account.as_ref() == Some(&account) {
                    self.rules.rules = rules;
                    self.rules.log = log;
                }
            }
            CommentsEvent::SavedReplies(list) => self.saved = list,
            CommentsEvent::Mentions {
                account,
                mentions,
                from_cache,
            } => {
                if self.account.as_ref() == Some(&account) {
                    self.mentions.set_mentions(mentions, from_cache);
                }
            }
            CommentsEvent::MentionReplied { account, mention } => {
                if self.account.as_ref() == Some(&account) {
                    self.mentions.replied(mention);
                }
            }
            CommentsEvent::MentionReplyFailed {
                account,
                media,
                comment,
                message,
            } => {
                if self.account.as_ref() == Some(&account) {
                    self.mentions.reply_failed(media, comment, message);
                }
            }
            CommentsEvent::Failed { message, .. } => {
                self.syncing = false;
                self.mentions.load_failed();
                self.status = message;
            }
        }
    }

    /// Rebuilds thread maps after the comments changed; filtering is redone lazily.
    fn reindex(&mut self) {
        self.open = unanswered(&self.comments, &self.own_username);
        self.unanswered = self
            .comments
            .iter()
            .filter(|c| {
                c.comment.parent_id.is_none()
                    && c.comment.username != self.own_username
                    && self.open.get(&c.comment.id).copied().unwrap_or(false)
            })
            .count();
        self.replies.clear();
        for (i, c) in self.comments.iter().enumerate() {
            if let Some(p) = &c.comment.parent_id {
                self.replies.entry(p.clone()).or_default().push(i);
            }
        }
        for list in self.replies.values_mut() {
            list.reverse(); // oldest first
        }
        self.applied = None;
    }

    fn refilter(&mut self) {
        if self.applied.as_ref() == Some(&self.filters) {
            return;
        }
        let f = &self.filters;
        let keyword = f.keyword.to_lowercase();
        let since = f
            .days
            .map(|d| chrono::Utc::now() - chrono::Duration::days(i64::from(d)));
        self.rows = self
            .comments
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let c = &c.comment;
                c.parent_id.is_none()
                    && (!f.unanswered
                        || (c.username != self.own_username
                            && self.open.get(&c.id).copied().unwrap_or(false)))
                    && (!f.hidden || c.hidden)
                    && (!f.questions || is_question(&c.text))
                    && f.media.as_ref().is_none_or(|m| *m == c.media_id)
                    && since.is_none_or(|s| c.timestamp >= s)
                    && (keyword.is_empty()
                        || c.text.to_lowercase().contains(&keyword)
                        || c.username.to_lowercase().contains(&keyword))
            })
            .map(|(i, _)| i)
            .collect();
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
        self.applied = Some(self.filters.clone());
    }

    /// The comment under the cursor.
    fn current(&self) -> Option<&InboxComment> {
        self.rows
            .get(self.cursor)
            .and_then(|i| self.comments.get(*i))
    }

    /// The comments an action applies to: the bulk selection, else the cursor's comment.
    fn targets(&self) -> Vec<CommentId> {
        if self.selected.is_empty() {
            self.current()
                .map(|c| c.comment.id.clone())
                .into_iter()
                .collect()
        } else {
            self.selected.iter().cloned().collect()
        }
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("Comment moderation");
        let Some(account) = cx.account else {
            ui.label("Connect an account in Accounts to moderate its comments.");
            return;
        };
        if self.account.as_ref() != Some(&account.id) {
            *self = Self {
                account: Some(account.id.clone()),
                own_username: account.username.clone(),
                saved: std::mem::take(&mut self.saved),
                // The user's way of reading (unanswered, questions, days) stays; what
                // pointed into the other account's comments does not.
                filters: Filters {
                    keyword: String::new(),
                    media: None,
                    ..std::mem::take(&mut self.filters)
                },
                ..Self::default()
            };
            commands.push(Command::Comments(CommentsCommand::Open(account.id.clone())));
        }
        self.send_due_deletes(commands);
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.view, View::Inbox, "Inbox");
            ui.selectable_value(&mut self.view, View::Rules, "Rules & saved replies");
            ui.selectable_value(&mut self.view, View::Mentions, "Mentions");
        });
        if self.view == View::Mentions {
            let account = account.id.clone();
            // Above the list: the list fills the rest of the tab.
            if !self.status.is_empty() {
                ui.label(&self.status);
            }
            self.mentions.ui(ui, &account, cx, commands);
            return;
        }
        if self.view == View::Rules {
            let account = account.id.clone();
            self.rules.ui(ui, &account, &self.saved, commands);
            if !self.status.is_empty() {
                ui.label(&self.status);
            }
            if !self.pending_deletes.is_empty() {
                ui.ctx().request_repaint_after(Duration::from_millis(250));
            }
            return;
        }
        self.refilter();
        self.keyboard(ui, commands);
        self.refilter();
        self.toolbar(ui, commands);
        egui::Panel::right("comment_detail")
            .resizable(true)
            .default_size(360.0)
            .show(ui, |ui| self.detail_ui(ui, cx, commands));
        self.list_ui(ui, cx, commands);
        if !self.pending_deletes.is_empty() {
            ui.ctx().request_repaint_after(Duration::from_millis(250));
        }
    }

    fn send_due_deletes(&mut self, commands: &mut Vec<Command>) {
        let Some(account) = self.account.clone() else {
            return;
        };
        let now = Instant::now();
        self.pending_deletes.retain(|(id, at)| {
            if now.duration_since(*at) >= UNDO_WINDOW {
                commands.push(Command::Comments(CommentsCommand::Delete {
                    account: account.clone(),
                    comment: id.clone(),
                }));
                false
            } else {
                true
            }
        });
    }

    fn hide_toggle(&mut self, commands: &mut Vec<Command>) {
        let Some(account) = self.account.clone() else {
            return;
        };
        for id in self.targets() {
            let hidden = self
                .comments
                .iter()
                .find(|c| c.comment.id == id)
                .is_some_and(|c| c.comment.hidden);
            commands.push(Command::Comments(CommentsCommand::SetHidden {
                account: account.clone(),
                comment: id,
                hidden: !hidden,
            }));
        }
    }

    fn delete(&mut self) {
        let now = Instant::now();
        for id in self.targets() {
            if !self.pending_deletes.iter().any(|(p, _)| *p == id) {
                self.pending_deletes.push((id, now));
            }
        }
        self.selected.clear();
    }

    fn send_reply(&mut self, commands: &mut Vec<Command>) {
        let (Some(account), Some(c)) = (self.account.clone(), self.current()) else {
            return;
        };
        let text = self.reply_text.trim().to_owned();
        if text.is_empty() {
            self.status = "Write a reply first.".into();
            return;
        }
        commands.push(Command::Comments(CommentsCommand::Reply {
            account,
            to: c.comment.id.clone(),
            text,
        }));
        self.status = "Sending reply…".into();
        self.reply_text.clear();
    }

    fn keyboard(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        let send = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
        if send {
            self.send_reply(commands);
        }
        if typing {
            return;
        }
        let pressed = |k| ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, k));
        if pressed(egui::Key::J) && self.cursor + 1 < self.rows.len() {
            self.cursor += 1;
        }
        if pressed(egui::Key::K) {
            self.cursor = self.cursor.saturating_sub(1);
        }
        if pressed(egui::Key::R) {
            self.focus_reply = true;
        }
        if pressed(egui::Key::H) {
            self.hide_toggle(commands);
        }
        if pressed(egui::Key::D) {
            self.delete();
        }
        if pressed(egui::Key::Slash) {
            self.focus_search = true;
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            let f = &mut self.filters;
            ui.checkbox(&mut f.unanswered, "Unanswered");
            ui.checkbox(&mut f.hidden, "Hidden");
            ui.checkbox(&mut f.questions, "Questions");
            let search = ui.add(
                egui::TextEdit::singleline(&mut f.keyword)
                    .hint_text("Search (/)")
                    .desired_width(160.0),
            );
            if std::mem::take(&mut self.focus_search) {
                search.request_focus();
            }
            egui::ComboBox::from_id_salt("comment_days")
                .selected_text(match f.days {
                    None => "Any time".to_owned(),
                    Some(d) => format!("Last {d} days"),
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut f.days, None, "Any time");
                    for d in [1, 7, 30] {
                        ui.selectable_value(&mut f.days, Some(d), format!("Last {d} days"));
                    }
                });
            if f.media.is_some() && ui.button("All posts").clicked() {
                f.media = None;
            }
            if ui.button("Refresh").clicked()
                && let Some(a) = &self.account
            {
                commands.push(Command::Comments(CommentsCommand::Refresh(a.clone())));
            }
            if self.syncing {
                ui.spinner();
            }
            ui.label(format!("{} comments", self.rows.len()));
            if !self.selected.is_empty() {
                ui.separator();
                ui.label(format!("{} selected", self.selected.len()));
                if ui.button("Hide selected").clicked() {
                    self.hide_toggle(commands);
                }
                if ui.button("Delete selected").clicked() {
                    self.delete();
                }
            }
        });
        if !self.pending_deletes.is_empty() {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "Deleting {} comment(s)…",
                    self.pending_deletes.len()
                ));
                if ui.button("Undo").clicked() {
                    self.pending_deletes.clear();
                }
            });
        }
        if !self.status.is_empty() {
            ui.label(&self.status);
        }
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Vec<Command>) {
        let mut clicked: Option<(usize, egui::Modifiers)> = None;
        let rows = self.rows.clone();
        egui::ScrollArea::vertical()
            .id_salt("comment_inbox")
            .auto_shrink(false)
            .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
                for r in range {
                    let Some(c) = self.comments.get(rows[r]) else {
                        continue;
                    };
                    let id = &c.comment.id;
                    let media = self.media.get(&c.comment.media_id);
                    let pending = self.pending_deletes.iter().any(|(p, _)| p == id);
                    let on = r == self.cursor || self.selected.contains(id);
                    let resp = ui
                        .horizontal(|ui| {
                            ui.set_height(ROW_HEIGHT - 4.0);
                            if let Some(url) = media.and_then(Media::preview_url) {
                                if cx.textures.request(ImageSize::Thumbnail, url) {
                                    commands.push(Command::LoadThumbnail {
                                        url: url.to_owned(),
                                    });
                                }
                                // Square thumbnails, centre-cropped, so every row's text
                                // starts at the same place.
                                let size = egui::vec2(36.0, 36.0);
                                let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                                match cx.textures.texture(ImageSize::Thumbnail, url) {
                                    Some(t) => egui::Image::new(t)
                                        .uv(cover_uv(t.size_vec2(), size))
                                        .corner_radius(3)
                                        .paint_at(ui, rect),
                                    None => {
                                        ui.painter().rect_filled(rect, 3, theme::placeholder(ui));
                                    }
                                }
                            }
                            let replies = self.replies.get(id).map_or(0, Vec::len);
                            let head = format!(
                                "@{} · {}",
                                c.comment.username,
                                c.comment.timestamp.format("%b %d %H:%M"),
                            );
                            let mut meta = String::new();
                            if replies > 0 {
                                meta.push_str(" · ");
                                meta.push_str(&replies.to_string());
                                meta.push_str(" replies");
                            }
                            if c.comment.hidden {
                                meta.push_str(" · hidden");
                            }
                            if c.flagged {
                                meta.push_str(" · flagged");
                            }
                            if pending {
                                meta.push_str(" · deleting");
                            }
                            ui.vertical(|ui| {
                                ui.horizontal(|ui| {
                                    ui.spacing_mut().item_spacing.x = 4.0;
                                    ui.small(head);
                                    like_count_ui(ui, c.comment.like_count, false);
                                    if !meta.is_empty() {
                                        ui.small(meta);
                                    }
                                });
                                let text: String = c.comment.text.chars().take(120).collect();
                                ui.selectable_label(on, text)
                            })
                            .inner
                        })
                        .inner;
                    if resp.clicked() {
                        clicked = Some((r, ui.input(|i| i.modifiers)));
                    }
                }
            });
        if let Some((r, mods)) = clicked {
            let id_of = |r: usize| self.comments[self.rows[r]].comment.id.clone();
            if mods.shift {
                let from = self.anchor.unwrap_or(self.cursor);
                let (a, b) = (from.min(r), from.max(r));
                for i in a..=b {
                    self.selected.insert(id_of(i));
                }
            } else if mods.command {
                let id = id_of(r);
                if !self.selected.remove(&id) {
                    self.selected.insert(id);
                }
                self.anchor = Some(r);
            } else {
                self.selected.clear();
                self.anchor = Some(r);
            }
            self.cursor = r;
        }
    }

    fn detail_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let Some(c) = self.current().cloned() else {
            ui.label("No comment selected. Use j/k or click a comment.");
            return;
        };
        let media = self.media.get(&c.comment.media_id).cloned();
        if let Some(m) = &media {
            ui.horizontal(|ui| {
                if let Some(t) = m
                    .preview_url()
                    .and_then(|u| cx.textures.texture(ImageSize::Thumbnail, u))
                {
                    ui.add(egui::Image::new(t).fit_to_exact_size(egui::vec2(64.0, 64.0)));
                }
                ui.vertical(|ui| {
                    ui.label(
                        m.caption
                            .as_deref()
                            .unwrap_or("(no caption)")
                            .chars()
                            .take(140)
                            .collect::<String>(),
                    );
                    if ui.small_button("Only this post").clicked() {
                        self.filters.media = Some(m.id.clone());
                    }
                });
            });
            if let Some(account) = &self.account {
                let off = self.comments_off.contains(&m.id);
                let label = if off {
                    "Turn comments on"
                } else {
                    "Turn comments off"
                };
                if ui.button(label).clicked() {
                    commands.push(Command::Comments(CommentsCommand::SetCommentsEnabled {
                        account: account.clone(),
                        media: m.id.clone(),
                        enabled: off,
                    }));
                }
            }
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.strong(format!("@{}", c.comment.username));
            like_count_ui(ui, c.comment.like_count, true);
        });
        ui.label(&c.comment.text);
        for i in self.replies.get(&c.comment.id).cloned().unwrap_or_default() {
            if let Some(r) = self.comments.get(i) {
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "  reply @{}: {}",
                        r.comment.username, r.comment.text
                    ));
                    like_count_ui(ui, r.comment.like_count, false);
                });
            }
        }
        ui.horizontal(|ui| {
            if ui
                .button(if c.comment.hidden {
                    "Unhide (h)"
                } else {
                    "Hide (h)"
                })
                .clicked()
            {
                self.hide_toggle(commands);
            }
            if ui.button("Delete (d)").clicked() {
                self.delete();
            }
        });
        ui.separator();
        let edit = ui
            .add(
                egui::TextEdit::multiline(&mut self.reply_text)
                    .hint_text("Reply (r), Ctrl+Enter to send")
                    .desired_rows(3),
            )
            .labelled_by(ui.label("Reply").id);
        if std::mem::take(&mut self.focus_reply) {
            edit.request_focus();
        }
        ui.horizontal_wrapped(|ui| {
            for (n, s) in self.saved.iter().enumerate().take(9) {
                let shortcut =
                    ui.input_mut(|i| i.consume_key(egui::Modifiers::ALT, number_key(n + 1)));
                if ui
                    .small_button(format!("{} (Alt+{})", s.name, n + 1))
                    .clicked()
                    || shortcut
                {
                    self.reply_text
                        .push_str(&fill_template(&s.body, &c.comment.username));
                }
            }
        });
        if ui.button("Send reply").clicked() {
            self.send_reply(commands);
        }
        if let Some(account) = self.account.clone() {
            ui.separator();
            let comment = super::dms_private_reply::CommentRef {
                id: c.comment.id.clone(),
                time: c.comment.timestamp,
                author_id: c.comment.from_id.clone(),
                author_username: Some(c.comment.username.clone()),
            };
            egui::CollapsingHeader::new("Reply in DM")
                .id_salt("private_reply")
                .show(ui, |ui| {
                    self.private_reply
                        .ui(ui, &account, &comment, chrono::Utc::now(), commands);
                });
        }
    }

    /// Applies a DMs event: the outcome of a private reply sent from this tab.
    pub fn on_dms_event(&mut self, event: &crate::engine::dms::DmsEvent) {
        self.private_reply.on_event(event);
    }
}

fn number_key(n: usize) -> egui::Key {
    use egui::Key::{Num1, Num2, Num3, Num4, Num5, Num6, Num7, Num8, Num9};
    [Num1, Num2, Num3, Num4, Num5, Num6, Num7, Num8, Num9][(n.clamp(1, 9)) - 1]
}
