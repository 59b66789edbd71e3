//! A reply in a ticket's thread that gives mailbox fields: they complete the ticket's pending
//! mailboxes (kept in `NeedsInfo` by the inbox loop) and the result is validated as a new
//! request is, offline and online. What becomes valid is accepted, what is still wrong is
//! answered per mailbox; a field given alone goes to the one pending mailbox it can belong to
//! (see [`pending::assign`]), else the reply asks which. Rows naming an accepted mailbox
//! change nothing: it changes only by staff or by "cancel".
//!
//! Never logs, stores in clear or answers with a password; the events name addresses only.

use super::pending::{self, Bare, Target};
use super::requests::Requests;
use super::Disposition;
use crate::intake::{self, FieldError, MailboxRequest};
use crate::model::{Job, JobId, JobState, TicketId};
use crate::reply::compose::render;
use crate::store::Change;
use crate::validate;
use anyhow::Result;
use std::collections::{HashMap, HashSet};

/// The ticket's pending mailboxes with the reply's fields merged in.
struct Merged {
    /// The mailboxes to validate: rows of the reply (pending ones completed) and pending ones
    /// a bare field went to.
    mailboxes: Vec<MailboxRequest>,
    /// Bare fields no single pending mailbox could take.
    ambiguous: Vec<Bare>,
    /// The reply's bare password went to a mailbox (or the customer is asked which).
    password_placed: bool,
    /// Which pending mailboxes the reply touched (by index into the pending list).
    touched: Vec<bool>,
}

/// Merges a reply's rows and bare fields into the pending mailboxes (pure).
fn merge(pending: &[MailboxRequest], reply: &intake::ParsedMail) -> Merged {
    let mut out: Vec<(Option<usize>, MailboxRequest)> = Vec::new();
    let mut touched = vec![false; pending.len()];
    let mut named = Vec::new();
    for row in &reply.mailboxes {
        match pending.iter().position(|p| p.email.eq_ignore_ascii_case(&row.email)) {
            Some(i) => {
                if !named.contains(&i) {
                    named.push(i);
                }
                touched[i] = true;
                out.push((Some(i), pending::merge_row(&pending[i], row)));
            }
            None => out.push((None, row.clone())),
        }
    }
    let mut ambiguous = Vec::new();
    let mut password_placed = false;
    if let Some(u) = &reply.unassigned {
        let mut hint = None;
        for field in pending::bare_fields(u) {
            match pending::assign(field, pending, &named, hint) {
                Target::Mailbox(i) => {
                    hint.get_or_insert(i);
                    let slot = match out.iter().position(|(p, _)| *p == Some(i)) {
                        Some(s) => s,
                        None => {
                            out.push((Some(i), pending[i].clone()));
                            out.len() - 1
                        }
                    };
                    pending::give(&mut out[slot].1, field, u);
                    touched[i] = true;
                    password_placed |= field == Bare::Password;
                }
                Target::Ambiguous => {
                    password_placed |= field == Bare::Password;
                    ambiguous.push(field);
                }
                Target::Nowhere => {}
            }
        }
    }
    Merged {
        mailboxes: out.into_iter().map(|(_, m)| m).collect(),
        ambiguous,
        password_placed,
        touched,
    }
}

/// Intake's error for a password given without an address, which a reply in a thread with
/// pending mailboxes does not need (the password went to one, or the reply asks which).
fn is_password_without_address(e: &FieldError) -> bool {
    e.row.is_none()
        && e.field == "email"
        && (e.code == "password_without_address" || e.message.starts_with("a password is given but no e-mail address"))
}

impl Requests {
    /// A reply in a ticket's thread with mailbox fields (rows, or fields given alone): merged
    /// into the ticket's pending mailboxes, validated, accepted or answered with what is still
    /// missing, in one committed change.
    pub(super) async fn merge_into_ticket(&self, raw: &[u8], msgid: &str, ticket_id: TicketId) -> Result<Disposition> {
        let now = self.ctx.clock.now();
        let rules = self.ctx.rules();
        let Some(mut ticket) = self.ctx.store.ticket(ticket_id)? else {
            return self
                .file_only(msgid, "left for staff: unknown ticket", Disposition::Keep)
                .await;
        };
        let stored = self.ctx.ticket_jobs(&ticket)?;
        let mut waiting: Vec<(Job, MailboxRequest, Vec<String>)> = Vec::new();
        for job in stored.iter().filter(|j| j.state == JobState::NeedsInfo) {
            let kept = self.ctx.store.pending(job.id)?;
            let password = self.ctx.store.secret(job.id)?;
            let request = pending::request_of(job, kept.as_ref(), password);
            let lines = kept.map(|k| k.problems).unwrap_or_default();
            waiting.push((job.clone(), request, lines));
        }
        let accepted: HashSet<String> = stored
            .iter()
            .filter(|j| !j.state.is_final() && j.state != JobState::NeedsInfo)
            .flat_map(|j| [j.destination.clone(), j.email.to_ascii_lowercase()])
            .filter(|a| !a.is_empty())
            .collect();
        let pending_ids: HashMap<String, JobId> = waiting.iter().map(|(j, m, _)| (m.email.clone(), j.id)).collect();

        let reply = intake::parse_mail(raw, &rules);
        let requests: Vec<MailboxRequest> = waiting.iter().map(|(_, m, _)| m.clone()).collect();
        let merged = merge(&requests, &reply);
        let mut parsed = reply.clone();
        if merged.password_placed {
            parsed.errors.retain(|e| !is_password_without_address(e));
        }
        // A row naming an accepted mailbox changes nothing (only staff or "cancel" do): it is
        // not validated, not probed with what it says, and the reply says so.
        let is_accepted = |m: &MailboxRequest| {
            accepted.contains(&m.email.to_ascii_lowercase())
                || m.destination
                    .as_ref()
                    .is_some_and(|d| accepted.contains(&d.to_ascii_lowercase()))
        };
        let (untouchable, open): (Vec<MailboxRequest>, Vec<MailboxRequest>) =
            merged.mailboxes.into_iter().partition(is_accepted);
        parsed.mailboxes = open;
        parsed.unassigned = None;
        let mut change = Change::new();
        for (i, (job, _, _)) in waiting.iter().enumerate() {
            if merged.touched[i] {
                change.event(
                    ticket_id,
                    Some(job.id),
                    now,
                    format!("details for {} in the thread", job.email),
                );
            }
        }
        let mut request = validate::stage::offline(parsed, &rules.policy, now);
        self.validate_online(&mut request).await;
        let (jobs, mut problems) =
            self.accept_mailboxes(&request, &mut ticket, &mut change, &accepted, &pending_ids, now)?;

        let templates = rules.replies.get(ticket.language);
        for m in &untouchable {
            let mailbox = m.destination.as_deref().unwrap_or(&m.email).to_ascii_lowercase();
            problems.push(format!(
                "- {}",
                render(&templates.phrases.already_in_ticket, &[("mailbox", &mailbox)])
            ));
        }
        let words = templates.thread_words();
        let still: Vec<&(Job, MailboxRequest, Vec<String>)> = waiting
            .iter()
            .filter(|(j, _, _)| !jobs.iter().any(|a| a.id == j.id))
            .collect();
        for field in &merged.ambiguous {
            let name = templates
                .fields
                .get(field.field_key())
                .map_or(field.field_key(), String::as_str);
            let addresses: Vec<&str> = still.iter().map(|(_, m, _)| m.email.as_str()).collect();
            problems.push(format!(
                "- {}",
                render(
                    &words.which_mailbox,
                    &[
                        ("field", name),
                        ("mailboxes", &addresses.join(", ")),
                        ("example", addresses.first().copied().unwrap_or("")),
                    ],
                )
            ));
        }
        // What the mailboxes this reply did not touch still lack, as the customer was told.
        for (i, (_, _, lines)) in waiting.iter().enumerate() {
            if !merged.touched[i] {
                problems.extend(lines.iter().cloned());
            }
        }
        let problems = super::dedup(problems);
        change.event(
            ticket_id,
            None,
            now,
            format!(
                "details in the thread: {} mailbox(es) accepted, {} question(s) for the customer",
                jobs.len(),
                problems.len()
            ),
        );
        // The reply's table: the ticket's accepted mailboxes as they are after this change.
        let shown: Vec<Job> = ticket
            .jobs
            .iter()
            .filter_map(|id| jobs.iter().chain(stored.iter()).find(|j| j.id == *id).cloned())
            .filter(|j| j.state != JobState::NeedsInfo)
            .collect();
        let disposition = self.answer_request(&mut change, &mut ticket, &shown, &problems, msgid)?;
        change.handled(msgid, &ticket_id.to_string());
        self.ctx.store.commit(change).await?;
        tracing::info!(ticket = %ticket_id, accepted = jobs.len(), problems = problems.len(), "details in the thread merged");
        self.outbox.wake();
        self.jobs.wake();
        Ok(disposition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn waiting(email: &str) -> MailboxRequest {
        MailboxRequest {
            email: email.into(),
            source_host: Some("imap.old.example".into()),
            ..Default::default()
        }
    }

    fn reply(mailboxes: Vec<MailboxRequest>, password: Option<&str>) -> intake::ParsedMail {
        intake::ParsedMail {
            kind: intake::Kind::Request,
            mailboxes,
            unassigned: password.map(|p| intake::Unassigned {
                password: Some(Secret::new(p)),
                ..Default::default()
            }),
            ..intake::ParsedMail::ignored(Default::default(), "")
        }
    }

    #[test]
    fn a_bare_password_completes_the_only_pending_mailbox() {
        let m = merge(&[waiting("tom@garage.example")], &reply(Vec::new(), Some("s3cret")));
        assert_eq!(m.mailboxes.len(), 1);
        assert_eq!(m.mailboxes[0].email, "tom@garage.example");
        assert!(m.mailboxes[0].password.is_some());
        assert_eq!(m.mailboxes[0].source_host.as_deref(), Some("imap.old.example"));
        assert!(m.password_placed && m.ambiguous.is_empty());
    }

    #[test]
    fn a_bare_password_for_two_pending_mailboxes_completes_neither() {
        let m = merge(
            &[waiting("a@x.example"), waiting("b@x.example")],
            &reply(Vec::new(), Some("s3cret")),
        );
        assert!(m.mailboxes.is_empty());
        assert_eq!(m.ambiguous, [Bare::Password]);
        assert_eq!(m.touched, [false, false]);
    }

    #[test]
    fn a_row_naming_a_pending_mailbox_replaces_it_and_a_new_row_is_new() {
        let row = |email: &str| MailboxRequest {
            row: Some(2),
            email: email.into(),
            password: Some(Secret::new("pw")),
            ..Default::default()
        };
        let m = merge(
            &[waiting("a@x.example")],
            &reply(vec![row("A@x.example"), row("c@x.example")], None),
        );
        assert_eq!(m.mailboxes.len(), 2);
        assert_eq!(
            m.mailboxes[0].source_host, None,
            "the corrected row replaces the kept one"
        );
        assert_eq!(m.touched, [true]);
    }
}
