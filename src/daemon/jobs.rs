//! The scheduler and the two passes of each mailbox job.
//!
//! Due jobs run on a bounded worker pool (`workers.max_jobs`), and against one old server only
//! as many as fit in `source.max_connections_per_host` connections (a job holds one per folder
//! it copies at once, `source.folders_at_once`). A job waits for its
//! window (`not_before`) and for staff approval when held. A transient failure retries with
//! exponential backoff and jitter (`[retry]`: up to `job_attempts` tries, counted afresh after
//! an attempt that copied more before it broke); a permanent one fails the job and tells the
//! customer and staff. The first pass ends in `synced` (the reply gives the DNS records); the
//! final pass, after the MX change, ends in `done`, wipes the password and says it is safe to
//! leave.

use super::context::Context;
use super::handles::{JobsHandle, OutboxHandle};
use crate::imapconn::endpoint;
use crate::inbox;
use crate::migrate::pacer::Pacer;
use crate::migrate::{self, Checkpoints, FolderCheckpoint, MailboxPair, MigrateError, MigrationReport, Options};
use crate::model::{Job, JobState};
use crate::observe::metrics::{Pass, PassOutcome};
use crate::reply::compose::{self, render};
use crate::store::Change;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The jobs loop: the shared context, its own pool, its handle (for the copies it runs) and
/// the outbox's (to send the replies a copy's end queues). The other loops reach it through its
/// [`JobsHandle`].
pub(super) struct Jobs {
    ctx: Context,
    handle: JobsHandle,
    outbox: OutboxHandle,
    pool: Pool,
}

/// The jobs loop's own state: the worker pool and the connections in use per old server.
struct Pool {
    /// Connections in use per source host.
    hosts: Mutex<HashMap<String, usize>>,
    /// One permit per copy running.
    workers: Semaphore,
}

impl Pool {
    /// A pool of `max_jobs` workers.
    fn new(max_jobs: usize) -> Pool {
        Pool {
            hosts: Mutex::new(HashMap::new()),
            workers: Semaphore::new(max_jobs),
        }
    }
}

impl Jobs {
    /// The jobs loop, with a pool of `workers.max_jobs`.
    pub(super) fn new(ctx: Context, handle: JobsHandle, outbox: OutboxHandle) -> Jobs {
        let pool = Pool::new(ctx.cfg.workers.max_jobs);
        Jobs {
            ctx,
            handle,
            outbox,
            pool,
        }
    }

    /// Jobs that were copying when the last process stopped run again from their checkpoints
    /// (before any loop starts).
    pub(super) fn recover(&self) -> Result<()> {
        let mut change = Change::new();
        for mut job in self.ctx.store.jobs()? {
            if job.state == JobState::Syncing {
                tracing::info!(ticket = %job.ticket, job = %job.id, mailbox = %job.destination, "resuming a copy interrupted by a restart");
                job.move_to(JobState::Retrying);
                job.not_before = None;
                change.job(&job)?;
                change.event(
                    job.ticket,
                    Some(job.id),
                    self.ctx.clock.now(),
                    "resumed after a restart",
                );
            }
        }
        if !change.is_empty() {
            self.ctx.store.apply(change)?;
        }
        Ok(())
    }

    /// Starts the due jobs whenever woken (or every 2 s) until shutdown, then waits for the
    /// running copies to checkpoint and stop.
    pub(super) async fn run(self: Arc<Self>) -> Result<()> {
        let mut shutdown = self.ctx.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.start_due_jobs()?;
            tokio::select! {
                _ = self.handle.woken() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
        // Running jobs see the shutdown flag, checkpoint and stop; wait for them.
        let _ = self
            .pool
            .workers
            .acquire_many(self.ctx.cfg.workers.max_jobs as u32)
            .await;
        Ok(())
    }

    fn start_due_jobs(self: &Arc<Self>) -> Result<()> {
        let now = self.ctx.clock.now();
        for job in self.ctx.store.jobs()? {
            let runnable = matches!(
                job.state,
                JobState::Received | JobState::Waiting | JobState::Retrying | JobState::FinalSync
            );
            if !runnable || job.held || job.not_before.is_some_and(|t| t > now) {
                continue;
            }
            if self.pool.workers.available_permits() == 0 {
                break;
            }
            let cancel = Arc::new(AtomicBool::new(false));
            {
                if self.handle.is_running(job.id) {
                    continue;
                }
                let mut hosts = self.pool.hosts.lock().map_err(|_| anyhow::anyhow!("lock poisoned"))?;
                let n = hosts.entry(job.source.host.to_ascii_lowercase()).or_default();
                if *n + self.source_connections_per_job() > self.ctx.cfg.source.max_connections_per_host {
                    continue;
                }
                if !self.handle.claim(job.id, cancel.clone())? {
                    continue;
                }
                *n += self.source_connections_per_job();
            }
            let me = self.clone();
            // Every line about this job names its ticket and mailbox.
            let span = tracing::info_span!("job", ticket = %job.ticket, job = %job.id, mailbox = %job.destination);
            tokio::spawn(tracing::Instrument::instrument(
                async move {
                    let id = job.id;
                    let host = job.source.host.to_ascii_lowercase();
                    if let Err(e) = me.run_job(job, cancel).await {
                        tracing::error!(job = %id, error = %format!("{e:#}"), "job bookkeeping failed");
                    }
                    me.handle.release(id);
                    if let Ok(mut h) = me.pool.hosts.lock() {
                        if let Some(n) = h.get_mut(&host) {
                            *n = n.saturating_sub(me.source_connections_per_job());
                        }
                    }
                    me.handle.wake();
                },
                span,
            ));
        }
        Ok(())
    }

    /// Connections one job holds to its old server: one per folder copied at once, never more
    /// than the per-host limit allows.
    fn source_connections_per_job(&self) -> usize {
        let source = &self.ctx.cfg.source;
        source.folders_at_once.clamp(1, source.max_connections_per_host.max(1))
    }

    async fn run_job(self: &Arc<Self>, job: Job, cancel: Arc<AtomicBool>) -> Result<()> {
        let _permit = self.pool.workers.acquire().await.context("worker pool closed")?;
        // Re-read: a command may have changed the job since the scheduler looked.
        let Some(mut job) = self.ctx.store.job(job.id)? else {
            return Ok(());
        };
        if job.state.is_final() || job.held || job.state == JobState::Synced {
            return Ok(());
        }
        let Some(mut ticket) = self.ctx.store.ticket(job.ticket)? else {
            anyhow::bail!("job {} has no ticket", job.id);
        };
        let final_pass = job.final_pass;
        job.move_to(if final_pass {
            JobState::FinalSync
        } else {
            JobState::Syncing
        });
        job.attempts += 1;
        // The first copy's real start, kept to compare with the estimate the customer got.
        if !final_pass && job.actual.started.is_none() {
            job.actual.started = Some(self.ctx.clock.now());
        }
        let mut change = Change::new();
        change.job(&job)?;
        let pass = if final_pass { "final copy" } else { "first copy" };
        change.event(
            job.ticket,
            Some(job.id),
            self.ctx.clock.now(),
            format!("{pass} started (attempt {})", job.attempts),
        );
        self.ctx.store.commit(change).await?;
        crate::failpoint::hit(if final_pass {
            "job.final_pass_started"
        } else {
            "job.first_pass_started"
        });

        let started = std::time::Instant::now();
        let progressed = AtomicBool::new(false);
        let pacer = self.pacer_for(&job);
        let result = self.copy_mailbox(&job, cancel, &progressed, pacer.clone()).await;
        if let Some(p) = &pacer {
            job.pace = p.state();
        }
        let metric_pass = if final_pass { Pass::Final } else { Pass::First };
        // An attempt that moved a folder forward before it broke starts the count of tries
        // afresh: a long copy from a flaky server is not failed for interruptions it survives.
        if progressed.load(Ordering::Relaxed) && matches!(result, Err(MigrateError::Transient(_))) {
            job.attempts = 1;
        }
        // A command (cancel) may have changed the job while it ran.
        if let Some(stored) = self.ctx.store.job(job.id)? {
            if stored.state == JobState::Cancelled {
                tracing::info!(job = %job.id, "cancelled while copying");
                self.ctx
                    .metrics
                    .pass_finished(metric_pass, PassOutcome::Stopped, started.elapsed());
                return Ok(());
            }
        }
        let outcome = match &result {
            Ok(_) => PassOutcome::Done,
            Err(MigrateError::Transient(_)) if job.attempts < self.ctx.cfg.retry.job_attempts => PassOutcome::Retry,
            Err(MigrateError::Transient(_)) | Err(MigrateError::Permanent(_)) => PassOutcome::Failed,
            Err(MigrateError::Cancelled) | Err(MigrateError::Paused { .. }) => PassOutcome::Stopped,
        };
        self.ctx.metrics.pass_finished(metric_pass, outcome, started.elapsed());
        if let Ok(report) = &result {
            self.ctx.metrics.failed_messages(report.total_failed());
        }
        let now = self.ctx.clock.now();
        let mut change = Change::new();
        match result {
            Ok(report) => {
                let text = format!(
                    "{pass} done: {} messages, {} copied, {} failed",
                    report.total_messages(),
                    report.total_copied(),
                    report.total_failed()
                );
                tracing::info!(
                    copied = report.total_copied(),
                    messages = report.total_messages(),
                    "{pass} done"
                );
                job.last_error = None;
                job.attempts = 0;
                job.report = Some(merge_reports(job.report.take(), report.clone(), final_pass));
                if !final_pass && job.actual.ended.is_none() {
                    job.actual.ended = Some(now);
                }
                if final_pass {
                    job.move_to(JobState::Done);
                    self.ctx.store.wipe_secret(&mut change, job.id);
                } else if job.final_wanted {
                    job.final_pass = true;
                    job.move_to(JobState::FinalSync);
                } else {
                    job.move_to(JobState::Synced);
                }
                change.job(&job)?;
                change.event(job.ticket, Some(job.id), now, text);
                let jobs = self.ctx.jobs_with(&ticket, &job)?;
                let rules = self.ctx.rules();
                let words = rules.replies.get(ticket.language);
                let mut folders = compose::folder_lines(job.report.as_ref().unwrap_or(&report), &words.words);
                if let Some(text) = self.import_groupware(&job, &words.words).await {
                    crate::failpoint::hit("job.groupware_imported");
                    folders.push_str(&format!("\n{}\n", words.words.groupware));
                    folders.push_str(&text);
                    change.event(job.ticket, Some(job.id), now, "contacts and calendars imported");
                }
                let body = if final_pass {
                    let all_final = jobs.iter().all(|j| j.state.is_final());
                    all_final.then(|| {
                        let all_folders: String = jobs
                            .iter()
                            .filter_map(|j| {
                                j.report
                                    .as_ref()
                                    .map(|r| format!("{}\n{}", j.destination, compose::folder_lines(r, &words.words)))
                            })
                            .collect::<Vec<_>>()
                            .join("\n");
                        let settings = compose::client_settings(self.ctx.cfg.clients.as_ref(), &words.settings);
                        self.ctx.reply_body(
                            &words.done.text,
                            &ticket,
                            &jobs,
                            &[("folders", &all_folders), ("settings", &settings)],
                        )
                    })
                } else if job.state == JobState::Synced {
                    let dns = self.dns_records(job.mail_domain(), &words.phrases.dns_records_follow);
                    Some(self.ctx.reply_body(
                        &words.first_sync_done.text,
                        &ticket,
                        &jobs,
                        &[("folders", &folders), ("dns", &dns)],
                    ))
                } else {
                    None
                };
                if let Some(body) = body {
                    let last = ticket.thread.references.last().cloned().unwrap_or_default();
                    let reply = self.ctx.outgoing(&ticket, &last, body, "auto-generated")?;
                    self.ctx.queue_reply(&mut change, &mut ticket, reply)?;
                }
            }
            Err(MigrateError::Transient(reason)) if job.attempts < self.ctx.cfg.retry.job_attempts => {
                let delay = inbox::backoff_capped(job.attempts + 2, self.ctx.cfg.retry.max_delay());
                tracing::warn!(%reason, retry_in = ?delay, "copy interrupted; will retry");
                job.move_to(JobState::Retrying);
                job.last_error = Some(reason.clone());
                job.not_before = Some(now + chrono::Duration::from_std(delay).unwrap_or_default());
                change.job(&job)?;
                change.event(
                    job.ticket,
                    Some(job.id),
                    now,
                    format!("copy interrupted, retrying: {reason}"),
                );
            }
            Err(MigrateError::Transient(reason)) | Err(MigrateError::Permanent(reason)) => {
                tracing::warn!(%reason, "copy failed");
                job.move_to(JobState::Failed);
                job.last_error = Some(reason.clone());
                change.job(&job)?;
                change.event(job.ticket, Some(job.id), now, format!("copy failed: {reason}"));
                let jobs = self.ctx.jobs_with(&ticket, &job)?;
                let body = self.ctx.reply_body(
                    &self.ctx.rules().replies.get(ticket.language).failed.text,
                    &ticket,
                    &jobs,
                    &[],
                );
                let last = ticket.thread.references.last().cloned().unwrap_or_default();
                let reply = self.ctx.outgoing(&ticket, &last, body, "auto-replied")?;
                self.ctx.queue_reply(&mut change, &mut ticket, reply)?;
            }
            Err(MigrateError::Paused { until, reason }) => {
                // The old provider's quota is spent: not a failure and not an attempt; the
                // copy goes on from its checkpoints when the provider's window has passed.
                tracing::info!(%until, %reason, "copy paused for the old provider's limits");
                job.attempts = job.attempts.saturating_sub(1);
                job.move_to(JobState::Waiting);
                job.not_before = Some(until);
                change.job(&job)?;
                change.event(
                    job.ticket,
                    Some(job.id),
                    now,
                    format!("{pass} paused for the old provider's limits ({reason}); resumes at {until}"),
                );
            }
            Err(MigrateError::Cancelled) => {
                // Only a shutdown gets here (a customer's cancel was handled above).
                job.move_to(JobState::Retrying);
                job.not_before = None;
                change.job(&job)?;
                change.event(
                    job.ticket,
                    Some(job.id),
                    now,
                    "stopped for a shutdown; resumes at the next start",
                );
            }
        }
        self.ctx.store.commit(change).await?;
        if !final_pass && job.state == JobState::Synced {
            crate::failpoint::hit("job.first_pass_committed");
        }
        self.outbox.wake();
        Ok(())
    }

    /// Imports the job's contact and calendar files (again on the final pass: what is there
    /// already is skipped); the text for the reply, or None when there is nothing to import.
    async fn import_groupware(&self, job: &Job, words: &crate::rules::Words) -> Option<String> {
        let files = match self.ctx.store.groupware(job.id) {
            Ok(f) if !f.is_empty() => f,
            Ok(_) => return None,
            Err(e) => return Some(format!("  could not be read back from our store: {e:#}\n")),
        };
        let target = match migrate::dav::DavTarget::from_config(&self.ctx.cfg) {
            Ok(Some(t)) => t,
            Ok(None) => return None,
            Err(e) => return Some(format!("  not imported: {e:#}\n")),
        };
        let inputs: Vec<_> = files
            .into_iter()
            .map(|(name, data)| migrate::dav::GroupwareFileInput { name, data })
            .collect();
        match migrate::dav::import_groupware(&target, &job.destination, &inputs).await {
            Ok(report) => Some(groupware_lines(&report, words)),
            Err(e) => {
                tracing::warn!(error = %e, "contacts and calendars not imported; will try again with the final copy");
                Some(format!("  not imported yet ({e}); we try again with the final copy\n"))
            }
        }
    }

    /// The DNS records the customer of `domain` must set, from the config.
    pub(super) fn dns_records(&self, domain: &str, none_configured: &str) -> String {
        if self.ctx.cfg.dns.records.is_empty() {
            return format!("  ({none_configured})");
        }
        self.ctx
            .cfg
            .dns
            .records
            .iter()
            .map(|r| format!("    {}", r.replace("{domain}", domain)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The pacing of a copy from `job`'s old server, when the provider table knows limits for
    /// it: going on from the quota the job used in the current window.
    fn pacer_for(&self, job: &Job) -> Option<Arc<Pacer>> {
        let rules = self.ctx.rules();
        let limits = rules.providers.by_imap_host(&job.source.host)?.pace();
        if limits.bytes_per_window.is_none() && limits.max_connections.is_none() {
            return None;
        }
        let sleep_max = Duration::from_secs(self.ctx.cfg.source.pace_sleep_max_seconds);
        Some(Arc::new(Pacer::new(limits, job.pace, sleep_max)))
    }

    async fn copy_mailbox(
        &self,
        job: &Job,
        cancel: Arc<AtomicBool>,
        progressed: &AtomicBool,
        pace: Option<Arc<Pacer>>,
    ) -> Result<MigrationReport, MigrateError> {
        let perm = |e: anyhow::Error| MigrateError::Permanent(format!("{e:#}"));
        let password =
            self.ctx.store.secret(job.id).map_err(perm)?.ok_or_else(|| {
                MigrateError::Permanent("the password is no longer stored; please send it again".into())
            })?;
        let src = &job.source;
        let (source, source_login) =
            endpoint::source(&self.ctx.cfg, &src.host, src.port, src.security, &src.user, password)
                .await
                .map_err(perm)?;
        let (destination, destination_login) = endpoint::destination(&self.ctx.cfg, &job.destination).map_err(perm)?;
        let pair = MailboxPair {
            source,
            source_login,
            destination,
            destination_login,
        };
        let opts = Options {
            cancel: cancel.clone(),
            folders: self.ctx.cfg.folders.clone(),
            // The provider's cap on simultaneous connections per mailbox holds too.
            folder_workers: pace
                .as_ref()
                .and_then(|p| p.limits().max_connections)
                .map_or(self.source_connections_per_job(), |cap| {
                    self.source_connections_per_job().min(cap.max(1))
                }),
            pace,
            ..Options::with_policy(&self.ctx.cfg.source)
        };
        let mut shutdown = self.ctx.shutdown.clone();
        let watcher = tokio::spawn(async move {
            let _ = shutdown.wait_for(|s| *s).await;
            cancel.store(true, Ordering::Relaxed);
        });
        let checkpoints = Advancing {
            inner: self.ctx.store.checkpoints(job.id),
            advanced: progressed,
        };
        let progress = self.ctx.live.sink(job.id, self.ctx.metrics.clone());
        let result = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &progress).await;
        drop(progress);
        watcher.abort();
        result
    }
}

/// The figures customers read: for the final pass, the first pass's copies count too.
fn merge_reports(first: Option<MigrationReport>, latest: MigrationReport, final_pass: bool) -> MigrationReport {
    let Some(first) = first.filter(|_| final_pass) else {
        return latest;
    };
    let mut merged = latest;
    for f in &mut merged.folders {
        if let Some(prev) = first.folders.iter().find(|p| p.destination == f.destination) {
            f.copied += prev.copied;
        }
    }
    merged
}

/// A job's checkpoints, noting whether a folder moved forward (more messages durably copied).
struct Advancing<'a, C> {
    inner: C,
    advanced: &'a AtomicBool,
}

impl<C: Checkpoints> Checkpoints for Advancing<'_, C> {
    fn load(&self, folder: &str) -> Option<FolderCheckpoint> {
        self.inner.load(folder)
    }

    fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> anyhow::Result<()> {
        let before = self.inner.load(folder).map(|c| (c.uidvalidity, c.last_uid));
        let moved = match before {
            Some((v, last)) => v != checkpoint.uidvalidity || checkpoint.last_uid > last,
            None => checkpoint.last_uid > 0,
        };
        self.inner.save(folder, checkpoint)?;
        if moved {
            self.advanced.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// The contacts and calendars of a reply: one detail line per file, then one per object that
/// could not be imported, and why.
fn groupware_lines(report: &migrate::dav::GroupwareReport, w: &crate::rules::Words) -> String {
    let mut out = String::new();
    for f in &report.files {
        let line = render(
            &w.groupware_file,
            &[
                ("file", &f.file),
                ("objects", &f.objects.to_string()),
                ("imported", &f.imported.to_string()),
                ("already", &f.already_there.to_string()),
                ("failed", &f.failed.to_string()),
            ],
        );
        out.push_str(&format!("  {line}\n"));
    }
    for f in &report.files {
        for x in &f.failures {
            let uid = x.uid.as_deref().map(|u| format!(" (UID {u})")).unwrap_or_default();
            out.push_str(&format!(
                "  {}: \u{201c}{}\u{201d}{uid}: {}\n",
                f.file, x.label, x.reason
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Memory(Mutex<HashMap<String, FolderCheckpoint>>);

    impl Checkpoints for &Memory {
        fn load(&self, folder: &str) -> Option<FolderCheckpoint> {
            self.0.lock().ok()?.get(folder).copied()
        }
        fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> anyhow::Result<()> {
            self.0
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .insert(folder.into(), checkpoint);
            Ok(())
        }
    }

    fn cp(uidvalidity: u32, last_uid: u32) -> FolderCheckpoint {
        FolderCheckpoint {
            uidvalidity,
            last_uid,
            ..FolderCheckpoint::default()
        }
    }

    #[test]
    fn only_a_checkpoint_that_moves_forward_counts_as_progress() {
        let memory = Memory::default();
        let flag = AtomicBool::new(false);
        let c = Advancing {
            inner: &memory,
            advanced: &flag,
        };
        c.save("INBOX", cp(7, 0)).unwrap();
        assert!(!flag.load(Ordering::Relaxed), "an empty start is no progress");
        c.save("INBOX", cp(7, 0)).unwrap();
        assert!(!flag.load(Ordering::Relaxed));
        c.save("INBOX", cp(7, 40)).unwrap();
        assert!(flag.load(Ordering::Relaxed), "40 messages further");
        assert_eq!(c.load("INBOX"), Some(cp(7, 40)), "saved through");

        let again = AtomicBool::new(false);
        let c = Advancing {
            inner: &memory,
            advanced: &again,
        };
        c.save("INBOX", cp(7, 40)).unwrap();
        assert!(!again.load(Ordering::Relaxed), "the same place again is no progress");
    }
}
