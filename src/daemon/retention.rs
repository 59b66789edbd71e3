//! How long a failed job keeps its password: `store.secret_retention_days` after it failed,
//! its sealed password, contact/calendar files and checkpoints are wiped (staff can still see
//! the ticket; a retry then needs the password again). A mailbox that has waited for
//! information as long loses what was kept of it the same way (the customer gives it again). A loop of its own: it looks every few
//! seconds and sweeps at most once an hour (by the daemon's clock).

use super::context::Context;
use crate::model::JobState;
use crate::store::Change;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

/// How often the loop looks whether a sweep is due.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The retention loop: the shared context and when it last swept.
pub(super) struct Retention {
    ctx: Context,
    last_sweep: Option<DateTime<Utc>>,
}

impl Retention {
    /// A retention loop that has not swept yet (its first look sweeps).
    pub(super) fn new(ctx: Context) -> Retention {
        Retention { ctx, last_sweep: None }
    }

    /// Sweeps when due, until shutdown.
    pub(super) async fn run(mut self) -> Result<()> {
        let mut shutdown = self.ctx.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            if let Err(e) = self.sweep(false).await {
                tracing::warn!(error = %format!("{e:#}"), "could not apply the secret retention");
            }
            tokio::select! {
                _ = tokio::time::sleep(LOOK_EVERY) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Wipes the sealed data of jobs that failed longer ago than the retention; returns how
    /// many. Runs at most once an hour (`force` runs it now).
    pub(super) async fn sweep(&mut self, force: bool) -> Result<usize> {
        let now = self.ctx.clock.now();
        if !force && self.last_sweep.is_some_and(|t| now - t < Duration::hours(1)) {
            return Ok(0);
        }
        self.last_sweep = Some(now);
        let keep = Duration::days(i64::from(self.ctx.cfg.store.secret_retention_days));
        let mut change = Change::new();
        let mut wiped = 0;
        for job in self.ctx.store.jobs()? {
            let waiting = job.state == JobState::NeedsInfo;
            let kept = self.ctx.store.has_secret(job.id)? || (waiting && self.ctx.store.pending(job.id)?.is_some());
            if !(job.state == JobState::Failed || waiting) || !kept {
                continue;
            }
            // The job's latest event is when it failed (or later, which only keeps it longer).
            let since = self
                .ctx
                .store
                .events(job.ticket)?
                .iter()
                .filter(|e| e.job == Some(job.id))
                .map(|e| e.at)
                .max();
            if since.is_some_and(|t| now - t < keep) {
                continue;
            }
            self.ctx.store.wipe_secret(&mut change, job.id);
            let text = if waiting {
                format!(
                    "waited for information for more than {} days: what was kept of it (password included) is deleted",
                    self.ctx.cfg.store.secret_retention_days
                )
            } else {
                format!(
                    "failed for more than {} days: its stored password and files are deleted; a retry needs the \
                     password again",
                    self.ctx.cfg.store.secret_retention_days
                )
            };
            change.event(job.ticket, Some(job.id), now, text);
            wiped += 1;
        }
        if wiped > 0 {
            self.ctx.store.commit(change).await?;
            tracing::info!(jobs = wiped, "passwords of long-failed jobs deleted");
        }
        Ok(wiped)
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::FixedClock;
    use crate::config::{Config, Security};
    use crate::model::{Job, JobId, JobState, SourceSpec, Thread, Ticket, TicketId};
    use crate::secret::Secret;
    use crate::store::Change;
    use chrono::{Duration, Utc};
    use std::sync::Arc;

    fn job(id: u64, state: JobState) -> Job {
        Job {
            id: JobId(id),
            ticket: TicketId(1),
            source: SourceSpec {
                host: "imap.old.example".into(),
                port: 993,
                security: Security::Tls,
                user: format!("u{id}@old.example"),
                login: Default::default(),
            },
            destination: format!("u{id}@new.example"),
            schedule: None,
            state,
            attempts: 0,
            last_error: None,
            report: None,
            not_before: None,
            email: format!("u{id}@old.example"),
            final_pass: false,
            final_wanted: false,
            held: false,
            found: None,
            found_by: None,
            pace: Default::default(),
            eta: None,
            actual: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_long_failed_job_loses_its_password_and_others_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let text = include_str!("../../mailferry.example.toml")
            .replace(
                "/var/lib/mailferry/store.key",
                &dir.path().join("k").display().to_string(),
            )
            .replace("/var/lib/mailferry/store", &dir.path().join("s").display().to_string())
            .replace(
                "user = \"support@new.example\"\npassword_env = \"MAILFERRY_SMTP_PASSWORD\"\n",
                "",
            );
        let cfg = Config::parse(&text).unwrap();
        let t0 = Utc::now();
        let clock = FixedClock::new(t0);
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let (ctx, _rules) = crate::daemon::context_for(cfg, stopped, Arc::new(clock.clone())).unwrap();
        let store = ctx.store.clone();
        let mut retention = super::Retention::new(ctx);
        let mut change = Change::new();
        let ticket = Ticket {
            id: TicketId(1),
            created: t0,
            thread: Thread {
                customer: "anna@customer.example".into(),
                subject: "move".into(),
                references: vec![],
            },
            jobs: vec![JobId(1), JobId(2), JobId(3), JobId(4)],
            language: crate::model::Language::En,
        };
        change.ticket(&ticket).unwrap();
        for (id, state, failed_days_ago) in [
            (1, JobState::Failed, 15),
            (2, JobState::Failed, 13),
            (3, JobState::Synced, 30),
            (4, JobState::NeedsInfo, 20),
        ] {
            change.job(&job(id, state)).unwrap();
            store.seal_secret(&mut change, JobId(id), &Secret::new("pw")).unwrap();
            change.event(
                TicketId(1),
                Some(JobId(id)),
                t0 - Duration::days(failed_days_ago),
                "copy failed",
            );
        }
        change.pending(JobId(4), &Default::default()).unwrap();
        store.commit(change).await.unwrap();
        assert_eq!(retention.sweep(true).await.unwrap(), 2);
        assert!(store.secret(JobId(4)).unwrap().is_none(), "waited 20 days: wiped");
        assert!(store.pending(JobId(4)).unwrap().is_none(), "with its kept fields");
        assert!(store.secret(JobId(1)).unwrap().is_none(), "failed 15 days ago: wiped");
        assert!(store.secret(JobId(2)).unwrap().is_some(), "failed 13 days ago: kept");
        assert!(store.secret(JobId(3)).unwrap().is_some(), "not failed: kept");
        let events = store.events(TicketId(1)).unwrap();
        assert!(events.iter().any(|e| e.text.contains("failed for more than 14 days")));
        assert!(events
            .iter()
            .any(|e| e.text.contains("waited for information for more than 14 days")));
        // Once an hour only, unless forced.
        clock.set(t0 + Duration::days(2));
        assert_eq!(retention.sweep(false).await.unwrap(), 1, "job 2 is now 15 days failed");
        clock.set(t0 + Duration::days(2) + Duration::minutes(30));
        assert_eq!(retention.sweep(false).await.unwrap(), 0);
    }
}
