//! A deliberately small HTTP/1.1 server for the admin endpoint: one request per connection
//! (`Connection: close`), GET and HEAD only, a request head of at most [`MAX_HEAD`] bytes read
//! within [`READ_TIMEOUT`], at most [`MAX_CONNECTIONS`] connections at once, and a Host header
//! that must be an IP address, `localhost` or a configured name (DNS rebinding).
//!
//! Why our own code rather than a crate (hyper's server, axum): the endpoint serves a handful
//! of read-only pages to a scraper and to staff on loopback; these few lines bound everything
//! a client can make us do (head size, time, connections) where a framework's defaults would
//! have to be found and tightened one by one, and they keep a router, middleware and their
//! dependencies out of a daemon that holds customers' passwords. Outgoing HTTP is reqwest
//! ([`crate::http`]); this serves only.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

/// Longest request head (request line and headers) accepted.
pub const MAX_HEAD: usize = 8 * 1024;
/// Time a client has to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time the answer may take to build and write.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; more are answered 503 at once.
pub const MAX_CONNECTIONS: usize = 32;

/// A request the handler sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// True for HEAD (the body is left out of the answer).
    pub head: bool,
    /// The path without the query string, e.g. `/tickets/MIG-000001`.
    pub path: String,
    /// The query string's parameters, decoded (`?q=anna%40example.com` gives `q`,
    /// `anna@example.com`).
    pub query: Vec<(String, String)>,
}

impl Request {
    /// The first value of the query parameter `name`, if given and not blank.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Decodes one `application/x-www-form-urlencoded` part: `+` is a space, `%XX` a byte; a
/// malformed escape stays as written and invalid UTF-8 is replaced.
fn decode(part: &str) -> String {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parameters of a query string.
fn query_of(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The handler's answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The Content-Type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text answer.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Serves on `listener` until `shutdown` turns true.
pub async fn serve<H, F>(listener: TcpListener, hostnames: Vec<String>, mut shutdown: watch::Receiver<bool>, handler: H)
where
    H: Fn(Request) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response> + Send,
{
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let hostnames = Arc::new(hostnames);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut stream, _)) = accepted else {
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    let busy = Response::text(503, "busy\n");
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(2), write_response(&mut stream, &busy, false)).await;
                    });
                    continue;
                };
                let (handler, hostnames) = (handler.clone(), hostnames.clone());
                tokio::spawn(async move {
                    let _slot = slot;
                    connection(stream, &hostnames, handler).await;
                });
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

async fn connection<H, F>(mut stream: TcpStream, hostnames: &[String], handler: H)
where
    H: Fn(Request) -> F,
    F: Future<Output = Response>,
{
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(h)) => h,
        Ok(Err(status)) => {
            let r = Response::text(status, format!("{}\n", reason(status)));
            let _ = tokio::time::timeout(WRITE_TIMEOUT, write_response(&mut stream, &r, false)).await;
            return;
        }
        Err(_) => {
            let r = Response::text(408, "request timeout\n");
            let _ = tokio::time::timeout(WRITE_TIMEOUT, write_response(&mut stream, &r, false)).await;
            return;
        }
    };
    let (request, response) = match parse(&head, hostnames) {
        Ok(req) => {
            let answer = tokio::time::timeout(WRITE_TIMEOUT, handler(req.clone())).await;
            let response = answer.unwrap_or_else(|_| Response::text(503, "timed out\n"));
            (Some(req), response)
        }
        Err(r) => (None, r),
    };
    let head_only = request.is_some_and(|r| r.head);
    let _ = tokio::time::timeout(WRITE_TIMEOUT, write_response(&mut stream, &response, head_only)).await;
}

/// Reads up to the blank line that ends the head; an error is the status to answer.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, u16> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end);
            return Ok(buf);
        }
        if buf.len() > MAX_HEAD {
            return Err(431);
        }
    }
}

/// Checks the request line and the Host header.
pub fn parse(head: &[u8], hostnames: &[String]) -> Result<Request, Response> {
    let bad = |s: &str| Response::text(400, format!("bad request: {s}\n"));
    let text = std::str::from_utf8(head).map_err(|_| bad("not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("request line"));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Response::text(505, "HTTP/1.1 only\n"));
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(Response::text(405, "only GET and HEAD\n")),
    };
    if !target.starts_with('/') {
        return Err(bad("target must be a path"));
    }
    let mut host = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("header line"));
        };
        if name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Err(bad("two Host headers"));
            }
            host = Some(value.trim().to_string());
        }
    }
    match host {
        Some(h) if host_allowed(&h, hostnames) => {}
        None if version == "HTTP/1.0" => {}
        _ => return Err(Response::text(403, "this Host is not allowed here\n")),
    }
    let target = target.split('#').next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(Request {
        head: head_only,
        path: path.to_string(),
        query: query_of(query),
    })
}

/// An IP literal, `localhost` or a configured name (with any port).
fn host_allowed(host: &str, hostnames: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:9187
        match rest.split_once(']') {
            Some((ip, _)) => return ip.parse::<std::net::Ipv6Addr>().is_ok(),
            None => return false,
        }
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(n, _)| n)
    };
    name.parse::<IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || hostnames.iter().any(|h| h.eq_ignore_ascii_case(name))
}

async fn write_response(stream: &mut TcpStream, r: &Response, head_only: bool) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
         X-Frame-Options: DENY\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; \
         frame-ancestors 'none'\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    if r.status == 405 {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes()).await?;
    if !head_only {
        stream.write_all(&r.body).await?;
    }
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Result<Request, u16> {
        parse(s.as_bytes(), &["mf.internal".to_string()]).map_err(|r| r.status)
    }

    #[test]
    fn only_get_and_head_on_a_path_with_an_allowed_host() {
        assert_eq!(
            req("GET /tickets/MIG-000001?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9187"),
            Ok(Request {
                head: false,
                path: "/tickets/MIG-000001".into(),
                query: vec![("x".into(), "1".into())],
            })
        );
        let r = req("GET /?q=anna%40example.com+x&state=&bad=%zz%4 HTTP/1.1\r\nHost: localhost").unwrap();
        assert_eq!(r.param("q"), Some("anna@example.com x"));
        assert_eq!(r.param("state"), None, "blank means not given");
        assert_eq!(r.param("bad"), Some("%zz%4"));
        assert!(req("HEAD / HTTP/1.1\r\nHost: [::1]:9187").unwrap().head);
        assert!(req("GET / HTTP/1.1\r\nHost: localhost:9187").is_ok());
        assert!(req("GET / HTTP/1.1\r\nhost: MF.internal").is_ok());
        assert_eq!(req("POST / HTTP/1.1\r\nHost: 127.0.0.1"), Err(405));
        assert_eq!(req("GET / HTTP/1.1\r\nHost: evil.example:9187"), Err(403));
        assert_eq!(req("GET / HTTP/1.1"), Err(403), "HTTP/1.1 needs a Host");
        assert_eq!(req("GET http://x/ HTTP/1.1\r\nHost: 127.0.0.1"), Err(400));
        assert_eq!(req("GET / HTTP/2\r\nHost: 127.0.0.1"), Err(505));
        assert_eq!(req("GET  / HTTP/1.1\r\nHost: 127.0.0.1"), Err(400));
        assert_eq!(req("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1"), Err(400));
    }

    #[tokio::test]
    async fn oversized_or_slow_requests_get_an_error_not_a_hang() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_tx, rx) = watch::channel(false);
        tokio::spawn(serve(listener, Vec::new(), rx, |r: Request| async move {
            Response::text(200, format!("path {}\n", r.path))
        }));
        let ask = |bytes: Vec<u8>| async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(&bytes).await.unwrap();
            let mut out = String::new();
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out)).await;
            out
        };
        let ok = ask(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec()).await;
        assert!(
            ok.starts_with("HTTP/1.1 200 OK\r\n") && ok.ends_with("path /x\n"),
            "{ok}"
        );
        let head = ask(b"HEAD /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec()).await;
        assert!(
            head.contains("Content-Length: 8\r\n") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
        let mut big = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD + 100));
        let refused = ask(big).await;
        assert!(refused.starts_with("HTTP/1.1 431 "), "{refused}");
    }
}
