//! Waiting for a condition instead of a fixed time.
//!
//! A fixed sleep is either too short on a loaded machine (a flaky failure) or longer than
//! needed everywhere else. Tests poll for what they are waiting for, with a deadline generous
//! enough that only a real hang reaches it; the deadline is a guard, not a measurement.

use std::future::Future;
use std::time::{Duration, Instant};

/// The deadline for conditions a healthy run meets in a second or two (a loaded CI machine
/// with four builds at once can take far longer).
pub const PATIENCE: Duration = Duration::from_mins(2);

/// How long between two checks of the condition.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// Polls `condition` until it holds; fails the test naming `what` after `deadline`.
pub async fn wait_until<F, Fut>(what: &str, deadline: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !condition().await {
        assert!(
            start.elapsed() < deadline,
            "gave up after {} s waiting for {what}",
            deadline.as_secs()
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
}
