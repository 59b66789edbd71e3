//! The inbox loop's work: a support mail → a new ticket, details in an existing ticket's thread
//! (merged into its waiting mailboxes: `thread.rs`), a command, an event filed on a ticket, or
//! nothing (left in the inbox for staff). A mailbox that cannot be accepted yet is kept on its
//! ticket, waiting for information (`pending.rs`). The outcome of each mail is committed before [`Requests::handle_mail`] returns,
//! so the inbox moves past a mail only once its outcome is durable.

use super::context::Context;
use super::handles::{JobsHandle, OutboxHandle};
use super::pending;
use super::{dedup, Disposition};
use crate::inbox::IncomingMail;
use crate::intake::MailboxRequest;
use crate::intake::{self, FieldError, Kind};
use crate::model::{Job, JobId, JobState, Language, SourceSpec, Thread, Ticket, TicketId};
use crate::observe::metrics::RequestKind;
use crate::reply::compose::render;
use crate::reply::send::LOOP_HEADER;
use crate::rules::{Phrases, Templates};
use crate::secret::Secret;
use crate::store::Change;
use crate::validate;
use crate::validate::{Checked, ValidMailbox, ValidatedRequest};
use anyhow::Result;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Mailboxes of one request probed at once.
const PROBES_AT_ONCE: usize = 8;

/// The inbox loop's own state and the handles it uses: the shared context, the jobs loop's
/// and the outbox's handles (to wake them after a commit) and the hourly rate windows.
pub(super) struct Requests {
    pub(super) ctx: Context,
    pub(super) jobs: JobsHandle,
    pub(super) outbox: OutboxHandle,
    /// Mails acted on per sender and per thread in the last hour.
    pub(super) windows: crate::security::limits::Windows,
}

impl Requests {
    /// The inbox loop's state, with empty rate windows.
    pub(super) fn new(ctx: Context, jobs: JobsHandle, outbox: OutboxHandle) -> Requests {
        Requests {
            ctx,
            jobs,
            outbox,
            windows: Default::default(),
        }
    }

    /// Reads one support mail and makes its outcome durable before returning. Its log lines
    /// carry the mail's UID and, once known, the ticket it concerns.
    pub async fn handle_mail(&self, mail: IncomingMail) -> Result<Disposition> {
        let span = tracing::info_span!("mail", uid = mail.uid, ticket = tracing::field::Empty);
        tracing::Instrument::instrument(self.read_mail(mail), span).await
    }

    async fn read_mail(&self, mail: IncomingMail) -> Result<Disposition> {
        let now = self.ctx.clock.now();
        let rules = self.ctx.rules();
        let mut request = validate::stage::offline(intake::parse_mail(&mail.raw, &rules), &rules.policy, now);
        let msgid = request
            .parsed()
            .meta
            .message_id
            .clone()
            .unwrap_or_else(|| format!("sha256-{:x}", Sha256::digest(&mail.raw)));
        let disposition = self.decide(&mail, &mut request, &msgid).await?;
        Ok(self.final_disposition(disposition, request.parsed()))
    }

    async fn decide(&self, mail: &IncomingMail, request: &mut ValidatedRequest, msgid: &str) -> Result<Disposition> {
        let now = self.ctx.clock.now();
        let parsed = request.parsed();
        if let Some(outcome) = self.ctx.store.handled(msgid)? {
            tracing::info!(uid = mail.uid, %outcome, "seen before; not handled twice");
            return Ok(disposition_of(&outcome));
        }
        let sender = parsed.meta.from.clone().unwrap_or_default();
        if mail.head.has(LOOP_HEADER) || sender.eq_ignore_ascii_case(&self.ctx.cfg.support.address) {
            self.ctx.metrics.request(RequestKind::Automated);
            return self
                .file_only(msgid, "ignored: our own mail", Disposition::Processed)
                .await;
        }
        let thread = self
            .ctx
            .thread_ticket(parsed.meta.in_reply_to.as_deref(), &parsed.meta.references);
        if let Some(t) = thread {
            tracing::Span::current().record("ticket", tracing::field::display(t));
        }
        if let Some(d) = self.screen(mail, parsed, msgid, thread).await? {
            // Not acted on (an unverified sender, a rate limit): left for staff.
            self.ctx.metrics.request(RequestKind::Other);
            return Ok(d);
        }
        let kind = match (parsed.kind, thread) {
            (Kind::Command, Some(_)) => RequestKind::Command,
            (Kind::Request, Some(_)) if !parsed.mailboxes.is_empty() || parsed.unassigned.is_some() => {
                RequestKind::Request
            }
            (Kind::Request, None) => RequestKind::Request,
            (_, Some(_)) if parsed.automated => RequestKind::Automated,
            (_, None) if parsed.reason.as_deref() == Some(intake::UNREADABLE) => RequestKind::Quarantined,
            _ if parsed.automated => RequestKind::Automated,
            _ => RequestKind::Other,
        };
        let result = match (parsed.kind, thread) {
            (Kind::Command, Some(ticket)) => self.handle_command(parsed, msgid, ticket).await,
            (Kind::Command, None) => {
                tracing::warn!(uid = mail.uid, ticket = ?parsed.ticket, "command outside a thread of ours (or a forged one); left for staff");
                self.file_only(
                    msgid,
                    "left for staff: command without a valid thread",
                    Disposition::Keep,
                )
                .await
            }
            (Kind::Request, Some(ticket)) if !parsed.mailboxes.is_empty() || parsed.unassigned.is_some() => {
                self.merge_into_ticket(&mail.raw, msgid, ticket).await
            }
            (Kind::Request, None) => self.open_ticket(request, msgid).await,
            (_, Some(ticket)) if parsed.automated => {
                let reason = parsed.reason.clone().unwrap_or_default();
                let mut change = Change::new();
                change.event(
                    ticket,
                    None,
                    now,
                    format!("machine mail in the thread, not answered: {reason}"),
                );
                change.handled(msgid, &format!("filed on {ticket}"));
                self.ctx.store.commit(change).await?;
                Ok(Disposition::Processed)
            }
            (_, Some(ticket)) => {
                let mut change = Change::new();
                change.event(
                    ticket,
                    None,
                    now,
                    format!("a message from {sender} in the thread, left for staff"),
                );
                change.handled(msgid, "left for staff");
                self.ctx.store.commit(change).await?;
                Ok(Disposition::Keep)
            }
            (_, None) if parsed.reason.as_deref() == Some(intake::UNREADABLE) => {
                tracing::warn!(uid = mail.uid, "unreadable support mail; quarantined for staff");
                self.file_only(msgid, "quarantined: unreadable", Disposition::Quarantine)
                    .await
            }
            (_, None) if parsed.automated => {
                let reason = parsed.reason.clone().unwrap_or_default();
                tracing::info!(uid = mail.uid, %reason, "machine mail; not answered");
                self.file_only(msgid, &format!("ignored: {reason}"), Disposition::Rejected)
                    .await
            }
            (_, None) => {
                tracing::info!(uid = mail.uid, reason = ?parsed.reason, "not a request; left for staff");
                self.file_only(msgid, "left for staff", Disposition::Keep).await
            }
        };
        let disposition = result?;
        // A request with nothing acceptable is answered and filed as rejected; one that could
        // not become a ticket at all (no sender address) is left for staff.
        let kind = match (kind, disposition) {
            (RequestKind::Request, Disposition::Rejected) => RequestKind::Rejected,
            (RequestKind::Request, Disposition::Keep) => RequestKind::Other,
            (k, _) => k,
        };
        self.ctx.metrics.request(kind);
        Ok(disposition)
    }

    pub(super) async fn file_only(&self, msgid: &str, outcome: &str, disposition: Disposition) -> Result<Disposition> {
        let mut change = Change::new();
        change.handled(msgid, outcome);
        self.ctx.store.commit(change).await?;
        Ok(disposition)
    }

    /// The language of a new ticket's replies: the request's, else that of the sender's latest
    /// earlier ticket, else the operator's default (`support.language`).
    fn language_for(&self, detected: Option<Language>, customer: &str) -> Result<Language> {
        let earlier = if detected.is_some() {
            None
        } else {
            self.ctx
                .store
                .tickets()?
                .into_iter()
                .filter(|t| t.thread.customer.eq_ignore_ascii_case(customer))
                .max_by_key(|t| t.id)
                .map(|t| t.language)
        };
        Ok(crate::model::choose_language(
            detected,
            earlier,
            self.ctx.cfg.support.language,
        ))
    }

    async fn open_ticket(&self, request: &mut ValidatedRequest, msgid: &str) -> Result<Disposition> {
        let now = self.ctx.clock.now();
        let parsed = request.parsed();
        let Some(customer) = parsed.meta.reply_to.clone() else {
            return self
                .file_only(msgid, "left for staff: no sender address", Disposition::Keep)
                .await;
        };
        let ticket_id = self.ctx.store.next_ticket_id()?;
        tracing::Span::current().record("ticket", tracing::field::display(ticket_id));
        let mut references = parsed.meta.references.clone();
        references.push(msgid.to_string());
        let mut ticket = Ticket {
            id: ticket_id,
            created: now,
            thread: Thread {
                customer: customer.clone(),
                subject: parsed.meta.subject.clone(),
                references,
            },
            jobs: Vec::new(),
            language: self.language_for(parsed.language, &customer)?,
        };
        let mut change = Change::new();
        self.validate_online(request).await;
        let (jobs, problems) =
            self.accept_mailboxes(request, &mut ticket, &mut change, &HashSet::new(), &HashMap::new(), now)?;
        change.event(
            ticket_id,
            None,
            now,
            format!("request from {customer}: {} mailbox(es) accepted", jobs.len()),
        );
        let disposition = self.answer_request(&mut change, &mut ticket, &jobs, &problems, msgid)?;
        change.handled(msgid, &ticket_id.to_string());
        self.ctx.store.commit(change).await?;
        tracing::info!(ticket = %ticket_id, mailboxes = jobs.len(), problems = problems.len(), "ticket opened");
        crate::failpoint::hit("request.committed");
        self.outbox.wake();
        self.jobs.wake();
        Ok(disposition)
    }

    /// The online step of validation, once per mail: each mailbox that passed the offline
    /// checks is probed, a few at once (our side, the old server, the login, what is there),
    /// or, with probes off, its destination checked against our domains.
    pub(super) async fn validate_online(&self, request: &mut ValidatedRequest) {
        let probe = self.ctx.cfg.source.probe_requests;
        validate::stage::online(&self.ctx.cfg, request, probe, PROBES_AT_ONCE, |_| true).await;
    }

    /// Turns each valid mailbox into a job (its password sealed in the same change), and keeps
    /// each one that cannot be accepted yet as a job in `NeedsInfo` (its fields kept, its
    /// password sealed) so a reply in the thread can complete it; `pending` names the ticket's
    /// pending jobs by address, whose numbers are used again. Returns the accepted jobs and one
    /// line per problem.
    pub(super) fn accept_mailboxes(
        &self,
        request: &ValidatedRequest,
        ticket: &mut Ticket,
        change: &mut Change,
        skip: &HashSet<String>,
        pending: &HashMap<String, JobId>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Job>, Vec<String>)> {
        let parsed = request.parsed();
        let rules = self.ctx.rules();
        let templates = rules.replies.get(ticket.language);
        let words = &templates.phrases;
        let describe_error = |e: &FieldError| describe_error(templates, e);
        let mut problems: Vec<String> = parsed.errors.iter().map(describe_error).collect();
        let mut seen = HashSet::new();
        let mut jobs = Vec::new();
        for (i, m) in parsed.mailboxes.iter().enumerate() {
            if !seen.insert(m.email.clone()) {
                continue; // a duplicate row: validation already says so
            }
            let reuse = pending.get(&m.email.to_ascii_lowercase()).copied();
            if let Some(refused) = self.destination_refused(parsed, m) {
                problems.push(describe_error(&refused));
                continue;
            }
            let valid = match request.checked(i) {
                Checked::Valid(v) => v,
                Checked::Refused(found) => {
                    let lines: Vec<String> = found.iter().map(describe_error).collect();
                    problems.extend(lines.iter().cloned());
                    self.keep_pending(m, lines, reuse, ticket, change, now)?;
                    continue;
                }
                Checked::Invalid => {
                    // Its problems are among the mail's; the mailbox waits for the answer.
                    let lines: Vec<String> = validate::mailbox_problems(m, &rules.policy, now)
                        .iter()
                        .map(describe_error)
                        .collect();
                    self.keep_pending(m, lines, reuse, ticket, change, now)?;
                    continue;
                }
            };
            match self.job_from(valid, ticket.id, reuse) {
                Ok((job, _)) if skip.contains(&job.destination) => {
                    problems.push(format!(
                        "- {}",
                        render(&words.already_in_ticket, &[("mailbox", &job.destination)])
                    ));
                }
                Ok((mut job, password)) => {
                    self.ctx.store.seal_secret(change, job.id, &password)?;
                    job.eta = Some(self.ctx.estimate_for(&job, now)?);
                    change.job(&job)?;
                    if reuse.is_some() {
                        change.drop_pending(job.id);
                    }
                    change.event(
                        ticket.id,
                        Some(job.id),
                        now,
                        format!("mailbox {} accepted", job.destination),
                    );
                    if !ticket.jobs.contains(&job.id) {
                        ticket.jobs.push(job.id);
                    }
                    jobs.push(job);
                }
                Err(p) => problems.extend(p.iter().map(describe_error)),
            }
        }
        // Contacts and calendars go with the mailbox they were assigned to.
        for (n, g) in parsed.groupware.iter().enumerate() {
            let owner = g.mailbox.as_deref().unwrap_or("");
            match jobs
                .iter()
                .find(|j| j.email.eq_ignore_ascii_case(owner) || j.destination.eq_ignore_ascii_case(owner))
            {
                Some(job) if self.ctx.cfg.dav.is_some() => {
                    self.ctx
                        .store
                        .seal_groupware(change, job.id, n as u32, &g.file, &g.data)?;
                    change.event(
                        ticket.id,
                        Some(job.id),
                        now,
                        format!("{} ({} objects) kept for import", g.file, g.items),
                    );
                }
                Some(_) => problems.push(format!("- {}", render(&words.groupware_not_here, &[("file", &g.file)]))),
                None => problems.push(format!(
                    "- {}",
                    render(&words.groupware_no_mailbox, &[("file", &g.file)])
                )),
            }
        }
        Ok((jobs, dedup(problems)))
    }

    /// Queues the acknowledgement (or the request for corrections) for a request mail. A reply
    /// that asks for details shows a filled-in example and carries the CSV template.
    pub(super) fn answer_request(
        &self,
        change: &mut Change,
        ticket: &mut Ticket,
        jobs: &[Job],
        problems: &[String],
        msgid: &str,
    ) -> Result<Disposition> {
        let rules = self.ctx.rules();
        let templates = rules.replies.get(ticket.language);
        let thread = templates.thread_words();
        let problems_text = listed_problems(&templates.phrases, problems);
        let (body, disposition) = if jobs.is_empty() {
            let text = format!("{problems_text}\n\n{}", thread.template_attached);
            let body = self
                .ctx
                .reply_body(&templates.needs_info.text, ticket, jobs, &[("problems", &text)]);
            (body, Disposition::Rejected)
        } else {
            let block = if problems.is_empty() {
                String::new()
            } else {
                format!(
                    "\n{}\n{problems_text}\n{}\n",
                    templates.phrases.problems_block, thread.example
                )
            };
            let body = self.ctx.reply_body(
                &templates.acknowledgement.text,
                ticket,
                jobs,
                &[("problems_block", &block)],
            );
            (body, Disposition::Processed)
        };
        let mut reply = self.ctx.outgoing(ticket, msgid, body, "auto-replied")?;
        if jobs.is_empty() || !problems.is_empty() {
            reply.attachments.push(self.ctx.template_attachment());
        }
        self.ctx.queue_reply(change, ticket, reply)?;
        change.event(ticket.id, None, self.ctx.clock.now(), "acknowledgement queued");
        Ok(disposition)
    }

    /// Keeps a mailbox that cannot be accepted yet on the ticket, as a job in `NeedsInfo` with
    /// the fields given so far (and its password sealed, when one was given), so that a reply
    /// in the thread can complete it. A mailbox without a usable address, or with no problem of
    /// its own (a duplicate), is not kept. `reuse` is its earlier pending job.
    fn keep_pending(
        &self,
        m: &MailboxRequest,
        lines: Vec<String>,
        reuse: Option<JobId>,
        ticket: &mut Ticket,
        change: &mut Change,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if lines.is_empty() || !validate::is_address(&m.email) {
            return Ok(());
        }
        let id = match reuse {
            Some(id) => id,
            None => self.ctx.store.next_job_id()?,
        };
        let (job, kept) = pending::pending_job(id, ticket.id, m, lines);
        match m.password.as_ref().filter(|p| !p.is_empty()) {
            Some(password) => self.ctx.store.seal_secret(change, id, password)?,
            None => self.ctx.store.wipe_secret(change, id),
        }
        change.job(&job)?;
        change.pending(id, &kept)?;
        change.event(
            ticket.id,
            Some(id),
            now,
            format!("mailbox {} waits for information from the customer", job.email),
        );
        if !ticket.jobs.contains(&id) {
            ticket.jobs.push(id);
        }
        Ok(())
    }

    /// A job for a mailbox that passed validation (numbered `reuse` when it was pending).
    fn job_from(
        &self,
        m: &ValidMailbox,
        ticket: TicketId,
        reuse: Option<JobId>,
    ) -> Result<(Job, Secret), Vec<FieldError>> {
        let (port, security) = m.source_port_and_security();
        let next = || match reuse {
            Some(id) => Ok(id),
            None => self.ctx.store.next_job_id(),
        };
        let id = next().map_err(|e| {
            vec![FieldError {
                code: String::new(),
                values: Vec::new(),
                row: m.row(),
                field: "email".into(),
                message: format!("could not be stored ({e}); support staff will look into it"),
            }]
        })?;
        let held = self.ctx.cfg.workers.require_approval;
        let job = Job {
            id,
            ticket,
            source: SourceSpec {
                host: m.source_host().to_string(),
                port,
                security,
                user: m.source_user().to_string(),
                login: Default::default(),
            },
            destination: m.destination(),
            schedule: m.schedule(),
            state: if held || m.schedule().is_some() {
                JobState::Waiting
            } else {
                JobState::Received
            },
            attempts: 0,
            last_error: None,
            report: None,
            not_before: m.schedule(),
            email: m.email(),
            final_pass: false,
            final_wanted: false,
            held,
            found: m.found(),
            found_by: None,
            pace: Default::default(),
            eta: None,
            actual: Default::default(),
        };
        Ok((job, m.password().clone()))
    }
}

/// One problem line of a reply, in the ticket's language: where (CSV row or the mail's text),
/// which field, what to do. A problem whose code has a sentence in the rules is told in that
/// sentence; one not yet converted keeps its English message.
pub(super) fn describe_error(templates: &Templates, e: &FieldError) -> String {
    let words = &templates.phrases;
    let field = templates.fields.get(&e.field).map_or(e.field.as_str(), String::as_str);
    let message = match templates.problems.get(&e.code) {
        Some(sentence) if !e.code.is_empty() => {
            let values: Vec<(&str, &str)> = e.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            render(sentence, &values)
        }
        _ => e.message.clone(),
    };
    let line = match e.row {
        Some(r) => render(
            &words.problem_in_row,
            &[("row", &r.to_string()), ("field", field), ("message", &message)],
        ),
        None => render(&words.problem, &[("field", field), ("message", &message)]),
    };
    format!("- {line}")
}

/// Where a mail handled before (by a process that may have died before filing it) is filed,
/// from the outcome recorded for its Message-ID. A request refused as a whole (its reply asked
/// for corrections) was first filed as rejected and is filed as processed here.
fn disposition_of(outcome: &str) -> Disposition {
    if outcome.starts_with("MIG-")
        || outcome.starts_with("command on")
        || outcome.starts_with("filed on")
        || outcome == "ignored: our own mail"
    {
        Disposition::Processed
    } else if outcome.starts_with("quarantined") {
        Disposition::Quarantine
    } else if outcome.starts_with("ignored:") {
        Disposition::Rejected
    } else {
        Disposition::Keep
    }
}

#[cfg(test)]
mod disposition_tests {
    use super::{disposition_of, Disposition};

    #[test]
    fn a_mail_read_again_is_filed_where_its_outcome_says() {
        assert_eq!(disposition_of("MIG-000007"), Disposition::Processed);
        assert_eq!(disposition_of("command on MIG-000007"), Disposition::Processed);
        assert_eq!(disposition_of("filed on MIG-000007"), Disposition::Processed);
        assert_eq!(disposition_of("ignored: our own mail"), Disposition::Processed);
        assert_eq!(disposition_of("quarantined: unreadable"), Disposition::Quarantine);
        assert_eq!(disposition_of("ignored: an auto-reply"), Disposition::Rejected);
        assert_eq!(disposition_of("left for staff"), Disposition::Keep);
        assert_eq!(
            disposition_of("left for staff: command from a stranger"),
            Disposition::Keep
        );
    }
}

/// Most problem lines one reply lists; a hostile or broken CSV can have thousands.
const MAX_PROBLEMS_LISTED: usize = 200;

/// The problem lines of a reply: at most [`MAX_PROBLEMS_LISTED`], then how many more there are.
fn listed_problems(words: &Phrases, problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(MAX_PROBLEMS_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if problems.len() > MAX_PROBLEMS_LISTED {
        let more = render(
            &words.more_problems,
            &[("count", &(problems.len() - MAX_PROBLEMS_LISTED).to_string())],
        );
        text.push_str(&format!("\n- {more}"));
    }
    text
}

#[cfg(test)]
mod listed_problems_tests {
    use super::*;

    #[test]
    fn a_long_list_of_problems_is_cut_with_a_count() {
        let many: Vec<String> = (0..5000)
            .map(|i| format!("- CSV row {i}, email: not an address"))
            .collect();
        let rules = crate::rules::Rules::builtin().unwrap();
        let words = &rules.replies.english().phrases;
        let text = listed_problems(words, &many);
        assert_eq!(text.lines().count(), MAX_PROBLEMS_LISTED + 1);
        assert!(text.ends_with("check the rest the same way"), "{text}");
        assert!(text.contains("and 4800 more problems"));
        assert_eq!(listed_problems(words, &many[..3]).lines().count(), 3);
        let german = listed_problems(&rules.replies.get(Language::De).phrases, &many);
        assert!(german.contains("4800") && !german.contains("more problems"), "{german}");
    }
}

#[cfg(test)]
mod problem_language_tests {
    use super::*;
    use crate::intake::MailboxRequest;

    /// The problem lines of a mailbox with a malformed address, no password, no server and
    /// port 0, as a reply in `language` lists them.
    fn lines_in(language: Language) -> Vec<String> {
        let rules = crate::rules::Rules::builtin().unwrap();
        let m = MailboxRequest {
            email: "anna.example.com".into(),
            source_port: Some(0),
            row: Some(2),
            ..Default::default()
        };
        let problems = validate::mailbox_problems(&m, &rules.policy, Utc::now());
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["not_an_address", "missing_password", "missing_server", "port_zero"]
        );
        problems
            .iter()
            .map(|p| describe_error(rules.replies.get(language), p))
            .collect()
    }

    const ENGLISH: [&str; 9] = [
        "not an", "password", "is given", "please", "e.g.", "server,", "write it", "add the", "email",
    ];

    fn assert_no_english(lines: &[String]) {
        for line in lines {
            let lower = line.to_lowercase();
            for word in ENGLISH {
                assert!(!lower.contains(word), "English {word:?} in {line:?}");
            }
        }
    }

    #[test]
    fn german_problem_lines_have_no_english() {
        let lines = lines_in(Language::De);
        assert_no_english(&lines);
        assert_eq!(
            lines[1],
            "- CSV-Zeile 2, Passwort: Für anna.example.com fehlt das Passwort; bitte nennen Sie uns das aktuelle Passwort des Postfachs"
        );
    }

    #[test]
    fn french_problem_lines_have_no_english() {
        let lines = lines_in(Language::Fr);
        assert_no_english(&lines);
        assert!(
            lines[0].contains("« anna.example.com » n'est pas une adresse e-mail"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn a_mailbox_asked_for_twice_is_told_in_german_and_french() {
        let rules = crate::rules::Rules::builtin().unwrap();
        let row = |r| MailboxRequest {
            email: "anna@old.example".into(),
            row: Some(r),
            ..Default::default()
        };
        let parsed = intake::ParsedMail {
            kind: Kind::Request,
            command: None,
            reason: None,
            meta: intake::MailMeta::default(),
            mailboxes: vec![row(2), row(3)],
            groupware: Vec::new(),
            errors: Vec::new(),
            ticket: None,
            attachments: Vec::new(),
            automated: false,
            language: None,
            author: None,
            unassigned: None,
        };
        let problems = validate::validate_offline(&parsed, &rules.policy, Utc::now());
        let twice = problems
            .iter()
            .find(|p| p.code == "duplicate_mailbox_in_row")
            .expect("the second row is reported");
        let de = describe_error(rules.replies.get(Language::De), twice);
        assert_eq!(
            de,
            "- CSV-Zeile 3, E-Mail-Adresse: anna@old.example ist zweimal angegeben (zuerst in CSV-Zeile 2); bitte entfernen Sie einen der beiden Einträge"
        );
        let fr = describe_error(rules.replies.get(Language::Fr), twice);
        assert_no_english(&[de, fr.clone()]);
        assert!(fr.contains("demandée deux fois"), "{fr}");
    }

    #[test]
    fn a_schedule_in_the_past_and_a_private_server_are_told_in_german_and_french() {
        let rules = crate::rules::Rules::builtin().unwrap();
        let now = Utc::now();
        let m = MailboxRequest {
            email: "anna@old.example".into(),
            password: Some(Secret::new("pw")),
            source_host: Some("127.0.0.1".into()),
            schedule: Some(now - chrono::Duration::hours(1)),
            ..Default::default()
        };
        let problems = validate::mailbox_problems(&m, &rules.policy, now);
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["server_private", "schedule_in_past"]);
        let de: Vec<String> = problems
            .iter()
            .map(|p| describe_error(rules.replies.get(Language::De), p))
            .collect();
        let fr: Vec<String> = problems
            .iter()
            .map(|p| describe_error(rules.replies.get(Language::Fr), p))
            .collect();
        assert_no_english(&de);
        assert_no_english(&fr);
        assert!(
            de[0].contains("127.0.0.1 ist eine private, lokale oder reservierte Adresse"),
            "{}",
            de[0]
        );
        assert!(
            de[1].starts_with("- Termin: ") && de[1].contains("liegt in der Vergangenheit"),
            "{}",
            de[1]
        );
        assert!(fr[1].contains("est déjà passé"), "{}", fr[1]);
    }

    #[test]
    fn english_problem_lines_keep_their_meaning() {
        let lines = lines_in(Language::En);
        assert!(
            lines[1].contains("no password is given for anna.example.com"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn a_problem_without_a_sentence_in_the_rules_keeps_its_english_message() {
        let rules = crate::rules::Rules::builtin().unwrap();
        let e = FieldError {
            row: None,
            field: "server".into(),
            message: "imap.x.example refused the connection".into(),
            code: "not_yet_translated".into(),
            values: Vec::new(),
        };
        let line = describe_error(rules.replies.get(Language::De), &e);
        assert!(
            line.contains("Server") && line.contains("refused the connection"),
            "{line}"
        );
    }
}
