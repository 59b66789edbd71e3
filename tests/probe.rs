//! The online probe against the real test bed: a good mailbox is counted over TLS with the bed's
//! CA; a wrong password, an unknown destination, a loopback host without the operator's switch
//! and an untrusted certificate each give one plain sentence, never with the password in it.
//! Also `mailferry parse --probe --json` on a generated request mail.

mod support;

use mailferry::config::{Config, Security};
use mailferry::intake::MailboxRequest;
use mailferry::secret::Secret;
use mailferry::validate::{probe_mailbox, probe_mailbox_with, ProbeOptions, ProbeReport};
use std::path::Path;
use support::*;

/// The bed's IMAPS port on the old provider's side.
const SRC_IMAPS: u16 = 10993;

/// The test config (`write_config`: private addresses allowed, the bed's CA trusted), edited.
fn config(dir: &Path, edit: impl Fn(String) -> String) -> Config {
    let path = write_config(dir, "support-unused@new.example", "unused", "staff@new.example");
    let text = std::fs::read_to_string(path).unwrap();
    Config::parse(&edit(text)).unwrap()
}

/// A customer's mailbox at the bed's old provider, moving to the same address on our side.
fn request(user: &str, pass: &str, host: &str, port: Option<u16>, security: Option<Security>) -> MailboxRequest {
    MailboxRequest {
        row: Some(2),
        email: user.into(),
        password: Some(Secret::new(pass)),
        source_host: Some(host.into()),
        source_port: port,
        source_security: security,
        ..MailboxRequest::default()
    }
}

/// A user on both sides with 3 messages in INBOX and 2 in "Archiv/2024".
async fn seeded_user() -> (String, String) {
    ensure_bed();
    let (user, pass) = unique_user("probe", "new.example");
    add_user(Side::Src, &user, &pass);
    add_user(Side::Dst, &user, "unused-on-our-side");
    let mut s = login_src(&user, &pass).await;
    create_folder(&mut s, "Archiv", false).await;
    create_folder(&mut s, "Archiv/2024", false).await;
    let msgs: Vec<SeedMsg> = (0..5)
        .map(|n| SeedMsg {
            folder: if n < 3 { "INBOX".into() } else { "Archiv/2024".into() },
            flags: vec!["\\Seen".into()],
            date: "05-Mar-2024 07:08:09 +0100".into(),
            bytes: numbered_message(n, "probe"),
        })
        .collect();
    seed(&mut s, &msgs).await;
    let _ = s.logout().await;
    (user, pass)
}

fn no_password(report: &ProbeReport, pass: &str) {
    let text = format!("{report:?}");
    assert!(!text.contains(pass), "the password leaked: {text}");
}

#[tokio::test]
async fn a_good_mailbox_is_counted_over_tls_with_the_bed_ca() {
    let (user, pass) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), |t| t);
    let m = request(&user, &pass, "localhost", Some(SRC_IMAPS), None);
    let r = probe_mailbox(&cfg, &m).await;
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    let src = r.source.as_ref().expect("effective source");
    assert_eq!((src.port, src.security), (SRC_IMAPS, Security::Tls));
    assert!(src.addrs.iter().all(|a| a.port() == SRC_IMAPS && a.ip().is_loopback()));
    assert!(r.folders >= 2, "{r:?}"); // INBOX, Archiv/2024 (Archiv too on maildir)
    assert_eq!(r.messages, 5);
    let expected: u64 = (0..5).map(|n| numbered_message(n, "probe").len() as u64).sum();
    assert_eq!(r.bytes, Some(expected), "the bed's Dovecot has STATUS=SIZE");
    no_password(&r, &pass);
}

#[tokio::test]
async fn with_neither_port_nor_security_tls_then_starttls_is_tried() {
    let (user, pass) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), |t| t);
    // A closed port stands for 993, the bed's plain port (with STARTTLS) for 143.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = ProbeOptions {
        default_candidates: vec![(closed, Security::Tls), (SRC_PORT, Security::Starttls)],
        ..ProbeOptions::default()
    };
    let m = request(&user, &pass, "localhost", None, None);
    let r = probe_mailbox_with(&cfg, &m, &opts).await;
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    let src = r.source.expect("effective source");
    assert_eq!((src.port, src.security), (SRC_PORT, Security::Starttls));
    assert_eq!(r.messages, 5);

    // A port without security: not TLS there, so STARTTLS on the same port.
    let m = request(&user, &pass, "127.0.0.1", Some(SRC_PORT), None);
    let r = probe_mailbox(&cfg, &m).await;
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.source.map(|s| s.security), Some(Security::Starttls));
}

#[tokio::test]
async fn a_wrong_password_is_one_password_problem_without_the_password() {
    let (user, _) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), |t| t);
    let wrong = "Wr0ng-Secret-Passw0rd";
    let r = probe_mailbox(&cfg, &request(&user, wrong, "localhost", Some(SRC_IMAPS), None)).await;
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    let p = &r.problems[0];
    assert_eq!((p.field.as_str(), p.row), ("password", Some(2)));
    assert!(
        p.message
            .starts_with(&format!("the old provider refused the login for {user}: ")),
        "{}",
        p.message
    );
    assert!(p.message.ends_with("; check the password"), "{}", p.message);
    assert!(
        !p.message.contains("Some(") && !p.message.contains("info:"),
        "{}",
        p.message
    );
    no_password(&r, wrong);
}

#[tokio::test]
async fn an_unknown_destination_is_a_destination_problem() {
    let (user, pass) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), |t| t);
    let (missing, _) = unique_user("nobody", "new.example");
    let mut m = request(&user, &pass, "localhost", Some(SRC_IMAPS), None);
    m.destination = Some(missing.clone());
    let r = probe_mailbox(&cfg, &m).await;
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    assert_eq!(r.problems[0].field, "destination");
    assert_eq!(
        r.problems[0].message,
        format!("{missing} does not exist on our side; create it first or give the right new address")
    );
    assert_eq!(r.messages, 5, "the old side is still probed");

    m.destination = Some("anna@elsewhere.example".into());
    let r = probe_mailbox(&cfg, &m).await;
    assert!(
        r.problems[0].message.contains("not in a domain we host"),
        "{:?}",
        r.problems
    );
}

#[tokio::test]
async fn a_host_on_loopback_is_refused_without_connecting() {
    ensure_bed();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), |t| {
        t.replace("allow_private_addresses = true", "allow_private_addresses = false")
    });
    // Our own listener on loopback: the probe must not even knock.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (user, _) = unique_user("probe", "new.example");
    add_user(Side::Dst, &user, "x");
    let r = probe_mailbox(&cfg, &request(&user, "S3cret-pw", "localhost", Some(port), None)).await;
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    let p = &r.problems[0];
    assert_eq!(p.field, "server");
    assert!(p.message.starts_with("localhost resolves to "), "{}", p.message);
    assert!(
        p.message.contains("127.0.0.1") || p.message.contains("::1"),
        "{}",
        p.message
    );
    assert!(p.message.contains("private or reserved network"), "{}", p.message);
    assert!(r.source.is_none());
    let knock = tokio::time::timeout(std::time::Duration::from_millis(300), listener.accept()).await;
    assert!(knock.is_err(), "the probe connected to a refused address");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_plain_sentence() {
    let (user, pass) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let strict = |t: String| {
        t.lines()
            .filter(|l| !l.starts_with("extra_ca_file"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let cfg = config(dir.path(), strict);
    assert!(cfg.tls.extra_ca_file.is_none() && !cfg.source.accept_invalid_certs);
    let m = request(&user, &pass, "localhost", Some(SRC_IMAPS), Some(Security::Tls));
    let r = probe_mailbox(&cfg, &m).await;
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    let p = &r.problems[0];
    assert_eq!(p.field, "server");
    assert!(
        p.message.contains("certificate is not signed by an authority we trust"),
        "{}",
        p.message
    );
    for debug in ["UnknownIssuer", "InvalidCertificate", "Custom", "kind:"] {
        assert!(!p.message.contains(debug), "{}", p.message);
    }
    assert_eq!(r.messages, 0);
    no_password(&r, &pass);

    // The operator's explicit choice lets the same server through.
    let cfg = config(dir.path(), |t| {
        strict(t).replace("[source]", "[source]\naccept_invalid_certs = true")
    });
    let r = probe_mailbox(&cfg, &m).await;
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.messages, 5);
}

#[tokio::test]
async fn parse_probe_json_adds_counts_and_problems() {
    let (user, pass) = seeded_user().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = write_config(dir.path(), "support-unused@new.example", "unused", "staff@new.example");
    let (other, other_pass) = unique_user("probe-wrong", "new.example");
    add_user(Side::Src, &other, &other_pass);
    add_user(Side::Dst, &other, "x");
    let wrong = "Not-The-Passw0rd";
    let eml = format!(
        "From: Anna <anna@customer.example>\r\nTo: support@new.example\r\nSubject: Migration\r\n\
         Message-ID: <probe-cli-{user}>\r\nDate: Tue, 24 Nov 2026 09:30:00 +0100\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nplease move these mailboxes.\r\n\r\n\
         Email: {user}\r\nPassword: {pass}\r\nIMAP server: localhost\r\nPort: {SRC_IMAPS}\r\n\r\n\
         Email: {other}\r\nPassword: {wrong}\r\nIMAP server: localhost\r\nPort: {SRC_IMAPS}\r\n\r\nThanks\r\n"
    );
    let eml_path = dir.path().join("request.eml");
    std::fs::write(&eml_path, eml).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailferry"))
        .args(["parse", "--probe", "--json", "--config"])
        .arg(&cfg_path)
        .arg(&eml_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for secret in [pass.as_str(), wrong] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "password in output"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let boxes = v["mailboxes"].as_array().unwrap();
    assert_eq!(boxes.len(), 2, "{stdout}");
    let good = &boxes[0]["probe"];
    assert_eq!(good["messages"], 5, "{stdout}");
    assert_eq!(good["source_port"], SRC_IMAPS);
    assert_eq!(good["source_security"], "tls");
    assert!(good["folders"].as_u64().unwrap() >= 2);
    assert!(good["bytes"].as_u64().unwrap() > 0);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert_eq!(errors[0]["field"], "password");
    assert!(errors[0]["message"].as_str().unwrap().contains(&other));

    // --probe without a readable config is a clear error.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailferry"))
        .args(["parse", "--probe", "--config"])
        .arg(dir.path().join("missing.toml"))
        .arg(&eml_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--probe") && stderr.contains("missing.toml"),
        "{stderr}"
    );
}
