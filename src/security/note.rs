//! The note filed in place of a request mail that carried passwords: who wrote, when, what
//! about, and which ticket holds the rest. Nothing of the body or attachments is kept.

use crate::mailhead::MailHead;

/// The headers copied from the request into its note.
const KEPT: [&str; 6] = ["From", "To", "Cc", "Date", "Subject", "Message-ID"];

/// A small RFC 5322 message standing for the deleted request whose header is `head` and whose
/// size was `size`; `ticket` is the ticket it opened or changed (e.g. `MIG-000012`), when known.
pub fn redacted_note(head: &MailHead, size: usize, ticket: Option<&str>) -> Vec<u8> {
    let mut out = String::new();
    for name in KEPT {
        if let Some(v) = head.first(name) {
            let v: String = v.chars().filter(|c| !c.is_control()).collect();
            let v = if name == "Subject" {
                format!("[request deleted] {v}")
            } else {
                v
            };
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    if !head.has("subject") {
        out.push_str("Subject: [request deleted]\r\n");
    }
    out.push_str(
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    out.push_str(
        "mailferry deleted this request from the support mailbox after reading it, because it\r\n\
         carried passwords. What it asked for is in the ticket",
    );
    match ticket {
        Some(t) => out.push_str(&format!(": {t} (mailferry tickets show {t}).\r\n")),
        None => out.push_str(" (mailferry tickets).\r\n"),
    }
    out.push_str(&format!(
        "The request was {} bytes; its header is kept above, its text and attachments are not.\r\n",
        size
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_keeps_who_and_what_but_no_password() {
        let raw = b"Received: from x\r\nFrom: Anna <anna@customer.example>\r\nTo: support@new.example\r\n\
Subject: Please move\r\n my mailbox\r\nMessage-ID: <r1@customer.example>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0100\r\n\r\n\
E-mail: anna@customer.example\r\nPassword: Sup3r-Secret\r\n";
        let note = String::from_utf8(redacted_note(&MailHead::read(raw), raw.len(), Some("MIG-000007"))).unwrap();
        assert!(!note.contains("Sup3r-Secret"), "{note}");
        assert!(note.contains("From: Anna <anna@customer.example>\r\n"), "{note}");
        assert!(
            note.contains("Subject: [request deleted] Please move my mailbox\r\n"),
            "{note}"
        );
        assert!(note.contains("Message-ID: <r1@customer.example>\r\n"), "{note}");
        assert!(note.contains("MIG-000007"), "{note}");
        assert!(!note.contains("Received:"), "{note}");
        let parsed = mail_parser::MessageParser::default().parse(note.as_bytes()).unwrap();
        assert_eq!(parsed.subject(), Some("[request deleted] Please move my mailbox"));
    }
}
