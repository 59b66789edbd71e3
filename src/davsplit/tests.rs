//! Splitting tests: the fixture corpus in `fixtures/groupware/` (each `NAME.vcf|ics` has its
//! expected summary in `NAME.expected`; a mismatch writes `NAME.failed` beside it), and the
//! details a summary cannot show.

use super::*;
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/groupware")
}

fn fixture(name: &str) -> Split {
    let bytes = std::fs::read(fixture_dir().join(name)).expect("fixture");
    split_file(&bytes)
}

/// A stable, readable summary of a split: one line per object, unusable item and note.
fn summary(split: &Split) -> String {
    let mut s = String::new();
    for o in &split.objects {
        s.push_str(&format!(
            "{:?} {} uid={}{} components={} label=\u{201c}{}\u{201d}\n",
            o.kind,
            o.name,
            if o.uid_made { "(made) " } else { "" },
            o.uid,
            o.components,
            o.label
        ));
    }
    for u in &split.unusable {
        s.push_str(&format!("unusable: {}: {}\n", u.label, u.reason));
    }
    for n in &split.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s
}

#[test]
fn every_fixture_splits_as_expected() {
    let mut failed = Vec::new();
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(fixture_dir()).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "vcf" && ext != "ics" {
            continue;
        }
        seen += 1;
        let got = summary(&split_file(&std::fs::read(&path).unwrap()));
        let expected_path = path.with_extension("expected");
        let failed_path = path.with_extension("failed");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            std::fs::write(&failed_path, &got).unwrap();
            failed.push(format!(
                "{}: diff {} {}",
                path.display(),
                expected_path.display(),
                failed_path.display()
            ));
        } else {
            let _ = std::fs::remove_file(&failed_path);
        }
    }
    assert!(seen >= 6, "fixtures missing");
    assert!(failed.is_empty(), "splits differ:\n{}", failed.join("\n"));
}

fn object<'a>(split: &'a Split, uid: &str) -> &'a DavObject {
    split
        .objects
        .iter()
        .find(|o| o.uid == uid)
        .unwrap_or_else(|| panic!("no object {uid} in {}", summary(split)))
}

/// Lines of a resource with folding undone.
fn unfolded(body: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for l in body.split("\r\n") {
        if let Some(rest) = l.strip_prefix(' ').or_else(|| l.strip_prefix('\t')) {
            if let Some(last) = lines.last_mut() {
                last.push_str(rest);
                continue;
            }
        }
        lines.push(l.to_string());
    }
    lines
}

#[test]
fn vcard_2_1_becomes_3_0_with_quoted_printable_decoded_and_the_photo_kept() {
    let split = fixture("outlook-2.1.vcf");
    assert_eq!(split.objects.len(), 2);
    let juergen = &split.objects[0];
    assert_eq!(juergen.label, "Jürgen Weiß");
    assert!(juergen.uid_made);
    let lines = unfolded(&juergen.body);
    assert!(lines.contains(&"VERSION:3.0".to_string()), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("Hauptstraße 5")), "{lines:#?}");
    assert!(
        lines.contains(&"NOTE;CHARSET=UTF-8:Erste Zeile\\nZweite Zeile mit Grüßen".to_string()),
        "{lines:#?}"
    );
    assert!(!juergen.body.contains("QUOTED-PRINTABLE"));
    let photo = lines.iter().find(|l| l.starts_with("PHOTO")).expect("photo kept");
    let b64 = photo.rsplit(':').next().unwrap();
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("photo is base64");
    assert_eq!(data, [(0..=255u8).collect::<Vec<_>>(), (0..=255u8).collect()].concat());
    // Every line of the resource is folded to at most 75 octets.
    assert!(juergen.body.split("\r\n").all(|l| l.len() <= 75));
    let alice = object(&split, "outlook-alice-0001");
    assert_eq!(alice.name, "outlook-alice-0001.vcf");
}

#[test]
fn a_made_uid_is_stable_and_written_into_the_resource() {
    let a = fixture("outlook-2.1.vcf");
    let b = fixture("outlook-2.1.vcf");
    assert_eq!(a, b);
    let made = &a.objects[0];
    assert!(made.uid.starts_with("mailferry-"));
    assert!(unfolded(&made.body).contains(&format!("UID:{}", made.uid)));
    assert_eq!(made.name, format!("{}.vcf", made.uid));
    // Same content with other line endings: same UID.
    let lf = std::fs::read_to_string(fixture_dir().join("outlook-2.1.vcf"))
        .unwrap()
        .replace("\r\n", "\n");
    assert_eq!(split_file(lf.as_bytes()).objects[0].uid, made.uid);
}

#[test]
fn vcard_3_0_duplicate_uid_keeps_the_later_card_with_a_note() {
    let split = fixture("apple-3.0.vcf");
    assert_eq!(split.objects.len(), 2);
    let linh = object(&split, "8D1E5B5C-1F4B-4E2A-9A11-2B6C7D8E9F00");
    assert_eq!(linh.label, "Linh Nguyen (new phone)");
    assert!(split.notes.iter().any(|n| n.contains("appears more than once")));
    assert!(unfolded(&linh.body).contains(&"VERSION:3.0".to_string()));
}

#[test]
fn vcard_4_0_stays_4_0() {
    let split = fixture("contacts-4.0.vcf");
    let ana = object(&split, "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1");
    assert!(unfolded(&ana.body).contains(&"VERSION:4.0".to_string()));
    // A UID with a colon is not used as a file name as it is.
    assert_ne!(ana.name, format!("{}.vcf", ana.uid));
    assert!(ana.name.ends_with(".vcf") && ana.name.len() == 44);
}

#[test]
fn a_recurring_event_and_its_override_stay_together_with_their_time_zone() {
    let split = fixture("google.ics");
    assert_eq!(split.objects.len(), 3, "{}", summary(&split));
    let standup = object(&split, "7kukuqrfedlm2f9t0vl1pdfh4r@google.com");
    assert_eq!(standup.components, 2);
    assert_eq!(standup.label, "Team stand-up");
    let lines = unfolded(&standup.body);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 2);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VTIMEZONE").count(), 1);
    assert!(lines.contains(&"TZID:Europe/Berlin".to_string()));
    assert!(!lines.iter().any(|l| l.starts_with("METHOD")), "METHOD must go");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("DESCRIPTION:Weekly stand-up") && l.contains("blocking")));
    assert!(lines.contains(&"BEGIN:VALARM".to_string()));
    // The New York call carries New York's zone only, the all-day event none.
    let ny = unfolded(&object(&split, "0a1b2c3d4e5f6g7h8i9j@google.com").body);
    assert!(ny.contains(&"TZID:America/New_York".to_string()));
    assert!(!ny.contains(&"TZID:Europe/Berlin".to_string()));
    let holiday = object(&split, "holiday-2024-05-01@google.com");
    assert!(!holiday.body.contains("VTIMEZONE"));
}

#[test]
fn windows_time_zone_names_are_kept_or_written_out() {
    let split = fixture("outlook.ics");
    assert_eq!(split.objects.len(), 2);
    // Defined in the file: the file's own VTIMEZONE is carried.
    let review = &split.objects[0];
    assert_eq!(review.label, "Quartalsbericht");
    let lines = unfolded(&review.body);
    assert!(
        lines.contains(&"TZID:W. Europe Standard Time".to_string()),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("DTSTART:16011028T030000")));
    // Referenced but not defined: calcard writes a VTIMEZONE from its tables (Europe/Paris).
    let paris = &split.objects[1];
    let lines = unfolded(&paris.body);
    assert!(lines.contains(&"TZID:Romance Standard Time".to_string()), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("TZOFFSETTO:+0200")));
    assert!(
        split.notes.iter().all(|n| !n.contains("unknown time zone")),
        "{:?}",
        split.notes
    );
}

#[test]
fn duplicates_merge_a_missing_uid_is_made_and_freebusy_is_skipped() {
    let split = fixture("apple.ics");
    let dinner = object(&split, "E1D2C3B4-A596-4788-9900-AABBCCDDEEFF");
    assert_eq!(dinner.components, 1);
    assert_eq!(dinner.label, "Dinner (later)", "the higher SEQUENCE wins");
    assert!(split
        .notes
        .iter()
        .any(|n| n.contains("Dinner (later)") && n.contains("merged")));
    let birthday = split
        .objects
        .iter()
        .find(|o| o.label == "Birthday without a UID")
        .unwrap();
    assert!(birthday.uid_made);
    assert!(unfolded(&birthday.body).contains(&format!("UID:{}", birthday.uid)));
    assert!(split.notes.iter().any(|n| n.contains("VFREEBUSY")));
    assert!(split.objects.iter().any(|o| o.label == "Renew the domain"));
    assert!(split.objects.iter().any(|o| o.label == "Moving notes"));
}

#[test]
fn an_unknown_time_zone_is_noted() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:tz-1\r\nDTSTAMP:20240101T000000Z\r\n\
               DTSTART;TZID=Mars Standard Time:20240101T100000\r\nSUMMARY:On Mars\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let split = split_file(ics.as_bytes());
    assert_eq!(split.objects.len(), 1);
    assert!(
        split.notes.iter().any(|n| n.contains("Mars Standard Time")),
        "{:?}",
        split.notes
    );
}

#[test]
fn many_objects_in_one_file() {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    let mut vcf = String::new();
    for i in 0..2000 {
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:ev-{i}@example.net\r\nDTSTAMP:20240101T000000Z\r\n\
             DTSTART:20240101T{:02}0000Z\r\nSUMMARY:Event {i}\r\nEND:VEVENT\r\n",
            i % 24
        ));
        vcf.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nN:{i};Person;;;\r\nEND:VCARD\r\n"
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    let cal = split_file(ics.as_bytes());
    assert_eq!(cal.objects.len(), 2000);
    assert!(cal.unusable.is_empty() && cal.notes.is_empty(), "{:?}", cal.notes);
    let cards = split_file(vcf.as_bytes());
    assert_eq!(cards.objects.len(), 2000);
    let names: std::collections::BTreeSet<_> = cards.objects.iter().map(|o| &o.name).collect();
    assert_eq!(names.len(), 2000, "made UIDs are distinct");
}

#[test]
fn a_damaged_file_keeps_what_is_whole_and_names_the_rest() {
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Whole\r\nN:Whole;;;;\r\nUID:w1\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut off\r\nN:Cut";
    let split = split_file(vcf.as_bytes());
    assert_eq!(split.objects.len(), 1);
    assert_eq!(split.unusable.len(), 1, "{}", summary(&split));
    assert!(split.unusable[0].reason.contains("cut off"));
    assert_eq!(split.total(), 2);
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e1\r\nSUMMARY:Whole\r\nEND:VEVENT\r\n\
               BEGIN:VEVENT\r\nUID:e2\r\nSUMMARY:Half\r\nDTST";
    let split = split_file(ics.as_bytes());
    assert_eq!(split.objects.len(), 1, "{}", summary(&split));
    assert_eq!(split.unusable[0].label, "Half");
}

#[test]
fn windows_1252_text_is_read() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:J\xfcrgen Wei\xdf \x80\r\nN:Wei\xdf;J\xfcrgen\r\nEND:VCARD\r\n";
    let split = split_file(bytes);
    assert_eq!(split.objects[0].label, "Jürgen Weiß €");
}

#[test]
fn resource_names_are_safe() {
    assert_eq!(
        resource_name("abc@google.com", ObjectKind::Calendar),
        "abc@google.com.ics"
    );
    for bad in [
        "../etc/passwd",
        "a/b",
        "a b",
        ".hidden",
        "x?y",
        "%2e%2e",
        &"x".repeat(300),
    ] {
        let n = resource_name(bad, ObjectKind::Contact);
        assert!(n.len() == 44 && n.ends_with(".vcf"), "{bad} -> {n}");
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'));
    }
}

#[test]
fn written_resources_read_back_the_same() {
    // Writing is lossless: parsing a resource and writing it again gives the same text.
    for name in [
        "outlook-2.1.vcf",
        "apple-3.0.vcf",
        "contacts-4.0.vcf",
        "google.ics",
        "outlook.ics",
        "apple.ics",
    ] {
        for o in fixture(name).objects {
            let again = split_file(o.body.as_bytes());
            assert_eq!(again.objects.len(), 1, "{name} {}", o.uid);
            assert_eq!(again.objects[0].uid, o.uid);
            assert_eq!(again.objects[0].body, o.body, "{name} {}", o.uid);
        }
    }
}
