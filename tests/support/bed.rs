//! The test bed itself: its ports and folders, starting it once per test binary, unique users
//! on either side, endpoints and logins (with a retry for the bed's own auth hiccups).
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use super::*;
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

/// The path of `scripts/testbed`.
pub fn script() -> String {
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
