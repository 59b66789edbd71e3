//! The daemon: turns support mail into tickets, runs mailbox jobs on a bounded worker pool,
//! watches DNS for the MX change and sends replies from the outbox.
//!
//! Order of durability, everywhere: the store is committed and flushed before the side effect
//! it allows (the inbox position moves after a ticket is on disk; a reply is queued in the same
//! batch as the state change that caused it). A customer's password is read from the store only
//! to log in to the old server, and wiped when the job ends.
//!
//! - [`requests`]: a support mail → a new ticket, more mailboxes on a ticket, or nothing;
//! - [`commands`]: status, cancel, "DNS changed", approve, retry in a ticket's thread;
//! - [`jobs`]: the scheduler and the two passes of each mailbox;
//! - [`mxwatch`]: the periodic MX check that starts final copies;
//! - [`outbox`]: sending replies, a copy to Sent, the per-recipient rate limit;
//! - [`admin`]: the local socket where staff's CLI reaches the running daemon;
//! - [`outages`]: staff told once about an outage of the servers mailferry needs.
//! - [`web`]: the optional HTTP endpoint with /healthz, /metrics and the staff page;
//! - [`handles`]: how the loops talk to each other (wake the jobs or the outbox loop, stop a
//!   running copy); each loop's own state stays private to its module.

mod admin;
mod commands;
mod guard;
mod handles;
mod jobs;
mod mxwatch;
mod outages;
mod outbox;
mod requests;
mod retention;
mod web;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::inbox;
use crate::model::{Job, JobState, OutboxState, OutgoingMail, Ticket, TicketId};
use crate::reply::compose::{self, render};
use crate::reply::send::Mailer;
use crate::rules::Rules;
use crate::store::{Change, Store};
use anyhow::{Context, Result};
use rand::Rng;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

pub use inbox::Disposition;

/// The context the daemon's loops share (config, store, rules, clock, metrics), the handles
/// through which they talk, and each loop's own state in a type private to its module.
pub struct Daemon {
    cfg: Arc<Config>,
    store: Store,
    rules: std::sync::RwLock<Arc<Rules>>,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    /// The jobs loop, as the other loops see it (wake it, stop a copy, count copies).
    jobs: handles::JobsHandle,
    /// The outbox loop, as the other loops see it (wake it).
    outbox: handles::OutboxHandle,
    /// The jobs loop's own state (private to `jobs`).
    pool: jobs::Pool,
    shutdown: watch::Receiver<bool>,
    /// Outages of the support inbox, SMTP, our IMAP and DAV servers going on now.
    outages: Mutex<outages::Tracker>,
    /// Counters and component states for /metrics and /healthz.
    metrics: Arc<crate::observe::metrics::Metrics>,
    /// Per-folder progress of the copies running now.
    live: Arc<crate::observe::live::LiveJobs>,
    /// The last store probe of /healthz (reused for a second, so probes cannot flood the disk).
    store_probe: tokio::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>,
    /// Mails acted on per sender and per thread in the last hour.
    windows: crate::security::limits::Windows,
    /// When failed jobs' secrets were last checked against the retention.
    last_retention_sweep: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
}

impl Daemon {
    /// Opens the store and prepares the mailer; nothing connects yet.
    pub fn new(cfg: Config, shutdown: watch::Receiver<bool>) -> Result<Arc<Daemon>> {
        Self::with_clock(cfg, shutdown, Arc::new(SystemClock))
    }

    /// Like [`Daemon::new`], with a clock of the caller's (tests move time with it).
    pub fn with_clock(cfg: Config, shutdown: watch::Receiver<bool>, clock: Arc<dyn Clock>) -> Result<Arc<Daemon>> {
        let mut rules = Rules::load(cfg.rules_dir.as_deref())?;
        rules.policy.allow_private_hosts = cfg.source.allow_private_addresses;
        let store = Store::open(&cfg.store.path, &cfg.store.key_file)?;
        let mailer = Mailer::new(&cfg)?;
        let pool = jobs::Pool::new(cfg.workers.max_jobs);
        Ok(Arc::new(Daemon {
            cfg: Arc::new(cfg),
            store,
            rules: std::sync::RwLock::new(Arc::new(rules)),
            mailer,
            clock: clock.clone(),
            jobs: handles::JobsHandle::default(),
            outbox: handles::OutboxHandle::default(),
            pool,
            shutdown,
            outages: Mutex::new(outages::Tracker::default()),
            metrics: Arc::new(crate::observe::metrics::Metrics::with_clock(clock.clone())),
            live: Arc::default(),
            store_probe: tokio::sync::Mutex::new(None),
            windows: Default::default(),
            last_retention_sweep: Mutex::new(None),
        }))
    }

    /// The rules in force (replaced as a whole by [`Daemon::reload_rules`]).
    pub fn rules(&self) -> Arc<Rules> {
        match self.rules.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the rules again (SIGHUP). A broken rule file is refused with its error and the
    /// rules in force stay.
    pub fn reload_rules(&self) -> Result<()> {
        let mut rules = Rules::load(self.cfg.rules_dir.as_deref()).context("reloading the rules")?;
        rules.policy.allow_private_hosts = self.cfg.source.allow_private_addresses;
        match self.rules.write() {
            Ok(mut r) => *r = Arc::new(rules),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(rules),
        }
        Ok(())
    }

    /// The store (for tests and the admin view).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs the inbox watcher, the scheduler, the MX watch and the outbox until shutdown.
    pub async fn run(self: Arc<Self>) -> Result<()> {
        self.recover()?;
        let http = self.bind_admin_http().await?;
        let me = self.clone();
        let inbox = tokio::spawn(async move {
            let d = me.clone();
            let observer = InboxReport { daemon: me.clone() };
            inbox::watch_observed(
                me.cfg.clone(),
                me.store.clone(),
                me.shutdown.clone(),
                &observer,
                move |mail| {
                    let d = d.clone();
                    async move { d.handle_mail(mail).await }
                },
            )
            .await
        });
        let sched = tokio::spawn(self.clone().scheduler());
        let outbox = tokio::spawn(self.clone().outbox());
        let mx = tokio::spawn(self.clone().mx_watch());
        let admin = tokio::spawn(self.clone().admin());
        let watch = tokio::spawn(self.clone().outage_watch());
        let web = tokio::spawn(self.clone().admin_http(http));
        let mut broken = self.store.broken();
        tokio::select! {
            (a, b, c, d, e, f, g) = async { tokio::join!(inbox, sched, outbox, mx, admin, watch, web) } => {
                for r in [a, b, c, d, e, f, g] {
                    r.context("a daemon task panicked")??;
                }
            }
            Ok(reason) = broken.wait_for(Option::is_some) => {
                let reason = reason.clone().unwrap_or_default();
                tracing::error!(%reason, "the store cannot be written (disk full or read-only?): mailferry stops \
                    taking mail and exits; unread support mail stays in the inbox. Free space or make the store \
                    writable; on the next start it resumes from what was committed");
                anyhow::bail!("the store cannot be written: {reason}");
            }
        }
        self.store.flush().await?;
        tracing::info!("stopped");
        Ok(())
    }

    /// Jobs that were copying when the last process stopped run again from their checkpoints.
    fn recover(&self) -> Result<()> {
        let mut change = Change::new();
        for mut job in self.store.jobs()? {
            if job.state == JobState::Syncing {
                tracing::info!(ticket = %job.ticket, job = %job.id, mailbox = %job.destination, "resuming a copy interrupted by a restart");
                job.move_to(JobState::Retrying);
                job.not_before = None;
                change.job(&job)?;
                change.event(job.ticket, Some(job.id), self.clock.now(), "resumed after a restart");
            }
        }
        if !change.is_empty() {
            self.store.apply(change)?;
        }
        Ok(())
    }

    fn ticket_jobs(&self, ticket: &Ticket) -> Result<Vec<Job>> {
        let mut jobs = Vec::new();
        for id in &ticket.jobs {
            if let Some(j) = self.store.job(*id)? {
                jobs.push(j);
            }
        }
        Ok(jobs)
    }

    /// The ticket's jobs, with `current` in place of its stored version.
    fn jobs_with(&self, ticket: &Ticket, current: &Job) -> Result<Vec<Job>> {
        Ok(self
            .ticket_jobs(ticket)?
            .into_iter()
            .map(|j| if j.id == current.id { current.clone() } else { j })
            .collect())
    }

    /// Standard placeholders for a ticket's replies.
    fn reply_body(&self, template: &str, ticket: &Ticket, jobs: &[Job], extra: &[(&str, &str)]) -> String {
        let id = ticket.id.to_string();
        let table = compose::mailbox_table(jobs);
        let state = compose::overall_state(jobs);
        let mut vars: Vec<(&str, &str)> = vec![("ticket", &id), ("table", &table), ("state", &state)];
        vars.extend_from_slice(extra);
        render(template, &vars)
    }

    /// A reply in the ticket's thread, answering `in_reply_to`.
    fn outgoing(&self, ticket: &Ticket, in_reply_to: &str, body: String, auto: &str) -> Result<OutgoingMail> {
        let domain = self
            .cfg
            .support
            .address
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        let key = self.store.key();
        let message_id = compose::message_id(ticket.id, rand::thread_rng().gen(), |s| key.token(s), &domain);
        let signature = render(
            &self.rules().replies.signature,
            &[("display_name", &self.cfg.support.display_name)],
        );
        let body = render(&body, &[("signature", &signature)]);
        let mut references = ticket.thread.references.clone();
        if !in_reply_to.is_empty() && !references.iter().any(|r| r == in_reply_to) {
            references.push(in_reply_to.to_string());
        }
        Ok(OutgoingMail {
            id: self.store.next_outbox_id()?,
            ticket: ticket.id,
            to: ticket.thread.customer.clone(),
            cc: self.cfg.support.staff.clone(),
            subject: compose::reply_subject(&ticket.thread.subject, ticket.id),
            body,
            message_id,
            in_reply_to: (!in_reply_to.is_empty()).then(|| in_reply_to.to_string()),
            references,
            auto_submitted: auto.to_string(),
            state: OutboxState::Pending,
            attempts: 0,
            next_try: self.clock.now(),
            last_error: None,
            sent_at: None,
            in_flight: false,
            filed: false,
        })
    }

    /// Queues a reply and records its Message-ID in the thread so the next reply follows it.
    fn queue_reply(&self, change: &mut Change, ticket: &mut Ticket, reply: OutgoingMail) -> Result<()> {
        ticket.thread.references.push(reply.message_id.clone());
        change.ticket(ticket)?;
        change.outgoing(&reply)?;
        Ok(())
    }

    /// The ticket a mail belongs to, by one of our Message-IDs (HMAC checked) that it answers.
    fn thread_ticket(&self, in_reply_to: Option<&str>, references: &[String]) -> Option<TicketId> {
        let key = self.store.key();
        in_reply_to
            .into_iter()
            .chain(references.iter().map(String::as_str))
            .find_map(|id| compose::ticket_from_message_id(id, |s| key.token(s)))
    }

    fn is_staff(&self, addr: &str) -> bool {
        self.cfg.support.staff.iter().any(|s| s.eq_ignore_ascii_case(addr))
    }
}

/// Distinct values, in first-seen order.
fn dedup<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|i| seen.insert(i.clone())).collect()
}

/// Tells the metrics and the outage tracker how the support inbox's connection stands.
struct InboxReport {
    daemon: Arc<Daemon>,
}

impl inbox::InboxObserver for InboxReport {
    fn inbox_state(&self, state: inbox::WatchState, error: Option<&str>) {
        inbox::InboxObserver::inbox_state(&*self.daemon.metrics, state, error);
        match state {
            inbox::WatchState::Down => self
                .daemon
                .outage_status(outages::Service::SupportInbox, Some(error.unwrap_or("unreachable"))),
            inbox::WatchState::Connected => self.daemon.outage_status(outages::Service::SupportInbox, None),
            _ => {}
        }
    }

    fn oversize_quarantined(&self) {
        inbox::InboxObserver::oversize_quarantined(&*self.daemon.metrics);
    }
}
