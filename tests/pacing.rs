//! Keeping to an old provider's limits, against the real test bed: a download quota per
//! window that pauses the copy and lets it resume from its checkpoints, a short window waited
//! out in place, and a server's own throttling answers (Exchange's "Suggested Backoff Time",
//! Gmail's bandwidth answer) injected by the fault proxy in front of the bed's source Dovecot.
//! Every case ends with the destination equal to the source, message by message.

mod support;

use mailferry::migrate::pacer::Pacer;
use mailferry::migrate::{self, MemoryCheckpoints, MigrateError, NoProgress, Options};
use mailferry::model::{PaceLimits, PaceState};
use std::sync::Arc;
use std::time::Duration;
use support::proxy::FaultProxy;
use support::*;

/// Messages of about 60 KB each, in two folders.
fn sized_messages(n: usize) -> Vec<SeedMsg> {
    (0..n)
        .map(|i| {
            let line = format!("{i:04} {}\r\n", "paced copy ".repeat(6));
            let body = line.repeat(60_000 / line.len());
            SeedMsg {
                folder: if i % 3 == 0 { "Archive".into() } else { "INBOX".into() },
                flags: if i % 2 == 0 { vec!["\\Seen".into()] } else { vec![] },
                date: format!("{:02}-Mar-2025 10:00:00 +0100", 1 + i % 28),
                bytes: message(&format!("Paced {i}"), Some(&format!("paced-{i}@example.net")), &body),
            }
        })
        .collect()
}

async fn seeded(prefix: &str, n: usize) -> (String, String, String, Vec<SeedMsg>) {
    let (src_user, src_pass, dst_user) = fresh_mailboxes(prefix);
    let mut src = login_src(&src_user, &src_pass).await;
    create_folder(&mut src, "Archive", true).await;
    let msgs = sized_messages(n);
    seed(&mut src, &msgs).await;
    (src_user, src_pass, dst_user, msgs)
}

async fn assert_same(src_user: &str, src_pass: &str, dst_user: &str) {
    let mut src = login_src(src_user, src_pass).await;
    let mut dst = login_dst(dst_user).await;
    let a = mailbox_multiset(&mut src).await;
    let b = mailbox_multiset(&mut dst).await;
    for (folder, want) in &a {
        let got = b
            .get(folder)
            .unwrap_or_else(|| panic!("folder {folder} missing on our side"));
        assert_eq!(got, want, "folder {folder} differs (a message missing or copied twice)");
    }
}

/// Small batches, so the quota is asked for many times in one folder.
fn small_batches(pace: Arc<Pacer>) -> Options {
    Options {
        bytes_in_flight: 250_000,
        pace: Some(pace),
        ..Options::default()
    }
}

fn quota(bytes: u64, window: Duration) -> PaceLimits {
    PaceLimits {
        bytes_per_window: Some(bytes),
        window,
        ..PaceLimits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_pauses_the_copy_and_it_resumes_from_its_checkpoints_exactly() {
    let (src_user, src_pass, dst_user, msgs) = seeded("pace-pause", 12).await;
    let pair = pair(&src_user, &src_pass, &dst_user);
    let checkpoints = MemoryCheckpoints::default();
    let limits = quota(300_000, Duration::from_secs(2));
    // What the daemon does: each pass goes on from the quota the job used, and a pause ends
    // the pass until the window is over.
    let mut state = PaceState::default();
    let mut pauses = 0;
    let report = loop {
        assert!(pauses < 20, "the copy never finished: {pauses} pauses");
        let pacer = Arc::new(Pacer::new(limits, state, Duration::ZERO));
        let result = migrate::migrate_mailbox(&pair, &small_batches(pacer.clone()), &checkpoints, &NoProgress).await;
        state = pacer.state();
        match result {
            Ok(report) => break report,
            Err(MigrateError::Paused { until, reason }) => {
                pauses += 1;
                let wait = (until - chrono::Utc::now()).to_std().unwrap_or_default();
                assert!(
                    wait <= Duration::from_secs(2),
                    "paused for longer than the window: {wait:?}"
                );
                assert!(reason.contains("quota"), "{reason}");
                tokio::time::sleep(wait + Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the copy failed: {e}"),
        }
    };
    // About 720 KB at 300 KB per window: at least two pauses.
    assert!(pauses >= 2, "only {pauses} pauses for 720 KB at 300 KB per window");
    assert_eq!(report.total_messages(), msgs.len() as u64);
    assert_same(&src_user, &src_pass, &dst_user).await;
    // Nothing left to copy, and nothing copied twice on another pass.
    let pacer = Arc::new(Pacer::new(PaceLimits::default(), PaceState::default(), Duration::ZERO));
    let again = migrate::migrate_mailbox(&pair, &small_batches(pacer), &checkpoints, &NoProgress)
        .await
        .expect("a second pass");
    assert_eq!(again.total_copied(), 0);
    assert_same(&src_user, &src_pass, &dst_user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_quota_window_is_waited_out_in_place() {
    let (src_user, src_pass, dst_user, msgs) = seeded("pace-wait", 9).await;
    let pair = pair(&src_user, &src_pass, &dst_user);
    let pacer = Arc::new(Pacer::new(
        quota(250_000, Duration::from_millis(700)),
        PaceState::default(),
        Duration::from_secs(10),
    ));
    let report = migrate::migrate_mailbox(
        &pair,
        &small_batches(pacer.clone()),
        &MemoryCheckpoints::default(),
        &NoProgress,
    )
    .await
    .expect("the copy waits instead of pausing");
    assert!(pacer.quota_waits() >= 1, "the quota was never waited for");
    assert_eq!(report.total_copied(), msgs.len() as u64);
    assert_same(&src_user, &src_pass, &dst_user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_server_gets_its_back_off_and_the_copy_is_exact() {
    let (src_user, src_pass, dst_user, msgs) = seeded("pace-throttle", 6).await;
    let proxy = FaultProxy::start(SRC_PORT).await;
    // Exchange Online's own words, on the first two reads of message bodies.
    proxy.answer_instead(
        "BODY.PEEK[]",
        "NO Request is throttled. Suggested Backoff Time: 300 milliseconds",
        2,
    );
    let mut pair = pair(&src_user, &src_pass, &dst_user);
    pair.source.port = proxy.port();
    pair.source.addrs = vec![std::net::SocketAddr::from(([127, 0, 0, 1], proxy.port()))];
    let pacer = Arc::new(Pacer::new(PaceLimits::default(), PaceState::default(), Duration::ZERO));
    let report = migrate::migrate_mailbox(
        &pair,
        &small_batches(pacer.clone()),
        &MemoryCheckpoints::default(),
        &NoProgress,
    )
    .await
    .expect("the copy goes on after the back-off");
    assert!(proxy.accepted() > 0, "the copy did not go through the proxy");
    assert_eq!(proxy.answered(), 2, "the proxy did not answer in the server's place");
    assert_eq!(pacer.back_offs(), 2);
    assert_eq!(report.total_copied(), msgs.len() as u64);
    assert_eq!(report.total_failed(), 0);
    assert_same(&src_user, &src_pass, &dst_user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gmail_s_bandwidth_answer_pauses_until_the_window_ends_then_the_copy_completes() {
    let (src_user, src_pass, dst_user, msgs) = seeded("pace-gmail", 6).await;
    let proxy = FaultProxy::start(SRC_PORT).await;
    proxy.answer_instead(
        "BODY.PEEK[]",
        "NO [OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)",
        1,
    );
    let mut pair = pair(&src_user, &src_pass, &dst_user);
    pair.source.port = proxy.port();
    pair.source.addrs = vec![std::net::SocketAddr::from(([127, 0, 0, 1], proxy.port()))];
    let checkpoints = MemoryCheckpoints::default();
    // A test-sized Gmail: a large quota, but the server says it is spent.
    let limits = quota(2_500_000_000, Duration::from_secs(2));
    let pacer = Arc::new(Pacer::new(limits, PaceState::default(), Duration::ZERO));
    let first = migrate::migrate_mailbox(&pair, &small_batches(pacer.clone()), &checkpoints, &NoProgress).await;
    let until = match first {
        Err(MigrateError::Paused { until, reason }) => {
            assert!(reason.contains("bandwidth"), "{reason}");
            until
        }
        other => panic!("expected a pause, got {other:?}"),
    };
    // The server's word counts: the window's quota is taken as spent.
    assert_eq!(pacer.state().used, 2_500_000_000);
    tokio::time::sleep((until - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(50)).await;
    let pacer = Arc::new(Pacer::new(limits, pacer.state(), Duration::ZERO));
    migrate::migrate_mailbox(&pair, &small_batches(pacer), &checkpoints, &NoProgress)
        .await
        .expect("the copy resumes after the window");
    assert_eq!(proxy.answered(), 1);
    let mut dst = login_dst(&dst_user).await;
    let total: u32 = folder_counts(&mut dst).await.values().sum();
    assert_eq!(total as usize, msgs.len());
    assert_same(&src_user, &src_pass, &dst_user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_pauses_a_copy_at_the_provider_s_quota_and_resumes_it_when_the_window_ends() {
    use support::flow::{body_of, Customer};
    let c = Customer::new("pace-daemon", 12).await;
    // A test-sized provider for the bed's old server: about 1.2 KB per 3.6 s.
    let rules = c.dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("providers.toml"),
        r#"
[[provider]]
id = "slowmail"
name = "Slowmail (test)"
imap_hosts = ["localhost"]
imap = { host = "localhost", port = 10993, security = "tls" }
login = ["password"]
[provider.limits]
download_bytes_per_window = 1200
window_hours = 0.001
"#,
    )
    .unwrap();
    let config = c.config(
        SMTP_PORT,
        "[source]\nallow_private_addresses = true\nbytes_in_flight = 1000\npace_sleep_max_seconds = 0\n",
    );
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("rules_dir = \"{}\"\n{text}", rules.display())).unwrap();
    let mut daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let replies = c.wait_replies(2, Duration::from_secs(120), &daemon).await;
    assert!(
        body_of(&replies[1]).contains("first copy of your mail is done"),
        "{}",
        body_of(&replies[1])
    );
    assert_eq!(c.new_counts().await.values().sum::<u32>(), 12);
    daemon.terminate(Duration::from_secs(30));
    let store = mailferry::store::Store::open(&c.dir.path().join("store"), &c.dir.path().join("store.key")).unwrap();
    let job = store.jobs().unwrap().into_iter().next().expect("a job");
    let pauses = store
        .events(job.ticket)
        .unwrap()
        .iter()
        .filter(|e| e.text.contains("paused for the old provider's limits"))
        .count();
    assert!(pauses >= 2, "{pauses} pauses for about 4 KB at 1.2 KB per window");
    // A pause is not an attempt: the job never counted as retrying or failing.
    assert_eq!(job.attempts, 0);
    assert!(job.pace.used > 0, "the quota used is kept with the job");
}
