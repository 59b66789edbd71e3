//! Every input the fuzzers ever broke intake with (`fixtures/fuzz/<target>/`, one file per
//! crash, kept by `scripts/fuzz`), replayed through the same entry points as the fuzz targets
//! in `fuzz/fuzz_targets/`: no panic, and an outcome a customer or staff can act on.
//!
//! The fuzzers themselves are not run here (they need minutes and libFuzzer; `scripts/fuzz`).

use mailferry::intake::{self, steps, GroupwareKind, Kind, MailboxRequest};
use mailferry::rules::Rules;
use std::path::{Path, PathBuf};

const TARGETS: &[&str] = &["mail", "csv", "vcard", "icalendar", "commands", "reply"];

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Replays one input the way its fuzz target runs it; the panic message names the file.
fn replay(target: &str, data: &[u8], rules: &Rules) {
    match target {
        "mail" => {
            let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
            let p = mailferry::validate::with_offline_errors(intake::parse_mail(data, rules), &rules.policy, now);
            assert!(
                p.kind != Kind::Ignored || p.reason.is_some(),
                "an ignored mail says why"
            );
            assert!(
                p.kind != Kind::Request || !p.mailboxes.is_empty() || !p.groupware.is_empty() || !p.errors.is_empty(),
                "a request has something to answer"
            );
            let json = p.to_json().to_string();
            for m in &p.mailboxes {
                if let Some(pw) = m.password.as_ref().filter(|p| p.expose().len() >= 4) {
                    assert!(!json.contains(pw.expose()), "no password in the JSON view");
                }
            }
        }
        "csv" => {
            let (mailboxes, errors) = steps::csv_rows("fuzz.csv", data, "IMAP server: imap.x.example\n", rules);
            assert!(mailboxes.len() <= rules.policy.max_rows + 1);
            assert!(errors.iter().all(|e| !e.message.is_empty() && !e.field.is_empty()));
        }
        "vcard" => {
            let mailboxes = [MailboxRequest {
                email: "anna@x.example".into(),
                ..Default::default()
            }];
            let (file, errors) =
                steps::groupware_file("anna.vcf", "", data, &mailboxes, Some("boss@x.example")).unwrap();
            assert_eq!(file.kind, GroupwareKind::Contacts);
            assert_eq!(file.mailbox.as_deref(), Some("anna@x.example"));
            assert!(file.items > 0 || !errors.is_empty(), "an empty file is reported");
        }
        "icalendar" => {
            let (file, errors) =
                steps::groupware_file("calendar.ics", "text/calendar", data, &[], Some("boss@x.example")).unwrap();
            assert_eq!(file.kind, GroupwareKind::Calendar);
            assert_eq!(file.mailbox.as_deref(), Some("boss@x.example"));
            assert!(file.items > 0 || !errors.is_empty(), "an empty file is reported");
        }
        "commands" => {
            let text = String::from_utf8_lossy(data);
            let _ = rules.commands.ticket_in(text.lines().next().unwrap_or(""));
            for line in text.lines() {
                let _ = rules.commands.command(line);
            }
        }
        "reply" => {
            let text = String::from_utf8_lossy(data);
            let kept = steps::reply_text(&text);
            assert!(kept.len() <= text.len(), "stripping never adds text");
            let _ = steps::body_fields(&kept, rules);
        }
        other => panic!("unknown fuzz target {other}"),
    }
}

#[test]
fn every_fuzz_finding_replays_without_panic() {
    let rules = Rules::builtin().unwrap();
    let mut replayed = 0;
    for target in TARGETS {
        for path in inputs(target) {
            let data = std::fs::read(&path).unwrap();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| replay(target, &data, &rules)));
            assert!(r.is_ok(), "{target}: {} fails again", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len(), "each target has at least one input kept");
    eprintln!("{replayed} fuzz inputs replayed");
}

#[test]
fn every_fuzz_target_has_its_folder() {
    for target in TARGETS {
        assert!(
            !inputs(target).is_empty(),
            "fixtures/fuzz/{target}/ keeps at least one input (scripts/fuzz adds crashes there)"
        );
    }
}
