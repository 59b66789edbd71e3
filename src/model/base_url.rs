//! A configured server's base URL (`http://` or `https://`): the one place such a URL is read,
//! for the config's checks and the HTTP client alike. Pure: it parses, it never connects.

use anyhow::{anyhow, bail, Context, Result};
use url::{Host, Url};

/// A parsed `http://` or `https://` base URL: the one place a configured server URL is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https`.
    pub tls: bool,
    /// Host name (lower case, IDNA) or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path prefix without a trailing `/` (empty for the root), percent-encoded.
    pub path: String,
    url: Url,
}

impl BaseUrl {
    /// Parses `scheme://host[:port][/path]`; user info, queries and fragments are refused.
    pub fn parse(text: &str) -> Result<BaseUrl> {
        let url = Url::parse(text.trim()).with_context(|| format!("{text:?} is not a URL"))?;
        let tls = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => bail!("{text:?} must start with https:// or http://"),
        };
        if !url.username().is_empty() || url.password().is_some() {
            bail!("{text:?}: put the login in `user` and the password in password_file, not in the URL");
        }
        if url.query().is_some() || url.fragment().is_some() {
            bail!("{text:?}: a query or fragment is not allowed in the base URL");
        }
        let host = match url.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Domain(d)) if !d.is_empty() => d.to_string(),
            _ => bail!("{text:?}: no host"),
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| anyhow!("{text:?}: no port"))?;
        Ok(BaseUrl {
            tls,
            host,
            port,
            path: url.path().trim_end_matches('/').to_string(),
            url,
        })
    }

    /// The URL of `path` (absolute, percent-encoded) on this server; the base's own path is not
    /// prefixed (callers build paths from [`BaseUrl::path`]).
    pub fn at(&self, path: &str) -> Url {
        let mut url = self.url.clone();
        url.set_path(path);
        url
    }

    /// The URL as given (normalised).
    pub fn url(&self) -> &Url {
        &self.url
    }
}
