//! Instagram's messaging windows, computed from the person's last message: a standard reply
//! within 24 h, a human-written reply with the `HUMAN_AGENT` tag up to 7 days, nothing after.

use chrono::{DateTime, Duration, Utc};

/// The standard window after the person's last message.
pub const STANDARD_WINDOW: Duration = Duration::hours(24);
/// The `HUMAN_AGENT` window after the person's last message.
pub const HUMAN_AGENT_WINDOW: Duration = Duration::days(7);
/// Private replies must go out within this time of the comment.
pub const PRIVATE_REPLY_WINDOW: Duration = Duration::days(7);

/// Whether and how the account may write in a conversation now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendWindow {
    /// Any message may be sent until `closes_at`.
    Standard { closes_at: DateTime<Utc> },
    /// Only a human-written reply tagged `HUMAN_AGENT`, until `closes_at`.
    HumanAgent { closes_at: DateTime<Utc> },
    /// No message may be sent: the person last wrote at `last_inbound` (more than 7 days
    /// ago), or never (`None`, e.g. after a private reply they did not answer).
    Closed { last_inbound: Option<DateTime<Utc>> },
}

impl SendWindow {
    /// The window at `now` for a conversation whose person last wrote at `last_inbound`.
    pub fn at(last_inbound: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        let Some(last) = last_inbound else {
            return Self::Closed { last_inbound: None };
        };
        if now <= last + STANDARD_WINDOW {
            Self::Standard {
                closes_at: last + STANDARD_WINDOW,
            }
        } else if now <= last + HUMAN_AGENT_WINDOW {
            Self::HumanAgent {
                closes_at: last + HUMAN_AGENT_WINDOW,
            }
        } else {
            Self::Closed {
                last_inbound: Some(last),
            }
        }
    }

    /// True when nothing can be sent.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. })
    }

    /// One line for the chat header (local time).
    pub fn describe(&self) -> String {
        let local = |t: &DateTime<Utc>| {
            t.with_timezone(&chrono::Local)
                .format("%a %d %b %H:%M")
                .to_string()
        };
        match self {
            Self::Standard { closes_at } => format!("Reply window open until {}", local(closes_at)),
            Self::HumanAgent { closes_at } => format!(
                "24-hour window closed. A person (not automation) may still reply with the Human Agent tag until {}",
                local(closes_at)
            ),
            Self::Closed {
                last_inbound: Some(t),
            } => format!(
                "Sending is blocked: their last message ({}) is more than 7 days old. Instagram allows a reply only after they write again.",
                local(t)
            ),
            Self::Closed { last_inbound: None } => "Sending is blocked: they have not written to you. After a private reply, Instagram allows another message only once they answer.".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_by_age_of_the_last_inbound_message() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let at = |hours: i64| SendWindow::at(Some(now - Duration::hours(hours)), now);
        assert!(
            matches!(at(1), SendWindow::Standard { closes_at } if closes_at == now + Duration::hours(23))
        );
        assert!(matches!(at(24), SendWindow::Standard { .. }));
        assert!(
            matches!(at(25), SendWindow::HumanAgent { closes_at } if closes_at == now + Duration::hours(24 * 7 - 25))
        );
        assert!(matches!(at(24 * 7), SendWindow::HumanAgent { .. }));
        assert!(at(24 * 7 + 1).is_closed());
        assert!(SendWindow::at(None, now).is_closed());
        assert!(at(200).describe().contains("7 days"));
    }
}
