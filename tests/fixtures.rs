//! Fixture corpus of intake + offline validation.
//!
//! Each `fixtures/intake/NNN-short-name.eml` is parsed with the built-in rules and validated
//! offline with a fixed clock (2026-11-25T12:00:00Z, a Wednesday); the result of
//! `ParsedMail::to_json()` must equal `NNN-short-name.json` beside it. On a mismatch the
//! actual output is written to `NNN-short-name.failed` (gitignored) so that
//! `diff fixtures/intake/NNN-x.json fixtures/intake/NNN-x.failed` shows what changed.
//!
//! To accept new output, run `MAILFERRY_BLESS=1 cargo test --test fixtures`: it rewrites every
//! .json file. Read the blessed files by eye before committing: they are what a support person
//! would read, and no password may ever appear in them (this test also checks that).

use chrono::{TimeZone, Utc};
use mailferry::intake::parse_mail;
use mailferry::rules::Rules;
use mailferry::validate::with_offline_errors;
use std::path::Path;

#[test]
fn intake_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/intake");
    let rules = Rules::builtin().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let bless = std::env::var_os("MAILFERRY_BLESS").is_some();
    let mut emls: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    assert!(emls.len() >= 40, "expected at least 40 fixtures, found {}", emls.len());
    let mut failed = Vec::new();
    for eml in &emls {
        let raw = std::fs::read(eml).unwrap();
        let parsed = with_offline_errors(parse_mail(&raw, &rules), &rules.policy, now);
        for m in &parsed.mailboxes {
            if let Some(p) = &m.password {
                let text = serde_json::to_string(&parsed.to_json()).unwrap();
                assert!(
                    p.expose().len() < 4 || !text.contains(p.expose()),
                    "{}: password in output",
                    eml.display()
                );
            }
        }
        let actual = serde_json::to_string_pretty(&parsed.to_json()).unwrap() + "\n";
        let expected_path = eml.with_extension("json");
        let failed_path = eml.with_extension("failed");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            let _ = std::fs::remove_file(&failed_path);
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected == actual {
            let _ = std::fs::remove_file(&failed_path);
        } else {
            std::fs::write(&failed_path, &actual).unwrap();
            failed.push(eml.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(failed.is_empty(), "fixtures differ (see the .failed files): {failed:?}");
}

/// Truncated and bit-flipped fixtures must never panic intake or validation (outside input).
#[test]
fn damaged_fixtures_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/intake");
    let rules = Rules::builtin().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        for cut in (0..raw.len()).step_by(61) {
            let _ = with_offline_errors(parse_mail(&raw[..cut], &rules), &rules.policy, now);
            let mut flipped = raw.clone();
            flipped[cut] ^= 0x80;
            let _ = with_offline_errors(parse_mail(&flipped, &rules), &rules.policy, now);
        }
    }
}
