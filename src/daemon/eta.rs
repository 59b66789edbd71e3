//! Gathers what the pure estimator ([`crate::model::estimate`]) needs for one new job from the
//! store and the config: the jobs waiting ahead, the speed finished jobs from the same old
//! server reached, the provider's pacing. It reads only; it never writes the store.

use super::context::Context;
use crate::model::{estimate, measured_speed, Estimate, EtaInput, Job, JobState};
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Waiting for a worker: these are ahead of a new job in the queue.
fn queued(state: JobState) -> bool {
    matches!(
        state,
        JobState::Received | JobState::Waiting | JobState::Retrying | JobState::Syncing
    )
}

impl Context {
    /// The estimate of `job`'s first copy, made at `now`.
    pub(super) fn estimate_for(&self, job: &Job, now: DateTime<Utc>) -> Result<Estimate> {
        let stored = self.store.jobs()?;
        let ahead = stored
            .iter()
            .filter(|j| j.id != job.id && queued(j.state) && !j.held)
            .count();
        let finished: Vec<(u64, Duration)> = stored
            .iter()
            .filter(|j| j.source.host.eq_ignore_ascii_case(&job.source.host))
            .filter_map(|j| {
                let bytes = j.found.as_ref().map(crate::model::size_of)?;
                let took = (j.actual.ended? - j.actual.started?).to_std().ok()?;
                Some((bytes, took))
            })
            .collect();
        let pace = self.rules().providers.by_imap_host(&job.source.host).map(|p| p.pace());
        let workers = &self.cfg.workers;
        Ok(estimate(&EtaInput {
            now,
            ahead,
            slots: workers.max_jobs,
            typical_job: Duration::from_secs(workers.typical_job_minutes.saturating_mul(60)),
            not_before: job.schedule.max(job.not_before),
            found: job.found,
            measured_speed: measured_speed(&finished),
            default_speed: workers.default_bytes_per_second,
            pace,
        }))
    }
}
