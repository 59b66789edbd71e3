//! Test-bed helpers shared by the integration tests: start the real servers, make unique
//! users, log in, seed messages over IMAP, and read a whole mailbox back as a multiset.
//!
//! Every test makes its own users, so tests run in parallel and in any order. Nothing here
//! skips: when the bed cannot start, the test fails with the script's own words.
#![allow(dead_code)]

pub mod flow;
pub mod proxy;

use async_imap::types::Flag;
use futures::TryStreamExt;
use mailferry::config::{AdminLogin, Security};
use mailferry::imapconn::{self, Credentials, Endpoint, Session};
use mailferry::migrate::{folders, MailboxPair};
use mailferry::secret::Secret;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::Duration;

/// The source (old provider) IMAP port, plain, on 127.0.0.1.
pub const SRC_PORT: u16 = 10143;
/// Our IMAP port, plain, on 127.0.0.1.
pub const DST_PORT: u16 = 20143;
/// The bed's Postfix SMTP port on 127.0.0.1.
pub const SMTP_PORT: u16 = 2525;
/// The bed's master user on our side.
pub const ADMIN: (&str, &str) = ("admin", "masterpw");

/// Which server of the bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The customer's old provider (maildir).
    Src,
    /// Our server (mdbox, master user).
    Dst,
}

impl Side {
    fn arg(self) -> &'static str {
        match self {
            Side::Src => "src",
            Side::Dst => "dst",
        }
    }
}

/// The project's root folder.
pub fn root_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bed's state folder (`MAILFERRY_BED`, default `/tmp/mailferry-bed`).
pub fn bed_dir() -> std::path::PathBuf {
    std::env::var("MAILFERRY_BED")
        .unwrap_or_else(|_| "/tmp/mailferry-bed".into())
        .into()
}

fn script() -> String {
    format!("{}/scripts/testbed", env!("CARGO_MANIFEST_DIR"))
}

/// Starts the test bed once per test binary (`scripts/testbed up`, idempotent); panics with the
/// script's output when it cannot.
pub fn ensure_bed() {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let r = UP.get_or_init(|| match Command::new(script()).arg("up").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "scripts/testbed up failed ({}): {}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("cannot run {}: {e}", script())),
    });
    if let Err(e) = r {
        panic!("the mail test bed is needed and did not start (run the tests as root): {e}");
    }
}

/// A fresh `prefix-<random>@domain` address and a random password (not yet added).
pub fn unique_user(prefix: &str, domain: &str) -> (String, String) {
    let tag: u64 = rand::random();
    (
        format!("{prefix}-{tag:016x}@{domain}"),
        format!("pw-{:016x}", rand::random::<u64>()),
    )
}

/// Starts the bed and makes a fresh source mailbox (address, password) and a fresh mailbox on
/// our side, both named `prefix-<random>`.
pub fn fresh_mailboxes(prefix: &str) -> (String, String, String) {
    ensure_bed();
    let (src_user, src_pass) = unique_user(prefix, "old.example");
    let (dst_user, _) = unique_user(prefix, "new.example");
    add_user(Side::Src, &src_user, &src_pass);
    add_user(Side::Dst, &dst_user, "unused");
    (src_user, src_pass, dst_user)
}

/// Adds a mailbox on one side (`scripts/testbed adduser`); panics on failure.
pub fn add_user(side: Side, user: &str, pass: &str) {
    let o = Command::new(script())
        .args(["adduser", side.arg(), user, pass])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/testbed adduser: {e}"));
    assert!(
        o.status.success(),
        "adduser {user} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A plain-text endpoint on 127.0.0.1 for one side.
pub fn endpoint(side: Side) -> Endpoint {
    let port = if side == Side::Src { SRC_PORT } else { DST_PORT };
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        addrs: vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))],
        tls: mailferry::net::tls_config(None, true).expect("tls config"),
        max_bytes_per_second: None,
    }
}

/// Our admin acting for `user` (master-user login).
pub fn admin_for(user: &str) -> Credentials {
    Credentials::Admin {
        user: user.into(),
        admin: ADMIN.0.into(),
        password: Secret::new(ADMIN.1),
        style: AdminLogin::MasterSeparator,
        separator: "*".into(),
    }
}

/// A migration from `src_user` at the bed's source to `dst_user` on our side.
pub fn pair(src_user: &str, src_pass: &str, dst_user: &str) -> MailboxPair {
    MailboxPair {
        source: endpoint(Side::Src),
        source_login: Credentials::User {
            user: src_user.into(),
            password: Secret::new(src_pass),
        },
        destination: endpoint(Side::Dst),
        destination_login: admin_for(dst_user),
    }
}

/// Logs in to the source as a normal user.
pub async fn login_src(user: &str, pass: &str) -> Session {
    let creds = Credentials::User {
        user: user.into(),
        password: Secret::new(pass),
    };
    imapconn::connect(&endpoint(Side::Src), &creds)
        .await
        .expect("source login")
}

/// Logs in to our side as the admin acting for `user`.
pub async fn login_dst(user: &str) -> Session {
    imapconn::connect(&endpoint(Side::Dst), &admin_for(user))
        .await
        .expect("destination login")
}

/// Creates (and optionally subscribes) a folder given by its decoded name; an existing one is fine.
pub async fn create_folder(s: &mut Session, name: &str, subscribe: bool) {
    let raw = folders::encode_mutf7(name);
    if !name.eq_ignore_ascii_case("INBOX") {
        let _ = s.create(&raw).await;
    }
    if subscribe {
        s.subscribe(&raw).await.expect("subscribe");
    }
}

/// One message to seed.
#[derive(Debug, Clone)]
pub struct SeedMsg {
    /// Decoded folder name.
    pub folder: String,
    /// Flags and keywords, e.g. `["\\Seen", "$Forwarded"]`.
    pub flags: Vec<String>,
    /// INTERNALDATE in APPEND form, e.g. `05-Mar-2024 07:08:09 +0530`.
    pub date: String,
    /// The raw message.
    pub bytes: Vec<u8>,
}

/// APPENDs messages (folders must exist).
pub async fn seed(s: &mut Session, msgs: &[SeedMsg]) {
    for m in msgs {
        s.append(
            folders::encode_mutf7(&m.folder),
            Some(&format!("({})", m.flags.join(" "))),
            Some(&format!("\"{}\"", m.date)),
            &m.bytes,
        )
        .await
        .unwrap_or_else(|e| panic!("seeding {}: {e}", m.folder));
    }
}

/// A small realistic message; `message_id: None` leaves the header out.
pub fn message(subject: &str, message_id: Option<&str>, body: &str) -> Vec<u8> {
    let mut h = String::from("From: \"Jürgen Weiß\" <juergen@example.net>\r\nTo: <anna@old.example>\r\n");
    h.push_str(&format!(
        "Subject: {subject}\r\nDate: Tue, 05 Mar 2024 07:08:09 +0100\r\n"
    ));
    if let Some(id) = message_id {
        h.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    h.push_str(
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    h.push_str(body);
    h.push_str("\r\n");
    h.into_bytes()
}

/// One message as compared: sha256 of the whole raw message, sorted flags without `\Recent`,
/// and INTERNALDATE as a UTC instant (maildir reports `+0000` whatever was given).
pub type MessageKey = (String, Vec<String>, i64);

/// A folder's messages as a multiset: key → count.
pub type Multiset = BTreeMap<MessageKey, usize>;

/// Reads every selectable folder (decoded name → multiset), read-only.
pub async fn mailbox_multiset(s: &mut Session) -> BTreeMap<String, Multiset> {
    let names: Vec<_> = s
        .list(Some(""), Some("*"))
        .await
        .expect("LIST")
        .try_collect()
        .await
        .expect("LIST");
    let mut raws: Vec<String> = names
        .iter()
        .filter(|n| {
            !n.attributes().iter().any(|a| {
                matches!(a, async_imap::types::NameAttribute::NoSelect)
                    || matches!(a, async_imap::types::NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent"))
            })
        })
        .map(|n| n.name().to_string())
        .collect();
    raws.sort();
    let mut out = BTreeMap::new();
    for raw in raws {
        let m = s.examine(&raw).await.expect("EXAMINE");
        let mut set = Multiset::new();
        if m.exists > 0 {
            let fetches: Vec<_> = s
                .fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
                .await
                .expect("FETCH")
                .try_collect()
                .await
                .expect("FETCH");
            for f in &fetches {
                let hash = format!("{:x}", Sha256::digest(f.body().expect("body")));
                let mut flags: Vec<String> = f
                    .flags()
                    .filter(|fl| *fl != Flag::Recent)
                    .map(|fl| match fl {
                        Flag::Custom(c) => c.to_string(),
                        other => format!("\\{other:?}"),
                    })
                    .collect();
                flags.sort();
                let when = f.internal_date().expect("INTERNALDATE").timestamp();
                *set.entry((hash, flags, when)).or_insert(0) += 1;
            }
        }
        out.insert(folders::decode_mutf7(&raw).expect("mUTF-7"), set);
    }
    out
}

/// Decoded names of subscribed folders.
pub async fn subscriptions(s: &mut Session) -> Vec<String> {
    let names: Vec<_> = s
        .lsub(Some(""), Some("*"))
        .await
        .expect("LSUB")
        .try_collect()
        .await
        .expect("LSUB");
    let mut out: Vec<String> = names
        .iter()
        .map(|n| folders::decode_mutf7(n.name()).expect("mUTF-7"))
        .collect();
    out.sort();
    out
}

/// Appends one message with flags and an INTERNALDATE, creating the folder if needed.
pub async fn append(s: &mut Session, folder: &str, flags: &str, date: &str, body: &[u8]) {
    let _ = s.create(folder).await;
    s.append(folder, Some(flags), Some(&format!("\"{date}\"")), body)
        .await
        .unwrap();
}

/// A small, realistic message.
pub fn numbered_message(n: usize, subject: &str) -> Vec<u8> {
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

/// Sends a raw message through the bed's Postfix.
pub async fn send_mail(from: &str, to: &[&str], raw: &[u8]) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(SMTP_PORT)
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
{auth}{senders}{extra}
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

/// The bed's Radicale (CardDAV/CalDAV), plain HTTP on 127.0.0.1.
pub const DAV_PORT: u16 = 5232;
/// Radicale's admin, allowed into every user's collections.
pub const DAV_ADMIN: (&str, &str) = ("admin", "davadmin");

/// The bed's Radicale as an import target, logged in as its admin.
pub fn dav_target() -> mailferry::migrate::dav::DavTarget {
    dav_target_as(DAV_ADMIN.0, DAV_ADMIN.1)
}

/// The bed's Radicale as an import target, logged in as `user`.
pub fn dav_target_as(user: &str, pass: &str) -> mailferry::migrate::dav::DavTarget {
    mailferry::migrate::dav::DavTarget {
        base: mailferry::http::BaseUrl::parse(&format!("http://127.0.0.1:{DAV_PORT}")).expect("url"),
        user: user.into(),
        password: Secret::new(pass),
        addressbook_path: "/{user}/contacts/".into(),
        calendar_path: "/{user}/calendar/".into(),
        tls: mailferry::net::tls_config(None, false).expect("tls config"),
        timeout: std::time::Duration::from_secs(30),
    }
}

/// An HTTP client on the bed's Radicale, logged in as `user`.
pub fn dav_client(user: &str, pass: &str) -> mailferry::migrate::dav::DavClient {
    let t = dav_target_as(user, pass);
    mailferry::migrate::dav::DavClient::new(
        t.base,
        vec![std::net::SocketAddr::from(([127, 0, 0, 1], DAV_PORT))],
        t.tls,
        user,
        &Secret::new(pass),
        t.timeout,
        64 << 20,
    )
    .expect("DAV client")
}

/// The member resources of a DAV collection (PROPFIND Depth 1): their names (the href's last
/// segment, percent-decoded), sorted; the collection itself is left out.
pub async fn dav_members(client: &mut mailferry::migrate::dav::DavClient, collection: &str) -> Vec<String> {
    let body = r#"<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#;
    let resp = client
        .request(
            "PROPFIND",
            collection,
            &[("Depth", "1"), ("Content-Type", "application/xml; charset=utf-8")],
            body.as_bytes(),
        )
        .await
        .expect("PROPFIND");
    assert_eq!(resp.status, 207, "PROPFIND {collection}: {}", resp.describe());
    let text = String::from_utf8_lossy(&resp.body);
    let re = regex::Regex::new(r"<(?:[A-Za-z0-9]+:)?href>([^<]*)</(?:[A-Za-z0-9]+:)?href>").unwrap();
    let mut hrefs: Vec<String> = re
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .filter(|h| !h.ends_with('/'))
        .map(|h| percent_decode(h.rsplit('/').next().unwrap_or_default()))
        .collect();
    hrefs.sort();
    hrefs
}

/// Adds a login on the bed's Radicale (`scripts/testbed adduser dav`); panics on failure.
pub fn add_user_dav(user: &str, pass: &str) {
    let o = Command::new(script())
        .args(["adduser", "dav", user, pass])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/testbed adduser: {e}"));
    assert!(
        o.status.success(),
        "adduser dav {user} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `%40` → `@` and so on (UTF-8): the engine's own decoder.
pub fn percent_decode(s: &str) -> String {
    mailferry::http::decode_percent(s)
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

/// Logs in to one side of the bed, trying again for a few seconds: under a burst of short
/// logins from parallel tests the bed's Dovecot auth now and then fails one ("Internal auth
/// failure"), which is the bed's trouble, not the code under test's.
pub async fn login_retrying(side: Side, creds: &Credentials) -> Session {
    let mut attempt = 0;
    loop {
        match imapconn::connect(&endpoint(side), creds).await {
            Ok(s) => return s,
            Err(e) if attempt < 10 => {
                attempt += 1;
                eprintln!("login to {side:?} failed ({e:#}); trying again");
                tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
            }
            Err(e) => panic!("login to {side:?} failed 11 times: {e:#}"),
        }
    }
}

/// Mail the bed delivered to the outside address `rcpt` (see [`messages_to`]), logging in with
/// [`login_retrying`].
pub async fn delivered_to(rcpt: &str) -> Vec<Vec<u8>> {
    let mut s = login_retrying(Side::Dst, &admin_for("catchall@new.example")).await;
    let r = messages_to(&mut s, rcpt).await;
    let _ = s.logout().await;
    r
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
