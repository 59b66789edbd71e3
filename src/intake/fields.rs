//! `Label: value` lines of the body → mailboxes.
//!
//! A line is cut at ":", "=", " - ", a tab or a run of spaces; the left part must be a known
//! label (`rules/labels.toml`), else the line is prose and ignored. A new email label starts a
//! new mailbox; a label with an empty value takes the next line (plain-text renderings of
//! tables). Server, port, security and schedule given once apply to every mailbox lacking
//! them. Never reads quoted text (the caller strips it first) and never logs a value.

use super::values::apply;
use super::{FieldError, MailboxRequest};
use crate::rules::{Field, Labels};

/// What the body's labelled lines say.
#[derive(Debug, Default)]
pub struct BodyFields {
    /// The mailboxes, in the order written.
    pub mailboxes: Vec<MailboxRequest>,
    /// Values that could not be read.
    pub errors: Vec<FieldError>,
    /// Server, port, security and schedule written once, for CSV rows that lack them.
    pub shared: MailboxRequest,
    /// True when any line carried a known label.
    pub labelled: bool,
}

/// Splits a line into a known label and its value.
pub fn label_value(line: &str, labels: &Labels) -> Option<(Field, String)> {
    let line = line.trim();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for sep in [":", "=", "\t", " - ", "："] {
        if let Some(i) = line.find(sep) {
            cuts.push((i, sep.len()));
        }
    }
    if let Some(i) = line.find("  ") {
        cuts.push((i, 2));
    }
    cuts.sort();
    if let Some(field) = labels.field(line) {
        return Some((field, String::new()));
    }
    cuts.into_iter().find_map(|(i, len)| {
        let field = labels.field(&line[..i])?;
        Some((field, line[i + len..].trim().to_string()))
    })
}

/// Reads the labelled lines of `text` (already without quotes and signature).
pub fn read(text: &str, labels: &Labels) -> BodyFields {
    let mut out = BodyFields::default();
    let mut current = MailboxRequest::default();
    let mut touched = false;
    // Mailboxes whose own schedule could not be read do not take another one's.
    let mut bad_schedule: Vec<bool> = Vec::new();
    let mut current_bad = false;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some((field, mut value)) = label_value(lines[i], labels) else {
            i += 1;
            continue;
        };
        if value.is_empty() {
            if let Some(next) = lines
                .get(i + 1)
                .filter(|n| !n.trim().is_empty() && label_value(n, labels).is_none())
            {
                value = next.trim().to_string();
                i += 1;
            }
        }
        i += 1;
        if field == Field::Email && !value.contains('@') {
            // "Address: Main Street 1", "Konto: 12345": prose that happens to use a label.
            continue;
        }
        out.labelled = true;
        if field == Field::Email && !current.email.is_empty() {
            out.mailboxes.push(std::mem::take(&mut current));
            bad_schedule.push(std::mem::take(&mut current_bad));
        }
        let before = out.errors.len();
        apply(&mut current, field, &value, None, &mut out.errors);
        current_bad |= field == Field::Schedule && out.errors.len() > before;
        touched = true;
    }
    if touched {
        out.mailboxes.push(current);
        bad_schedule.push(current_bad);
    }
    share(&mut out, &bad_schedule);
    out
}

/// Fills server, port, security and schedule given once into the mailboxes lacking them;
/// drops entries that name no mailbox (only shared settings), reporting a password without
/// an address.
fn share(out: &mut BodyFields, bad_schedule: &[bool]) {
    fn single<T: Clone + PartialEq>(values: impl Iterator<Item = Option<T>>) -> Option<T> {
        let mut seen: Option<T> = None;
        for v in values.flatten() {
            match &seen {
                None => seen = Some(v),
                Some(s) if *s == v => {}
                Some(_) => return None,
            }
        }
        seen
    }
    let mbs = &out.mailboxes;
    out.shared.source_host = single(mbs.iter().map(|m| m.source_host.clone()));
    out.shared.source_port = single(mbs.iter().map(|m| m.source_port));
    out.shared.source_security = single(mbs.iter().map(|m| m.source_security));
    out.shared.schedule = single(mbs.iter().map(|m| m.schedule));
    let shared = &out.shared;
    for (m, bad) in out.mailboxes.iter_mut().zip(bad_schedule) {
        let had_schedule = m.schedule.is_some();
        fill_from(m, shared);
        if *bad && !had_schedule {
            m.schedule = None;
        }
    }
    let before = out.mailboxes.len();
    let mut orphan_password = false;
    out.mailboxes.retain(|m| {
        if m.email.is_empty() {
            orphan_password |= m.password.is_some();
            return false;
        }
        true
    });
    if orphan_password && before > 0 {
        out.errors.push(FieldError {
            row: None,
            field: "email".into(),
            message: "a password is given but no e-mail address; write it on its own line as `Email: you@example.com`"
                .into(),
        });
    }
}

/// Sets server, port, security and schedule of `m` from `shared` where `m` has none.
pub fn fill_from(m: &mut MailboxRequest, shared: &MailboxRequest) {
    if m.source_host.is_none() {
        m.source_host.clone_from(&shared.source_host);
    }
    if m.source_port.is_none() {
        m.source_port = shared.source_port;
    }
    if m.source_security.is_none() {
        m.source_security = shared.source_security;
    }
    if m.schedule.is_none() {
        m.schedule = shared.schedule;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels::parse(include_str!("../../rules/labels.toml")).unwrap()
    }

    #[test]
    fn several_mailboxes_share_the_server() {
        let t = "Hello\nServer: imap.x.example\nPort = 993\n\nEmail: a@x.example\nPassword: p1\n\
                 E-Mail - b@x.example\nPasswort\tp2\nThanks: nothing";
        let f = read(t, &labels());
        assert_eq!(f.mailboxes.len(), 2);
        assert_eq!(f.mailboxes[1].email, "b@x.example");
        assert_eq!(f.mailboxes[1].source_host.as_deref(), Some("imap.x.example"));
        assert_eq!(f.mailboxes[1].source_port, Some(993));
        assert_eq!(f.mailboxes[1].password.as_ref().map(|p| p.expose()), Some("p2"));
    }

    #[test]
    fn an_email_label_without_an_address_is_prose() {
        let f = read("Address: Main Street 1\nKonto: 12345\n", &labels());
        assert!(f.mailboxes.is_empty());
        assert!(!f.labelled);
    }

    #[test]
    fn value_on_the_next_line() {
        let f = read("Email\nanna@x.example\nPassword\nS3cret\n", &labels());
        assert_eq!(f.mailboxes[0].email, "anna@x.example");
        assert!(f.mailboxes[0].password.is_some());
    }
}
