//! How the daemon's loops talk to each other: small cloneable handles, one per loop that others
//! ask something of. A loop's own state (the jobs loop's worker pool and per-host counts, the
//! outage tracker, the rate windows, the retention sweep's last run) stays private to the
//! module that runs the loop; another loop only wakes it or tells it something through its
//! handle.
//!
//! Never carries work itself: what to do is always read from the store, so a lost wake-up only
//! delays work until the loop's next tick. The one message that is not in the store, what a
//! loop saw of a server (for the outage loop), is a report of a passing state: a lost one is
//! replaced by the next.

use super::outages::Service;
use crate::clock::Clock;
use crate::model::JobId;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// The jobs loop (scheduler and running copies), as the other loops see it.
#[derive(Clone, Default)]
pub struct JobsHandle {
    wake: Arc<Notify>,
    /// Copies running now, with the flag that stops each.
    running: Arc<Mutex<HashMap<JobId, Arc<AtomicBool>>>>,
}

impl JobsHandle {
    /// Something may have become due (a new ticket, a command, the MX change, a finished copy).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for [`JobsHandle::wake`] (the jobs loop only).
    pub(super) async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Asks a running copy of `job` to stop at its next message; false when none runs.
    pub fn stop(&self, job: JobId) -> bool {
        match self.running.lock().ok().and_then(|r| r.get(&job).cloned()) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// How many copies run now.
    pub fn running(&self) -> usize {
        self.running.lock().map_or(0, |r| r.len())
    }

    /// Records a copy of `job` as running with its stop flag; false when one already runs (the
    /// jobs loop only).
    pub(super) fn claim(&self, job: JobId, stop: Arc<AtomicBool>) -> anyhow::Result<bool> {
        let mut running = self.running.lock().map_err(|_| anyhow::anyhow!("lock poisoned"))?;
        if running.contains_key(&job) {
            return Ok(false);
        }
        running.insert(job, stop);
        Ok(true)
    }

    /// True when a copy of `job` runs now.
    pub(super) fn is_running(&self, job: JobId) -> bool {
        self.running.lock().is_ok_and(|r| r.contains_key(&job))
    }

    /// The copy of `job` ended (the jobs loop only).
    pub(super) fn release(&self, job: JobId) {
        if let Ok(mut r) = self.running.lock() {
            r.remove(&job);
        }
    }
}

/// The outbox loop, as the other loops see it.
#[derive(Clone, Default)]
pub struct OutboxHandle {
    wake: Arc<Notify>,
}

impl OutboxHandle {
    /// A reply was queued in the store: send it now rather than at the next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for [`OutboxHandle::wake`] (the outbox loop only).
    pub(super) async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// What a loop saw of a server mailferry needs, for the outage loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Which server.
    pub service: Service,
    /// `Some(error)` a failure, `None` success.
    pub error: Option<String>,
    /// When it was seen.
    pub at: DateTime<Utc>,
}

/// The outage loop, as the other loops see it: they report what their own traffic sees.
#[derive(Clone)]
pub struct OutagesHandle {
    tx: mpsc::UnboundedSender<Sighting>,
    clock: Arc<dyn Clock>,
}

impl OutagesHandle {
    /// A handle and the receiving end the outage loop owns.
    pub(super) fn new(clock: Arc<dyn Clock>) -> (OutagesHandle, mpsc::UnboundedReceiver<Sighting>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (OutagesHandle { tx, clock }, rx)
    }

    /// What a loop saw of `service` now: `Some(error)` a failure, `None` success. Never
    /// blocks; the sources report once per connection attempt (with their own backoff), so the
    /// queue stays short. Dropped when the outage loop has stopped.
    pub fn report(&self, service: Service, error: Option<&str>) {
        let _ = self.tx.send(Sighting {
            service,
            error: error.map(str::to_string),
            at: self.clock.now(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_copy_is_stopped_through_the_handle() {
        let jobs = JobsHandle::default();
        let flag = Arc::new(AtomicBool::new(false));
        assert!(jobs.claim(JobId(7), flag.clone()).unwrap());
        assert!(!jobs.claim(JobId(7), Arc::default()).unwrap(), "one copy per job");
        assert_eq!(jobs.running(), 1);
        assert!(jobs.clone().stop(JobId(7)) && flag.load(Ordering::Relaxed));
        assert!(!jobs.stop(JobId(8)));
        jobs.release(JobId(7));
        assert_eq!(jobs.running(), 0);
    }

    #[test]
    fn a_sighting_reaches_the_outage_loop_with_its_time() {
        let t0 = chrono::Utc::now();
        let (outages, mut rx) = OutagesHandle::new(Arc::new(crate::clock::FixedClock::new(t0)));
        outages.clone().report(Service::Smtp, Some("refused"));
        outages.report(Service::Smtp, None);
        let first = rx.try_recv().unwrap();
        assert_eq!(
            (first.service, first.error.as_deref(), first.at),
            (Service::Smtp, Some("refused"), t0)
        );
        assert_eq!(rx.try_recv().unwrap().error, None);
        drop(rx);
        outages.report(Service::Dav, None); // the loop has stopped: nothing to tell, no panic
    }
}
