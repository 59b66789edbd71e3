//! Test-bed helpers shared by the integration tests: start the real servers, make fresh
//! mailboxes with unique names (so tests run in parallel and in any order), seed and read
//! mailboxes over IMAP, run the `mailferry` binary.
//!
//! A test that needs the bed calls [`bed`]; when the bed cannot start, the test fails with the
//! script's message. It never skips.
#![allow(dead_code)]

use futures::TryStreamExt;
use mailferry::config::Security;
use mailferry::imapconn::{self, Credentials, Endpoint, Session};
use mailferry::secret::Secret;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running test bed's ports and paths.
#[derive(Debug, Clone)]
pub struct Bed {
    /// Root of the bed's state.
    pub dir: PathBuf,
    /// Source Dovecot plain IMAP port.
    pub src_imap: u16,
    /// Destination Dovecot plain IMAP port.
    pub dst_imap: u16,
    /// Postfix SMTP port.
    pub smtp: u16,
    /// Master user on the destination.
    pub master_user: String,
    /// Its password.
    pub master_pass: String,
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Starts the test bed once per test binary (the script is idempotent and locked).
pub fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        let out = Command::new(root().join("scripts/testbed"))
            .arg("up")
            .output()
            .expect("cannot run scripts/testbed");
        assert!(
            out.status.success(),
            "the test bed did not start (scripts/testbed up):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = PathBuf::from(std::env::var("MAILFERRY_BED").unwrap_or_else(|_| "/tmp/mailferry-bed".into()));
        let env = std::fs::read_to_string(dir.join("env")).expect("the test bed wrote no env file");
        let get = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("{k} missing from the bed's env file"))
                .to_string()
        };
        Bed {
            src_imap: get("SRC_IMAP").parse().unwrap(),
            dst_imap: get("DST_IMAP").parse().unwrap(),
            smtp: get("SMTP").parse().unwrap(),
            master_user: get("MASTER_USER"),
            master_pass: get("MASTER_PASS"),
            dir,
        }
    })
}

/// A short random tag for unique mailbox names.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:08x}", rand::random::<u32>())
}

/// Adds a mailbox to the source (`src`) or destination (`dst`) Dovecot.
pub fn add_user(side: &str, user: &str, pass: &str) {
    let st = Command::new(root().join("scripts/testbed"))
        .args(["adduser", side, user, pass])
        .status()
        .expect("cannot run scripts/testbed adduser");
    assert!(st.success(), "adding {user} to {side} failed");
}

fn endpoint(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        addrs: Vec::new(),
        tls: mailferry::net::tls_config(None, false).unwrap(),
    }
}

/// Logs in to the source server as `user`.
pub async fn source_session(user: &str, pass: &str) -> Session {
    let creds = Credentials::User {
        user: user.into(),
        password: Secret::new(pass),
    };
    imapconn::connect(&endpoint(bed().src_imap), &creds).await.unwrap()
}

/// Logs in to the destination server as the master user acting for `user`.
pub async fn dest_session(user: &str) -> Session {
    let b = bed();
    let creds = Credentials::Admin {
        user: user.into(),
        admin: b.master_user.clone(),
        password: Secret::new(b.master_pass.clone()),
        style: Default::default(),
        separator: "*".into(),
    };
    imapconn::connect(&endpoint(b.dst_imap), &creds).await.unwrap()
}

/// Appends one message with flags and an INTERNALDATE, creating the folder if needed.
pub async fn append(s: &mut Session, folder: &str, flags: &str, date: &str, body: &[u8]) {
    let _ = s.create(folder).await;
    s.append(folder, Some(flags), Some(&format!("\"{date}\"")), body)
        .await
        .unwrap();
}

/// A small, realistic message.
pub fn message(n: usize, subject: &str) -> Vec<u8> {
    format!(
        "From: Alice Martin <alice@customer.example>\r\nTo: bob@example.net\r\nSubject: {subject}\r\n\
         Date: Mon, 3 Mar 2025 10:{:02}:00 +0100\r\nMessage-ID: <seed-{n}-{subject}@customer.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nMessage number {n}.\r\nGrüße, Alice\r\n",
        n % 60
    )
    .into_bytes()
}

/// Message counts per folder of a mailbox (only non-empty folders).
pub async fn folder_counts(s: &mut Session) -> BTreeMap<String, u32> {
    let names: Vec<String> = {
        let list: Vec<_> = s.list(Some(""), Some("*")).await.unwrap().try_collect().await.unwrap();
        list.iter().map(|n| n.name().to_string()).collect()
    };
    let mut out = BTreeMap::new();
    for name in names {
        if let Ok(st) = s.status(&name, "(MESSAGES)").await {
            if st.exists > 0 {
                out.insert(name, st.exists);
            }
        }
    }
    out
}

/// Raw messages in `folder` whose headers contain `needle` (IMAP SEARCH TEXT is too loose).
pub async fn messages_with_header(s: &mut Session, folder: &str, header: &str, needle: &str) -> Vec<Vec<u8>> {
    s.select(folder).await.unwrap();
    let uids = s.uid_search(format!("HEADER {header} \"{needle}\"")).await.unwrap();
    if uids.is_empty() {
        return Vec::new();
    }
    let mut uids: Vec<u32> = uids.into_iter().collect();
    uids.sort_unstable();
    let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let fetched: Vec<_> = s
        .uid_fetch(set, "(UID BODY.PEEK[])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut v: Vec<(u32, Vec<u8>)> = fetched
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .collect();
    v.sort_by_key(|(u, _)| *u);
    v.into_iter().map(|(_, b)| b).collect()
}

/// Mail the bed's Postfix delivered to an outside address (it lands in catch-all's INBOX
/// with the envelope recipient in Delivered-To).
pub async fn messages_to(catchall: &mut Session, rcpt: &str) -> Vec<Vec<u8>> {
    let tag = format!("catchall+{}@new.example", rcpt.replace('@', "="));
    messages_with_header(catchall, "INBOX", "Delivered-To", &tag).await
}

/// Polls `f` until it returns Some, or panics after `limit` with `what`.
pub async fn wait_for<T, F, Fut>(limit: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Sends a raw message through the bed's Postfix.
pub async fn send_mail(from: &str, to: &[&str], raw: &[u8]) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(bed().smtp)
        .build();
    let env = lettre::address::Envelope::new(
        Some(from.parse().unwrap()),
        to.iter().map(|t| t.parse().unwrap()).collect(),
    )
    .unwrap();
    transport.send_raw(&env, raw).await.unwrap();
}

/// A running `mailferry serve`, killed when dropped.
pub struct Daemon {
    child: Child,
    /// Its log file.
    pub log: PathBuf,
}

impl Daemon {
    /// Starts `mailferry serve --config <config>`, logging into `dir/mailferry.log`.
    pub fn start(config: &Path, dir: &Path) -> Daemon {
        let log = dir.join("mailferry.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mailferry"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "mailferry=debug,info")
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Daemon { child, log }
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
    let b = bed();
    std::fs::write(dir.join("support.pass"), format!("{support_pass}\n")).unwrap();
    std::fs::write(dir.join("admin.pass"), format!("{}\n", b.master_pass)).unwrap();
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

[source]
allow_private_addresses = true

[tls]
extra_ca_file = "{bed}/tls/ca.pem"

[store]
path = "{dir}/store"
key_file = "{dir}/store.key"

[log]
level = "mailferry=debug,info"
"#,
        dir = dir.display(),
        dst = b.dst_imap,
        smtp = b.smtp,
        master = b.master_user,
        bed = b.dir.display(),
    );
    let path = dir.join("mailferry.toml");
    std::fs::write(&path, cfg).unwrap();
    path
}
