//! The mailboxes of a ticket that wait for information, and how a reply in the thread
//! completes them: a mailbox kept in `NeedsInfo` (its fields in the store, its password sealed
//! like a job's) turns back into the request it came from; a reply's rows replace or complete
//! the pending ones they name by address; a field given alone ("Password: …") goes to the one
//! pending mailbox it can belong to, or the reply asks which.
//!
//! Pure: no store, no clock, no network. Never logs or prints a value, and never guesses a
//! mailbox for a field when two could take it.

use crate::intake::{MailboxRequest, Unassigned};
use crate::model::{Job, JobId, JobState, PendingMailbox, SourceSpec, TicketId};
use crate::secret::Secret;

/// One field a reply gives without naming the mailbox it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bare {
    /// The password.
    Password,
    /// The old server (with its spelling).
    Server,
    /// The port and security.
    Port,
    /// The login name.
    User,
}

impl Bare {
    /// The field's key in the `[fields]` table of the reply files.
    pub(super) fn field_key(self) -> &'static str {
        match self {
            Bare::Password => "password",
            Bare::Server => "server",
            Bare::Port => "port",
            Bare::User => "user",
        }
    }

    /// True when `m` lacks this field (only a password and a server can be missing).
    fn missing_in(self, m: &MailboxRequest) -> bool {
        match self {
            Bare::Password => m.password.as_ref().is_none_or(|p| p.is_empty()),
            Bare::Server => m.source_host.is_none(),
            Bare::Port | Bare::User => false,
        }
    }
}

/// Where a bare field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// To the pending mailbox at this index.
    Mailbox(usize),
    /// More than one pending mailbox could take it: the customer is asked which.
    Ambiguous,
    /// The ticket has no pending mailbox.
    Nowhere,
}

/// The pending mailbox a bare `field` belongs to: the one the reply names (`named`: indexes
/// into `pending`); else the only one still missing that field; else the only pending one;
/// for a port or login, else the mailbox this reply's password or server went to (`hint`).
/// Anything else is [`Target::Ambiguous`]: never guessed.
pub(super) fn assign(field: Bare, pending: &[MailboxRequest], named: &[usize], hint: Option<usize>) -> Target {
    if pending.is_empty() {
        return Target::Nowhere;
    }
    match named {
        [one] => return Target::Mailbox(*one),
        [_, _, ..] => return Target::Ambiguous,
        [] => {}
    }
    let missing: Vec<usize> = (0..pending.len()).filter(|&i| field.missing_in(&pending[i])).collect();
    match missing.as_slice() {
        [one] => return Target::Mailbox(*one),
        [_, _, ..] => return Target::Ambiguous,
        [] => {}
    }
    if pending.len() == 1 {
        return Target::Mailbox(0);
    }
    match (field, hint) {
        (Bare::Port | Bare::User, Some(i)) => Target::Mailbox(i),
        _ => Target::Ambiguous,
    }
}

/// The bare fields of a reply, in the order they are assigned (password and server first, so a
/// port or login given with them follows them).
pub(super) fn bare_fields(u: &Unassigned) -> Vec<Bare> {
    let mut out = Vec::new();
    if u.password.as_ref().is_some_and(|p| !p.is_empty()) {
        out.push(Bare::Password);
    }
    if u.source_host.is_some() {
        out.push(Bare::Server);
    }
    if u.source_port.is_some() || u.source_security.is_some() {
        out.push(Bare::Port);
    }
    if u.source_user.is_some() {
        out.push(Bare::User);
    }
    out
}

/// Puts one bare field of `u` into `m`.
pub(super) fn give(m: &mut MailboxRequest, field: Bare, u: &Unassigned) {
    match field {
        Bare::Password => m.password = u.password.clone(),
        Bare::Server => {
            m.source_host = u.source_host.clone();
            m.source_host_display = u.source_host_display.clone();
        }
        Bare::Port => {
            if u.source_port.is_some() {
                m.source_port = u.source_port;
            }
            if u.source_security.is_some() {
                m.source_security = u.source_security;
            }
        }
        Bare::User => m.source_user = u.source_user.clone(),
    }
}

/// A reply's row for a pending mailbox: a spreadsheet row replaces it whole (a corrected CSV);
/// fields written in the text complete it, each given field over the one kept.
pub(super) fn merge_row(pending: &MailboxRequest, row: &MailboxRequest) -> MailboxRequest {
    if row.row.is_some() {
        return row.clone();
    }
    let mut m = pending.clone();
    m.row = None;
    m.sheet = None;
    if row.password.as_ref().is_some_and(|p| !p.is_empty()) {
        m.password = row.password.clone();
    }
    if row.source_host.is_some() {
        m.source_host = row.source_host.clone();
        m.source_host_display = row.source_host_display.clone();
    }
    m.source_port = row.source_port.or(m.source_port);
    m.source_security = row.source_security.or(m.source_security);
    m.source_user = row.source_user.clone().or(m.source_user);
    m.destination = row.destination.clone().or(m.destination);
    m.schedule = row.schedule.or(m.schedule);
    m
}

/// The request a pending mailbox came from: its job, the fields kept for it and its sealed
/// password (if one was given).
pub(super) fn request_of(job: &Job, kept: Option<&PendingMailbox>, password: Option<Secret>) -> MailboxRequest {
    let email = if job.email.is_empty() {
        job.destination.clone()
    } else {
        job.email.clone()
    };
    match kept {
        Some(p) => MailboxRequest {
            email,
            password,
            source_host: p.host.clone(),
            source_host_display: p.host_display.clone(),
            source_port: p.port,
            source_security: p.security,
            source_user: p.user.clone(),
            destination: p.destination.clone(),
            schedule: job.schedule,
            ..Default::default()
        },
        // Kept fields wiped (retention): what the job itself says.
        None => MailboxRequest {
            source_host: (!job.source.host.is_empty()).then(|| job.source.host.clone()),
            destination: (job.destination != email).then(|| job.destination.clone()),
            email,
            password,
            schedule: job.schedule,
            ..Default::default()
        },
    }
}

/// The job (in `NeedsInfo`) and the kept fields of a mailbox that cannot be accepted yet;
/// `problems` are the lines the customer is told for it.
pub(super) fn pending_job(
    id: JobId,
    ticket: TicketId,
    m: &MailboxRequest,
    problems: Vec<String>,
) -> (Job, PendingMailbox) {
    let email = m.email.to_ascii_lowercase();
    let security = m.source_security.unwrap_or_default();
    let last = problems
        .iter()
        .map(|l| l.trim_start_matches("- ").to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let job = Job {
        id,
        ticket,
        source: SourceSpec {
            host: m.source_host.clone().unwrap_or_default(),
            port: m.source_port.unwrap_or(security.default_imap_port()),
            security,
            user: m.source_user.clone().unwrap_or_else(|| email.clone()),
            login: Default::default(),
        },
        destination: m
            .destination
            .clone()
            .unwrap_or_else(|| email.clone())
            .to_ascii_lowercase(),
        schedule: m.schedule,
        state: JobState::NeedsInfo,
        attempts: 0,
        last_error: (!last.is_empty()).then_some(last),
        report: None,
        not_before: None,
        email,
        final_pass: false,
        final_wanted: false,
        held: false,
        found: None,
        found_by: None,
        pace: Default::default(),
        eta: None,
        actual: Default::default(),
    };
    let kept = PendingMailbox {
        host: m.source_host.clone(),
        host_display: m.source_host_display.clone(),
        port: m.source_port,
        security: m.source_security,
        user: m.source_user.clone(),
        destination: m.destination.clone(),
        problems,
    };
    (job, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(email: &str, password: bool, server: bool) -> MailboxRequest {
        MailboxRequest {
            email: email.into(),
            password: password.then(|| Secret::new("kept")),
            source_host: server.then(|| "imap.old.example".to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn a_bare_password_goes_to_the_only_mailbox_missing_one() {
        let p = [pending("a@x.example", true, true), pending("b@x.example", false, true)];
        assert_eq!(assign(Bare::Password, &p, &[], None), Target::Mailbox(1));
    }

    #[test]
    fn a_bare_password_with_two_mailboxes_missing_one_asks_which() {
        let p = [pending("a@x.example", false, true), pending("b@x.example", false, true)];
        assert_eq!(assign(Bare::Password, &p, &[], None), Target::Ambiguous);
    }

    #[test]
    fn the_mailbox_the_reply_names_takes_the_field() {
        let p = [pending("a@x.example", false, true), pending("b@x.example", false, true)];
        assert_eq!(assign(Bare::Password, &p, &[0], None), Target::Mailbox(0));
        assert_eq!(assign(Bare::Password, &p, &[0, 1], None), Target::Ambiguous);
    }

    #[test]
    fn the_only_pending_mailbox_takes_a_correction_even_when_nothing_is_missing() {
        let p = [pending("a@x.example", true, true)];
        assert_eq!(assign(Bare::Password, &p, &[], None), Target::Mailbox(0));
        assert_eq!(assign(Bare::Server, &p, &[], None), Target::Mailbox(0));
        assert_eq!(assign(Bare::Password, &[], &[], None), Target::Nowhere);
    }

    #[test]
    fn a_bare_server_goes_to_the_only_mailbox_without_one_and_a_port_follows_it() {
        let p = [
            pending("a@x.example", false, true),
            pending("b@x.example", false, false),
        ];
        assert_eq!(assign(Bare::Server, &p, &[], None), Target::Mailbox(1));
        assert_eq!(assign(Bare::Port, &p, &[], Some(1)), Target::Mailbox(1));
        assert_eq!(assign(Bare::Port, &p, &[], None), Target::Ambiguous);
        assert_eq!(assign(Bare::User, &p, &[], None), Target::Ambiguous);
    }

    #[test]
    fn a_csv_row_replaces_and_text_fields_complete() {
        let kept = MailboxRequest {
            source_port: Some(993),
            ..pending("a@x.example", false, true)
        };
        let text = MailboxRequest {
            password: Some(Secret::new("new")),
            ..pending("a@x.example", false, false)
        };
        let merged = merge_row(&kept, &text);
        assert_eq!(merged.source_host.as_deref(), Some("imap.old.example"));
        assert_eq!(merged.source_port, Some(993));
        assert_eq!(
            merged.password.as_ref().map(|p| p.expose().to_string()),
            Some("new".into())
        );
        let row = MailboxRequest {
            row: Some(2),
            ..text.clone()
        };
        let replaced = merge_row(&kept, &row);
        assert_eq!(replaced.source_host, None, "a corrected row stands for itself");
        assert_eq!(replaced.row, Some(2));
    }

    #[test]
    fn a_pending_job_comes_back_as_the_request_it_was() {
        let m = MailboxRequest {
            email: "Tom@Garage.example".into(),
            source_host: Some("imap.oldgarage.example".into()),
            source_port: Some(143),
            ..Default::default()
        };
        let (job, kept) = pending_job(JobId(4), TicketId(2), &m, vec!["- password: missing".into()]);
        assert_eq!(job.state, JobState::NeedsInfo);
        assert_eq!(job.last_error.as_deref(), Some("password: missing"));
        let back = request_of(&job, Some(&kept), Some(Secret::new("pw")));
        assert_eq!(back.email, "tom@garage.example");
        assert_eq!(back.source_host.as_deref(), Some("imap.oldgarage.example"));
        assert_eq!(back.source_port, Some(143));
        assert_eq!(back.source_security, None, "not given, not made up");
        assert!(back.password.is_some());
    }
}
