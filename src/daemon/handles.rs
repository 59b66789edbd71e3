//! How the daemon's loops talk to each other: small cloneable handles, one per loop that others
//! ask something of. A loop's own state (the jobs loop's worker pool and per-host counts, the
//! outage tracker, the rate windows, the retention sweep's last run) stays private to the
//! module that runs the loop; another loop only wakes it or asks it through its handle.
//!
//! Never carries work itself: what to do is always read from the store, so a lost wake-up only
//! delays work until the loop's next tick.

use crate::model::JobId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

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
}
