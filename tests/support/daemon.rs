//! A `mailferry serve` process on the bed (killed when dropped) and the configs it runs with.
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use super::*;
/// A running `mailferry serve`, killed when dropped.
pub struct Daemon {
    child: Child,
    /// Its log file.
    pub log: PathBuf,
}

impl Daemon {
    /// Starts `mailferry serve --config <config>`, logging into `dir/mailferry.log`.
    pub fn start(config: &Path, dir: &Path) -> Daemon {
        Self::start_logging(config, dir, "mailferry=debug,info")
    }

    /// Like [`Daemon::start`], with `RUST_LOG` set to `filter`.
    pub fn start_logging(config: &Path, dir: &Path, filter: &str) -> Daemon {
        let log = dir.join("mailferry.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mailferry"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", filter)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    /// Kills the process with SIGKILL (no chance to flush or checkpoint) and waits for it.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends `signal` to the daemon itself (no `kill` program needed: a minimal machine has none).
    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
            .expect("a child's pid fits a positive i32");
        rustix::process::kill_process(pid, signal).expect("the daemon can be signalled");
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit.
    pub fn terminate(&mut self, limit: Duration) -> std::process::ExitStatus {
        self.signal(rustix::process::Signal::TERM);
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "the daemon did not exit within {limit:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Everything the daemon logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a daemon config for a fresh support mailbox into `dir`; returns its path.
pub fn write_config(dir: &Path, support: &str, support_pass: &str, staff: &str) -> PathBuf {
    write_config_with(dir, support, support_pass, staff, SMTP_PORT, "")
}

/// Like [`write_config`], with another SMTP port and extra TOML tables appended.
pub fn write_config_with(
    dir: &Path,
    support: &str,
    support_pass: &str,
    staff: &str,
    smtp_port: u16,
    extra: &str,
) -> PathBuf {
    std::fs::write(dir.join("support.pass"), format!("{support_pass}\n")).unwrap();
    std::fs::write(dir.join("admin.pass"), format!("{}\n", ADMIN.1)).unwrap();
    let cfg = format!(
        r#"
[support]
address = "{support}"
display_name = "New Example Support"
staff = ["{staff}"]
user = "{support}"
password_file = "{dir}/support.pass"
poll_seconds = 2
idle_seconds = 60
[support.imap]
host = "127.0.0.1"
port = {dst}
security = "plain"

[smtp]
host = "127.0.0.1"
port = {smtp}
security = "plain"

[destination]
domains = ["new.example"]
admin_user = "{master}"
password_file = "{dir}/admin.pass"
[destination.imap]
host = "127.0.0.1"
port = {dst}
security = "plain"

{source}
[tls]
extra_ca_file = "{bed}/tls/ca.pem"

[store]
path = "{dir}/store"
key_file = "{dir}/store.key"

[log]
level = "mailferry=debug,info"
{auth}{senders}{clients}{extra}
"#,
        // The bed's Postfix has no DKIM/DMARC and its customers write from other domains than
        // the mailboxes they move: tests that check these set the tables themselves.
        auth = if extra.contains("[support.authentication]") {
            ""
        } else {
            "[support.authentication]\nrequire = false\n"
        },
        senders = if extra.contains("[support.senders]") {
            ""
        } else {
            "[support.senders]\npolicy = \"any\"\n"
        },
        // What the last reply tells customers to set up in their mail programs.
        clients = if extra.contains("[clients]") {
            ""
        } else {
            "[clients]\nimap_host = \"imap.new.example\"\nsmtp_host = \"smtp.new.example\"\n\
             carddav_url = \"https://dav.new.example/\"\nautoconfig = true\n"
        },
        // A test that sets its own [source] table must allow private addresses itself.
        source = if extra.contains("[source]") {
            ""
        } else {
            "[source]\nallow_private_addresses = true\n"
        },
        dir = dir.display(),
        dst = DST_PORT,
        smtp = smtp_port,
        master = ADMIN.0,
        bed = bed_dir().display(),
    );
    let path = dir.join("mailferry.toml");
    std::fs::write(&path, cfg).unwrap();
    path
}

impl Daemon {
    /// Like [`Daemon::start`], logging into `dir/<log_name>` (so a restart keeps the first
    /// run's log) with extra environment variables (e.g. `MAILFERRY_FAILPOINT`).
    pub fn start_env(config: &Path, dir: &Path, log_name: &str, envs: &[(&str, &str)]) -> Daemon {
        let log = dir.join(log_name);
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mailferry"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "mailferry=debug,info")
            .envs(envs.iter().copied())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    /// The exit status if the process has ended (it is reaped then).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Daemon {
    /// The daemon's peak resident memory so far (VmHWM of /proc/PID/status), in kB.
    pub fn vm_hwm_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}
