//! Sending replies from the outbox: in order, each once; a 4xx or a lost connection waits and
//! retries with backoff, a 5xx fails that reply (staff see it in the ticket's log). A copy of
//! each sent reply is appended to the support mailbox's Sent folder. A per-recipient hourly
//! cap stops any mail loop; staff hear about an SMTP outage once, customers never.
//!
//! Up to `smtp.connections` replies are sent at once, in rounds: a round holds at most one
//! reply per ticket and per recipient, so one thread's replies never overtake each other.
//!
//! Crashes: an entry is marked in flight (committed) before the SMTP transaction and its
//! outcome is committed after it. SMTP cannot say afterwards whether a message was accepted,
//! so an entry found in flight after a crash is sent again with the same Message-ID (what
//! collapses duplicates by Message-ID shows one) and the ticket's log says so: replies are
//! at least once, and twice only when the process died in that very window. The Sent copy is
//! exactly once: it is written after the send, recorded as filed, and looked up by Message-ID
//! before it is written again.

use super::context::Context;
use super::handles::{OutagesHandle, OutboxHandle};
use super::outages::{Service, NO_TICKET};
use crate::imapconn::{self, Session};
use crate::inbox;
use crate::model::{OutboxState, OutgoingMail, TicketId};
use crate::reply::send::{Mailer, SendError};
use crate::store::Change;
use anyhow::{Context as _, Result};
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The outbox loop: the shared context, the mailer, its own handle (to be woken) and the
/// outage loop's (to say how SMTP answers). The Sent folder's session and what staff were told
/// of SMTP and filing are the loop's own, kept in [`Outbox::run`].
pub(super) struct Outbox {
    ctx: Context,
    mailer: Mailer,
    handle: OutboxHandle,
    outages: OutagesHandle,
}

impl Outbox {
    /// The outbox loop over `mailer`.
    pub(super) fn new(ctx: Context, mailer: Mailer, handle: OutboxHandle, outages: OutagesHandle) -> Outbox {
        Outbox {
            ctx,
            mailer,
            handle,
            outages,
        }
    }

    /// Sends what is due, files copies in Sent, and waits for a wake-up or 2 s, until shutdown.
    pub(super) async fn run(self) -> Result<()> {
        let mut shutdown = self.ctx.shutdown.clone();
        let outage_told = AtomicBool::new(false);
        let mut filing_told = false;
        let mut sent_folder: Option<Session> = None;
        loop {
            // Rounds of sends over up to `smtp.connections` connections at once. A ticket has
            // at most one reply in a round, so its next reply goes out only after SMTP
            // accepted the one before; a recipient too, so the hourly cap is counted right.
            loop {
                let batch = self.next_round()?;
                if batch.is_empty() {
                    break;
                }
                let width = self.ctx.cfg.smtp.connections.max(1);
                let results: Vec<Result<bool>> = futures::stream::iter(batch)
                    .map(|m| self.send_one(m, &outage_told))
                    .buffer_unordered(width)
                    .collect()
                    .await;
                let mut smtp_down = false;
                for r in results {
                    smtp_down |= r?;
                }
                if smtp_down {
                    break; // SMTP is down: keep the order, try again later
                }
            }
            // Copies in Sent, for what was sent (now or before a crash).
            for mut m in self.ctx.store.outbox_unfiled()? {
                crate::failpoint::hit("outbox.recorded_unfiled");
                match self.copy_to_sent(&mut sent_folder, &m).await {
                    Ok(()) => {
                        m.filed = true;
                        let mut change = Change::new();
                        change.outgoing(&m)?;
                        self.ctx.store.commit(change).await?;
                        if filing_told {
                            tracing::info!("copies of replies are filed in Sent again");
                            filing_told = false;
                        }
                    }
                    Err(e) => {
                        if !filing_told {
                            tracing::warn!(error = %format!("{e:#}"), "cannot file copies of replies in the support mailbox's Sent folder; will try again");
                            filing_told = true;
                        }
                        break;
                    }
                }
            }
            if *shutdown.borrow() {
                if let Some(mut s) = sent_folder.take() {
                    let _ = s.logout().await;
                }
                return Ok(());
            }
            tokio::select! {
                _ = self.handle.woken() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// The replies due now that may go out together: the first waiting reply of each ticket
    /// (none for a ticket whose earlier reply waits for its next try) and one per recipient.
    /// Replies held by the rate limit are marked failed here.
    fn next_round(&self) -> Result<Vec<OutgoingMail>> {
        let now = self.ctx.clock.now();
        let mut behind: HashSet<TicketId> = HashSet::new();
        let mut recipients: HashSet<String> = HashSet::new();
        let mut batch = Vec::new();
        for m in self.ctx.store.outbox_pending()? {
            let threaded = m.ticket != NO_TICKET;
            if threaded && !behind.insert(m.ticket) {
                continue;
            }
            if m.next_try > now || !recipients.insert(m.to.clone()) {
                continue;
            }
            batch.push(m);
        }
        Ok(batch)
    }

    /// Sends one reply: holds it if over the rate limit, marks it in flight, hands it to SMTP
    /// and records the outcome. True when SMTP is unavailable (the reply waits).
    async fn send_one(&self, mut m: OutgoingMail, outage_told: &AtomicBool) -> Result<bool> {
        let now = self.ctx.clock.now();
        let mut change = Change::new();
        if self.over_rate_limit(&m)? {
            tracing::error!(ticket = %m.ticket, to = %m.to, "reply held: too many replies to this address in an hour");
            m.state = OutboxState::Failed;
            m.last_error = Some("held by the per-recipient rate limit (a mail loop?)".into());
            ticket_event(
                &mut change,
                &m,
                now,
                format!("reply to {} held by the rate limit; staff please check", m.to),
            );
            change.outgoing(&m)?;
            self.ctx.store.commit(change).await?;
            self.ctx.metrics.reply_failed(false);
            return Ok(false);
        }
        if m.in_flight {
            tracing::warn!(ticket = %m.ticket, message_id = %m.message_id,
                "a reply was being sent when mailferry stopped; sending it again with the same Message-ID");
            ticket_event(
                &mut change,
                &m,
                now,
                format!(
                    "reply <{}> was being handed to SMTP when mailferry stopped; sent again with the same \
                     Message-ID (the customer may receive it twice)",
                    m.message_id
                ),
            );
        }
        m.attempts += 1;
        m.in_flight = true;
        change.outgoing(&m)?;
        self.ctx.store.commit(change).await?;
        let mut change = Change::new();
        crate::failpoint::hit("outbox.before_send");
        match self.mailer.send(&m).await {
            Ok(()) => {
                crate::failpoint::hit("outbox.sent_unrecorded");
                self.ctx.metrics.reply_sent();
                m.state = OutboxState::Sent;
                m.last_error = None;
                m.sent_at = Some(self.ctx.clock.now());
                ticket_event(
                    &mut change,
                    &m,
                    self.ctx.clock.now(),
                    format!("reply sent: {}", m.subject),
                );
                self.outages.report(Service::Smtp, None);
                if outage_told.swap(false, Ordering::Relaxed) {
                    tracing::info!("SMTP is back; the outbox is moving again");
                }
            }
            Err(SendError::Transient(e)) => {
                self.outages.report(Service::Smtp, Some(&e));
                self.ctx.metrics.smtp_error(&e);
                if !outage_told.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "SMTP unavailable; replies wait in the outbox");
                }
                m.last_error = Some(e);
                let delay = inbox::backoff_capped(m.attempts.min(6) + 1, self.ctx.cfg.retry.max_delay());
                m.next_try = self.ctx.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
            }
            Err(SendError::Permanent(e)) => {
                self.ctx.metrics.reply_failed(true);
                tracing::error!(ticket = %m.ticket, error = %e, "reply refused for good");
                self.outages.report(Service::Smtp, None);
                m.state = OutboxState::Failed;
                ticket_event(
                    &mut change,
                    &m,
                    self.ctx.clock.now(),
                    format!("reply refused by SMTP: {e}"),
                );
                m.last_error = Some(e);
            }
        }
        m.in_flight = false;
        change.outgoing(&m)?;
        self.ctx.store.commit(change).await?;
        Ok(m.state == OutboxState::Pending)
    }

    fn over_rate_limit(&self, m: &OutgoingMail) -> Result<bool> {
        let hour_ago = self.ctx.clock.now() - chrono::Duration::hours(1);
        let recent = self.ctx.store.outbox_sent_since(&m.to, hour_ago)?;
        Ok(recent >= self.ctx.cfg.workers.max_replies_per_hour)
    }

    /// Puts a copy of a sent reply in the support mailbox's Sent folder unless one with its
    /// Message-ID is there already (a crash after the APPEND, before it was recorded). Ok when
    /// there is nothing to do (no Sent folder configured, a reply that cannot be built).
    async fn copy_to_sent(&self, session: &mut Option<Session>, m: &OutgoingMail) -> Result<()> {
        let folder = self.ctx.cfg.support.folders.sent.clone();
        if folder.is_empty() {
            return Ok(());
        }
        let raw = match self.mailer.build(m) {
            Ok(msg) => msg.formatted(),
            Err(_) => return Ok(()),
        };
        let mut last_error = None;
        for _attempt in 0..2 {
            if session.is_none() {
                let (ep, creds) = inbox::support_endpoint(&self.ctx.cfg)?;
                let mut s = imapconn::connect(&ep, &creds)
                    .await
                    .context("logging in to the support mailbox")?;
                let _ = s.create(&folder).await;
                *session = Some(s);
            }
            if let Some(s) = session.as_mut() {
                match file_once(s, &folder, &m.message_id, &raw).await {
                    Ok(()) => return Ok(()),
                    Err(e) => {
                        tracing::debug!(error = %e, "filing in Sent failed; reconnecting once");
                        last_error = Some(e);
                        *session = None;
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no session")))
            .with_context(|| format!("filing a copy of reply {} in {folder}", m.id))
    }
}

/// Appends `raw` to `folder` unless a message with `message_id` is there already.
async fn file_once(s: &mut Session, folder: &str, message_id: &str, raw: &[u8]) -> Result<()> {
    s.select(folder).await?;
    // Our Message-IDs are `mig-…@domain`: nothing in them needs quoting.
    let found = s.search(format!("HEADER Message-ID \"{message_id}\"")).await?;
    if found.is_empty() {
        s.append(folder, Some("(\\Seen)"), None, raw).await?;
    }
    Ok(())
}

/// An event in the ticket's log; staff notices (no ticket) have none.
fn ticket_event(change: &mut Change, m: &OutgoingMail, at: chrono::DateTime<chrono::Utc>, text: String) {
    if m.ticket != NO_TICKET {
        change.event(m.ticket, None, at, text);
    }
}
