//! The Composer's unsaved work, kept on disk as the user types.
//!
//! Preparing pictures for a draft takes seconds, so the form itself is what is autosaved:
//! the files' paths (not their bytes), frames, tags, alt text, caption, place, schedule and
//! the draft being edited. The UI sends it about once a second while it changes and when
//! the user leaves the tab; a crash or kill -9 loses at most that second. Pasted pictures
//! have no file and are left out until the post is saved as a draft.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::super::core::{Core, EngineError};
use crate::media::frame::CropFrame;
use crate::store::{DraftLocation, PostKind, ProductTag, UserTag};

/// The settings key the session is kept under.
const SESSION_KEY: &str = "composer.session";

/// The Composer's form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComposerSession {
    pub kind: PostKind,
    pub caption: String,
    pub share_to_feed: bool,
    /// The schedule field as typed.
    pub schedule_text: String,
    /// The saved draft being edited, if any.
    pub editing: Option<i64>,
    pub items: Vec<SessionItem>,
    pub location: Option<DraftLocation>,
    pub collaborators: Vec<String>,
}

/// One file of the form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionItem {
    pub path: PathBuf,
    /// The crop shape's label (1:1, 4:5, 1.91:1, 9:16, Free).
    pub preset: String,
    pub frame: CropFrame,
    pub alt: String,
    /// In fractions of the original picture.
    pub tags: Vec<UserTag>,
    /// Products placed on the picture, with the names shown.
    pub products: Vec<(ProductTag, String)>,
    pub thumb_offset: String,
    pub cover_url: String,
    pub cover_path: Option<PathBuf>,
}

impl ComposerSession {
    /// Nothing worth keeping: no file and no words.
    pub fn is_blank(&self) -> bool {
        self.items.is_empty()
            && self.caption.trim().is_empty()
            && self.editing.is_none()
            && self.schedule_text.trim().is_empty()
    }
}

impl Core {
    /// Keeps `session` (or forgets it when `None` or blank).
    pub async fn save_composer_session(
        &self,
        session: Option<ComposerSession>,
    ) -> Result<(), EngineError> {
        let json = match session.filter(|s| !s.is_blank()) {
            Some(s) => serde_json::to_string(&s).map_err(|e| EngineError::Task(e.to_string()))?,
            None => String::new(),
        };
        self.with_store(move |s| s.set_setting(SESSION_KEY, &json))
            .await
    }

    /// The kept session, if there is a readable one (an unreadable one, e.g. from a newer
    /// version, is ignored rather than blocking the Composer).
    pub async fn composer_session(&self) -> Result<Option<ComposerSession>, EngineError> {
        let json = self.with_store(|s| s.setting(SESSION_KEY)).await?;
        Ok(json
            .filter(|j| !j.is_empty())
            .and_then(|j| serde_json::from_str(&j).ok()))
    }
}
