//! The daemon: turns support mail into tickets, runs mailbox jobs on a bounded worker pool,
//! watches DNS for the MX change and sends replies from the outbox.
//!
//! Order of durability, everywhere: the store is committed and flushed before the side effect
//! it allows (the inbox position moves after a ticket is on disk; a reply is queued in the same
//! batch as the state change that caused it). A customer's password is read from the store only
//! to log in to the old server, and wiped when the job ends.
//!
//! Each loop owns its state in its own struct and talks to the others only through the
//! handles in [`handles`]; what they all read (config, store, rules, clock, metrics) is the
//! [`context`], which no loop can change for another.
//!
//! - the inbox loop ([`requests`], with [`guard`], [`commands`], [`thread`] and [`pending`]): a
//!   support mail → a new ticket, details that complete a ticket's waiting mailboxes, a command
//!   (status, cancel, "DNS changed", template, approve, retry), or nothing; owns the hourly rate
//!   windows;
//! - [`jobs`]: the scheduler and the two passes of each mailbox; owns the worker pool;
//! - [`mxwatch`]: the periodic MX check that starts final copies;
//! - [`outbox`]: sending replies, a copy to Sent, the per-recipient rate limit;
//! - [`outages`]: staff told once about an outage of the servers mailferry needs; owns the
//!   outage tracker, fed by the other loops' sightings;
//! - [`retention`]: failed jobs' passwords wiped after the retention; owns its last sweep;
//! - [`admin`]: the local socket where staff's CLI reaches the running daemon;
//! - [`web`]: the optional HTTP endpoint with /healthz, /metrics and the staff page; owns the
//!   last store probe;
//! - [`handles`]: how the loops talk to each other (wake the jobs or the outbox loop, stop a
//!   running copy, report what a server did).

mod admin;
mod commands;
mod context;
mod eta;
mod guard;
mod handles;
mod jobs;
mod mxwatch;
mod outages;
mod outbox;
mod pending;
mod requests;
mod retention;
mod thread;
mod web;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::inbox;
use crate::reply::send::Mailer;
use crate::rules::Rules;
use crate::store::Store;
use anyhow::{Context as _, Result};
use context::Context;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::watch;

pub use inbox::Disposition;

/// The daemon before and while it runs: the read-only context its loops share, the writing
/// side of the rules cell (only [`Daemon::reload_rules`] replaces the rules), and the mailer
/// the outbox loop takes. Each loop's own state is made in [`Daemon::run`] and owned by it.
pub struct Daemon {
    ctx: Context,
    rules: watch::Sender<Arc<Rules>>,
    mailer: Mailer,
}

impl Daemon {
    /// Opens the store and prepares the mailer; nothing connects yet.
    pub fn new(cfg: Config, shutdown: watch::Receiver<bool>) -> Result<Arc<Daemon>> {
        Self::with_clock(cfg, shutdown, Arc::new(SystemClock))
    }

    /// Like [`Daemon::new`], with a clock of the caller's (tests move time with it).
    pub fn with_clock(cfg: Config, shutdown: watch::Receiver<bool>, clock: Arc<dyn Clock>) -> Result<Arc<Daemon>> {
        let (ctx, rules) = context_for(cfg, shutdown, clock)?;
        let mailer = Mailer::new(&ctx.cfg)?;
        Ok(Arc::new(Daemon { ctx, rules, mailer }))
    }

    /// The rules in force (replaced as a whole by [`Daemon::reload_rules`]).
    pub fn rules(&self) -> Arc<Rules> {
        self.ctx.rules()
    }

    /// Reads the rules again (SIGHUP). A broken rule file is refused with its error and the
    /// rules in force stay. A mail being read keeps the snapshot it started with.
    pub fn reload_rules(&self) -> Result<()> {
        let rules = load_rules(&self.ctx.cfg).context("reloading the rules")?;
        self.rules.send_replace(Arc::new(rules));
        Ok(())
    }

    /// The store (for tests and the admin view).
    pub fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// Runs the loops (inbox, jobs, outbox, MX watch, outages, retention, admin socket, admin
    /// HTTP) until shutdown. Each is made here with its own state and the handles of the
    /// loops it talks to.
    pub async fn run(self: Arc<Self>) -> Result<()> {
        let ctx = self.ctx.clone();
        let jobs_handle = handles::JobsHandle::default();
        let outbox_handle = handles::OutboxHandle::default();
        let (outages_handle, sightings) = handles::OutagesHandle::new(ctx.clock.clone());
        let jobs = jobs::Jobs::new(ctx.clone(), jobs_handle.clone(), outbox_handle.clone());
        jobs.recover()?;
        let http = web::bind(&ctx.cfg).await?;
        let requests = Arc::new(requests::Requests::new(
            ctx.clone(),
            jobs_handle.clone(),
            outbox_handle.clone(),
        ));
        let observer = InboxReport {
            metrics: ctx.metrics.clone(),
            outages: outages_handle.clone(),
        };
        let inbox = tokio::spawn({
            let ctx = ctx.clone();
            async move {
                inbox::watch_observed(
                    ctx.cfg.clone(),
                    ctx.store.clone(),
                    ctx.shutdown.clone(),
                    &observer,
                    move |mail| {
                        let requests = requests.clone();
                        async move { requests.handle_mail(mail).await }
                    },
                )
                .await
            }
        });
        let sched = tokio::spawn(Arc::new(jobs).run());
        let outbox = tokio::spawn(
            outbox::Outbox::new(
                ctx.clone(),
                self.mailer.clone(),
                outbox_handle.clone(),
                outages_handle.clone(),
            )
            .run(),
        );
        let mx = tokio::spawn(mxwatch::MxWatch::new(ctx.clone(), jobs_handle.clone()).run());
        let admin = tokio::spawn(Arc::new(admin::Admin::new(ctx.clone(), jobs_handle.clone())).run());
        let watch = tokio::spawn(outages::Outages::new(ctx.clone(), sightings, outbox_handle.clone()).run());
        let retention = tokio::spawn(retention::Retention::new(ctx.clone()).run());
        let web = tokio::spawn(Arc::new(web::Web::new(ctx.clone(), jobs_handle.clone())).run(http));
        let mut broken = ctx.store.broken();
        tokio::select! {
            all = async { tokio::join!(inbox, sched, outbox, mx, admin, watch, retention, web) } => {
                let (a, b, c, d, e, f, g, h) = all;
                for r in [a, b, c, d, e, f, g, h] {
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
        ctx.store.flush().await?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The rules from the configured folder, with the config's say on private hosts.
fn load_rules(cfg: &Config) -> Result<Rules> {
    let mut rules = Rules::load(cfg.rules_dir.as_deref())?;
    rules.policy.allow_private_hosts = cfg.source.allow_private_addresses;
    Ok(rules)
}

/// Opens the store and loads the rules: the loops' shared context and the rules cell's
/// writing side.
fn context_for(
    cfg: Config,
    shutdown: watch::Receiver<bool>,
    clock: Arc<dyn Clock>,
) -> Result<(Context, watch::Sender<Arc<Rules>>)> {
    let rules = load_rules(&cfg)?;
    let store = Store::open(&cfg.store.path, &cfg.store.key_file)?;
    let (tx, rx) = watch::channel(Arc::new(rules));
    Ok((Context::new(Arc::new(cfg), store, rx, clock, shutdown), tx))
}

/// Distinct values, in first-seen order.
fn dedup<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|i| seen.insert(i.clone())).collect()
}

/// Tells the metrics and the outage loop how the support inbox's connection stands.
struct InboxReport {
    metrics: Arc<crate::observe::metrics::Metrics>,
    outages: handles::OutagesHandle,
}

impl inbox::InboxObserver for InboxReport {
    fn inbox_state(&self, state: inbox::WatchState, error: Option<&str>) {
        inbox::InboxObserver::inbox_state(&*self.metrics, state, error);
        match state {
            inbox::WatchState::Down => self
                .outages
                .report(outages::Service::SupportInbox, Some(error.unwrap_or("unreachable"))),
            inbox::WatchState::Connected => self.outages.report(outages::Service::SupportInbox, None),
            _ => {}
        }
    }

    fn oversize_quarantined(&self) {
        inbox::InboxObserver::oversize_quarantined(&*self.metrics);
    }
}
