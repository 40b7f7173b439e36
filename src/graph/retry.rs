//! The one retry policy of the client side: bounded attempts, exponential backoff with jitter.
//!
//! Every caller that tries again uses it — the Graph client for idempotent calls, the publish
//! pipeline for container creation and resumable uploads, the DM send queue for rate limits —
//! so a change of patience is made in one place and no loop sleeps a fixed time in lockstep
//! with other clients. [`RetryPolicy::run`] does the looping; the caller says, per failure,
//! whether and how long to wait ([`RetryPolicy::pause_for`] is the usual answer for Graph
//! errors: only what [`GraphError::is_retryable`] allows, a 100 or 190 is returned at once).
//! Polling (a container's status) is not retrying, but uses the same schedule through
//! [`RetryPolicy::backoff`].

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

use super::{ErrorKind, GraphError};

/// How often and how patiently to retry.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The delay before the first retry; it doubles each time.
    pub base_delay: Duration,
    /// The longest single delay.
    pub max_delay: Duration,
    /// How long the attempts of one call may take together (pauses not counted): a retry
    /// that could end past it, were it as slow as the slowest attempt so far, is not made.
    /// A server that trickles its answer would otherwise cost `max_attempts` request
    /// timeouts. `None`: no bound (uploads, whose attempts are long by nature).
    pub attempt_budget: Option<Duration>,
}

/// The Graph client's [`RetryPolicy::attempt_budget`]: one timed-out request (30 s) is
/// not followed by another.
pub const GRAPH_ATTEMPT_BUDGET: Duration = Duration::from_secs(50);

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new(4, Duration::from_millis(500), Duration::from_secs(20))
            .with_attempt_budget(GRAPH_ATTEMPT_BUDGET)
    }
}

impl RetryPolicy {
    /// A policy of `max_attempts` (the first included) with delays from `base_delay` doubling
    /// up to `max_delay`.
    pub const fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts,
            base_delay,
            max_delay,
            attempt_budget: None,
        }
    }

    /// This policy with its attempts bounded to `budget` in all (see
    /// [`RetryPolicy::attempt_budget`]).
    pub const fn with_attempt_budget(mut self, budget: Duration) -> Self {
        self.attempt_budget = Some(budget);
        self
    }

    /// True when another attempt as slow as `slowest`, after attempts that took `spent`,
    /// still ends within the attempt budget.
    fn fits_budget(&self, spent: Duration, slowest: Duration) -> bool {
        self.attempt_budget
            .is_none_or(|budget| spent + slowest <= budget)
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The pause before retry number `retry` (1-based): `base × 2^(retry-1)`, capped, with
    /// "equal jitter" (half fixed, half random) so many clients do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter = rand::rng().random_range(0.0..=1.0);
        half + half.mul_f64(jitter)
    }

    /// How long to wait before retrying a Graph call that failed with `err` on attempt
    /// `retry`, or `None` to give up: errors that are not retryable, and rate limits whose
    /// announced wait is longer than this policy's longest delay (the caller reports them).
    pub fn pause_for(&self, err: &GraphError, retry: u32) -> Option<Duration> {
        if !err.is_retryable() {
            return None;
        }
        match err.kind {
            ErrorKind::RateLimited {
                retry_after: Some(d),
            } if d > self.max_delay => None,
            ErrorKind::RateLimited {
                retry_after: Some(d),
            } if !d.is_zero() => Some(d),
            _ => Some(self.backoff(retry)),
        }
    }

    /// Runs `attempt` (given its 1-based number) until it succeeds, `pause` answers `None` for
    /// its error, or `max_attempts` were made; between attempts it sleeps what `pause` said.
    pub async fn run<T, E, A, Fut, P>(&self, mut attempt: A, mut pause: P) -> Result<T, E>
    where
        A: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        P: FnMut(&E, u32) -> Option<Duration>,
        E: Display,
    {
        let attempts = self.max_attempts.max(1);
        let mut n = 1;
        let (mut spent, mut slowest) = (Duration::ZERO, Duration::ZERO);
        loop {
            let started = Instant::now();
            let outcome = attempt(n).await;
            let took = started.elapsed();
            spent += took;
            slowest = slowest.max(took);
            let err = match outcome {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if n >= attempts || !self.fits_budget(spent, slowest) {
                return Err(err);
            }
            let Some(wait) = pause(&err, n) else {
                return Err(err);
            };
            tracing::info!(
                attempt = n,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                error = %err,
                "retrying"
            );
            tokio::time::sleep(wait).await;
            n += 1;
        }
    }

    /// [`Self::run`] for Graph calls, retrying what [`Self::pause_for`] allows.
    pub async fn run_graph<T, A, Fut>(&self, attempt: A) -> Result<T, GraphError>
    where
        A: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, GraphError>>,
    {
        self.run(attempt, |e, n| self.pause_for(e, n)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick(max_attempts: u32) -> RetryPolicy {
        RetryPolicy::new(
            max_attempts,
            Duration::from_millis(1),
            Duration::from_millis(2),
        )
    }

    /// Fails with `kinds` in turn, then succeeds; counts the attempts made.
    async fn flaky(policy: &RetryPolicy, kinds: &[ErrorKind]) -> (Result<u32, GraphError>, u32) {
        let calls = AtomicU32::new(0);
        let result = policy
            .run_graph(|n| {
                let i = calls.fetch_add(1, Ordering::SeqCst) as usize;
                let outcome = match kinds.get(i) {
                    Some(kind) => Err(GraphError::new(kind.clone(), "failed")),
                    None => Ok(n),
                };
                async move { outcome }
            })
            .await;
        (result, calls.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let (result, calls) = flaky(&quick(4), &[ErrorKind::Transient, ErrorKind::Transient]).await;
        assert_eq!(result.expect("third attempt"), 3);
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn attempts_are_bounded() {
        let (result, calls) = flaky(&quick(3), &vec![ErrorKind::Transient; 5]).await;
        assert_eq!(result.expect_err("gave up").kind, ErrorKind::Transient);
        assert_eq!(calls, 3);
        let (_, calls) = flaky(&RetryPolicy::none(), &[ErrorKind::Transient]).await;
        assert_eq!(calls, 1, "none() never retries");
    }

    #[tokio::test]
    async fn a_slow_failed_attempt_is_not_repeated_past_the_budget() {
        // 50 s and 30 s timeouts, scaled down to milliseconds.
        let policy = quick(4).with_attempt_budget(Duration::from_millis(500));
        let calls = AtomicU32::new(0);
        let result: Result<(), GraphError> = policy
            .run_graph(|_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    // A trickling server: the request runs into its 30 s timeout.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Err(GraphError::new(ErrorKind::Transient, "timed out"))
                }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "30 s + another 30 s > 50 s"
        );
        // Quick failures fit the same budget and are retried.
        let (result, calls) = flaky(&policy, &[ErrorKind::Transient]).await;
        assert!(result.is_ok());
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn errors_that_retrying_cannot_fix_are_returned_at_once() {
        for kind in [ErrorKind::TokenInvalid, ErrorKind::InvalidParameter] {
            let (result, calls) = flaky(&quick(4), std::slice::from_ref(&kind)).await;
            assert_eq!(result.expect_err("not retried").kind, kind);
            assert_eq!(calls, 1);
        }
    }

    #[test]
    fn rate_limits_wait_what_meta_announced_within_the_longest_delay() {
        let p = RetryPolicy::new(3, Duration::from_millis(100), Duration::from_mins(1));
        let limited = |secs| {
            GraphError::new(
                ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(secs)),
                },
                "slow down",
            )
        };
        assert_eq!(p.pause_for(&limited(30), 1), Some(Duration::from_secs(30)));
        assert_eq!(p.pause_for(&limited(3600), 1), None, "an hour: give up");
        let unknown = GraphError::new(ErrorKind::RateLimited { retry_after: None }, "slow down");
        let pause = p.pause_for(&unknown, 1).expect("retried");
        assert!(pause <= Duration::from_millis(100), "{pause:?}");
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            attempt_budget: None,
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d2 = p.backoff(2);
            assert!(
                d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200),
                "{d2:?}"
            );
            let d5 = p.backoff(5);
            assert!(d5 <= Duration::from_millis(350), "{d5:?}");
        }
    }
}
