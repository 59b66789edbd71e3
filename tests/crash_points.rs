//! The daemon killed with SIGKILL at each crash point of a ticket's life (src/failpoint.rs,
//! `MAILFERRY_FAILPOINT`), then started again on the same store and config: the ticket ends
//! done, the new mailbox holds exactly what the old one holds (message by message, per folder,
//! nothing twice), the customer gets each of the four replies of the flow once, and the
//! support inbox is left tidy (every handled mail filed).
//!
//! One test per point; each uses its own mailboxes and support address, so they run in
//! parallel. `cargo test --test crash_points -- --nocapture` prints each point's runtime.

mod support;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};
use support::flow::{body_of, Customer};
use support::*;

/// The whole flow, crash and restart included, must end within this.
const LIMIT: Duration = Duration::from_secs(90);
/// Small body batches (about 1 KB each per folder worker): a folder of 80 messages takes many
/// batches, so a crash can land in the middle of one.
const SMALL_BATCHES: &str = "[source]\nallow_private_addresses = true\nbytes_in_flight = 4000\n";

/// Messages that arrive at the old provider between the passes (16 in INBOX, 4 in Sent).
const NEW_MAIL: usize = 20;

/// The replies of one ticket's flow, by what they say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reply {
    Acknowledgement,
    FirstCopyDone,
    CommandAnswer,
    Done,
}

fn kind(raw: &[u8]) -> Reply {
    let body = body_of(raw);
    if body.contains("safe to") {
        Reply::Done
    } else if body.contains("We received \"DNS changed\"") {
        Reply::CommandAnswer
    } else if body.contains("reply \"DNS changed\"") {
        Reply::FirstCopyDone
    } else {
        Reply::Acknowledgement
    }
}

fn message_id(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.message_id().map(str::to_string))
        .unwrap_or_default()
}

/// How the daemon is brought down in a run.
#[derive(Debug, Clone, Copy)]
enum Crash {
    /// `MAILFERRY_FAILPOINT=<point>` on the first start.
    At(&'static str),
    /// Killed from outside while the job waits for the DNS change (between the passes).
    BetweenPasses,
    /// Stopped cleanly after the first pass, started again with `MAILFERRY_FAILPOINT=<point>`:
    /// the point's count starts in the final pass.
    InFinalPass(&'static str),
}

impl Crash {
    fn name(self) -> &'static str {
        match self {
            Crash::At(p) | Crash::InFinalPass(p) => p,
            Crash::BetweenPasses => "SIGKILL while waiting for the DNS change",
        }
    }
}

/// What may differ from "each reply exactly once".
///
/// SMTP cannot tell afterwards whether a message was accepted: a process that dies between
/// the server's "250 OK" and its own record of it sends that reply again after the restart,
/// with the identical Message-ID, and logs it on the ticket. Any crash point can land in that
/// window when the outbox happens to be sending while another task reaches the point, so every
/// test allows it for the one reply that was in flight (proved by the ticket's log), and the
/// test of that very window requires it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replies {
    /// No reply twice, unless the ticket's log shows it was in flight when the process died.
    OnceUnlessInFlight,
    /// The crash is in that window: exactly one reply arrives twice, with one Message-ID.
    OneResend,
}

/// The customer's login at the old provider.
fn src_login(c: &Customer) -> mailferry::imapconn::Credentials {
    mailferry::imapconn::Credentials::User {
        user: c.old.clone(),
        password: mailferry::secret::Secret::new(c.old_pass.as_str()),
    }
}

/// Seeds a third folder besides INBOX and Sent.
async fn seed_projects(c: &Customer, count: usize) {
    let mut s = login_retrying(Side::Src, &src_login(c)).await;
    create_folder(&mut s, "Projects", true).await;
    for n in 0..count {
        append(
            &mut s,
            &mailferry::migrate::folders::encode_mutf7("Projects"),
            "(\\Flagged)",
            "04-Mar-2025 11:00:00 +0100",
            &numbered_message(500 + n, &c.id),
        )
        .await;
    }
    let _ = s.logout().await;
}

/// Sends the request, with the contacts file attached when `contacts` is set.
async fn send_request(c: &Customer, contacts: bool) {
    if !contacts {
        c.send_request("").await;
        return;
    }
    let (_, raw) = c.request_with_vcard(support::flow::THREE_CONTACTS);
    send_mail(&c.customer, &[&c.support], &raw).await;
}

async fn crash_and_recover(prefix: &str, crash: Crash, expect: Replies) {
    crash_and_recover_with(prefix, crash, expect, false).await;
}

async fn crash_and_recover_with(prefix: &str, crash: Crash, expect: Replies, contacts: bool) {
    let started = Instant::now();
    let c = Customer::new(prefix, 100).await;
    seed_projects(&c, 15).await;
    let dav = if contacts {
        std::fs::write(c.dir.path().join("dav.pass"), format!("{}\n", DAV_ADMIN.1)).unwrap();
        format!(
            "[dav]\nurl = \"http://127.0.0.1:{DAV_PORT}\"\nuser = \"{}\"\npassword_file = \"{}/dav.pass\"\n",
            DAV_ADMIN.0,
            c.dir.path().display()
        )
    } else {
        String::new()
    };
    let config = c.config(SMTP_PORT, &format!("{SMALL_BATCHES}{dav}"));
    let first_env: Vec<(&str, &str)> = match crash {
        Crash::At(point) => vec![(mailferry::failpoint::ENV, point)],
        Crash::BetweenPasses | Crash::InFinalPass(_) => Vec::new(),
    };
    let mut daemon = Daemon::start_env(&config, c.dir.path(), "first-run.log", &first_env);
    send_request(&c, contacts).await;

    let mut restarted = false;
    let mut dns_changed_sent = false;
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = daemon.exited() {
            assert!(
                !restarted,
                "the restarted daemon exited ({status}):\n{}",
                daemon.log_text()
            );
            let log = daemon.log_text();
            assert_eq!(
                status.signal(),
                Some(9),
                "the first run ended by SIGKILL at {}, not otherwise ({status}):\n{log}",
                crash.name()
            );
            assert!(log.contains(&format!("failpoint {}", crash.name())), "{log}");
            daemon = Daemon::start_env(&config, c.dir.path(), "second-run.log", &[]);
            restarted = true;
        }
        let replies = delivered_to(&c.customer).await;
        if let Some(first) = replies.iter().find(|r| kind(r) == Reply::FirstCopyDone) {
            match crash {
                Crash::BetweenPasses if !restarted => {
                    daemon.kill_hard();
                    daemon = Daemon::start_env(&config, c.dir.path(), "second-run.log", &[]);
                    restarted = true;
                }
                Crash::InFinalPass(point) if !dns_changed_sent => {
                    daemon.terminate(Duration::from_secs(30));
                    let env = [(mailferry::failpoint::ENV, point)];
                    daemon = Daemon::start_env(&config, c.dir.path(), "armed-run.log", &env);
                }
                _ => {}
            }
            if !dns_changed_sent {
                // New mail at the old provider before the switch: the final copy takes it.
                c.seed(1000, NEW_MAIL).await;
                c.reply_to(first, "DNS changed", None).await;
                dns_changed_sent = true;
            }
        }
        if replies.iter().any(|r| kind(r) == Reply::Done) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no final reply within {LIMIT:?} ({}; restarted: {restarted}); replies so far: {:?}\nlog:\n{}",
            crash.name(),
            replies.iter().map(|r| kind(r)).collect::<Vec<_>>(),
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(
        restarted,
        "the daemon never reached the crash point {}:\n{}",
        crash.name(),
        daemon.log_text()
    );
    // Anything still queued or sent twice would arrive now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let elapsed = started.elapsed();

    // Every reply arrived, each under one Message-ID, one Message-ID per reply.
    let replies = delivered_to(&c.customer).await;
    let mut by_id: BTreeMap<String, (Reply, usize)> = BTreeMap::new();
    for r in &replies {
        let e = by_id.entry(message_id(r)).or_insert((kind(r), 0));
        assert_eq!(e.0, kind(r), "one Message-ID, two different replies");
        e.1 += 1;
    }
    let mut kinds: Vec<Reply> = by_id.values().map(|(k, _)| *k).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            Reply::Acknowledgement,
            Reply::FirstCopyDone,
            Reply::CommandAnswer,
            Reply::Done
        ],
        "each reply once, none lost, none re-made with a new Message-ID ({}):\n{}",
        crash.name(),
        daemon.log_text()
    );
    let doubled: Vec<(String, usize)> = by_id
        .iter()
        .filter(|(_, (_, n))| *n > 1)
        .map(|(id, (_, n))| (id.clone(), *n))
        .collect();
    assert!(
        doubled.len() <= 1 && doubled.iter().all(|(_, n)| *n == 2),
        "at most one reply a second time ({}): {doubled:?}",
        crash.name()
    );
    if expect == Replies::OneResend {
        assert_eq!(doubled.len(), 1, "the reply in flight is sent again after the crash");
    }

    // The new mailbox equals the old one, message by message.
    let mut src = login_retrying(Side::Src, &src_login(&c)).await;
    let mut dst = login_retrying(Side::Dst, &admin_for(&c.new)).await;
    let want = mailbox_multiset(&mut src).await;
    let got = mailbox_multiset(&mut dst).await;
    let _ = src.logout().await;
    let _ = dst.logout().await;
    assert_eq!(
        want.values().map(|m| m.values().sum::<usize>()).sum::<usize>(),
        115 + NEW_MAIL
    );
    for (folder, msgs) in &want {
        assert_eq!(
            got.get(folder),
            Some(msgs),
            "folder {folder} differs after a crash at {}",
            crash.name()
        );
    }
    for (folder, msgs) in &got {
        assert!(
            want.contains_key(folder) || msgs.is_empty(),
            "{folder} only on our side"
        );
    }

    if contacts {
        let mut client = dav_client(DAV_ADMIN.0, DAV_ADMIN.1);
        let members = dav_members(&mut client, &format!("/{}/contacts/", c.new)).await;
        assert_eq!(
            members.len(),
            3,
            "each contact once, imported again after the crash: {members:?}"
        );
    }

    // The support inbox: the request and the command are filed, nothing is left behind.
    let mut sup = login_retrying(Side::Dst, &admin_for(&c.support)).await;
    let counts = folder_counts(&mut sup).await;
    let _ = sup.logout().await;
    assert_eq!(counts.get("INBOX"), None, "support INBOX is empty: {counts:?}");
    assert_eq!(counts.get("Processed"), Some(&2), "{counts:?}");
    assert_eq!(
        counts.get("Sent"),
        Some(&4),
        "one copy of each reply in Sent: {counts:?}"
    );

    // The ticket is done and its password gone.
    daemon.terminate(Duration::from_secs(30));
    let store = mailferry::store::Store::open(&c.dir.path().join("store"), &c.dir.path().join("store.key")).unwrap();
    let tickets = store.tickets().unwrap();
    assert_eq!(tickets.len(), 1, "one ticket");
    // A reply arrived twice only where the ticket's log says it was in flight at the crash.
    let log: Vec<String> = store
        .events(tickets[0].id)
        .unwrap()
        .into_iter()
        .map(|e| e.text)
        .collect();
    for (id, _) in &doubled {
        assert!(
            log.iter()
                .any(|t| t.contains(id.as_str()) && t.contains("when mailferry stopped")),
            "reply {id} arrived twice without being in flight at the crash:\n{}",
            log.join("\n")
        );
    }
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, mailferry::model::JobState::Done);
    assert!(store.secret(jobs[0].id).unwrap().is_none());
    println!(
        "crash point {:<32} recovered: ticket done, {} messages equal, {} replies ({} distinct) in {:.1} s",
        crash.name(),
        115 + NEW_MAIL,
        replies.len(),
        by_id.len(),
        elapsed.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_ticket_commit_before_the_request_is_filed() {
    crash_and_recover("cp-req", Crash::At("request.committed"), Replies::OnceUnlessInFlight).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_outcome_is_durable_before_the_mail_is_moved() {
    crash_and_recover("cp-file", Crash::At("inbox.before_file"), Replies::OnceUnlessInFlight).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_request_note_is_filed_before_the_request_is_deleted() {
    crash_and_recover(
        "cp-note",
        Crash::At("inbox.noted_not_deleted"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

/// Regression: the kill landed between appending the note and recording it (a race with the
/// job loop's own crash points, seen on slower machines), and the note was filed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_request_note_is_appended_before_the_store_records_it() {
    crash_and_recover(
        "cp-noteapp",
        Crash::At("inbox.note_appended_not_recorded"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_acknowledgement_queued_but_not_sent() {
    crash_and_recover("cp-ack", Crash::At("outbox.before_send@1"), Replies::OnceUnlessInFlight).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_first_pass_has_started() {
    crash_and_recover(
        "cp-start",
        Crash::At("job.first_pass_started"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mid_folder_after_an_append_batch_before_its_checkpoint() {
    crash_and_recover(
        "cp-batch",
        Crash::At("engine.after_batch@6"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_first_pass_commit_before_its_reply_is_sent() {
    crash_and_recover(
        "cp-pass",
        Crash::At("job.first_pass_committed"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn between_the_passes_while_waiting_for_the_dns_change() {
    crash_and_recover("cp-wait", Crash::BetweenPasses, Replies::OnceUnlessInFlight).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_dns_changed_is_committed_before_it_is_answered() {
    crash_and_recover("cp-cmd", Crash::At("command.committed"), Replies::OnceUnlessInFlight).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_start_of_the_final_pass() {
    crash_and_recover(
        "cp-final",
        Crash::At("job.final_pass_started"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_smtp_accepted_a_reply_before_the_store_recorded_it() {
    crash_and_recover("cp-smtp", Crash::At("outbox.sent_unrecorded@2"), Replies::OneResend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sent_reply_is_recorded_before_its_copy_in_sent() {
    crash_and_recover(
        "cp-sentcopy",
        Crash::At("outbox.recorded_unfiled@1"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_contacts_were_imported_before_the_pass_is_committed() {
    crash_and_recover_with(
        "cp-dav",
        Crash::At("job.groupware_imported"),
        Replies::OnceUnlessInFlight,
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mid_folder_in_the_final_pass() {
    crash_and_recover(
        "cp-fbatch",
        Crash::InFinalPass("engine.after_batch@2"),
        Replies::OnceUnlessInFlight,
    )
    .await;
}
