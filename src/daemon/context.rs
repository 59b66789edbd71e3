//! What the daemon's loops share and only read: the config, the store, the rules in force (a
//! snapshot that SIGHUP replaces whole), the clock, the metrics sink and the shutdown signal;
//! and the few things every loop that answers a ticket does the same way (its thread's next
//! reply, its jobs, its placeholders).
//!
//! Holds no loop's state and nothing a loop may change for another: a loop's own state lives
//! in its own struct, and loops ask each other through the handles in `handles.rs`. The store
//! is shared by nature (one database, written only in whole committed batches); the rules are
//! read through a `watch` receiver, so only the daemon's reload can replace them.

use crate::clock::Clock;
use crate::config::Config;
use crate::model::{Job, MailAttachment, OutboxState, OutgoingMail, Ticket, TicketId};
use crate::observe::live::LiveJobs;
use crate::observe::metrics::Metrics;
use crate::reply::compose::{self, render};
use crate::rules::Rules;
use crate::store::{Change, Store};
use anyhow::Result;
use rand::Rng;
use std::sync::Arc;
use tokio::sync::watch;

/// The read-only context every loop gets a clone of.
#[derive(Clone)]
pub(super) struct Context {
    /// The configuration, fixed for the process's life.
    pub(super) cfg: Arc<Config>,
    /// The store (written only through committed [`Change`]s).
    pub(super) store: Store,
    /// The rules in force; replaced whole by the daemon's SIGHUP reload.
    rules: watch::Receiver<Arc<Rules>>,
    /// The clock (tests move it).
    pub(super) clock: Arc<dyn Clock>,
    /// Counters and component states for /metrics and /healthz.
    pub(super) metrics: Arc<Metrics>,
    /// Per-folder progress of the copies running now (written by the copies' progress sinks).
    pub(super) live: Arc<LiveJobs>,
    /// True once the daemon is asked to stop.
    pub(super) shutdown: watch::Receiver<bool>,
}

impl Context {
    /// A context over these parts; `rules` is the receiving side of the daemon's rule cell.
    pub(super) fn new(
        cfg: Arc<Config>,
        store: Store,
        rules: watch::Receiver<Arc<Rules>>,
        clock: Arc<dyn Clock>,
        shutdown: watch::Receiver<bool>,
    ) -> Context {
        Context {
            metrics: Arc::new(Metrics::with_clock(clock.clone())),
            live: Arc::default(),
            cfg,
            store,
            rules,
            clock,
            shutdown,
        }
    }

    /// The rules in force now (take them once per mail or per reply, not field by field).
    pub(super) fn rules(&self) -> Arc<Rules> {
        self.rules.borrow().clone()
    }

    /// The ticket's jobs as stored.
    pub(super) fn ticket_jobs(&self, ticket: &Ticket) -> Result<Vec<Job>> {
        let mut jobs = Vec::new();
        for id in &ticket.jobs {
            if let Some(j) = self.store.job(*id)? {
                jobs.push(j);
            }
        }
        Ok(jobs)
    }

    /// The ticket's jobs, with `current` in place of its stored version.
    pub(super) fn jobs_with(&self, ticket: &Ticket, current: &Job) -> Result<Vec<Job>> {
        Ok(self
            .ticket_jobs(ticket)?
            .into_iter()
            .map(|j| if j.id == current.id { current.clone() } else { j })
            .collect())
    }

    /// Standard placeholders for a ticket's replies.
    pub(super) fn reply_body(&self, template: &str, ticket: &Ticket, jobs: &[Job], extra: &[(&str, &str)]) -> String {
        let id = ticket.id.to_string();
        let rules = self.rules();
        let words = rules.replies.get(ticket.language);
        let table = compose::mailbox_blocks(jobs, words, self.clock.now());
        let state = compose::overall_state_in(jobs, words);
        let mut vars: Vec<(&str, &str)> = vec![("ticket", &id), ("table", &table), ("state", &state)];
        vars.extend_from_slice(extra);
        render(template, &vars)
    }

    /// A reply in the ticket's thread, answering `in_reply_to`.
    pub(super) fn outgoing(
        &self,
        ticket: &Ticket,
        in_reply_to: &str,
        body: String,
        auto: &str,
    ) -> Result<OutgoingMail> {
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
            &self.rules().replies.get(ticket.language).signature,
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
            language: Some(ticket.language),
            attachments: Vec::new(),
        })
    }

    /// The CSV template customers fill in (`rules/template.csv`, or the operator's), as a
    /// reply's attachment.
    pub(super) fn template_attachment(&self) -> MailAttachment {
        MailAttachment {
            file: "template.csv".into(),
            content_type: "text/csv".into(),
            text: self.rules().template_csv.clone(),
        }
    }

    /// Queues a reply and records its Message-ID in the thread so the next reply follows it
    /// (both in `change`: the reply exists exactly when the state change that caused it does).
    pub(super) fn queue_reply(&self, change: &mut Change, ticket: &mut Ticket, reply: OutgoingMail) -> Result<()> {
        ticket.thread.references.push(reply.message_id.clone());
        change.ticket(ticket)?;
        change.outgoing(&reply)?;
        Ok(())
    }

    /// The ticket a mail belongs to, by one of our Message-IDs (HMAC checked) that it answers.
    pub(super) fn thread_ticket(&self, in_reply_to: Option<&str>, references: &[String]) -> Option<TicketId> {
        let key = self.store.key();
        in_reply_to
            .into_iter()
            .chain(references.iter().map(String::as_str))
            .find_map(|id| compose::ticket_from_message_id(id, |s| key.token(s)))
    }

    /// True when `addr` is one of the staff addresses.
    pub(super) fn is_staff(&self, addr: &str) -> bool {
        self.cfg.support.staff.iter().any(|s| s.eq_ignore_ascii_case(addr))
    }
}
