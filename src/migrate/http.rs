//! A small HTTP/1.1 client for the DAV import, on what the crate already has (tokio, rustls):
//! one request at a time over a connection kept alive when the server allows it, plain or TLS,
//! a deadline on every request, answers read with a size cap.
//!
//! It is not a general client: no redirects, no proxies, no compression, no `Expect`. It must
//! never log or show the `Authorization` header (the caller passes it as a [`Secret`]).

use crate::secret::Secret;
use anyhow::{anyhow, bail, Context, Result};
use rustls::ClientConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Longest status or header line.
const MAX_LINE: usize = 16 * 1024;
/// Most header lines in one answer.
const MAX_HEADERS: usize = 200;

/// A parsed `http://` or `https://` base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https`.
    pub tls: bool,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path prefix without a trailing `/` (empty for the root).
    pub path: String,
}

impl BaseUrl {
    /// Parses `scheme://host[:port][/path]`; user info, queries and fragments are refused.
    pub fn parse(url: &str) -> Result<BaseUrl> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            bail!("{url:?} must start with https:// or http://");
        };
        if rest.contains(['?', '#']) {
            bail!("{url:?}: a query or fragment is not allowed in the base URL");
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            bail!("{url:?}: put the login in `user` and the password in password_file, not in the URL");
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| anyhow!("{url:?}: unclosed [ in the host"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().with_context(|| format!("{url:?}: bad port"))?,
                None if after.is_empty() => default_port,
                None => bail!("{url:?}: bad host"),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().with_context(|| format!("{url:?}: bad port"))?),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty() {
            bail!("{url:?}: no host");
        }
        Ok(BaseUrl {
            tls,
            host,
            port,
            path: path.trim_end_matches('/').to_string(),
        })
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.tls { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters and `@`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes percent-encoding (`%40` → `@`); invalid escapes stay as they are.
pub fn decode_percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The reason phrase, as the server wrote it.
    pub reason: String,
    /// The body (at most the cap given to the client).
    pub body: Vec<u8>,
}

impl Response {
    /// `"400 Bad Request: <the first line of the body>"`, short and printable.
    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('<'))
            .unwrap_or("");
        let first: String = first.chars().filter(|c| !c.is_control()).take(200).collect();
        let head = format!("{} {}", self.status, self.reason.trim());
        if first.is_empty() || head.ends_with(first.as_str()) {
            head
        } else {
            format!("{head}: {first}")
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Io for T {}

/// One server, one connection at a time.
pub struct Client {
    base: BaseUrl,
    addrs: Vec<SocketAddr>,
    tls: Arc<ClientConfig>,
    authorization: Secret,
    timeout: Duration,
    max_body: usize,
    conn: Option<BufReader<Box<dyn Io>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `base`, reached at `addrs`, with HTTP Basic credentials.
    pub fn new(
        base: BaseUrl,
        addrs: Vec<SocketAddr>,
        tls: Arc<ClientConfig>,
        user: &str,
        password: &Secret,
        timeout: Duration,
        max_body: usize,
    ) -> Client {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
        Client {
            base,
            addrs,
            tls,
            authorization: Secret::new(format!("Basic {token}")),
            timeout,
            max_body,
            conn: None,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Sends one request and reads its answer within the client's timeout. A kept-alive
    /// connection that turns out to be closed is replaced once.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response> {
        let reused = self.conn.is_some();
        match self.attempt(method, path, headers, body).await {
            Ok(r) => Ok(r),
            Err(e) if reused && !is_timeout(&e) => {
                tracing::debug!(error = %e, "kept-alive connection failed; retrying on a new one");
                self.attempt(method, path, headers, body).await
            }
            Err(e) => Err(e),
        }
    }

    async fn attempt(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Response> {
        let timeout = self.timeout;
        let result = tokio::time::timeout(timeout, self.exchange(method, path, headers, body)).await;
        match result {
            Ok(Ok((resp, keep))) => {
                if !keep {
                    self.conn = None;
                }
                Ok(resp)
            }
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                Err(anyhow!(Timeout(format!(
                    "{method} {path}: no complete answer within {} s",
                    timeout.as_secs()
                ))))
            }
        }
    }

    async fn connect(&self) -> Result<BufReader<Box<dyn Io>>> {
        let tcp = crate::net::connect_any(&self.addrs).await?;
        let io: Box<dyn Io> = if self.base.tls {
            let name = crate::net::server_name(&self.base.host)?;
            let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
                .connect(name, tcp)
                .await
                .with_context(|| format!("TLS with {}", self.base.host))?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        Ok(BufReader::new(io))
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(Response, bool)> {
        if self.conn.is_none() {
            self.conn = Some(self.connect().await?);
        }
        let host = self.base.host_header();
        let max_body = self.max_body;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mailferry/{}\r\nContent-Length: {}\r\n",
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        for (k, v) in headers {
            if k.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
                bail!("header {k:?} is not valid");
            }
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let auth = format!("Authorization: {}\r\n\r\n", self.authorization.expose());
        let conn = self.conn.as_mut().ok_or_else(|| anyhow!("no connection"))?;
        let mut request = Vec::with_capacity(head.len() + auth.len() + body.len());
        request.extend_from_slice(head.as_bytes());
        request.extend_from_slice(auth.as_bytes());
        request.extend_from_slice(body);
        conn.get_mut()
            .write_all(&request)
            .await
            .context("sending the request")?;
        conn.get_mut().flush().await.context("sending the request")?;
        request.fill(0);
        read_response(conn, method == "HEAD", max_body).await
    }
}

/// A request that ran out of time.
#[derive(Debug)]
pub struct Timeout(pub String);

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Timeout {}

/// True when the error is a [`Timeout`].
pub fn is_timeout(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Timeout>().is_some()
}

async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Result<String> {
    let mut buf = Vec::new();
    let n = (&mut *r).take(MAX_LINE as u64).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        bail!("the server closed the connection");
    }
    if !buf.ends_with(b"\n") {
        bail!("an answer line is longer than {MAX_LINE} bytes");
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn read_response<R: AsyncBufReadExt + Unpin>(
    r: &mut R,
    head_only: bool,
    max_body: usize,
) -> Result<(Response, bool)> {
    loop {
        let status_line = read_line(r).await?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.") {
            bail!(
                "not an HTTP answer: {:?}",
                status_line.chars().take(80).collect::<String>()
            );
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line {status_line:?}"))?;
        let reason = parts.next().unwrap_or("").to_string();
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut keep = version == "HTTP/1.1";
        for i in 0.. {
            if i > MAX_HEADERS {
                bail!("more than {MAX_HEADERS} header lines");
            }
            let line = read_line(r).await?;
            if line.is_empty() {
                break;
            }
            let Some((k, v)) = line.split_once(':') else { continue };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = Some(v.parse().with_context(|| format!("bad Content-Length {v:?}"))?),
                "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
                "connection" => {
                    let v = v.to_ascii_lowercase();
                    if v.contains("close") {
                        keep = false;
                    } else if v.contains("keep-alive") {
                        keep = true;
                    }
                }
                _ => {}
            }
        }
        if (100..200).contains(&status) {
            continue; // 100 Continue and friends: the real answer follows
        }
        let mut body = Vec::new();
        if head_only || status == 204 || status == 304 {
            // no body
        } else if chunked {
            loop {
                let size_line = read_line(r).await?;
                let size_hex = size_line.split(';').next().unwrap_or("").trim();
                let size =
                    usize::from_str_radix(size_hex, 16).with_context(|| format!("bad chunk size {size_hex:?}"))?;
                if size == 0 {
                    // trailers, then an empty line
                    while !read_line(r).await?.is_empty() {}
                    break;
                }
                if body.len() + size > max_body {
                    bail!("the answer is larger than {max_body} bytes");
                }
                let start = body.len();
                body.resize(start + size, 0);
                r.read_exact(&mut body[start..]).await?;
                read_line(r).await?;
            }
        } else if let Some(n) = length {
            if n > max_body {
                bail!("the answer is larger than {max_body} bytes ({n})");
            }
            body.resize(n, 0);
            r.read_exact(&mut body).await?;
        } else {
            (&mut *r).take(max_body as u64 + 1).read_to_end(&mut body).await?;
            if body.len() > max_body {
                bail!("the answer is larger than {max_body} bytes");
            }
            keep = false;
        }
        return Ok((Response { status, reason, body }, keep));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_parse() {
        let u = BaseUrl::parse("http://127.0.0.1:5232").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.path.as_str()),
            (false, "127.0.0.1", 5232, "")
        );
        let u = BaseUrl::parse("https://dav.new.example/remote.php/dav/").unwrap();
        assert_eq!((u.tls, u.port, u.path.as_str()), (true, 443, "/remote.php/dav"));
        assert_eq!(u.host_header(), "dav.new.example");
        let u = BaseUrl::parse("https://[::1]:8443").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8443));
        assert_eq!(u.host_header(), "[::1]:8443");
        for bad in [
            "ftp://x",
            "https://",
            "https://a:b@x",
            "https://x:notaport",
            "https://x/?q=1",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("anna@new.example"), "anna@new.example");
        assert_eq!(encode_segment("a b/c%"), "a%20b%2Fc%25");
        assert_eq!(encode_segment("Jürgen"), "J%C3%BCrgen");
        assert_eq!(decode_percent("J%C3%BCrgen%40x%zz"), "Jürgen@x%zz");
    }

    async fn parse(raw: &[u8], max: usize) -> Result<(Response, bool)> {
        let mut r = BufReader::new(raw);
        read_response(&mut r, false, max).await
    }

    #[tokio::test]
    async fn answers_are_read_in_all_three_framings() {
        let (r, keep) = parse(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokEXTRA", 100)
            .await
            .unwrap();
        assert_eq!((r.status, r.body.as_slice(), keep), (201, &b"ok"[..], true));
        let (r, keep) = parse(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            100,
        )
        .await
        .unwrap();
        assert_eq!((r.status, r.body.as_slice(), keep), (200, &b"abcde"[..], true));
        let (r, keep) = parse(
            b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nBad Request",
            100,
        )
        .await
        .unwrap();
        assert_eq!((r.status, keep), (400, false));
        assert_eq!(r.describe(), "400 Bad Request");
        let (_, keep) = parse(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 100)
            .await
            .unwrap();
        assert!(!keep);
    }

    #[tokio::test]
    async fn oversized_answers_are_refused() {
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 100)
            .await
            .is_err());
        assert!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n", 100)
                .await
                .is_err()
        );
        let long = [b"HTTP/1.0 200 OK\r\n\r\n".as_slice(), &[b'x'; 200]].concat();
        assert!(parse(&long, 100).await.is_err());
        let long_line = [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &vec![b'x'; MAX_LINE + 10]].concat();
        assert!(parse(&long_line, 100).await.is_err());
    }

    #[test]
    fn describe_takes_the_servers_first_words() {
        let r = Response {
            status: 403,
            reason: "Forbidden".into(),
            body: b"\n<?xml version=\"1.0\"?>\nAccess to the collection\x07 denied\nmore".to_vec(),
        };
        assert_eq!(r.describe(), "403 Forbidden: Access to the collection denied");
    }
}
