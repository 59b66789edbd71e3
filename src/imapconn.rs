//! Opening an authenticated IMAP session: plain, STARTTLS or TLS, as a normal user, or as our
//! admin acting for a customer (Dovecot master user or SASL PLAIN with an authorization id).
//!
//! Every connection goes to an address checked by [`crate::net`]; the password is handed to the
//! server and nowhere else.

use crate::config::AdminLogin;
use crate::model::Security;
use crate::net;
use crate::secret::Secret;
use anyhow::{anyhow, bail, Context, Result};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

pub mod endpoint;
pub mod guard;
pub use guard::{guard_error, GuardError, Limits};

/// A byte stream to an IMAP server, encrypted or not.
#[derive(Debug)]
pub enum ImapStream {
    /// Plain TCP (loopback test beds only).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
    /// Another stream, read no faster than a byte rate (politeness to an old provider).
    Throttled(Box<ImapStream>, Throttle),
    /// Another stream under caps and a stall timer ([`guard`]): what a server sends is checked
    /// before the IMAP parser sees it.
    Guarded(Box<ImapStream>, Box<guard::Guard>),
}

impl ImapStream {
    /// `stream` under the caps and the stall timer of `limits`.
    pub fn guarded(stream: ImapStream, limits: Limits) -> ImapStream {
        ImapStream::Guarded(Box::new(stream), Box::new(guard::Guard::new(limits)))
    }

    /// The plain TCP stream inside (for STARTTLS), without its guard; None when encrypted.
    pub fn into_tcp(self) -> Option<TcpStream> {
        match self {
            ImapStream::Plain(tcp) => Some(tcp),
            ImapStream::Guarded(inner, _) => inner.into_tcp(),
            ImapStream::Tls(_) | ImapStream::Throttled(..) => None,
        }
    }
}

/// A token bucket on the bytes read: reads go on while the allowance is positive; after a
/// read that overdraws it, the next read waits until it is paid back.
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    allowance: f64,
    last: tokio::time::Instant,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Throttle {
    /// At most `bytes_per_second` on average, with a burst of one second's worth.
    pub fn new(bytes_per_second: u64) -> Throttle {
        let rate = bytes_per_second.max(1) as f64;
        Throttle {
            rate,
            allowance: rate,
            last: tokio::time::Instant::now(),
            sleep: None,
        }
    }

    fn refill(&mut self) {
        let now = tokio::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.allowance = (self.allowance + elapsed * self.rate).min(self.rate);
    }

    /// Ready to read, or Pending until the allowance is positive again.
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<()> {
        loop {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            self.refill();
            if self.allowance > 0.0 {
                return Poll::Ready(());
            }
            let wait = std::time::Duration::from_secs_f64((-self.allowance + 1.0) / self.rate);
            self.sleep = Some(Box::pin(tokio::time::sleep(wait)));
        }
    }
}

/// An authenticated IMAP session.
pub type Session = async_imap::Session<ImapStream>;

impl AsyncRead for ImapStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            ImapStream::Throttled(s, t) => {
                if t.poll_ready(cx).is_pending() {
                    return Poll::Pending;
                }
                let before = buf.filled().len();
                let r = Pin::new(s.as_mut()).poll_read(cx, buf);
                t.allowance -= (buf.filled().len() - before) as f64;
                r
            }
            ImapStream::Guarded(s, g) => {
                g.check()?;
                let before = buf.filled().len();
                match Pin::new(s.as_mut()).poll_read(cx, buf) {
                    Poll::Ready(Ok(())) => {
                        let fresh = &buf.filled()[before..];
                        // An empty read is the end of the stream: the parser decides.
                        if !fresh.is_empty() {
                            if let Err(e) = g.received(fresh) {
                                buf.set_filled(before);
                                return Poll::Ready(Err(e));
                            }
                        }
                        Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => g.poll_stall(cx).map(Err),
                }
            }
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_write(cx, buf),
            ImapStream::Guarded(s, g) => {
                g.check()?;
                match Pin::new(s.as_mut()).poll_write(cx, buf) {
                    Poll::Ready(Ok(n)) => {
                        if n > 0 {
                            g.progress();
                        }
                        Poll::Ready(Ok(n))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => g.poll_stall(cx).map(Err),
                }
            }
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_flush(cx),
            ImapStream::Guarded(s, g) => {
                g.check()?;
                match Pin::new(s.as_mut()).poll_flush(cx) {
                    Poll::Pending => g.poll_stall(cx).map(Err),
                    done => done,
                }
            }
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_shutdown(cx),
            ImapStream::Guarded(s, g) => match Pin::new(s.as_mut()).poll_shutdown(cx) {
                Poll::Pending => g.poll_stall(cx).map(Err),
                done => done,
            },
        }
    }
}

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
}

impl Credentials {
    /// The mailbox this session is for, for messages and logs.
    pub fn mailbox(&self) -> &str {
        match self {
            Credentials::User { user, .. } | Credentials::Admin { user, .. } => user,
        }
    }
}

struct PlainAuth<'a> {
    authzid: &'a str,
    authcid: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for PlainAuth<'_> {
    type Response = Vec<u8>;
    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        format!("{}\0{}\0{}", self.authzid, self.authcid, self.password).into_bytes()
    }
}

/// Connects, secures and logs in, under the default [`Limits`].
pub async fn connect(ep: &Endpoint, creds: &Credentials) -> Result<Session> {
    connect_with(ep, creds, Limits::default()).await
}

/// Connects, secures and logs in; everything the server sends is checked against `limits`,
/// and the whole login must be done within `limits.login`.
pub async fn connect_with(ep: &Endpoint, creds: &Credentials, limits: Limits) -> Result<Session> {
    tokio::time::timeout(limits.login, connect_inner(ep, creds, limits))
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

async fn connect_inner(ep: &Endpoint, creds: &Credentials, limits: Limits) -> Result<Session> {
    let addrs = if ep.addrs.is_empty() {
        tokio::net::lookup_host((ep.host.as_str(), ep.port))
            .await
            .with_context(|| format!("the host name {} does not resolve", ep.host))?
            .collect()
    } else {
        ep.addrs.clone()
    };
    let tcp = net::connect_any(&addrs).await?;
    let guarded = |s: ImapStream| ImapStream::guarded(s, limits);
    let stream = match ep.security {
        Security::Plain => read_greeting(guarded(ImapStream::Plain(tcp))).await?,
        Security::Tls => {
            let tls = tls_handshake(ep, tcp).await?;
            read_greeting(guarded(ImapStream::Tls(Box::new(tls)))).await?
        }
        Security::Starttls => {
            let mut client = async_imap::Client::new(guarded(ImapStream::Plain(tcp)));
            client
                .read_response()
                .await
                .context("reading the server greeting")?
                .ok_or_else(|| anyhow!("{} closed the connection before its greeting", ep.host))?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .with_context(|| format!("{} refused STARTTLS", ep.host))?;
            let Some(tcp) = client.into_inner().into_tcp() else {
                bail!("internal: STARTTLS on a stream that is already encrypted");
            };
            let tls = tls_handshake(ep, tcp).await?;
            async_imap::Client::new(guarded(ImapStream::Tls(Box::new(tls))))
        }
    };
    let stream = match ep.max_bytes_per_second {
        Some(rate) => async_imap::Client::new(ImapStream::Throttled(
            Box::new(stream.into_inner()),
            Throttle::new(rate),
        )),
        None => stream,
    };
    login(stream, creds, &ep.host).await
}

async fn tls_handshake(ep: &Endpoint, tcp: TcpStream) -> Result<TlsStream<TcpStream>> {
    let connector = tokio_rustls::TlsConnector::from(ep.tls.clone());
    match connector.connect(net::server_name(&ep.host)?, tcp).await {
        Ok(s) => Ok(s),
        Err(e) => match certificate_problem(&e) {
            Some(why) => Err(anyhow::Error::new(CertificateRefused(format!(
                "the certificate of {} is not valid: {why}",
                ep.host
            )))),
            None => Err(anyhow::Error::new(e).context(format!("TLS with {}:{} failed", ep.host, ep.port))),
        },
    }
}

/// The server's TLS certificate failed the check (expired, unknown issuer, wrong name, …):
/// trying again will not help until someone fixes it. Find it with
/// `err.downcast_ref::<CertificateRefused>()`; the text is a sentence for people.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CertificateRefused(pub String);

/// Why the certificate was refused, in words, when a TLS handshake failed because of it.
fn certificate_problem(e: &std::io::Error) -> Option<String> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(c) => Some(certificate_words(c)),
        _ => None,
    }
}

/// A certificate error as the end of a sentence ("… is not valid: it has expired").
fn certificate_words(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        C::Revoked => "it has been revoked".into(),
        C::UnknownIssuer => "it is not signed by a certificate authority we trust (it may be self-signed)".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => "it was issued for another host name".into(),
        C::BadSignature => "its signature does not verify".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => "it is not meant for a server".into(),
        C::BadEncoding => "it is malformed".into(),
        C::Other(o) if o.to_string().contains("CaUsedAsEndEntity") => {
            "the server presents a certificate authority's own certificate instead of one for itself".into()
        }
        C::Other(o) if o.to_string().contains("EndEntityUsedAsCa") => {
            "a server certificate was used to sign another certificate".into()
        }
        _ => "the certificate check refused it".into(),
    }
}

async fn read_greeting(stream: ImapStream) -> Result<async_imap::Client<ImapStream>> {
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .context("reading the server greeting")?
        .ok_or_else(|| anyhow!("the server closed the connection before its greeting"))?;
    Ok(client)
}

async fn login(client: async_imap::Client<ImapStream>, creds: &Credentials, host: &str) -> Result<Session> {
    let result = match creds {
        Credentials::User { user, password } => client.login(user, password.expose()).await,
        Credentials::Admin {
            user,
            admin,
            password,
            style: AdminLogin::MasterSeparator,
            separator,
        } => {
            client
                .login(format!("{user}{separator}{admin}"), password.expose())
                .await
        }
        Credentials::Admin {
            user,
            admin,
            password,
            style: AdminLogin::SaslPlain,
            ..
        } => {
            let auth = PlainAuth {
                authzid: user,
                authcid: admin,
                password: password.expose(),
            };
            client.authenticate("PLAIN", auth).await
        }
    };
    result.map_err(|(e, _)| {
        let sentence = format!(
            "{host} refused the login for {}: {}",
            creds.mailbox(),
            redact_imap_error(&e)
        );
        match e {
            async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                anyhow::Error::new(LoginRefused(sentence))
            }
            // What the guard or the parser found stays findable; the server's bytes (which may
            // echo what we sent) are not kept.
            _ if guard::guard_error(&e).is_some() || guard::is_not_imap(&e) => {
                let why = match guard::guard_error(&e) {
                    Some(g) => anyhow::Error::new(g.clone()),
                    None => anyhow::Error::new(guard::NotImap),
                };
                why.context(format!("{host} broke off the login for {}", creds.mailbox()))
            }
            _ => anyhow!(sentence),
        }
    })
}

/// The server answered the login with NO or BAD (wrong password, unknown user, not allowed):
/// trying again later will not help. Find it with `err.downcast_ref::<LoginRefused>()`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoginRefused(pub String);

/// An IMAP error as a sentence, without any echo of what we sent.
fn redact_imap_error(e: &async_imap::error::Error) -> String {
    match e {
        async_imap::error::Error::No(msg) | async_imap::error::Error::Bad(msg) => server_text(msg),
        other => other.to_string(),
    }
}

/// The server's own words from async-imap's NO/BAD text, which reads
/// `code: Some(..), info: Some("[AUTHENTICATIONFAILED] Authentication failed.")`.
pub fn server_text(msg: &str) -> String {
    let Some(start) = msg.find("info: Some(\"") else {
        return msg.trim().to_string();
    };
    let inner = &msg[start + "info: Some(\"".len()..];
    let inner = inner.strip_suffix("\")").unwrap_or(inner);
    inner.replace("\\\"", "\"").replace("\\\\", "\\").trim().to_string()
}

#[cfg(test)]
mod certificate_tests {
    use super::certificate_words;
    use rustls::{CertificateError, OtherError};
    use std::sync::Arc;

    #[derive(Debug)]
    struct Webpki(&'static str);
    impl std::fmt::Display for Webpki {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Webpki {}

    #[test]
    fn a_ca_used_as_end_entity_is_a_sentence_not_a_debug_dump() {
        let e = CertificateError::Other(OtherError(Arc::new(Webpki("CaUsedAsEndEntity"))));
        let words = certificate_words(&e);
        assert!(words.contains("certificate authority"), "{words}");
        assert!(
            !words.contains("OtherError") && !words.contains("CaUsedAsEndEntity"),
            "{words}"
        );
        assert_eq!(certificate_words(&CertificateError::Expired), "it has expired");
        assert!(certificate_words(&CertificateError::UnknownIssuer).contains("self-signed"));
    }
}

#[cfg(test)]
mod server_text_tests {
    #[test]
    fn server_words_are_extracted() {
        let raw = r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(super::server_text(raw), "[AUTHENTICATIONFAILED] Authentication failed.");
        assert_eq!(
            super::server_text(r#"code: None, info: Some("say \"hi\"")"#),
            "say \"hi\""
        );
        assert_eq!(super::server_text("plain words"), "plain words");
    }
}

#[cfg(test)]
mod address_tests {
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
