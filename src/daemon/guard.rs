//! What support mail is acted on at all: the sender verified by our MX, within the hourly
//! limits per sender and per thread, and asking only for mailboxes they may ask for. Mail that
//! fails is left in the inbox for staff, unanswered (a reply to a forged sender is backscatter,
//! and answering over-limit mail would feed a loop), with one event or log line.

use super::{Daemon, Disposition};
use crate::inbox::IncomingMail;
use crate::intake::{FieldError, Kind, MailboxRequest, ParsedMail};
use crate::model::TicketId;
use crate::security::{authres, senders};
use crate::store::Change;
use anyhow::Result;

impl Daemon {
    /// Checks an actionable mail (a request, or a command in one of our threads) before it is
    /// acted on; Some(disposition) when it must not be, its outcome already durable.
    pub(super) async fn screen(
        &self,
        mail: &IncomingMail,
        parsed: &ParsedMail,
        msgid: &str,
        thread: Option<TicketId>,
    ) -> Result<Option<Disposition>> {
        let actionable = match parsed.kind {
            Kind::Request => !parsed.automated,
            Kind::Command => thread.is_some(),
            Kind::Ignored => false,
        };
        if !actionable {
            return Ok(None);
        }
        let now = self.clock.now();
        let sender = parsed.meta.from.clone().unwrap_or_default();
        let auth = &self.cfg.support.authentication;
        if auth.require {
            let verdict = authres::verify(&mail.raw, &senders::domain_of(&sender), &auth.authserv_id);
            if !verdict.is_verified() {
                let why = verdict.reason();
                tracing::warn!(uid = mail.uid, %sender, reason = %why, "sender not verified; left for staff, not answered");
                return self
                    .leave_for_staff(
                        msgid,
                        thread,
                        format!("a mail from {sender} was not acted on: sender not verified ({why})"),
                        "left for staff: sender not verified",
                    )
                    .await
                    .map(Some);
            }
        }
        let limits = &self.cfg.limits;
        let staff = self.is_staff(&sender);
        let sender_key = format!("sender:{sender}");
        let thread_key = thread.map(|t| format!("thread:{t}"));
        let sender_ok = staff
            || parsed.kind != Kind::Request
            || self
                .windows
                .would_admit(&sender_key, limits.requests_per_sender_per_hour, now);
        let thread_ok = thread_key
            .as_ref()
            .is_none_or(|k| self.windows.would_admit(k, limits.mails_per_thread_per_hour, now));
        if !(sender_ok && thread_ok) {
            let which = if sender_ok {
                format!("{} mails per thread per hour", limits.mails_per_thread_per_hour)
            } else {
                format!("{} requests per sender per hour", limits.requests_per_sender_per_hour)
            };
            tracing::warn!(uid = mail.uid, %sender, limit = %which, "over the rate limit; left for staff, not answered");
            return self
                .leave_for_staff(
                    msgid,
                    thread,
                    format!("a mail from {sender} was not acted on: over the limit of {which}"),
                    "left for staff: over the rate limit",
                )
                .await
                .map(Some);
        }
        if !staff && parsed.kind == Kind::Request {
            self.windows
                .admit(&sender_key, limits.requests_per_sender_per_hour, now);
        }
        if let Some(k) = thread_key {
            self.windows.admit(&k, limits.mails_per_thread_per_hour, now);
        }
        Ok(None)
    }

    async fn leave_for_staff(
        &self,
        msgid: &str,
        thread: Option<TicketId>,
        event: String,
        outcome: &str,
    ) -> Result<Disposition> {
        let mut change = Change::new();
        if let Some(t) = thread {
            change.event(t, None, self.clock.now(), event);
        }
        change.handled(msgid, outcome);
        self.store.commit(change).await?;
        Ok(Disposition::Keep)
    }

    /// The error when the mail's sender may not ask for this mailbox's destination.
    pub(super) fn destination_refused(&self, parsed: &ParsedMail, m: &MailboxRequest) -> Option<FieldError> {
        let sender = parsed.meta.from.clone().unwrap_or_default();
        let destination = m
            .destination
            .clone()
            .unwrap_or_else(|| m.email.clone())
            .to_ascii_lowercase();
        senders::check_destination(
            &self.cfg.support.senders,
            &sender,
            self.is_staff(&sender),
            &destination,
            m.row,
        )
    }

    /// A handled request that carried passwords is deleted from the support mailbox (when the
    /// operator wants that) instead of being filed.
    pub(super) fn final_disposition(&self, d: Disposition, parsed: &ParsedMail) -> Disposition {
        let carried = parsed.kind == Kind::Request && parsed.mailboxes.iter().any(|m| m.password.is_some());
        match d {
            Disposition::Processed | Disposition::Rejected if carried && self.cfg.support.expunge_requests => {
                Disposition::Expunge
            }
            d => d,
        }
    }
}
