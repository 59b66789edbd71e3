//! The migration engine against the real test bed: a full copy, a second pass that copies
//! nothing, a third pass that copies exactly what is new and brings a flag change over.

mod support;

use mailferry::migrate::{self, MemoryCheckpoints, MigrateError, NoProgress, Options};
use support::*;

fn seed_messages() -> Vec<SeedMsg> {
    let m = |folder: &str, flags: &[&str], date: &str, bytes: Vec<u8>| SeedMsg {
        folder: folder.into(),
        flags: flags.iter().map(|s| s.to_string()).collect(),
        date: date.into(),
        bytes,
    };
    let dup = message("Same twice", Some("dup@example.net"), "I am here twice, byte for byte.");
    vec![
        m(
            "INBOX",
            &["\\Seen"],
            "05-Mar-2024 07:08:09 +0100",
            message("Hello", Some("a1@example.net"), "First."),
        ),
        m(
            "INBOX",
            &["\\Seen", "\\Answered"],
            "06-Mar-2024 10:00:00 -0800",
            message("Re: Hello", Some("a2@example.net"), "Second."),
        ),
        m(
            "INBOX",
            &["\\Flagged", "$Forwarded", "Work"],
            "07-Mar-2024 23:59:59 +0530",
            message("Grüße", Some("a3@example.net"), "Größe und Straße."),
        ),
        m(
            "INBOX",
            &[],
            "08-Mar-2024 00:00:01 +0000",
            message("No Message-ID here", None, "Anonymous."),
        ),
        m("INBOX", &["\\Seen"], "09-Mar-2024 12:00:00 +0200", dup.clone()),
        m("INBOX", &["\\Seen"], "09-Mar-2024 12:00:00 +0200", dup),
        // Same Message-ID, different messages: both must arrive.
        m(
            "INBOX",
            &[],
            "10-Mar-2024 08:00:00 +0100",
            message("Shared id 1", Some("shared@example.net"), "One."),
        ),
        m(
            "INBOX",
            &[],
            "10-Mar-2024 08:00:00 +0100",
            message("Shared id 2", Some("shared@example.net"), "Two."),
        ),
        m(
            "Sent",
            &["\\Seen"],
            "11-Mar-2024 09:30:00 -0500",
            message("Sent one", Some("s1@old.example"), "Sent."),
        ),
        m(
            "Archive/2024",
            &["\\Seen"],
            "01-Jan-2024 00:00:00 +0100",
            message("Old", Some("o1@example.net"), "Archived."),
        ),
        m(
            "Archive/2024",
            &["\\Seen", "\\Flagged"],
            "31-Dec-2024 23:00:00 -0100",
            message("Older", Some("o2@example.net"), "Archived too."),
        ),
        m(
            "Projekte/Übersicht",
            &["\\Seen", "$Forwarded"],
            "15-Feb-2024 14:15:16 +0330",
            message("Übersicht", Some("p1@example.net"), "Projekt."),
        ),
    ]
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
        assert_eq!(got, want, "folder {folder} differs");
    }
    for (folder, got) in &b {
        assert!(
            a.contains_key(folder) || got.is_empty(),
            "unexpected non-empty folder {folder} on our side"
        );
    }
    let subs_src = subscriptions(&mut src).await;
    let subs_dst = subscriptions(&mut dst).await;
    for s in &subs_src {
        assert!(
            subs_dst.contains(s),
            "{s} is subscribed at the source but not on our side"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_exactly_then_only_what_is_new() {
    let (src_user, src_pass, dst_user) = fresh_mailboxes("eng");

    let mut src = login_src(&src_user, &src_pass).await;
    for (f, sub) in [
        ("Sent", true),
        ("Archive/2024", true),
        ("Projekte/Übersicht", true),
        ("Trash", false),
    ] {
        create_folder(&mut src, f, sub).await;
    }
    let msgs = seed_messages();
    seed(&mut src, &msgs).await;

    let pair = pair(&src_user, &src_pass, &dst_user);
    let checkpoints = MemoryCheckpoints::default();
    let opts = Options::default();

    // A dry run writes nothing and counts everything.
    let dry = Options {
        dry_run: true,
        ..Options::default()
    };
    let r = migrate::migrate_mailbox(&pair, &dry, &MemoryCheckpoints::default(), &NoProgress)
        .await
        .unwrap();
    assert_eq!(r.total_copied(), msgs.len() as u64);
    let mut dst = login_dst(&dst_user).await;
    assert!(
        mailbox_multiset(&mut dst).await.values().all(|m| m.is_empty()),
        "dry run wrote something"
    );

    // First pass: everything, exactly.
    let r = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &NoProgress)
        .await
        .unwrap();
    print!("{}", migrate::report_table(&r));
    assert_eq!(r.total_messages(), msgs.len() as u64);
    assert_eq!(r.total_copied(), msgs.len() as u64);
    assert_eq!(r.total_failed(), 0);
    assert_same(&src_user, &src_pass, &dst_user).await;

    // Second pass: nothing copied twice.
    let r2 = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &NoProgress)
        .await
        .unwrap();
    assert_eq!(r2.total_copied(), 0);
    assert_eq!(r2.total_messages(), msgs.len() as u64);
    assert_same(&src_user, &src_pass, &dst_user).await;

    // Without checkpoints (a fresh process) the comparison alone still prevents duplicates.
    let r2b = migrate::migrate_mailbox(&pair, &opts, &MemoryCheckpoints::default(), &NoProgress)
        .await
        .unwrap();
    assert_eq!(r2b.total_copied(), 0);

    // Third pass: 3 new messages and a flag change at the source.
    let new = vec![
        SeedMsg {
            folder: "INBOX".into(),
            flags: vec![],
            date: "01-Apr-2024 10:00:00 +0200".into(),
            bytes: message("New 1", Some("n1@example.net"), "New."),
        },
        SeedMsg {
            folder: "Sent".into(),
            flags: vec!["\\Seen".into()],
            date: "02-Apr-2024 10:00:00 -0700".into(),
            bytes: message("New 2", None, "New, no id."),
        },
        SeedMsg {
            folder: "Projekte/Übersicht".into(),
            flags: vec!["Work".into()],
            date: "03-Apr-2024 10:00:00 +0000".into(),
            bytes: message("New 3", Some("n3@example.net"), "New too."),
        },
    ];
    seed(&mut src, &new).await;
    src.select("INBOX").await.unwrap();
    // "Hello" (UID 1) gets \Flagged and a keyword at the source.
    let _: Vec<_> =
        futures::TryStreamExt::try_collect(src.uid_store("1", "+FLAGS.SILENT (\\Flagged Work)").await.unwrap())
            .await
            .unwrap();
    src.close().await.unwrap();

    let r3 = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &NoProgress)
        .await
        .unwrap();
    assert_eq!(r3.total_copied(), 3);
    assert_eq!(r3.total_failed(), 0);
    assert_eq!(r3.total_messages(), (msgs.len() + 3) as u64);
    assert_same(&src_user, &src_pass, &dst_user).await;
}

#[tokio::test]
async fn a_wrong_password_is_permanent_and_says_so() {
    let (src_user, _, dst_user) = fresh_mailboxes("eng");
    let pair = pair(&src_user, "not-the-password", &dst_user);
    let err = migrate::migrate_mailbox(&pair, &Options::default(), &MemoryCheckpoints::default(), &NoProgress)
        .await
        .unwrap_err();
    match err {
        MigrateError::Permanent(s) => {
            assert!(s.contains("did not accept"), "{s}");
            assert!(!s.contains("not-the-password"), "the password leaked: {s}");
        }
        other => panic!("expected Permanent, got {other:?}"),
    }
}

#[tokio::test]
async fn a_cancelled_pass_stops_and_writes_nothing() {
    let (src_user, src_pass, dst_user) = fresh_mailboxes("eng");
    let mut src = login_src(&src_user, &src_pass).await;
    seed(&mut src, &seed_messages()[..2]).await;
    let opts = Options::default();
    opts.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let err = migrate::migrate_mailbox(
        &pair(&src_user, &src_pass, &dst_user),
        &opts,
        &MemoryCheckpoints::default(),
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, MigrateError::Cancelled), "{err:?}");
    let mut dst = login_dst(&dst_user).await;
    assert!(mailbox_multiset(&mut dst).await.values().all(|m| m.is_empty()));
}

/// Checkpoints that fail from the `fail_from`-th save on: the process "crashes" right after an
/// APPEND batch was answered and before its checkpoint was written.
struct CrashingCheckpoints {
    inner: MemoryCheckpoints,
    saves: std::sync::atomic::AtomicUsize,
    fail_from: usize,
}

impl migrate::Checkpoints for CrashingCheckpoints {
    fn load(&self, folder: &str) -> Option<migrate::FolderCheckpoint> {
        self.inner.load(folder)
    }
    fn save(&self, folder: &str, cp: migrate::FolderCheckpoint) -> anyhow::Result<()> {
        let n = self.saves.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if n >= self.fail_from {
            anyhow::bail!("simulated crash before checkpoint {n}");
        }
        self.inner.save(folder, cp)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_append_and_checkpoint_copies_nothing_twice() {
    ensure_bed();
    let (src_user, src_pass) = unique_user("crash", "old.example");
    let (dst_user, _) = unique_user("crash", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
    let mut src = login_src(&src_user, &src_pass).await;
    for (f, sub) in [("Sent", true), ("Archive/2024", true), ("Projekte/Übersicht", true)] {
        create_folder(&mut src, f, sub).await;
    }
    let msgs = seed_messages();
    seed(&mut src, &msgs).await;
    let pair = pair(&src_user, &src_pass, &dst_user);
    // One folder at a time and one message per batch, so there is a checkpoint after every
    // APPEND; the third fails.
    let opts = Options {
        bytes_in_flight: 1,
        folder_workers: 1,
        ..Options::default()
    };
    let checkpoints = CrashingCheckpoints {
        inner: MemoryCheckpoints::default(),
        saves: Default::default(),
        fail_from: 3,
    };
    let err = migrate::migrate_mailbox(&pair, &opts, &checkpoints, &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::Transient(_)), "{err:?}");
    let mut dst = login_dst(&dst_user).await;
    let copied_before: usize = mailbox_multiset(&mut dst)
        .await
        .values()
        .map(|m| m.values().sum::<usize>())
        .sum();
    assert_eq!(copied_before, 3, "three APPENDs answered, two checkpoints written");

    // The next pass resumes from the last checkpoint that was written: the message appended
    // after it is found on our side (by UID from the checkpoint on), not copied again.
    let resumed = CrashingCheckpoints {
        inner: checkpoints.inner,
        saves: Default::default(),
        fail_from: usize::MAX,
    };
    let r = migrate::migrate_mailbox(&pair, &Options::default(), &resumed, &NoProgress)
        .await
        .unwrap();
    assert_eq!(r.total_copied(), msgs.len() as u64 - 3);
    assert_eq!(r.total_failed(), 0);
    assert_same(&src_user, &src_pass, &dst_user).await;
    // And once more from those checkpoints: nothing.
    let r = migrate::migrate_mailbox(&pair, &Options::default(), &resumed, &NoProgress)
        .await
        .unwrap();
    assert_eq!(r.total_copied(), 0);
    assert_same(&src_user, &src_pass, &dst_user).await;
}

/// Puts a zero-byte message straight into the source's maildir INBOX (Dovecot will not take one
/// over APPEND, and our side refuses to store one: "Can't save a zero byte message").
fn drop_empty_message(src_user: &str) {
    use std::os::unix::fs::MetadataExt;
    let (local, domain) = src_user.split_once('@').unwrap();
    let maildir = bed_dir().join("src/mail").join(domain).join(local).join("Maildir");
    let cur = maildir.join("cur");
    let owner = std::fs::metadata(&maildir).unwrap();
    let file = cur.join("1700000000.M1P1.mailferry-test:2,S");
    std::fs::write(&file, b"").unwrap();
    std::os::unix::fs::chown(&file, Some(owner.uid()), Some(owner.gid())).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_in_a_pipelined_batch_fails_alone() {
    ensure_bed();
    let (src_user, src_pass) = unique_user("refuse", "old.example");
    let (dst_user, _) = unique_user("refuse", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
    let mut src = login_src(&src_user, &src_pass).await;
    let inbox: Vec<SeedMsg> = seed_messages().into_iter().filter(|m| m.folder == "INBOX").collect();
    seed(&mut src, &inbox[..4]).await;
    drop_empty_message(&src_user);
    seed(&mut src, &inbox[4..]).await;
    drop(src);

    let pair = pair(&src_user, &src_pass, &dst_user);
    let checkpoints = MemoryCheckpoints::default();
    let r = migrate::migrate_mailbox(&pair, &Options::default(), &checkpoints, &NoProgress)
        .await
        .unwrap();
    assert_eq!(r.total_messages(), inbox.len() as u64 + 1);
    assert_eq!(r.total_copied(), inbox.len() as u64);
    assert_eq!(r.total_failed(), 1);
    let errors = &r.folders[0].errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("of 0 bytes") && errors[0].contains("refused by our server: Can't save a zero byte message"),
        "{}",
        errors[0]
    );

    // Everything else arrived exactly; a second pass tries the refused one again and copies
    // nothing twice.
    let check = |want_failed: u64, r: &migrate::MigrationReport| {
        assert_eq!(r.total_failed(), want_failed);
        assert_eq!(r.total_copied(), 0);
    };
    let r2 = migrate::migrate_mailbox(&pair, &Options::default(), &checkpoints, &NoProgress)
        .await
        .unwrap();
    check(1, &r2);
    let mut src = login_src(&src_user, &src_pass).await;
    let mut dst = login_dst(&dst_user).await;
    let a = mailbox_multiset(&mut src).await;
    let b = mailbox_multiset(&mut dst).await;
    let mut want = a["INBOX"].clone();
    want.retain(|k, _| k.0 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(b["INBOX"], want);
}

#[tokio::test]
async fn a_certificate_we_do_not_trust_is_permanent_and_a_sentence() {
    ensure_bed();
    let (src_user, src_pass) = unique_user("cert", "old.example");
    let (dst_user, _) = unique_user("cert", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
    let mut pair = pair(&src_user, &src_pass, &dst_user);
    // The bed's IMAPS port, checked against the public roots only (the bed's CA is private).
    pair.source.security = mailferry::config::Security::Tls;
    pair.source.port = 10993;
    pair.source.addrs = vec![std::net::SocketAddr::from(([127, 0, 0, 1], 10993))];
    pair.source.tls = mailferry::net::tls_config(None, false).unwrap();
    let err = migrate::migrate_mailbox(&pair, &Options::default(), &MemoryCheckpoints::default(), &NoProgress)
        .await
        .unwrap_err();
    match err {
        MigrateError::Permanent(s) => {
            assert!(s.starts_with("The certificate of 127.0.0.1 is not valid: "), "{s}");
            assert!(!s.contains("Other(") && !s.contains("Error"), "{s}");
        }
        other => panic!("expected Permanent, got {other:?}"),
    }
}

#[tokio::test]
async fn excluded_folders_are_not_copied() {
    let (src_user, src_pass, dst_user) = fresh_mailboxes("eng");
    let mut src = login_src(&src_user, &src_pass).await;
    for f in ["Sent", "Archive/2024", "Projekte/Übersicht"] {
        create_folder(&mut src, f, true).await;
    }
    seed(&mut src, &seed_messages()).await;
    let opts = Options {
        folders: mailferry::migrate::folders::PlanOptions {
            exclude: vec!["archive*".into()],
            ..Default::default()
        },
        ..Options::default()
    };
    let report = migrate::migrate_mailbox(
        &pair(&src_user, &src_pass, &dst_user),
        &opts,
        &MemoryCheckpoints::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(
        report
            .folders
            .iter()
            .all(|f| !f.source.to_lowercase().starts_with("archive")),
        "{report:?}"
    );
    assert!(report.total_copied() > 0);
    let mut dst = login_dst(&dst_user).await;
    let got = mailbox_multiset(&mut dst).await;
    assert!(
        got.iter()
            .all(|(name, m)| !name.to_lowercase().starts_with("archive") || m.is_empty()),
        "{:?}",
        got.keys()
    );
}
