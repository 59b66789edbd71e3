//! What the body says, in the order it says it → mailboxes.
//!
//! Labelled lines (`fields.rs`) and free sentences (`sentences.rs`) each give events: an
//! address, or a field with its value, at a place in the text. Here they are put together in
//! text order: an address starts a mailbox (a sentence naming an address already seen goes
//! back to it), a field belongs to the mailbox before it, fields before the first address to
//! the first. Server, port, security and schedule given once apply to every mailbox lacking
//! them. Fields that no address takes are kept apart ("unassigned"), never guessed onto one.
//! Never logs a value and never puts a password into a message.

use super::values::apply;
use super::{FieldError, MailboxRequest};
use crate::rules::Field;

/// One thing the body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A mailbox's address; `labelled` when written as `Email: …` (each such line is a mailbox
    /// of its own, even when repeated), else named in a sentence.
    Address {
        /// The address, lower case.
        email: String,
        /// From a labelled line.
        labelled: bool,
    },
    /// Any other field, with its value as written.
    Field(Field, String),
}

/// A piece and where it stands in the text (byte offset), for ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Byte offset in the text read.
    pub at: usize,
    /// What it says.
    pub piece: Piece,
}

/// What the body's labelled lines and sentences say.
#[derive(Debug, Default)]
pub struct BodyFields {
    /// The mailboxes, in the order written.
    pub mailboxes: Vec<MailboxRequest>,
    /// Values that could not be read.
    pub errors: Vec<FieldError>,
    /// Server, port, security and schedule written once, for rows of tables and files that
    /// lack them.
    pub shared: MailboxRequest,
    /// True when any line carried a known label.
    pub labelled: bool,
    /// Fields that no address took (before any address, in a mail naming none).
    pub orphan: Option<MailboxRequest>,
}

/// Puts the events together (they need not be sorted).
pub fn assemble(mut events: Vec<Event>, labelled: bool) -> BodyFields {
    events.sort_by_key(|e| e.at);
    let mut out = BodyFields {
        labelled,
        ..Default::default()
    };
    let mut boxes: Vec<MailboxRequest> = Vec::new();
    // Per mailbox: made by a sentence (a labelled line of the same address joins it), and its
    // own schedule could not be read (it does not take another one's).
    let mut weak: Vec<bool> = Vec::new();
    let mut bad_schedule: Vec<bool> = Vec::new();
    let mut pending = MailboxRequest::default();
    let mut pending_bad = false;
    let mut pending_used = false;
    let mut cur: Option<usize> = None;
    for ev in events {
        match ev.piece {
            Piece::Address { email, labelled } => {
                if email.is_empty() {
                    continue;
                }
                let same = |i: usize| boxes[i].email == email;
                if labelled {
                    if let Some(i) = cur.filter(|&i| same(i) && weak[i]) {
                        weak[i] = false;
                        continue;
                    }
                    if let Some(i) = (0..boxes.len()).find(|&i| same(i) && weak[i]) {
                        weak[i] = false;
                        cur = Some(i);
                        continue;
                    }
                } else if let Some(i) = (0..boxes.len()).find(|&i| same(i)) {
                    cur = Some(i);
                    continue;
                }
                let mut mb = if pending_used {
                    MailboxRequest::default()
                } else {
                    pending_used = true;
                    bad_schedule.push(pending_bad);
                    std::mem::take(&mut pending)
                };
                if bad_schedule.len() == boxes.len() {
                    bad_schedule.push(false);
                }
                mb.email = email;
                boxes.push(mb);
                weak.push(!labelled);
                cur = Some(boxes.len() - 1);
            }
            Piece::Field(field, value) => {
                let before = out.errors.len();
                let target = match cur {
                    Some(i) => &mut boxes[i],
                    None => &mut pending,
                };
                apply(target, field, &value, None, &mut out.errors);
                let failed = field == Field::Schedule && out.errors.len() > before;
                match cur {
                    Some(i) => bad_schedule[i] |= failed,
                    None => pending_bad |= failed,
                }
            }
        }
    }
    let orphan = (!pending_used && touched(&pending)).then_some(pending);
    share(&mut out, &mut boxes, orphan.as_ref(), &bad_schedule);
    out.mailboxes = boxes;
    out.orphan = orphan;
    out
}

/// True when any field of `m` is set.
fn touched(m: &MailboxRequest) -> bool {
    m.password.is_some()
        || m.source_host.is_some()
        || m.source_port.is_some()
        || m.source_security.is_some()
        || m.source_user.is_some()
        || m.destination.is_some()
        || m.schedule.is_some()
}

/// Fills server, port, security and schedule given once into the mailboxes lacking them.
fn share(out: &mut BodyFields, boxes: &mut [MailboxRequest], orphan: Option<&MailboxRequest>, bad: &[bool]) {
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
    let all = || boxes.iter().chain(orphan);
    out.shared.source_host = single(all().map(|m| m.source_host.clone()));
    out.shared.source_host_display = single(all().map(|m| m.source_host_display.clone()));
    if out.shared.source_host.is_none() {
        out.shared.source_host_display = None;
    }
    out.shared.source_port = single(all().map(|m| m.source_port));
    out.shared.source_security = single(all().map(|m| m.source_security));
    out.shared.schedule = single(all().map(|m| m.schedule));
    for (i, m) in boxes.iter_mut().enumerate() {
        let had_schedule = m.schedule.is_some();
        fill_from(m, &out.shared);
        if bad.get(i).copied().unwrap_or(false) && !had_schedule {
            m.schedule = None;
        }
    }
}

/// Sets server, port, security and schedule of `m` from `shared` where `m` has none.
pub fn fill_from(m: &mut MailboxRequest, shared: &MailboxRequest) {
    if m.source_host.is_none() {
        m.source_host.clone_from(&shared.source_host);
        m.source_host_display.clone_from(&shared.source_host_display);
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

    fn addr(at: usize, email: &str, labelled: bool) -> Event {
        Event {
            at,
            piece: Piece::Address {
                email: email.into(),
                labelled,
            },
        }
    }

    fn field(at: usize, f: Field, v: &str) -> Event {
        Event {
            at,
            piece: Piece::Field(f, v.into()),
        }
    }

    #[test]
    fn a_sentence_address_takes_the_labelled_lines_after_it() {
        // "Please migrate lea@law.example." then "Password: …" and "Server: …" lines.
        let b = assemble(
            vec![
                addr(0, "lea@law.example", false),
                field(40, Field::Password, "Justice-42"),
                field(60, Field::Host, "imap.oldlaw.example"),
            ],
            true,
        );
        assert_eq!(b.mailboxes.len(), 1);
        assert!(b.mailboxes[0].password.is_some());
        assert_eq!(b.mailboxes[0].source_host.as_deref(), Some("imap.oldlaw.example"));
        assert!(b.orphan.is_none());
    }

    #[test]
    fn a_labelled_line_repeating_a_sentence_address_is_the_same_mailbox() {
        let b = assemble(
            vec![
                addr(0, "lea@law.example", false),
                addr(30, "lea@law.example", true),
                field(50, Field::Password, "pw-1234"),
            ],
            true,
        );
        assert_eq!(b.mailboxes.len(), 1);
    }

    #[test]
    fn two_labelled_lines_of_one_address_stay_two_mailboxes() {
        let b = assemble(vec![addr(0, "a@x.example", true), addr(10, "a@x.example", true)], true);
        assert_eq!(b.mailboxes.len(), 2);
    }

    #[test]
    fn fields_without_an_address_are_kept_apart() {
        let b = assemble(
            vec![
                field(0, Field::Password, "pw-1234"),
                field(10, Field::Host, "imap.x.example"),
            ],
            true,
        );
        assert!(b.mailboxes.is_empty());
        let o = b.orphan.expect("orphan fields");
        assert!(o.password.is_some());
        assert_eq!(b.shared.source_host.as_deref(), Some("imap.x.example"));
    }
}
