//! Looking up a domain's MX records, to see when a customer's mail starts flowing to us.
//!
//! A small DNS client over UDP (RFC 1035): one question, the answer section read with name
//! compression, a timeout and a checked transaction id. The resolver address comes from the
//! config (tests point it at a DNS server on loopback) or, by default, from /etc/resolv.conf.
//! It only ever sends to that one resolver.

use anyhow::{anyhow, bail, Context, Result};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;

const TYPE_MX: u16 = 15;
const CLASS_IN: u16 = 1;

/// One MX record: preference and exchange host (lower-case, no trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail exchanger's host name.
    pub exchange: String,
}

/// The first `nameserver` of /etc/resolv.conf, port 53.
pub fn system_resolver() -> Result<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").context("reading /etc/resolv.conf")?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .next()
        .ok_or_else(|| anyhow!("/etc/resolv.conf names no nameserver"))
}

/// The MX records of `domain`, best first; an empty list when it has none.
pub async fn lookup_mx(resolver: SocketAddr, domain: &str, timeout: Duration) -> Result<Vec<Mx>> {
    let id: u16 = rand::random();
    let query = build_query(id, domain)?;
    let bind: SocketAddr = if resolver.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
        .parse()
        .context("bind address")?;
    let sock = UdpSocket::bind(bind).await.context("opening a UDP socket")?;
    sock.connect(resolver)
        .await
        .with_context(|| format!("DNS resolver {resolver}"))?;
    let mut buf = vec![0u8; 4096];
    for _attempt in 0..3 {
        sock.send(&query).await.context("sending the DNS query")?;
        match tokio::time::timeout(timeout, sock.recv(&mut buf)).await {
            Ok(Ok(n)) => {
                if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
                    let mut mx = parse_mx_answer(&buf[..n])?;
                    mx.sort();
                    return Ok(mx);
                }
            }
            Ok(Err(e)) => return Err(anyhow!("DNS resolver {resolver}: {e}")),
            Err(_) => continue,
        }
    }
    bail!("DNS resolver {resolver} did not answer for {domain}")
}

fn build_query(id: u16, domain: &str) -> Result<Vec<u8>> {
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&0x0100u16.to_be_bytes()); // recursion desired
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    for label in domain.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            bail!("{domain:?} is not a domain name");
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&TYPE_MX.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(q)
}

fn u16_at(msg: &[u8], at: usize) -> Result<u16> {
    msg.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| anyhow!("truncated DNS answer"))
}

/// Reads a (possibly compressed) name at `at`; returns it and the offset after it.
fn read_name(msg: &[u8], mut at: usize) -> Result<(String, usize)> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _hop in 0..64 {
        let len = *msg.get(at).ok_or_else(|| anyhow!("truncated DNS name"))? as usize;
        if len & 0xc0 == 0xc0 {
            let ptr = (u16_at(msg, at)? & 0x3fff) as usize;
            end.get_or_insert(at + 2);
            at = ptr;
            continue;
        }
        if len == 0 {
            return Ok((labels.join(".").to_ascii_lowercase(), end.unwrap_or(at + 1)));
        }
        let label = msg
            .get(at + 1..at + 1 + len)
            .ok_or_else(|| anyhow!("truncated DNS label"))?;
        labels.push(String::from_utf8_lossy(label).into_owned());
        at += 1 + len;
    }
    bail!("DNS name with too many compression hops")
}

fn parse_mx_answer(msg: &[u8]) -> Result<Vec<Mx>> {
    let flags = u16_at(msg, 2)?;
    if flags & 0x8000 == 0 {
        bail!("DNS reply is not a response");
    }
    match flags & 0x000f {
        0 => {}
        3 => return Ok(Vec::new()), // NXDOMAIN: no MX
        rcode => bail!("DNS server answered with error code {rcode}"),
    }
    let qd = u16_at(msg, 4)?;
    let an = u16_at(msg, 6)?;
    let mut at = 12;
    for _ in 0..qd {
        at = read_name(msg, at)?.1 + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        let after_name = read_name(msg, at)?.1;
        let rtype = u16_at(msg, after_name)?;
        let rdlen = u16_at(msg, after_name + 8)? as usize;
        let rdata = after_name + 10;
        if rtype == TYPE_MX {
            let preference = u16_at(msg, rdata)?;
            let (exchange, _) = read_name(msg, rdata + 2)?;
            out.push(Mx { preference, exchange });
        }
        at = rdata + rdlen;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_mx_answer_with_compression() {
        // Query for acme.example MX, answer: 10 mx1.new.example (exchange partly compressed).
        let mut m = build_query(0x1234, "acme.example").unwrap();
        m[2] = 0x81;
        m[3] = 0x80;
        m[7] = 1; // one answer
        m.extend_from_slice(&[0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60]);
        let rdata: Vec<u8> = [&[0u8, 10][..], &[3], b"mx1", &[3], b"new", &[0xc0, 17]].concat();
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(&rdata);
        let mx = parse_mx_answer(&m).unwrap();
        assert_eq!(
            mx,
            vec![Mx {
                preference: 10,
                exchange: "mx1.new.example".into()
            }]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for n in 0..40 {
            let junk: Vec<u8> = (0..n).map(|i| (i * 37 + 200) as u8).collect();
            let _ = parse_mx_answer(&junk);
        }
        assert!(build_query(1, "a..b").is_err());
    }
}
