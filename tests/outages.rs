//! Servers going away while the daemon works, played by a TCP fault proxy in front of the
//! shared test bed (the bed's servers themselves are never stopped): the old server stopped
//! mid-copy, SMTP down, the support inbox's server restarted, our IMAP and DAV servers away.
//! Each ends in the right state with the right replies, each once, and staff hear about an
//! outage once (a notice while it lasts and one when it is over; SMTP in one mail afterwards).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::flow::{body_of, Customer};
use support::proxy::FaultProxy;
use support::*;

/// The bed's source IMAPS port (the request names it; the probe finds TLS there).
const SRC_IMAPS: u16 = 10993;
/// The bed's Radicale.
const DAV: u16 = 5232;
/// The longest wait for any one thing to happen.
const LIMIT: Duration = Duration::from_secs(30);

/// Short waits between tries, and staff told about outages after one second.
const FAST: &str = "[retry]\nmax_delay_seconds = 1\n[alerts]\noutage_notice_after_seconds = 1\n";

/// Sets `port = N` in the TOML table `[table]` of the config file.
fn set_port(config: &Path, table: &str, port: u16) {
    let text = std::fs::read_to_string(config).unwrap();
    let start = text
        .find(&format!("[{table}]\n"))
        .unwrap_or_else(|| panic!("no [{table}]"));
    let at = start + text[start..].find("port = ").expect("a port line");
    let end = at + text[at..].find('\n').expect("end of line");
    let changed = format!("{}port = {port}{}", &text[..at], &text[end..]);
    std::fs::write(config, changed).unwrap();
}

/// The request mail, naming the old server at `port` (a proxy) instead of the bed's own.
fn request_via(c: &Customer, port: u16) -> Vec<u8> {
    let (_, raw) = c.request("");
    String::from_utf8(raw)
        .unwrap()
        .replace(&format!("Port: {SRC_IMAPS}"), &format!("Port: {port}"))
        .into_bytes()
}

fn subject(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default()
}

/// Staff's outage notices so far (staff's copies of customer replies left out), oldest first.
async fn notices(c: &Customer) -> Vec<String> {
    let all = delivered_to(&c.staff).await;
    all.iter()
        .map(|m| subject(m))
        .filter(|s| s.starts_with("[mailferry]"))
        .collect()
}

/// Waits until `n` notices arrived; panics with what came and the log after [`LIMIT`].
async fn wait_notices(c: &Customer, n: usize, daemon: &Daemon) -> Vec<String> {
    let start = Instant::now();
    loop {
        let got = notices(c).await;
        if got.len() >= n {
            return got;
        }
        assert!(
            start.elapsed() < LIMIT,
            "waited {LIMIT:?} for {n} staff notices, got {got:?}\n{}",
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Total messages in the new mailbox.
async fn copied(c: &Customer) -> u32 {
    c.new_counts().await.values().sum()
}

fn stored_events(c: &Customer) -> (usize, Vec<String>) {
    let store = mailferry::store::Store::open(&c.dir.path().join("store"), &c.dir.path().join("store.key")).unwrap();
    let tickets = store.tickets().unwrap();
    let events = tickets
        .iter()
        .flat_map(|t| store.events(t.id).unwrap())
        .map(|e| e.text)
        .collect();
    (tickets.len(), events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_server_stopped_mid_copy_and_back_later_the_copy_completes_once() {
    let started = Instant::now();
    let c = Customer::new("srcdown", 0).await;
    {
        let mut s = login_src(&c.old, &c.old_pass).await;
        for n in 0..160 {
            let folder = if n % 2 == 0 { "INBOX" } else { "Archive" };
            append(
                &mut s,
                folder,
                "(\\Seen)",
                "03-Mar-2025 10:00:00 +0100",
                &numbered_message(n, &c.id),
            )
            .await;
        }
        let _ = s.logout().await;
    }
    let old = FaultProxy::start(SRC_IMAPS).await;
    // Slow reads and one folder at a time, so the copy takes a few seconds to interrupt.
    let config = c.config(
        SMTP_PORT,
        &format!(
            "[source]\nallow_private_addresses = true\nfolders_at_once = 1\nmax_bytes_per_second = 12000\n{}",
            "[retry]\nmax_delay_seconds = 1\n"
        ),
    );
    let daemon = Daemon::start(&config, c.dir.path());
    send_mail(&c.customer, &[&c.support], &request_via(&c, old.port())).await;

    // The first folder arrives; the old server goes away while the second is read.
    let t0 = Instant::now();
    while copied(&c).await == 0 {
        assert!(t0.elapsed() < LIMIT, "nothing copied:\n{}", daemon.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    old.down().await;
    let at_outage = copied(&c).await;
    assert!(at_outage > 0 && at_outage < 160, "stopped mid-copy: {at_outage} of 160");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during = c.replies().await;
    assert!(during.len() <= 1, "only the acknowledgement while the server is away");
    assert!(
        during.iter().all(|r| !body_of(r).contains("could not copy")),
        "no failure reply for a passing outage"
    );

    old.up().await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let replies_now = c.replies().await;
    assert_eq!(
        replies_now.len(),
        2,
        "the acknowledgement and the first-copy reply, once each"
    );
    let first = body_of(&replies[1]);
    assert!(first.contains("the first copy of your mail is done"), "{first}");
    assert!(!first.contains("could not copy"), "{first}");

    // Message by message the same, nothing doubled.
    let mut src = login_src(&c.old, &c.old_pass).await;
    let mut dst = login_dst(&c.new).await;
    let (want, got) = (mailbox_multiset(&mut src).await, mailbox_multiset(&mut dst).await);
    for (folder, set) in &want {
        assert_eq!(got.get(folder), Some(set), "folder {folder} differs");
        assert!(set.values().all(|n| *n == 1));
    }
    assert_eq!(copied(&c).await, 160);
    drop(daemon);

    let (tickets, events) = stored_events(&c);
    assert_eq!(tickets, 1);
    assert!(
        events.iter().any(|e| e.starts_with("copy interrupted, retrying")),
        "the ticket's log tells the retry: {events:?}"
    );
    assert!(!events.iter().any(|e| e.starts_with("copy failed")), "{events:?}");
    eprintln!("old server down mid-copy: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_wait_for_smtp_and_go_out_once_in_order_with_one_notice_to_staff() {
    let started = Instant::now();
    let c = Customer::new("smtpdown", 6).await;
    let smtp = FaultProxy::start(SMTP_PORT).await;
    smtp.down().await;
    let config = c.config(smtp.port(), FAST);
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;

    // The request is taken and the copy done while nothing can leave.
    let t0 = Instant::now();
    while copied(&c).await < 6 {
        assert!(t0.elapsed() < LIMIT, "the copy did not finish:\n{}", daemon.log_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut sup = login_dst(&c.support).await;
    assert_eq!(
        folder_counts(&mut sup).await.get("Processed"),
        Some(&1),
        "the request was handled"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(c.replies().await.is_empty(), "nothing left while SMTP is down");
    assert!(notices(&c).await.is_empty(), "no notice can leave either");

    smtp.up().await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let told = wait_notices(&c, 1, &daemon).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(c.replies().await.len(), 2, "each reply exactly once");
    let told_now = notices(&c).await;
    assert_eq!(told_now, told, "one notice for the outage");
    assert!(
        told[0].contains("outage over: the SMTP server was down for"),
        "{told:?}"
    );

    // In order: the Sent copies follow the sending order.
    let sent = messages_with_header(&mut sup, "Sent", "To", &c.customer).await;
    let bodies: Vec<String> = sent.iter().map(|m| body_of(m)).collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[0].contains("thank you for your request"), "{}", bodies[0]);
    assert!(
        bodies[1].contains("the first copy of your mail is done"),
        "{}",
        bodies[1]
    );
    assert!(body_of(&replies[1]).contains("first copy"));
    let _ = sup.logout().await;
    eprintln!("SMTP down: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_while_the_support_inbox_restarts_is_handled_once_after_it() {
    let started = Instant::now();
    let c = Customer::new("inboxdown", 3).await;
    let inbox = FaultProxy::start(DST_PORT).await;
    let config = c.config(SMTP_PORT, FAST);
    set_port(&config, "support.imap", inbox.port());
    let daemon = Daemon::start(&config, c.dir.path());
    let t0 = Instant::now();
    while !daemon.log_text().contains("support inbox: connected") {
        assert!(t0.elapsed() < LIMIT, "never connected:\n{}", daemon.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // in IDLE now

    inbox.down().await;
    c.send_request("").await; // Postfix delivers it straight into the support mailbox
    let told = wait_notices(&c, 1, &daemon).await;
    assert!(told[0].contains("outage: the support inbox unreachable"), "{told:?}");
    assert!(
        c.replies().await.is_empty(),
        "nobody reads the request during the outage"
    );

    inbox.up().await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let told = wait_notices(&c, 2, &daemon).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(c.replies().await.len(), 2, "handled exactly once");
    assert!(body_of(&replies[0]).contains("thank you for your request"));
    assert_eq!(notices(&c).await, told, "one notice and one all-clear");
    assert!(told[1].contains("resolved: the support inbox is back"), "{told:?}");
    assert_eq!(copied(&c).await, 3);
    assert!(inbox.accepted() >= 2, "the daemon reconnected");
    drop(daemon);
    let (tickets, _) = stored_events(&c);
    assert_eq!(tickets, 1);
    eprintln!("support inbox restarted: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_imap_and_dav_servers_away_each_get_one_notice_and_one_all_clear() {
    let started = Instant::now();
    let c = Customer::new("ourside", 0).await;
    let imap = FaultProxy::start(DST_PORT).await;
    let dav = FaultProxy::start(DAV).await;
    std::fs::write(c.dir.path().join("dav.pass"), "davadmin\n").unwrap();
    let config = c.config(
        SMTP_PORT,
        &format!(
            "{FAST}[dav]\nurl = \"http://127.0.0.1:{}\"\nuser = \"admin\"\npassword_file = \"{}/dav.pass\"\n",
            dav.port(),
            c.dir.path().display()
        ),
    );
    set_port(&config, "destination.imap", imap.port());
    let daemon = Daemon::start(&config, c.dir.path());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(notices(&c).await.is_empty(), "all is well: nothing to tell");

    imap.down().await;
    dav.down().await;
    let told = wait_notices(&c, 2, &daemon).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(notices(&c).await.len(), 2, "one notice each while it lasts: {told:?}");
    imap.up().await;
    dav.up().await;
    let told = wait_notices(&c, 4, &daemon).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(notices(&c).await, told, "no more notices");
    for what in [
        "outage: our IMAP server",
        "outage: the contacts and calendars (DAV) server",
    ] {
        assert_eq!(
            told.iter()
                .filter(|t| t.starts_with(&format!("[mailferry] {what}")))
                .count(),
            1,
            "{told:?}"
        );
    }
    for what in [
        "resolved: our IMAP server",
        "resolved: the contacts and calendars (DAV) server",
    ] {
        assert_eq!(
            told.iter()
                .filter(|t| t.starts_with(&format!("[mailferry] {what}")))
                .count(),
            1,
            "{told:?}"
        );
    }
    assert!(c.replies().await.is_empty(), "customers never hear about outages");
    eprintln!("our IMAP and DAV away: {:?}", started.elapsed());
}

/// A message of about `kb` KiB.
fn big_message(n: usize, tag: &str, kb: usize) -> Vec<u8> {
    let line = format!("Line of message {n} for {tag}, filling the new mailbox up.\r\n");
    let body = line.repeat(kb * 1024 / line.len() + 1);
    format!(
        "From: Alice Martin <alice@customer.example>\r\nTo: bob@example.net\r\nSubject: big {n}\r\n\
         Date: Mon, 3 Mar 2025 10:{:02}:00 +0100\r\nMessage-ID: <big-{n}-{tag}@customer.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        n % 60
    )
    .into_bytes()
}

fn set_quota(user: &str, quota: &str) {
    let o = std::process::Command::new(root_dir().join("scripts/testbed"))
        .args(["quota", "dst", user, quota])
        .output()
        .expect("scripts/testbed quota");
    assert!(o.status.success(), "quota: {}", String::from_utf8_lossy(&o.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_new_mailbox_fails_the_job_plainly_and_a_retry_after_raising_the_quota_completes() {
    let started = Instant::now();
    let c = Customer::new("quota", 0).await;
    set_quota(&c.new, "100K");
    {
        let mut s = login_src(&c.old, &c.old_pass).await;
        for n in 0..12 {
            append(
                &mut s,
                "INBOX",
                "(\\Seen)",
                "03-Mar-2025 10:00:00 +0100",
                &big_message(n, &c.id, 20),
            )
            .await;
        }
        let _ = s.logout().await;
    }
    let config = c.config(SMTP_PORT, "[retry]\nmax_delay_seconds = 1\n");
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let failed = body_of(&replies[1]);
    assert!(failed.contains("we could not copy your mailbox"), "{failed}");
    assert!(
        failed.contains("Your new mailbox is full") && failed.contains("raise its quota"),
        "a plain reason:\n{failed}"
    );
    let staff_copies = delivered_to(&c.staff).await;
    assert_eq!(
        staff_copies.len(),
        2,
        "staff get the acknowledgement and the failure, once each"
    );
    let partial = copied(&c).await;
    assert!(partial > 0 && partial < 12, "stopped when full: {partial} of 12");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(c.replies().await.len(), 2, "the failure is told once, not retried");
    drop(daemon);

    // Staff raise the quota and retry the job: the rest is copied, nothing twice.
    set_quota(&c.new, "10M");
    let (ok, out) = c.cli(&config, &["jobs", "retry", "J1"]);
    assert!(ok, "{out}");
    let daemon = Daemon::start(&config, c.dir.path());
    let replies = c.wait_replies(3, LIMIT, &daemon).await;
    assert!(
        body_of(&replies[2]).contains("the first copy of your mail is done"),
        "{}",
        body_of(&replies[2])
    );
    let mut src = login_src(&c.old, &c.old_pass).await;
    let mut dst = login_dst(&c.new).await;
    let (want, got) = (mailbox_multiset(&mut src).await, mailbox_multiset(&mut dst).await);
    assert_eq!(got.get("INBOX"), want.get("INBOX"), "the same messages, none doubled");
    assert_eq!(copied(&c).await, 12);
    eprintln!("quota: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_proxy_forwards_refuses_and_stalls_like_a_server() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    ensure_bed();
    let proxy = FaultProxy::start(DST_PORT).await;
    let greeting = |port: u16| async move {
        let s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let mut line = String::new();
        let mut reader = BufReader::new(s);
        match tokio::time::timeout(Duration::from_millis(1500), reader.read_line(&mut line)).await {
            Ok(r) => r.map(|_| line),
            Err(_) => Ok("(silence)".to_string()),
        }
    };
    assert!(greeting(proxy.port()).await.unwrap().starts_with("* OK"), "forwards");

    let open = tokio::net::TcpStream::connect(("127.0.0.1", proxy.port()))
        .await
        .unwrap();
    proxy.down().await;
    let err = greeting(proxy.port()).await.expect_err("down: refused");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let mut open = BufReader::new(open);
    let mut rest = String::new();
    let _ = open.read_line(&mut rest).await; // the greeting, if it came before the cut
    rest.clear();
    assert_eq!(
        open.read_line(&mut rest).await.unwrap_or(0),
        0,
        "open connections are dropped"
    );

    proxy.up().await;
    assert!(
        greeting(proxy.port()).await.unwrap().starts_with("* OK"),
        "up again, same port"
    );
    proxy.stall().await;
    assert_eq!(
        greeting(proxy.port()).await.unwrap(),
        "(silence)",
        "stalled: accepted, nothing moves"
    );
    // The connection cut by down() may not have been accepted yet (it was still in the backlog).
    assert!(proxy.accepted() >= 3, "{}", proxy.accepted());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_requests_is_answered_over_several_smtp_connections_each_once() {
    // Twelve customers write while SMTP is down; when it is back, their answers leave over
    // more than one connection at a time (smtp.connections, default 4), one answer each.
    const SENDERS: usize = 12;
    let c = Customer::new("burst", 1).await;
    let smtp = FaultProxy::start(SMTP_PORT).await;
    smtp.down().await;
    let config = c.config(smtp.port(), FAST);
    let daemon = Daemon::start(&config, c.dir.path());
    let senders: Vec<String> = (0..SENDERS).map(|i| format!("{}-{i}@customer.example", c.id)).collect();
    for (i, from) in senders.iter().enumerate() {
        // A migration request without a password: each gets one "details missing" answer.
        let raw = format!(
            "From: {from}\r\nTo: {s}\r\nSubject: Mailbox move {i}\r\nMessage-ID: <burst-{i}-{id}@customer.example>\r\n\
             Date: Tue, 24 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Hello,\r\n\r\nplease migrate {old} from localhost.\r\n\r\nThanks\r\n",
            s = c.support,
            id = c.id,
            old = c.old,
        );
        send_mail(from, &[&c.support], raw.as_bytes()).await;
    }
    let t0 = Instant::now();
    while daemon.log_text().matches("ticket opened").count() < SENDERS {
        assert!(
            t0.elapsed() < LIMIT,
            "the requests were not all handled:\n{}",
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    smtp.up().await;
    let mut catchall = login_dst("catchall@new.example").await;
    let t0 = Instant::now();
    loop {
        let mut answered = 0;
        for from in &senders {
            answered += usize::from(!messages_to(&mut catchall, from).await.is_empty());
        }
        if answered == SENDERS {
            break;
        }
        assert!(
            t0.elapsed() < LIMIT,
            "{answered} of {SENDERS} answered:\n{}",
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for from in &senders {
        let got = messages_to(&mut catchall, from).await;
        assert_eq!(got.len(), 1, "{from} got exactly one answer");
        assert!(body_of(&got[0]).contains("Password"), "{}", body_of(&got[0]));
    }
    let _ = catchall.logout().await;
    assert!(
        smtp.most_open() >= 2,
        "the answers went out over {} connection(s) at a time",
        smtp.most_open()
    );
}
