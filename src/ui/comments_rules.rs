//! The Comments tab's "Rules & saved replies" view: create and delete moderation rules
//! (keyword, regex, emoji-only, link; hide or flag), read the log of what rules did with an
//! Undo per entry, and manage the saved-reply library (`{username}` placeholders).
//!
//! Rules are checked here with the engine's own validation before anything is sent, so an
//! invalid regex is explained next to the field instead of failing later in a sync.

use crate::engine::Command;
use crate::engine::comment_rules::validate;
use crate::engine::comments::CommentsCommand;
use crate::ids::IgUserId;
use crate::store::{CommentRule, RuleAction, RuleKind, RuleLogEntry, SavedReply};

/// The editor's state: the account's rules and log (from the engine) and the two forms.
#[derive(Default)]
pub struct RulesEditor {
    pub rules: Vec<CommentRule>,
    pub log: Vec<RuleLogEntry>,
    name: String,
    kind: Option<RuleKind>,
    pattern: String,
    action: Option<RuleAction>,
    rule_error: Option<String>,
    reply_name: String,
    reply_body: String,
    reply_error: Option<String>,
}

fn kind_label(kind: &RuleKind) -> &'static str {
    match kind {
        RuleKind::Keyword => "Keyword",
        RuleKind::Regex => "Regex",
        RuleKind::EmojiOnly => "Emoji only",
        RuleKind::Link => "Link",
    }
}

fn action_label(action: RuleAction) -> &'static str {
    match action {
        RuleAction::Hide => "Hide",
        RuleAction::Flag => "Flag",
    }
}

impl RulesEditor {
    /// Draws the view; commands go to the engine, which answers with fresh lists.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &IgUserId,
        saved: &[SavedReply],
        commands: &mut Vec<Command>,
    ) {
        egui::ScrollArea::vertical()
            .id_salt("comment_rules")
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.heading("Rules");
                ui.label("Rules run on new comments at each sync; the first match acts.");
                self.rule_list(ui, account, commands);
                ui.add_space(6.0);
                self.rule_form(ui, account, commands);
                ui.separator();
                ui.heading("Rule log");
                self.log_ui(ui, account, commands);
                ui.separator();
                ui.heading("Saved replies");
                self.saved_ui(ui, saved, commands);
            });
    }

    fn rule_list(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        if self.rules.is_empty() {
            ui.weak("No rules yet.");
        }
        egui::Grid::new("rule_list").striped(true).show(ui, |ui| {
            for r in &self.rules {
                ui.label(&r.name);
                ui.label(kind_label(&r.kind));
                ui.monospace(&r.pattern);
                ui.label(action_label(r.action));
                if ui
                    .small_button("Delete rule")
                    .on_hover_text(format!("Delete the rule \"{}\"", r.name))
                    .clicked()
                {
                    commands.push(Command::Comments(CommentsCommand::DeleteRule {
                        account: account.clone(),
                        id: r.id,
                    }));
                }
                ui.end_row();
            }
        });
    }

    fn rule_form(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        let kind = self.kind.get_or_insert(RuleKind::Keyword);
        let action = self.action.get_or_insert(RuleAction::Hide);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Rule name");
            ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(120.0))
                .labelled_by(label.id);
            for k in [
                RuleKind::Keyword,
                RuleKind::Regex,
                RuleKind::EmojiOnly,
                RuleKind::Link,
            ] {
                let text = kind_label(&k);
                ui.selectable_value(kind, k, text);
            }
            if matches!(kind, RuleKind::Keyword | RuleKind::Regex) {
                let hint = if *kind == RuleKind::Keyword {
                    "words, comma-separated"
                } else {
                    r"e.g. dm\s+(me|us)"
                };
                let label = ui.label("Pattern");
                ui.add(
                    egui::TextEdit::singleline(&mut self.pattern)
                        .hint_text(hint)
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            }
            ui.radio_value(action, RuleAction::Hide, "Hide");
            ui.radio_value(action, RuleAction::Flag, "Flag");
        });
        if ui.button("Add rule").clicked() {
            let kind = kind.clone();
            let pattern = match kind {
                RuleKind::Keyword | RuleKind::Regex => self.pattern.trim().to_owned(),
                RuleKind::EmojiOnly | RuleKind::Link => String::new(),
            };
            let name = match self.name.trim() {
                "" => format!("{} {}", kind_label(&kind), pattern)
                    .trim()
                    .to_owned(),
                n => n.to_owned(),
            };
            let rule = CommentRule {
                id: 0,
                name,
                kind,
                pattern,
                action: *action,
                enabled: true,
            };
            match validate(&rule) {
                Ok(()) => {
                    commands.push(Command::Comments(CommentsCommand::AddRule {
                        account: account.clone(),
                        rule,
                    }));
                    self.name.clear();
                    self.pattern.clear();
                    self.rule_error = None;
                }
                Err(e) => self.rule_error = Some(e.to_string()),
            }
        }
        if let Some(e) = &self.rule_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }

    fn log_ui(&mut self, ui: &mut egui::Ui, account: &IgUserId, commands: &mut Vec<Command>) {
        if self.log.is_empty() {
            ui.weak("No rule has acted yet.");
        }
        egui::Grid::new("rule_log").striped(true).show(ui, |ui| {
            for e in &self.log {
                ui.label(e.at.format("%b %d %H:%M").to_string());
                ui.label(format!("{}: {}", e.rule_name, action_label(e.action)));
                ui.label(&e.excerpt);
                if e.undone {
                    ui.weak("undone");
                } else if ui.small_button("Undo").clicked() {
                    commands.push(Command::Comments(CommentsCommand::UndoRuleAction {
                        account: account.clone(),
                        log_id: e.id,
                    }));
                }
                ui.end_row();
            }
        });
    }

    fn saved_ui(&mut self, ui: &mut egui::Ui, saved: &[SavedReply], commands: &mut Vec<Command>) {
        if saved.is_empty() {
            ui.weak("No saved replies yet.");
        }
        egui::Grid::new("saved_replies")
            .striped(true)
            .show(ui, |ui| {
                for (n, s) in saved.iter().enumerate() {
                    ui.label(if n < 9 {
                        format!("Alt+{}", n + 1)
                    } else {
                        String::new()
                    });
                    ui.label(&s.name);
                    ui.label(&s.body);
                    if ui.small_button("Delete reply").clicked() {
                        commands.push(Command::Comments(CommentsCommand::DeleteSavedReply(s.id)));
                    }
                    ui.end_row();
                }
            });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Reply name");
            ui.add(egui::TextEdit::singleline(&mut self.reply_name).desired_width(120.0))
                .labelled_by(label.id);
            let label = ui.label("Reply text");
            ui.add(
                egui::TextEdit::singleline(&mut self.reply_body)
                    .hint_text("Thanks @{username}!")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        });
        if ui.button("Add saved reply").clicked() {
            let (name, body) = (self.reply_name.trim(), self.reply_body.trim());
            if name.is_empty() || body.is_empty() {
                self.reply_error =
                    Some("A saved reply needs a name and a text ({username} is filled in).".into());
            } else {
                commands.push(Command::Comments(CommentsCommand::AddSavedReply {
                    name: name.to_owned(),
                    body: body.to_owned(),
                }));
                self.reply_name.clear();
                self.reply_body.clear();
                self.reply_error = None;
            }
        }
        if let Some(e) = &self.reply_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
}
