//! The daemon: turns support mail into tickets, runs mailbox jobs on a bounded worker pool and
//! sends replies from the outbox.
//!
//! Order of durability, everywhere: the store is committed and flushed before the side effect
//! it allows (the inbox position moves after a ticket is on disk; a reply leaves the outbox only
//! after it was queued with the state change that caused it). A customer's password is read
//! from the store only to log in to the old server, and wiped when the job ends.

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Security};
use crate::imapconn::{Credentials, Endpoint};
use crate::inbox::{self, IncomingMail};
use crate::intake::{self, FieldError, Kind, MailboxRequest, ParsedMail};
use crate::migrate::{self, MailboxPair, MigrateError, Options};
use crate::model::{Job, JobId, JobState, OutboxState, OutgoingMail, SourceSpec, Thread, Ticket, TicketId};
use crate::reply::compose::{self, render};
use crate::reply::send::{Mailer, SendError, LOOP_HEADER};
use crate::rules::Rules;
use crate::store::{Change, Store};
use crate::validate;
use anyhow::{Context, Result};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// How many times a transient failure is retried before the job fails.
const MAX_ATTEMPTS: u32 = 6;

/// Everything the daemon's tasks share.
pub struct Daemon {
    cfg: Arc<Config>,
    store: Store,
    rules: Arc<Rules>,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    jobs_wake: Notify,
    outbox_wake: Notify,
    running: Mutex<HashSet<JobId>>,
    workers: Semaphore,
    shutdown: watch::Receiver<bool>,
}

impl Daemon {
    /// Opens the store and prepares the mailer; nothing connects yet.
    pub fn new(cfg: Config, shutdown: watch::Receiver<bool>) -> Result<Arc<Daemon>> {
        let mut rules = Rules::load(cfg.rules_dir.as_deref())?;
        rules.policy.allow_private_hosts = cfg.source.allow_private_addresses;
        let store = Store::open(&cfg.store.path, &cfg.store.key_file)?;
        let mailer = Mailer::new(&cfg)?;
        let workers = Semaphore::new(cfg.workers.max_jobs);
        Ok(Arc::new(Daemon {
            cfg: Arc::new(cfg),
            store,
            rules: Arc::new(rules),
            mailer,
            clock: Arc::new(SystemClock),
            jobs_wake: Notify::new(),
            outbox_wake: Notify::new(),
            running: Mutex::new(HashSet::new()),
            workers,
            shutdown,
        }))
    }

    /// Runs the inbox watcher, the scheduler and the outbox until shutdown.
    pub async fn run(self: Arc<Self>) -> Result<()> {
        // Jobs that were running when the last process stopped start again from their checkpoints.
        self.recover()?;
        let me = self.clone();
        let inbox = tokio::spawn(async move {
            let d = me.clone();
            inbox::watch(me.cfg.clone(), me.store.clone(), me.shutdown.clone(), move |mail| {
                let d = d.clone();
                async move { d.handle_mail(mail).await }
            })
            .await
        });
        let sched = tokio::spawn(self.clone().scheduler());
        let outbox = tokio::spawn(self.clone().outbox());
        let (a, b, c) = tokio::join!(inbox, sched, outbox);
        for r in [a, b, c] {
            r.context("a daemon task panicked")??;
        }
        self.store.flush().await?;
        tracing::info!("stopped");
        Ok(())
    }

    fn recover(&self) -> Result<()> {
        let mut change = Change::new();
        for mut job in self.store.jobs()? {
            if matches!(job.state, JobState::Syncing | JobState::FinalSync) {
                tracing::info!(job = %job.id, "resuming a job interrupted by a restart");
                job.state = JobState::Retrying;
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

    /// Reads one support mail and makes its outcome durable.
    pub async fn handle_mail(&self, mail: IncomingMail) -> Result<()> {
        let parsed = validate::with_offline_errors(
            intake::parse_mail(&mail.raw, &self.rules),
            &self.rules.policy,
            self.clock.now(),
        );
        let msgid = parsed
            .meta
            .message_id
            .clone()
            .unwrap_or_else(|| format!("sha256-{:x}", Sha256::digest(&mail.raw)));
        if let Some(outcome) = self.store.handled(&msgid)? {
            tracing::debug!(uid = mail.uid, outcome, "already handled");
            return Ok(());
        }
        if is_our_own(&mail.raw) || parsed.meta.from.as_deref() == Some(self.cfg.support.address.as_str()) {
            let mut change = Change::new();
            change.handled(&msgid, "ignored: our own mail");
            return self.store.commit(change).await;
        }
        match parsed.kind {
            Kind::Request => self.open_ticket(&parsed, &msgid).await?,
            Kind::Command | Kind::Ignored => {
                tracing::info!(uid = mail.uid, kind = ?parsed.kind, reason = ?parsed.reason, "not a new request; left for staff");
                let mut change = Change::new();
                change.handled(&msgid, "ignored");
                self.store.commit(change).await?;
            }
        }
        Ok(())
    }

    async fn open_ticket(&self, parsed: &ParsedMail, msgid: &str) -> Result<()> {
        let now = self.clock.now();
        let Some(customer) = parsed.meta.reply_to.clone() else {
            tracing::warn!("request without a sender address; left for staff");
            let mut change = Change::new();
            change.handled(msgid, "ignored: no sender");
            return self.store.commit(change).await;
        };
        let ticket_id = self.store.next_ticket_id()?;
        let mut references = parsed.meta.references.clone();
        references.push(msgid.to_string());
        let thread = Thread {
            customer: customer.clone(),
            subject: parsed.meta.subject.clone(),
            references,
        };
        let mut change = Change::new();
        let mut jobs = Vec::new();
        let mut problems: Vec<String> = parsed.errors.iter().map(describe_error).collect();
        let mut seen = HashSet::new();
        for m in &parsed.mailboxes {
            if !seen.insert(m.email.clone()) {
                continue; // a duplicate row; validation already says so
            }
            match self.job_from_request(m, ticket_id, now) {
                Ok((job, password)) => {
                    self.store.seal_secret(&mut change, job.id, &password)?;
                    change.job(&job)?;
                    change.event(
                        ticket_id,
                        Some(job.id),
                        now,
                        format!("mailbox {} accepted", job.destination),
                    );
                    jobs.push(job);
                }
                Err(p) => problems.extend(
                    p.iter()
                        .map(describe_error)
                        .filter(|l| !problems.contains(l))
                        .collect::<Vec<_>>(),
                ),
            }
        }
        let ticket = Ticket {
            id: ticket_id,
            created: now,
            thread,
            jobs: jobs.iter().map(|j| j.id).collect(),
        };
        change.ticket(&ticket)?;
        change.event(
            ticket_id,
            None,
            now,
            format!("request from {customer} with {} mailbox(es)", jobs.len()),
        );
        let reply = if jobs.is_empty() {
            let body = render(
                &self.rules.replies.needs_info.text,
                &[("ticket", &ticket_id.to_string()), ("problems", &problems.join("\n"))],
            );
            self.outgoing(&ticket, msgid, body, "auto-replied")?
        } else {
            let problems_block = if problems.is_empty() {
                String::new()
            } else {
                format!(
                    "\nThese entries could not be accepted; please reply with corrections:\n{}\n",
                    problems.join("\n")
                )
            };
            let body = render(
                &self.rules.replies.acknowledgement.text,
                &[
                    ("ticket", &ticket_id.to_string()),
                    ("table", &compose::mailbox_table(&jobs)),
                    ("state", &compose::overall_state(&jobs)),
                    ("problems_block", &problems_block),
                ],
            );
            self.outgoing(&ticket, msgid, body, "auto-replied")?
        };
        change.outgoing(&reply)?;
        change.event(ticket_id, None, now, "acknowledgement queued");
        change.handled(msgid, &ticket_id.to_string());
        self.store.commit(change).await?;
        tracing::info!(ticket = %ticket_id, mailboxes = jobs.len(), problems = problems.len(), "ticket opened");
        self.outbox_wake.notify_one();
        self.jobs_wake.notify_one();
        Ok(())
    }

    fn job_from_request(
        &self,
        m: &MailboxRequest,
        ticket: TicketId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Job, crate::secret::Secret), Vec<FieldError>> {
        let mut problems = validate::mailbox_problems(m, &self.rules.policy, now);
        let destination = m
            .destination
            .clone()
            .unwrap_or_else(|| m.email.clone())
            .to_ascii_lowercase();
        let dest_domain = destination
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        if !self
            .cfg
            .destination
            .domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&dest_domain))
        {
            problems.push(FieldError {
                row: m.row,
                field: "destination".into(),
                message: format!(
                    "{destination} is not in a domain we host ({}); give the new address on our side",
                    self.cfg.destination.domains.join(", ")
                ),
            });
        }
        let (Some(password), Some(host), true) = (m.password.clone(), m.source_host.clone(), problems.is_empty())
        else {
            return Err(problems);
        };
        let security = m.source_security.unwrap_or(match m.source_port {
            Some(143) => Security::Starttls,
            _ => Security::Tls,
        });
        let id = self.store.next_job_id().map_err(|e| {
            vec![FieldError {
                row: m.row,
                field: "email".into(),
                message: format!("could not be stored ({e}); support staff will look into it"),
            }]
        })?;
        let job = Job {
            id,
            ticket,
            source: SourceSpec {
                host,
                port: m.source_port.unwrap_or(security.default_imap_port()),
                security,
                user: m.source_user.clone().unwrap_or_else(|| m.email.clone()),
            },
            destination,
            schedule: m.schedule,
            state: JobState::Received,
            attempts: 0,
            last_error: None,
            report: None,
            not_before: m.schedule,
        };
        Ok((job, password))
    }

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
            &self.rules.replies.signature,
            &[("display_name", &self.cfg.support.display_name)],
        );
        let body = render(&body, &[("signature", &signature)]);
        Ok(OutgoingMail {
            id: self.store.next_outbox_id()?,
            ticket: ticket.id,
            to: ticket.thread.customer.clone(),
            cc: self.cfg.support.staff.clone(),
            subject: compose::reply_subject(&ticket.thread.subject, ticket.id),
            body,
            message_id,
            in_reply_to: Some(in_reply_to.to_string()),
            references: ticket.thread.references.clone(),
            auto_submitted: auto.to_string(),
            state: OutboxState::Pending,
            attempts: 0,
            next_try: self.clock.now(),
            last_error: None,
        })
    }

    async fn scheduler(self: Arc<Self>) -> Result<()> {
        let mut shutdown = self.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = self.clock.now();
            for job in self.store.jobs()? {
                let due = matches!(job.state, JobState::Received | JobState::Waiting | JobState::Retrying)
                    && job.not_before.is_none_or(|t| t <= now);
                if !due {
                    continue;
                }
                let fresh = self.running.lock().map(|mut r| r.insert(job.id)).unwrap_or(false);
                if !fresh {
                    continue;
                }
                let me = self.clone();
                tokio::spawn(async move {
                    let id = job.id;
                    if let Err(e) = me.clone().run_job(job).await {
                        tracing::error!(job = %id, error = %format!("{e:#}"), "job bookkeeping failed");
                    }
                    if let Ok(mut r) = me.running.lock() {
                        r.remove(&id);
                    }
                    me.jobs_wake.notify_one();
                });
            }
            tokio::select! {
                _ = self.jobs_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = shutdown.changed() => {}
            }
        }
        // Let running jobs reach a checkpoint.
        let _ = self.workers.acquire_many(self.cfg.workers.max_jobs as u32).await;
        Ok(())
    }

    async fn run_job(self: Arc<Self>, mut job: Job) -> Result<()> {
        let _permit = self.workers.acquire().await.context("worker pool closed")?;
        let Some(ticket) = self.store.ticket(job.ticket)? else {
            anyhow::bail!("job {} has no ticket", job.id);
        };
        job.state = JobState::Syncing;
        job.attempts += 1;
        let mut change = Change::new();
        change.job(&job)?;
        change.event(
            job.ticket,
            Some(job.id),
            self.clock.now(),
            format!("copy started (attempt {})", job.attempts),
        );
        self.store.commit(change).await?;

        let span = tracing::info_span!("job", ticket = %job.ticket, job = %job.id, mailbox = %job.destination);
        let _enter = span.enter();
        let result = self.copy_mailbox(&job).await;
        let now = self.clock.now();
        let mut change = Change::new();
        match result {
            Ok(report) => {
                tracing::info!(
                    copied = report.total_copied(),
                    messages = report.total_messages(),
                    "first copy done"
                );
                job.state = JobState::Synced;
                job.last_error = None;
                job.report = Some(report.clone());
                change.job(&job)?;
                change.event(
                    job.ticket,
                    Some(job.id),
                    now,
                    format!(
                        "first copy done: {} messages, {} copied, {} failed",
                        report.total_messages(),
                        report.total_copied(),
                        report.total_failed()
                    ),
                );
                let jobs = self.ticket_jobs(&ticket, &job)?;
                let body = render(
                    &self.rules.replies.first_sync_done.text,
                    &[
                        ("ticket", &ticket.id.to_string()),
                        ("table", &compose::mailbox_table(&jobs)),
                        ("folders", &compose::folder_table(&report)),
                        ("state", &compose::overall_state(&jobs)),
                    ],
                );
                let last = ticket.thread.references.last().cloned().unwrap_or_default();
                change.outgoing(&self.outgoing(&ticket, &last, body, "auto-generated")?)?;
            }
            Err(MigrateError::Transient(reason)) if job.attempts < MAX_ATTEMPTS => {
                let delay = inbox::backoff(job.attempts + 2);
                tracing::warn!(%reason, retry_in = ?delay, "copy interrupted; will retry");
                job.state = JobState::Retrying;
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
                job.state = JobState::Failed;
                job.last_error = Some(reason.clone());
                change.job(&job)?;
                change.event(job.ticket, Some(job.id), now, format!("copy failed: {reason}"));
                let jobs = self.ticket_jobs(&ticket, &job)?;
                let body = render(
                    &self.rules.replies.failed.text,
                    &[
                        ("ticket", &ticket.id.to_string()),
                        ("table", &compose::mailbox_table(&jobs)),
                    ],
                );
                let last = ticket.thread.references.last().cloned().unwrap_or_default();
                change.outgoing(&self.outgoing(&ticket, &last, body, "auto-replied")?)?;
            }
            Err(MigrateError::Cancelled) => {
                if *self.shutdown.borrow() {
                    job.state = JobState::Retrying;
                    job.not_before = None;
                    change.job(&job)?;
                    change.event(
                        job.ticket,
                        Some(job.id),
                        now,
                        "stopped for a shutdown; resumes at the next start",
                    );
                } else {
                    job.state = JobState::Cancelled;
                    self.store.wipe_secret(&mut change, job.id);
                    change.job(&job)?;
                    change.event(job.ticket, Some(job.id), now, "cancelled");
                }
            }
        }
        self.store.commit(change).await?;
        self.outbox_wake.notify_one();
        Ok(())
    }

    fn ticket_jobs(&self, ticket: &Ticket, current: &Job) -> Result<Vec<Job>> {
        let mut jobs = Vec::new();
        for id in &ticket.jobs {
            if *id == current.id {
                jobs.push(current.clone());
            } else if let Some(j) = self.store.job(*id)? {
                jobs.push(j);
            }
        }
        Ok(jobs)
    }

    async fn copy_mailbox(&self, job: &Job) -> Result<migrate::MigrationReport, MigrateError> {
        let perm = |e: anyhow::Error| MigrateError::Permanent(format!("{e:#}"));
        let password =
            self.store.secret(job.id).map_err(perm)?.ok_or_else(|| {
                MigrateError::Permanent("the password is no longer stored; please send it again".into())
            })?;
        let src = &job.source;
        let addrs = crate::net::resolve_checked(&src.host, src.port, self.cfg.source.allow_private_addresses)
            .await
            .map_err(|e| MigrateError::Permanent(format!("{e:#}")))?;
        let source = Endpoint {
            host: src.host.clone(),
            port: src.port,
            security: src.security,
            addrs,
            tls: crate::net::tls_config(
                self.cfg.tls.extra_ca_file.as_deref(),
                self.cfg.source.accept_invalid_certs,
            )
            .map_err(perm)?,
        };
        let (destination, destination_login) = destination_endpoint(&self.cfg, &job.destination).map_err(perm)?;
        let pair = MailboxPair {
            source,
            source_login: Credentials::User {
                user: src.user.clone(),
                password,
            },
            destination,
            destination_login,
        };
        let opts = Options {
            connections: self.cfg.source.max_connections_per_host,
            ..Options::default()
        };
        let cancel = opts.cancel.clone();
        let mut shutdown = self.shutdown.clone();
        let watcher = tokio::spawn(async move {
            let _ = shutdown.wait_for(|s| *s).await;
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let checkpoints = self.store.checkpoints(job.id);
        let result = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &migrate::NoProgress).await;
        watcher.abort();
        result
    }

    async fn outbox(self: Arc<Self>) -> Result<()> {
        let mut shutdown = self.shutdown.clone();
        let mut told_staff = false;
        loop {
            let now = self.clock.now();
            for mut m in self.store.outbox_pending()? {
                if m.next_try > now {
                    continue;
                }
                m.attempts += 1;
                let result = self.mailer.send(&m).await;
                let mut change = Change::new();
                match result {
                    Ok(()) => {
                        m.state = OutboxState::Sent;
                        m.last_error = None;
                        change.event(m.ticket, None, self.clock.now(), format!("reply sent: {}", m.subject));
                        told_staff = false;
                    }
                    Err(SendError::Transient(e)) => {
                        if !told_staff {
                            tracing::warn!(error = %e, "SMTP unavailable; replies wait in the outbox");
                            told_staff = true;
                        }
                        m.last_error = Some(e);
                        let delay = inbox::backoff(m.attempts.min(6) + 1);
                        m.next_try = self.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
                    }
                    Err(SendError::Permanent(e)) => {
                        tracing::error!(ticket = %m.ticket, error = %e, "reply refused for good");
                        m.state = OutboxState::Failed;
                        change.event(m.ticket, None, self.clock.now(), format!("reply refused: {e}"));
                        m.last_error = Some(e);
                    }
                }
                change.outgoing(&m)?;
                self.store.commit(change).await?;
                if m.state == OutboxState::Pending {
                    break;
                }
            }
            if *shutdown.borrow() {
                return Ok(());
            }
            tokio::select! {
                _ = self.outbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// The destination endpoint and the admin login acting for `mailbox`.
pub fn destination_endpoint(cfg: &Config, mailbox: &str) -> Result<(Endpoint, Credentials)> {
    let d = &cfg.destination;
    let ep = Endpoint {
        host: d.imap.host.clone(),
        port: d.imap.port(),
        security: d.imap.security,
        addrs: Vec::new(),
        tls: crate::net::tls_config(cfg.tls.extra_ca_file.as_deref(), false)?,
    };
    let creds = Credentials::Admin {
        user: mailbox.to_string(),
        admin: d.admin_user.clone(),
        password: d.password.resolve("destination")?,
        style: d.login,
        separator: d.master_separator.clone(),
    };
    Ok((ep, creds))
}

fn is_our_own(raw: &[u8]) -> bool {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len().min(64 * 1024));
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    head.lines()
        .any(|l| l.starts_with(&format!("{}:", LOOP_HEADER.to_ascii_lowercase())))
}

/// One problem as a line of a reply: where (CSV row or the mail's text), which field, what to do.
fn describe_error(e: &FieldError) -> String {
    match e.row {
        Some(r) => format!("- CSV row {r}, {}: {}", e.field, e.message),
        None => format!("- {}: {}", e.field, e.message),
    }
}

/// Whether a string looks like a ticket tag; used by the CLI.
pub fn parse_ticket(s: &str) -> Option<TicketId> {
    TicketId::parse(s)
}
