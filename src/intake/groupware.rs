//! `.vcf` and `.ics` attachments: how many contacts or calendar objects each holds, and which
//! mailbox it belongs to.
//!
//! Counting uses calcard's parser; a file it cannot read to the end is reported as an error
//! whose field is the file name. Never changes the file: the bytes go to the importer as sent.

use super::attachments::Attachment;
use super::decode::decode_text;
use super::{FieldError, GroupwareFile, GroupwareKind, MailboxRequest};
use calcard::icalendar::ICalendarComponentType;
use calcard::{Entry, Parser};

/// The kind of a contacts or calendar attachment, or None for any other file.
pub fn kind_of(a: &Attachment) -> Option<GroupwareKind> {
    let name = a.name.to_lowercase();
    if name.ends_with(".vcf")
        || name.ends_with(".vcard")
        || matches!(
            a.content_type.as_str(),
            "text/vcard" | "text/x-vcard" | "text/directory"
        )
    {
        Some(GroupwareKind::Contacts)
    } else if name.ends_with(".ics") || name.ends_with(".ical") || a.content_type == "text/calendar" {
        Some(GroupwareKind::Calendar)
    } else {
        None
    }
}

/// Counts the objects of one file; errors name the file.
pub fn read(a: &Attachment, kind: GroupwareKind, errors: &mut Vec<FieldError>) -> GroupwareFile {
    let text = decode_text(&a.data);
    let mut parser = Parser::new(&text);
    let mut items = 0usize;
    let mut broken = None;
    loop {
        match parser.entry() {
            Entry::Eof => break,
            Entry::VCard(_) if kind == GroupwareKind::Contacts => items += 1,
            Entry::ICalendar(cal) if kind == GroupwareKind::Calendar => {
                items += cal
                    .components
                    .iter()
                    .filter(|c| {
                        matches!(
                            c.component_type,
                            ICalendarComponentType::VEvent
                                | ICalendarComponentType::VTodo
                                | ICalendarComponentType::VJournal
                        )
                    })
                    .count()
            }
            Entry::VCard(_) | Entry::ICalendar(_) => {
                broken.get_or_insert(
                    "it holds contacts and calendar entries mixed; send them as separate .vcf and .ics files",
                );
            }
            Entry::InvalidLine(_) => {}
            Entry::UnterminatedComponent(_) | Entry::UnexpectedComponentEnd { .. } => {
                broken.get_or_insert("it ends in the middle of an entry (a BEGIN without its END); export it again");
            }
            Entry::TooManyComponents => {
                broken.get_or_insert("it has too many nested entries to read; export it again");
                break;
            }
            _ => {}
        }
    }
    if broken.is_none() && !balanced(&text) {
        broken = Some("it ends in the middle of an entry (a BEGIN without its END); export it again");
    }
    let what = match kind {
        GroupwareKind::Contacts => "contacts",
        GroupwareKind::Calendar => "calendar entries",
    };
    if let Some(msg) = broken {
        errors.push(FieldError {
            row: None,
            field: a.name.clone(),
            message: format!("cannot be read completely: {msg}"),
        });
    } else if items == 0 {
        errors.push(FieldError {
            row: None,
            field: a.name.clone(),
            message: format!("holds no {what}; export the file again from your old provider"),
        });
    }
    GroupwareFile {
        file: a.name.clone(),
        kind,
        items,
        mailbox: None,
        data: a.data.clone(),
    }
}

/// True when every `BEGIN:X` line has its `END:X` (folded lines never start with BEGIN/END).
fn balanced(text: &str) -> bool {
    let mut open: Vec<String> = Vec::new();
    for line in text.lines() {
        let l = line.trim().to_ascii_uppercase();
        if let Some(what) = l.strip_prefix("BEGIN:") {
            open.push(what.to_string());
        } else if let Some(what) = l.strip_prefix("END:") {
            if open.pop().as_deref() != Some(what) {
                return false;
            }
        }
    }
    open.is_empty()
}

/// Which mailbox a file belongs to: by file name (`anna@x.example.vcf`, or `anna.vcf`
/// matching one mailbox's local part), else the only mailbox of the body, else the sender.
pub fn assign(file: &str, mailboxes: &[MailboxRequest], sender: Option<&str>) -> Option<String> {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s).trim().to_lowercase();
    if let Some(m) = mailboxes.iter().find(|m| m.email == stem) {
        return Some(m.email.clone());
    }
    let by_local: Vec<_> = mailboxes
        .iter()
        .filter(|m| m.email.split('@').next() == Some(stem.as_str()))
        .collect();
    if let [m] = by_local.as_slice() {
        return Some(m.email.clone());
    }
    let body: Vec<_> = mailboxes.iter().filter(|m| m.row.is_none()).collect();
    if let [m] = body.as_slice() {
        return Some(m.email.clone());
    }
    sender.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(name: &str, data: &str) -> Attachment {
        Attachment {
            name: name.into(),
            content_type: String::new(),
            data: data.as_bytes().to_vec(),
        }
    }

    #[test]
    fn counts_and_broken_files() {
        let mut e = Vec::new();
        let v =
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nFN:B\r\nEND:VCARD\r\n";
        assert_eq!(read(&att("a.vcf", v), GroupwareKind::Contacts, &mut e).items, 2);
        assert!(e.is_empty());
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nUID:2\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assert_eq!(read(&att("c.ics", ics), GroupwareKind::Calendar, &mut e).items, 2);
        read(
            &att("b.vcf", "BEGIN:VCARD\r\nFN:A\r\n"),
            GroupwareKind::Contacts,
            &mut e,
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "b.vcf");
    }

    #[test]
    fn assignment() {
        let mbs = vec![
            MailboxRequest {
                email: "anna@x.example".into(),
                ..Default::default()
            },
            MailboxRequest {
                email: "bob@x.example".into(),
                ..Default::default()
            },
        ];
        assert_eq!(assign("Anna.vcf", &mbs, None).as_deref(), Some("anna@x.example"));
        assert_eq!(
            assign("bob@x.example.ics", &mbs, None).as_deref(),
            Some("bob@x.example")
        );
        assert_eq!(
            assign("contacts.vcf", &mbs, Some("boss@x.example")).as_deref(),
            Some("boss@x.example")
        );
    }
}
