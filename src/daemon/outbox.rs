//! Sending replies from the outbox: in order, each once; a 4xx or a lost connection waits and
//! retries with backoff, a 5xx fails that reply (staff see it in the ticket's log). A copy of
//! each sent reply is appended to the support mailbox's Sent folder. A per-recipient hourly
//! cap stops any mail loop; staff hear about an SMTP outage once, customers never.

use super::Daemon;
use crate::imapconn::{self, Session};
use crate::inbox;
use crate::model::{OutboxState, OutgoingMail};
use crate::reply::send::SendError;
use crate::store::Change;
use anyhow::Result;
use std::sync::Arc;
use std::time::Duration;

impl Daemon {
    pub(super) async fn outbox(self: Arc<Self>) -> Result<()> {
        let mut shutdown = self.shutdown.clone();
        let mut outage_told = false;
        let mut sent_folder: Option<Session> = None;
        loop {
            let now = self.clock.now();
            for mut m in self.store.outbox_pending()? {
                if m.next_try > now {
                    continue;
                }
                let mut change = Change::new();
                if self.over_rate_limit(&m)? {
                    tracing::error!(ticket = %m.ticket, to = %m.to, "reply held: too many replies to this address in an hour");
                    m.state = OutboxState::Failed;
                    m.last_error = Some("held by the per-recipient rate limit (a mail loop?)".into());
                    change.event(
                        m.ticket,
                        None,
                        now,
                        format!("reply to {} held by the rate limit; staff please check", m.to),
                    );
                    change.outgoing(&m)?;
                    self.store.commit(change).await?;
                    self.metrics.reply_failed(false);
                    continue;
                }
                m.attempts += 1;
                match self.mailer.send(&m).await {
                    Ok(()) => {
                        self.metrics.reply_sent();
                        m.state = OutboxState::Sent;
                        m.last_error = None;
                        m.sent_at = Some(self.clock.now());
                        change.event(m.ticket, None, self.clock.now(), format!("reply sent: {}", m.subject));
                        if outage_told {
                            tracing::info!("SMTP is back; the outbox is moving again");
                            outage_told = false;
                        }
                    }
                    Err(SendError::Transient(e)) => {
                        self.metrics.smtp_error(&e);
                        if !outage_told {
                            tracing::warn!(error = %e, "SMTP unavailable; replies wait in the outbox");
                            outage_told = true;
                        }
                        m.last_error = Some(e);
                        let delay = inbox::backoff(m.attempts.min(6) + 1);
                        m.next_try = self.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
                    }
                    Err(SendError::Permanent(e)) => {
                        self.metrics.reply_failed(true);
                        tracing::error!(ticket = %m.ticket, error = %e, "reply refused for good");
                        m.state = OutboxState::Failed;
                        change.event(m.ticket, None, self.clock.now(), format!("reply refused by SMTP: {e}"));
                        m.last_error = Some(e);
                    }
                }
                change.outgoing(&m)?;
                self.store.commit(change).await?;
                if m.state == OutboxState::Sent {
                    self.copy_to_sent(&mut sent_folder, &m).await;
                }
                if m.state == OutboxState::Pending {
                    break; // SMTP is down: keep the order, try again later
                }
            }
            if *shutdown.borrow() {
                if let Some(mut s) = sent_folder.take() {
                    let _ = s.logout().await;
                }
                return Ok(());
            }
            tokio::select! {
                _ = self.outbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    fn over_rate_limit(&self, m: &OutgoingMail) -> Result<bool> {
        let hour_ago = self.clock.now() - chrono::Duration::hours(1);
        let recent = self.store.outbox_sent_since(&m.to, hour_ago)?;
        Ok(recent >= self.cfg.workers.max_replies_per_hour)
    }

    /// Appends a copy of a sent reply to the support mailbox's Sent folder (best effort: the
    /// reply is already out; a failure is logged, not retried).
    async fn copy_to_sent(&self, session: &mut Option<Session>, m: &OutgoingMail) {
        let folder = self.cfg.support.folders.sent.clone();
        if folder.is_empty() {
            return;
        }
        let raw = match self.mailer.build(m) {
            Ok(msg) => msg.formatted(),
            Err(_) => return,
        };
        for _attempt in 0..2 {
            if session.is_none() {
                let conn = async {
                    let (ep, creds) = inbox::support_endpoint(&self.cfg)?;
                    let mut s = imapconn::connect(&ep, &creds).await?;
                    let _ = s.create(&folder).await;
                    anyhow::Ok(s)
                };
                match conn.await {
                    Ok(s) => *session = Some(s),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "cannot reach the support mailbox to file a copy of a reply");
                        return;
                    }
                }
            }
            if let Some(s) = session.as_mut() {
                match s.append(&folder, Some("(\\Seen)"), None, &raw).await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::debug!(error = %e, "appending to Sent failed; reconnecting once");
                        *session = None;
                    }
                }
            }
        }
        tracing::warn!(ticket = %m.ticket, "could not file a copy of a reply in {folder}");
    }
}
