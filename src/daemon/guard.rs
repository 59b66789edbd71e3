//! What support mail is acted on at all: the sender verified by our MX, within the hourly
//! limits per sender and per thread, and asking only for mailboxes they may ask for. Mail that
//! fails is left in the inbox for staff, unanswered (a reply to a forged sender is backscatter,
//! and answering over-limit mail would feed a loop), with one event or log line.

use super::requests::Requests;
use super::Disposition;
use crate::inbox::IncomingMail;
use crate::intake::{FieldError, Kind, MailboxRequest, ParsedMail};
use crate::model::TicketId;
use crate::security::{authres, senders};
use crate::store::Change;
use anyhow::Result;

impl Requests {
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
        let now = self.ctx.clock.now();
        let sender = parsed.meta.from.clone().unwrap_or_default();
        let auth = &self.ctx.cfg.support.authentication;
        if auth.require {
            let verdict = authres::verify_head(&mail.head, &senders::domain_of(&sender), &auth.authserv_id);
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
        let limits = &self.ctx.cfg.limits;
        let staff = self.ctx.is_staff(&sender);
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
            change.event(t, None, self.ctx.clock.now(), event);
        }
        change.handled(msgid, outcome);
        self.ctx.store.commit(change).await?;
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
            &self.ctx.cfg.support.senders,
            &sender,
            self.ctx.is_staff(&sender),
            &destination,
            m.row,
        )
    }

    /// A handled request that carried passwords is deleted from the support mailbox (when the
    /// operator wants that) instead of being filed.
    pub(super) fn final_disposition(&self, d: Disposition, parsed: &ParsedMail) -> Disposition {
        let carried = parsed.kind == Kind::Request
            && (parsed.mailboxes.iter().any(|m| m.password.is_some())
                || parsed.unassigned.as_ref().is_some_and(|u| u.password.is_some()));
        match d {
            Disposition::Processed | Disposition::Rejected if carried && self.ctx.cfg.support.expunge_requests => {
                Disposition::Expunge
            }
            d => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::config::Config;
    use crate::model::{Thread, Ticket};
    use crate::reply::compose;
    use chrono::Utc;
    use std::sync::Arc;

    fn daemon(dir: &std::path::Path, per_thread: usize) -> Requests {
        let text = include_str!("../../mailferry.example.toml")
            .replace("/var/lib/mailferry/store.key", &dir.join("k").display().to_string())
            .replace("/var/lib/mailferry/store", &dir.join("s").display().to_string())
            .replace(
                "user = \"support@new.example\"\npassword_env = \"MAILFERRY_SMTP_PASSWORD\"\n",
                "",
            )
            .replace(
                "mails_per_thread_per_hour = 30",
                &format!("mails_per_thread_per_hour = {per_thread}"),
            );
        let cfg = Config::parse(&text).unwrap();
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let (ctx, _rules) = crate::daemon::context_for(cfg, stopped, Arc::new(FixedClock::new(Utc::now()))).unwrap();
        Requests::new(ctx, Default::default(), Default::default())
    }

    fn command(n: usize, thread: &str, headers: &str) -> IncomingMail {
        let raw = format!(
            "{headers}From: anna@customer.example\r\nTo: support@new.example\r\nSubject: Re: move\r\n\
             Message-ID: <c{n}@customer.example>\r\nIn-Reply-To: <{thread}>\r\nReferences: <{thread}>\r\n\
             Content-Type: text/plain\r\n\r\nstatus\r\n"
        );
        IncomingMail::new(n as u32, raw.into_bytes())
    }

    async fn ticket(d: &Requests) -> String {
        let t = Ticket {
            id: TicketId(1),
            created: Utc::now(),
            thread: Thread {
                customer: "anna@customer.example".into(),
                subject: "move".into(),
                references: vec![],
            },
            jobs: vec![],
            language: crate::model::Language::En,
        };
        let mut change = Change::new();
        change.ticket(&t).unwrap();
        d.ctx.store.commit(change).await.unwrap();
        let key = d.ctx.store.key();
        compose::message_id(t.id, 42, |s| key.token(s), "new.example")
    }

    const PASS: &str = "Authentication-Results: mx.new.example; dmarc=pass header.from=customer.example\r\n";

    #[tokio::test]
    async fn a_thread_over_its_hourly_limit_is_left_for_staff() {
        let dir = tempfile::tempdir().unwrap();
        let d = daemon(dir.path(), 2);
        let thread = ticket(&d).await;
        let mut got = Vec::new();
        for n in 0..3 {
            got.push(d.handle_mail(command(n, &thread, PASS)).await.unwrap());
        }
        assert_eq!(got, [Disposition::Processed, Disposition::Processed, Disposition::Keep]);
        let events = d.ctx.store.events(TicketId(1)).unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.text.contains("over the limit of 2 mails per thread per hour")),
            "{events:?}"
        );
        assert_eq!(
            d.ctx.store.outbox_pending().unwrap().len(),
            2,
            "two answers, none for the third"
        );
    }

    #[tokio::test]
    async fn an_unverified_command_in_a_real_thread_is_not_carried_out() {
        let dir = tempfile::tempdir().unwrap();
        let d = daemon(dir.path(), 30);
        let thread = ticket(&d).await;
        let forged = "Authentication-Results: mx.new.example; dmarc=fail header.from=customer.example\r\n\
                      Authentication-Results: mx.new.example; dmarc=pass header.from=customer.example\r\n";
        assert_eq!(
            d.handle_mail(command(1, &thread, forged)).await.unwrap(),
            Disposition::Keep
        );
        assert!(
            d.ctx.store.outbox_pending().unwrap().is_empty(),
            "no reply to a forged sender"
        );
        let events = d.ctx.store.events(TicketId(1)).unwrap();
        assert!(
            events.iter().any(|e| e.text.contains("sender not verified")),
            "{events:?}"
        );
        assert_eq!(
            d.handle_mail(command(2, &thread, PASS)).await.unwrap(),
            Disposition::Processed
        );
    }
}
