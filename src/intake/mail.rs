//! [`parse_mail`]: the steps of intake in order, each in its own module.
//!
//! 1. headers and classification (ignored mail stops here),
//! 2. body text (text/plain, else HTML): forwarded mails taken out (`forward.rs`), the
//!    sender's own text without quotes and signature,
//! 3. a command, when the mail is a reply in a ticket's thread,
//! 4. tables, labelled lines and free sentences of the own and forwarded text, put together
//!    in text order (`assemble.rs`),
//! 5. spreadsheet files, contacts and calendar files (also those of attached mails),
//! 6. intent: a new mail that asks for a migration is a request even when it names nothing,
//!    with an error saying what is missing; its language.
//!
//! Pure: no I/O, no clock. Never copies a password anywhere but into a [`Secret`].
//!
//! [`Secret`]: crate::secret::Secret

use super::assemble::{assemble, fill_from, BodyFields};
use super::attachments::{attachments, Attachment};
use super::forward::{self, Forwarded};
use super::tables::{self, Origin};
use super::{command, fields, groupware, headers, html, intent, language, quotes, sentences, sheets};
use super::{AttachmentInfo, Command, FieldError, Kind, MailboxRequest, ParsedMail, Unassigned};
use crate::rules::Rules;
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// Why a reply whose command is in doubt (or that names two) is ignored: staff read it.
const FOR_STAFF: &str =
    "a reply for staff to read: a command with a negation, a condition or a question, or two commands";

/// Most mails attached to a mail (forwarded as attachments) that are read, in all.
const MAX_ATTACHED_MAILS: usize = 20;

/// Parses one raw mail.
pub fn parse_mail(raw: &[u8], rules: &Rules) -> ParsedMail {
    let mut msg = None;
    let parsed = parse_with(raw, rules, &mut msg);
    if let Some(m) = msg {
        drop_flat(m);
    }
    parsed
}

/// Drops a parsed message without recursion. mail-parser parses attached mails inside each
/// other (message/rfc822) without recursion, but dropping the nested result recurses once per
/// level: 50,000 levels (a 2.4 MB mail) overflowed a worker's 2 MiB stack and aborted the
/// daemon. Here nested messages are taken out and dropped one after the other.
fn drop_flat(msg: Message<'_>) {
    let mut stack = vec![msg];
    while let Some(mut m) = stack.pop() {
        for part in &mut m.parts {
            if let PartType::Message(_) = part.body {
                if let PartType::Message(inner) =
                    std::mem::replace(&mut part.body, PartType::Binary(Default::default()))
                {
                    stack.push(inner);
                }
            }
        }
    }
}

/// [`parse_mail`]'s steps; the parsed message is left in `keep` so that the caller drops it.
fn parse_with<'x>(raw: &'x [u8], rules: &Rules, keep: &mut Option<Message<'x>>) -> ParsedMail {
    if nesting_types(raw) > MAX_NESTING_TYPES {
        return ParsedMail::ignored(Default::default(), super::UNREADABLE);
    }
    // mail-parser asserts (in debug builds) an invariant that hostile MIME breaks (found by
    // fuzzing, fixtures/fuzz/mail/crash-b11dd…); whatever panics in the parser makes the mail
    // unreadable (quarantined), never a crashed daemon task.
    let parsed = std::panic::catch_unwind(|| MessageParser::default().parse(raw));
    let Some(msg) = parsed.ok().flatten() else {
        return ParsedMail::ignored(Default::default(), super::UNREADABLE);
    };
    let msg: &Message<'_> = keep.insert(msg);
    // Bytes without any of the headers every mail has are not a mail (binary garbage, a
    // stray file): the daemon quarantines them for staff.
    if !has_mail_headers(msg) {
        return ParsedMail::ignored(Default::default(), super::UNREADABLE);
    }
    let meta = headers::meta(msg);
    let ticket = rules.commands.ticket_in(&meta.subject);
    if let Some(reason) = rules.classify.ignore_reason(&headers::envelope(msg, &meta)) {
        // An automatic reply ("Automatisch antwoord: [MIG-000630] …") is never acted on: it
        // is ignored, and names the ticket its subject carries, in its language, so that it
        // is filed where a person looks (the daemon files it on its thread, unanswered).
        let mut p = ParsedMail::ignored(meta, &reason);
        p.automated = true;
        if ticket.is_some() {
            let (plain, html_text) = body_texts(msg);
            let own = quotes::strip_quoted(&plain);
            let full = if plain.trim().is_empty() {
                html_text.as_deref().unwrap_or("")
            } else {
                &plain
            };
            let language = language::of_reply(&p.meta.subject, &own, full, msg.header_raw("Content-Language"), rules);
            p.ticket = ticket;
            p.language = language;
        }
        return p;
    }
    let (plain, html_text) = body_texts(msg);
    let content_language = msg.header_raw("Content-Language");

    let is_reply = meta.in_reply_to.is_some() || !meta.references.is_empty() || ticket.is_some();
    if is_reply {
        let plain_own = quotes::strip_quoted(&plain);
        let first = if plain_own.trim().is_empty() {
            html_text.as_deref().map(quotes::strip_quoted).unwrap_or_default()
        } else {
            plain_own
        };
        let full = if plain.trim().is_empty() {
            html_text.as_deref().unwrap_or("")
        } else {
            &plain
        };
        match command::read(&first, rules) {
            // "Template attached" over a filled-in template is a request, not the command.
            command::Reading::Command(Command::Template) if msg.attachment_count() > 0 => {}
            command::Reading::Command(command) => {
                let mut p = ParsedMail::ignored(meta, "");
                p.kind = Kind::Command;
                p.command = Some(command);
                p.reason = None;
                p.ticket = ticket;
                p.language = language::of_reply(&p.meta.subject, &first, full, content_language, rules);
                return p;
            }
            command::Reading::ForStaff => {
                let mut p = ParsedMail::ignored(meta, FOR_STAFF);
                p.ticket = ticket;
                p.language = language::of_reply(&p.meta.subject, &first, full, content_language, rules);
                return p;
            }
            command::Reading::None => {}
        }
    }

    // Mails attached to this one (forwarded as attachments): their text and their files.
    let mut attached: Vec<(Forwarded, Vec<Attachment>)> = Vec::new();
    attached_mails(msg, 0, &mut attached);
    let attached_texts: Vec<Forwarded> = attached.iter().map(|(f, _)| f.clone()).collect();

    let ctx = Context {
        rules,
        subject: &meta.subject,
        forward_subject: forward::forward_subject(&meta.subject),
        is_reply,
    };
    let mut body = read_text(&plain, &attached_texts, &ctx);
    if body.mailboxes().is_empty() {
        if let Some(h) = &html_text {
            let from_html = read_text(h, &attached_texts, &ctx);
            if !from_html.mailboxes().is_empty()
                || (from_html.fields.labelled && !body.fields.labelled)
                || (plain.trim().is_empty() && !h.trim().is_empty())
            {
                body = from_html;
            }
        }
    }
    let author = body.forwards.iter().find_map(|f| f.author.clone());

    let body_count = body.fields.mailboxes.len() + body.table_mailboxes.len();
    let mut mailboxes = std::mem::take(&mut body.fields.mailboxes);
    let mut errors = std::mem::take(&mut body.fields.errors);
    for mut m in std::mem::take(&mut body.table_mailboxes) {
        fill_from(&mut m, &body.fields.shared);
        mailboxes.push(m);
    }
    errors.append(&mut body.table_errors);

    let mut groupware_files = Vec::new();
    let mut infos = Vec::new();
    // (file, content, from an attached mail)
    let mut all: Vec<(Attachment, bool)> = attachments(msg).into_iter().map(|a| (a, false)).collect();
    for (_, files) in attached {
        all.extend(files.into_iter().map(|a| (a, true)));
    }
    // (is a request file: table, vCard or iCalendar; its size)
    let files: Vec<(bool, usize)> = all.iter().map(|(a, _)| (is_request_file(a), a.data.len())).collect();
    let max_files = rules.policy.max_attachments;
    // Too many attachments is the customer's problem only when some are request files.
    let too_many = all.len() > max_files && files.iter().any(|(f, _)| *f);
    if too_many {
        errors.push(FieldError {
            code: String::new(),
            values: Vec::new(),
            row: None,
            field: "attachments".into(),
            message: format!(
                "the mail has {} attachments, more than the {max_files} allowed; none of them was read: \
                 send them in several mails of at most {max_files} files each",
                all.len()
            ),
        });
    }
    let mut owners: Vec<bool> = Vec::new();
    for (a, nested) in all {
        infos.push(AttachmentInfo {
            file: a.name.clone(),
            bytes: a.data.len(),
        });
        if too_many || a.data.len() > rules.policy.max_attachment_bytes {
            continue; // over a limit: reported (above, or by validation), never read
        }
        if let Some(kind) = groupware::kind_of(&a) {
            groupware_files.push(groupware::read(&a, kind, &mut errors));
            owners.push(nested);
        } else if let Some((content, strict)) = sheets::kind_of(&a) {
            let rows = sheets::read(&a, content, strict, rules, rules.policy.max_rows);
            if rows.over_limit {
                let max = rules.policy.max_rows;
                let what = if content == sheets::Content::Text {
                    "CSV"
                } else {
                    "spreadsheet"
                };
                errors.push(FieldError {
                    code: String::new(),
                    values: Vec::new(),
                    row: None,
                    field: a.name.clone(),
                    message: format!(
                        "too many rows: the {what} has more than {max} rows and the cap is {max}; none of its rows \
                         was read: split it into several mails of at most {max} rows each"
                    ),
                });
                continue;
            }
            for mut m in rows.mailboxes {
                fill_from(&mut m, &body.fields.shared);
                mailboxes.push(m);
            }
            errors.extend(rows.errors);
        }
    }
    for (g, nested) in groupware_files.iter_mut().zip(owners) {
        let owner = if nested {
            author.as_deref().or(meta.from.as_deref())
        } else {
            meta.from.as_deref()
        };
        g.mailbox = groupware::assign(&g.file, &mailboxes, owner);
    }

    // Contacts or a calendar sent with a sentence that names one mailbox and nothing else of
    // it ("the contacts of our reception account, a@x, attached"): the address says where the
    // files go; that mailbox's own migration is another mail's business.
    let bare = |m: &MailboxRequest| {
        m.row.is_none()
            && m.password.is_none()
            && m.source_host.is_none()
            && m.source_user.is_none()
            && m.source_port.is_none()
            && m.destination.is_none()
    };
    if !groupware_files.is_empty() && body_count == 1 && mailboxes.len() == 1 && mailboxes.iter().all(bare) {
        mailboxes.clear();
    }

    // A forwarded request whose fields name no address is its author's: "my login is grace.w,
    // password is …" forwarded by a colleague.
    if mailboxes.is_empty() && !is_reply {
        if let (Some(a), Some(o)) = (author.as_deref(), body.fields.orphan.as_ref()) {
            if o.password.is_some() || o.source_user.is_some() {
                let mut m = body.fields.orphan.take().unwrap_or_default();
                m.email = a.to_string();
                fill_from(&mut m, &body.fields.shared);
                mailboxes.push(m);
            }
        }
    }

    // A login that is the address itself is no separate login ("Identifiant" = the address).
    for m in &mut mailboxes {
        if m.source_user
            .as_deref()
            .is_some_and(|u| u.trim().eq_ignore_ascii_case(&m.email))
        {
            m.source_user = None;
        }
    }

    // Fields no address took: the only mailbox takes a password given alone; the rest is
    // kept for the daemon to merge into the ticket.
    let mut unassigned = None;
    if let Some(o) = body.fields.orphan.take() {
        let mut u = Unassigned {
            password: o.password,
            source_host: o.source_host,
            source_host_display: o.source_host_display,
            source_port: o.source_port,
            source_security: o.source_security,
            source_user: o.source_user,
        };
        if let [only] = mailboxes.as_mut_slice() {
            if only.password.is_none() {
                only.password = u.password.take();
            }
            if only.source_user.is_none() {
                only.source_user = u.source_user.take();
            }
        }
        if !mailboxes.is_empty() {
            // Server, port and security were shared into the mailboxes.
            u.source_host = None;
            u.source_host_display = None;
            u.source_port = None;
            u.source_security = None;
        }
        if u.password.is_some() && body_count == 0 {
            errors.push(FieldError {
                code: String::new(),
                values: Vec::new(),
                row: None,
                field: "email".into(),
                message:
                    "a password is given but no e-mail address; write it on its own line as `Email: you@example.com`"
                        .into(),
            });
        }
        unassigned = (!u.is_empty()).then_some(u);
    }

    // A table, vCard or iCalendar file over the size cap is a request too: validation tells
    // the customer the cap.
    let oversize = files
        .iter()
        .any(|(f, bytes)| *f && *bytes > rules.policy.max_attachment_bytes);
    // A new mail that asks for a migration is a request, whatever it lacks: when it names no
    // mailbox (and no file of it was refused as a whole), the error says what is missing.
    let asks = !is_reply && body.asks;
    let said = errors
        .iter()
        .any(|e| e.field == "email" || e.field == "attachments" || infos.iter().any(|a| a.file == e.field));
    if asks && mailboxes.is_empty() && groupware_files.is_empty() && !said && !oversize {
        errors.push(FieldError {
            code: String::new(),
            values: Vec::new(),
            row: None,
            field: "email".into(),
            message: "the mail asks for a migration but names no mailbox; write each mailbox to move as \
                      `Email: you@example.com` with its `Password:` and the old `IMAP server:` (or attach them as a \
                      CSV file with the columns email, password, server)"
                .into(),
        });
    }

    let anything =
        !mailboxes.is_empty() || !groupware_files.is_empty() || !errors.is_empty() || oversize || unassigned.is_some();
    // A reply's language is told even when it is ignored: staff and the next reply use it.
    let language = (anything || is_reply)
        .then(|| {
            let full = if plain.trim().is_empty() {
                html_text.as_deref().unwrap_or("")
            } else {
                &plain
            };
            let hints = language::client_hints(&meta.subject, full, rules);
            language::detect_with(
                &format!("{}\n{}", meta.subject, body.text),
                hints,
                content_language,
                rules,
            )
        })
        .flatten();
    ParsedMail {
        kind: if anything { Kind::Request } else { Kind::Ignored },
        command: None,
        reason: (!anything).then(|| {
            if is_reply {
                "a reply without a command or fields".to_string()
            } else {
                "no mailbox, attachment or command found".to_string()
            }
        }),
        ticket,
        meta,
        mailboxes,
        groupware: groupware_files,
        errors,
        attachments: infos,
        automated: false,
        language,
        author,
        unassigned,
    }
}

/// What a body is read with.
struct Context<'a> {
    rules: &'a Rules,
    subject: &'a str,
    forward_subject: bool,
    is_reply: bool,
}

/// What one body text (plain or HTML) says.
struct TextRead {
    /// Labelled lines and sentences, put together.
    fields: BodyFields,
    /// Rows of the tables in the text.
    table_mailboxes: Vec<MailboxRequest>,
    /// Their errors.
    table_errors: Vec<FieldError>,
    /// The forwarded mails in the text.
    forwards: Vec<Forwarded>,
    /// The sender's own text and the forwarded texts, as read.
    text: String,
    /// The subject or a sentence asks for a migration.
    asks: bool,
}

impl TextRead {
    fn mailboxes(&self) -> Vec<&MailboxRequest> {
        self.fields.mailboxes.iter().chain(&self.table_mailboxes).collect()
    }
}

/// Reads one body text: forwards split off, own text without quotes, then tables, labelled
/// lines and sentences of the own and forwarded texts (and of mails attached as files).
fn read_text(text: &str, attached: &[Forwarded], ctx: &Context<'_>) -> TextRead {
    let (own, mut forwards) = forward::split(text, ctx.forward_subject);
    let own = quotes::strip_quoted(&own);
    forwards.extend(attached.iter().cloned());
    let mut combined = own;
    for f in &forwards {
        combined.push_str("\n\n");
        combined.push_str(&f.text);
    }
    let mut read = read_combined(&combined, ctx);
    read.forwards = forwards;
    read
}

fn read_combined(combined: &str, ctx: &Context<'_>) -> TextRead {
    let rules = ctx.rules;
    let asks = intent::mail_asks(ctx.subject, combined, rules);
    let mut masked = combined.to_string();
    let mut table_mailboxes = Vec::new();
    let mut table_errors = Vec::new();
    let body_origin = Origin {
        file: None,
        sheet: None,
        strict: false,
        headerless: false,
    };
    for t in tables::text_tables(combined, rules) {
        let read = tables::read(t.rows, &body_origin, rules, rules.policy.max_rows);
        table_mailboxes.extend(read.mailboxes);
        table_errors.extend(read.errors);
        blank(&mut masked, t.span);
    }
    let labelled = fields::events(&masked, &rules.labels);
    for span in &labelled.spans {
        blank(&mut masked, *span);
    }
    let any_label = !labelled.events.is_empty();
    let mut events = labelled.events;
    events.extend(sentences::events(
        &masked,
        rules,
        !ctx.is_reply && intent::asks(ctx.subject, rules),
    ));
    let fields = assemble(events, any_label);
    TextRead {
        fields,
        table_mailboxes,
        table_errors,
        forwards: Vec::new(),
        text: combined.to_string(),
        asks,
    }
}

/// Replaces a range of lines with spaces (line breaks kept), so other readers skip it.
fn blank(text: &mut String, (start, end): (usize, usize)) {
    let end = end.min(text.len());
    if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return;
    }
    let spaces: String = text[start..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(start..end, &spaces);
}

/// The body text of a whole text (for the fuzz targets and tests): what [`parse_mail`] reads
/// from one body.
pub fn body_fields(text: &str, rules: &Rules) -> (Vec<MailboxRequest>, Vec<FieldError>) {
    let ctx = Context {
        rules,
        subject: "",
        forward_subject: false,
        is_reply: false,
    };
    let mut r = read_text(text, &[], &ctx);
    let mut mailboxes = std::mem::take(&mut r.fields.mailboxes);
    for mut m in r.table_mailboxes {
        fill_from(&mut m, &r.fields.shared);
        mailboxes.push(m);
    }
    let mut errors = r.fields.errors;
    errors.extend(r.table_errors);
    (mailboxes, errors)
}

/// Mails attached to `msg` (message/rfc822), each with its author, text and files, up to
/// [`MAX_ATTACHED_MAILS`] and [`forward::MAX_DEPTH`] levels.
fn attached_mails(msg: &Message<'_>, depth: usize, out: &mut Vec<(Forwarded, Vec<Attachment>)>) {
    if depth >= forward::MAX_DEPTH {
        return;
    }
    for part in msg.attachments() {
        if out.len() >= MAX_ATTACHED_MAILS {
            return;
        }
        let Some(inner) = part.message() else { continue };
        let (plain, html_text) = body_texts(inner);
        let text = if plain.trim().is_empty() {
            html_text.unwrap_or_default()
        } else {
            plain
        };
        let author = inner
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|s| s.to_lowercase());
        out.push((
            Forwarded {
                author,
                text: quotes::strip_quoted(&text),
            },
            attachments(inner),
        ));
        attached_mails(inner, depth + 1, out);
    }
}

/// The text/plain body and, when there is an HTML body, its text.
fn body_texts(msg: &Message<'_>) -> (String, Option<String>) {
    let mut plain = String::new();
    for id in &msg.text_body {
        if let Some(PartType::Text(t)) = msg.part(*id).map(|p| &p.body) {
            plain.push_str(t);
            plain.push('\n');
        }
    }
    let mut html_text = None;
    for id in &msg.html_body {
        if let Some(PartType::Html(h)) = msg.part(*id).map(|p| &p.body) {
            html_text
                .get_or_insert_with(String::new)
                .push_str(&html::html_to_text(h));
        }
    }
    if plain.is_empty() && html_text.is_none() {
        if let Some(text) = unsplit_multipart(msg) {
            plain = text;
        }
    }
    (plain, html_text)
}

/// The body of a multipart mail without its boundary, read as text: mail-parser keeps it as
/// one binary part, but the customer's words are there.
fn unsplit_multipart(msg: &Message<'_>) -> Option<String> {
    let root = msg.root_part();
    let multipart = root
        .content_type()
        .is_some_and(|c| c.ctype().eq_ignore_ascii_case("multipart"));
    match &root.body {
        PartType::Binary(b) | PartType::InlineBinary(b) if multipart => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// True when the message has at least one header that every real mail has.
fn has_mail_headers(msg: &Message<'_>) -> bool {
    msg.from().is_some()
        || msg.sender().is_some()
        || msg.reply_to().is_some()
        || msg.to().is_some()
        || msg.message_id().is_some()
        || msg.date().is_some()
        || msg.subject().is_some()
}

/// A file intake reads: a table (CSV, TSV, text, workbook), vCard or iCalendar.
fn is_request_file(a: &Attachment) -> bool {
    groupware::kind_of(a).is_some() || sheets::kind_of(a).is_some()
}

/// Most content types that nest a mail in a mail (`message/rfc822`, `message/global`,
/// `multipart/digest`) one mail may name. mail-parser keeps about 1.4 kB per nested mail:
/// 50,000 levels in a 2.4 MB mail took 70 MB, and the 64 MiB inbox cap would allow about
/// 2 million levels (some GB). Real mail names a handful; more is quarantined unread.
pub const MAX_NESTING_TYPES: usize = 1000;

/// How often the raw mail names a content type that nests mails (case-insensitive).
fn nesting_types(raw: &[u8]) -> usize {
    const NAMES: [&[u8]; 3] = [b"message/rfc822", b"message/global", b"multipart/digest"];
    let mut n = 0;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i] | 0x20;
        if b == b'm' {
            if let Some(name) = NAMES
                .iter()
                .find(|name| raw.get(i..i + name.len()).is_some_and(|w| w.eq_ignore_ascii_case(name)))
            {
                n += 1;
                i += name.len();
                continue;
            }
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod nesting_tests {
    use super::*;

    #[test]
    fn nesting_types_are_counted_in_any_case() {
        assert_eq!(nesting_types(b""), 0);
        assert_eq!(
            nesting_types(b"Content-Type: Message/RFC822\r\nx: MULTIPART/digest message/global message/"),
            3
        );
        assert_eq!(nesting_types(b"message/rfc822message/rfc822"), 2);
    }

    #[test]
    fn fifty_thousand_nested_mails_are_dropped_without_recursion() {
        let mut raw = Vec::new();
        for _ in 0..50_000 {
            raw.extend_from_slice(b"Subject: x\r\nContent-Type: message/rfc822\r\n\r\n");
        }
        raw.extend_from_slice(b"Subject: inner\r\n\r\ntext\r\n");
        // The plain drop of this message overflowed a 2 MiB stack (a tokio worker's).
        let ok = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let msg = MessageParser::default().parse(&raw[..]).expect("parses");
                drop_flat(msg);
            })
            .expect("thread")
            .join();
        assert!(ok.is_ok());
    }
}

#[cfg(test)]
mod template_command_tests {
    use super::*;

    fn reply(body: &str, csv: Option<&str>) -> ParsedMail {
        let head = "From: tom@garage.example\r\nTo: support@new.example\r\nSubject: Re: move [MIG-000004]\r\n\
                    Message-ID: <r1@garage.example>\r\nIn-Reply-To: <mig-000004.1.x@new.example>\r\nMIME-Version: 1.0\r\n";
        let raw = match csv {
            None => format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"),
            Some(csv) => format!(
                "{head}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
                 {body}\r\n--b\r\nContent-Type: text/csv; name=\"template.csv\"\r\n\
                 Content-Disposition: attachment; filename=\"template.csv\"\r\n\r\n{csv}\r\n--b--\r\n"
            ),
        };
        parse_mail(raw.as_bytes(), &Rules::builtin().unwrap())
    }

    #[test]
    fn template_alone_is_the_command_and_over_a_filled_in_file_it_is_a_request() {
        let p = reply("Template", None);
        assert_eq!((p.kind, p.command), (Kind::Command, Some(Command::Template)));
        let p = reply("Vorlage bitte", None);
        assert_eq!(p.command, Some(Command::Template));
        let p = reply(
            "Template attached.",
            Some("email,password,server\r\ntom@garage.example,Pw-1,imap.oldgarage.example\r\n"),
        );
        assert_eq!(p.kind, Kind::Request, "{:?}", p.reason);
        assert_eq!(p.command, None);
        assert_eq!(p.mailboxes.len(), 1);
        assert_eq!(p.mailboxes[0].email, "tom@garage.example");
    }
}
