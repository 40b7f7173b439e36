//! The Accounts page: connected accounts, and the three ways to add one (Instagram Login,
//! Facebook Login, a pasted token), with the progress of a login in flight.
//!
//! Secrets typed here live only in this page's memory until they are handed to the engine
//! (which keeps them in the keyring); nothing here derives `Debug`, so they cannot be logged.

use egui::{RichText, TextEdit};

use super::shell::account_type_label;
use super::theme;
use crate::engine::Command;
use crate::engine::protocol::{AppCredentials, LoginRequest, LoginState};
use crate::ids::IgUserId;
use crate::model::{Account, AccountStatus, LoginKind};

/// The loopback port proposed for the redirect URI; any free port the user registers works.
pub const DEFAULT_LOOPBACK_PORT: u16 = 8910;

/// How the user wants to add an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum AddMethod {
    #[default]
    Instagram,
    Facebook,
    Token,
}

/// The app credentials and loopback settings for one browser login.
struct BrowserLoginForm {
    kind: LoginKind,
    app_id: String,
    app_secret: String,
    port_text: String,
    https: bool,
}

impl BrowserLoginForm {
    fn new(kind: LoginKind) -> Self {
        Self {
            kind,
            app_id: String::new(),
            app_secret: String::new(),
            port_text: DEFAULT_LOOPBACK_PORT.to_string(),
            // Instagram Login only accepts https redirect URIs; Facebook allows http://localhost.
            https: kind == LoginKind::Instagram,
        }
    }

    fn port(&self) -> Option<u16> {
        self.port_text
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
    }
}

/// The exact redirect URI the user must register in their Meta app.
pub fn redirect_uri(https: bool, port: u16) -> String {
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://localhost:{port}/callback")
}

/// The Accounts page's state.
pub struct AccountsPage {
    method: AddMethod,
    instagram: BrowserLoginForm,
    facebook: BrowserLoginForm,
    token_kind: LoginKind,
    token: String,
    pasted_redirect: String,
    login: Option<LoginState>,
    confirm_remove: Option<IgUserId>,
}

impl Default for AccountsPage {
    fn default() -> Self {
        Self {
            method: AddMethod::default(),
            instagram: BrowserLoginForm::new(LoginKind::Instagram),
            facebook: BrowserLoginForm::new(LoginKind::Facebook),
            token_kind: LoginKind::Instagram,
            token: String::new(),
            pasted_redirect: String::new(),
            login: None,
            confirm_remove: None,
        }
    }
}

/// What the page asks the app to do besides sending commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct AccountsOutcome {
    /// "Done" was clicked.
    pub close: bool,
}

impl AccountsPage {
    /// Applies an `Event::Login`.
    pub fn on_login(&mut self, state: LoginState) {
        if matches!(state, LoginState::Connected { .. }) {
            // The engine has the secret in the keyring now; drop our copy.
            self.instagram.app_secret.clear();
            self.facebook.app_secret.clear();
            self.pasted_redirect.clear();
        }
        self.login = Some(state);
    }

    /// The login progress last reported.
    pub fn login(&self) -> Option<&LoginState> {
        self.login.as_ref()
    }

    /// Draws the page.
    pub fn accounts_ui(
        &mut self,
        ui: &mut egui::Ui,
        accounts: &[Account],
        in_sandbox: bool,
        commands: &mut Vec<Command>,
    ) -> AccountsOutcome {
        let mut outcome = AccountsOutcome::default();
        ui.horizontal(|ui| {
            ui.label(RichText::new("Accounts").heading().strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                outcome.close = ui.button("Done").clicked();
            });
        });
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .id_salt("accounts_page")
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.set_max_width(680.0);
                self.connected_ui(ui, accounts, commands);
                ui.add_space(16.0);
                ui.label(RichText::new("Add an account").strong().size(16.0));
                ui.add_space(4.0);
                if in_sandbox {
                    ui.label(
                        RichText::new(
                            "You are exploring the sandbox's demo accounts. Connecting a real \
                             account below switches socialdesk to Instagram itself; the demo \
                             stays available with `socialdesk --sandbox`.",
                        )
                        .color(theme::SANDBOX),
                    );
                    ui.add_space(6.0);
                }
                if let Some(login) = self.login.clone() {
                    self.login_progress_ui(ui, &login, commands);
                    ui.add_space(8.0);
                }
                self.add_account_ui(ui, commands);
            });
        outcome
    }

    fn connected_ui(
        &mut self,
        ui: &mut egui::Ui,
        accounts: &[Account],
        commands: &mut Vec<Command>,
    ) {
        ui.label(RichText::new("Connected").strong().size(16.0));
        if accounts.is_empty() {
            ui.label(RichText::new("No account connected yet.").color(theme::muted(ui)));
            return;
        }
        for account in accounts {
            card(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(format!("@{}", account.username)).strong());
                        let mut details = account_type_label(account);
                        if account.sandbox {
                            details.push_str(" · sandbox");
                        }
                        ui.label(RichText::new(details).small().color(theme::muted(ui)));
                        if let AccountStatus::ReconnectNeeded { reason } = &account.status {
                            ui.label(
                                RichText::new(format!("Reconnect needed: {reason}"))
                                    .color(theme::danger(ui)),
                            );
                        }
                    });
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if self.confirm_remove.as_ref() == Some(&account.id) {
                            if ui.button("Keep").clicked() {
                                self.confirm_remove = None;
                            }
                            let confirm = egui::Button::new(
                                RichText::new("Remove and delete token").color(theme::danger(ui)),
                            );
                            if ui.add(confirm).clicked() {
                                commands.push(Command::RemoveAccount(account.id.clone()));
                                self.confirm_remove = None;
                            }
                        } else if ui
                            .button("Remove")
                            .on_hover_text(format!(
                                "Forget @{} and delete its token",
                                account.username
                            ))
                            .clicked()
                        {
                            self.confirm_remove = Some(account.id.clone());
                        }
                    });
                });
            });
        }
    }

    fn login_progress_ui(
        &mut self,
        ui: &mut egui::Ui,
        login: &LoginState,
        commands: &mut Vec<Command>,
    ) {
        card(ui, |ui| match login {
            LoginState::WaitingForBrowser {
                authorize_url,
                redirect_uri,
            } => {
                ui.label(RichText::new("Waiting for the browser…").strong());
                ui.label("Log in and allow access in the browser window that opened. If it did not open, copy this link into a browser:");
                ui.horizontal(|ui| {
                    if ui.button("Copy link").clicked() {
                        ui.ctx().copy_text(authorize_url.clone());
                    }
                    ui.add(
                        egui::Label::new(RichText::new(authorize_url).monospace().small())
                            .truncate(),
                    );
                });
                ui.label(
                    RichText::new(format!("socialdesk listens on {redirect_uri}"))
                        .small()
                        .color(theme::muted(ui)),
                );
                ui.add_space(4.0);
                let label = ui.label("Paste the final redirect URL");
                ui.add(
                    TextEdit::singleline(&mut self.pasted_redirect)
                        .hint_text("https://localhost:8910/callback?code=…")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    let url = self.pasted_redirect.trim();
                    if ui
                        .add_enabled(!url.is_empty(), egui::Button::new("Finish login"))
                        .clicked()
                    {
                        commands.push(Command::PasteRedirectUrl(url.to_owned()));
                    }
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::CancelLogin);
                    }
                });
            }
            LoginState::Exchanging => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Exchanging the authorization code for a token…");
                });
            }
            LoginState::Connected { username } => {
                ui.label(
                    RichText::new(format!("Connected @{username}"))
                        .color(theme::success(ui))
                        .strong(),
                );
            }
            LoginState::Failed { message } => {
                ui.label(
                    RichText::new("Login failed")
                        .color(theme::danger(ui))
                        .strong(),
                );
                ui.add(egui::Label::new(RichText::new(message).color(theme::danger(ui))).wrap());
            }
            LoginState::Cancelled => {
                ui.label(RichText::new("Login cancelled.").color(theme::muted(ui)));
            }
        });
    }

    fn add_account_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            for (method, label) in [
                (AddMethod::Instagram, "Instagram Login"),
                (AddMethod::Facebook, "Facebook Login"),
                (AddMethod::Token, "Paste a token"),
            ] {
                if ui.selectable_label(self.method == method, label).clicked() {
                    self.method = method;
                }
            }
        });
        ui.add_space(6.0);
        card(ui, |ui| match self.method {
            AddMethod::Instagram => {
                ui.label("Business Login for Instagram: the account logs in on instagram.com. Needs a Meta app with the Instagram product.");
                browser_login_ui(ui, &mut self.instagram, commands);
            }
            AddMethod::Facebook => {
                ui.label("Facebook Login for Business: for Instagram accounts linked to a Facebook Page you manage.");
                browser_login_ui(ui, &mut self.facebook, commands);
            }
            AddMethod::Token => self.token_ui(ui, commands),
        });
    }

    fn token_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.label("Paste a long-lived access token generated in the Meta App Dashboard. No app secret is needed.");
        ui.horizontal(|ui| {
            ui.label("Token from");
            ui.radio_value(
                &mut self.token_kind,
                LoginKind::Instagram,
                "Instagram Login",
            );
            ui.radio_value(&mut self.token_kind, LoginKind::Facebook, "Facebook Login");
        });
        let label = ui.label("Access token");
        ui.add(
            TextEdit::singleline(&mut self.token)
                .password(true)
                .hint_text("IGAA… or EAA…")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        let token = self.token.trim();
        if ui
            .add_enabled(
                !token.is_empty(),
                egui::Button::new("Add account with token"),
            )
            .clicked()
        {
            commands.push(Command::AddToken {
                kind: self.token_kind,
                token: token.to_owned(),
            });
            self.token.clear();
        }
    }
}

/// App id, secret, loopback port, https, the redirect URI to register, and the login button.
fn browser_login_ui(ui: &mut egui::Ui, form: &mut BrowserLoginForm, commands: &mut Vec<Command>) {
    ui.add_space(4.0);
    egui::Grid::new(("app_form", form.kind.as_str()))
        .num_columns(2)
        .spacing(egui::vec2(10.0, 6.0))
        .show(ui, |ui| {
            let label = ui.label("App ID");
            ui.add(TextEdit::singleline(&mut form.app_id).desired_width(280.0))
                .labelled_by(label.id);
            ui.end_row();

            let label = ui.label("App secret");
            ui.add(
                TextEdit::singleline(&mut form.app_secret)
                    .password(true)
                    .desired_width(280.0),
            )
            .labelled_by(label.id)
            .on_hover_text("Kept in the system keyring, never shown again");
            ui.end_row();

            let label = ui.label("Loopback port");
            ui.horizontal(|ui| {
                ui.add(TextEdit::singleline(&mut form.port_text).desired_width(70.0))
                    .labelled_by(label.id);
                ui.checkbox(&mut form.https, "https (self-signed certificate)");
            });
            ui.end_row();
        });

    let port = form.port();
    match port {
        Some(port) => {
            let uri = redirect_uri(form.https, port);
            ui.add_space(4.0);
            ui.label("Register this exact redirect URI in your Meta app:");
            ui.horizontal(|ui| {
                ui.label(RichText::new(&uri).monospace());
                if ui
                    .button("Copy")
                    .on_hover_text("Copy the redirect URI")
                    .clicked()
                {
                    ui.ctx().copy_text(uri.clone());
                }
            });
            if form.kind == LoginKind::Instagram && !form.https {
                ui.label(
                    RichText::new("Instagram Login only accepts https redirect URIs.")
                        .color(theme::warning(ui)),
                );
            }
        }
        None => {
            ui.label(RichText::new("Enter a port between 1 and 65535.").color(theme::danger(ui)));
        }
    }

    ui.add_space(6.0);
    let ready =
        port.is_some() && !form.app_id.trim().is_empty() && !form.app_secret.trim().is_empty();
    let button =
        egui::Button::new(RichText::new("Log in with the browser").strong()).fill(theme::ACCENT);
    if ui
        .add_enabled(ready, button)
        .on_disabled_hover_text("Enter the app ID, app secret and a port first")
        .clicked()
        && let Some(port) = port
    {
        commands.push(Command::SaveApp(AppCredentials {
            kind: form.kind,
            app_id: form.app_id.trim().to_owned(),
            app_secret: form.app_secret.trim().into(),
        }));
        commands.push(Command::StartLogin(LoginRequest {
            kind: form.kind,
            port,
            https: form.https,
        }));
    }
}

/// A rounded, slightly raised box grouping one thing.
fn card<R>(ui: &mut egui::Ui, add_contents: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(8)
        .inner_margin(egui::Margin::same(12))
        .outer_margin(egui::Margin::symmetric(0, 3))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add_contents(ui)
        })
        .inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_follows_scheme_and_port() {
        assert_eq!(redirect_uri(true, 8910), "https://localhost:8910/callback");
        assert_eq!(redirect_uri(false, 9000), "http://localhost:9000/callback");
    }

    #[test]
    fn port_must_be_a_real_port() {
        let mut form = BrowserLoginForm::new(LoginKind::Facebook);
        assert_eq!(form.port(), Some(DEFAULT_LOOPBACK_PORT));
        form.port_text = "0".into();
        assert_eq!(form.port(), None);
        form.port_text = "70000".into();
        assert_eq!(form.port(), None);
    }
}
