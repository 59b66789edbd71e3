//! The periodic MX check: when every MX record of a customer's domain points to one of our
//! MX hosts, the synced mailboxes of that domain start their final copy.

use super::context::Context;
use super::handles::JobsHandle;
use crate::dns;
use crate::model::JobState;
use crate::store::Change;
use anyhow::Result;
use std::collections::BTreeMap;
use std::time::Duration;

/// The MX watch: the shared context and the jobs loop's handle (to wake it for a final copy).
/// Whether staff were told that the check fails is the loop's own, kept in [`MxWatch::run`].
pub(super) struct MxWatch {
    ctx: Context,
    jobs: JobsHandle,
}

impl MxWatch {
    /// The MX watch, waking `jobs` when a domain's MX points to us.
    pub(super) fn new(ctx: Context, jobs: JobsHandle) -> MxWatch {
        MxWatch { ctx, jobs }
    }

    /// Checks the synced mailboxes' domains every `dns.check_seconds`, until shutdown.
    pub(super) async fn run(self) -> Result<()> {
        let mut shutdown = self.ctx.shutdown.clone();
        if self.ctx.cfg.dns.mx_hosts.is_empty() {
            tracing::info!("dns.mx_hosts is empty: final copies start only on \"DNS changed\" or staff's word");
            let _ = shutdown.wait_for(|s| *s).await;
            return Ok(());
        }
        let resolver = dns::Resolver::from_config(self.ctx.cfg.dns.resolver.as_deref(), Duration::from_secs(3))?;
        let mut outage_told = false;
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            match self.check_domains(&resolver).await {
                Ok(()) => outage_told = false,
                Err(e) if !outage_told => {
                    tracing::warn!(error = %format!("{e:#}"), "MX check failed; will try again");
                    outage_told = true;
                }
                Err(_) => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(self.ctx.cfg.dns.check_seconds.max(1))) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn check_domains(&self, resolver: &dns::Resolver) -> Result<()> {
        let mut by_domain: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for job in self.ctx.store.jobs()? {
            if job.state == JobState::Synced {
                by_domain
                    .entry(job.mail_domain().to_ascii_lowercase())
                    .or_default()
                    .push(job);
            }
        }
        for (domain, jobs) in by_domain {
            let mx = resolver.mx(&domain).await?;
            let ours = !mx.is_empty()
                && mx.iter().all(|m| {
                    self.ctx
                        .cfg
                        .dns
                        .mx_hosts
                        .iter()
                        .any(|h| h.trim_end_matches('.').eq_ignore_ascii_case(&m.exchange))
                });
            if !ours {
                continue;
            }
            tracing::info!(%domain, "MX points to us: final copies start");
            let now = self.ctx.clock.now();
            let mut change = Change::new();
            for mut job in jobs {
                job.final_pass = true;
                if job.move_to(JobState::FinalSync) {
                    change.job(&job)?;
                    change.event(
                        job.ticket,
                        Some(job.id),
                        now,
                        format!("MX of {domain} points to us; final copy queued"),
                    );
                }
            }
            self.ctx.store.commit(change).await?;
            self.jobs.wake();
        }
        Ok(())
    }
}
