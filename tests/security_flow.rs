//! Security on the real test bed: a handled request mail (it carries a password) is gone from
//! every support folder once acknowledged, a note without the password in its place (or the
//! mail itself in Processed when the operator says so); an unverified sender gets no ticket
//! and no reply, a verified one only the mailboxes of their own domain; a sender over the
//! hourly limit is left for staff, unanswered; staff commands need a verified staff sender
//! and a genuine thread token.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::flow::{body_of, Customer};
use support::*;

const LIMIT: Duration = Duration::from_secs(60);

/// The customer's request with another Message-ID and `headers` on top.
fn request_as(c: &Customer, id: &str, headers: &str) -> Vec<u8> {
    let (msgid, raw) = c.request("");
    let raw = String::from_utf8(raw).unwrap().replace(&msgid, id);
    format!("{headers}{raw}").into_bytes()
}

/// Every message of every folder of the support mailbox.
async fn support_folders(c: &Customer) -> BTreeMap<String, Vec<String>> {
    let mut s = login_dst(&c.support).await;
    let names: Vec<String> = {
        let list: Vec<_> = futures::TryStreamExt::try_collect(s.list(Some(""), Some("*")).await.unwrap())
            .await
            .unwrap();
        list.iter().map(|n| n.name().to_string()).collect()
    };
    let mut out = BTreeMap::new();
    for name in names {
        let mb = s.select(&name).await.unwrap();
        let mut bodies = Vec::new();
        if mb.exists > 0 {
            let fetched: Vec<_> = futures::TryStreamExt::try_collect(s.fetch("1:*", "BODY.PEEK[]").await.unwrap())
                .await
                .unwrap();
            bodies = fetched
                .iter()
                .filter_map(|f| f.body().map(|b| String::from_utf8_lossy(b).to_string()))
                .collect();
        }
        out.insert(name, bodies);
    }
    let _ = s.logout().await;
    out
}

/// Polls the support folders until `done` holds (panics with them and the log after LIMIT).
async fn wait_folders(
    c: &Customer,
    daemon: &Daemon,
    done: impl Fn(&BTreeMap<String, Vec<String>>) -> bool,
) -> BTreeMap<String, Vec<String>> {
    let start = Instant::now();
    loop {
        let f = support_folders(c).await;
        if done(&f) {
            return f;
        }
        assert!(
            start.elapsed() < LIMIT,
            "support folders never got there: {:?}\nlog:\n{}",
            f.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>(),
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn count(f: &BTreeMap<String, Vec<String>>, folder: &str) -> usize {
    f.get(folder).map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_with_the_password_is_expunged_and_a_note_filed() {
    let c = Customer::new("sec-expunge", 1).await;
    let config = c.config(SMTP_PORT, "");
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    assert!(body_of(&replies[0]).contains("MIG-000001"));
    let folders = wait_folders(&c, &daemon, |f| count(f, "INBOX") == 0 && count(f, "Processed") == 1).await;
    for (name, mails) in &folders {
        for m in mails {
            assert!(!m.contains(&c.old_pass), "the password is still in {name}:\n{m}");
        }
    }
    let note = &folders["Processed"][0];
    assert!(note.contains("[request deleted] Please move my mailbox"), "{note}");
    assert!(note.contains("MIG-000001"), "the note names the ticket:\n{note}");
    assert!(note.contains(&c.customer), "the note says who wrote:\n{note}");
    assert!(daemon.log_text().contains("request mail with passwords deleted"));
    let log = daemon.log_text();
    drop(daemon);
    assert!(!log.contains(&c.old_pass), "no password in the log");
    // Nor on disk in clear: the store's files (tickets, events, outbox, sealed secrets).
    let mut dirs = vec![c.dir.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| n != "mailferry.log") {
                let bytes = std::fs::read(&p).unwrap_or_default();
                assert!(
                    !bytes.windows(c.old_pass.len()).any(|w| w == c.old_pass.as_bytes()),
                    "the password is readable in {}",
                    p.display()
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_expunge_the_request_is_filed_in_processed() {
    let c = Customer::new("sec-keep", 1).await;
    let config = c.config(SMTP_PORT, "");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "[support.imap]",
        "expunge_requests = false\n[support.imap]",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    c.wait_replies(1, LIMIT, &daemon).await;
    let folders = wait_folders(&c, &daemon, |f| count(f, "INBOX") == 0 && count(f, "Processed") == 1).await;
    assert!(
        folders["Processed"][0].contains(&c.old_pass),
        "the request itself is in Processed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_senders_are_not_answered_and_verified_ones_only_for_their_domain() {
    let c = Customer::new("sec-auth", 1).await;
    let config = c.config(
        SMTP_PORT,
        "[support.authentication]\nauthserv_id = \"mx.bed.example\"\nrequire = true\n\
         [support.senders]\npolicy = \"same-domain\"\n",
    );
    let daemon = Daemon::start(&config, c.dir.path());
    let tag = &c.id;
    // No Authentication-Results at all; one from another MX; ours saying fail with the
    // sender's own "pass" below it; ours with DKIM pass for an unrelated domain.
    let unverified = [
        request_as(&c, &format!("u1-{tag}@customer.example"), ""),
        request_as(
            &c,
            &format!("u2-{tag}@customer.example"),
            "Authentication-Results: mx.evil.example; dmarc=pass header.from=customer.example\r\n",
        ),
        request_as(
            &c,
            &format!("u3-{tag}@customer.example"),
            "Authentication-Results: mx.bed.example; dkim=none; dmarc=fail header.from=customer.example\r\n\
             Authentication-Results: mx.bed.example; dmarc=pass header.from=customer.example\r\n",
        ),
        request_as(
            &c,
            &format!("u4-{tag}@customer.example"),
            "Authentication-Results: mx.bed.example; dkim=pass header.d=evil.example\r\n",
        ),
    ];
    for raw in &unverified {
        send_mail(&c.customer, &[&c.support], raw).await;
    }
    // Verified, but the destination is not in the sender's domain.
    let verified = request_as(
        &c,
        &format!("v1-{tag}@customer.example"),
        "Authentication-Results: mx.bed.example;\r\n dkim=pass (2048-bit key) header.d=customer.example header.s=s1;\r\n \
         dmarc=pass (p=reject) header.from=customer.example\r\n",
    );
    send_mail(&c.customer, &[&c.support], &verified).await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let body = body_of(&replies[0]);
    assert!(
        body.contains(&format!(
            "destination mailbox {} is not in your domain customer.example",
            c.new
        )),
        "the row's error names the mailbox and the sender's domain:\n{body}"
    );
    assert!(!body.contains(&c.old_pass));
    // The unverified ones came first (UID order): left in the inbox for staff, unanswered.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(c.replies().await.len(), 1, "no reply to an unverified sender");
    let folders = support_folders(&c).await;
    assert_eq!(count(&folders, "INBOX"), 4, "unverified requests stay for staff");

    // Staff commands in the thread: a forged staff From (not verified), a verified staff
    // member with a forged thread token, then the genuine one, which alone is answered.
    let staff_ok = "Authentication-Results: mx.bed.example; dmarc=pass header.from=staff.example\r\n";
    let ours = mail_parser::MessageParser::default()
        .parse(&replies[0])
        .and_then(|m| m.message_id().map(str::to_string))
        .unwrap();
    let forged = ours.replacen("mig-000001.", "mig-000001.0", 1);
    for (n, (headers, thread)) in [("", &ours), (staff_ok, &forged), (staff_ok, &ours)]
        .into_iter()
        .enumerate()
    {
        let raw = format!(
            "{headers}From: {staff}\r\nTo: {s}\r\nSubject: Re: move\r\nMessage-ID: <cmd{n}-{tag}@staff.example>\r\n\
             In-Reply-To: <{thread}>\r\nReferences: <{thread}>\r\nContent-Type: text/plain\r\n\r\napprove\r\n",
            staff = c.staff,
            s = c.support,
        );
        send_mail(&c.staff, &[&c.support], raw.as_bytes()).await;
    }
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let answer = body_of(&replies[1]);
    assert!(answer.contains("\"approve\" from staff"), "{answer}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        c.replies().await.len(),
        2,
        "only the verified staff command in a real thread is answered"
    );
    let log = daemon.log_text();
    assert_eq!(log.matches("sender not verified").count(), 5, "{log}");
    assert!(log.contains("command outside a thread of ours"), "{log}");
    assert!(log.contains("mx.evil.example"), "{log}");
    assert!(!log.contains(&c.old_pass), "no password in the log");
    drop(daemon);
    let store = mailferry::store::Store::open(&c.dir.path().join("store"), &c.dir.path().join("store.key")).unwrap();
    assert!(store.jobs().unwrap().is_empty(), "no job, no password used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_over_the_hourly_limit_is_left_for_staff_unanswered() {
    let c = Customer::new("sec-rate", 1).await;
    // Jobs held for staff: the only reply is the acknowledgement.
    let config = c.config(
        SMTP_PORT,
        "[limits]\nrequests_per_sender_per_hour = 1\n[workers]\nrequire_approval = true\n",
    );
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let again = request_as(&c, &format!("again-{}@customer.example", c.id), "");
    send_mail(&c.customer, &[&c.support], &again).await;
    c.wait_replies(1, LIMIT, &daemon).await;
    let start = Instant::now();
    while !daemon.log_text().contains("over the rate limit") {
        assert!(start.elapsed() < LIMIT, "no rate-limit line:\n{}", daemon.log_text());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(c.replies().await.len(), 1, "the second request is not answered");
    let folders = support_folders(&c).await;
    assert_eq!(count(&folders, "INBOX"), 1, "left in the inbox for staff");
    assert_eq!(daemon.log_text().matches("over the rate limit").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_begun_before_a_key_rotation_is_still_recognised() {
    let c = Customer::new("sec-rotate", 1).await;
    // Held for staff: the job keeps its sealed password through the rotation.
    let config = c.config(SMTP_PORT, "[workers]\nrequire_approval = true\n");
    let mut daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let (ok, text) = c.cli(&config, &["store", "rotate-key"]);
    assert!(
        !ok && text.contains("stop the daemon first"),
        "refused while running: {text}"
    );
    assert!(daemon.terminate(Duration::from_secs(30)).success());
    let key_file = c.dir.path().join("store.key");
    let before = std::fs::read(&key_file).unwrap();
    let (ok, text) = c.cli(&config, &["store", "rotate-key"]);
    assert!(ok && text.contains("1 password(s)"), "{text}");
    let after = std::fs::read(&key_file).unwrap();
    assert_eq!((before.len(), after.len()), (32, 64));
    assert_ne!(before[..], after[..32]);

    let daemon = Daemon::start(&config, c.dir.path());
    c.reply_to(&replies[0], "status", None).await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let answer = body_of(&replies[1]);
    assert!(answer.contains("Here is where your request stands"), "{answer}");
    drop(daemon);
    let store = mailferry::store::Store::open(&c.dir.path().join("store"), &key_file).unwrap();
    let job = store.jobs().unwrap()[0].id;
    assert_eq!(
        store.secret(job).unwrap().unwrap().expose(),
        c.old_pass,
        "the password opens under the new key"
    );
}
