//! The resolver against a small DNS server on 127.0.0.1 (UDP and TCP on one port) that
//! answers what a test tells it to: truncated over UDP, full over TCP, errors, silence.

use super::*;
use hickory_resolver::proto::op::{Message, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::{MX, SRV};
use hickory_resolver::proto::rr::Record;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// What the server does with one query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Answers over UDP too.
    Plain,
    /// Over UDP only a truncated, empty answer (TC set); the records come over TCP.
    TruncatedOverUdp,
    /// SERVFAIL.
    Fail,
    /// NXDOMAIN.
    NoSuchDomain,
}

struct Fake {
    addr: SocketAddr,
    udp_queries: Arc<AtomicUsize>,
    tcp_queries: Arc<AtomicUsize>,
}

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

/// The answer records for a query: 30 MX records (more than fit in 512 bytes of UDP), or
/// SRV records, one of them `.` when the name asks for it.
fn records(q: &hickory_resolver::proto::op::Query) -> Vec<Record> {
    let owner = q.name().clone();
    match q.query_type() {
        RecordType::MX => (0..30u16)
            .map(|i| {
                let mx = MX::new(
                    10 + i,
                    name(&format!("MX{i:02}.Long-Host-Name-For-Padding.New.Example.")),
                );
                Record::from_rdata(owner.clone(), 60, RData::MX(mx))
            })
            .collect(),
        RecordType::SRV if owner.to_ascii().starts_with("_none.") => {
            vec![Record::from_rdata(
                owner,
                60,
                RData::SRV(SRV::new(0, 0, 0, Name::root())),
            )]
        }
        RecordType::SRV => [
            (20, 0, 993, "b.example."),
            (10, 1, 993, "c.example."),
            (10, 5, 143, "A.example."),
        ]
        .into_iter()
        .map(|(p, w, port, t)| Record::from_rdata(owner.clone(), 60, RData::SRV(SRV::new(p, w, port, name(t)))))
        .collect(),
        _ => Vec::new(),
    }
}

fn answer(query: &[u8], mode: Mode, over_tcp: bool) -> Option<Vec<u8>> {
    let q = Message::from_vec(query).ok()?;
    let id = q.metadata.id;
    let code = match mode {
        Mode::Fail => ResponseCode::ServFail,
        Mode::NoSuchDomain => ResponseCode::NXDomain,
        _ => ResponseCode::NoError,
    };
    let mut m = Message::error_msg(id, OpCode::Query, code);
    m.metadata.recursion_desired = q.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.add_queries(q.queries.clone());
    if mode == Mode::TruncatedOverUdp && !over_tcp {
        m.metadata.truncation = true;
    } else if code == ResponseCode::NoError {
        for query in &q.queries {
            m.add_answers(records(query));
        }
    }
    m.to_vec().ok()
}

/// A DNS server on 127.0.0.1, UDP and TCP on the same port.
async fn server(mode: Mode) -> Fake {
    // Find a port free for both.
    let (udp, tcp) = loop {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = udp.local_addr().unwrap().port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)).await {
            break (udp, tcp);
        }
    };
    let addr = udp.local_addr().unwrap();
    let udp_queries = Arc::new(AtomicUsize::new(0));
    let tcp_queries = Arc::new(AtomicUsize::new(0));
    let counted = udp_queries.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, from)) = udp.recv_from(&mut buf).await {
            counted.fetch_add(1, Ordering::SeqCst);
            if let Some(a) = answer(&buf[..n], mode, false) {
                let _ = udp.send_to(&a, from).await;
            }
        }
    });
    let counted = tcp_queries.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = tcp.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                loop {
                    let Ok(len) = s.read_u16().await else { return };
                    let mut q = vec![0u8; len as usize];
                    if s.read_exact(&mut q).await.is_err() {
                        return;
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let Some(a) = answer(&q, mode, true) else { return };
                    let _ = s.write_u16(a.len() as u16).await;
                    let _ = s.write_all(&a).await;
                }
            });
        }
    });
    Fake {
        addr,
        udp_queries,
        tcp_queries,
    }
}

const SHORT: Duration = Duration::from_millis(700);

#[tokio::test]
async fn a_truncated_answer_is_asked_again_over_tcp() {
    let fake = server(Mode::TruncatedOverUdp).await;
    let resolver = Resolver::at(&[fake.addr], SHORT).unwrap();
    let mx = resolver.mx("acme.example").await.unwrap();
    assert_eq!(mx.len(), 30);
    assert_eq!(
        mx[0],
        Mx {
            preference: 10,
            exchange: "mx00.long-host-name-for-padding.new.example".into()
        }
    );
    assert!(mx.windows(2).all(|w| w[0] <= w[1]), "best first");
    assert!(fake.udp_queries.load(Ordering::SeqCst) >= 1);
    assert!(
        fake.tcp_queries.load(Ordering::SeqCst) >= 1,
        "TCP after the truncated answer"
    );
}

#[tokio::test]
async fn every_nameserver_is_asked() {
    // The first server never answers (a bound socket nobody reads); the second does.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let fake = server(Mode::Plain).await;
    let resolver = Resolver::at(&[silent.local_addr().unwrap(), fake.addr], SHORT).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(resolver.mx("acme.example.").await.unwrap().len(), 30);
    assert!(started.elapsed() < SHORT * 3, "{:?}", started.elapsed());
}

#[tokio::test]
async fn no_such_domain_means_no_records_and_failure_is_an_error() {
    let none = server(Mode::NoSuchDomain).await;
    let resolver = Resolver::at(&[none.addr], SHORT).unwrap();
    assert!(resolver.mx("gone.example").await.unwrap().is_empty());
    assert!(resolver.srv("_imaps._tcp.gone.example").await.unwrap().is_empty());

    let failing = server(Mode::Fail).await;
    let resolver = Resolver::at(&[failing.addr], SHORT).unwrap();
    let err = format!("{:#}", resolver.mx("acme.example").await.unwrap_err());
    assert!(err.contains(&failing.addr.to_string()), "{err}");
}

#[tokio::test]
async fn silence_ends_at_the_deadline() {
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let resolver = Resolver::at(&[silent.local_addr().unwrap()], Duration::from_millis(300)).unwrap();
    let started = std::time::Instant::now();
    let err = format!("{:#}", resolver.mx("acme.example").await.unwrap_err());
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(err.contains("DNS server"), "{err}");
}

#[tokio::test]
async fn srv_records_come_by_priority_then_weight() {
    let fake = server(Mode::Plain).await;
    let resolver = Resolver::at(&[fake.addr], SHORT).unwrap();
    let srv = resolver.srv("_imaps._tcp.acme.example").await.unwrap();
    let got: Vec<(u16, u16, u16, &str)> = srv
        .iter()
        .map(|s| (s.priority, s.weight, s.port, s.target.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (10, 5, 143, "a.example"),
            (10, 1, 993, "c.example"),
            (20, 0, 993, "b.example")
        ]
    );
    // "." as the only target: the service is not offered.
    assert!(resolver.srv("_none._tcp.acme.example").await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_names_and_settings_are_refused() {
    let fake = server(Mode::Plain).await;
    let resolver = Resolver::at(&[fake.addr], SHORT).unwrap();
    for bad in ["", ".", "a..b", &"x".repeat(64)] {
        assert!(resolver.mx(bad).await.is_err(), "{bad:?}");
    }
    assert!(Resolver::at(&[], SHORT).is_err());
    assert!(Resolver::from_config(Some("localhost"), SHORT).is_err());
    let from_config = Resolver::from_config(Some(&fake.addr.to_string()), SHORT).unwrap();
    assert_eq!(from_config.mx("acme.example").await.unwrap().len(), 30);
}
