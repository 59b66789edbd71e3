//! What the commands print on a terminal when a customer's mail or a server carries control
//! characters: `parse` (text and JSON) and `tickets` / `tickets show` show them as visible
//! escapes; no escape sequence, C1 control or bidi override reaches the terminal as it is.
//! Runs the real binary on files and a store of its own; needs no server.

use mailferry::model::{Job, Ticket, TicketId};
use mailferry::store::{Change, Store};
use std::path::Path;
use std::process::Command;

/// A subject that retitles the window (OSC … BEL), clears the screen (CSI 2J), uses a C1 CSI
/// and reverses the rest of the line (RLO), with a line break that would forge a line.
const HOSTILE: &str = "Umzug\x1b]0;pwned\x07 bitte\x1b[2J\u{9b}31m \u{202e}exe.txt\nticket: MIG-999999";

/// The characters a terminal would obey, with `allowed` (line breaks) left out.
fn obeyed(text: &str, allowed: &[char]) -> Vec<char> {
    text.chars()
        .filter(|c| !allowed.contains(c) && mailferry::termsafe::is_unsafe(*c))
        .collect()
}

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailferry"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn parse_shows_a_hostile_subject_and_sender_as_visible_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("hostile.eml");
    // The subject as an RFC 2047 encoded word (so the line break survives the header), the
    // sender's name raw with an escape sequence in it.
    let encoded = format!(
        "=?utf-8?b?{}?=",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, HOSTILE)
    );
    let raw = format!(
        "From: \"Anna\x1b[8m hidden\" <anna@old.example>\r\nTo: support@new.example\r\n\
         Subject: {encoded}\r\nMessage-ID: <hostile@old.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         E-mail: anna@old.example\r\nPassword: x\r\nIMAP server: mail.old.example\x1b[2J\r\n"
    );
    std::fs::write(&mail, raw).unwrap();
    let file = mail.display().to_string();

    let (ok, text) = run(&["parse", &file]);
    assert!(ok, "{text}");
    assert_eq!(obeyed(&text, &['\n']), Vec::<char>::new(), "{text}");
    assert!(
        text.contains("subject:  Umzug\\x1b]0;pwned\\x07 bitte\\x1b[2J\\x9b31m \\u{202e}exe.txt\\nticket: MIG-999999"),
        "the subject is shown whole, escaped, on its own line:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("ticket: MIG-999999")),
        "no forged line:\n{text}"
    );

    let (ok, json) = run(&["parse", "--json", &file]);
    assert!(ok, "{json}");
    assert_eq!(obeyed(&json, &['\n']), Vec::<char>::new(), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["subject"].as_str().or(value["meta"]["subject"].as_str()),
        Some(HOSTILE),
        "the JSON still carries the subject as it was: {json}"
    );
}

/// A store with one ticket whose subject, customer, job and event carry control characters.
async fn hostile_store(dir: &Path) {
    let store = Store::open(&dir.join("store"), &dir.join("store.key")).unwrap();
    let ticket: Ticket = serde_json::from_value(serde_json::json!({
        "id": 1,
        "created": "2026-11-24T09:00:00Z",
        "thread": { "customer": "anna@old.example\x1b]0;pwned\x07", "subject": HOSTILE, "references": [] },
        "jobs": [1],
    }))
    .unwrap();
    let job: Job = serde_json::from_value(serde_json::json!({
        "id": 1,
        "ticket": 1,
        "source": { "host": "mail.old.example\u{9b}2J", "port": 993, "security": "tls", "user": "anna\u{202e}" },
        "destination": "anna@new.example",
        "state": "failed",
        "attempts": 1,
        "last_error": "The old server said: NO \x1b[2J\x1b]0;pwned\x07",
        "report": { "folders": [{
            "source": "INBOX/\x1b[31mred", "destination": "INBOX/\x1b[31mred",
            "messages": 1, "bytes": 10, "copied": 0, "already_there": 0, "failed": 1,
            "errors": ["refused: \x1b]0;pwned\x07"]
        }]},
    }))
    .unwrap();
    let mut change = Change::new();
    change.ticket(&ticket).unwrap().job(&job).unwrap().event(
        TicketId(1),
        None,
        chrono::Utc::now(),
        "request from \x1b]0;pwned\x07",
    );
    store.commit(change).await.unwrap();
}

/// The example config with the store in `dir` (the staff commands read nothing else).
fn config(dir: &Path) -> String {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mailferry.example.toml")).unwrap();
    let cfg = example
        .replace("/var/lib/mailferry/store", &dir.join("store").display().to_string())
        .replace(
            "/var/lib/mailferry/store.key",
            &dir.join("store.key").display().to_string(),
        )
        .replace("/etc/mailferry/", &format!("{}/", dir.display()));
    for f in ["support.password", "admin.password", "dav.password"] {
        std::fs::write(dir.join(f), "pw\n").unwrap();
    }
    let path = dir.join("mailferry.toml");
    std::fs::write(&path, cfg).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn tickets_show_customers_and_servers_words_as_visible_escapes() {
    let dir = tempfile::tempdir().unwrap();
    hostile_store(dir.path()).await;
    let cfg = config(dir.path());

    let (ok, list) = run(&["tickets", "--config", &cfg]);
    assert!(ok, "{list}");
    assert_eq!(obeyed(&list, &['\n']), Vec::<char>::new(), "{list}");
    assert!(list.contains("anna@old.example\\x1b]0;pwned\\x07"), "{list}");

    let (ok, show) = run(&["tickets", "--config", &cfg, "show", "MIG-000001"]);
    assert!(ok, "{show}");
    assert_eq!(obeyed(&show, &['\n']), Vec::<char>::new(), "{show}");
    for shown in [
        "Umzug\\x1b]0;pwned\\x07 bitte\\x1b[2J\\x9b31m \\u{202e}exe.txt\\nticket: MIG-999999",
        "mail.old.example\\x9b2J",
        "NO \\x1b[2J\\x1b]0;pwned\\x07",
        "INBOX/\\x1b[31mred",
        "request from \\x1b]0;pwned\\x07",
    ] {
        assert!(show.contains(shown), "{shown} is shown escaped:\n{show}");
    }
    assert!(
        !show.lines().any(|l| l.starts_with("ticket: MIG-999999")),
        "no forged line:\n{show}"
    );
}
