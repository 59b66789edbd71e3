//! DNS records mailferry reads: a domain's MX (to see when a customer's mail starts flowing to
//! us) and SRV (to find a customer's servers), with hickory-resolver.
//!
//! The nameservers are the one the config names (`[dns] resolver = "ip:port"`; tests point it
//! at a dnsmasq on loopback) or every `nameserver` of /etc/resolv.conf. Each is asked over UDP
//! and, when an answer comes back truncated or UDP fails, over TCP on the same port; several
//! are asked side by side, each within a short timeout, and the whole lookup has a deadline.
//!
//! It never caches (a watch must see a change at its next look), never appends search domains
//! (names are asked as given, fully qualified), and never hands out addresses to connect to
//! unchecked: [`crate::net::resolve_checked`] checks them first, and discovery checks what
//! [`Resolver::addresses`] returns with [`crate::net::check_addresses`].

use anyhow::{anyhow, bail, Context, Result};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;
use std::time::Duration;

/// One MX record: preference and exchange host (lower-case, no trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail exchanger's host name.
    pub exchange: String,
}

/// One SRV record (RFC 2782): where a service of a domain runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Among equal priorities, the share of the load (higher is more).
    pub weight: u16,
    /// The service's TCP port.
    pub port: u16,
    /// The host it runs on (lower-case, no trailing dot).
    pub target: String,
}

/// A stub resolver: which nameservers to ask and how long to wait for them.
#[derive(Clone)]
pub struct Resolver {
    inner: TokioResolver,
    servers: String,
    deadline: Duration,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("servers", &self.servers)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Resolver {
    /// The configured resolver (`[dns] resolver`, `ip:port`) or, without one, the system's.
    pub fn from_config(configured: Option<&str>, timeout: Duration) -> Result<Resolver> {
        match configured {
            Some(text) => {
                let addr: SocketAddr = text
                    .parse()
                    .map_err(|_| anyhow!("dns.resolver: {text:?} is not an address like 127.0.0.1:53"))?;
                Resolver::at(&[addr], timeout)
            }
            None => Resolver::system(timeout),
        }
    }

    /// Every `nameserver` of /etc/resolv.conf, port 53.
    pub fn system(timeout: Duration) -> Result<Resolver> {
        let (config, _) =
            hickory_resolver::system_conf::read_system_conf().map_err(|e| anyhow!("reading /etc/resolv.conf: {e}"))?;
        let servers = describe(config.name_servers().iter().map(|s| SocketAddr::new(s.ip, 53)));
        let (_, _, name_servers) = config.into_parts();
        Resolver::build(ResolverConfig::from_name_servers(name_servers), servers, timeout)
    }

    /// These nameservers (UDP, and TCP on the same port), asked side by side.
    pub fn at(servers: &[SocketAddr], timeout: Duration) -> Result<Resolver> {
        if servers.is_empty() {
            bail!("no DNS server to ask");
        }
        let name_servers = servers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        Resolver::build(
            ResolverConfig::from_name_servers(name_servers),
            describe(servers.iter().copied()),
            timeout,
        )
    }

    fn build(config: ResolverConfig, servers: String, timeout: Duration) -> Result<Resolver> {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 2;
        opts.cache_size = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.try_tcp_on_error = true;
        opts.num_concurrent_reqs = 3;
        let inner = hickory_resolver::Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| anyhow!("setting up the DNS resolver: {e}"))?;
        Ok(Resolver {
            inner,
            servers,
            // Two rounds of one timeout each, and some slack for TCP after a truncated answer.
            deadline: timeout * 3,
        })
    }

    /// The MX records of `domain`, best first; an empty list when it has none (or does not
    /// exist).
    pub async fn mx(&self, domain: &str) -> Result<Vec<Mx>> {
        let records = self.lookup(domain, RecordType::MX).await?;
        let mut out: Vec<Mx> = records
            .iter()
            .filter_map(|r| match r {
                RData::MX(mx) => Some(Mx {
                    preference: mx.preference,
                    exchange: host_name(&mx.exchange),
                }),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The SRV records of `name` (e.g. `_imaps._tcp.example.com`), by priority, then by weight
    /// (heaviest first); an empty list when there are none, or when the only target is `.`
    /// (RFC 2782: the service is decidedly not available at this domain).
    pub async fn srv(&self, name: &str) -> Result<Vec<Srv>> {
        let records = self.lookup(name, RecordType::SRV).await?;
        let mut out: Vec<Srv> = records
            .iter()
            .filter_map(|r| match r {
                RData::SRV(srv) => Some(Srv {
                    priority: srv.priority,
                    weight: srv.weight,
                    port: srv.port,
                    target: host_name(&srv.target),
                }),
                _ => None,
            })
            .filter(|s| !s.target.is_empty())
            .collect();
        out.sort_by(|a, b| {
            (a.priority, std::cmp::Reverse(a.weight), &a.target, a.port).cmp(&(
                b.priority,
                std::cmp::Reverse(b.weight),
                &b.target,
                b.port,
            ))
        });
        out.dedup();
        Ok(out)
    }

    /// The addresses (A and AAAA) of `host`, asked of this resolver's nameservers; an empty
    /// list when it has none. For discovery only, which checks them with
    /// [`crate::net::check_addresses`] before anything connects to them. An IP literal is its
    /// own answer.
    pub async fn addresses(&self, host: &str) -> Result<Vec<std::net::IpAddr>> {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            return Ok(vec![ip]);
        }
        // A server that refuses one of the two kinds (some answer AAAA with REFUSED) does not
        // hide the addresses of the other; only when neither gives any is its error returned.
        let mut out = Vec::new();
        let mut failure = None;
        for kind in [RecordType::A, RecordType::AAAA] {
            match self.lookup(host, kind).await {
                Ok(records) => out.extend(records.iter().filter_map(|r| match r {
                    RData::A(a) => Some(std::net::IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(std::net::IpAddr::V6(a.0)),
                    _ => None,
                })),
                Err(e) => failure = Some(e),
            }
        }
        match failure {
            Some(e) if out.is_empty() => Err(e),
            _ => {
                out.dedup();
                Ok(out)
            }
        }
    }

    async fn lookup(&self, name: &str, kind: RecordType) -> Result<Vec<RData>> {
        let mut fqdn = Name::from_utf8(name.trim_end_matches('.'))
            .ok()
            .filter(|n| n.num_labels() > 0)
            .with_context(|| format!("{name:?} is not a domain name"))?;
        fqdn.set_fqdn(true);
        let lookup = tokio::time::timeout(self.deadline, self.inner.lookup(fqdn, kind)).await;
        match lookup {
            Err(_) => bail!(
                "DNS server {} did not answer for {name} {kind} within {} s",
                self.servers,
                self.deadline.as_secs()
            ),
            Ok(Ok(found)) => Ok(found.answers().iter().map(|r| r.data.clone()).collect()),
            Ok(Err(e)) if no_records(&e) => Ok(Vec::new()),
            Ok(Err(e)) => Err(anyhow!("DNS server {}: {name} {kind}: {e}", self.servers)),
        }
    }
}

/// NXDOMAIN or an empty answer: no such records.
fn no_records(e: &NetError) -> bool {
    e.is_no_records_found() || e.is_nx_domain()
}

/// A name as we compare and show host names: lower case, no trailing dot (the root is empty).
fn host_name(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

fn describe(servers: impl Iterator<Item = SocketAddr>) -> String {
    servers.map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
