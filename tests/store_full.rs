//! A store that cannot be written (its disk full, or remounted read-only): the daemon stops
//! taking mail rather than lose it. It exits non-zero with a clear log line (the service
//! manager starts it again: contrib/mailferry.service has `Restart=on-failure`), the request
//! stays unread in the support inbox, no acknowledgement leaves for a ticket that is not on
//! disk, a start while the store is still broken stops the same way, and once the store is
//! writable again the request is handled exactly once.
//!
//! The store lives on a small tmpfs mounted for the test (root is needed, as for the whole test
//! bed; without it the test fails and says so).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::flow::Customer;
use support::*;

const LIMIT: Duration = Duration::from_secs(60);

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        mount(&["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"], at);
        Tmpfs(at.to_path_buf())
    }

    fn remount(&self, option: &str) {
        mount(&["-o", &format!("remount,{option}")], &self.0);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn mount(args: &[&str], at: &Path) {
    let out = Command::new("mount")
        .args(args)
        .arg(at)
        .output()
        .unwrap_or_else(|e| panic!("cannot run mount: {e}"));
    assert!(
        out.status.success(),
        "this test mounts a small tmpfs for the store and needs root (as the test bed does): mount {args:?} {}: {}",
        at.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fills the file system holding `dir` up to the last byte; returns the filler file.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 16 << 10];
    while f.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    path
}

/// How the store breaks.
#[derive(Debug, Clone, Copy)]
enum Fault {
    DiskFull,
    ReadOnly,
}

/// Waits for the daemon to exit; its status.
async fn wait_exit(daemon: &mut Daemon, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = daemon.exited() {
            return status;
        }
        assert!(
            start.elapsed() < LIMIT,
            "the daemon did not stop {what}:\n{}",
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_log(daemon: &Daemon, needle: &str) {
    let start = Instant::now();
    while !daemon.log_text().contains(needle) {
        assert!(
            start.elapsed() < LIMIT,
            "no \"{needle}\" in the log:\n{}",
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn support_counts(c: &Customer) -> std::collections::BTreeMap<String, u32> {
    let mut s = login_retrying(Side::Dst, &admin_for(&c.support)).await;
    let counts = folder_counts(&mut s).await;
    let _ = s.logout().await;
    counts
}

async fn broken_store_stops_intake(prefix: &str, fault: Fault) {
    let c = Customer::new(prefix, 6).await;
    let config = c.config(SMTP_PORT, "");
    let store_dir = c.dir.path().join("store");
    let fs = Tmpfs::mount(&store_dir, "4m");
    let mut daemon = Daemon::start_env(&config, c.dir.path(), "broken.log", &[]);
    wait_log(&daemon, "support inbox: connected").await;

    let (filler, reason) = match fault {
        // The disk fills up under the running daemon.
        Fault::DiskFull => (Some(fill(&store_dir)), "the store cannot be written"),
        // A file system that turned read-only (as ext4 does after an I/O error) while the
        // daemon was stopped; a busy mount cannot be remounted read-only under a writer.
        Fault::ReadOnly => {
            daemon.terminate(Duration::from_secs(30));
            fs.remount("ro");
            daemon = Daemon::start_env(&config, c.dir.path(), "broken.log", &[]);
            (None, "cannot open the store")
        }
    };
    c.send_request("").await;
    let status = wait_exit(&mut daemon, "when its store could not be written").await;
    let log = daemon.log_text();
    assert!(
        status.code().is_some_and(|c| c != 0),
        "a non-zero exit (not a crash), for the service manager to restart it: {status}\n{log}"
    );
    assert!(log.contains(reason), "a clear reason:\n{log}");
    for line in log
        .lines()
        .filter(|l| l.contains("ERROR") || l.starts_with("mailferry:"))
    {
        println!("{fault:?}: {line}");
    }
    // A wrongly sent acknowledgement could still be on its way through Postfix.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        delivered_to(&c.customer).await.is_empty(),
        "no acknowledgement for a ticket not on disk"
    );
    let counts = support_counts(&c).await;
    assert_eq!(
        counts.get("INBOX"),
        Some(&1),
        "the request stays in the inbox: {counts:?}"
    );

    // Started again while the store is still broken: it stops the same way, taking nothing.
    let mut again = Daemon::start_env(&config, c.dir.path(), "still-broken.log", &[]);
    let status = wait_exit(&mut again, "while its store was still broken").await;
    assert!(status.code().is_some_and(|c| c != 0), "{status}\n{}", again.log_text());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(delivered_to(&c.customer).await.is_empty());
    assert_eq!(support_counts(&c).await.get("INBOX"), Some(&1));

    // Space (or write access) returns; the next start handles the request, once.
    match filler {
        Some(f) => std::fs::remove_file(f).unwrap(),
        None => fs.remount("rw"),
    }
    let daemon = Daemon::start_env(&config, c.dir.path(), "recovered.log", &[]);
    let start = Instant::now();
    let replies = loop {
        let r = delivered_to(&c.customer).await;
        if r.len() >= 2 {
            break r;
        }
        assert!(
            start.elapsed() < LIMIT,
            "two replies within {LIMIT:?}, got {}:\n{}",
            r.len(),
            daemon.log_text()
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let replies_after = delivered_to(&c.customer).await;
    assert_eq!(
        replies_after.len(),
        2,
        "an acknowledgement and the first-copy reply, once each"
    );
    assert!(support::flow::body_of(&replies[1]).contains("DNS changed"));
    let mut new = login_retrying(Side::Dst, &admin_for(&c.new)).await;
    assert_eq!(folder_counts(&mut new).await.values().sum::<u32>(), 6);
    let _ = new.logout().await;
    let counts = support_counts(&c).await;
    assert_eq!(counts.get("INBOX"), None, "{counts:?}");
    assert_eq!(counts.get("Processed"), Some(&1), "{counts:?}");
    drop(daemon);
    let store = mailferry::store::Store::open(&store_dir, &c.dir.path().join("store.key")).unwrap();
    assert_eq!(store.tickets().unwrap().len(), 1, "one ticket");
    drop(store);
    drop(fs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_intake_and_the_request_is_handled_once_space_returns() {
    broken_store_stops_intake("full", Fault::DiskFull).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_store_stops_intake_and_the_request_is_handled_once_writable() {
    broken_store_stops_intake("ro", Fault::ReadOnly).await;
}
