//! The one door to IMAP: every session mailferry opens (the engine on both sides, the probe,
//! the support inbox, the outage checks, the CLI) is opened here.
//!
//! - [`endpoint`]: where each server is and who logs in there, built from the config;
//! - [`open()`]: TCP to checked addresses, TLS or STARTTLS, the [`guard`], the greeting, each
//!   step with its timeout and its own kind of failure ([`OpenError`]);
//! - [`login()`]: password, master user, SASL PLAIN with an authorization id, and OAuth 2.0
//!   bearer tokens (XOAUTH2, OAUTHBEARER) from a [`TokenSource`], renewed once when refused;
//! - [`redact`]: a server's words never carry what we sent (an echoed LOGIN line or password);
//! - [`wire`]: the quoted strings, literals and response lines of the commands we send by hand;
//! - certificate problems in one wording ([`CertificateRefused`]).
//!
//! Every connection to a customer's server goes to addresses checked by [`crate::net`]; the
//! password (or token) is handed to the server and nowhere else. Never knows a job, a ticket or
//! a request.

use crate::config::AdminLogin;
use crate::model::Security;
use crate::secret::Secret;
use anyhow::{anyhow, Result};
use std::net::SocketAddr;
use std::sync::Arc;

mod certificate;
pub mod endpoint;
pub mod guard;
mod login;
mod open;
pub mod redact;
mod stream;
pub mod tokens;
pub mod wire;

pub use certificate::{problem as certificate_problem, words as certificate_words, CertificateRefused};
pub use guard::{guard_error, GuardError, Limits};
pub use login::{login, server_text, LoginBroken, LoginRefused};
pub use open::{open, Greeted, OpenError, Steps};
pub use redact::Redactor;
pub use stream::{ImapStream, Throttle};
pub use tokens::{BearerMechanism, FixedToken, TokenError, TokenSource, Tokens};

/// An authenticated IMAP session.
pub type Session = async_imap::Session<ImapStream>;

/// Where and how to reach one IMAP server.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The host name, used for the TLS certificate check and in messages.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// How the connection is secured.
    pub security: Security,
    /// Addresses checked beforehand; empty means "resolve `host` now" (trusted servers only).
    pub addrs: Vec<SocketAddr>,
    /// TLS settings.
    pub tls: Arc<rustls::ClientConfig>,
    /// Read no faster than this many bytes per second (None: no limit).
    pub max_bytes_per_second: Option<u64>,
}

/// Who logs in.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A normal login.
    User {
        /// Login name.
        user: String,
        /// Password.
        password: Secret,
    },
    /// Our admin acting for `user`.
    Admin {
        /// The mailbox to act for.
        user: String,
        /// The admin's login name.
        admin: String,
        /// The admin's password.
        password: Secret,
        /// How the admin logs in.
        style: AdminLogin,
        /// Separator for master-user logins.
        separator: String,
    },
    /// An OAuth 2.0 bearer token for `user` (the customer's consent, or an app's grant for the
    /// mailbox).
    Oauth {
        /// The mailbox to log in to.
        user: String,
        /// Where the tokens come from.
        tokens: Tokens,
        /// XOAUTH2 or OAUTHBEARER.
        mechanism: BearerMechanism,
    },
}

impl Credentials {
    /// The mailbox this session is for, for messages and logs.
    pub fn mailbox(&self) -> &str {
        match self {
            Credentials::User { user, .. } | Credentials::Admin { user, .. } | Credentials::Oauth { user, .. } => user,
        }
    }

    /// True for an OAuth login (a refusal means the consent, not a password, is wrong).
    pub fn is_oauth(&self) -> bool {
        matches!(self, Credentials::Oauth { .. })
    }
}

/// Connects, secures and logs in, under the default [`Limits`].
pub async fn connect(ep: &Endpoint, creds: &Credentials) -> Result<Session> {
    connect_with(ep, creds, Limits::default()).await
}

/// Connects, secures and logs in; everything the server sends is checked against `limits`,
/// and the whole login must be done within `limits.login`.
pub async fn connect_with(ep: &Endpoint, creds: &Credentials, limits: Limits) -> Result<Session> {
    tokio::time::timeout(limits.login, async {
        let client = open_for_session(ep, limits).await?;
        login(client, creds, &ep.host).await
    })
    .await
    .map_err(|_| {
        anyhow!(
            "{}:{} did not complete the login within {} s",
            ep.host,
            ep.port,
            limits.login.as_secs()
        )
    })?
}

/// Connects, secures and reads the greeting, without logging in: is the server there and
/// speaking IMAP (the outage checks)?
pub async fn greet(ep: &Endpoint, limits: Limits) -> Result<()> {
    let steps = Steps::within(limits.login);
    match tokio::time::timeout(limits.login, open(ep, limits, &steps)).await {
        Ok(Ok(_client)) => Ok(()),
        Ok(Err(e)) => Err(as_anyhow(e)),
        Err(_) => Err(anyhow!(
            "{}:{} did not greet within {} s",
            ep.host,
            ep.port,
            limits.login.as_secs()
        )),
    }
}

/// [`open()`] with the endpoint's read throttle on top, ready for [`login()`].
async fn open_for_session(ep: &Endpoint, limits: Limits) -> Result<Greeted> {
    let client = open(ep, limits, &Steps::within(limits.login))
        .await
        .map_err(as_anyhow)?;
    Ok(match ep.max_bytes_per_second {
        Some(rate) => async_imap::Client::new(ImapStream::Throttled(
            Box::new(client.into_inner()),
            Throttle::new(rate),
        )),
        None => client,
    })
}

/// An [`OpenError`] for callers that only tell: a refused certificate stays findable as
/// [`CertificateRefused`], the guard's verdict through the error's sources.
fn as_anyhow(e: OpenError) -> anyhow::Error {
    match e {
        OpenError::Certificate { .. } => anyhow::Error::new(CertificateRefused(e.to_string())),
        other => anyhow::Error::new(other),
    }
}

#[cfg(test)]
mod tests {
    use crate::net;
    use std::time::Duration;

    #[tokio::test]
    async fn the_connection_goes_to_the_checked_address_without_a_new_lookup() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let checked = listener.local_addr().unwrap();
        let accepted = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            use tokio::io::AsyncWriteExt;
            let _ = s.write_all(b"* BYE not today\r\n").await;
        });
        // ".invalid" never resolves (RFC 6761): a second lookup would fail before connecting.
        let ep = super::Endpoint {
            host: "imap.rebind.invalid".into(),
            port: checked.port(),
            security: crate::model::Security::Plain,
            addrs: vec![checked],
            tls: net::tls_config(None, false).unwrap(),
            max_bytes_per_second: None,
        };
        let creds = super::Credentials::User {
            user: "u".into(),
            password: crate::secret::Secret::new("p"),
        };
        let result = tokio::time::timeout(Duration::from_secs(10), super::connect(&ep, &creds)).await;
        assert!(matches!(result, Ok(Err(_))), "the fake server says BYE");
        // The fake server accepted the connection: the checked address was used as it was
        // (the name itself cannot be looked up).
        tokio::time::timeout(Duration::from_secs(5), accepted)
            .await
            .expect("the checked address was reached")
            .unwrap();
        let direct = net::connect_any(&[checked]).await;
        assert!(
            direct.is_err(),
            "nothing listens any more: connect_any tried only that address"
        );
    }
}
