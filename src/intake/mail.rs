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

use super::attachments::attachments;
use super::fields::fill_from;
use super::{csvfile, fields, groupware, headers, html, quotes, sentences};
use super::{AttachmentInfo, Kind, ParsedMail};
use crate::rules::Rules;
use mail_parser::{Message, MessageParser, PartType};

/// Parses one raw mail.
pub fn parse_mail(raw: &[u8], rules: &Rules) -> ParsedMail {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return ParsedMail::ignored(Default::default(), super::UNREADABLE);
    };
    let meta = headers::meta(&msg);
    if let Some(reason) = rules.classify.ignore_reason(&headers::envelope(&msg, &meta)) {
        let mut p = ParsedMail::ignored(meta, &reason);
        p.automated = true;
        return p;
    }
    let ticket = rules.commands.ticket_in(&meta.subject);
    let (plain, html_text) = body_texts(&msg);
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
    for a in attachments(&msg) {
        infos.push(AttachmentInfo {
            file: a.name.clone(),
            bytes: a.data.len(),
        });
        if a.data.len() > rules.policy.max_attachment_bytes {
            continue; // validation reports it; too big to read
        }
        let lname = a.name.to_lowercase();
        if lname.ends_with(".csv") || a.content_type == "text/csv" {
            let rows = csvfile::read(&a.name, &a.data, &rules.csv, rules.policy.max_rows);
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

    let anything = !mailboxes.is_empty() || !groupware_files.is_empty() || !errors.is_empty();
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
    (plain, html_text)
}
