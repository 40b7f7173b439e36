//! A draft's location tag and collaborators, and the journal of resumable video uploads
//! (migration 0008).
//!
//! Kept beside the draft tables rather than in them so a draft without either costs no row.
//! The upload journal is what lets a publish interrupted mid-upload resume: `started_at` is
//! written before the first byte goes to rupload and `uploaded_at` once the whole file was
//! accepted; both name the container they belong to, so a reset of the containers makes
//! them stale by itself.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Failure, Store, StoreError, to_millis};
use crate::ids::ContainerId;

/// Instagram invites at most this many collaborators per post.
pub const MAX_COLLABORATORS: usize = 3;

/// A place picked from Pages Search: the Page id sent as `location_id`, and its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLocation {
    pub id: String,
    pub name: String,
}

/// Where the post is and who it is made with (Facebook Login features).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftPlace {
    pub location: Option<DraftLocation>,
    /// Usernames without `@`.
    pub collaborators: Vec<String>,
}

impl DraftPlace {
    pub fn is_empty(&self) -> bool {
        self.location.is_none() && self.collaborators.is_empty()
    }
}

/// Where a resumable upload of one item stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuploadJournal {
    pub container_id: ContainerId,
    pub started_at: DateTime<Utc>,
    pub uploaded_at: Option<DateTime<Utc>>,
}

fn bad(what: &'static str, reason: String) -> Failure {
    Failure::Store(StoreError::BadRow { what, reason })
}

impl Store {
    /// Saves (or clears, when empty) a draft's location and collaborators.
    pub fn set_draft_place(&self, draft: i64, place: &DraftPlace) -> Result<(), StoreError> {
        self.write(|tx| write_place(tx, draft, place))
    }

    /// Saves a new draft and its place in one transaction: a crash can never leave a draft
    /// that would publish without the location or collaborators the user chose.
    pub fn insert_draft_with_place(
        &self,
        draft: &super::NewDraft,
        place: &DraftPlace,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            let id = super::drafts::insert_draft_tx(tx, draft, now)?;
            write_place(tx, id, place)?;
            Ok(id)
        })
    }

    /// Replaces draft `id` (an edit in the Composer) with `draft` and its place in one
    /// transaction. `false`: it is being published or was already sent, and stays as it was.
    pub fn replace_draft_with_place(
        &self,
        id: i64,
        draft: &super::NewDraft,
        place: &DraftPlace,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            if !super::drafts::replace_draft_tx(tx, id, draft, now)? {
                return Ok(false);
            }
            write_place(tx, id, place)?;
            Ok(true)
        })
    }

    /// A draft's location and collaborators (empty when it has none).
    pub fn draft_place(&self, draft: i64) -> Result<DraftPlace, StoreError> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT location_id, location_name, collaborators_json FROM draft_place
                     WHERE draft_id = ?1",
                    [draft],
                    |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    },
                )
                .optional()?;
            let Some((id, name, collaborators)) = row else {
                return Ok(DraftPlace::default());
            };
            Ok(DraftPlace {
                location: id.map(|id| DraftLocation {
                    name: name.unwrap_or_else(|| id.clone()),
                    id,
                }),
                collaborators: serde_json::from_str(&collaborators)
                    .map_err(|e| bad("draft collaborators", e.to_string()))?,
            })
        })
    }

    /// Journals that the bytes of item `position` are about to go to rupload for
    /// `container` (kept as is when already journaled for that container).
    pub fn rupload_started(
        &self,
        draft: i64,
        position: usize,
        container: &ContainerId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO draft_uploads (draft_id, position, container_id, started_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (draft_id, position) DO UPDATE SET
                     started_at = CASE WHEN container_id = ?3 THEN started_at ELSE ?4 END,
                     uploaded_at = CASE WHEN container_id = ?3 THEN uploaded_at ELSE NULL END,
                     container_id = ?3",
                params![draft, position as i64, container.as_str(), to_millis(now)],
            )?;
            Ok(())
        })
    }

    /// Journals that rupload accepted the whole file of item `position`.
    pub fn rupload_done(
        &self,
        draft: i64,
        position: usize,
        container: &ContainerId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE draft_uploads SET uploaded_at = ?4
                 WHERE draft_id = ?1 AND position = ?2 AND container_id = ?3",
                params![draft, position as i64, container.as_str(), to_millis(now)],
            )?;
            if changed == 0 {
                return Err(bad(
                    "upload journal",
                    format!("no upload of item {position} of draft {draft} was started for container {container}"),
                ));
            }
            Ok(())
        })
    }

    /// The upload journal of item `position`, if an upload was ever started.
    pub fn rupload_journal(
        &self,
        draft: i64,
        position: usize,
    ) -> Result<Option<RuploadJournal>, StoreError> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT container_id, started_at, uploaded_at FROM draft_uploads
                     WHERE draft_id = ?1 AND position = ?2",
                    params![draft, position as i64],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, Option<i64>>(2)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(container, started, uploaded)| {
                Ok(RuploadJournal {
                    container_id: ContainerId(container),
                    started_at: super::from_millis(started, "upload start")?,
                    uploaded_at: super::opt_from_millis(uploaded, "upload end")?,
                })
            })
            .transpose()
        })
    }
}

fn write_place(
    tx: &rusqlite::Transaction<'_>,
    draft: i64,
    place: &DraftPlace,
) -> Result<(), Failure> {
    let collaborators = serde_json::to_string(&place.collaborators).map_err(|e| {
        Failure::Store(StoreError::BadRow {
            what: "draft collaborators",
            reason: e.to_string(),
        })
    })?;
    if place.is_empty() {
        tx.execute("DELETE FROM draft_place WHERE draft_id = ?1", [draft])?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO draft_place (draft_id, location_id, location_name, collaborators_json)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (draft_id) DO UPDATE SET location_id = ?2, location_name = ?3,
             collaborators_json = ?4",
        params![
            draft,
            place.location.as_ref().map(|l| l.id.as_str()),
            place.location.as_ref().map(|l| l.name.as_str()),
            collaborators
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IgUserId;
    use crate::model::{Account, AccountStatus, LoginKind};
    use crate::store::{NewDraft, NewDraftItem, PostKind};

    fn store_with_draft() -> (Store, i64) {
        let store = Store::in_memory().expect("store");
        store
            .upsert_account(&Account {
                id: IgUserId::from("1"),
                username: "shop".into(),
                name: None,
                account_type: Some("BUSINESS".into()),
                profile_picture_url: None,
                followers_count: None,
                media_count: None,
                login: LoginKind::Facebook,
                page_id: None,
                status: AccountStatus::Connected,
                sandbox: true,
                token_issued_at: None,
                token_expires_at: None,
            })
            .expect("account");
        let draft = NewDraft {
            account: IgUserId::from("1"),
            kind: PostKind::Reel,
            caption: String::new(),
            share_to_feed: true,
            scheduled_at: None,
            items: vec![NewDraftItem {
                is_video: true,
                file_name: "a.mp4".into(),
                content: vec![0; 16],
                width: None,
                height: None,
                alt_text: None,
                user_tags: Vec::new(),
                extras: Default::default(),
                cover: None,
            }],
            fingerprint: None,
        };
        let id = store.insert_draft(&draft, Utc::now()).expect("draft");
        (store, id)
    }

    #[test]
    fn place_round_trips_and_clears() {
        let (store, id) = store_with_draft();
        assert_eq!(store.draft_place(id).expect("none"), DraftPlace::default());
        let place = DraftPlace {
            location: Some(DraftLocation {
                id: "110".into(),
                name: "Harbour Bakery".into(),
            }),
            collaborators: vec!["mira".into(), "leo".into()],
        };
        store.set_draft_place(id, &place).expect("set");
        assert_eq!(store.draft_place(id).expect("read"), place);
        store
            .set_draft_place(id, &DraftPlace::default())
            .expect("clear");
        assert!(store.draft_place(id).expect("read").is_empty());
    }

    #[test]
    fn the_upload_journal_follows_its_container() {
        let (store, id) = store_with_draft();
        let c1 = ContainerId::from("c1");
        assert_eq!(store.rupload_journal(id, 0).expect("none"), None);
        store
            .rupload_started(id, 0, &c1, Utc::now())
            .expect("start");
        store.rupload_done(id, 0, &c1, Utc::now()).expect("done");
        let j = store.rupload_journal(id, 0).expect("read").expect("row");
        assert_eq!(j.container_id, c1);
        assert!(j.uploaded_at.is_some());
        // A new container (after a reset) starts a fresh upload.
        let c2 = ContainerId::from("c2");
        store
            .rupload_started(id, 0, &c2, Utc::now())
            .expect("start");
        let j = store.rupload_journal(id, 0).expect("read").expect("row");
        assert_eq!((j.container_id, j.uploaded_at), (c2, None));
        assert!(store.rupload_done(id, 0, &c1, Utc::now()).is_err());
    }
}
