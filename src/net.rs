//! Reaching servers safely: resolve a host once, refuse addresses inside our own network
//! (unless the operator allows it for a test bed), connect to exactly the address that was
//! checked, and build TLS settings (built-in roots, an operator's extra CA, or, only when the
//! operator says so, no certificate check at all).
//!
//! Why our own address classification rather than a crate: the standard library's `is_global`
//! is still unstable, and the crates that classify addresses disagree on the edges that matter
//! here (IPv4 addresses hidden in 6to4, NAT64, Teredo, mapped and compatible IPv6 forms). The
//! list below is ours to keep in step with the IANA special-purpose registries, and every class
//! has a test. The HTTP client ([`crate::http`]) and the IMAP side both go through it.

use anyhow::{bail, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long a TCP connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// True for addresses that belong to no one on the public Internet: loopback, private,
/// link-local, CGNAT, multicast, documentation, unique-local, IPv4-mapped forms of these, etc.
pub fn is_special_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 CGNAT
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 IETF
                || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 192.88.99.0/24 6to4 relays
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
                || o[0] >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_special_address(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let embedded =
                |hi: u16, lo: u16| std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x3fff && (s[1] & 0xf000) == 0) // 3fff::/20 documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64, well-known and local-use
                || (s[0] == 0x2001 && s[1] == 0) // Teredo (hides an IPv4 address)
                || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0) // benchmarking
                || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard-only
                // 6to4: the IPv4 address it carries decides.
                || (s[0] == 0x2002 && is_special_address(IpAddr::V4(embedded(s[1], s[2]))))
                // IPv4-translated ::ffff:0:a.b.c.d.
                || (s[..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0)
                // IPv4-compatible ::a.b.c.d (deprecated).
                || s[..6] == [0, 0, 0, 0, 0, 0]
        }
    }
}

/// Refuses `host` when any of the addresses it resolved to is special (unless
/// `allow_private`): a host that answers with one public and one private address (a rebinding
/// attempt) is refused as a whole.
pub fn check_addresses(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<()> {
    if addrs.is_empty() {
        bail!("the host name {host} has no address");
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| is_special_address(a.ip())) {
            bail!(
                "{host} resolves to {}, an address inside a private or reserved network; \
                 only servers on the public Internet can be migrated from",
                bad.ip()
            );
        }
    }
    Ok(())
}

/// Resolves `host` and returns the addresses it may be reached at; with `allow_private` false,
/// refuses the host when any of its addresses is special (a rebinding host cannot slip one in).
/// The caller connects to exactly these addresses ([`connect_any`]), never to the name again.
pub async fn resolve_checked(host: &str, port: u16, allow_private: bool) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .with_context(|| format!("the host name {host} does not resolve"))?
        .collect();
    check_addresses(host, &addrs, allow_private)?;
    Ok(addrs)
}

/// Connects to the first address that answers, within [`CONNECT_TIMEOUT`] each.
pub async fn connect_any(addrs: &[SocketAddr]) -> Result<TcpStream> {
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = Some(anyhow::Error::new(e).context(format!("cannot connect to {addr}"))),
            Err(_) => last = Some(anyhow::anyhow!("connecting to {addr} timed out")),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no address to connect to")))
}

/// TLS client settings: the built-in Web PKI roots plus an optional extra CA file; with
/// `accept_invalid` no certificate is checked (an operator's explicit choice).
pub fn tls_config(extra_ca: Option<&Path>, accept_invalid: bool) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let config = if accept_invalid {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = extra_ca {
            let pem = std::fs::read(path).with_context(|| format!("cannot read CA file {}", path.display()))?;
            let mut found = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.with_context(|| format!("bad certificate in {}", path.display()))?;
                roots
                    .add(cert)
                    .with_context(|| format!("unusable certificate in {}", path.display()))?;
                found += 1;
            }
            if found == 0 {
                bail!("the CA file {} holds no PEM certificate", path.display());
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The name a TLS certificate must carry for `host`.
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_string()).with_context(|| format!("{host} is not a valid TLS server name"))
}

#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_recognised() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "224.0.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_special_address(a.parse().unwrap()), "{a} should be special");
        }
        for a in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"] {
            assert!(!is_special_address(a.parse().unwrap()), "{a} should be public");
        }
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::*;

    #[test]
    fn every_class_of_special_address_is_refused() {
        let classes: &[(&str, &[&str])] = &[
            ("loopback v4", &["127.0.0.1", "127.255.255.254"]),
            ("loopback v6", &["::1"]),
            ("RFC 1918", &["10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1"]),
            ("link-local v4", &["169.254.0.1", "169.254.169.254"]),
            ("link-local v6", &["fe80::1", "febf::1"]),
            ("CGNAT 100.64/10", &["100.64.0.1", "100.127.255.255"]),
            ("multicast v4", &["224.0.0.1", "239.255.255.250"]),
            ("multicast v6", &["ff02::1", "ff0e::1"]),
            (
                "IPv4-mapped",
                &["::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254"],
            ),
            ("IPv4-translated", &["::ffff:0:10.0.0.1"]),
            ("IPv4-compatible", &["::127.0.0.1", "::10.0.0.1"]),
            ("unique-local fc00::/7", &["fc00::1", "fd12:3456::1"]),
            ("site-local", &["fec0::1"]),
            ("unspecified", &["0.0.0.0", "::"]),
            ("broadcast", &["255.255.255.255"]),
            (
                "documentation",
                &["192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "3fff::1"],
            ),
            ("this network 0/8", &["0.1.2.3"]),
            ("IETF 192.0.0/24", &["192.0.0.8"]),
            ("benchmarking", &["198.18.0.1", "198.19.255.255", "2001:2::1"]),
            ("reserved 240/4", &["240.0.0.1", "254.1.2.3"]),
            (
                "6to4 carrying a private address",
                &["2002:a00:1::1", "2002:7f00:1::1", "2002:c0a8:101::"],
            ),
            ("6to4 relay anycast", &["192.88.99.1"]),
            ("NAT64", &["64:ff9b::a00:1", "64:ff9b:1::1"]),
            ("Teredo", &["2001:0:4136:e378::1"]),
            ("discard-only", &["100::1"]),
        ];
        for (class, addrs) in classes {
            for a in *addrs {
                let ip: IpAddr = a.parse().unwrap_or_else(|_| panic!("{a} parses"));
                assert!(is_special_address(ip), "{a} ({class}) must be refused");
                let sa = SocketAddr::new(ip, 993);
                let err = check_addresses("imap.old.example", &[sa], false)
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("private or reserved network"), "{class}: {err}");
            }
        }
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "93.184.216.34",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "2002:5db8:d822::1", // 6to4 of a public address
        ] {
            let ip: IpAddr = a.parse().unwrap();
            assert!(!is_special_address(ip), "{a} is public");
        }
    }

    #[test]
    fn the_test_bed_switch_allows_private_addresses() {
        let lo = [SocketAddr::from(([127, 0, 0, 1], 993))];
        assert!(check_addresses("localhost", &lo, false).is_err());
        assert!(check_addresses("localhost", &lo, true).is_ok());
        assert!(check_addresses("nothing.example", &[], true).is_err());
    }

    #[test]
    fn a_rebinding_answer_is_refused_as_a_whole() {
        let public = SocketAddr::from(([93, 184, 216, 34], 993));
        let private = SocketAddr::from(([127, 0, 0, 1], 993));
        // One public and one private address in the same answer: refused as a whole.
        let mixed = check_addresses("rebind.example", &[public, private], false).unwrap_err();
        assert!(format!("{mixed:#}").contains("127.0.0.1"), "{mixed:#}");
        assert!(check_addresses("rebind.example", &[public], false).is_ok());
    }
}
