//! Opening a connection up to the server's greeting: TCP to the endpoint's addresses (checked
//! beforehand for a customer's server), TLS from the first byte or after STARTTLS, the guard
//! on every byte the server sends, the greeting. Each step has its own timeout and each failure
//! its own kind, so the probe can say which step failed and the engine which ones are worth a
//! retry.
//!
//! Never sends a password: logging in is [`super::login`]'s job. Never resolves a name again
//! when the endpoint carries checked addresses.

use super::certificate;
use super::{Endpoint, ImapStream, Limits};
use crate::model::Security;
use crate::net;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::client::TlsStream;

/// A connection that has greeted us and waits for a login.
pub type Greeted = async_imap::Client<ImapStream>;

/// How long each step of opening may take.
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    /// One TCP connect (per address).
    pub connect: Duration,
    /// The TLS handshake, and the answer to STARTTLS.
    pub tls: Duration,
    /// The server's greeting.
    pub greeting: Duration,
}

impl Steps {
    /// Every step within `limit` (and connects within [`net::CONNECT_TIMEOUT`] at most).
    pub fn within(limit: Duration) -> Steps {
        Steps {
            connect: limit.min(net::CONNECT_TIMEOUT),
            tls: limit,
            greeting: limit,
        }
    }
}

/// Why a connection could not be opened. The text is a sentence for people; the kind says
/// what failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The host name of a trusted server does not resolve.
    #[error("the host name {host} does not resolve")]
    Unresolved {
        /// The name.
        host: String,
    },
    /// Nothing answered (refused, unreachable, timed out).
    #[error("{0}")]
    Unreachable(String),
    /// The certificate was refused: `words` says why ("has expired").
    #[error("the certificate of {host} is not valid: it {words}")]
    Certificate {
        /// The server's name.
        host: String,
        /// What is wrong with it, as a predicate.
        words: String,
    },
    /// The TLS handshake failed for another reason (often: no TLS on this port).
    #[error("TLS with {host} failed")]
    NoTls {
        /// The server's name.
        host: String,
        /// What the TLS library said.
        #[source]
        source: std::io::Error,
    },
    /// The server does not offer STARTTLS (or refused it).
    #[error("{host} refused STARTTLS")]
    NoStarttls {
        /// The server's name.
        host: String,
    },
    /// Something answered, but not like an IMAP server (or it stalled, or broke a cap).
    #[error("{detail}")]
    NotImap {
        /// What it did, for the end of a sentence.
        detail: String,
        /// The guard's or the parser's verdict, when there is one.
        #[source]
        source: Option<std::io::Error>,
    },
}

/// Connects to `ep`, secures the connection as it says and reads the greeting; every byte the
/// server sends is checked against `limits`.
pub async fn open(ep: &Endpoint, limits: Limits, steps: &Steps) -> Result<Greeted, OpenError> {
    let addrs = if ep.addrs.is_empty() {
        match timeout(steps.connect, tokio::net::lookup_host((ep.host.as_str(), ep.port))).await {
            Ok(Ok(found)) => found.collect(),
            _ => return Err(OpenError::Unresolved { host: ep.host.clone() }),
        }
    } else {
        ep.addrs.clone()
    };
    let tcp = connect(&addrs, steps).await?;
    let guarded = |s: ImapStream| ImapStream::guarded(s, limits);
    match ep.security {
        Security::Plain => greeting(guarded(ImapStream::Plain(tcp)), &ep.host, steps).await,
        Security::Tls => {
            let tls = handshake(ep, tcp, steps).await?;
            greeting(guarded(ImapStream::Tls(Box::new(tls))), &ep.host, steps).await
        }
        Security::Starttls => {
            let mut client = greeting(guarded(ImapStream::Plain(tcp)), &ep.host, steps).await?;
            let no_starttls = || OpenError::NoStarttls { host: ep.host.clone() };
            match timeout(steps.tls, client.run_command_and_check_ok("STARTTLS", None)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(no_starttls()),
                Err(_) => {
                    return Err(OpenError::NotImap {
                        detail: format!("{} did not answer STARTTLS", ep.host),
                        source: None,
                    })
                }
            }
            let tcp = client.into_inner().into_tcp().ok_or_else(no_starttls)?;
            let tls = handshake(ep, tcp, steps).await?;
            Ok(async_imap::Client::new(guarded(ImapStream::Tls(Box::new(tls)))))
        }
    }
}

/// The first address that accepts a TCP connection.
async fn connect(addrs: &[SocketAddr], steps: &Steps) -> Result<TcpStream, OpenError> {
    let mut why = String::from("nothing answers there");
    for addr in addrs {
        match timeout(steps.connect, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                why = "nothing answers there (connection refused)".into();
            }
            Ok(Err(_)) => why = "the server cannot be reached".into(),
            Err(_) => {
                why = format!(
                    "nothing answered within {} seconds (a firewall, or the wrong port)",
                    steps.connect.as_secs()
                )
            }
        }
    }
    Err(OpenError::Unreachable(why))
}

async fn handshake(ep: &Endpoint, tcp: TcpStream, steps: &Steps) -> Result<TlsStream<TcpStream>, OpenError> {
    let no_tls = |source| OpenError::NoTls {
        host: ep.host.clone(),
        source,
    };
    let name = net::server_name(&ep.host)
        .map_err(|e| no_tls(std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())))?;
    let connector = tokio_rustls::TlsConnector::from(ep.tls.clone());
    match timeout(steps.tls, connector.connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => {
            let words = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .and_then(|tls| certificate::problem(tls, &ep.host));
            Err(match words {
                Some(words) => OpenError::Certificate {
                    host: ep.host.clone(),
                    words,
                },
                None => no_tls(e),
            })
        }
        Err(_) => Err(OpenError::NotImap {
            detail: format!("the TLS handshake took more than {} seconds", steps.tls.as_secs()),
            source: None,
        }),
    }
}

async fn greeting(stream: ImapStream, host: &str, steps: &Steps) -> Result<Greeted, OpenError> {
    let mut client = async_imap::Client::new(stream);
    match timeout(steps.greeting, client.read_response()).await {
        Ok(Ok(Some(greeting))) => {
            use async_imap::imap_proto::{Response, Status};
            match greeting.parsed() {
                Response::Data {
                    status: Status::Bye, ..
                } => Err(OpenError::NotImap {
                    detail: format!("{host} greeted with BYE (it refuses connections now)"),
                    source: None,
                }),
                _ => Ok(client),
            }
        }
        Ok(Ok(None)) => Err(OpenError::NotImap {
            detail: "it closed the connection before its greeting".into(),
            source: None,
        }),
        Ok(Err(e))
            if e.kind() == std::io::ErrorKind::InvalidData && e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) =>
        {
            Err(OpenError::NoTls {
                host: host.to_string(),
                source: e,
            })
        }
        Ok(Err(e)) => {
            let detail = match super::guard_error(&e) {
                Some(super::GuardError::Stalled { after }) => format!("no greeting within {} seconds", after.as_secs()),
                Some(g) => g.sentence("it"),
                None => "its first words are not an IMAP greeting".into(),
            };
            Err(OpenError::NotImap {
                detail,
                source: Some(e),
            })
        }
        Err(_) => Err(OpenError::NotImap {
            detail: format!("no greeting within {} seconds", steps.greeting.as_secs()),
            source: None,
        }),
    }
}
