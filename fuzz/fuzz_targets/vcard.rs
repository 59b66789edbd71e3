//! `.vcf` attachment bytes → contact count, errors and the mailbox it belongs to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::intake::{steps, GroupwareKind, MailboxRequest};

fuzz_target!(|data: &[u8]| {
    let mailboxes = [MailboxRequest {
        email: "anna@x.example".into(),
        ..Default::default()
    }];
    let (file, errors) =
        steps::groupware_file("anna.vcf", "", data, &mailboxes, Some("boss@x.example")).expect("a .vcf is contacts");
    assert_eq!(file.kind, GroupwareKind::Contacts);
    assert_eq!(file.mailbox.as_deref(), Some("anna@x.example"));
    assert!(file.items > 0 || !errors.is_empty(), "an empty file must be reported");
});
