//! A value produced off the UI thread (a system file dialog) and picked up by a later frame.
//!
//! Native dialogs block until the user answers; run on the UI thread they would freeze every
//! frame. [`Pending::spawn`] runs the job on its own thread and wakes the UI when it is done.

use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Where a [`Pending`] value stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll<T> {
    Waiting,
    Ready(T),
    /// The job ended without an answer (its thread could not start or panicked).
    Gone,
}

/// A value on its way from another thread.
#[derive(Debug)]
pub struct Pending<T> {
    rx: Receiver<T>,
}

impl<T: Send + 'static> Pending<T> {
    /// A value that is already there (tests, fakes).
    pub fn ready(value: T) -> Self {
        let (tx, rx) = mpsc::channel();
        // The receiver is alive right here: this send cannot fail.
        let _ = tx.send(value);
        Self { rx }
    }

    /// Runs `job` on a new thread; the UI is repainted when it finishes.
    pub fn spawn(ctx: &egui::Context, job: impl FnOnce() -> T + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let started = std::thread::Builder::new()
            .name("dialog".into())
            .spawn(move || {
                let _ = tx.send(job());
                ctx.request_repaint();
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "could not start a dialog thread");
        }
        Self { rx }
    }

    /// The value if it arrived; never blocks.
    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(value) => Poll::Ready(value),
            Err(TryRecvError::Empty) => Poll::Waiting,
            Err(TryRecvError::Disconnected) => Poll::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_values_arrive_once() {
        let p = Pending::ready(7);
        assert_eq!(p.poll(), Poll::Ready(7));
        assert_eq!(p.poll(), Poll::Gone);
    }

    #[test]
    fn spawned_jobs_arrive_without_blocking() {
        let ctx = egui::Context::default();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let p = Pending::spawn(&ctx, move || {
            let _ = go_rx.recv();
            "done"
        });
        assert_eq!(p.poll(), Poll::Waiting, "the job waits for its go");
        go_tx.send(()).expect("the job is alive");
        let start = std::time::Instant::now();
        loop {
            match p.poll() {
                Poll::Ready(v) => break assert_eq!(v, "done"),
                Poll::Waiting if start.elapsed() < std::time::Duration::from_secs(5) => {
                    std::thread::yield_now();
                }
                other => panic!("no answer: {other:?}"),
            }
        }
    }
}
