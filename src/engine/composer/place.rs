//! Location tags and collaborators: searching places (Facebook's Pages Search) and the
//! login checks a post's location and collaborators must pass before anything is saved or
//! sent. Both are Facebook Login features; an Instagram Login account is told so at once,
//! with no network call.

use std::sync::Arc;

use super::super::core::{Core, EngineError};
use super::{ComposerEvent, PostError, PostSpec, PublishError};
use crate::graph::locations::{NEEDS_FACEBOOK_LOGIN, Place};
use crate::graph::{ErrorKind, GraphError};
use crate::ids::IgUserId;
use crate::model::{Account, LoginKind};
use crate::store::DraftPlace;

impl Core {
    /// Places whose name matches `query` (Facebook Login accounts only).
    pub async fn search_locations(
        &self,
        account: &Account,
        query: &str,
    ) -> Result<Vec<Place>, EngineError> {
        if account.login != LoginKind::Facebook {
            return Err(EngineError::Graph(GraphError::new(
                ErrorKind::InvalidParameter,
                NEEDS_FACEBOOK_LOGIN,
            )));
        }
        let session = self.session(account).await?;
        let result = self.client().locations(&session).search(query).await;
        match result {
            Ok(places) => Ok(places),
            Err(e) => {
                let e = EngineError::Graph(e);
                self.note_error(account, &e).await;
                Err(e)
            }
        }
    }

    /// The post's location and collaborators, normalised (usernames without `@`), after
    /// checking the account's login allows them.
    pub(super) async fn checked_place(&self, post: &PostSpec) -> Result<DraftPlace, PublishError> {
        let place = normalised(&post.place);
        if place.is_empty() {
            return Ok(place);
        }
        let account = self.find_account(post.account.as_str()).await?;
        if account.login == LoginKind::Instagram {
            if place.location.is_some() {
                return Err(PostError::LocationNeedsFacebookLogin(account.username).into());
            }
            return Err(PostError::CollaboratorsNeedFacebookLogin(account.username).into());
        }
        Ok(place)
    }
}

fn normalised(place: &DraftPlace) -> DraftPlace {
    DraftPlace {
        location: place.location.clone(),
        collaborators: place
            .collaborators
            .iter()
            .map(|n| n.trim().trim_start_matches('@').to_owned())
            .filter(|n| !n.is_empty())
            .collect(),
    }
}

/// Runs a location search and words the answer as the Composer tab's event.
pub(super) async fn search_event(
    core: &Arc<Core>,
    account: IgUserId,
    query: String,
) -> ComposerEvent {
    let result = match core.find_account(account.as_str()).await {
        Ok(a) => core.search_locations(&a, &query).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(places) => ComposerEvent::Locations {
            account,
            query,
            places,
        },
        Err(e) => ComposerEvent::LocationsFailed {
            account,
            query,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collaborators_are_stored_without_at_signs_or_blanks() {
        let p = normalised(&DraftPlace {
            location: None,
            collaborators: vec![" @mira ".into(), String::new(), "leo".into()],
        });
        assert_eq!(p.collaborators, vec!["mira", "leo"]);
    }
}
