//! The Comments tab's "Mentions" view: media that tag the account or @mention it in the
//! caption (from the `tags` edge) and comments that @mention it (looked up by id), each with
//! its thumbnail, author, text, time, like count, and a reply box for those Meta lets an app
//! answer (not stories, not media where the account is only tagged).
//!
//! The engine sends the cached list first (it opens instantly and offline), then what a
//! fresh read found. A reply stays in its box until the engine confirms it, and a failure
//! keeps the text so nothing typed is lost.

use std::sync::Arc;

use crate::engine::Command;
use crate::engine::comments::CommentsCommand;
use crate::engine::comments_mentions::{NotAnswerable, check_answerable};
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::store::{Mention, MentionKind};

use super::TabContext;
use super::textures::{ImageSize, cover_uv};
use super::theme;

const THUMB: f32 = 56.0;
const ROW_HEIGHT: f32 = THUMB + 30.0;

/// Which mention a reply is for: its media, and the mentioning comment when there is one.
type MentionKey = (MediaId, Option<CommentId>);

fn key_of(m: &Mention) -> MentionKey {
    (m.media_id.clone(), m.comment_id.clone())
}

/// The reply being written.
struct ReplyDraft {
    key: MentionKey,
    /// "@user: text" of the mention, shown above the box.
    context: String,
    text: String,
    sending: bool,
    error: Option<String>,
    focus: bool,
}

/// The view's state: what the engine last sent, the lookup form and the reply draft.
#[derive(Default)]
pub struct MentionsView {
    mentions: Arc<Vec<Mention>>,
    requested: bool,
    loading: bool,
    from_cache: bool,
    lookup_comment: String,
    lookup_media: String,
    draft: Option<ReplyDraft>,
    /// The last confirmation ("Reply posted to @…").
    notice: String,
}

impl MentionsView {
    /// New mentions from the engine (`CommentsEvent::Mentions`).
    pub fn set_mentions(&mut self, mentions: Arc<Vec<Mention>>, from_cache: bool) {
        self.mentions = mentions;
        self.from_cache = from_cache;
        self.loading = from_cache;
        self.requested = true;
    }

    /// A reply was confirmed (`CommentsEvent::MentionReplied`): the draft closes and the
    /// row shows the reply.
    pub fn replied(&mut self, mention: Mention) {
        let key = key_of(&mention);
        if self.draft.as_ref().is_some_and(|d| d.key == key) {
            self.draft = None;
        }
        self.notice = format!("Reply posted to @{}", mention.username);
        let mut list = (*self.mentions).clone();
        match list.iter_mut().find(|m| key_of(m) == key) {
            Some(m) => *m = mention,
            None => list.insert(0, mention),
        }
        self.mentions = Arc::new(list);
    }

    /// A reply failed (`CommentsEvent::MentionReplyFailed`): the draft keeps its text.
    pub fn reply_failed(&mut self, media: MediaId, comment: Option<CommentId>, message: String) {
        match self.draft.as_mut() {
            Some(d) if d.key == (media, comment) => {
                d.sending = false;
                d.error = Some(message);
            }
            _ => self.notice = message,
        }
    }

    /// A load or lookup failed: stop showing it as under way (the tab shows the message).
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
            ui.label(format!("{} mention(s)", self.mentions.len()));
            if ui
                .add_enabled(!self.loading, egui::Button::new("Refresh"))
                .clicked()
            {
                self.load(account, commands);
            }
            if self.loading {
                ui.spinner();
                if self.from_cache {
                    ui.weak("Showing saved mentions, checking Instagram…");
                }
            }
        });
        self.lookup_ui(ui, account, commands);
        self.draft_ui(ui, account, commands);
        if !self.notice.is_empty() {
            ui.label(&self.notice);
        }
        ui.separator();
        if self.mentions.is_empty() && !self.loading {
            ui.label(
                "No mentions yet: nobody has tagged this account in a post, and no comment \
                 mention was looked up.",
            );
            return;
        }
        let mentions = self.mentions.clone();
        egui::ScrollArea::vertical()
            .id_salt("comment_mentions")
            .auto_shrink(false)
            .show_rows(ui, ROW_HEIGHT, mentions.len(), |ui, range| {
                for m in &mentions[range] {
                    self.row(ui, m, cx, commands);
                }
            });
    }

    /// "Look up a mention": the ids a `mentions` webhook carries (a desktop cannot receive
    /// webhooks, so they are pasted from wherever the relay shows them).
    fn lookup_ui(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.label("Look up a mention from a webhook:");
            let label = ui.label("Comment id");
            ui.add(
                egui::TextEdit::singleline(&mut self.lookup_comment)
                    .id_salt("mention_lookup_comment")
                    .desired_width(160.0),
            )
            .labelled_by(label.id);
            let label = ui.label("Media id");
            ui.add(
                egui::TextEdit::singleline(&mut self.lookup_media)
                    .id_salt("mention_lookup_media")
                    .desired_width(160.0),
            )
            .labelled_by(label.id);
            let comment = self.lookup_comment.trim();
            let media = self.lookup_media.trim();
            let ready = !comment.is_empty() || !media.is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Look up"))
                .on_disabled_hover_text("Paste a comment id or a media id first")
                .clicked()
            {
                commands.push(Command::Comments(CommentsCommand::LookupMention {
                    account: account.clone(),
                    comment: (!comment.is_empty()).then(|| CommentId::from(comment.to_owned())),
                    media: (!media.is_empty()).then(|| MediaId::from(media.to_owned())),
                }));
                self.lookup_comment.clear();
                self.lookup_media.clear();
                self.loading = true;
            }
        });
    }

    fn draft_ui(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        let Some(d) = self.draft.as_mut() else {
            return;
        };
        let mut cancel = false;
        ui.group(|ui| {
            ui.label(format!("Replying to {}", d.context));
            let label = ui.label("Mention reply");
            let edit = ui
                .add_enabled(
                    !d.sending,
                    egui::TextEdit::multiline(&mut d.text)
                        .id_salt("mention_reply")
                        .hint_text("Write a reply, Ctrl+Enter to send")
                        .desired_rows(2)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut d.focus) {
                edit.request_focus();
            }
            let shortcut = edit.has_focus()
                && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
            ui.horizontal(|ui| {
                let can_send = !d.sending && !d.text.trim().is_empty();
                if (ui
                    .add_enabled(can_send, egui::Button::new("Send mention reply"))
                    .clicked()
                    || (shortcut && can_send))
                    && !d.sending
                {
                    d.sending = true;
                    d.error = None;
                    commands.push(Command::Comments(CommentsCommand::ReplyToMention {
                        account: account.clone(),
                        media: d.key.0.clone(),
                        comment: d.key.1.clone(),
                        text: d.text.trim().to_owned(),
                    }));
                }
                if d.sending {
                    ui.spinner();
                    ui.weak("Sending…");
                } else if ui.button("Cancel").clicked() {
                    cancel = true;
                }
            });
            if let Some(e) = &d.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
        if cancel {
            self.draft = None;
        }
    }

    fn row(
        &mut self,
        ui: &mut egui::Ui,
        m: &Mention,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.set_height(ROW_HEIGHT - 4.0);
            let size = egui::vec2(THUMB, THUMB);
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            let texture = m.preview_url.as_deref().and_then(|url| {
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
                    ui.painter().rect_filled(rect, 3, theme::placeholder(ui));
                }
            }
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.weak(kind_label(m));
                    ui.strong(format!("@{}", m.username));
                    ui.weak(m.timestamp.format("%b %d %H:%M").to_string());
                    super::comments::like_count_ui(ui, m.like_count, false);
                    if let Some(permalink) = &m.permalink
                        && ui.small_button("Open on Instagram").clicked()
                    {
                        commands.push(Command::OpenUrl(permalink.clone()));
                    }
                });
                ui.add(egui::Label::new(m.text.as_str()).truncate());
                ui.horizontal(|ui| match (&m.reply, check_answerable(m)) {
                    (Some(r), _) => {
                        ui.colored_label(theme::success(ui), format!("Replied: {}", r.text));
                    }
                    (None, Ok(())) => {
                        if ui.small_button("Reply").clicked() {
                            self.draft = Some(ReplyDraft {
                                key: key_of(m),
                                context: format!("@{}: {}", m.username, m.text),
                                text: String::new(),
                                sending: false,
                                error: None,
                                focus: true,
                            });
                        }
                    }
                    (None, Err(why)) => {
                        ui.weak(not_answerable(why));
                    }
                });
            });
        });
    }
}

fn kind_label(m: &Mention) -> &'static str {
    match m.kind {
        MentionKind::Comment => "Comment",
        MentionKind::Caption => "Caption",
        MentionKind::Tag => "Tagged",
    }
}

/// Why a mention has no Reply button, in a few words (the engine's error says more).
fn not_answerable(why: NotAnswerable) -> &'static str {
    match why {
        NotAnswerable::Story => "Story: Instagram's API cannot answer mentions on stories",
        NotAnswerable::TaggedOnly => "Tagged only: Instagram's API does not allow commenting here",
    }
}
