//! The "File hosting" settings: the user's S3-compatible bucket that Meta fetches prepared
//! files from (endpoint, bucket, region, access key id, secret access key).
//!
//! The secret is typed in a password field, sent once to the engine (which keeps it in the
//! secret store only) and cleared here; it is never shown again, only "stored".

use egui::{RichText, TextEdit};

use crate::engine::Command;
use secrecy::SecretString;

use crate::engine::composer::s3::S3Settings;
use crate::engine::composer::{ComposerCommand, ComposerEvent};

/// The accessible names of the fields and the button.
pub const ENDPOINT_LABEL: &str = "S3 endpoint";
pub const BUCKET_LABEL: &str = "Bucket";
pub const REGION_LABEL: &str = "Region";
pub const KEY_ID_LABEL: &str = "Access key id";
pub const SECRET_LABEL: &str = "Secret access key";
pub const SAVE_LABEL: &str = "Save hosting";

/// The panel's state.
pub struct HostingPanel {
    requested: bool,
    endpoint: String,
    bucket: String,
    region: String,
    access_key_id: String,
    virtual_host: bool,
    secret: String,
    has_secret: bool,
    status: Option<Result<String, String>>,
}

impl Default for HostingPanel {
    fn default() -> Self {
        Self {
            requested: false,
            endpoint: String::new(),
            bucket: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            virtual_host: false,
            secret: String::new(),
            has_secret: false,
            status: None,
        }
    }
}

impl HostingPanel {
    /// Applies the engine's answers; other events are ignored.
    pub fn on_event(&mut self, event: &ComposerEvent) {
        match event {
            ComposerEvent::Hosting {
                settings,
                has_secret,
            } => {
                if let Some(s) = settings {
                    self.endpoint = s.endpoint.to_string();
                    self.bucket.clone_from(&s.bucket);
                    self.region.clone_from(&s.region);
                    self.access_key_id.clone_from(&s.access_key_id);
                    self.virtual_host = !s.path_style;
                }
                self.has_secret = *has_secret;
            }
            ComposerEvent::HostingSaved(result) => {
                if result.is_ok() {
                    self.has_secret = true;
                }
                self.status = Some(result.clone());
            }
            _ => {}
        }
    }

    /// The settings as typed, or what is wrong with them.
    fn settings(&self) -> Result<S3Settings, String> {
        let endpoint = url::Url::parse(self.endpoint.trim()).map_err(|_| {
            "the endpoint must be a full URL, e.g. https://s3.eu-central-1.amazonaws.com".to_owned()
        })?;
        if self.bucket.trim().is_empty() || self.access_key_id.trim().is_empty() {
            return Err("fill in the bucket and the access key id".into());
        }
        if self.secret.trim().is_empty() && !self.has_secret {
            return Err("type the secret access key".into());
        }
        Ok(S3Settings {
            endpoint,
            bucket: self.bucket.trim().to_owned(),
            region: Some(self.region.trim())
                .filter(|r| !r.is_empty())
                .unwrap_or("us-east-1")
                .to_owned(),
            access_key_id: self.access_key_id.trim().to_owned(),
            path_style: !self.virtual_host,
        })
    }

    /// Draws the panel (collapsed by default).
    pub fn ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if !self.requested {
            self.requested = true;
            commands.push(Command::Composer(ComposerCommand::LoadHosting));
        }
        egui::CollapsingHeader::new("File hosting (S3-compatible bucket)").show(ui, |ui| {
            ui.label(
                RichText::new(
                    "Meta fetches pictures and videos from a URL: socialdesk uploads them to your bucket (AWS S3, R2, B2, MinIO…) and gives Meta a presigned link valid for 7 days. The bucket can stay private.",
                )
                .weak(),
            );
            for (label, value, hint) in [
                (ENDPOINT_LABEL, &mut self.endpoint, "https://s3.eu-central-1.amazonaws.com"),
                (BUCKET_LABEL, &mut self.bucket, "my-posts"),
                (REGION_LABEL, &mut self.region, "us-east-1"),
                (KEY_ID_LABEL, &mut self.access_key_id, "AKIA…"),
            ] {
                ui.horizontal(|ui| {
                    let l = ui.label(label);
                    ui.add(TextEdit::singleline(value).hint_text(hint).desired_width(300.0))
                        .labelled_by(l.id);
                });
            }
            ui.horizontal(|ui| {
                let l = ui.label(SECRET_LABEL);
                let hint = if self.has_secret {
                    "stored (type to replace)"
                } else {
                    ""
                };
                ui.add(
                    TextEdit::singleline(&mut self.secret)
                        .password(true)
                        .hint_text(hint)
                        .desired_width(300.0),
                )
                .labelled_by(l.id);
            });
            ui.checkbox(
                &mut self.virtual_host,
                "Virtual-host style URLs (bucket.endpoint; AWS, R2)",
            );
            let settings = self.settings();
            if ui
                .add_enabled(settings.is_ok(), egui::Button::new(SAVE_LABEL))
                .clicked()
                && let Ok(settings) = settings.clone()
            {
                if self.secret.trim().is_empty() {
                    self.status = Some(Err(
                        "type the secret access key again to change the settings".into(),
                    ));
                } else {
                    commands.push(Command::Composer(ComposerCommand::ConfigureS3 {
                        settings,
                        secret: SecretString::from(std::mem::take(&mut self.secret)),
                    }));
                    self.status = None;
                }
            }
            if let Err(why) = &settings {
                ui.label(RichText::new(why).weak());
            }
            match &self.status {
                Some(Ok(text)) => {
                    ui.label(text);
                }
                Some(Err(text)) => {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                }
                None => {}
            }
        });
    }
}
