//! The `mailferry` command: the daemon and the staff tools.
//!
//! ```text
//! mailferry serve    --config FILE        run the daemon (watch support, migrate, reply)
//! mailferry parse    [--json] FILE.eml    show what intake and validation see in a mail
//! mailferry parse    --probe [--config FILE] [--json] FILE.eml   …and probe each mailbox online
//! mailferry check    --config FILE        check the config and every connection
//! mailferry tickets  --config FILE [show ID]   list tickets, or show one with its event log
//! mailferry jobs     --config FILE retry|cancel ID
//! mailferry migrate  --config FILE --from imaps://user@host --password-file F --to user@ours
//! mailferry store    --config FILE rotate-key   re-seal the store under a new key (daemon stopped)
//! ```
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "mailferry",
    version,
    about = "Migrates customers' mailboxes on request by e-mail"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the daemon: watch the support inbox, migrate, reply.
    Serve(mailferry::cli::serve::Args),
    /// Show what intake and validation read from one e-mail file (stores nothing).
    Parse(mailferry::cli::parse::Args),
    /// Check the configuration and test every connection.
    Check(mailferry::cli::check::Args),
    /// List tickets, or show one.
    Tickets(mailferry::cli::tickets::Args),
    /// Retry or cancel a mailbox job.
    Jobs(mailferry::cli::jobs::Args),
    /// Migrate one mailbox now, from the command line.
    Migrate(mailferry::cli::migrate::Args),
    /// Store maintenance: rotate-key (the daemon must be stopped).
    Store(mailferry::cli::store::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mailferry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(a) => mailferry::cli::serve::run(a).await,
            Command::Parse(a) => mailferry::cli::parse::run(a).await,
            Command::Check(a) => mailferry::cli::check::run(a).await,
            Command::Tickets(a) => mailferry::cli::tickets::run(a).await,
            Command::Jobs(a) => mailferry::cli::jobs::run(a).await,
            Command::Migrate(a) => mailferry::cli::migrate::run(a).await,
            Command::Store(a) => mailferry::cli::store::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mailferry: {e:#}");
            ExitCode::FAILURE
        }
    }
}
