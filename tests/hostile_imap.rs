//! A hostile old IMAP server (tests/support/hostile.rs) against the real engine and the real
//! probe: endless literals, endless lines, stalls, garbage, a million folders and lying sizes.
//! Each run returns within a bound with a clear reason (a stall is worth a retry, the rest is
//! permanent), and the client stops reading at its caps: the server could push no more than
//! the cap plus what the sockets buffer.
//!
//! The same guard sits on our own servers: a stalled destination fails the job as transient,
//! and the support inbox watcher gives up a stalled login and tries again.
//!
//! The caps are small here (lines of 64 KiB, messages of 1 MiB, 1 s of stall, 100 folders), set
//! through `migrate::Options` and the `[source]` table as an operator would.

#[path = "support/hostile.rs"]
mod hostile;
mod support;

use hostile::{Hostile, Trick};
use mailferry::config::{Config, Security};
use mailferry::imapconn::{Credentials, Endpoint, Limits};
use mailferry::intake::MailboxRequest;
use mailferry::migrate::{self, MailboxPair, MemoryCheckpoints, MigrateError, MigrationReport, Options};
use mailferry::secret::Secret;
use mailferry::validate::{probe_mailbox, ProbeReport};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::*;

const LINE_CAP: u64 = 64 << 10;
const MESSAGE_CAP: u64 = 1 << 20;
const MAX_FOLDERS: usize = 100;
/// What loopback sockets may hold between the server and the client (send and receive
/// buffers grow to a few MiB each): the server can push at most the cap plus this.
const SOCKET_SLACK: u64 = 32 << 20;
/// Every run must end within this (the stall timeout is 1 s, the login timeout 5 s).
const BOUND: Duration = Duration::from_secs(20);

fn limits() -> Limits {
    Limits {
        max_line: LINE_CAP,
        max_literal: MESSAGE_CAP,
        stall: Duration::from_secs(1),
        login: Duration::from_secs(5),
    }
}

fn options() -> Options {
    Options {
        folder_workers: 1,
        source_limits: limits(),
        max_folders: MAX_FOLDERS,
        ..Options::default()
    }
}

/// Runs the engine from the hostile server into a fresh mailbox on our side; the time it took.
async fn migrate_from(h: &Hostile) -> (Result<MigrationReport, MigrateError>, Duration) {
    migrate_into(h, &fresh_destination(), &MemoryCheckpoints::default()).await
}

/// A new mailbox on our side.
fn fresh_destination() -> String {
    ensure_bed();
    let (dst_user, _) = unique_user("hostile", "new.example");
    add_user(Side::Dst, &dst_user, "unused");
    dst_user
}

/// Runs the engine from the hostile server into `dst_user` with these checkpoints.
async fn migrate_into(
    h: &Hostile,
    dst_user: &str,
    checkpoints: &MemoryCheckpoints,
) -> (Result<MigrationReport, MigrateError>, Duration) {
    let pair = MailboxPair {
        source: Endpoint {
            host: "127.0.0.1".into(),
            port: h.port(),
            security: Security::Plain,
            addrs: vec![h.addr],
            tls: mailferry::net::tls_config(None, false).expect("tls config"),
            max_bytes_per_second: None,
        },
        source_login: Credentials::User {
            user: "customer@old.example".into(),
            password: Secret::new("hostile-pw"),
        },
        destination: endpoint(Side::Dst),
        destination_login: admin_for(dst_user),
    };
    let started = Instant::now();
    let result = tokio::time::timeout(
        BOUND,
        migrate::migrate_mailbox(&pair, &options(), checkpoints, &migrate::NoProgress),
    )
    .await
    .unwrap_or_else(|_| panic!("the engine did not return within {BOUND:?}"));
    (result, started.elapsed())
}

fn permanent(r: Result<MigrationReport, MigrateError>) -> String {
    match r {
        Err(MigrateError::Permanent(s)) => s,
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

fn transient(r: Result<MigrationReport, MigrateError>) -> String {
    match r {
        Err(MigrateError::Transient(s)) => s,
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

/// The server pushed no more than `cap` plus the socket buffers before the client hung up.
async fn bounded(h: &Hostile, cap: u64) -> u64 {
    let pushed = h.pushed_after_stream(Duration::from_secs(10)).await;
    assert!(
        pushed <= cap + SOCKET_SLACK,
        "the server pushed {pushed} bytes: the client read past its cap of {cap}"
    );
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_server_is_copied_under_the_guard() {
    let h = hostile::start(Trick::Honest, 3).await;
    let (r, _) = migrate_from(&h).await;
    let report = r.expect("an honest server copies");
    assert_eq!(report.total_messages(), 3);
    assert_eq!(report.total_copied(), 3);
    assert_eq!(report.total_failed(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_after_the_greeting_is_a_transient_failure() {
    let h = hostile::start(Trick::StallAfterGreeting, 2).await;
    let (r, took) = migrate_from(&h).await;
    let reason = transient(r);
    assert!(
        reason.contains("the old server (127.0.0.1) stopped answering for 1 s"),
        "{reason}"
    );
    assert!(reason.contains("try again later"), "{reason}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_greeting_is_permanent_and_not_repeated() {
    let h = hostile::start(Trick::GarbageGreeting, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(reason.contains("sent an answer that is not IMAP"), "{reason}");
    assert!(
        !reason.contains("garbage"),
        "the server's bytes are not repeated: {reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_after_the_login_is_permanent() {
    let h = hostile::start(Trick::GarbageAfterLogin, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(reason.contains("not IMAP"), "{reason}");
    assert!(!reason.contains("not imap at all"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_line_stops_at_the_line_cap() {
    let h = hostile::start(Trick::HugeLineInList, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(
        reason.contains("the old server (127.0.0.1) sent a line longer than 64 KiB; it does not speak IMAP properly"),
        "{reason}"
    );
    let pushed = bounded(&h, LINE_CAP).await;
    eprintln!("endless line: the server pushed {pushed} bytes before the client hung up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_folders_stop_at_the_folder_cap() {
    let h = hostile::start(Trick::MillionFolders, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(reason.contains("lists more than 100 folders"), "{reason}");
    let pushed = bounded(&h, 0).await;
    let all = 1_000_000u64 * "* LIST (\\HasNoChildren) \"/\" \"Folder 0000000\"\r\n".len() as u64;
    assert!(pushed < all / 2, "pushed {pushed} of {all}");
    eprintln!("a million folders: the server pushed {pushed} of {all} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_after_select_is_transient() {
    let h = hostile::start(Trick::StallAfterSelect, 2).await;
    let (r, took) = migrate_from(&h).await;
    let reason = transient(r);
    assert!(reason.contains("stopped answering for 1 s"), "{reason}");
    assert!(reason.contains("reading the message list"), "{reason}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_literal_is_refused_when_announced() {
    let h = hostile::start(Trick::EndlessLiteral, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(
        reason.contains("announced a block of 93.1 GiB in one piece, more than the 1 MiB we accept"),
        "{reason}"
    );
    let pushed = bounded(&h, 0).await;
    eprintln!("endless literal: the server pushed {pushed} bytes before the client hung up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_in_the_middle_of_a_message_is_transient() {
    let h = hostile::start(Trick::StallMidLiteral, 2).await;
    let reason = transient(migrate_from(&h).await.0);
    assert!(reason.contains("While reading messages"), "{reason}");
    assert!(reason.contains("stopped answering for 1 s"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_literal_that_lies_about_the_size_is_refused() {
    let h = hostile::start(Trick::LyingLiteral, 2).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(
        reason.contains("announced a block of 476.8 MiB in one piece, more than the 1 MiB"),
        "{reason}"
    );
    let pushed = bounded(&h, 0).await;
    eprintln!("lying literal: the server pushed {pushed} bytes before the client hung up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_that_lie_cannot_fill_a_batch_without_bound() {
    let h = hostile::start(Trick::LyingSizes, 40).await;
    let reason = permanent(migrate_from(&h).await.0);
    assert!(reason.contains("does not report message sizes properly"), "{reason}");
    // 40 messages of 1000 KiB announced as 100 bytes each: the batch stops past 16 MiB plus
    // 64 KiB per message (18.5 MiB), well before the 39 MiB the server would send.
    let pushed = bounded(&h, 20 << 20).await;
    eprintln!("lying sizes: the server pushed {pushed} bytes before the client hung up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_cap_is_reported_and_the_rest_copied() {
    let h = hostile::start(Trick::OversizeMessage { big: 2 << 20 }, 3).await;
    let dst_user = fresh_destination();
    let checkpoints = MemoryCheckpoints::default();
    let (r, _) = migrate_into(&h, &dst_user, &checkpoints).await;
    let report = r.expect("an oversize message does not fail the job");
    assert_eq!(report.total_messages(), 3);
    assert_eq!(report.total_copied(), 2);
    assert_eq!(report.total_failed(), 1);
    let errors = &report.folders[0].errors;
    assert!(
        errors[0].contains("larger than the 1 MiB we copy; it was left on the old server"),
        "{errors:?}"
    );
    let fetches = h.stats.body_fetches.lock().unwrap().clone();
    assert!(
        fetches.iter().all(|set| !set
            .split(',')
            .any(|p| p == "2" || p.starts_with("2:") || p.ends_with(":2"))),
        "message 2 was fetched: {fetches:?}"
    );
    // The next pass does not take the skipped message for copied: it is reported again.
    let again = migrate_into(&h, &dst_user, &checkpoints).await.0.expect("second pass");
    assert_eq!(again.total_copied(), 0);
    assert_eq!(again.total_failed(), 1);
    assert_eq!(again.folders[0].already_there, 2);
}

/// The probe's config: the test bed's, with small caps in `[source]`.
fn probe_config(dir: &std::path::Path) -> Config {
    let extra = format!(
        "[source]\nallow_private_addresses = true\nstall_seconds = 1\nlogin_seconds = 5\n\
         max_line_bytes = {LINE_CAP}\nmax_message_bytes = {MESSAGE_CAP}\nmax_folders = {MAX_FOLDERS}\n"
    );
    let path = write_config_with(
        dir,
        "support-unused@new.example",
        "unused",
        "staff@new.example",
        SMTP_PORT,
        &extra,
    );
    Config::load(&path).expect("test config")
}

async fn probe(h: &Hostile) -> (ProbeReport, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = probe_config(dir.path());
    let m = MailboxRequest {
        row: Some(2),
        email: "customer@new.example".into(),
        password: Some(Secret::new("hostile-pw")),
        source_host: Some("127.0.0.1".into()),
        source_port: Some(h.port()),
        source_security: Some(Security::Plain),
        source_user: Some("customer@old.example".into()),
        ..MailboxRequest::default()
    };
    let started = Instant::now();
    let report = tokio::time::timeout(BOUND, probe_mailbox(&cfg, &m))
        .await
        .unwrap_or_else(|_| panic!("the probe did not return within {BOUND:?}"));
    (report, started.elapsed())
}

/// The probe's sentence about the old server.
fn server_problem(r: &ProbeReport) -> String {
    r.problems
        .iter()
        .filter(|p| p.field == "server" || p.field == "port")
        .map(|p| p.message.clone())
        .next()
        .unwrap_or_else(|| panic!("no problem with the old server in {:?}", r.problems))
}

/// The hostile server's password in these tests.
const PASSWORD: &str = "hostile-pw";

/// Every way a text can leave mailferry (the sentence, the chain, the Debug form) is free of
/// the password and of the LOGIN line.
fn assert_no_echo(what: &str, text: &str) {
    assert!(!text.contains(PASSWORD), "{what} carries the password: {text}");
    assert!(
        !text.to_ascii_uppercase().contains("LOGIN \""),
        "{what} carries the LOGIN line: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_server_echoing_the_login_line_never_puts_the_password_in_a_login_error() {
    for trick in [Trick::EchoLoginNo, Trick::EchoLoginBye] {
        let h = hostile::start(trick, 2).await;
        let ep = Endpoint {
            host: "127.0.0.1".into(),
            port: h.port(),
            security: Security::Plain,
            addrs: vec![h.addr],
            tls: mailferry::net::tls_config(None, false).expect("tls config"),
            max_bytes_per_second: None,
        };
        let creds = Credentials::User {
            user: "customer@old.example".into(),
            password: Secret::new(PASSWORD),
        };
        let err = match mailferry::imapconn::connect_with(&ep, &creds, limits()).await {
            Ok(_) => panic!("{trick:?}: the login cannot succeed"),
            Err(e) => e,
        };
        assert_no_echo(&format!("{trick:?}"), &format!("{err:#} {err:?}"));
        if trick == Trick::EchoLoginNo {
            let refused = err
                .downcast_ref::<mailferry::imapconn::LoginRefused>()
                .expect("a NO is a refused login");
            assert!(
                refused.sentence.contains("refused the login for customer@old.example"),
                "{refused}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_server_echoing_the_login_line_never_puts_the_password_in_a_job_error() {
    for trick in [Trick::EchoLoginNo, Trick::EchoLoginBye] {
        let h = hostile::start(trick, 2).await;
        let (r, _) = migrate_from(&h).await;
        let text = match r {
            Err(MigrateError::Permanent(s) | MigrateError::Transient(s)) => s,
            other => panic!("{trick:?}: expected a failure, got {other:?}"),
        };
        assert_no_echo(&format!("{trick:?}"), &text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_server_echoing_the_login_line_never_puts_the_password_in_a_probe_problem() {
    for trick in [Trick::EchoLoginNo, Trick::EchoLoginBye] {
        let h = hostile::start(trick, 2).await;
        let (r, _) = probe(&h).await;
        assert!(!r.problems.is_empty(), "{trick:?}: the login cannot succeed");
        for p in &r.problems {
            assert_no_echo(&format!("{trick:?}"), &p.message);
        }
        if trick == Trick::EchoLoginNo {
            let p = r
                .problems
                .iter()
                .find(|p| p.field == "password")
                .expect("a refused login names the password");
            assert!(
                p.message.contains("refused the login for customer@old.example"),
                "{}",
                p.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_gives_up_on_a_stalled_login() {
    let h = hostile::start(Trick::StallAfterGreeting, 2).await;
    let (r, took) = probe(&h).await;
    let p = server_problem(&r);
    assert!(p.contains("127.0.0.1 stopped answering for 1 s"), "{p}");
    assert!(p.contains("try again later"), "{p}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_names_a_garbage_greeting() {
    let h = hostile::start(Trick::GarbageGreeting, 2).await;
    let p = server_problem(&probe(&h).await.0);
    assert!(p.contains("not an IMAP server"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_stops_an_endless_line() {
    let h = hostile::start(Trick::HugeLineInList, 2).await;
    let p = server_problem(&probe(&h).await.0);
    assert!(p.contains("127.0.0.1 sent a line longer than 64 KiB"), "{p}");
    bounded(&h, LINE_CAP).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_stops_at_the_folder_cap() {
    let h = hostile::start(Trick::MillionFolders, 2).await;
    let p = server_problem(&probe(&h).await.0);
    assert!(p.contains("lists more than 100 folders"), "{p}");
    bounded(&h, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_gives_up_on_a_stalled_count() {
    let h = hostile::start(Trick::StallAfterSelect, 2).await;
    let (r, took) = probe(&h).await;
    let p = server_problem(&r);
    assert!(p.contains("stopped answering for 1 s"), "{p}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(h.stats.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_destination_is_transient_too() {
    let (src_user, src_pass, _) = fresh_mailboxes("hostile-dst");
    let h = hostile::start(Trick::StallAfterSelect, 1).await;
    let mut pair = pair(&src_user, &src_pass, "customer@new.example");
    pair.destination = Endpoint {
        port: h.port(),
        addrs: vec![h.addr],
        ..endpoint(Side::Dst)
    };
    // The bed's source keeps the default limits (a busy bed may take a second to log in).
    let opts = Options {
        destination_limits: limits(),
        folder_workers: 1,
        ..Options::default()
    };
    let started = Instant::now();
    let r = tokio::time::timeout(
        BOUND,
        migrate::migrate_mailbox(&pair, &opts, &MemoryCheckpoints::default(), &migrate::NoProgress),
    )
    .await
    .expect("the engine returns");
    let reason = transient(r);
    assert!(
        reason.contains("our server (127.0.0.1) stopped answering for 1 s"),
        "{reason}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_inbox_gives_up_a_stalled_login_and_tries_again() {
    use mailferry::inbox::{self, Disposition};
    let h = hostile::start(Trick::StallAfterGreeting, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let extra = "[source]\nallow_private_addresses = true\nlogin_seconds = 1\n";
    let path = write_config_with(
        dir.path(),
        "support@new.example",
        "pw",
        "staff@new.example",
        SMTP_PORT,
        extra,
    );
    let text = std::fs::read_to_string(path).unwrap();
    let ours = format!("port = {DST_PORT}\nsecurity = \"plain\"\n\n[smtp]");
    assert!(text.contains(&ours), "the test config changed its layout");
    let text = text.replacen(
        &ours,
        &format!("port = {}\nsecurity = \"plain\"\n\n[smtp]", h.port()),
        1,
    );
    let cfg = std::sync::Arc::new(Config::parse(&text).expect("config"));
    let store = mailferry::store::Store::open(&dir.path().join("store"), &dir.path().join("store.key")).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(inbox::watch(cfg, store, stopped, |_mail| async {
        Ok::<_, anyhow::Error>(Disposition::Keep)
    }));
    // The first login is given up after 1 s; the watcher backs off (at most 1 s) and tries again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while h.stats.connections.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        h.stats.connections.load(Ordering::SeqCst) >= 2,
        "the watcher did not give up the stalled login and try again"
    );
    stop.send(true).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), watcher).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "the watcher did not stop: {ended:?}");
}
