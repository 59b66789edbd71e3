//! Server discovery against real components on 127.0.0.1: a dnsmasq (Debian `dnsmasq-base`,
//! installed by `scripts/testbed`) answering SRV, A and MX records for test domains, and an
//! HTTPS server in this test (its own CA) serving autoconfig files. Nothing leaves loopback:
//! even `imap.gmail.com` is answered by the test's dnsmasq.

use mailferry::discover::{Discoverer, How, NotFound};
use mailferry::dns::Resolver;
use mailferry::http::Settings;
use mailferry::model::Security;
use mailferry::rules::Providers;
use rustls::pki_types::pem::PemObject;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const AUTOCONFIG: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="x">
  <incomingServer type="imap">
    <hostname>mail.%EMAILDOMAIN%</hostname><port>10993</port><socketType>SSL</socketType>
  </incomingServer>
</emailProvider></clientConfig>"#;

/// A dnsmasq on a free port, killed when dropped.
struct Dns {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}

async fn dnsmasq(records: &[String]) -> (Dns, Resolver) {
    let port = free_udp_port();
    let child = std::process::Command::new("dnsmasq")
        .args([
            "--no-daemon",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--local=/example/",
        ])
        .arg(format!("--port={port}"))
        .args(records)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dnsmasq (Debian dnsmasq-base) is needed; scripts/testbed installs it");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let dns = Dns { child, addr };
    let resolver = Resolver::at(&[dns.addr], Duration::from_secs(2)).unwrap();
    // Wait until it answers (a fresh dnsmasq needs a moment to bind).
    for _ in 0..50 {
        if resolver
            .addresses("ready.test.example")
            .await
            .is_ok_and(|a| !a.is_empty())
        {
            return (dns, resolver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("dnsmasq on {} never answered", dns.addr);
}

/// A CA and a leaf for `names`, made with openssl in `dir`; the server's TLS settings.
fn certificates(dir: &Path, names: &[&str]) -> rustls::ServerConfig {
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (Debian openssl) is needed; scripts/testbed installs it");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=discovery test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=autoconfig",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    let san: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
    std::fs::write(
        dir.join("ext.cnf"),
        format!("basicConstraints=CA:FALSE\nsubjectAltName={}\n", san.join(",")),
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "leaf.pem",
    ]);
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(dir.join("leaf.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(dir.join("key.pem")).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

/// Every request the HTTPS server saw: "host path".
type Seen = Arc<Mutex<Vec<String>>>;

/// An HTTPS server on 127.0.0.1 that serves [`AUTOCONFIG`] at `host path` pairs in `serve`
/// and 404 elsewhere.
async fn https_server(config: rustls::ServerConfig, serve: &'static [(&'static str, &'static str)]) -> (u16, Seen) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else { return };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 2048];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
                let host = text
                    .lines()
                    .find_map(|l| l.strip_prefix("host: ").or_else(|| l.strip_prefix("Host: ")))
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string();
                log.lock().unwrap().push(format!("{host} {path}"));
                let path_only = path.split('?').next().unwrap_or("");
                let answer = if serve.iter().any(|(h, p)| *h == host && *p == path_only) {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{AUTOCONFIG}",
                        AUTOCONFIG.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                };
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen)
}

fn settings(ca: &Path, allow_private: bool) -> Settings {
    let mut s = Settings::new(mailferry::net::tls_config(Some(ca), false).unwrap());
    s.allow_private = allow_private;
    s.timeout = Duration::from_secs(5);
    s
}

fn builtin() -> Providers {
    Providers::parse(include_str!("../rules/providers.toml")).unwrap()
}

fn records() -> Vec<String> {
    [
        "--host-record=ready.test.example,127.0.0.1",
        // alpha: SRV for IMAPS (and an autoconfig host, which must not be asked).
        "--srv-host=_imaps._tcp.alpha.example,imap.alpha.example,10993,0,0",
        "--host-record=imap.alpha.example,127.0.0.1",
        "--host-record=autoconfig.alpha.example,127.0.0.1",
        // beta: only an autoconfig file at autoconfig.beta.example.
        "--host-record=autoconfig.beta.example,127.0.0.1",
        "--host-record=mail.beta.example,127.0.0.1",
        // epsilon: only the .well-known file on the domain itself.
        "--host-record=epsilon.example,127.0.0.1",
        "--host-record=mail.epsilon.example,127.0.0.1",
        // gamma: MX at Google; imap.gmail.com answered here, on loopback.
        "--mx-host=gamma.example,aspmx.l.google.com,10",
        "--host-record=imap.gmail.com,127.0.0.1",
        // delta: SRV (STARTTLS only) to a host inside a private network.
        "--srv-host=_imap._tcp.delta.example,imap.delta.example,143,0,0",
        "--host-record=imap.delta.example,10.1.2.3",
        "--host-record=autoconfig.delta.example,127.0.0.1",
        // zeta: MX at nobody we know.
        "--mx-host=zeta.example,mx.zeta.example,10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

const SERVED: &[(&str, &str)] = &[
    ("autoconfig.alpha.example", "/mail/config-v1.1.xml"),
    ("autoconfig.beta.example", "/mail/config-v1.1.xml"),
    ("epsilon.example", "/.well-known/autoconfig/mail/config-v1.1.xml"),
    ("autoconfig.delta.example", "/mail/config-v1.1.xml"),
];

#[tokio::test]
async fn servers_are_found_in_the_issues_order_and_say_how() {
    let dir = tempfile::tempdir().unwrap();
    let tls = certificates(
        dir.path(),
        &[
            "autoconfig.alpha.example",
            "autoconfig.beta.example",
            "epsilon.example",
            "autoconfig.delta.example",
        ],
    );
    let (port, seen) = https_server(tls, SERVED).await;
    let (_dns, resolver) = dnsmasq(&records()).await;
    let providers = builtin();
    let d = Discoverer {
        resolver: &resolver,
        providers: &providers,
        http: settings(&dir.path().join("ca.pem"), true),
        https_port: port,
        budget: Duration::from_secs(10),
    };

    // SRV first: alpha's autoconfig file is never asked for.
    let a = d.find("anna@alpha.example").await.unwrap();
    assert_eq!(
        (a.host.as_str(), a.port, a.security),
        ("imap.alpha.example", 10993, Security::Tls)
    );
    assert_eq!(
        a.how,
        How::Srv {
            record: "_imaps._tcp.alpha.example".into()
        }
    );
    assert_eq!(a.addrs, vec!["127.0.0.1:10993".parse::<SocketAddr>().unwrap()]);
    assert!(seen.lock().unwrap().is_empty(), "{:?}", seen.lock().unwrap());

    // No SRV: the autoconfig file, its placeholder filled in, the address sent along.
    let b = d.find("bob@beta.example").await.unwrap();
    assert_eq!(
        (b.host.as_str(), b.port, b.security),
        ("mail.beta.example", 10993, Security::Tls)
    );
    assert_eq!(b.how.key(), "autoconfig");
    assert!(b.how.to_string().contains("autoconfig.beta.example"), "{}", b.how);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|s| s.starts_with("autoconfig.beta.example /mail/config-v1.1.xml?emailaddress=bob%40beta.example")),
        "{:?}",
        seen.lock().unwrap()
    );

    // The second autoconfig address, on the domain itself.
    let e = d.find("eve@epsilon.example").await.unwrap();
    assert_eq!(e.host, "mail.epsilon.example");
    assert!(
        matches!(&e.how, How::Autoconfig { url } if url.contains("/.well-known/autoconfig/")),
        "{:?}",
        e.how
    );

    // Neither: the MX is at Google, so the table's Gmail entry.
    let g = d.find("gus@gamma.example").await.unwrap();
    assert_eq!(
        (g.host.as_str(), g.port, g.security),
        ("imap.gmail.com", 993, Security::Tls)
    );
    assert_eq!(g.provider.as_deref(), Some("gmail"));
    assert_eq!(
        g.how,
        How::ProviderTable {
            provider: "Gmail / Google Workspace".into(),
            mx: Some("aspmx.l.google.com".into())
        }
    );
    assert!(g.how.to_string().contains("aspmx.l.google.com"), "{}", g.how);

    // An unknown MX and nothing else: not found, each step's outcome named.
    let err: NotFound = d.find("zed@zeta.example").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("_imaps._tcp.zeta.example: none"), "{text}");
    assert!(
        text.contains("mx.zeta.example") && text.contains("no known provider"),
        "{text}"
    );
    assert_eq!(
        err.tried.len(),
        5,
        "two SRV names, two autoconfig addresses, the MX: {text}"
    );
}

#[tokio::test]
async fn found_hosts_pass_the_same_address_checks_as_typed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let tls = certificates(dir.path(), &["autoconfig.delta.example"]);
    let (port, seen) = https_server(tls, SERVED).await;
    let (_dns, resolver) = dnsmasq(&records()).await;
    let providers = builtin();
    // Production settings: no private or reserved addresses.
    let d = Discoverer {
        resolver: &resolver,
        providers: &providers,
        http: settings(&dir.path().join("ca.pem"), false),
        https_port: port,
        budget: Duration::from_secs(10),
    };
    let err = d.find("dora@delta.example").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("imap.delta.example") && text.contains("10.1.2.3"),
        "{text}"
    );
    assert!(text.contains("private or reserved network"), "{text}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the autoconfig host is on loopback: nothing is fetched from it: {:?}",
        seen.lock().unwrap()
    );
    // MX at Google, but imap.gmail.com answers with a loopback address here: refused too.
    let err = d.find("gus@gamma.example").await.unwrap_err();
    assert!(err.to_string().contains("imap.gmail.com"), "{err}");
}

#[tokio::test]
async fn a_silent_nameserver_ends_the_search_at_its_budget() {
    // A UDP port that takes queries and never answers (and no TCP listener behind it).
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let resolver = Resolver::at(&[silent.local_addr().unwrap()], Duration::from_secs(5)).unwrap();
    let providers = builtin();
    let d = Discoverer {
        resolver: &resolver,
        providers: &providers,
        http: Settings::new(mailferry::net::tls_config(None, false).unwrap()),
        https_port: 443,
        budget: Duration::from_secs(1),
    };
    let started = std::time::Instant::now();
    let err = d.find("anna@slow.example").await.unwrap_err();
    assert!(err.to_string().contains("used up"), "{err}");
    // The budget, not the resolver's 15 s per name, decides (generous slack for a busy machine).
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}
