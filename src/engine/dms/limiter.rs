//! Client-side pacing for Meta's documented messaging limits, per account: 2 conversation
//! reads per second, 100 sends per second, 750 private replies per hour. A caller over a
//! limit waits (and is told how long, so the UI can say "queued") instead of being refused.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

/// Which documented limit a call counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Conversations API: 2 calls per second per account.
    Read,
    /// Send API (text, links, images): 100 calls per second per account.
    Send,
    /// Private replies to post and reel comments: 750 calls per hour per account.
    PrivateReply,
}

impl Limit {
    fn rules(self) -> &'static [(Duration, usize)] {
        const SECOND: Duration = Duration::from_secs(1);
        const HOUR: Duration = Duration::from_hours(1);
        const READ: [(Duration, usize); 1] = [(SECOND, 2)];
        const SEND: [(Duration, usize); 1] = [(SECOND, 100)];
        const PRIVATE_REPLY: [(Duration, usize); 2] = [(HOUR, 750), (SECOND, 100)];
        match self {
            Limit::Read => &READ,
            Limit::Send => &SEND,
            Limit::PrivateReply => &PRIVATE_REPLY,
        }
    }

    /// How the limit reads in a "queued" notice.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::Read => "2 inbox reads per second",
            Limit::Send => "100 messages per second",
            Limit::PrivateReply => "750 private replies per hour",
        }
    }
}

/// Calls made in the longest window of a limit's rules.
#[derive(Default)]
struct Log {
    calls: VecDeque<Instant>,
}

impl Log {
    /// How long to wait before one more call fits every rule (zero: now).
    fn wait(&mut self, rules: &[(Duration, usize)], now: Instant) -> Duration {
        let longest = rules.iter().map(|r| r.0).max().unwrap_or_default();
        while self
            .calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            self.calls.pop_front();
        }
        rules
            .iter()
            .filter_map(|&(window, max)| {
                let recent: Vec<&Instant> = self
                    .calls
                    .iter()
                    .filter(|t| now.duration_since(**t) < window)
                    .collect();
                (recent.len() >= max && max > 0)
                    .then(|| (*recent[recent.len() - max] + window).saturating_duration_since(now))
            })
            .max()
            .unwrap_or_default()
    }
}

fn logs() -> &'static Mutex<HashMap<(String, Limit), Log>> {
    static LOGS: OnceLock<Mutex<HashMap<(String, Limit), Log>>> = OnceLock::new();
    LOGS.get_or_init(Default::default)
}

/// Waits until a call against `limit` fits for `key` (the account and API host), then counts
/// it. `on_wait` is told once, with the first wait, when the call has to queue.
pub async fn acquire(key: &str, limit: Limit, on_wait: impl FnOnce(Duration)) {
    let mut on_wait = Some(on_wait);
    loop {
        let wait = {
            let mut logs = logs()
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let log = logs.entry((key.to_owned(), limit)).or_default();
            let now = Instant::now();
            let wait = log.wait(limit.rules(), now);
            if wait.is_zero() {
                log.calls.push_back(now);
            }
            wait
        };
        if wait.is_zero() {
            return;
        }
        if let Some(f) = on_wait.take() {
            f(wait);
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_the_oldest_call_in_the_window() {
        let mut log = Log::default();
        let t0 = Instant::now();
        let rules = [(Duration::from_secs(1), 2)];
        assert!(log.wait(&rules, t0).is_zero());
        log.calls.push_back(t0);
        log.calls.push_back(t0 + Duration::from_millis(300));
        assert_eq!(
            log.wait(&rules, t0 + Duration::from_millis(500)),
            Duration::from_millis(500)
        );
        assert!(log.wait(&rules, t0 + Duration::from_secs(1)).is_zero());
    }

    #[tokio::test]
    async fn a_third_read_in_one_second_queues() {
        let key = "test-queue";
        let start = Instant::now();
        acquire(key, Limit::Read, |_| panic!("first fits")).await;
        acquire(key, Limit::Read, |_| panic!("second fits")).await;
        let mut told = None;
        acquire(key, Limit::Read, |d| told = Some(d)).await;
        assert!(told.is_some());
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(1));
    }
}
