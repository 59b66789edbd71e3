//! Time and peak memory of the real engine against the hostile old server of the tests
//! (tests/support/hostile.rs), with the default caps of `[source]` (messages of 256 MiB, lines
//! of 1 MiB, 10,000 folders). Each case runs in its own process, so its peak RSS is its own.
//!
//! Run with `cargo bench --bench hostile_imap` (needs the test bed: `scripts/testbed up`, as
//! root). `cargo bench --bench hostile_imap -- --without-caps` adds the lying literal with the
//! caps lifted, for comparison: that run needs several GB of memory. Under `cargo test
//! --all-targets` nothing runs. The figures are in docs/benchmarks.md ("Hostile old server").

#[path = "../tests/support/hostile.rs"]
mod hostile;
#[path = "../tests/support/mod.rs"]
mod support;

use hostile::Trick;
use mailferry::config::Security;
use mailferry::imapconn::{Credentials, Endpoint, Limits};
use mailferry::migrate::{self, MailboxPair, MemoryCheckpoints, Options};
use mailferry::secret::Secret;
use std::time::{Duration, Instant};

const CASES: &[(&str, Trick, u32)] = &[
    ("endless line", Trick::HugeLineInList, 1),
    ("endless literal", Trick::EndlessLiteral, 1),
    ("lying literal", Trick::LyingLiteral, 1),
    ("lying sizes", Trick::LyingSizes, 300),
    ("million folders", Trick::MillionFolders, 1),
];

fn main() {
    if let Ok(case) = std::env::var("MAILFERRY_HOSTILE_CASE") {
        let caps = std::env::var("MAILFERRY_HOSTILE_NOCAPS").is_err();
        run_case(&case, caps);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("hostile_imap: run with `cargo bench --bench hostile_imap`");
        return;
    }
    support::ensure_bed();
    let me = std::env::current_exe().expect("own path");
    let mut runs: Vec<(&str, bool)> = CASES.iter().map(|(name, _, _)| (*name, true)).collect();
    if args.iter().any(|a| a == "--without-caps") {
        runs.push(("lying literal", false));
    }
    println!("case              caps      time    pushed by server   peak RSS   reason");
    for (name, caps) in runs {
        let mut cmd = std::process::Command::new(&me);
        cmd.env("MAILFERRY_HOSTILE_CASE", name);
        if !caps {
            cmd.env("MAILFERRY_HOSTILE_NOCAPS", "1");
        }
        let out = cmd.output().expect("run a case");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprintln!("{name}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

fn run_case(name: &str, caps: bool) {
    let Some(&(_, trick, messages)) = CASES.iter().find(|(n, _, _)| *n == name) else {
        panic!("unknown case {name}");
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (dst_user, _) = support::unique_user("hostile-bench", "new.example");
        support::add_user(support::Side::Dst, &dst_user, "unused");
        let h = hostile::start(trick, messages).await;
        let pair = MailboxPair {
            source: Endpoint {
                host: "127.0.0.1".into(),
                port: h.port(),
                security: Security::Plain,
                addrs: vec![h.addr],
                tls: mailferry::net::tls_config(None, false).expect("tls config"),
                max_bytes_per_second: None,
            },
            source_login: Credentials::User {
                user: "customer@old.example".into(),
                password: Secret::new("hostile-pw"),
            },
            destination: support::endpoint(support::Side::Dst),
            destination_login: support::admin_for(&dst_user),
        };
        let mut opts = Options::default();
        if !caps {
            opts.source_limits = Limits {
                max_line: 1 << 40,
                max_literal: 1 << 40,
                ..Limits::default()
            };
            opts.max_folders = usize::MAX;
        }
        let started = Instant::now();
        let result = migrate::migrate_mailbox(&pair, &opts, &MemoryCheckpoints::default(), &migrate::NoProgress).await;
        let took = started.elapsed();
        let pushed = h.pushed_after_stream(Duration::from_secs(30)).await;
        let reason = match result {
            Ok(r) => format!("copied {} of {}", r.total_copied(), r.total_messages()),
            Err(e) => e.to_string(),
        };
        println!(
            "{name:<17} {:<7} {:>7.3} s  {:>12.1} MiB  {:>6.1} MiB   {reason}",
            if caps { "default" } else { "lifted" },
            took.as_secs_f64(),
            pushed as f64 / (1 << 20) as f64,
            peak_rss_kib() as f64 / 1024.0
        );
    });
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
