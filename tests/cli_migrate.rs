//! `mailferry migrate` for staff, on the real test bed: over TLS with the bed's CA, a dry run
//! that writes nothing, a copy with its summary table, and a second run that copies nothing.

mod support;

use support::flow::Customer;
use support::SMTP_PORT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_migrate_one_mailbox_from_the_command_line() {
    let c = Customer::new("cli", 7).await;
    let config = c.config(SMTP_PORT, "");
    let pw = c.dir.path().join("old.pw");
    std::fs::write(&pw, format!("{}\n", c.old_pass)).unwrap();
    let from = format!("imaps://{}@localhost:10993", c.old);
    let pw = pw.display().to_string();
    let args = ["migrate", "--from", &from, "--password-file", &pw, "--to", &c.new];

    let (ok, dry) = c.cli(&config, &[&args[..], &["--dry-run"]].concat());
    assert!(ok, "{dry}");
    assert!(dry.contains("Dry run"), "{dry}");
    assert!(c.new_counts().await.is_empty(), "a dry run writes nothing");

    let (ok, out) = c.cli(&config, &args);
    assert!(ok, "{out}");
    assert!(out.contains("7 messages copied"), "{out}");
    assert!(
        out.contains("INBOX") && out.contains("Sent"),
        "the summary table lists the folders:\n{out}"
    );
    assert_eq!(c.new_counts().await.values().sum::<u32>(), 7);

    let (ok, again) = c.cli(&config, &args);
    assert!(
        ok && again.contains("0 messages copied"),
        "a second run copies nothing:\n{again}"
    );
    assert_eq!(c.new_counts().await.values().sum::<u32>(), 7);

    let wrong = c.dir.path().join("wrong.pw");
    std::fs::write(&wrong, "not-it\n").unwrap();
    let wrong = wrong.display().to_string();
    let (ok, refused) = c.cli(
        &config,
        &["migrate", "--from", &from, "--password-file", &wrong, "--to", &c.new],
    );
    assert!(!ok, "a refused login fails the command:\n{refused}");
    assert!(!refused.contains("not-it"), "and never prints the password");
}
