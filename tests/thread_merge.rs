//! A request completed in its thread, on the real test bed: a mailbox the first mail could not
//! give in full waits on the ticket, and the customer's answer ("Password: …" alone, a
//! corrected CSV) completes it; a password that could belong to two mailboxes is asked about,
//! never guessed; an accepted mailbox is not changed by a reply; the needs-info reply and the
//! `template` command carry the CSV template. No password reaches a reply, the log or the
//! ticket's events.

mod support;

use mail_parser::{MessageParser, MimeHeaders};
use mailferry::model::JobState;
use std::time::Duration;
use support::flow::{body_of, Customer};
use support::*;

const LIMIT: Duration = Duration::from_secs(90);

/// The files attached to a raw reply: (name, text).
fn attachments_of(raw: &[u8]) -> Vec<(String, String)> {
    let msg = MessageParser::default().parse(raw).expect("a reply parses");
    msg.attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or_default().to_string(),
                String::from_utf8_lossy(a.contents()).to_string(),
            )
        })
        .collect()
}

/// A new request mail from the customer with `body` as its text.
fn request_mail(c: &Customer, body: &str) -> Vec<u8> {
    format!(
        "From: {c}\r\nTo: {s}\r\nSubject: Please move my mailbox\r\nMessage-ID: <req-{id}@customer.example>\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        c = c.customer,
        s = c.support,
        id = c.id,
    )
    .into_bytes()
}

/// The lines of a mailbox without its password.
fn without_password(old: &str, new: &str) -> String {
    format!("E-mail: {old}\r\nIMAP server: localhost\r\nPort: 10993\r\nNew address: {new}\r\n")
}

/// A reply to `to` (one of our replies) with `text` and a CSV file attached.
fn reply_with_csv(c: &Customer, to: &[u8], text: &str, csv: &str) -> Vec<u8> {
    let parsed = MessageParser::default().parse(to).unwrap();
    let their_id = parsed.message_id().unwrap().to_string();
    format!(
        "From: {from}\r\nTo: {s}\r\nSubject: Re: {subj}\r\nMessage-ID: <csv-{r:08x}-{id}@customer.example>\r\n\
         In-Reply-To: <{their_id}>\r\nReferences: <{their_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         {text}\r\n--b1\r\nContent-Type: text/csv; name=\"mailboxes.csv\"\r\n\
         Content-Disposition: attachment; filename=\"mailboxes.csv\"\r\n\r\n{csv}\r\n--b1--\r\n",
        from = c.customer,
        s = c.support,
        subj = parsed.subject().unwrap_or(""),
        r = rand::random::<u32>(),
        id = c.id,
    )
    .into_bytes()
}

/// Opens the store of a stopped daemon.
fn store_of(c: &Customer) -> mailferry::store::Store {
    mailferry::store::Store::open(&c.dir.path().join("store"), &c.dir.path().join("store.key")).unwrap()
}

/// No reply, no log line and no event of the ticket holds any of `passwords`.
fn assert_no_password(c: &Customer, config: &std::path::Path, replies: &[Vec<u8>], log: &str, passwords: &[&str]) {
    for pw in passwords {
        for r in replies {
            assert!(!String::from_utf8_lossy(r).contains(pw), "a reply carries a password");
        }
        assert!(!log.contains(pw), "the log carries a password");
    }
    let (ok, show) = c.cli(config, &["tickets", "show", "MIG-000001"]);
    assert!(ok, "{show}");
    for pw in passwords {
        assert!(!show.contains(pw), "the ticket's events carry a password:\n{show}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_given_alone_in_the_thread_completes_the_request() {
    let c = Customer::new("alone", 4).await;
    let config = c.config(SMTP_PORT, "");
    let daemon = Daemon::start(&config, c.dir.path());
    let body = format!(
        "Hello,\r\n\r\nplease migrate my mailbox.\r\n\r\n{}",
        without_password(&c.old, &c.new)
    );
    send_mail(&c.customer, &[&c.support], &request_mail(&c, &body)).await;

    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let asks = body_of(&replies[0]);
    assert!(
        asks.contains(&format!("no password is given for {}", c.old)),
        "the reply names the missing password:\n{asks}"
    );
    assert!(asks.contains("Email: anna@example.com"), "a filled-in example:\n{asks}");
    let files = attachments_of(&replies[0]);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, "template.csv");
    assert!(
        files[0].1.starts_with("email,password,server"),
        "the shipped template:\n{}",
        files[0].1
    );
    assert!(c.new_counts().await.is_empty(), "nothing copied without the password");

    c.reply_to(&replies[0], &format!("Password: {}", c.old_pass), None)
        .await;
    let replies = c.wait_replies(3, LIMIT, &daemon).await;
    let ack = body_of(&replies[1]);
    assert!(
        ack.contains("will copy the following mailboxes") && ack.contains(&c.new),
        "the answer acknowledges the mailbox:\n{ack}"
    );
    assert!(attachments_of(&replies[1]).is_empty(), "nothing to fill in any more");
    assert!(
        body_of(&replies[2]).contains("first copy of your mail is done"),
        "{}",
        body_of(&replies[2])
    );
    assert_eq!(
        c.new_counts().await.values().sum::<u32>(),
        4,
        "the source's messages arrived"
    );
    let log = daemon.log_text();
    drop(daemon);
    assert_no_password(&c, &config, &replies, &log, &[&c.old_pass]);
    let store = store_of(&c);
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1, "the pending mailbox became the job, not a second one");
    assert_eq!(jobs[0].state, JobState::Synced);
    assert!(store.pending(jobs[0].id).unwrap().is_none(), "nothing pending is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_alone_for_two_waiting_mailboxes_is_asked_about_and_the_template_command_answers() {
    let c = Customer::new("which", 1).await;
    let second = format!("second-{}@old.example", c.id);
    let config = c.config(SMTP_PORT, "");
    let daemon = Daemon::start(&config, c.dir.path());
    let body = format!(
        "Hello,\r\n\r\nplease migrate these two mailboxes.\r\n\r\n{}\r\n{}",
        without_password(&c.old, &c.new),
        without_password(&second, &format!("second-{}@new.example", c.id))
    );
    send_mail(&c.customer, &[&c.support], &request_mail(&c, &body)).await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let asks = body_of(&replies[0]);
    assert!(asks.contains(&c.old) && asks.contains(&second), "{asks}");

    c.reply_to(&replies[0], "Password: Both-Or-Neither-7", None).await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let which = body_of(&replies[1]);
    assert!(
        which.contains("does not say which mailbox it is for") && which.contains(&format!("{}, {second}", c.old)),
        "the reply asks which mailbox:\n{which}"
    );
    assert!(
        !which.contains("will copy the following mailboxes"),
        "nothing accepted:\n{which}"
    );
    assert_eq!(attachments_of(&replies[1]).len(), 1, "the template again");

    c.reply_to(&replies[1], "template", None).await;
    let replies = c.wait_replies(3, LIMIT, &daemon).await;
    let answer = body_of(&replies[2]);
    assert!(answer.contains("Here is our CSV template"), "{answer}");
    let files = attachments_of(&replies[2]);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, "template.csv");
    assert!(files[0].1.contains("anna@example.com"), "{}", files[0].1);
    assert!(c.new_counts().await.is_empty());
    let log = daemon.log_text();
    drop(daemon);
    assert_no_password(&c, &config, &replies, &log, &["Both-Or-Neither-7"]);
    let store = store_of(&c);
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().all(|j| j.state == JobState::NeedsInfo), "neither accepted");
    assert!(
        jobs.iter().all(|j| store.secret(j.id).unwrap().is_none()),
        "the password was given to neither"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_csv_replaces_the_waiting_row_and_leaves_the_accepted_one_alone() {
    let c = Customer::new("csvfix", 3).await;
    let d = Customer::new("csvfix2", 2).await;
    let config = c.config(SMTP_PORT, "[workers]\nrequire_approval = true\n");
    let daemon = Daemon::start(&config, c.dir.path());
    let body = format!(
        "Hello,\r\n\r\nplease migrate these two mailboxes.\r\n\r\n{}Password: {}\r\n\r\n{}",
        without_password(&c.old, &c.new),
        c.old_pass,
        without_password(&d.old, &d.new)
    );
    send_mail(&c.customer, &[&c.support], &request_mail(&c, &body)).await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let ack = body_of(&replies[0]);
    assert!(ack.contains(&c.new), "the first is accepted:\n{ack}");
    assert!(
        ack.contains(&format!("no password is given for {}", d.old)),
        "the second waits for its password:\n{ack}"
    );
    assert_eq!(attachments_of(&replies[0]).len(), 1, "the template is attached");

    // A corrected CSV: the waiting row in full, and the accepted one with another password.
    let csv = format!(
        "email,password,server,port,destination\r\n{},Another-Pw-9,localhost,10993,{}\r\n{},{},localhost,10993,{}\r\n",
        c.old, c.new, d.old, d.old_pass, d.new
    );
    let fix = reply_with_csv(&c, &replies[0], "Here is the corrected list.", &csv);
    send_mail(&c.customer, &[&c.support], &fix).await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let answer = body_of(&replies[1]);
    assert!(
        answer.contains(&format!("{}: already in this ticket; nothing changed", c.new)),
        "the accepted mailbox is not touched:\n{answer}"
    );
    assert!(answer.contains(&d.new), "the second is accepted now:\n{answer}");
    assert!(!answer.contains("no password is given"), "{answer}");
    let log = daemon.log_text();
    drop(daemon);
    assert_no_password(&c, &config, &replies, &log, &[&c.old_pass, &d.old_pass, "Another-Pw-9"]);
    let store = store_of(&c);
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let first = jobs.iter().find(|j| j.email == c.old).unwrap();
    let second = jobs.iter().find(|j| j.email == d.old).unwrap();
    assert_eq!(first.state, JobState::Waiting, "held for approval, as before");
    assert_eq!(
        store.secret(first.id).unwrap().unwrap().expose(),
        c.old_pass,
        "the accepted mailbox keeps its password"
    );
    assert_eq!(second.state, JobState::Waiting, "accepted, held for approval");
    assert_eq!(second.source.host, "localhost");
    assert_eq!(store.secret(second.id).unwrap().unwrap().expose(), d.old_pass);
    assert!(store.pending(second.id).unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_corrected_by_a_password_alone_in_the_thread() {
    let c = Customer::new("relogin", 2).await;
    let config = c.config(SMTP_PORT, "[workers]\nrequire_approval = true\n");
    let daemon = Daemon::start(&config, c.dir.path());
    let body = format!(
        "Hello,\r\n\r\n{}Password: Not-The-Pw-31\r\n",
        without_password(&c.old, &c.new)
    );
    send_mail(&c.customer, &[&c.support], &request_mail(&c, &body)).await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let refused = body_of(&replies[0]);
    assert!(refused.contains("refused the login"), "{refused}");

    c.reply_to(&replies[0], &format!("Password: {}", c.old_pass), None)
        .await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let ack = body_of(&replies[1]);
    assert!(
        ack.contains("will copy the following mailboxes") && ack.contains("Found: 2 messages"),
        "the only waiting mailbox takes the new password and is probed again:\n{ack}"
    );
    let log = daemon.log_text();
    drop(daemon);
    assert_no_password(&c, &config, &replies, &log, &[&c.old_pass, "Not-The-Pw-31"]);
    let store = store_of(&c);
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Waiting, "accepted, held for approval");
    assert_eq!(store.secret(jobs[0].id).unwrap().unwrap().expose(), c.old_pass);
}
