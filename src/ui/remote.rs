//! [`Remote`]: the state of one value the UI asked the engine for.
//!
//! Modelled on rerun's `RequestedObject`: a value is idle (never asked for), loading, ready or
//! failed, and a refresh or a failure keeps the last good value so nothing flickers to empty
//! while the engine works.

/// A value that arrives from the engine, with the previous value kept while refreshing.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Remote<T> {
    /// Not asked for yet.
    #[default]
    Idle,
    /// Asked for; `previous` is what was shown before (kept on screen meanwhile).
    Loading { previous: Option<T> },
    /// The engine delivered it.
    Ready(T),
    /// The last request failed; `previous` is still worth showing next to the error.
    Failed {
        message: String,
        previous: Option<T>,
    },
}

impl<T> Remote<T> {
    /// The value to show: the ready one, or the one kept from before a refresh or failure.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Idle => None,
            Self::Ready(value) => Some(value),
            Self::Loading { previous } | Self::Failed { previous, .. } => previous.as_ref(),
        }
    }

    /// Mutable access to the shown value, e.g. to append a page or patch one item.
    pub fn value_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Idle => None,
            Self::Ready(value) => Some(value),
            Self::Loading { previous } | Self::Failed { previous, .. } => previous.as_mut(),
        }
    }

    /// True while a request is in flight.
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading { .. })
    }

    /// True once anything was asked for, so a request is never sent twice.
    pub fn is_requested(&self) -> bool {
        !matches!(self, Self::Idle)
    }

    /// The failure to show, if the last request failed.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Failed { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Marks a request as sent, keeping what is shown.
    pub fn start_loading(&mut self) {
        let previous = self.take_value();
        *self = Self::Loading { previous };
    }

    /// Stores the delivered value.
    pub fn set_ready(&mut self, value: T) {
        *self = Self::Ready(value);
    }

    /// Records a failure, keeping what is shown.
    pub fn set_failed(&mut self, message: impl Into<String>) {
        let previous = self.take_value();
        *self = Self::Failed {
            message: message.into(),
            previous,
        };
    }

    fn take_value(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Self::Idle => None,
            Self::Ready(value) => Some(value),
            Self::Loading { previous } | Self::Failed { previous, .. } => previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_and_failure_keep_the_previous_value() {
        let mut remote: Remote<u32> = Remote::default();
        assert!(!remote.is_requested());
        assert_eq!(remote.value(), None);

        remote.start_loading();
        assert!(remote.is_loading());
        assert_eq!(remote.value(), None);

        remote.set_ready(7);
        assert_eq!(remote.value(), Some(&7));

        remote.start_loading();
        assert_eq!(remote.value(), Some(&7), "refreshing keeps what is shown");

        remote.set_failed("offline");
        assert_eq!(remote.error(), Some("offline"));
        assert_eq!(remote.value(), Some(&7), "a failure keeps what is shown");

        if let Some(value) = remote.value_mut() {
            *value += 1;
        }
        remote.start_loading();
        assert_eq!(remote.value(), Some(&8));
        assert_eq!(remote.error(), None);
    }
}
