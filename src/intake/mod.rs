//! Intake: raw request mail → what it asks for. Pure functions, no I/O, no clock.
//!
//! [`parse_mail`] reads the headers (thread ids, sender, auto-reply and list markers), the body
//! (labelled fields, tables and free sentences in six languages, forwarded mails), spreadsheet
//! attachments (CSV/TSV/text, Excel, LibreOffice) and `.vcf`/`.ics` files, and says whether the
//! mail is a request, a command in a ticket's thread, or something to ignore. A mail that asks
//! for a migration is never ignored: what it lacks becomes errors. It never puts a password
//! into anything that is printed: [`ParsedMail::to_json`] shows only whether one is present.

use crate::model::Security;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The reason given for bytes that do not parse as an e-mail message at all.
pub const UNREADABLE: &str = "not a readable e-mail message";

/// What a mail is, for mailferry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A migration request.
    Request,
    /// A command in a ticket's thread.
    Command,
    /// Not for us (auto-reply, bounce, list, our own mail, nothing recognisable).
    Ignored,
}

pub use crate::model::Command;

/// The headers that place a mail in a thread and say who sent it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailMeta {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To without angle brackets.
    pub in_reply_to: Option<String>,
    /// References, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Subject as sent.
    pub subject: String,
    /// The sender's address (From).
    pub from: Option<String>,
    /// Where replies go (Reply-To, else From).
    pub reply_to: Option<String>,
}

/// One mailbox asked for, from the body (`row` = None) or a file's row (spreadsheet numbering).
#[derive(Debug, Clone, Default)]
pub struct MailboxRequest {
    /// The row as a spreadsheet shows it (CSV: header = 1), or None for the body.
    pub row: Option<usize>,
    /// The sheet of a workbook the row is on, when the workbook has several sheets.
    pub sheet: Option<String>,
    /// The e-mail address to move.
    pub email: String,
    /// Its password at the old provider.
    pub password: Option<Secret>,
    /// The old provider's IMAP server, as used to connect (an internationalised name in its
    /// ASCII form, `imap.xn--mller-kva.de`).
    pub source_host: Option<String>,
    /// The server as the customer spelled it (`imap.müller.de`), when that differs.
    pub source_host_display: Option<String>,
    /// Its port.
    pub source_port: Option<u16>,
    /// Its security.
    pub source_security: Option<Security>,
    /// The login name there, when it is not the address.
    pub source_user: Option<String>,
    /// The mailbox on our side, when it is not the same address.
    pub destination: Option<String>,
    /// The earliest start asked for.
    pub schedule: Option<DateTime<Utc>>,
}

/// Contacts or calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupwareKind {
    /// vCard file.
    Contacts,
    /// iCalendar file.
    Calendar,
}

/// A `.vcf` or `.ics` attachment.
#[derive(Debug, Clone, Serialize)]
pub struct GroupwareFile {
    /// The attachment's file name.
    pub file: String,
    /// Contacts or calendar.
    pub kind: GroupwareKind,
    /// How many objects it holds.
    pub items: usize,
    /// The mailbox it belongs to.
    pub mailbox: Option<String>,
    /// The file's bytes.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// One problem with one field of one mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The CSV row (header = 1), or None for the body.
    pub row: Option<usize>,
    /// The field or column.
    pub field: String,
    /// What is wrong and how to fix it, in English (staff logs, `mailferry parse`; never a
    /// password). A customer reads it only when `code` is empty or has no sentence in the rules.
    pub message: String,
    /// The problem's stable name (`missing_password`, ...), keying its customer sentence in the
    /// `[problems]` table of `rules/replies/<language>.toml`; empty when not yet converted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// The named values the customer sentence is filled with (`email` -> the address, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<(String, String)>,
}

/// Fields a mail gives without naming the mailbox they belong to ("Password: …" alone in a
/// reply, "the server is imap.x.example"); the daemon merges them into the ticket.
#[derive(Debug, Clone, Default)]
pub struct Unassigned {
    /// A password (never printed).
    pub password: Option<Secret>,
    /// The old server.
    pub source_host: Option<String>,
    /// The server as spelled, when it differs (IDNA).
    pub source_host_display: Option<String>,
    /// Its port.
    pub source_port: Option<u16>,
    /// Its security.
    pub source_security: Option<Security>,
    /// The login name there.
    pub source_user: Option<String>,
}

impl Unassigned {
    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.password.is_none()
            && self.source_host.is_none()
            && self.source_port.is_none()
            && self.source_security.is_none()
            && self.source_user.is_none()
    }
}

/// Everything intake read from one mail.
#[derive(Debug, Clone)]
pub struct ParsedMail {
    /// Request, command or ignored.
    pub kind: Kind,
    /// The command, for `Kind::Command`.
    pub command: Option<Command>,
    /// Why the mail is ignored, for `Kind::Ignored`.
    pub reason: Option<String>,
    /// Thread and sender headers.
    pub meta: MailMeta,
    /// The mailboxes asked for.
    pub mailboxes: Vec<MailboxRequest>,
    /// Contacts and calendar files.
    pub groupware: Vec<GroupwareFile>,
    /// Problems found while reading.
    pub errors: Vec<FieldError>,
    /// The ticket tag found in the subject (`MIG-000123`).
    pub ticket: Option<String>,
    /// Every attachment's name and size, for the limit checks.
    pub attachments: Vec<AttachmentInfo>,
    /// True for machine mail (auto-reply, bounce, list, our own): never answered.
    pub automated: bool,
    /// The request's language, when it can be told (replies use it).
    pub language: Option<Language>,
    /// The author of a forwarded request (the forwarded mail's From); the requester stays
    /// `meta.from`, the sender the sender policy checks.
    pub author: Option<String>,
    /// Fields given without a mailbox they belong to.
    pub unassigned: Option<Unassigned>,
}

/// An attachment's name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// The file name ("" when none).
    pub file: String,
    /// Its size in bytes after transfer decoding.
    pub bytes: usize,
}

impl ParsedMail {
    /// A mail to ignore, with the reason.
    pub fn ignored(meta: MailMeta, reason: &str) -> ParsedMail {
        ParsedMail {
            kind: Kind::Ignored,
            command: None,
            reason: Some(reason.to_string()),
            meta,
            mailboxes: Vec::new(),
            groupware: Vec::new(),
            errors: Vec::new(),
            ticket: None,
            attachments: Vec::new(),
            automated: false,
            language: None,
            author: None,
            unassigned: None,
        }
    }

    /// The JSON view of `mailferry parse --json`: never a password, only whether one is there.
    pub fn to_json(&self) -> serde_json::Value {
        let mailboxes: Vec<_> = self
            .mailboxes
            .iter()
            .map(|m| {
                serde_json::json!({
                    "row": m.row,
                    "email": m.email,
                    "source_host": m.source_host,
                    "source_host_display": m.source_host_display,
                    "sheet": m.sheet,
                    "source_port": m.source_port,
                    "source_security": m.source_security,
                    "source_user": m.source_user,
                    "destination": m.destination,
                    "schedule": m.schedule.map(|t| t.to_rfc3339()),
                    "password_present": m.password.as_ref().is_some_and(|p| !p.is_empty()),
                })
            })
            .collect();
        serde_json::json!({
            "kind": self.kind,
            "command": self.command,
            "reason": self.reason,
            "ticket": self.ticket,
            "message_id": self.meta.message_id,
            "from": self.meta.from,
            "subject": self.meta.subject,
            "mailboxes": mailboxes,
            "groupware": self.groupware,
            "errors": self.errors,
            "language": self.language,
            "author": self.author,
            "unassigned": self.unassigned.as_ref().map(|u| serde_json::json!({
                "password_present": u.password.as_ref().is_some_and(|p| !p.is_empty()),
                "source_host": u.source_host,
                "source_host_display": u.source_host_display,
                "source_port": u.source_port,
                "source_security": u.source_security,
                "source_user": u.source_user,
            })),
        })
    }
}

mod assemble;
mod attachments;
mod command;
mod csvfile;
mod fields;
mod forward;
mod groupware;
mod headers;
mod html;
mod intent;
mod language;
mod mail;
mod quotes;
mod schedule;
mod sentences;
mod sheets;
mod tables;
mod values;

pub use language::Language;
pub use mail::{parse_mail, MAX_NESTING_TYPES};
pub use schedule::parse_schedule;

/// Single steps of [`parse_mail`] for the fuzz targets (`fuzz/`) and the hostile-input tests:
/// each runs the same code as intake does on a part of a mail, on bytes given directly.
pub mod steps {
    use super::{attachments::Attachment, csvfile, fields, groupware, quotes};
    use super::{FieldError, GroupwareFile, MailboxRequest};
    use crate::rules::Rules;

    /// A CSV attachment → its mailboxes and row errors, read as intake reads it (at most
    /// `max_rows + 1` data rows, with server/port given in `body` filling empty cells).
    pub fn csv_rows(file: &str, data: &[u8], body: &str, rules: &Rules) -> (Vec<MailboxRequest>, Vec<FieldError>) {
        let shared = fields::read(body, &rules.labels).shared;
        let rows = csvfile::read(file, data, rules, rules.policy.max_rows, true);
        let mut mailboxes = rows.mailboxes;
        for m in &mut mailboxes {
            fields::fill_from(m, &shared);
        }
        (mailboxes, rows.errors)
    }

    /// A spreadsheet or text attachment of any kind (by content) → its mailboxes and errors;
    /// None when intake would not read it as a table.
    pub fn sheet_rows(
        file: &str,
        content_type: &str,
        data: &[u8],
        rules: &Rules,
    ) -> Option<(Vec<MailboxRequest>, Vec<FieldError>)> {
        let a = Attachment {
            name: file.to_string(),
            content_type: content_type.to_lowercase(),
            data: data.to_vec(),
        };
        let (content, strict) = super::sheets::kind_of(&a)?;
        let rows = super::sheets::read(&a, content, strict, rules, rules.policy.max_rows);
        Some((rows.mailboxes, rows.errors))
    }

    /// A `.vcf`/`.ics` attachment (kind by `file`'s extension or `content_type`) → its count
    /// and errors, assigned to one of `mailboxes` or the sender; None when it is neither kind.
    pub fn groupware_file(
        file: &str,
        content_type: &str,
        data: &[u8],
        mailboxes: &[MailboxRequest],
        sender: Option<&str>,
    ) -> Option<(GroupwareFile, Vec<FieldError>)> {
        let a = Attachment {
            name: file.to_string(),
            content_type: content_type.to_lowercase(),
            data: data.to_vec(),
        };
        let kind = groupware::kind_of(&a)?;
        let mut errors = Vec::new();
        let mut g = groupware::read(&a, kind, &mut errors);
        g.mailbox = groupware::assign(&g.file, mailboxes, sender);
        Some((g, errors))
    }

    /// The customer's own text of a reply: quoted earlier messages and the signature dropped.
    pub fn reply_text(text: &str) -> String {
        quotes::strip_quoted(text)
    }

    /// The fields of a body text (tables, labelled lines, sentences, forwarded mails):
    /// mailboxes and value errors.
    pub fn body_fields(text: &str, rules: &Rules) -> (Vec<MailboxRequest>, Vec<FieldError>) {
        super::mail::body_fields(text, rules)
    }
}
