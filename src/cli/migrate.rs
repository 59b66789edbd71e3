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
//!
//! On a terminal it shows a bar per folder in flight and a total (`progress.rs`); `--quiet`
//! shows none, `--json` prints the report as one JSON object. Folder names and the servers'
//! words are printed through `termsafe`.

use super::examples::Example;
use super::progress::{CliProgress, Mode};
use crate::config::{Config, Security};
use crate::imapconn::endpoint;
use crate::migrate::{self, Checkpoints, FileCheckpoints, MailboxPair, MemoryCheckpoints, MigrateError, Options};
use crate::model::MigrationReport;
use crate::secret::{Secret, SecretFileError};
use crate::termsafe;
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Examples of `mailferry migrate`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "Copy anna's old mailbox (TLS on port 993) into anna@new.example",
        line: "mailferry migrate --from imaps://anna@mail.old.example --password-file anna.pw --to anna@new.example",
    },
    Example {
        what: "Only count what would be copied; write nothing",
        line: "mailferry migrate --dry-run --from imaps://anna@mail.old.example --password-file anna.pw --to anna@new.example",
    },
    Example {
        what: "STARTTLS on port 143, and a login name that is itself an address (@ written %40)",
        line: "mailferry migrate --from imap://anna%40old.example@mail.old.example --password-file anna.pw --to anna@new.example",
    },
    Example {
        what: "From cron or a script: no progress, the report as JSON",
        line: "mailferry migrate --quiet --json --from imaps://anna@mail.old.example:1993 --password-file anna.pw --to anna@new.example",
    },
    Example {
        what: "Compare both mailboxes whole, ignoring the checkpoints of earlier runs",
        line: "mailferry migrate --no-checkpoints --from 'imap://anna@10.0.0.7:143?security=plain' --password-file anna.pw --to anna@new.example",
    },
];

/// Arguments of `mailferry migrate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    /// The old mailbox: imaps://user@host[:port], or imap://user@host[:port][?security=plain|starttls].
    #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
    from: String,
    /// A file whose first line is the old mailbox's password.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    password_file: PathBuf,
    /// The mailbox on our side, user@one-of-our-domains.
    #[arg(long, value_name = "ADDRESS", value_hint = clap::ValueHint::EmailAddress)]
    to: String,
    /// Only count what would be copied; write nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Keep this pair's checkpoints in FILE (default: a file under `<store.path>-checkpoints/`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_checkpoints", value_hint = clap::ValueHint::FilePath)]
    checkpoints: Option<PathBuf>,
    /// Keep checkpoints in memory only: this run compares both mailboxes whole.
    #[arg(long)]
    no_checkpoints: bool,
    /// No progress (bars on a terminal, status lines otherwise); the report and errors only.
    #[arg(long, short)]
    quiet: bool,
    /// Print the report as one JSON object on stdout (progress bars, if any, go to stderr).
    #[arg(long)]
    json: bool,
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
    let progress = CliProgress::new(Mode::choose(args.quiet, args.json, std::io::stderr().is_terminal()));
    match progress.log_writer() {
        Some(through_bars) => super::init_logging_to(&config.log.level, &config.log.format, through_bars),
        None => super::init_logging(&config.log.level, &config.log.format),
    }
    let pair = build_pair(&config, &args.from, &args.password_file, &args.to).await?;
    // The provider table's limits hold here too (a long wait ends the run; run it again once
    // the provider's window has passed: the checkpoints are kept).
    let rules = crate::rules::Rules::load(config.rules_dir.as_deref())?;
    let pace = rules.providers.by_imap_host(&pair.source.host).map(|p| {
        let sleep_max = std::time::Duration::from_secs(config.source.pace_sleep_max_seconds);
        std::sync::Arc::new(migrate::pacer::Pacer::new(p.pace(), Default::default(), sleep_max))
    });
    let opts = Options {
        dry_run: args.dry_run,
        folders: config.folders.clone(),
        pace,
        ..Options::with_policy(&config.source)
    };
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.store(true, Ordering::Relaxed);
        }
    });
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
        progress.start_attempt();
        match migrate::migrate_mailbox(&pair, &opts, checkpoints.as_ref(), &progress).await {
            Err(MigrateError::Transient(reason)) if attempt < TRANSIENT_RETRIES && !opts.cancelled() => {
                attempt += 1;
                let delay = crate::inbox::backoff(attempt);
                progress.note(&format!(
                    "mailferry migrate: {}; trying again in {:.0} s ({attempt} of {TRANSIENT_RETRIES})",
                    termsafe::field(&reason),
                    delay.as_secs_f64()
                ));
                tokio::time::sleep(delay).await;
            }
            other => break other,
        }
    };
    progress.clear();
    let secs = started.elapsed().as_secs_f64();
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            let error = e.to_string();
            if args.json {
                let json = serde_json::json!({ "dry_run": args.dry_run, "seconds": secs, "error": error });
                println!("{}", termsafe::json(&serde_json::to_string_pretty(&json)?));
            }
            eprintln!("mailferry migrate: {}", termsafe::text(&error));
            return Ok(ExitCode::FAILURE);
        }
    };
    let clean = report.total_failed() == 0 && report.folders.iter().all(|f| f.errors.is_empty());
    if args.json {
        let json = serde_json::json!({
            "dry_run": args.dry_run,
            "seconds": secs,
            "messages": report.total_messages(),
            "copied": report.total_copied(),
            "failed": report.total_failed(),
            "folders": report.folders,
        });
        println!("{}", termsafe::json(&serde_json::to_string_pretty(&json)?));
    } else {
        print_report(&report, args.dry_run, secs, progress.mode() == Mode::Lines);
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The report as a table, each folder's problems, and the rate; folder names and the
/// servers' words through `termsafe`.
fn print_report(report: &MigrationReport, dry_run: bool, secs: f64, after_lines: bool) {
    if after_lines {
        println!();
    }
    if dry_run {
        println!("Dry run: \"Copied\" counts what would be copied; nothing was written.");
    }
    let mut shown = report.clone();
    for f in &mut shown.folders {
        f.source = termsafe::field(&f.source).into_owned();
        f.destination = termsafe::field(&f.destination).into_owned();
    }
    print!("{}", migrate::report_table(&shown));
    for f in shown.folders.iter() {
        for e in &f.errors {
            println!("{}: {}", f.source, termsafe::field(e));
        }
    }
    let copied = report.total_copied();
    println!(
        "{copied} messages copied in {secs:.1} s ({:.0} msg/s)",
        copied as f64 / secs.max(0.001)
    );
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
