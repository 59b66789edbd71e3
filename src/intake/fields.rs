//! `Label: value` lines of the body → events for [`assemble`](super::assemble).
//!
//! A line is cut at ":", "=", " - ", a tab or a run of spaces; the left part must be a known
//! label (`rules/labels.toml`), else the line is prose and left to the sentence reader. A new
//! email label starts a new mailbox; a label with an empty value takes the next line
//! (plain-text renderings of tables). Never reads quoted text (the caller strips it first) and
//! never logs a value.

use super::assemble::{assemble, BodyFields, Event, Piece};
use crate::rules::{Field, Labels};

pub use super::assemble::fill_from;

/// The labelled lines of a text.
#[derive(Debug, Default)]
pub struct Labelled {
    /// One event per labelled line, at the line's offset.
    pub events: Vec<Event>,
    /// The byte ranges of the lines read (the sentence reader skips them).
    pub spans: Vec<(usize, usize)>,
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
        let value = line[i + len..].trim().to_string();
        let field = labels
            .field(&line[..i])
            .or_else(|| noted_label(&line[..i], &value, labels))?;
        Some((field, value))
    })
}

/// Most words after a known label that are a note to it ("Neues Postfach bei Ihnen").
const NOTE_WORDS: usize = 3;

/// A label with a note: "Passwort (alt)", "Server [old]" for any field; "Neues Postfach bei
/// Ihnen", "Old mailbox at the former provider" only for an address field whose value is an
/// address (a note after other labels may change their sense: "Password reset link").
fn noted_label(label: &str, value: &str, labels: &Labels) -> Option<Field> {
    if let Some(open) = label.find(['(', '[']) {
        let bare = label[..open].trim();
        if !bare.is_empty() && label.trim_end().ends_with([')', ']']) {
            return labels.field(bare);
        }
    }
    if !value.contains('@') {
        return None;
    }
    let words: Vec<&str> = label.split_whitespace().collect();
    (1..words.len())
        .rev()
        .filter(|&n| words.len() - n <= NOTE_WORDS)
        .find_map(|n| labels.field(&words[..n].join(" ")))
        .filter(|f| matches!(f, Field::Email | Field::Destination))
}

/// The labelled lines of `text` (already without quotes and signature) as events.
pub fn events(text: &str, labels: &Labels) -> Labelled {
    let mut out = Labelled::default();
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split('\n') {
        lines.push((at, line));
        at += line.len() + 1;
    }
    let has_email_label = lines
        .iter()
        .any(|(_, l)| matches!(label_value(l, labels), Some((Field::Email, v)) if v.contains('@')));
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let Some((field, mut value)) = label_value(line, labels) else {
            i += 1;
            continue;
        };
        let mut end = start + line.len();
        if value.is_empty() {
            if let Some((next_at, next)) = lines
                .get(i + 1)
                .filter(|(_, n)| !n.trim().is_empty() && label_value(n, labels).is_none())
            {
                value = next.trim().to_string();
                end = next_at + next.len();
                i += 1;
            }
        }
        i += 1;
        // "Utente: r.conti@…", "Login: anna@…" in a text with no address label: the
        // customer names the mailbox by its login, which is its address.
        let field = if field == Field::User && value.contains('@') && !has_email_label {
            Field::Email
        } else {
            field
        };
        if field == Field::Email && !value.contains('@') {
            // "Address: Main Street 1", "Konto: 12345": prose that happens to use a label.
            continue;
        }
        out.spans.push((start, end));
        if field == Field::Password && labels.withholds(&value) {
            // "Mot de passe : je vous le communique par SMS": read, and no password.
            continue;
        }
        let piece = if field == Field::Email {
            Piece::Address {
                email: super::values::address(&value),
                labelled: true,
            }
        } else {
            Piece::Field(field, value)
        };
        out.events.push(Event { at: start, piece });
    }
    out
}

/// Reads the labelled lines of `text` alone (no sentences): mailboxes, errors, shared values.
pub fn read(text: &str, labels: &Labels) -> BodyFields {
    let l = events(text, labels);
    let labelled = !l.events.is_empty();
    assemble(l.events, labelled)
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
