//! Bounded retries with exponential backoff and jitter.
//!
//! Only errors that [`super::GraphError::is_retryable`] allows are retried (5xx, transient
//! codes, connection failures, rate limits); a 100 (bad parameter) or 190 (token gone) is
//! returned at once. Only idempotent requests are retried at all.

use std::time::Duration;

use rand::Rng;

/// How often and how patiently to retry.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The delay before the first retry; it doubles each time.
    pub base_delay: Duration,
    /// The longest single delay.
    pub max_delay: Duration,
    /// How long one call may take, retries included: a retry that could end later (its
    /// pause plus a whole request timeout) is not started. A server that trickles its
    /// answer would otherwise cost `max_attempts` request timeouts.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            budget: Duration::from_secs(50),
        }
    }
}

impl RetryPolicy {
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

    /// True when a retry after `pause`, which may itself take up to `request_timeout`,
    /// still ends within the budget of a call that started `elapsed` ago.
    pub fn fits_budget(
        &self,
        elapsed: Duration,
        pause: Duration,
        request_timeout: Duration,
    ) -> bool {
        elapsed + pause + request_timeout <= self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_that_could_end_past_the_budget_is_not_started() {
        let p = RetryPolicy::default();
        let timeout = Duration::from_secs(30);
        // Quick failures: retried.
        assert!(p.fits_budget(Duration::from_millis(200), Duration::from_secs(1), timeout));
        // A first attempt that timed out (a trickling server): not tried again.
        assert!(!p.fits_budget(Duration::from_secs(30), Duration::from_millis(500), timeout));
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
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
