//! Progress of the copies running now, folder by folder, as the migration engine reports it.
//!
//! The staff page reads it while a job runs (the store only has a job's figures once a pass
//! ends); each report also moves the copied-messages and copied-bytes counters by what was
//! handled since the previous report of that folder.

use super::metrics::Metrics;
use crate::model::JobId;
use crate::model::Progress;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// One folder of a running copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderProgress {
    /// Messages handled (already there, copied or failed).
    pub done: u64,
    /// Messages in the source folder.
    pub total: u64,
    /// Bytes handled.
    pub done_bytes: u64,
    /// Bytes in the source folder.
    pub total_bytes: u64,
}

/// Every running copy's folders.
#[derive(Debug, Default)]
pub struct LiveJobs {
    jobs: Mutex<HashMap<JobId, BTreeMap<String, FolderProgress>>>,
}

impl LiveJobs {
    /// A progress sink for one pass of `job`; its reports land here and in `metrics`.
    pub fn sink(self: &Arc<Self>, job: JobId, metrics: Arc<Metrics>) -> JobProgress {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(job, BTreeMap::new());
        }
        JobProgress {
            job,
            live: self.clone(),
            metrics,
        }
    }

    /// The folders of `job` while it runs (None when it does not run).
    pub fn folders(&self, job: JobId) -> Option<BTreeMap<String, FolderProgress>> {
        self.jobs.lock().ok().and_then(|j| j.get(&job).cloned())
    }

    fn finish(&self, job: JobId) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(&job);
        }
    }
}

/// The progress sink of one running pass; dropping it ends the pass's live view.
pub struct JobProgress {
    job: JobId,
    live: Arc<LiveJobs>,
    metrics: Arc<Metrics>,
}

impl Progress for JobProgress {
    fn update(&self, folder: &str, done: u64, total: u64, done_bytes: u64, total_bytes: u64) {
        let Ok(mut jobs) = self.live.jobs.lock() else {
            return;
        };
        let folders = jobs.entry(self.job).or_default();
        let now = FolderProgress {
            done,
            total,
            done_bytes,
            total_bytes,
        };
        // The engine's first report of a folder is what was there already: no copy yet.
        if let Some(before) = folders.insert(folder.to_string(), now) {
            self.metrics.copied(
                done.saturating_sub(before.done),
                done_bytes.saturating_sub(before.done_bytes),
            );
        }
    }
}

impl Drop for JobProgress {
    fn drop(&mut self) {
        self.live.finish(self.job);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::metrics::StoreFigures;

    #[test]
    fn copies_count_what_was_handled_after_the_first_report() {
        let live = Arc::new(LiveJobs::default());
        let metrics = Arc::new(Metrics::default());
        let sink = live.sink(JobId(7), metrics.clone());
        sink.update("INBOX", 4, 10, 400, 1000);
        sink.update("INBOX", 7, 10, 700, 1000);
        sink.update("INBOX", 10, 10, 1000, 1000);
        let folders = live.folders(JobId(7)).expect("running");
        assert_eq!(folders["INBOX"].done, 10);
        let text = metrics.render(&StoreFigures::default());
        assert!(text.contains("mailferry_messages_copied_total 6\n"), "{text}");
        assert!(text.contains("mailferry_bytes_copied_total 600\n"), "{text}");
        drop(sink);
        assert!(live.folders(JobId(7)).is_none(), "gone when the pass ends");
    }
}
