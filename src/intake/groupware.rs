//! `.vcf` and `.ics` attachments: how many contacts or calendar objects each holds, and which
//! mailbox it belongs to.
//!
//! Counting uses the importer's own splitter ([`crate::davsplit`], with its text decoder), so
//! the count is what the import stores: one object per UID (a recurring event with its moved
//! occurrences is one), one per component without a UID. A file that cannot be read to the end
//! is reported as an error whose field is the file name. Never changes the file: the bytes go
//! to the importer as sent.

use super::attachments::Attachment;
use super::{FieldError, GroupwareFile, GroupwareKind, MailboxRequest};
use crate::davsplit::{decode_text, split_file, ObjectKind};

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

const CUT_OFF: &str = "it ends in the middle of an entry (a BEGIN without its END); export it again";

/// Counts the objects of one file as the importer will store them; errors name the file.
pub fn read(a: &Attachment, kind: GroupwareKind, errors: &mut Vec<FieldError>) -> GroupwareFile {
    let split = split_file(&a.data);
    let wanted = match kind {
        GroupwareKind::Contacts => ObjectKind::Contact,
        GroupwareKind::Calendar => ObjectKind::Calendar,
    };
    let items = split.objects.iter().filter(|o| o.kind == wanted).count();
    let mixed = split.objects.iter().any(|o| o.kind != wanted);
    let broken = if mixed {
        Some("it holds contacts and calendar entries mixed; send them as separate .vcf and .ics files".to_string())
    } else if !balanced(&decode_text(&a.data)) {
        Some(CUT_OFF.to_string())
    } else {
        split.unusable.first().map(|u| {
            let n = split.unusable.len();
            let what = if n == 1 {
                "one entry".to_string()
            } else {
                format!("{n} entries")
            };
            format!("{what} cannot be imported ({}); export it again", u.reason)
        })
    };
    let what = match kind {
        GroupwareKind::Contacts => "contacts",
        GroupwareKind::Calendar => "calendar entries",
    };
    if let Some(msg) = broken {
        errors.push(FieldError {
            code: String::new(),
            values: Vec::new(),
            row: None,
            field: a.name.clone(),
            message: format!("cannot be read completely: {msg}"),
        });
    } else if items == 0 {
        errors.push(FieldError {
            code: String::new(),
            values: Vec::new(),
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

/// True when every `BEGIN:X` line has its `END:X`. Folded lines are unfolded first: a
/// continuation line (leading space or tab) is never a BEGIN or END line, even when its text
/// starts with "END:".
fn balanced(text: &str) -> bool {
    let mut open: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
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
    fn a_recurring_event_with_moved_occurrences_counts_once() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:weekly\r\nDTSTART:20310106T080000Z\r\nRRULE:FREQ=WEEKLY\r\n\
                   SUMMARY:Standup\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly\r\nRECURRENCE-ID:20310113T080000Z\r\n\
                   DTSTART:20310113T090000Z\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20310107T080000Z\r\n\
                   SUMMARY:No UID\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20310108T080000Z\r\nSUMMARY:No UID either\r\n\
                   END:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut e = Vec::new();
        let g = read(&att("c.ics", ics), GroupwareKind::Calendar, &mut e);
        assert_eq!(g.items, 3, "one per UID, one per component without a UID");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(
            g.items,
            split_file(ics.as_bytes()).objects.len(),
            "the importer's count"
        );
    }

    #[test]
    fn a_utf16_vcard_counts_what_the_importer_imports() {
        let v = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Max\r\nEND:VCARD\r\n";
        for bytes in [
            [
                &[0xFF, 0xFE][..],
                &v.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>(),
            ]
            .concat(),
            v.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ] {
            let mut e = Vec::new();
            let a = Attachment {
                name: "c.vcf".into(),
                content_type: String::new(),
                data: bytes.clone(),
            };
            assert_eq!(read(&a, GroupwareKind::Contacts, &mut e).items, 2);
            assert_eq!(split_file(&bytes).objects.len(), 2);
            assert!(e.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn a_folded_line_continuing_with_end_is_not_an_end_line() {
        let v = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nNOTE:the meeting ends at the\r\n END:VCARD of the day\r\nEND:VCARD\r\n";
        let mut e = Vec::new();
        assert_eq!(read(&att("a.vcf", v), GroupwareKind::Contacts, &mut e).items, 1);
        assert!(e.is_empty(), "{e:?}");
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
