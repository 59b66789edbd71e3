//! `mailferry check`: the config file, then a live check of each server mailferry needs
//! (support inbox, destination admin login, SMTP). Exits non-zero when anything is wrong.
//! A server's words in an error are printed through `termsafe`.

use super::examples::Example;
use crate::config::Config;
use crate::imapconn;
use crate::imapconn::endpoint;
use crate::inbox::support_endpoint;
use crate::reply::send::Mailer;
use crate::rules::Rules;
use crate::termsafe;
use std::process::ExitCode;

/// Examples of `mailferry check`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "The config file, the rules, then the support inbox, our IMAP admin login and SMTP",
        line: "mailferry check --config /etc/mailferry/mailferry.toml",
    },
    Example {
        what: "Only the config file and the rules; connect to nothing",
        line: "mailferry check --offline -c ./mailferry.toml",
    },
];

/// Arguments of `mailferry check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    /// Only check the config file and rules; connect to nothing.
    #[arg(long)]
    offline: bool,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = match args.config.load() {
        Ok(c) => c,
        Err(e) => {
            println!("FAIL config: {}", termsafe::text(&format!("{e:#}")));
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("ok   config {}", args.config.config.display());
    let mut failed = false;
    let mut report = |what: &str, r: anyhow::Result<String>| match r {
        Ok(detail) => println!("ok   {what}{}", termsafe::text(&detail)),
        Err(e) => {
            failed = true;
            println!("FAIL {what}: {}", termsafe::text(&format!("{e:#}")));
        }
    };
    report("rules", Rules::load(config.rules_dir.as_deref()).map(|_| String::new()));
    if let Some(admin) = &config.admin {
        report("admin HTTP", admin_http(admin));
    }
    for w in crate::security::weakened(&config) {
        println!("warn {w}");
    }
    if !args.offline {
        report("support inbox", check_support(&config).await);
        report("destination admin login", check_destination(&config).await);
        report("smtp", check_smtp(&config).await);
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

async fn check_support(cfg: &Config) -> anyhow::Result<String> {
    let (ep, creds) = support_endpoint(cfg)?;
    let mut s = imapconn::connect(&ep, &creds).await?;
    let idle = s.capabilities().await?.has_str("IDLE");
    let mb = s.examine(&cfg.support.folder).await?;
    let _ = s.logout().await;
    Ok(format!(
        " ({} messages in {}, {})",
        mb.exists,
        cfg.support.folder,
        if idle { "IDLE" } else { "no IDLE: polling" }
    ))
}

async fn check_destination(cfg: &Config) -> anyhow::Result<String> {
    // The admin acts for the support mailbox, which exists on our side by definition.
    let (ep, creds) = endpoint::destination(cfg, &cfg.support.user)?;
    let mut s = imapconn::connect(&ep, &creds).await?;
    let _ = s.logout().await;
    Ok(format!(" (as {} for {})", cfg.destination.admin_user, cfg.support.user))
}

async fn check_smtp(cfg: &Config) -> anyhow::Result<String> {
    Mailer::new(cfg)?.test().await?;
    Ok(format!(" ({}:{})", cfg.smtp.host, cfg.smtp.port))
}

/// The admin endpoint's address, with a warning when it reaches beyond this machine.
fn admin_http(admin: &crate::config::AdminHttpConfig) -> anyhow::Result<String> {
    let addr = admin.listen_addr()?;
    Ok(if addr.ip().is_loopback() {
        format!(" (http://{addr}/: /healthz, /metrics, staff page; loopback only)")
    } else {
        format!(
            " (http://{addr}/: NOT loopback: the staff page has no login; keep it behind a firewall or an \
             authenticating proxy)"
        )
    })
}
