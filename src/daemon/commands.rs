//! Commands at the top of a reply in a ticket's thread. The thread is recognised by one of our
//! Message-IDs (its HMAC checked); customers may ask for status, cancel and say the DNS changed;
//! staff (by address) may also approve and retry; "template" is answered with the CSV template
//! attached. Every command is answered with what was done.

use super::requests::Requests;
use super::Disposition;
use crate::intake::{Command, ParsedMail};
use crate::model::{JobState, TicketId};
use crate::reply::compose::render;
use crate::rules::{Phrases, Templates};
use crate::store::Change;
use anyhow::Result;

impl Requests {
    pub(super) async fn handle_command(
        &self,
        parsed: &ParsedMail,
        msgid: &str,
        ticket_id: TicketId,
    ) -> Result<Disposition> {
        let now = self.ctx.clock.now();
        let Some(mut ticket) = self.ctx.store.ticket(ticket_id)? else {
            return self.file_only_keep(msgid).await;
        };
        let Some(command) = parsed.command else {
            return self.file_only_keep(msgid).await;
        };
        let sender = parsed.meta.from.clone().unwrap_or_default();
        let staff = self.ctx.is_staff(&sender);
        let customer = sender.eq_ignore_ascii_case(&ticket.thread.customer);
        let mut change = Change::new();
        if !staff && !customer {
            change.event(
                ticket_id,
                None,
                now,
                format!("command {command:?} from {sender}, who is neither the customer nor staff; left for staff"),
            );
            change.handled(msgid, "left for staff: command from a stranger");
            self.ctx.store.commit(change).await?;
            return Ok(Disposition::Keep);
        }
        if matches!(command, Command::Approve | Command::Retry) && !staff {
            change.event(
                ticket_id,
                None,
                now,
                format!("{command:?} from the customer; only staff may do that; left for staff"),
            );
            change.handled(msgid, "left for staff: staff command from the customer");
            self.ctx.store.commit(change).await?;
            return Ok(Disposition::Keep);
        }
        let who = if staff {
            format!("staff ({sender})")
        } else {
            "the customer".to_string()
        };
        let rules = self.ctx.rules();
        let words = rules.replies.get(ticket.language);
        let who_for_customer = if staff {
            render(&words.phrases.by_staff, &[("sender", &sender)])
        } else {
            words.phrases.by_customer.clone()
        };
        let mut jobs = self.ctx.ticket_jobs(&ticket)?;
        let mut done: Vec<String> = Vec::new();
        for job in &mut jobs {
            let before = job.state;
            let changed = match command {
                Command::Status | Command::Template => false,
                Command::Cancel => {
                    if job.move_to(JobState::Cancelled) {
                        self.ctx.store.wipe_secret(&mut change, job.id);
                        self.jobs.stop(job.id);
                        true
                    } else {
                        false
                    }
                }
                Command::DnsChanged => match job.state {
                    JobState::Synced => {
                        job.final_pass = true;
                        job.move_to(JobState::FinalSync)
                    }
                    JobState::Received | JobState::Waiting | JobState::Syncing | JobState::Retrying
                        if !job.final_pass =>
                    {
                        job.final_wanted = true;
                        true
                    }
                    _ => false,
                },
                Command::Approve => {
                    if job.held {
                        job.held = false;
                        true
                    } else {
                        false
                    }
                }
                Command::Retry => {
                    if job.state == JobState::Failed {
                        job.attempts = 0;
                        job.not_before = None;
                        job.last_error = None;
                        job.move_to(JobState::Retrying)
                    } else {
                        false
                    }
                }
            };
            if changed {
                change.job(job)?;
                let text = format!("{command:?} by {who}: {} → {}", before.label(), job.state.label());
                change.event(ticket_id, Some(job.id), now, text);
                done.push(format!(
                    "- {}: {}",
                    job.destination,
                    describe(&words.phrases, command, job.state, job.final_wanted)
                ));
            }
        }
        if !matches!(command, Command::Status | Command::Template) && done.is_empty() {
            done.push(format!("- {}", words.phrases.nothing_to_change));
        }
        let answer = match command {
            Command::Status => words.phrases.status_answer.clone(),
            Command::Template => words.thread_words().template_answer.clone(),
            _ => render(
                &words.phrases.command_answer,
                &[
                    ("command", command_word(words, command)),
                    ("who", &who_for_customer),
                    ("changes", &done.join("\n")),
                ],
            ),
        };
        let body = self
            .ctx
            .reply_body(&words.command.text, &ticket, &jobs, &[("answer", &answer)]);
        let mut reply = self.ctx.outgoing(&ticket, msgid, body, "auto-replied")?;
        if command == Command::Template {
            reply.attachments.push(self.ctx.template_attachment());
        }
        self.ctx.queue_reply(&mut change, &mut ticket, reply)?;
        change.handled(msgid, &format!("command on {ticket_id}"));
        self.ctx.store.commit(change).await?;
        tracing::info!(ticket = %ticket_id, ?command, changed = done.len(), "command answered");
        crate::failpoint::hit("command.committed");
        self.outbox.wake();
        self.jobs.wake();
        Ok(Disposition::Processed)
    }

    async fn file_only_keep(&self, msgid: &str) -> Result<Disposition> {
        let mut change = Change::new();
        change.handled(msgid, "left for staff");
        self.ctx.store.commit(change).await?;
        Ok(Disposition::Keep)
    }
}

/// The command's word as the answer quotes it, in the ticket's language.
fn command_word(t: &Templates, c: Command) -> &str {
    let p = &t.phrases;
    match c {
        Command::Status => &p.word_status,
        Command::Cancel => &p.word_cancel,
        Command::DnsChanged => &p.word_dns_changed,
        Command::Approve => &p.word_approve,
        Command::Retry => &p.word_retry,
        Command::Template => &t.thread_words().word_template,
    }
}

/// What a command did to one mailbox, in the words of the ticket's language.
fn describe(p: &Phrases, c: Command, state: JobState, final_wanted: bool) -> String {
    let text = match (c, state) {
        (Command::Cancel, _) => &p.cancelled,
        (Command::DnsChanged, JobState::FinalSync) => &p.final_copy_now,
        (Command::DnsChanged, _) if final_wanted => &p.final_copy_follows,
        (Command::Approve, _) => &p.approved,
        (Command::Retry, _) => &p.retried,
        _ => &p.updated,
    };
    text.clone()
}
