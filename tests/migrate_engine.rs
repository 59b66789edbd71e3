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
    ensure_bed();
    let (src_user, src_pass) = unique_user("eng", "old.example");
    let (dst_user, _) = unique_user("eng", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");

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
    ensure_bed();
    let (src_user, src_pass) = unique_user("eng", "old.example");
    let (dst_user, _) = unique_user("eng", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
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
    ensure_bed();
    let (src_user, src_pass) = unique_user("eng", "old.example");
    let (dst_user, _) = unique_user("eng", "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
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
