//! The project's one HTTP client (the DAV import today; OAuth and autoconfig next), on reqwest.
//!
//! HTTP/1.1 over our own TLS settings ([`crate::net::tls_config`]: rustls with ring, the Web PKI
//! roots plus the operator's `[tls] extra_ca_file`), no proxy (not even one named in the
//! environment), no compression, no cookies, and no automatic redirects: [`Client::send`]
//! follows them by hand, at most [`Settings::max_redirects`] times, and each target passes our
//! own address checks ([`crate::net::check_addresses`]) before a byte goes to it. Names are
//! looked up by [`CheckedResolver`], and reqwest connects to exactly the addresses it returned
//! (no second lookup a rebinding name could answer differently); IP literals, which reqwest
//! never looks up, are checked before the request. A redirect to another origin drops the
//! credentials, and one from `https` to `http` is refused. Every exchange (redirects included)
//! has one deadline, and every answer is read with a size cap, checked against the announced
//! length first and against the bytes as they arrive.
//!
//! It must never log or show a credential (the `Authorization` header comes from a [`Secret`]
//! and is marked sensitive), never connect through a proxy, never follow a redirect it did not
//! check, and never panic on what a server sends.

use crate::secret::Secret;
use anyhow::{anyhow, bail, Context, Result};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use rustls::ClientConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Redirects followed by default before giving up.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;

pub use crate::model::BaseUrl;

/// What [`encode_segment`] leaves as it is: RFC 3986 unreserved characters and `@`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters and `@`).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Undoes percent-encoding (`%40` → `@`, UTF-8); invalid escapes stay as they are, and bytes
/// that are not UTF-8 become U+FFFD.
pub fn decode_percent(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// How a [`Client`] behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// TLS trust for `https://` ([`crate::net::tls_config`]).
    pub tls: Arc<ClientConfig>,
    /// Allow addresses inside private or reserved networks (our own servers, the test bed).
    pub allow_private: bool,
    /// Longest time one exchange (redirects included, the whole body read) may take.
    pub timeout: Duration,
    /// Largest answer body read, in bytes.
    pub max_body: usize,
    /// Redirects followed by hand before giving up; 0 hands every 3xx answer to the caller.
    pub max_redirects: usize,
}

impl Settings {
    /// Public addresses only, 30 s, 1 MiB, [`DEFAULT_MAX_REDIRECTS`].
    pub fn new(tls: Arc<ClientConfig>) -> Settings {
        Settings {
            tls,
            allow_private: false,
            timeout: Duration::from_secs(30),
            max_body: 1 << 20,
            max_redirects: DEFAULT_MAX_REDIRECTS,
        }
    }
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `PUT`, `PROPFIND`, …
    pub method: &'a str,
    /// Where to.
    pub url: Url,
    /// Extra headers (no `Host`, `Content-Length` or `Authorization`: the client sets those).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body (empty for none).
    pub body: &'a [u8],
    /// The `Authorization` header's value, sent to the first URL's origin only.
    pub authorization: Option<&'a Secret>,
}

impl<'a> Request<'a> {
    /// A GET of `url` without credentials.
    pub fn get(url: Url) -> Request<'a> {
        Request {
            method: "GET",
            url,
            headers: &[],
            body: &[],
            authorization: None,
        }
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The standard reason phrase for the status.
    pub reason: String,
    /// The URL that answered (after redirects).
    pub url: Url,
    /// Header names (lower case) and values (printable ones; others are left out).
    pub headers: Vec<(String, String)>,
    /// The body (at most [`Settings::max_body`] bytes).
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
        if first.is_empty() || head.trim_end().ends_with(first.as_str()) {
            head.trim_end().to_string()
        } else {
            format!("{}: {first}", head.trim_end())
        }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

/// Looks names up for reqwest through [`crate::net::resolve_checked`]: a name with any address
/// inside a private or reserved network is refused (unless allowed), and reqwest connects to
/// exactly the addresses returned here.
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    /// Allow private and reserved addresses.
    pub allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private;
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port in.
            let addrs = crate::net::resolve_checked(&host, 0, allow_private).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client: cheap to clone, connections kept alive per origin.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
    max_body: usize,
    max_redirects: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client that looks every name up itself (checked).
    pub fn new(settings: &Settings) -> Result<Client> {
        Client::build(settings, None)
    }

    /// A client whose connections to `host` go to `addrs`, which the caller has checked
    /// ([`crate::net::resolve_checked`]); other names (redirect targets) are looked up and
    /// checked as usual.
    pub fn pinned(settings: &Settings, host: &str, addrs: &[SocketAddr]) -> Result<Client> {
        crate::net::check_addresses(host, addrs, settings.allow_private)?;
        Client::build(settings, Some((host, addrs)))
    }

    fn build(settings: &Settings, pin: Option<(&str, &[SocketAddr])>) -> Result<Client> {
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls((*settings.tls).clone())
            .http1_only()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .user_agent(concat!("mailferry/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(crate::net::CONNECT_TIMEOUT.min(settings.timeout))
            .pool_max_idle_per_host(2)
            .dns_resolver(Arc::new(CheckedResolver {
                allow_private: settings.allow_private,
            }));
        if let Some((host, addrs)) = pin {
            builder = builder.resolve_to_addrs(host, addrs);
        }
        let inner = builder.build().context("setting up the HTTP client")?;
        Ok(Client {
            inner,
            allow_private: settings.allow_private,
            timeout: settings.timeout,
            max_body: settings.max_body,
            max_redirects: settings.max_redirects,
        })
    }

    /// Sends `req` and reads its answer within the client's timeout, following redirects by
    /// hand (each target checked). A 3xx answer comes back as it is when the client follows
    /// none, or when it has no usable `Location`.
    pub async fn send(&self, req: Request<'_>) -> Result<Response> {
        let what = format!("{} {}", req.method, req.url);
        match tokio::time::timeout(self.timeout, self.follow(req)).await {
            Ok(result) => result,
            Err(_) => Err(anyhow!(Timeout(format!(
                "{what}: no complete answer within {} s",
                self.timeout.as_secs()
            )))),
        }
    }

    async fn follow(&self, req: Request<'_>) -> Result<Response> {
        let mut method =
            Method::from_bytes(req.method.as_bytes()).map_err(|_| anyhow!("{:?} is not an HTTP method", req.method))?;
        let mut url = req.url;
        let mut body = req.body;
        let mut authorization = req.authorization;
        let mut hops = 0;
        loop {
            let resp = self.exchange(&method, &url, req.headers, body, authorization).await?;
            let location = match resp.status {
                301 | 302 | 303 | 307 | 308 if self.max_redirects > 0 => resp.header("location"),
                _ => None,
            };
            let Some(location) = location else { return Ok(resp) };
            hops += 1;
            if hops > self.max_redirects {
                bail!("{url}: more than {} redirects", self.max_redirects);
            }
            let next = url
                .join(location)
                .with_context(|| format!("{url} redirects to {location:?}, which is not a URL"))?;
            match (url.scheme(), next.scheme()) {
                ("https", "https") | ("http", "http") | ("http", "https") => {}
                ("https", "http") => bail!("{url} redirects to {next}, from https to plain http"),
                _ => bail!("{url} redirects to {next}, which is not an http(s) URL"),
            }
            if next.origin() != url.origin() {
                authorization = None;
            }
            // As browsers do (Fetch): 303 turns everything but HEAD into a GET without a body,
            // 301 and 302 turn a POST into one; 307 and 308 repeat the request as it was.
            let to_get = (resp.status == 303 && method != Method::HEAD)
                || (matches!(resp.status, 301 | 302) && method == Method::POST);
            if to_get {
                method = Method::GET;
                body = &[];
            }
            tracing::debug!(from = %url, to = %next, status = resp.status, "following a redirect");
            url = next;
        }
    }

    /// One request to one URL, its target's address checked first.
    async fn exchange(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
        authorization: Option<&Secret>,
    ) -> Result<Response> {
        self.check_target(url)?;
        let mut rb = self.inner.request(method.clone(), url.clone());
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| anyhow!("header {k:?} is not valid"))?;
            let value = HeaderValue::from_str(v).map_err(|_| anyhow!("the value of header {k:?} is not valid"))?;
            rb = rb.header(name, value);
        }
        if let Some(secret) = authorization {
            let mut value = HeaderValue::from_str(secret.expose())
                .map_err(|_| anyhow!("the credentials cannot be sent in an HTTP header"))?;
            value.set_sensitive(true);
            rb = rb.header(reqwest::header::AUTHORIZATION, value);
        }
        if !body.is_empty() || !matches!(*method, Method::GET | Method::HEAD) {
            rb = rb.body(body.to_vec());
        }
        let mut resp = rb.send().await.map_err(|e| anyhow!("{method} {url}: {}", chain(&e)))?;
        let status = resp.status();
        let final_url = resp.url().clone();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let max = self.max_body;
        if let Some(len) = resp.content_length() {
            if len > max as u64 {
                bail!("{method} {url}: the answer is larger than {max} bytes ({len})");
            }
        }
        let mut data = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| anyhow!("{method} {url}: reading the answer: {}", chain(&e)))?
        {
            if chunk.len() > max.saturating_sub(data.len()) {
                bail!("{method} {url}: the answer is larger than {max} bytes");
            }
            data.extend_from_slice(&chunk);
        }
        Ok(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            url: final_url,
            headers,
            body: data,
        })
    }

    /// Refuses a URL that is not http(s), or whose host is an IP literal in a private or
    /// reserved network (names are checked when they are looked up).
    fn check_target(&self, url: &Url) -> Result<()> {
        if !matches!(url.scheme(), "http" | "https") {
            bail!("{url} is not an http(s) URL");
        }
        if !url.username().is_empty() || url.password().is_some() {
            bail!("{url}: credentials in a URL are not sent");
        }
        let port = url.port_or_known_default().unwrap_or(0);
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => bail!("{url} has no host"),
        };
        crate::net::check_addresses(&ip.to_string(), &[SocketAddr::new(ip, port)], self.allow_private)
    }
}

/// An error and its causes in one line, each said once (reqwest's own words come first:
/// "error sending request for url (…)", then what actually went wrong).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    // The first part repeats the URL the caller names already.
    if parts.len() > 1 && parts[0].starts_with("error sending request") {
        parts.remove(0);
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests;
