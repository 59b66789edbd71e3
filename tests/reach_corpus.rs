//! Reach corpus: customer mails written from the customer's side (`fixtures/reach/`), and the
//! held-out corpus (`fixtures/heldout/`) checked the same way.
//!
//! Each `NNN-name.eml` is a request, a command or something for a person, as a real customer
//! writes it with a real mail client; `NNN-name.expect.json` beside it is what a careful support
//! agent reads out of it. Neither was shaped by our parser: this test measures how much of what
//! customers really send intake understands. `scripts/make-reach-fixtures.py` made both.
//!
//! Each mail is parsed with the built-in rules and validated offline with a fixed clock
//! (2026-11-25T12:00:00Z, a Wednesday), as `tests/fixtures.rs` does, and compared with its
//! expectation. Every key of the expectation is optional except `kind`; an absent key is not
//! checked. What is compared:
//!
//! - `kind`, `command`, `ticket`: equal to the same keys of `ParsedMail::to_json()` (null too).
//! - `from`: the requester's address (for a forward, the person who forwarded it), compared
//!   without regard to case.
//! - `author`, `language`, `unassigned`: read from `to_json()` as well. Keys the parser does not
//!   produce yet count as a mismatch whenever the expectation gives them.
//! - `mailboxes`: a set keyed by e-mail address (case-insensitive): the same addresses must be
//!   there, no more, no fewer. Within one mailbox only the keys given are compared:
//!   `password` against the real secret (`to_json()` shows only `password_present`; null means
//!   none); `source_host` in lowercase, as the customer wrote it without scheme or port, where an
//!   internationalised name may come back in its Unicode or its `xn--` form; `source_port`,
//!   `source_user`, `destination` (case-insensitive) and `row` (the spreadsheet row, header = 1)
//!   as they are.
//! - `groupware`: a multiset; each expected file must match one found file on the keys given
//!   (`kind`, `items`, `mailbox`), and no file may be left over.
//! - `errors`: a multiset of (row, field). An expected error without a `row` key matches any
//!   row; `mentions`, when given, must appear in the error's message.
//! - `unassigned` (fields in a thread reply that name no address): `to_json()["unassigned"]`
//!   must hold the same keys; for `password`, whose value the JSON never carries,
//!   `password_present` must be true.
//!
//! Besides, no expected password (of 4 characters or more) may appear anywhere in `to_json()`.
//!
//! All mismatches are collected; each failing fixture's differences (and the parser's JSON) go
//! into `NNN-name.failed` (gitignored), and a summary line `reach corpus: P of N passed` is
//! printed. The test fails while any fixture fails.
//!
//! `heldout_corpus` does the same over `fixtures/heldout/` (`scripts/make-heldout-fixtures.py`:
//! other customers, mail clients and shapes, never to be read while working on the parser) and
//! prints `heldout corpus: P of N passed`. It fails when fewer pass than the floor recorded in
//! `fixtures/heldout/README.md` (`Floor: N`), a ratchet raised as intake reads more of them.

use chrono::{TimeZone, Utc};
use mailferry::intake::{parse_mail, ParsedMail};
use mailferry::rules::Rules;
use mailferry::validate::with_offline_errors;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Keys the parser does not produce yet; a fixture whose only misses are these is counted apart.
const NOT_YET: [&str; 3] = ["author", "language", "unassigned"];

#[test]
fn reach_corpus() {
    let (passed, total) = run_corpus("reach", 45);
    assert_eq!(passed, total, "reach fixtures differ (see fixtures/reach/*.failed)");
}

/// The held-out corpus (`fixtures/heldout/`, made by `scripts/make-heldout-fixtures.py`): other
/// customers, clients and shapes than the reach corpus, checked the same way. It measures whether
/// what intake learned from `fixtures/reach/` carries over to mails its authors never saw; prints
/// `heldout corpus: P of N passed`.
///
/// It is a ratchet: it fails when fewer pass than the floor that `fixtures/heldout/README.md`
/// records on its line `Floor: N` (raise the floor when intake reads more of them).
#[test]
fn heldout_corpus() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/heldout/README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let floor: usize = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Floor:"))
        .and_then(|n| n.trim().trim_matches('*').trim().parse().ok())
        .unwrap_or_else(|| panic!("{}: no line 'Floor: N'", readme.display()));
    let (passed, total) = run_corpus("heldout", 30);
    assert!(
        floor <= total,
        "the floor ({floor}) is above the number of held-out fixtures ({total})"
    );
    assert!(
        passed >= floor,
        "heldout corpus: {passed} of {total} passed, below the floor of {floor} (see fixtures/heldout/*.failed)"
    );
    if passed > floor {
        println!("heldout corpus: {passed} passed, above the floor of {floor}: raise the floor in fixtures/heldout/README.md");
    }
}

/// Compares every `fixtures/<name>/NNN-*.eml` with its expectation, writes `NNN-*.failed` for each
/// one that differs and prints `<name> corpus: P of N passed`; returns (passed, total). It fails
/// when a password leaks into `to_json()`; the caller decides how many must pass.
fn run_corpus(name: &str, at_least: usize) -> (usize, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    let rules = Rules::builtin().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut emls: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    assert!(
        emls.len() >= at_least,
        "expected at least {at_least} {name} fixtures, found {}",
        emls.len()
    );

    let mut passed = 0;
    let mut only_not_yet = 0;
    let mut leaks = Vec::new();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut lines = Vec::new();
    for eml in &emls {
        let name = eml.file_name().unwrap().to_string_lossy().into_owned();
        let raw = std::fs::read(eml).unwrap();
        let expect_path = eml.with_extension("expect.json");
        let text = std::fs::read_to_string(&expect_path).unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let expected: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let parsed = with_offline_errors(parse_mail(&raw, &rules), &rules.policy, now);
        let actual = parsed.to_json();

        let printed = serde_json::to_string(&actual).unwrap();
        for p in expected_passwords(&expected) {
            if p.chars().count() >= 4 && printed.contains(&p) {
                leaks.push(format!("{name}: an expected password appears in to_json()"));
            }
        }

        let misses = compare(&expected, &actual, &parsed);
        let kind = expected["kind"].as_str().unwrap_or("?").to_string();
        let tally = by_kind.entry(kind).or_default();
        tally.0 += 1;
        let failed_path = eml.with_extension("failed");
        if misses.is_empty() {
            passed += 1;
            tally.1 += 1;
            let _ = std::fs::remove_file(&failed_path);
            continue;
        }
        if misses.iter().all(|m| NOT_YET.iter().any(|k| m.key == *k)) {
            only_not_yet += 1;
        }
        let mut report = String::new();
        for m in &misses {
            report.push_str(&format!("{}: {}\n", m.key, m.what));
        }
        report.push_str("\nto_json():\n");
        report.push_str(&serde_json::to_string_pretty(&actual).unwrap());
        report.push('\n');
        std::fs::write(&failed_path, report).unwrap();
        let keys: Vec<&str> = misses.iter().map(|m| m.key.as_str()).collect();
        lines.push(format!("  {name}: {}", dedup(&keys).join(", ")));
    }

    let total = emls.len();
    for line in &lines {
        println!("{line}");
    }
    for (kind, (n, ok)) in &by_kind {
        println!("  {kind}: {ok} of {n} passed");
    }
    println!(
        "  failing only on keys the parser does not produce yet ({}): {only_not_yet}",
        NOT_YET.join(", ")
    );
    println!("{name} corpus: {passed} of {total} passed");
    assert!(leaks.is_empty(), "passwords in to_json(): {leaks:?}");
    (passed, total)
}

fn dedup<'a>(keys: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for k in keys {
        if !out.contains(k) {
            out.push(k);
        }
    }
    out
}

/// One difference between what a person reads and what intake read.
struct Miss {
    key: String,
    what: String,
}

fn miss(out: &mut Vec<Miss>, key: &str, what: String) {
    out.push(Miss {
        key: key.to_string(),
        what,
    });
}

fn compare(expected: &Value, actual: &Value, parsed: &ParsedMail) -> Vec<Miss> {
    let mut out = Vec::new();
    let exp = expected.as_object().expect("an expectation is a JSON object");
    for key in ["kind", "command", "ticket", "author", "language"] {
        if let Some(want) = exp.get(key) {
            match actual.get(key) {
                None => miss(&mut out, key, format!("expected {want}, the parser gives no `{key}`")),
                Some(got) if !same_text(want, got) => miss(&mut out, key, format!("expected {want}, got {got}")),
                Some(_) => {}
            }
        }
    }
    if let Some(want) = exp.get("from") {
        let got = actual.get("from").unwrap_or(&Value::Null);
        if !same_text(want, got) {
            miss(&mut out, "from", format!("expected {want}, got {got}"));
        }
    }
    if let Some(want) = exp.get("mailboxes") {
        compare_mailboxes(want, actual, parsed, &mut out);
    }
    if let Some(want) = exp.get("groupware") {
        compare_groupware(want, actual, &mut out);
    }
    if let Some(want) = exp.get("errors") {
        compare_errors(want, actual, &mut out);
    }
    if let Some(want) = exp.get("unassigned") {
        compare_unassigned(want, actual, &mut out);
    }
    out
}

/// Equal, with strings compared without regard to case (addresses, tickets, kinds).
fn same_text(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

fn compare_mailboxes(want: &Value, actual: &Value, parsed: &ParsedMail, out: &mut Vec<Miss>) {
    let empty = Vec::new();
    let want = want.as_array().expect("mailboxes is an array");
    let got = actual.get("mailboxes").and_then(Value::as_array).unwrap_or(&empty);
    let got_emails: Vec<String> = got
        .iter()
        .map(|m| m["email"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    for w in want {
        let email = w["email"].as_str().expect("a mailbox has an email").to_lowercase();
        let found: Vec<usize> = (0..got_emails.len()).filter(|&i| got_emails[i] == email).collect();
        match found.as_slice() {
            [] => miss(out, "mailboxes", format!("{email}: not found")),
            [i] => compare_mailbox(&email, w, &got[*i], parsed, *i, out),
            _ => miss(out, "mailboxes", format!("{email}: found {} times", found.len())),
        }
    }
    let want_emails: Vec<String> = want
        .iter()
        .map(|w| w["email"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    for e in &got_emails {
        if !want_emails.contains(e) {
            miss(out, "mailboxes", format!("{e}: read, but not asked for"));
        }
    }
}

fn compare_mailbox(email: &str, want: &Value, got: &Value, parsed: &ParsedMail, index: usize, out: &mut Vec<Miss>) {
    let want = want.as_object().expect("a mailbox is an object");
    for (key, w) in want {
        let ok = match key.as_str() {
            "email" => true,
            "password" => {
                let secret = parsed.mailboxes[index].password.as_ref().map(|s| s.expose());
                let secret = secret.filter(|s| !s.is_empty());
                match (w.as_str(), secret) {
                    (None, None) => true,
                    (Some(w), Some(s)) => w == s,
                    _ => false,
                }
            }
            "source_host" => match (w.as_str(), got.get(key).and_then(Value::as_str)) {
                (None, None) => w.is_null(),
                (Some(w), Some(g)) => ascii_host(w) == ascii_host(g),
                _ => false,
            },
            "destination" => same_text(w, got.get(key).unwrap_or(&Value::Null)),
            _ => got.get(key).unwrap_or(&Value::Null) == w,
        };
        if !ok {
            let shown = if key == "password" {
                let present = parsed.mailboxes[index].password.as_ref().is_some_and(|s| !s.is_empty());
                match (w.is_null(), present) {
                    (true, _) => "expected no password, one was read".to_string(),
                    (false, false) => "expected a password, none was read".to_string(),
                    (false, true) => "a different password was read".to_string(),
                }
            } else {
                format!("expected {w}, got {}", got.get(key).unwrap_or(&Value::Null))
            };
            miss(out, &format!("mailboxes.{key}"), format!("{email}: {shown}"));
        }
    }
}

fn compare_groupware(want: &Value, actual: &Value, out: &mut Vec<Miss>) {
    let empty = Vec::new();
    let want = want.as_array().expect("groupware is an array");
    let got = actual.get("groupware").and_then(Value::as_array).unwrap_or(&empty);
    let mut used = vec![false; got.len()];
    for w in want {
        let w = w.as_object().expect("a groupware entry is an object");
        let hit = (0..got.len()).find(|&i| !used[i] && w.iter().all(|(k, v)| same_text(v, &got[i][k])));
        match hit {
            Some(i) => used[i] = true,
            None => miss(
                out,
                "groupware",
                format!(
                    "expected {}, got {}",
                    Value::Object(w.clone()),
                    Value::Array(got.clone())
                ),
            ),
        }
    }
    for (i, g) in got.iter().enumerate() {
        if !used[i] {
            miss(out, "groupware", format!("not expected: {g}"));
        }
    }
}

fn compare_errors(want: &Value, actual: &Value, out: &mut Vec<Miss>) {
    let empty = Vec::new();
    let want = want.as_array().expect("errors is an array");
    let got = actual.get("errors").and_then(Value::as_array).unwrap_or(&empty);
    let mut used = vec![false; got.len()];
    let fits = |w: &Map<String, Value>, g: &Value| {
        w.get("field").is_some_and(|f| f == &g["field"]) && w.get("row").is_none_or(|r| r == &g["row"])
    };
    for w in want {
        let w = w.as_object().expect("an error is an object");
        let mentions = w.get("mentions").and_then(Value::as_str);
        let said = |g: &Value| mentions.is_none_or(|m| g["message"].as_str().unwrap_or_default().contains(m));
        let hit = (0..got.len())
            .find(|&i| !used[i] && fits(w, &got[i]) && said(&got[i]))
            .or_else(|| (0..got.len()).find(|&i| !used[i] && fits(w, &got[i])));
        match hit {
            Some(i) => {
                used[i] = true;
                if !said(&got[i]) {
                    miss(
                        out,
                        "errors",
                        format!("{} does not mention {:?}: {}", w["field"], mentions.unwrap(), got[i]),
                    );
                }
            }
            None => miss(
                out,
                "errors",
                format!("expected {}, not found", Value::Object(w.clone())),
            ),
        }
    }
    for (i, g) in got.iter().enumerate() {
        if !used[i] {
            miss(out, "errors", format!("not expected: {g}"));
        }
    }
}

fn compare_unassigned(want: &Value, actual: &Value, out: &mut Vec<Miss>) {
    let Some(got) = actual.get("unassigned") else {
        miss(
            out,
            "unassigned",
            format!("expected {want}, the parser gives no `unassigned`"),
        );
        return;
    };
    for (key, w) in want.as_object().expect("unassigned is an object") {
        let ok = if key == "password" {
            got.get("password_present") == Some(&Value::Bool(true))
        } else {
            got.get(key).is_some_and(|g| same_text(w, g))
        };
        if !ok {
            miss(
                out,
                "unassigned",
                format!(
                    "{key}: expected {}, got {got}",
                    if key == "password" { "a password" } else { "" }
                ),
            );
        }
    }
}

fn expected_passwords(expected: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = expected.get("mailboxes").and_then(Value::as_array) {
        out.extend(
            list.iter()
                .filter_map(|m| m.get("password").and_then(Value::as_str).map(String::from)),
        );
    }
    if let Some(p) = expected.pointer("/unassigned/password").and_then(Value::as_str) {
        out.push(p.to_string());
    }
    out
}

/// A host name in lowercase ASCII: each non-ASCII label in its `xn--` (punycode) form.
fn ascii_host(host: &str) -> String {
    host.trim_end_matches('.')
        .split('.')
        .map(|label| {
            let label = label.to_lowercase();
            if label.is_ascii() {
                label
            } else {
                format!("xn--{}", punycode(&label))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// RFC 3492 encoding of one label.
fn punycode(label: &str) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    let digit = |d: u32| -> char {
        if d < 26 {
            char::from(b'a' + d as u8)
        } else {
            char::from(b'0' + (d - 26) as u8)
        }
    };
    let adapt = |delta: u32, points: u32, first: bool| -> u32 {
        let mut delta = if first { delta / 700 } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + ((BASE - TMIN + 1) * delta) / (delta + 38)
    };
    let code: Vec<u32> = label.chars().map(u32::from).collect();
    let mut out: String = label.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    while (handled as usize) < code.len() {
        let m = code.iter().copied().filter(|&c| c >= n).min().unwrap();
        delta += (m - n) * (handled + 1);
        n = m;
        for &c in &code {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

#[test]
fn host_names_compare_in_either_form() {
    assert_eq!(punycode("müller"), "mller-kva");
    assert_eq!(punycode("münchen"), "mnchen-3ya");
    assert_eq!(punycode("hébergeur-associatif"), "hbergeur-associatif-bzb");
    assert_eq!(ascii_host("imap.Müller.example"), "imap.xn--mller-kva.example");
    assert_eq!(
        ascii_host("imap.xn--mller-kva.example"),
        ascii_host("imap.müller.example")
    );
    assert_eq!(ascii_host("IMAP.OldHost.example"), "imap.oldhost.example");
}
