//! [`parse_mail`]: the steps of intake in order, each in its own module.
//!
//! 1. headers and classification (ignored mail stops here),
//! 2. body text (text/plain, else HTML) without quotes and signature,
//! 3. a command, when the mail is a reply in a ticket's thread,
//! 4. labelled fields, else free sentences,
//! 5. CSV rows and contacts/calendar files.
//!
//! Pure: no I/O, no clock. Never copies a password anywhere but into a [`Secret`].
//!
//! [`Secret`]: crate::secret::Secret

use super::attachments::{attachments, Attachment};
use super::fields::fill_from;
use super::{csvfile, fields, groupware, headers, html, quotes, sentences};
use super::{AttachmentInfo, FieldError, Kind, ParsedMail};
use crate::rules::Rules;
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

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
    if let Some(reason) = rules.classify.ignore_reason(&headers::envelope(msg, &meta)) {
        let mut p = ParsedMail::ignored(meta, &reason);
        p.automated = true;
        return p;
    }
    let ticket = rules.commands.ticket_in(&meta.subject);
    let (plain, html_text) = body_texts(msg);
    let plain = quotes::strip_quoted(&plain);
    let html_text = html_text.map(|h| quotes::strip_quoted(&h));

    let is_reply = meta.in_reply_to.is_some() || !meta.references.is_empty() || ticket.is_some();
    if is_reply {
        let first = if plain.trim().is_empty() {
            html_text.as_deref().unwrap_or("")
        } else {
            &plain
        };
        let command = first
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(rules.commands.first_lines)
            .find_map(|l| rules.commands.command(l));
        if let Some(command) = command {
            let mut p = ParsedMail::ignored(meta, "");
            p.kind = Kind::Command;
            p.command = Some(command);
            p.reason = None;
            p.ticket = ticket;
            return p;
        }
    }

    let mut body = fields::read(&plain, &rules.labels);
    if body.mailboxes.is_empty() {
        if let Some(h) = &html_text {
            let from_html = fields::read(h, &rules.labels);
            if !from_html.mailboxes.is_empty() || (from_html.labelled && !body.labelled) {
                body = from_html;
            }
        }
    }
    let text_for_sentences = if plain.trim().is_empty() {
        html_text.as_deref().unwrap_or("")
    } else {
        &plain
    };
    if !body.labelled {
        body.mailboxes = sentences::read(text_for_sentences, &rules.labels);
    }

    let mut mailboxes = body.mailboxes;
    let mut errors = body.errors;
    let mut groupware_files = Vec::new();
    let mut infos = Vec::new();
    let all = attachments(msg);
    // (is a request file: CSV, vCard or iCalendar; its size)
    let files: Vec<(bool, usize)> = all.iter().map(|a| (is_request_file(a), a.data.len())).collect();
    let max_files = rules.policy.max_attachments;
    // Too many attachments is the customer's problem only when some are request files.
    let too_many = all.len() > max_files && files.iter().any(|(f, _)| *f);
    if too_many {
        errors.push(FieldError {
            row: None,
            field: "attachments".into(),
            message: format!(
                "the mail has {} attachments, more than the {max_files} allowed; none of them was read: \
                 send them in several mails of at most {max_files} files each",
                all.len()
            ),
        });
    }
    for a in all {
        infos.push(AttachmentInfo {
            file: a.name.clone(),
            bytes: a.data.len(),
        });
        if too_many || a.data.len() > rules.policy.max_attachment_bytes {
            continue; // over a limit: reported (above, or by validation), never read
        }
        if is_csv(&a) {
            let rows = csvfile::read(&a.name, &a.data, &rules.csv, rules.policy.max_rows);
            if rows.over_limit {
                let max = rules.policy.max_rows;
                errors.push(FieldError {
                    row: None,
                    field: a.name.clone(),
                    message: format!(
                        "too many rows: the CSV has more than {max} rows and the cap is {max}; none of its rows \
                         was read: split it into several mails of at most {max} rows each"
                    ),
                });
                continue;
            }
            for mut m in rows.mailboxes {
                fill_from(&mut m, &body.shared);
                mailboxes.push(m);
            }
            errors.extend(rows.errors);
        } else if let Some(kind) = groupware::kind_of(&a) {
            groupware_files.push(groupware::read(&a, kind, &mut errors));
        }
    }
    for g in &mut groupware_files {
        g.mailbox = groupware::assign(&g.file, &mailboxes, meta.from.as_deref());
    }

    // A CSV, vCard or iCalendar file over the size cap is a request too: validation tells
    // the customer the cap.
    let oversize = files
        .iter()
        .any(|(f, bytes)| *f && *bytes > rules.policy.max_attachment_bytes);
    let anything = !mailboxes.is_empty() || !groupware_files.is_empty() || !errors.is_empty() || oversize;
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

fn is_csv(a: &Attachment) -> bool {
    a.name.to_lowercase().ends_with(".csv") || a.content_type == "text/csv"
}

/// A file intake reads: CSV, vCard or iCalendar.
fn is_request_file(a: &Attachment) -> bool {
    is_csv(a) || groupware::kind_of(a).is_some()
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
