//! Finding a customer's old IMAP server when the request names none (or the named one does not
//! answer IMAP), the way mail clients do, in this order:
//! 1. RFC 6186 SRV records of the address's domain: `_imaps._tcp` (TLS), then `_imap._tcp`
//!    (STARTTLS);
//! 2. the domain's autoconfig file, `https://autoconfig.<domain>/mail/config-v1.1.xml`, then
//!    `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml` ([`autoconfig`]);
//! 3. the known-provider table (`rules/providers.toml`): the address's domain, then its MX
//!    hosts (MX at Google → `imap.gmail.com:993`).
//!
//! Every host found is looked up through the configured resolver and its addresses pass the
//! same check as a typed server's ([`crate::net::check_addresses`]: no private or reserved
//! addresses unless the test-bed switch allows them); an autoconfig file is fetched only from
//! checked addresses (the HTTP client is pinned to them, and each redirect target is checked
//! again by [`crate::http`]). The whole search has one budget. The answer says how the server
//! was found ([`How`]), for the acknowledgement, and which known provider runs it.
//!
//! Never connects to IMAP, never logs in, never sends a credential anywhere (the autoconfig
//! request carries none), never follows a redirect from HTTPS to HTTP.

pub mod autoconfig;

use crate::dns::Resolver;
use crate::http::{Client, Request, Settings};
use crate::model::Security;
use crate::rules::Providers;
use anyhow::{anyhow, Result};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// How a server was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// A SRV record (`record` is its name, e.g. `_imaps._tcp.example.com`).
    Srv {
        /// The record's name.
        record: String,
    },
    /// An autoconfig file at `url`.
    Autoconfig {
        /// Where the file was read.
        url: String,
    },
    /// The known-provider table, by the address's domain (`mx` None) or by an MX host.
    ProviderTable {
        /// The provider's name as customers know it.
        provider: String,
        /// The MX host that matched, when the MX decided.
        mx: Option<String>,
    },
}

impl How {
    /// A short key for logs, metrics and the reply templates: `srv`, `autoconfig`,
    /// `provider-domain`, `provider-mx`.
    pub fn key(&self) -> &'static str {
        match self {
            How::Srv { .. } => "srv",
            How::Autoconfig { .. } => "autoconfig",
            How::ProviderTable { mx: None, .. } => "provider-domain",
            How::ProviderTable { mx: Some(_), .. } => "provider-mx",
        }
    }
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::Srv { record } => write!(f, "the domain's SRV record {record}"),
            How::Autoconfig { url } => write!(f, "the domain's autoconfig file {url}"),
            How::ProviderTable { provider, mx: None } => {
                write!(f, "the address's domain, which belongs to {provider}")
            }
            How::ProviderTable { provider, mx: Some(mx) } => {
                write!(f, "the domain's mail server {mx}, which belongs to {provider}")
            }
        }
    }
}

/// The server found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS or STARTTLS (discovery never offers a server without encryption).
    pub security: Security,
    /// The checked addresses the host resolved to.
    pub addrs: Vec<SocketAddr>,
    /// How it was found.
    pub how: How,
    /// The id of the known provider that runs it (`gmail`), when the table knows the host.
    pub provider: Option<String>,
}

/// No server was found: what each step saw, in order, for the operator and the reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no IMAP server found for {domain}: {}", .tried.join("; "))]
pub struct NotFound {
    /// The domain searched.
    pub domain: String,
    /// One line per step tried.
    pub tried: Vec<String>,
}

/// Looks for servers; cheap to build per search.
#[derive(Debug, Clone)]
pub struct Discoverer<'a> {
    /// The resolver (the configured one, or the system's nameservers).
    pub resolver: &'a Resolver,
    /// The known providers.
    pub providers: &'a Providers,
    /// The HTTP settings for autoconfig (TLS roots; `allow_private` also governs the address
    /// checks of every host found).
    pub http: Settings,
    /// The port autoconfig files are asked on (443; a test's HTTPS server listens elsewhere).
    pub https_port: u16,
    /// The whole search's budget.
    pub budget: Duration,
}

impl Discoverer<'_> {
    /// The IMAP server of `address`'s domain, or why none was found within the budget.
    pub async fn find(&self, address: &str) -> Result<Found, NotFound> {
        let domain = address
            .rsplit_once('@')
            .map_or(address, |(_, d)| d)
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let mut tried = Vec::new();
        let deadline = Instant::now() + self.budget;
        let steps: [Step; 3] = [Step::Srv, Step::Autoconfig, Step::Table];
        for step in steps {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tried.push(format!("the search's {} s were used up", self.budget.as_secs()));
                break;
            }
            let run = self.step(step, &domain, address, &mut tried);
            match tokio::time::timeout(left, run).await {
                Ok(Some(found)) => {
                    tracing::info!(domain, host = %found.host, port = found.port, how = found.how.key(), "found the old IMAP server");
                    return Ok(found);
                }
                Ok(None) => {}
                Err(_) => {
                    tried.push(format!("the search's {} s were used up", self.budget.as_secs()));
                    break;
                }
            }
        }
        Err(NotFound { domain, tried })
    }

    async fn step(&self, step: Step, domain: &str, address: &str, tried: &mut Vec<String>) -> Option<Found> {
        match step {
            Step::Srv => self.srv(domain, tried).await,
            Step::Autoconfig => self.autoconfig(domain, address, tried).await,
            Step::Table => self.table(domain, tried).await,
        }
    }

    /// RFC 6186: `_imaps._tcp` first, then `_imap._tcp`; each record in priority order, the
    /// first whose target passes the checks.
    async fn srv(&self, domain: &str, tried: &mut Vec<String>) -> Option<Found> {
        for (service, security) in [("_imaps._tcp", Security::Tls), ("_imap._tcp", Security::Starttls)] {
            let record = format!("{service}.{domain}");
            let records = match self.resolver.srv(&record).await {
                Ok(r) => r,
                Err(e) => {
                    tried.push(format!("SRV {record}: {e:#}"));
                    continue;
                }
            };
            if records.is_empty() {
                tried.push(format!("SRV {record}: none"));
            }
            for r in records {
                match self.checked(&r.target, r.port).await {
                    Ok(addrs) => {
                        return Some(self.found(r.target, r.port, security, addrs, How::Srv { record }));
                    }
                    Err(e) => tried.push(format!("SRV {record} → {}:{}: {e:#}", r.target, r.port)),
                }
            }
        }
        None
    }

    /// The two autoconfig addresses, each fetched from checked addresses only.
    async fn autoconfig(&self, domain: &str, address: &str, tried: &mut Vec<String>) -> Option<Found> {
        let port = self.https_port;
        let places = [
            (format!("autoconfig.{domain}"), "/mail/config-v1.1.xml"),
            (domain.to_string(), "/.well-known/autoconfig/mail/config-v1.1.xml"),
        ];
        for (host, path) in places {
            let shown = format!(
                "https://{host}{}{path}",
                if port == 443 { String::new() } else { format!(":{port}") }
            );
            match self.fetch_autoconfig(&host, path, address).await {
                Ok(entry) => match self.checked(&entry.host, entry.port).await {
                    Ok(addrs) => {
                        return Some(self.found(
                            entry.host,
                            entry.port,
                            entry.security,
                            addrs,
                            How::Autoconfig { url: shown },
                        ));
                    }
                    Err(e) => tried.push(format!("{shown} → {}:{}: {e:#}", entry.host, entry.port)),
                },
                Err(e) => tried.push(format!("{shown}: {e:#}")),
            }
        }
        None
    }

    async fn fetch_autoconfig(&self, host: &str, path: &str, address: &str) -> Result<autoconfig::ImapEntry> {
        let addrs = self.checked(host, self.https_port).await?;
        let client = Client::pinned(&self.http, host, &addrs)?;
        let mut url = Url::parse(&format!("https://{host}:{}{path}", self.https_port))?;
        url.query_pairs_mut().append_pair("emailaddress", address);
        let answer = client.send(Request::get(url)).await?;
        if answer.status != 200 {
            return Err(anyhow!("{}", answer.describe()));
        }
        let text = String::from_utf8_lossy(&answer.body);
        autoconfig::imap_server(&text, address).map_err(|e| anyhow!(e))
    }

    /// The table: the address's domain first, then the MX hosts, best first.
    async fn table(&self, domain: &str, tried: &mut Vec<String>) -> Option<Found> {
        let (provider, mx) = match self.providers.by_domain(domain) {
            Some(p) => (p, None),
            None => {
                let mx = match self.resolver.mx(domain).await {
                    Ok(mx) => mx,
                    Err(e) => {
                        tried.push(format!("MX {domain}: {e:#}"));
                        return None;
                    }
                };
                if mx.is_empty() {
                    tried.push(format!("MX {domain}: none"));
                    return None;
                }
                let hosts: Vec<&str> = mx.iter().map(|m| m.exchange.as_str()).collect();
                let Some(p) = self.providers.by_mx(hosts.iter().copied()) else {
                    tried.push(format!("MX {domain} ({}): no known provider", hosts.join(", ")));
                    return None;
                };
                let matched = hosts
                    .iter()
                    .find(|h| self.providers.by_mx([**h]).is_some_and(|q| q.id == p.id))
                    .map(|h| h.to_string());
                (p, matched)
            }
        };
        let imap = &provider.imap;
        match self.checked(&imap.host, imap.port).await {
            Ok(addrs) => Some(Found {
                host: imap.host.clone(),
                port: imap.port,
                security: imap.security,
                addrs,
                how: How::ProviderTable {
                    provider: provider.name.clone(),
                    mx,
                },
                provider: Some(provider.id.clone()),
            }),
            Err(e) => {
                tried.push(format!("{} ({}:{}): {e:#}", provider.name, imap.host, imap.port));
                None
            }
        }
    }

    /// `host`'s addresses from the resolver, checked like a typed server's.
    async fn checked(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let ips = self.resolver.addresses(host).await?;
        let addrs: Vec<SocketAddr> = ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect();
        crate::net::check_addresses(host, &addrs, self.http.allow_private)?;
        Ok(addrs)
    }

    fn found(&self, host: String, port: u16, security: Security, addrs: Vec<SocketAddr>, how: How) -> Found {
        let provider = self.providers.by_imap_host(&host).map(|p| p.id.clone());
        Found {
            host,
            port,
            security,
            addrs,
            how,
            provider,
        }
    }
}

#[derive(Clone, Copy)]
enum Step {
    Srv,
    Autoconfig,
    Table,
}
