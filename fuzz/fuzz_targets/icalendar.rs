//! `.ics` attachment bytes → calendar object count, errors and the mailbox it belongs to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::intake::{steps, GroupwareKind};

fuzz_target!(|data: &[u8]| {
    let (file, errors) = steps::groupware_file("calendar.ics", "text/calendar", data, &[], Some("boss@x.example"))
        .expect("a .ics is a calendar");
    assert_eq!(file.kind, GroupwareKind::Calendar);
    assert_eq!(file.mailbox.as_deref(), Some("boss@x.example"));
    assert!(file.items > 0 || !errors.is_empty(), "an empty file must be reported");
});
