//! Holding a draft's publish claim (see `store::claims`) for the length of one publish.
//!
//! [`ClaimGuard`] renews the lease in the background every quarter lease, so a long poll or
//! a slow upload keeps it; if a renewal finds the claim gone, the guard is marked lost and
//! the pipeline stops at its next step. The two writes that could cause a second post (the
//! container to publish, and "media_publish sent") are themselves conditional on the claim.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use tracing::warn;

use crate::store::Store;

/// How long a claim holds without renewal. Longer than one Graph request can take (30 s
/// timeout plus connect), so a live owner's media_publish always ends inside its lease.
const DEFAULT_LEASE: Duration = Duration::from_mins(2);

/// Overrides [`DEFAULT_LEASE`] in whole seconds (tests that kill processes use a short one
/// so a takeover happens within the test).
pub const LEASE_ENV: &str = "SOCIALDESK_PUBLISH_LEASE_SECS";

/// The lease this process takes claims for.
pub fn lease() -> Duration {
    std::env::var(LEASE_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(DEFAULT_LEASE, Duration::from_secs)
}

/// A name for a claim's owner, unique per publish attempt (so two attempts in one process
/// exclude each other as two processes do).
pub fn new_owner() -> String {
    format!("pid{}-{:016x}", std::process::id(), rand::random::<u64>())
}

/// The claim on draft `.0` was taken over by another process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost(pub i64);

impl From<Lost> for super::PublishError {
    fn from(lost: Lost) -> Self {
        Self::ClaimLost(lost.0)
    }
}

/// An owned claim; renews itself until dropped.
pub struct ClaimGuard {
    pub draft: i64,
    pub owner: String,
    pub lease: Duration,
    lost: Arc<AtomicBool>,
    heartbeat: tokio::task::JoinHandle<()>,
    store: Arc<Store>,
}

impl ClaimGuard {
    /// Starts renewing a claim that `owner` just won on `draft`.
    pub fn start(store: Arc<Store>, draft: i64, owner: String, lease: Duration) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (lost, owner, store) = (lost.clone(), owner.clone(), store.clone());
            tokio::spawn(async move {
                let every = (lease / 4).max(Duration::from_millis(200));
                loop {
                    tokio::time::sleep(every).await;
                    let (store, owner) = (store.clone(), owner.clone());
                    let renewed = tokio::task::spawn_blocking(move || {
                        store.renew_claim(draft, &owner, Utc::now(), lease)
                    })
                    .await;
                    match renewed {
                        Ok(Ok(true)) => {}
                        Ok(Ok(false)) => {
                            warn!(draft, "the publish claim was taken over; stopping");
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // A busy database is retried at the next beat, well inside the lease.
                        Ok(Err(e)) => warn!(draft, error = %e, "could not renew the publish claim"),
                        Err(e) => warn!(draft, error = %e, "the claim renewal task stopped"),
                    }
                }
            })
        };
        Self {
            draft,
            owner,
            lease,
            lost,
            heartbeat,
            store,
        }
    }

    /// `Err` once a renewal found the claim gone: the pipeline must stop at this step.
    pub fn held(&self) -> Result<(), Lost> {
        if self.lost.load(Ordering::SeqCst) {
            Err(Lost(self.draft))
        } else {
            Ok(())
        }
    }
}

impl Drop for ClaimGuard {
    /// Stops renewing and lets go of the claim. After a success or a recorded failure the
    /// claim is already gone and this matches no row; after a cancelled attempt (the task
    /// was dropped mid-way) it frees the draft for the next attempt right away. A quick,
    /// synchronous SQLite write: it must happen even when the runtime is shutting down.
    fn drop(&mut self) {
        self.heartbeat.abort();
        if let Err(e) = self.store.release_claim(self.draft, &self.owner) {
            warn!(draft = self.draft, error = %e, "could not release the publish claim");
        }
    }
}
