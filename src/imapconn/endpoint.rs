//! Where each IMAP server mailferry talks to is, and who logs in there: the one place that turns
//! the config (and a job's source) into an [`Endpoint`] and [`Credentials`].
//!
//! Our own servers are trusted names (resolved at connect time); a customer's old server is
//! reached only at addresses checked by [`net::resolve_checked`]. Never logs a password: the
//! secrets are read here and handed on inside [`Credentials`].

use super::{Credentials, Endpoint};
use crate::config::Config;
use crate::model::Security;
use crate::net;
use crate::secret::Secret;
use anyhow::Result;

/// Our IMAP server (customers' new mailboxes), reached by name.
pub fn our_server(cfg: &Config) -> Result<Endpoint> {
    let d = &cfg.destination;
    Ok(Endpoint {
        host: d.imap.host.clone(),
        port: d.imap.port(),
        security: d.imap.security,
        addrs: Vec::new(),
        tls: net::tls_config(cfg.tls.extra_ca_file.as_deref(), false)?,
        max_bytes_per_second: None,
    })
}

/// Our server and our admin's login acting for `mailbox`.
pub fn destination(cfg: &Config, mailbox: &str) -> Result<(Endpoint, Credentials)> {
    let d = &cfg.destination;
    let creds = Credentials::Admin {
        user: mailbox.to_string(),
        admin: d.admin_user.clone(),
        password: d.password.resolve("destination")?,
        style: d.login,
        separator: d.master_separator.clone(),
    };
    Ok((our_server(cfg)?, creds))
}

/// The support mailbox and its own login.
pub fn support_inbox(cfg: &Config) -> Result<(Endpoint, Credentials)> {
    let s = &cfg.support;
    let ep = Endpoint {
        host: s.imap.host.clone(),
        port: s.imap.port(),
        security: s.imap.security,
        addrs: Vec::new(),
        tls: net::tls_config(cfg.tls.extra_ca_file.as_deref(), false)?,
        max_bytes_per_second: None,
    };
    let creds = Credentials::User {
        user: s.user.clone(),
        password: s.password.resolve("support")?,
    };
    Ok((ep, creds))
}

/// A customer's old server at its checked addresses (public ones unless `[source]` allows
/// private ones), under `[source]`'s TLS and rate settings, with the customer's login.
pub async fn source(
    cfg: &Config,
    host: &str,
    port: u16,
    security: Security,
    user: &str,
    password: Secret,
) -> Result<(Endpoint, Credentials)> {
    let addrs = net::resolve_checked(host, port, cfg.source.allow_private_addresses).await?;
    let ep = Endpoint {
        host: host.to_string(),
        port,
        security,
        addrs,
        tls: net::tls_config(cfg.tls.extra_ca_file.as_deref(), cfg.source.accept_invalid_certs)?,
        max_bytes_per_second: cfg.source.per_connection_rate(),
    };
    let creds = Credentials::User {
        user: user.to_string(),
        password,
    };
    Ok((ep, creds))
}
