//! Debian's headless chromium for tests that look at a page as a person would: the staff page
//! (`tests/observe.rs`) and a reply's HTML part on a phone-sized screen (`tests/reply_phone.rs`).
//! Installed by `scripts/ensure-chromium` when missing; a test fails (never skips) without it.
//! Nothing here reaches the network.

#![allow(dead_code)]

use super::bed::root_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a command with a deadline; its stdout, or a panic with what it said.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = cmd
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} did not finish within {limit:?}:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert!(
        status.success(),
        "{cmd:?} failed ({status}):\n{out}\n{}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    out
}

/// Debian's chromium, installed when missing; the test fails (never skips) without it.
pub fn chromium() -> PathBuf {
    let out = run_bounded(
        &mut Command::new(root_dir().join("scripts/ensure-chromium")),
        Duration::from_secs(600),
    );
    PathBuf::from(out.lines().last().unwrap_or_default().trim())
}

/// Headless chromium with a throwaway profile, a window of `width` × `height` CSS pixels, and
/// nothing that reaches the network.
pub fn browser_sized(bin: &Path, profile: &Path, width: u32, height: u32) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--window-size={width},{height}"))
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Headless chromium at a desktop size (1280 × 800).
pub fn browser(bin: &Path, profile: &Path) -> Command {
    browser_sized(bin, profile, 1280, 800)
}
