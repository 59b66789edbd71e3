//! Validation of requested mailboxes, online part: the checks that need the network.
//!
//! [`probe_mailbox`] asks, for one mailbox that passed the offline checks: does the destination
//! exist on our side (our admin can log in for it), does the old server's name resolve to public
//! addresses only, does it answer IMAP over TLS or STARTTLS with a valid certificate, does it
//! accept the customer's login, and what is there to move (folders, messages, bytes)?
//!
//! Every step has its own timeout, and every failure becomes one [`FieldError`] that a customer
//! can act on: a sentence, never a Debug dump. The password is handed to the old server and to
//! nothing else: it is never logged, never put in a problem line (even when a server would echo
//! it back), never in the report.
//!
//! We connect only to the addresses that were checked, exactly as a migration job does, and we
//! never send the password over an unencrypted connection except to loopback on a test bed.

use crate::config::Config;
use crate::imapconn::wire::{self, LineReader, WireError};
use crate::imapconn::{
    self, Credentials, Endpoint, Greeted, ImapStream, LoginBroken, LoginRefused, OpenError, Redactor, Steps,
};
use crate::intake::{FieldError, MailboxRequest};
use crate::model::Security;
use crate::net;
use futures::TryStreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;
use tracing::Instrument;

/// How the old server was reached; a migration job should use the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSource {
    /// The host name as the customer gave it.
    pub host: String,
    /// The port that answered.
    pub port: u16,
    /// TLS or STARTTLS (plain only on a loopback test bed).
    pub security: Security,
    /// The checked addresses, with `port`.
    pub addrs: Vec<SocketAddr>,
}

/// What the probe found for one mailbox.
#[derive(Debug, Clone, Default)]
pub struct ProbeReport {
    /// Problems for the reply, in the order found (destination first, then the old server).
    pub problems: Vec<FieldError>,
    /// Where the old server answered IMAP securely, when it did.
    pub source: Option<EffectiveSource>,
    /// Selectable folders found.
    pub folders: usize,
    /// Messages in them.
    pub messages: u64,
    /// Their total size, when the server has `STATUS=SIZE`.
    pub bytes: Option<u64>,
}

/// Timeouts and the ports tried when the customer gave neither port nor security.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Resolving the old server's name.
    pub resolve: Duration,
    /// One TCP connect.
    pub connect: Duration,
    /// The TLS handshake (and STARTTLS).
    pub tls: Duration,
    /// The server's greeting.
    pub greeting: Duration,
    /// A login (ours on our server: connect and login together).
    pub login: Duration,
    /// CAPABILITY and LIST.
    pub list: Duration,
    /// All STATUS commands together.
    pub status: Duration,
    /// Tried in order when neither port nor security is given.
    pub default_candidates: Vec<(u16, Security)>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            resolve: Duration::from_secs(10),
            connect: Duration::from_secs(10),
            tls: Duration::from_secs(15),
            greeting: Duration::from_secs(15),
            login: Duration::from_secs(30),
            list: Duration::from_secs(30),
            status: Duration::from_secs(120),
            default_candidates: vec![(993, Security::Tls), (143, Security::Starttls)],
        }
    }
}

/// Probes one mailbox with the default timeouts.
pub async fn probe_mailbox(cfg: &Config, m: &MailboxRequest) -> ProbeReport {
    probe_mailbox_with(cfg, m, &ProbeOptions::default()).await
}

/// Probes one mailbox: our side and the old server at once.
pub async fn probe_mailbox_with(cfg: &Config, m: &MailboxRequest, opts: &ProbeOptions) -> ProbeReport {
    let span = tracing::info_span!("probe", mailbox = %m.email);
    async {
        let (dest, mut report) = tokio::join!(probe_destination(cfg, m, opts), probe_source(cfg, m, opts));
        report.problems.splice(0..0, dest);
        report
    }
    .instrument(span)
    .await
}

/// A problem with a code and named values, so the customer reads it in their language.
fn coded(m: &MailboxRequest, field: &str, code: &str, values: &[(&str, &str)], message: String) -> FieldError {
    FieldError {
        code: code.into(),
        values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..problem(m, field, message)
    }
}

fn problem(m: &MailboxRequest, field: &str, message: String) -> FieldError {
    FieldError {
        code: String::new(),
        values: Vec::new(),
        row: m.row,
        field: field.into(),
        message,
    }
}

/// The destination is in one of our domains and our admin can log in for it.
async fn probe_destination(cfg: &Config, m: &MailboxRequest, opts: &ProbeOptions) -> Option<FieldError> {
    let dest = m.destination.as_deref().unwrap_or(&m.email).to_ascii_lowercase();
    let domain = dest.rsplit_once('@').map_or("", |(_, d)| d);
    if !cfg.destination.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        let domains = cfg.destination.domains.join(", ");
        return Some(coded(
            m,
            "destination",
            "domain_not_ours",
            &[("address", &dest), ("domains", &domains)],
            format!(
                "{dest} is not in a domain we host ({}); give the new address on our side",
                cfg.destination.domains.join(", ")
            ),
        ));
    }
    let cannot_check = || {
        problem(
            m,
            "destination",
            format!(
                "we could not check just now that {dest} exists on our side; \
                 support staff have been told and will check it before the migration"
            ),
        )
    };
    let (ep, creds) = match imapconn::endpoint::destination(cfg, &dest) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(destination = %dest, error = %format!("{e:#}"), "probe: our destination settings are unusable");
            return Some(cannot_check());
        }
    };
    match timeout(
        opts.login,
        imapconn::connect_with(&ep, &creds, cfg.source.our_server_limits()),
    )
    .await
    {
        Ok(Ok(mut session)) => {
            let _ = timeout(Duration::from_secs(5), session.logout()).await;
            tracing::debug!(destination = %dest, "probe: destination exists");
            None
        }
        Ok(Err(e)) if e.downcast_ref::<LoginRefused>().is_some() => {
            tracing::info!(destination = %dest, error = %e, "probe: destination login refused");
            Some(coded(
                m,
                "destination",
                "destination_missing",
                &[("address", &dest)],
                format!("{dest} does not exist on our side; create it first or give the right new address"),
            ))
        }
        Ok(Err(e)) => {
            tracing::warn!(destination = %dest, error = %format!("{e:#}"), "probe: our server did not answer");
            Some(cannot_check())
        }
        Err(_) => {
            tracing::warn!(destination = %dest, "probe: our server timed out");
            Some(cannot_check())
        }
    }
}

/// Why one way of reaching the old server failed.
#[derive(Debug)]
enum Failure {
    /// Nothing answered (refused, unreachable, timed out): the detail for the sentence.
    Unreachable(String),
    /// The certificate was refused: what is wrong with it, in words.
    Certificate(String),
    /// The TLS handshake failed for another reason (often: not TLS on this port).
    NoTls,
    /// The server does not offer STARTTLS.
    NoStarttls,
    /// Something answered, but not like an IMAP server.
    NotImap(String),
    /// Encryption is required and was not asked for.
    Unencrypted,
}

impl Failure {
    /// A clause that completes "on port 993 (TLS), …".
    fn clause(&self) -> String {
        match self {
            Failure::Unreachable(d) => d.clone(),
            Failure::Certificate(w) => format!("the server's certificate {w}"),
            Failure::NoTls => "the server does not speak TLS there".into(),
            Failure::NoStarttls => "the server does not offer STARTTLS".into(),
            Failure::NotImap(d) => format!("something answered, but not an IMAP server ({d})"),
            Failure::Unencrypted => "we only connect with encryption (TLS or STARTTLS)".into(),
        }
    }

    /// Worth telling first when several attempts failed.
    fn weight(&self) -> u8 {
        match self {
            Failure::Certificate(_) => 3,
            Failure::NotImap(_) | Failure::NoStarttls | Failure::NoTls => 2,
            Failure::Unencrypted => 1,
            Failure::Unreachable(_) => 0,
        }
    }
}

fn security_name(s: Security) -> &'static str {
    match s {
        Security::Tls => "TLS",
        Security::Starttls => "STARTTLS",
        Security::Plain => "no encryption",
    }
}

/// The (port, security) pairs to try, in order.
fn candidates(m: &MailboxRequest, opts: &ProbeOptions) -> Vec<(u16, Security)> {
    match (m.source_port, m.source_security) {
        (Some(p), Some(s)) => vec![(p, s)],
        (None, Some(s)) => vec![(s.default_imap_port(), s)],
        (Some(143), None) => vec![(143, Security::Starttls), (143, Security::Tls)],
        (Some(p), None) => vec![(p, Security::Tls), (p, Security::Starttls)],
        (None, None) => opts.default_candidates.clone(),
    }
}

async fn probe_source(cfg: &Config, m: &MailboxRequest, opts: &ProbeOptions) -> ProbeReport {
    let mut report = ProbeReport::default();
    let Some(host) = m.source_host.as_deref() else {
        return report;
    };
    let allow_private = cfg.source.allow_private_addresses;
    let ips = match resolve(host, opts).await {
        Ok(ips) => ips,
        Err(message) => {
            report.problems.push(problem(m, "server", message));
            return report;
        }
    };
    if !allow_private {
        if let Some(bad) = ips.iter().find(|a| net::is_special_address(a.ip())) {
            tracing::info!(host, address = %bad.ip(), "probe: source refused, special address");
            report.problems.push(problem(
                m,
                "server",
                format!(
                    "{host} resolves to {}, an address inside a private or reserved network; \
                     we only migrate from servers on the public Internet, so give the old provider's public IMAP server name",
                    bad.ip()
                ),
            ));
            return report;
        }
    }
    let tls = match net::tls_config(cfg.tls.extra_ca_file.as_deref(), cfg.source.accept_invalid_certs) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "probe: our TLS settings are unusable");
            report.problems.push(problem(
                m,
                "server",
                format!("we could not check {host} just now; support staff have been told and will look into it"),
            ));
            return report;
        }
    };
    let loopback_only = ips.iter().all(|a| a.ip().is_loopback());
    let tries = candidates(m, opts);
    let mut failures: Vec<(u16, Security, Failure)> = Vec::new();
    let mut opened = None;
    for (port, security) in tries.iter().copied() {
        let addrs: Vec<SocketAddr> = ips.iter().map(|a| SocketAddr::new(a.ip(), port)).collect();
        if security == Security::Plain && !(allow_private && loopback_only) {
            failures.push((port, security, Failure::Unencrypted));
            continue;
        }
        // A certificate on this port proves it speaks TLS from the first byte: STARTTLS there
        // would only wait for a greeting that never comes.
        if failures
            .iter()
            .any(|(p, _, f)| *p == port && matches!(f, Failure::Certificate(_)))
        {
            continue;
        }
        match open(host, security, &addrs, &tls, opts, cfg.source.limits()).await {
            Ok(client) => {
                tracing::debug!(host, port, security = security_name(security), "probe: source answers");
                opened = Some((
                    client,
                    EffectiveSource {
                        host: host.to_string(),
                        port,
                        security,
                        addrs,
                    },
                ));
                break;
            }
            Err(f) => {
                tracing::debug!(host, port, security = security_name(security), failure = ?f, "probe: source attempt failed");
                failures.push((port, security, f));
            }
        }
    }
    let Some((client, source)) = opened else {
        report.problems.push(unreachable_problem(m, host, &failures));
        return report;
    };
    report.source = Some(source);
    let Some(password) = m.password.as_ref().filter(|p| !p.is_empty()) else {
        return report;
    };
    let user = m.source_user.as_deref().unwrap_or(&m.email);
    let creds = Credentials::User {
        user: user.to_string(),
        password: password.clone(),
    };
    let mut session = match timeout(opts.login, imapconn::login(client, &creds, host)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) if imapconn::guard_error(e.as_ref()).is_some() || imapconn::guard::is_not_imap(e.as_ref()) => {
            let when = format!("we logged in for {user}");
            report
                .problems
                .push(problem(m, "server", guard_words(host, &when, e.as_ref())));
            return report;
        }
        Ok(Err(e)) => {
            report.problems.push(match e.downcast_ref::<LoginRefused>() {
                Some(refused) => coded(
                    m,
                    "password",
                    "login_refused",
                    &[("user", user), ("reply", &refused.words)],
                    format!(
                        "the old provider refused the login for {user}: {}; check the password",
                        refused.words
                    ),
                ),
                None => {
                    let words = match e.downcast_ref::<LoginBroken>() {
                        Some(broken) => broken.words.clone(),
                        None => Redactor::new(&creds).clean(&e.to_string()),
                    };
                    problem(
                        m,
                        "server",
                        format!("{host} broke off the login for {user} ({words}); please try again later"),
                    )
                }
            });
            return report;
        }
        Err(_) => {
            report.problems.push(coded(
                m,
                "server",
                "login_timeout",
                &[
                    ("host", host),
                    ("user", user),
                    ("seconds", &opts.login.as_secs().to_string()),
                ],
                format!(
                    "{host} did not answer the login for {user} within {} seconds; please try again later",
                    opts.login.as_secs()
                ),
            ));
            return report;
        }
    };
    match count(&mut session, opts, host, user, cfg.source.max_folders).await {
        Ok((folders, messages, bytes)) => {
            report.folders = folders;
            report.messages = messages;
            report.bytes = bytes;
            tracing::info!(host, folders, messages, bytes, "probe: source mailbox counted");
        }
        Err(Counted::Final(sentence)) => report.problems.push(problem(m, "server", sentence)),
        Err(Counted::Failed(detail)) => {
            report.problems.push(problem(
                m,
                "server",
                format!(
                    "{host} accepted the login for {user} but then failed to list its folders ({detail}); \
                     please try again later"
                ),
            ));
        }
    }
    let stream = session.as_mut();
    let _ = timeout(Duration::from_secs(3), stream.write_all(b"mfpz LOGOUT\r\n")).await;
    report
}

/// The one problem line when no way of reaching the old server worked.
fn unreachable_problem(m: &MailboxRequest, host: &str, failures: &[(u16, Security, Failure)]) -> FieldError {
    if let [(port, security, f)] = failures {
        let field = match f {
            Failure::Unreachable(_) | Failure::NoTls | Failure::NoStarttls | Failure::Unencrypted
                if m.source_port.is_some() =>
            {
                "port"
            }
            _ => "server",
        };
        let advice = match f {
            Failure::Certificate(_) => {
                "we only connect to servers with a valid certificate: check the server name, \
                 or ask the old provider for the name their certificate is made for"
            }
            Failure::Unreachable(_) => "check the server name and the port",
            Failure::Unencrypted => "give the port for IMAP over TLS (usually 993)",
            _ => "check the port and security the old provider documents (usually 993 with TLS)",
        };
        let code = match f {
            Failure::Unreachable(_) => "server_unreachable",
            _ => "",
        };
        return coded(
            m,
            field,
            code,
            &[("host", host), ("port", &port.to_string())],
            format!(
                "{host} on port {port} ({}): {}; {advice}",
                security_name(*security),
                f.clause()
            ),
        );
    }
    let tried: Vec<String> = failures
        .iter()
        .map(|(port, security, f)| format!("on port {port} ({}) {}", security_name(*security), f.clause()))
        .collect();
    let cert = failures.iter().any(|(_, _, f)| f.weight() == 3);
    let advice = if cert {
        "we only connect to servers with a valid certificate: check the server name, \
         or ask the old provider for the name their certificate is made for"
    } else {
        "check the server name, and give the port and security the old provider documents"
    };
    problem(
        m,
        "server",
        format!("{host} does not answer IMAP securely: {}; {advice}", tried.join("; ")),
    )
}

/// Resolves the name (port left 0), within the timeout; the error is a sentence.
async fn resolve(host: &str, opts: &ProbeOptions) -> Result<Vec<SocketAddr>, String> {
    match timeout(opts.resolve, tokio::net::lookup_host((host, 0))).await {
        Ok(Ok(found)) => {
            // One entry per address, in the resolver's order of preference.
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for a in found {
                if !addrs.contains(&a) {
                    addrs.push(a);
                }
            }
            if addrs.is_empty() {
                Err(format!(
                    "{host} has no address; check the old provider's IMAP server name"
                ))
            } else {
                Ok(addrs)
            }
        }
        Ok(Err(_)) => Err(format!(
            "{host} does not exist (the name does not resolve); check the old provider's IMAP server name"
        )),
        Err(_) => Err(format!(
            "looking up {host} took more than {} seconds; check the server name, or try again later",
            opts.resolve.as_secs()
        )),
    }
}

/// Connects, secures and reads the greeting through the IMAP door: a client ready for LOGIN.
async fn open(
    host: &str,
    security: Security,
    addrs: &[SocketAddr],
    tls: &Arc<rustls::ClientConfig>,
    opts: &ProbeOptions,
    limits: imapconn::Limits,
) -> Result<Greeted, Failure> {
    let ep = Endpoint {
        host: host.to_string(),
        port: addrs.first().map_or(0, SocketAddr::port),
        security,
        addrs: addrs.to_vec(),
        tls: tls.clone(),
        max_bytes_per_second: None,
    };
    let steps = Steps {
        connect: opts.connect,
        tls: opts.tls,
        greeting: opts.greeting,
    };
    imapconn::open(&ep, limits, &steps).await.map_err(|e| match e {
        OpenError::Unresolved { .. } => Failure::Unreachable("the name does not resolve".into()),
        OpenError::Unreachable(why) => Failure::Unreachable(why),
        OpenError::Certificate { words, .. } => Failure::Certificate(words),
        OpenError::NoTls { .. } => Failure::NoTls,
        OpenError::NoStarttls { .. } => Failure::NoStarttls,
        OpenError::NotImap { detail, .. } => Failure::NotImap(detail),
    })
}

/// Why counting failed.
#[derive(Debug)]
enum Counted {
    /// A detail for "failed to list its folders (…)"; trying again may help.
    Failed(String),
    /// A whole sentence for the customer (a hostile or broken server, too many folders).
    Final(String),
}

/// The guard's or the parser's verdict on a server, as a sentence for the customer.
fn guard_words(host: &str, when: &str, e: &(dyn std::error::Error + 'static)) -> String {
    match imapconn::guard_error(e) {
        Some(g) if g.is_transient() => format!("when {when}, {}; please try again later", g.sentence(host)),
        Some(g) => format!(
            "when {when}, {}; we cannot migrate from a server that does this, please ask the old provider",
            g.sentence(host)
        ),
        None => format!(
            "when {when}, {host} sent an answer that is not IMAP; we cannot migrate from a server that does this, \
             please ask the old provider"
        ),
    }
}

/// Folders (selectable), messages and, with `STATUS=SIZE`, bytes; at most `max_folders`.
async fn count(
    session: &mut imapconn::Session,
    opts: &ProbeOptions,
    host: &str,
    user: &str,
    max_folders: usize,
) -> Result<(usize, u64, Option<u64>), Counted> {
    let when = format!("we listed the folders of {user}");
    let failed = |e: async_imap::error::Error| {
        if imapconn::guard_error(&e).is_some() || imapconn::guard::is_not_imap(&e) {
            Counted::Final(guard_words(host, &when, &e))
        } else {
            Counted::Failed(e.to_string())
        }
    };
    let listed = timeout(opts.list, async {
        let caps = session.capabilities().await.map_err(failed)?;
        let with_size = caps.has_str("STATUS=SIZE");
        let mut names: Vec<String> = Vec::new();
        let mut listed = 0usize;
        let stream = session.list(Some(""), Some("*")).await.map_err(failed)?;
        futures::pin_mut!(stream);
        while let Some(n) = stream.try_next().await.map_err(failed)? {
            listed += 1;
            if listed > max_folders {
                return Err(Counted::Final(format!(
                    "{host} lists more than {max_folders} folders for {user}; we copy at most {max_folders} \
                     folders per mailbox: remove or merge folders there, or ask support to raise the limit"
                )));
            }
            let selectable = !n.attributes().iter().any(|a| match a {
                async_imap::types::NameAttribute::NoSelect => true,
                async_imap::types::NameAttribute::Extension(e) => e.eq_ignore_ascii_case("\\NonExistent"),
                _ => false,
            });
            if selectable {
                names.push(n.name().to_string());
            }
        }
        Ok::<_, Counted>((with_size, names))
    })
    .await
    .map_err(|_| Counted::Failed("the folder list did not come in time".to_string()))??;
    let (with_size, names) = listed;
    let (messages, bytes) = timeout(opts.status, status_all(session.as_mut(), &names, with_size))
        .await
        .map_err(|_| Counted::Failed("counting the messages took too long".to_string()))?
        .map_err(|e| {
            if imapconn::guard_error(&e).is_some() {
                Counted::Final(guard_words(host, &format!("we counted the messages of {user}"), &e))
            } else {
                Counted::Failed(format!("counting the messages failed: {e}"))
            }
        })?;
    Ok((names.len(), messages, bytes))
}

/// STATUS commands sent before their answers are read.
const STATUS_BATCH: usize = 50;

/// `STATUS (MESSAGES [SIZE])` for every folder, pipelined in batches and read directly: the
/// IMAP parser we use does not know the SIZE item of RFC 8438. A name that cannot be sent as a
/// quoted string is not asked for.
async fn status_all(
    stream: &mut ImapStream,
    names: &[String],
    with_size: bool,
) -> Result<(u64, Option<u64>), WireError> {
    let items = if with_size { "(MESSAGES SIZE)" } else { "(MESSAGES)" };
    let mut reader = LineReader::default();
    let mut messages = 0u64;
    let mut bytes = 0u64;
    let mut sized = with_size;
    let askable: Vec<String> = names.iter().filter_map(|n| wire::quoted(n)).collect();
    for (b, batch) in askable.chunks(STATUS_BATCH).enumerate() {
        let mut out = String::new();
        for (i, name) in batch.iter().enumerate() {
            out.push_str(&format!("mfp{b}x{i} STATUS {name} {items}\r\n"));
        }
        stream.write_all(out.as_bytes()).await?;
        stream.flush().await?;
        let mut done = 0;
        while done < batch.len() {
            let line = String::from_utf8_lossy(&reader.next_response(stream).await?).into_owned();
            if line.starts_with("mfp") {
                done += 1;
            } else if line.len() > 9 && line[..9].eq_ignore_ascii_case("* STATUS ") {
                let (m, s) = status_items(&line);
                messages += m.unwrap_or(0);
                match s {
                    Some(s) => bytes += s,
                    None => sized = false,
                }
            }
        }
    }
    reader.drain_untagged(stream).await?;
    Ok((messages, sized.then_some(bytes)))
}

/// MESSAGES and SIZE from `* STATUS name (MESSAGES 3 SIZE 1234)`.
fn status_items(line: &str) -> (Option<u64>, Option<u64>) {
    let Some(open) = line.rfind('(') else {
        return (None, None);
    };
    let inner = line[open + 1..].trim_end().trim_end_matches(')');
    let words: Vec<&str> = inner.split_ascii_whitespace().collect();
    let mut messages = None;
    let mut size = None;
    for pair in words.chunks(2) {
        if let [k, v] = pair {
            if k.eq_ignore_ascii_case("MESSAGES") {
                messages = v.parse().ok();
            } else if k.eq_ignore_ascii_case("SIZE") {
                size = v.parse().ok();
            }
        }
    }
    (messages, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read() {
        assert_eq!(
            status_items("* STATUS INBOX (MESSAGES 3 SIZE 1234)"),
            (Some(3), Some(1234))
        );
        assert_eq!(status_items("* STATUS \"a (b)\" (MESSAGES 7)"), (Some(7), None));
        assert_eq!(
            status_items("* STATUS {5}INBOX (SIZE 9 MESSAGES 2)"),
            (Some(2), Some(9))
        );
    }

    #[test]
    fn ports_to_try() {
        let opts = ProbeOptions::default();
        let mut m = MailboxRequest::default();
        assert_eq!(
            candidates(&m, &opts),
            vec![(993, Security::Tls), (143, Security::Starttls)]
        );
        m.source_port = Some(143);
        assert_eq!(candidates(&m, &opts)[0], (143, Security::Starttls));
        m.source_security = Some(Security::Tls);
        assert_eq!(candidates(&m, &opts), vec![(143, Security::Tls)]);
        m.source_port = None;
        m.source_security = Some(Security::Starttls);
        assert_eq!(candidates(&m, &opts), vec![(143, Security::Starttls)]);
    }
}
