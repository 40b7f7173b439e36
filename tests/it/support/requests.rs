//! What a test reads back from the sandbox's request log: the form a request posted and
//! its fields, and a clock that runs while the engine polls.

use std::time::Duration;

use socialdesk::sandbox::{RecordedRequest, Sandbox};

/// The form fields a request posted, in order.
pub fn form(r: &RecordedRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(r.body.as_bytes())
        .into_owned()
        .collect()
}

/// The value of field `name` in a posted form.
pub fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Advances the sandbox clock by 5 s every 100 ms until dropped, so video processing
/// (10 s of sandbox time) finishes quickly while a publish polls.
pub struct ClockPusher(tokio::task::JoinHandle<()>);

impl ClockPusher {
    pub fn start(sandbox: &Sandbox) -> Self {
        let control = sandbox.control();
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                control.advance_clock(Duration::from_secs(5));
            }
        }))
    }
}

impl Drop for ClockPusher {
    fn drop(&mut self) {
        self.0.abort();
    }
}
