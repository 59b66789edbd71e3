//! Reading the fields of a request from the body text.

use super::{headers, Kind, MailboxRequest, ParsedMail};
use crate::rules::Rules;
use crate::secret::Secret;
use mail_parser::MessageParser;

/// Parses one raw mail.
pub fn parse_mail(raw: &[u8], _rules: &Rules) -> ParsedMail {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return ParsedMail {
            kind: Kind::Ignored,
            command: None,
            reason: Some("not a readable e-mail message".into()),
            meta: Default::default(),
            mailboxes: Vec::new(),
            groupware: Vec::new(),
            errors: Vec::new(),
        };
    };
    let meta = headers::meta(&msg);
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let mut current = MailboxRequest::default();
    for line in text.lines() {
        let Some((label, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match label.trim().to_ascii_lowercase().as_str() {
            "e-mail" | "email" | "e-mail address" | "email address" => current.email = value.to_ascii_lowercase(),
            "password" => current.password = Some(Secret::new(value)),
            "imap server" | "server" => current.source_host = Some(value.to_string()),
            "port" => current.source_port = value.parse().ok(),
            "new address" | "destination" => current.destination = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let mailboxes = if current.email.is_empty() {
        Vec::new()
    } else {
        vec![current]
    };
    ParsedMail {
        kind: if mailboxes.is_empty() {
            Kind::Ignored
        } else {
            Kind::Request
        },
        command: None,
        reason: None,
        meta,
        mailboxes,
        groupware: Vec::new(),
        errors: Vec::new(),
    }
}
