//! Observing the real daemon on the test bed: the staff page in a real headless browser
//! (Debian's chromium, installed by `scripts/ensure-chromium`), `/metrics` moved by one
//! request, `/healthz` ok and then 503 when the support inbox stays down, and JSON log lines
//! of a job that name its ticket and mailbox.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::browser::{browser, chromium, run_bounded};
use support::flow::Customer;
use support::*;

const LIMIT: Duration = Duration::from_secs(90);

/// The admin HTTP address the daemon logged (`listen = "127.0.0.1:0"` picks a free port).
fn admin_port(daemon: &Daemon) -> u16 {
    let start = Instant::now();
    let re = regex::Regex::new(r"http://127\.0\.0\.1:(\d+)/").unwrap();
    loop {
        let log = daemon.log_text();
        if let Some(c) = re.captures(&log) {
            return c[1].parse().unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the daemon never said where its admin endpoint listens:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain HTTP/1.1 GET: (status, headers and body as text).
fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the admin endpoint");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read the answer");
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out)
}

/// The value of one sample line (`name{labels} value`) in a /metrics text.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_page_metrics_health_and_json_logs_follow_one_request() {
    let c = Customer::new("obs", 6).await;
    let config = c.config(SMTP_PORT, "[admin]\nlisten = \"127.0.0.1:0\"\n");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replacen("[log]\n", "[log]\nformat = \"json\"\n", 1)).unwrap();
    let daemon = Daemon::start(&config, c.dir.path());
    let port = admin_port(&daemon);

    // A request whose subject tries to smuggle markup into the staff page.
    let (_, raw) = c.request("");
    let raw = String::from_utf8(raw).unwrap().replacen(
        "Subject: Please move my mailbox",
        "Subject: Move <script>alert('x')</script> please",
        1,
    );
    send_mail(&c.customer, &[&c.support], raw.as_bytes()).await;
    // A question for staff and an out-of-office: neither is a request.
    let question = format!(
        "From: {c}\r\nTo: {s}\r\nSubject: Prices\r\nMessage-ID: <q-{id}@customer.example>\r\n\r\n\
         What does a bigger mailbox cost?\r\n",
        c = c.customer,
        s = c.support,
        id = c.id
    );
    send_mail(&c.customer, &[&c.support], question.as_bytes()).await;
    let away = format!(
        "From: {c}\r\nTo: {s}\r\nSubject: Out of office\r\nMessage-ID: <a-{id}@customer.example>\r\n\
         Auto-Submitted: auto-replied\r\n\r\nI am away until Monday.\r\n",
        c = c.customer,
        s = c.support,
        id = c.id
    );
    send_mail(&c.customer, &[&c.support], away.as_bytes()).await;
    c.wait_replies(2, LIMIT, &daemon).await;
    let start = Instant::now();
    let metrics = loop {
        let (_, m) = http_get(port, "/metrics");
        let read: f64 = ["request", "other", "automated"]
            .iter()
            .map(|k| sample(&m, &format!("mailferry_support_mails_total{{kind=\"{k}\"}}")))
            .sum();
        if read >= 3.0 || start.elapsed() > LIMIT {
            break m;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(sample(&metrics, "mailferry_support_mails_total{kind=\"other\"}"), 1.0);
    assert_eq!(
        sample(&metrics, "mailferry_support_mails_total{kind=\"automated\"}"),
        1.0
    );

    let (status, health) = http_get(port, "/healthz");
    assert_eq!(status, 200, "{health}");
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    assert!(health.contains("\"writable\":true"), "{health}");

    let asked = Instant::now();
    let (status, metrics) = http_get(port, "/metrics");
    let metrics_took = asked.elapsed();
    assert_eq!(status, 200, "{metrics}");
    assert!(metrics.contains("Content-Type: text/plain; version=0.0.4"), "{metrics}");
    assert_eq!(sample(&metrics, "mailferry_support_mails_total{kind=\"request\"}"), 1.0);
    assert_eq!(sample(&metrics, "mailferry_messages_copied_total"), 6.0);
    assert!(sample(&metrics, "mailferry_bytes_copied_total") > 6.0 * 100.0);
    assert!(sample(&metrics, "mailferry_replies_sent_total") >= 2.0);
    assert_eq!(sample(&metrics, "mailferry_jobs{state=\"synced\"}"), 1.0);
    assert_eq!(sample(&metrics, "mailferry_tickets{state=\"waiting_for_dns\"}"), 1.0);
    assert_eq!(
        sample(
            &metrics,
            "mailferry_job_pass_duration_seconds_count{pass=\"first\",outcome=\"done\"}"
        ),
        1.0
    );
    assert_eq!(sample(&metrics, "mailferry_smtp_state{state=\"ok\"}"), 1.0);
    assert_eq!(sample(&metrics, "mailferry_inbox_state{state=\"down\"}"), 0.0);

    let (status, list) = http_get(port, "/");
    assert_eq!(status, 200, "{list}");
    let (_, ticket) = http_get(port, "/tickets/MIG-000001");
    // Figures for the report (not asserted): `cargo test --test observe -- --nocapture`.
    println!(
        "figures: GET /metrics {metrics_took:?} ({} bytes), GET / {} bytes, GET /tickets/MIG-000001 {} bytes",
        metrics.len(),
        list.len(),
        ticket.len()
    );
    assert!(list.contains("href=\"/tickets/MIG-000001\""), "{list}");
    let (status, _) = http_get(port, "/tickets/MIG-000099");
    assert_eq!(status, 404);

    // The ticket page as a browser renders it.
    let bin = chromium();
    let profile = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/tickets/MIG-000001");
    let dom = run_bounded(
        browser(&bin, profile.path()).arg("--dump-dom").arg(&url),
        Duration::from_secs(60),
    );
    assert!(dom.contains("MIG-000001"), "{dom}");
    assert!(dom.contains(&c.new), "the mailbox is listed:\n{dom}");
    assert!(dom.contains(&c.customer), "{dom}");
    assert!(
        dom.contains("<progress value=\"6\" max=\"6\">"),
        "a full progress bar for the copied mailbox:\n{dom}"
    );
    assert!(
        dom.contains("Move &lt;script&gt;alert('x')&lt;/script&gt; please"),
        "the subject shows as text:\n{dom}"
    );
    assert!(!dom.contains("<script"), "no script element reached the page:\n{dom}");
    assert!(dom.contains("first copy done"), "the event log is there:\n{dom}");
    assert!(
        dom.contains("<details><summary>text</summary>") && dom.contains("thank you for your request"),
        "the acknowledgement's text is in the event log:\n{dom}"
    );
    assert!(!dom.contains(&c.old_pass), "never a password");
    assert!(
        dom.contains("estimate: start") && dom.contains("actual: started") && dom.contains(", ended "),
        "the estimate stands next to the first copy's real start and end:\n{dom}"
    );

    // Search and filter, as the browser renders the list.
    let list_dom = |query: &str| {
        run_bounded(
            browser(&bin, profile.path())
                .arg("--dump-dom")
                .arg(format!("http://127.0.0.1:{port}/?{query}")),
            Duration::from_secs(60),
        )
    };
    let listed = "href=\"/tickets/MIG-000001\"";
    let by_address = list_dom(&format!("q={}", c.new.replace('@', "%40")));
    assert!(by_address.contains(listed), "found by its mailbox:\n{by_address}");
    assert!(by_address.contains("Tickets (1)"), "{by_address}");
    let by_ticket = list_dom("q=mig-000001");
    assert!(by_ticket.contains(listed), "found by its number:\n{by_ticket}");
    let nobody = list_dom("q=nobody%40nowhere.example");
    assert!(!nobody.contains(listed) && nobody.contains("Tickets (0)"), "{nobody}");
    assert!(
        nobody.contains("value=\"nobody@nowhere.example\""),
        "the search box keeps the search:\n{nobody}"
    );
    let synced = list_dom("state=copied%2C+waiting+for+the+DNS+change");
    assert!(synced.contains(listed), "its mailbox is synced:\n{synced}");
    assert!(
        !by_ticket.contains("Needs a person"),
        "a ticket that copied fine needs nobody:\n{by_ticket}"
    );
    let failed = list_dom("state=failed");
    assert!(!failed.contains(listed), "nothing failed:\n{failed}");

    let shot = profile.path().join("staff-page.png");
    run_bounded(
        browser(&bin, profile.path())
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url),
        Duration::from_secs(60),
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2000,
        "{} bytes",
        png.len()
    );
    if let Ok(keep) = std::env::var("MAILFERRY_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }

    // JSON log lines of the job carry its ticket and mailbox.
    let log = daemon.log_text();
    let done = log
        .lines()
        .find(|l| l.contains("first copy done"))
        .unwrap_or_else(|| panic!("no 'first copy done' line:\n{log}"));
    let line: serde_json::Value = serde_json::from_str(done).expect("a JSON log line");
    assert_eq!(line["span"]["ticket"], "MIG-000001", "{done}");
    assert_eq!(line["span"]["mailbox"], c.new.as_str(), "{done}");
    assert!(
        log.lines()
            .any(|l| l.contains("\"ticket\":\"MIG-000001\"") && l.contains("\"uid\"")),
        "the request's lines name the ticket too:\n{log}"
    );
    assert!(
        log.lines().any(|l| l.contains("\"message\":\"compared\"")
            && l.contains("\"folder\":\"INBOX\"")
            && l.contains("\"ticket\":\"MIG-000001\"")
            && l.contains(&format!("\"mailbox\":\"{}\"", c.new))),
        "the engine's folder lines carry the job's fields in their span list:\n{log}"
    );
    assert!(!log.contains(&c.old_pass), "never a password in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_503_when_the_support_inbox_stays_down() {
    ensure_bed();
    let dir = tempfile::tempdir().unwrap();
    // A port where nothing listens: the support inbox is unreachable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = write_config_with(
        dir.path(),
        "support-nobody@new.example",
        "pw",
        "staff@staff.example",
        SMTP_PORT,
        "[admin]\nlisten = \"127.0.0.1:0\"\ninbox_down_seconds = 1\n",
    );
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen(&format!("port = {DST_PORT}"), &format!("port = {closed}"), 1);
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(&config, dir.path());
    let port = admin_port(&daemon);
    let start = Instant::now();
    let (status, body) = loop {
        let (status, body) = http_get(port, "/healthz");
        if status == 503 || start.elapsed() > Duration::from_secs(20) {
            break (status, body);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("support inbox not connected"), "{body}");
    assert!(body.contains("\"state\":\"down\""), "{body}");
    let (_, metrics) = http_get(port, "/metrics");
    assert_eq!(sample(&metrics, "mailferry_inbox_state{state=\"down\"}"), 1.0);

    // Only GET and HEAD, and only for this host.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 405 "), "{out}");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 403 "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_page_follows_a_running_copy() {
    let c = Customer::new("live", 10).await;
    // A slow old server (3,000 bytes a second) keeps the copy running for a few seconds.
    let config = c.config(
        SMTP_PORT,
        "[source]\nallow_private_addresses = true\nmax_bytes_per_second = 3000\nfolders_at_once = 1\n\
         [admin]\nlisten = \"127.0.0.1:0\"\n",
    );
    let daemon = Daemon::start(&config, c.dir.path());
    let port = admin_port(&daemon);
    c.send_request("").await;
    let start = Instant::now();
    let (page, metrics) = loop {
        let (_, page) = http_get(port, "/tickets/MIG-000001");
        if page.contains("(running)") {
            break (page, http_get(port, "/metrics").1);
        }
        assert!(
            !page.contains("first copy done") && start.elapsed() < LIMIT,
            "the page never showed the copy running:\n{page}\n{}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(page.contains("<progress value=\""), "{page}");
    assert!(page.contains("copying"), "{page}");
    assert_eq!(sample(&metrics, "mailferry_jobs_running"), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, "mailferry_jobs{state=\"syncing\"}"), 1.0);

    c.wait_replies(2, LIMIT, &daemon).await;
    let (_, page) = http_get(port, "/tickets/MIG-000001");
    assert!(!page.contains("(running)"), "{page}");
    assert!(page.contains("<progress value=\"10\" max=\"10\">"), "{page}");
}
