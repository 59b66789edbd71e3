//! End to end on the real test bed: a customer's request mail goes through Postfix into the
//! support inbox; `mailferry serve` opens a ticket, acknowledges in the thread, migrates every
//! folder (flags and dates intact) and reports per-folder counts in the same thread.

mod support;

use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_by_mail_is_acknowledged_migrated_and_reported_in_the_thread() {
    ensure_bed();
    let id = format!("e2e-{:08x}", rand::random::<u32>());
    let old = format!("{id}@old.example");
    let new = format!("{id}@new.example");
    let support_addr = format!("support-{id}@new.example");
    let customer = format!("{id}@customer.example");
    let staff = format!("staff-{id}@staff.example");
    let old_pass = format!("Old-{id}-pw!");
    add_user(Side::Src, &old, &old_pass);
    add_user(Side::Dst, &new, "unused-password");
    add_user(Side::Dst, &support_addr, "support-pw");

    // The customer's old mailbox: three folders, flags, keywords, dates with offsets.
    let mut src = login_src(&old, &old_pass).await;
    for n in 0..5 {
        append(
            &mut src,
            "INBOX",
            "(\\Seen)",
            "03-Mar-2025 10:00:00 +0100",
            &numbered_message(n, "inbox"),
        )
        .await;
    }
    append(
        &mut src,
        "INBOX",
        "(\\Flagged $Forwarded)",
        "04-Mar-2025 23:30:00 -0500",
        &numbered_message(5, "flagged"),
    )
    .await;
    for n in 0..3 {
        append(
            &mut src,
            "Sent",
            "(\\Seen \\Answered)",
            "05-Mar-2025 08:15:00 +0000",
            &numbered_message(n, "sent"),
        )
        .await;
    }
    append(
        &mut src,
        "Archive/2024",
        "()",
        "31-Dec-2024 23:59:59 +0200",
        &numbered_message(9, "archive"),
    )
    .await;
    let _ = src.logout().await;

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &support_addr, "support-pw", &staff);
    // Everything at trace level, libraries included: still no password may reach the log.
    let daemon = Daemon::start_logging(&config, dir.path(), "trace");

    let request_id = format!("req-{id}@customer.example");
    let request = format!(
        "From: Anna Kunde <{customer}>\r\nTo: {support_addr}\r\nSubject: Please move my mailbox\r\n\
         Message-ID: <{request_id}>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0100\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello support,\r\n\r\nplease move this mailbox:\r\n\r\n\
         E-mail: {old}\r\nPassword: {old_pass}\r\nIMAP server: localhost\r\nPort: 10993\r\n\
         New address: {new}\r\n\r\nThanks,\r\nAnna\r\n"
    );
    send_mail(&customer, &[&support_addr], request.as_bytes()).await;

    // The customer's side of the thread lands in the catch-all mailbox.
    let mut catchall = login_dst("catchall@new.example").await;
    let start = std::time::Instant::now();
    let replies = loop {
        let r = messages_to(&mut catchall, &customer).await;
        if r.len() >= 2 {
            break r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for the acknowledgement and the completion reply ({} so far); daemon log:\n{}",
            r.len(),
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let replies_again = messages_to(&mut catchall, &customer).await;
    assert_eq!(replies_again.len(), replies.len(), "no further reply arrives");
    let log = daemon.log_text();
    assert_eq!(replies.len(), 2, "exactly two replies, not more:\n{log}");
    let parser = mail_parser::MessageParser::default();
    let ack = parser.parse(&replies[0]).unwrap();
    let done = parser.parse(&replies[1]).unwrap();
    let ack_id = ack.message_id().unwrap().to_string();
    assert_eq!(
        ack.in_reply_to().as_text(),
        Some(request_id.as_str()),
        "the ack answers the request"
    );
    assert_eq!(
        done.in_reply_to().as_text(),
        Some(ack_id.as_str()),
        "the next reply follows the ack"
    );
    for (m, auto) in [(&ack, "auto-replied"), (&done, "auto-generated")] {
        assert_eq!(m.subject(), Some("Re: Please move my mailbox [MIG-000001]"));
        let refs = m.references().as_text_list().map(|l| l.join(" ")).unwrap_or_default()
            + m.references().as_text().unwrap_or("");
        assert!(refs.contains(&request_id), "References must carry the request: {refs}");
        let cc = m.cc().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or("");
        assert_eq!(cc, staff, "staff in Cc");
        assert_eq!(
            m.from().and_then(|a| a.first()).and_then(|a| a.address()),
            Some(support_addr.as_str())
        );
        assert_eq!(
            m.header_raw("Auto-Submitted").map(str::trim),
            Some(auto),
            "reply:\n{}\ndaemon log:\n{log}",
            m.body_text(0).unwrap_or_default()
        );
        let raw = String::from_utf8_lossy(if auto == "auto-replied" {
            &replies[0]
        } else {
            &replies[1]
        })
        .to_string();
        assert!(!raw.contains(&old_pass), "a reply must never carry the password");
    }
    // Both replies read on a phone: plain text of at most 72 columns (only a fixed line such as
    // a DNS record may be wider) and an HTML part that says the same words.
    for m in [&ack, &done] {
        let plain = m.body_text(0).unwrap();
        for line in plain.lines() {
            assert!(
                line.chars().count() <= 72 || line.starts_with("     "),
                "a line wider than 72 columns:\n{line}\nin:\n{plain}"
            );
        }
        let html = m.body_html(0).expect("an HTML alternative");
        assert_eq!(
            mailferry::reply::layout::visible_words(&html),
            mailferry::reply::layout::visible_words(&plain),
            "the HTML part says what the plain part says:\n{html}\n---\n{plain}"
        );
    }
    let ack_text = support::flow::unflow(&ack.body_text(0).unwrap());
    assert!(
        ack_text.contains("Found: 10 messages in 3 folders"),
        "the acknowledgement says what the old mailbox holds:\n{ack_text}"
    );
    assert!(
        ack_text.contains("MIG-000001") && ack_text.contains(&new),
        "ack names ticket and mailbox:\n{ack_text}"
    );
    let done_text = support::flow::unflow(&done.body_text(0).unwrap());
    for line in ["INBOX", "Sent", "Archive/2024"] {
        assert!(
            done_text.contains(line),
            "completion reply lists folder {line}:\n{done_text}"
        );
    }
    let counts_line = |folder: &str| {
        let prefix = format!("{folder}: ");
        done_text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix.as_str()))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
    };
    assert_eq!(counts_line("INBOX").as_deref(), Some("6"), "{done_text}");
    assert_eq!(counts_line("Sent").as_deref(), Some("3"), "{done_text}");
    assert_eq!(counts_line("Archive/2024").as_deref(), Some("1"), "{done_text}");
    assert_eq!(counts_line("Total").as_deref(), Some("10"), "{done_text}");

    // The migrated mailbox, read over IMAP on our side.
    let mut dst = login_dst(&new).await;
    let counts = folder_counts(&mut dst).await;
    assert_eq!(counts.get("INBOX"), Some(&6), "{counts:?}");
    assert_eq!(counts.get("Sent"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("Archive/2024"), Some(&1), "{counts:?}");
    dst.select("INBOX").await.unwrap();
    let flagged = dst.uid_search("FLAGGED KEYWORD $Forwarded").await.unwrap();
    assert_eq!(flagged.len(), 1, "flags and keywords arrive");
    let seen = dst.uid_search("SEEN").await.unwrap();
    assert_eq!(seen.len(), 5);
    let uid = *flagged.iter().next().unwrap();
    let fetched: Vec<_> =
        futures::TryStreamExt::try_collect(dst.uid_fetch(uid.to_string(), "(INTERNALDATE)").await.unwrap())
            .await
            .unwrap();
    let date = fetched[0].internal_date().unwrap().with_timezone(&chrono::Utc);
    assert_eq!(
        date.to_rfc3339(),
        "2025-03-05T04:30:00+00:00",
        "INTERNALDATE kept as the same instant"
    );

    // The support mailbox: the request filed in Processed, copies of both replies in Sent.
    let mut sup = login_dst(&support_addr).await;
    let counts = folder_counts(&mut sup).await;
    assert_eq!(
        counts.get("INBOX"),
        None,
        "the handled request left the inbox: {counts:?}"
    );
    assert_eq!(counts.get("Processed"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("Sent"), Some(&2), "{counts:?}");

    // The password never reaches the log.
    let log = daemon.log_text();
    assert!(
        !log.contains(&old_pass),
        "the daemon's log must never show the password"
    );
    drop(daemon);

    // Staff's view, with the daemon stopped: the ticket list, the ticket, and a live check.
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailferry"))
            .arg(args[0])
            .arg("--config")
            .arg(&config)
            .args(&args[1..])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains(&old_pass), "the CLI must never print the password");
        (out.status.success(), text)
    };
    let (ok, list) = run(&["tickets"]);
    assert!(ok && list.contains("MIG-000001") && list.contains("1 copied"), "{list}");
    let (ok, show) = run(&["tickets", "show", "MIG-000001"]);
    assert!(ok && show.contains("first copy done: 10 messages"), "{show}");
    let (ok, check) = run(&["check"]);
    assert!(ok, "mailferry check must pass on the bed:\n{check}");
    assert!(
        check.contains("ok   support inbox") && check.contains("ok   smtp"),
        "{check}"
    );
    std::fs::write(dir.path().join("support.pass"), "wrong-password\n").unwrap();
    let (ok, check) = run(&["check"]);
    assert!(!ok, "a wrong support password must fail the check:\n{check}");
    assert!(check.contains("FAIL support inbox"), "{check}");
}
