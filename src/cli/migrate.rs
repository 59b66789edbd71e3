//! `mailferry migrate`: one mailbox, now, from the command line (staff use).
//!
//! ```text
//! mailferry migrate --config FILE --from imaps://anna@mail.old.example[:993] \
//!     --password-file anna.pw --to anna@new.example [--dry-run]
//! ```
//! `--from` takes `imaps://` (TLS), `imap://` (STARTTLS) or `imap://…?security=plain|starttls|tls`.
//! Checkpoints live in a JSON file per (source, destination) pair beside the store
//! (`<store.path>-checkpoints/`, or `--checkpoints FILE`), so a second run reads only what is
//! new; with `--no-checkpoints` they live in memory and a second run compares both mailboxes
//! whole (no duplicates either way, only slower). Never prints a password.

use crate::config::{Config, Security};
use crate::imapconn::endpoint;
use crate::migrate::{
    self, Checkpoints, FileCheckpoints, MailboxPair, MemoryCheckpoints, MigrateError, Options, Progress,
};
use crate::secret::{Secret, SecretFileError};
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

/// Arguments of `mailferry migrate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    /// The old mailbox: imaps://user@host[:port], or imap://user@host[:port][?security=plain|starttls].
    #[arg(long)]
    from: String,
    /// A file whose first line is the old mailbox's password.
    #[arg(long)]
    password_file: PathBuf,
    /// The mailbox on our side, user@one-of-our-domains.
    #[arg(long)]
    to: String,
    /// Only count what would be copied; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep this pair's checkpoints in FILE (default: a file under `<store.path>-checkpoints/`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_checkpoints")]
    checkpoints: Option<PathBuf>,
    /// Keep checkpoints in memory only: this run compares both mailboxes whole.
    #[arg(long)]
    no_checkpoints: bool,
}

/// The checkpoint file of one (source, destination) pair.
fn checkpoint_file(config: &Config, pair: &MailboxPair) -> PathBuf {
    use sha2::{Digest, Sha256};
    let key = format!(
        "{}:{} {} -> {}",
        pair.source.host,
        pair.source.port,
        pair.source_login.mailbox(),
        pair.destination_login.mailbox()
    );
    let digest = Sha256::digest(key.as_bytes());
    let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let mut dir = config.store.path.clone().into_os_string();
    dir.push("-checkpoints");
    PathBuf::from(dir).join(format!("{name}.json"))
}

/// A parsed `--from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUrl {
    /// Login name (percent-decoded).
    pub user: String,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// How the connection is secured.
    pub security: Security,
}

/// Parses `imaps://user@host[:port]` or `imap://user@host[:port][?security=…]` (with the url
/// crate, as a browser would: the last `@` ends the user, which is percent-decoded, so
/// `anna%40old.example@host` and `anna@old.example@host` name the same login).
pub fn parse_source_url(text: &str) -> Result<SourceUrl> {
    let url = url::Url::parse(text.trim()).context("--from must look like imaps://user@host")?;
    let mut security = match url.scheme() {
        "imaps" => Security::Tls,
        "imap" => Security::Starttls,
        other => bail!("--from: unknown scheme {other:?} (use imaps:// or imap://)"),
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("security", "tls") => security = Security::Tls,
            ("security", "starttls") => security = Security::Starttls,
            ("security", "plain") => security = Security::Plain,
            ("security", _) => bail!("--from: security must be tls, starttls or plain"),
            _ => bail!("--from: unknown parameter {key:?}"),
        }
    }
    if url.password().is_some() {
        bail!("--from: put the password in --password-file, not in the URL (a ':' in the user name is written %3A)");
    }
    if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
        bail!("--from must look like imaps://user@host[:port], without a path");
    }
    let user = percent_encoding::percent_decode_str(url.username())
        .decode_utf8()
        .context("--from: the user name is not UTF-8")?
        .into_owned();
    // imap:// is not a scheme the URL standard knows, so its host comes back as written
    // (percent-encoded); read it again as a host name: lower case, IDNA, checked.
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Domain(d)) => {
            let d = percent_encoding::percent_decode_str(d)
                .decode_utf8()
                .context("--from: the host name is not UTF-8")?;
            match url::Host::parse(&d).with_context(|| format!("--from: {d:?} is not a host name"))? {
                url::Host::Ipv6(ip) => ip.to_string(),
                other => other.to_string(),
            }
        }
        None => String::new(),
    };
    if user.is_empty() || host.is_empty() {
        bail!("--from must look like imaps://user@host");
    }
    Ok(SourceUrl {
        user,
        port: url.port().unwrap_or_else(|| security.default_imap_port()),
        host,
        security,
    })
}

/// How many times a transient failure is retried within one run.
const TRANSIENT_RETRIES: u32 = 5;

/// Prints progress: a rewritten line on a terminal, a plain line every few seconds otherwise.
struct PrintProgress {
    tty: bool,
    last: Mutex<(String, Instant)>,
}

impl Progress for PrintProgress {
    fn update(&self, folder: &str, done: u64, total: u64, done_bytes: u64, total_bytes: u64) {
        let Ok(mut last) = self.last.lock() else { return };
        let new_folder = last.0 != folder;
        let finished = done == total;
        let every = if self.tty { 0.2 } else { 5.0 };
        if !new_folder && !finished && last.1.elapsed().as_secs_f64() < every {
            return;
        }
        let line = format!(
            "{folder}: {done}/{total} messages, {:.1}/{:.1} MB",
            done_bytes as f64 / 1e6,
            total_bytes as f64 / 1e6
        );
        if self.tty {
            print!("\r\x1b[2K{line}");
            if finished {
                println!();
            }
            use std::io::Write;
            let _ = std::io::stdout().flush();
        } else {
            println!("{line}");
        }
        *last = (folder.to_string(), Instant::now());
    }
}

/// Builds both ends from the config and the arguments.
pub async fn build_pair(config: &Config, from: &str, password_file: &std::path::Path, to: &str) -> Result<MailboxPair> {
    let src = parse_source_url(from)?;
    let password = Secret::from_file(password_file).map_err(|e| match e {
        SecretFileError::Empty => anyhow::anyhow!("--password-file {} is empty", password_file.display()),
        SecretFileError::Unreadable(io) => {
            anyhow::Error::new(io).context(format!("cannot read --password-file {}", password_file.display()))
        }
    })?;
    let Some((_, domain)) = to.rsplit_once('@') else {
        bail!("--to must be an e-mail address")
    };
    if !config
        .destination
        .domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(domain))
    {
        bail!(
            "--to: {domain} is not one of our domains ({})",
            config.destination.domains.join(", ")
        );
    }
    let (source, source_login) =
        endpoint::source(config, &src.host, src.port, src.security, &src.user, password).await?;
    let (destination, destination_login) = endpoint::destination(config, to)?;
    Ok(MailboxPair {
        source,
        source_login,
        destination,
        destination_login,
    })
}

/// Runs the command.
pub async fn run(args: Args) -> Result<ExitCode> {
    let config = args.config.load()?;
    super::init_logging(&config.log.level, &config.log.format);
    let pair = build_pair(&config, &args.from, &args.password_file, &args.to).await?;
    let opts = Options {
        dry_run: args.dry_run,
        folders: config.folders.clone(),
        ..Options::with_policy(&config.source)
    };
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let progress = PrintProgress {
        tty: std::io::stdout().is_terminal(),
        last: Mutex::new((String::new(), Instant::now())),
    };
    let started = Instant::now();
    let checkpoints: Box<dyn Checkpoints> = if args.no_checkpoints || args.dry_run {
        Box::new(MemoryCheckpoints::default())
    } else {
        let path = args
            .checkpoints
            .clone()
            .unwrap_or_else(|| checkpoint_file(&config, &pair));
        Box::new(FileCheckpoints::open(&path)?)
    };
    // A dropped connection or a busy server: wait (1 s, 2 s, 4 s … with jitter) and go on from
    // the checkpoints; what was copied is found on our side and not copied again.
    let mut attempt = 0;
    let report = loop {
        match migrate::migrate_mailbox(&pair, &opts, checkpoints.as_ref(), &progress).await {
            Err(MigrateError::Transient(reason)) if attempt < TRANSIENT_RETRIES && !opts.cancelled() => {
                attempt += 1;
                let delay = crate::inbox::backoff(attempt);
                eprintln!(
                    "\nmailferry migrate: {reason}; trying again in {:.0} s ({attempt} of {TRANSIENT_RETRIES})",
                    delay.as_secs_f64()
                );
                tokio::time::sleep(delay).await;
            }
            other => break other,
        }
    };
    let secs = started.elapsed().as_secs_f64();
    match report {
        Ok(report) => {
            println!();
            if args.dry_run {
                println!("Dry run: \"Copied\" counts what would be copied; nothing was written.");
            }
            print!("{}", migrate::report_table(&report));
            for f in report.folders.iter().filter(|f| !f.errors.is_empty()) {
                for e in &f.errors {
                    println!("{}: {e}", f.source);
                }
            }
            let copied = report.total_copied();
            println!(
                "{copied} messages copied in {secs:.1} s ({:.0} msg/s)",
                copied as f64 / secs.max(0.001)
            );
            Ok(
                if report.total_failed() > 0 || report.folders.iter().any(|f| !f.errors.is_empty()) {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                },
            )
        }
        Err(e) => {
            eprintln!("mailferry migrate: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_urls_parse() {
        let u = parse_source_url("imaps://anna%40old.example@mail.old.example").unwrap();
        assert_eq!(
            u,
            SourceUrl {
                user: "anna@old.example".into(),
                host: "mail.old.example".into(),
                port: 993,
                security: Security::Tls
            }
        );
        let u = parse_source_url("imap://bob@old.example@127.0.0.1:10143?security=plain").unwrap();
        assert_eq!(
            (u.user.as_str(), u.host.as_str(), u.port, u.security),
            ("bob@old.example", "127.0.0.1", 10143, Security::Plain)
        );
        let u = parse_source_url("imap://bob@[::1]:143").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.security), ("::1", 143, Security::Starttls));
        let u = parse_source_url("imap://bob@old.example@127.0.0.1:10143/?security=tls").unwrap();
        assert_eq!((u.port, u.security), (10143, Security::Tls));
        let u = parse_source_url("IMAPS://J%C3%BCrgen%2Bx@Mail.Old.Example:1993").unwrap();
        assert_eq!(
            (u.user.as_str(), u.host.as_str(), u.port),
            ("Jürgen+x", "mail.old.example", 1993)
        );
        assert_eq!(parse_source_url("imaps://a%3Ab@h").unwrap().user, "a:b");
        assert_eq!(
            parse_source_url("imaps://u@münchen.example").unwrap().host,
            "xn--mnchen-3ya.example"
        );
        for bad in [
            "pop3://x@y",
            "imaps://host.only",
            "imaps://u@h?security=weird",
            "imaps://u@h?other=1",
            "imaps://u:secret@h",
            "imaps://u@h/INBOX",
            "imaps://u@h:notaport",
            "imaps://u@h:99999",
            "imaps://%FF@h",
            "imaps://u@",
            "u@h",
        ] {
            assert!(parse_source_url(bad).is_err(), "{bad}");
        }
        let err = parse_source_url("imaps://u:secret@h").unwrap_err().to_string();
        assert!(!err.contains("secret") && err.contains("--password-file"), "{err}");
    }
}
