//! Keeping a copy to the old provider's limits while it runs: the download quota per window
//! (Gmail's daily IMAP bandwidth) and the back-off a throttled server asks for (Exchange's
//! "Suggested Backoff Time"). The rules themselves are pure, in [`crate::model::PaceState`] and
//! [`crate::model::throttle_hint`]; this is their clock and their waiting.
//!
//! A wait up to `sleep_max` is slept inside the pass (cancel-aware); a longer one ends the pass
//! with [`MigrateError::Paused`], so the connections are given back and the job resumes from
//! its checkpoints when the window has passed. It never skips a message or counts one twice:
//! the engine asks before each batch it reads, and only then.

use super::MigrateError;
use crate::model::{Admit, PaceLimits, PaceState, Throttle};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The longest one back-off asked for by a server is followed inside a pass.
const MAX_BACK_OFF: Duration = Duration::from_secs(120);

/// The pacing of one mailbox's pass: its provider's limits, the quota used so far in the
/// current window (shared by the pass's folder workers), and how long it may wait in place.
#[derive(Debug)]
pub struct Pacer {
    limits: PaceLimits,
    state: Mutex<PaceState>,
    sleep_max: Duration,
    waits: AtomicU32,
    back_offs: AtomicU32,
}

impl Pacer {
    /// A pacer for `limits`, going on from `state` (what earlier passes used in this window);
    /// waits up to `sleep_max` are slept, longer ones pause the job.
    pub fn new(limits: PaceLimits, state: PaceState, sleep_max: Duration) -> Pacer {
        Pacer {
            limits,
            state: Mutex::new(state),
            sleep_max,
            waits: AtomicU32::new(0),
            back_offs: AtomicU32::new(0),
        }
    }

    /// The limits it keeps to.
    pub fn limits(&self) -> &PaceLimits {
        &self.limits
    }

    /// The quota used in the current window, to keep with the job for its next pass.
    pub fn state(&self) -> PaceState {
        self.state.lock().map(|s| *s).unwrap_or_default()
    }

    /// How many times the pass waited for the quota's window to end.
    pub fn quota_waits(&self) -> u32 {
        self.waits.load(Ordering::Relaxed)
    }

    /// How many times the pass backed off because the server said it was throttling.
    pub fn back_offs(&self) -> u32 {
        self.back_offs.load(Ordering::Relaxed)
    }

    /// Waits until `bytes` more may be read from the old server, then counts them. Ends with
    /// [`MigrateError::Paused`] when the wait would be longer than this pacer may sleep, and
    /// with [`MigrateError::Cancelled`] when `cancel` is set while waiting.
    pub async fn admit(&self, bytes: u64, cancel: &AtomicBool) -> Result<(), MigrateError> {
        loop {
            let now = Utc::now();
            let answer = match self.state.lock() {
                Ok(mut s) => {
                    let a = s.admit(&self.limits, now, bytes);
                    if a == Admit::Go {
                        s.record(now, bytes);
                    }
                    a
                }
                Err(_) => Admit::Go,
            };
            match answer {
                Admit::Go => return Ok(()),
                Admit::WaitUntil(until) => {
                    self.waits.fetch_add(1, Ordering::Relaxed);
                    self.wait_until(
                        until,
                        cancel,
                        "the old provider's download quota for this period is used up",
                    )
                    .await?;
                }
            }
        }
    }

    /// Acts on a server's refusal that asks us to slow down: sleeps the back-off it suggests
    /// (capped), or, when the server says the quota is spent, waits for (or pauses until) the
    /// end of the window. Returns Ok when the refused command may be sent again.
    pub async fn throttled(&self, hint: Throttle, text: &str, cancel: &AtomicBool) -> Result<(), MigrateError> {
        match hint {
            Throttle::BackOff(d) => {
                self.back_offs.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    back_off_ms = d.as_millis() as u64,
                    "the old server throttles; backing off"
                );
                sleep_cancellable(d.min(MAX_BACK_OFF), cancel).await
            }
            Throttle::QuotaSpent => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                let until = match self.state.lock() {
                    Ok(mut s) => s.spent(&self.limits, Utc::now()),
                    Err(_) => Utc::now() + chrono::Duration::hours(1),
                };
                self.wait_until(until, cancel, text).await
            }
        }
    }

    async fn wait_until(&self, until: DateTime<Utc>, cancel: &AtomicBool, why: &str) -> Result<(), MigrateError> {
        let left = (until - Utc::now()).to_std().unwrap_or_default();
        if left > self.sleep_max {
            tracing::info!(%until, "pausing the copy for the old provider's limits");
            return Err(MigrateError::Paused {
                until,
                reason: why.to_string(),
            });
        }
        tracing::info!(
            wait_ms = left.as_millis() as u64,
            "waiting for the old provider's quota window"
        );
        sleep_cancellable(left, cancel).await
    }
}

/// Sleeps `d`, looking at `cancel` every 200 ms.
async fn sleep_cancellable(d: Duration, cancel: &AtomicBool) -> Result<(), MigrateError> {
    let end = tokio::time::Instant::now() + d;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(MigrateError::Cancelled);
        }
        let now = tokio::time::Instant::now();
        if now >= end {
            return Ok(());
        }
        tokio::time::sleep((end - now).min(Duration::from_millis(200))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(quota: u64, window: Duration) -> PaceLimits {
        PaceLimits {
            bytes_per_window: Some(quota),
            window,
            ..PaceLimits::default()
        }
    }

    #[tokio::test]
    async fn within_the_quota_nothing_waits() {
        let p = Pacer::new(
            limits(1000, Duration::from_secs(3600)),
            PaceState::default(),
            Duration::ZERO,
        );
        let cancel = AtomicBool::new(false);
        p.admit(400, &cancel).await.expect("first");
        p.admit(600, &cancel).await.expect("second");
        assert_eq!(p.quota_waits(), 0);
        assert_eq!(p.state().used, 1000);
    }

    #[tokio::test]
    async fn a_long_wait_pauses_the_pass_until_the_window_ends() {
        let p = Pacer::new(
            limits(1000, Duration::from_secs(3600)),
            PaceState::default(),
            Duration::from_secs(1),
        );
        let cancel = AtomicBool::new(false);
        p.admit(900, &cancel).await.expect("first");
        let start = p.state().window_start.expect("window started");
        match p.admit(200, &cancel).await {
            Err(MigrateError::Paused { until, .. }) => assert_eq!(until, start + chrono::Duration::hours(1)),
            other => panic!("expected a pause, got {other:?}"),
        }
        assert_eq!(p.quota_waits(), 1);
        // Nothing was counted for the refused read.
        assert_eq!(p.state().used, 900);
    }

    #[tokio::test]
    async fn a_short_wait_is_slept_and_the_next_window_starts_afresh() {
        let p = Pacer::new(
            limits(1000, Duration::from_millis(300)),
            PaceState::default(),
            Duration::from_secs(5),
        );
        let cancel = AtomicBool::new(false);
        p.admit(900, &cancel).await.expect("first");
        p.admit(200, &cancel).await.expect("second, after the window");
        assert_eq!(p.quota_waits(), 1);
        assert_eq!(p.state().used, 200);
    }

    #[tokio::test]
    async fn a_cancel_ends_a_wait() {
        let p = Pacer::new(
            limits(1000, Duration::from_secs(60)),
            PaceState::default(),
            Duration::from_secs(120),
        );
        let cancel = AtomicBool::new(true);
        p.admit(900, &cancel).await.expect("first");
        assert!(matches!(p.admit(200, &cancel).await, Err(MigrateError::Cancelled)));
    }

    #[tokio::test]
    async fn a_server_that_says_the_quota_is_spent_pauses_until_the_window_ends() {
        let p = Pacer::new(
            limits(10_000, Duration::from_secs(3600)),
            PaceState::default(),
            Duration::ZERO,
        );
        let cancel = AtomicBool::new(false);
        p.admit(10, &cancel).await.expect("first");
        let r = p
            .throttled(
                Throttle::QuotaSpent,
                "[OVERQUOTA] Account exceeded command or bandwidth limits",
                &cancel,
            )
            .await;
        assert!(matches!(r, Err(MigrateError::Paused { .. })), "{r:?}");
        assert_eq!(p.state().used, 10_000);
    }
}
