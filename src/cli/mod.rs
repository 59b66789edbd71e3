//! The `mailferry` command line: one module per command, the clap definition that `--help`,
//! the man pages and the shell completions are all made from, and the helpers the commands
//! share (the config flag, the staff request, logging).
//!
//! ```text
//! mailferry serve    [--config FILE]                      run the daemon (watch support, migrate, reply)
//! mailferry parse    [--json] FILE.eml                    what intake and validation see in a mail
//! mailferry parse    --probe [--config FILE] [--json] FILE.eml   …and probe each mailbox online
//! mailferry check    [--config FILE] [--offline]          check the config and every connection
//! mailferry tickets  [--config FILE] [show ID]            list tickets, or show one with its event log
//! mailferry jobs     [--config FILE] retry|cancel ID
//! mailferry migrate  [--config FILE] --from URL --password-file FILE --to ADDRESS [--dry-run] [--quiet] [--json]
//! mailferry store    [--config FILE] rotate-key           re-seal the store under a new key (daemon stopped)
//! mailferry generate man|completions DIR                  (hidden) man pages and shell completions, for scripts/package
//! ```
//!
//! Every text that came from a customer or a server is printed through [`crate::termsafe`].
//! Never prints a password.

pub mod check;
pub mod examples;
pub mod generate;
pub mod jobs;
pub mod migrate;
pub mod parse;
pub mod progress;
pub mod serve;
pub mod store;
pub mod tickets;

use clap::{CommandFactory, FromArgMatches};

/// The `mailferry` command line.
#[derive(clap::Parser, Debug)]
#[command(
    name = "mailferry",
    version,
    about = "Migrates customers' mailboxes on request by e-mail",
    long_about = "Migrates customers' mailboxes on request by e-mail.\n\n\
        `mailferry serve` is the daemon behind the support address: it reads each request, \
        copies the mailboxes IMAP to IMAP (contacts and calendars to CardDAV/CalDAV) and \
        answers in the thread. The other commands are for staff: check the setup, read a mail \
        as mailferry would, list and act on tickets and jobs, copy one mailbox by hand.\n\n\
        Every command reads /etc/mailferry/mailferry.toml unless --config or MAILFERRY_CONFIG \
        names another file. `mailferry COMMAND --help` shows examples; the operator guide is \
        /usr/share/doc/mailferry/operator.md."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Run the daemon: watch the support inbox, migrate, reply.
    Serve(serve::Args),
    /// Show what intake and validation read from one e-mail file (stores nothing).
    Parse(parse::Args),
    /// Check the configuration and test every connection.
    Check(check::Args),
    /// List tickets, or show one.
    Tickets(tickets::Args),
    /// Retry or cancel a mailbox job.
    Jobs(jobs::Args),
    /// Migrate one mailbox now, from the command line.
    Migrate(migrate::Args),
    /// Store maintenance: rotate-key (the daemon must be stopped).
    Store(store::Args),
    /// Write the man pages or the shell completions into a directory (for packaging).
    #[command(hide = true)]
    Generate(generate::Args),
}

/// The whole command definition, with the examples of [`examples`] at the end of each
/// command's help: what `--help`, the man pages and the completions are made from.
pub fn command() -> clap::Command {
    fn with_examples(cmd: clap::Command, path: &str) -> clap::Command {
        let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
        let mut cmd = match examples::of(path) {
            [] => cmd,
            some => cmd.after_help(examples::help(some)),
        };
        for name in names {
            let sub_path = format!("{path} {name}");
            cmd = cmd.mut_subcommand(&name, |sub| with_examples(sub, &sub_path));
        }
        cmd
    }
    with_examples(Cli::command(), "mailferry")
}

/// Parses the process's arguments (printing help, the version or a usage error and exiting
/// where clap does).
pub fn parse() -> Cli {
    let mut matches = command().get_matches();
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.exit())
}

/// Runs the command that was asked for.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::run(a).await,
        Command::Parse(a) => parse::run(a).await,
        Command::Check(a) => check::run(a).await,
        Command::Tickets(a) => tickets::run(a).await,
        Command::Jobs(a) => jobs::run(a).await,
        Command::Migrate(a) => migrate::run(a).await,
        Command::Store(a) => store::run(a).await,
        Command::Generate(a) => generate::run(a),
    }
}

use crate::config::Config;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The default config path.
pub const DEFAULT_CONFIG: &str = "/etc/mailferry/mailferry.toml";

/// `--config FILE`, shared by the commands that need one.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, value_name = "FILE", env = "MAILFERRY_CONFIG", default_value = DEFAULT_CONFIG, value_hint = clap::ValueHint::FilePath)]
    pub config: PathBuf,
}

impl ConfigArg {
    /// Loads the config file.
    pub fn load(&self) -> Result<Config> {
        Config::load(&self.config)
    }
}

/// Sends a staff request to the running daemon, or answers it from the store when none runs;
/// prints the answer (it carries customers' subjects and names: through [`crate::termsafe`]).
pub async fn staff_request(config: &Config, req: &crate::staff::Request) -> Result<std::process::ExitCode> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let socket = config.store.admin_socket();
    let response = match tokio::net::UnixStream::connect(&socket).await {
        Ok(stream) => {
            let (read, mut write) = stream.into_split();
            let mut line = serde_json::to_vec(req)?;
            line.push(b'\n');
            write.write_all(&line).await?;
            let mut answer = String::new();
            BufReader::new(read).read_line(&mut answer).await?;
            serde_json::from_str(&answer).context("the daemon's admin socket gave a bad answer")?
        }
        Err(_) => {
            let store = crate::store::Store::open(&config.store.path, &config.store.key_file).with_context(|| {
                format!(
                    "no daemon answers on {} and the store cannot be opened",
                    socket.display()
                )
            })?;
            crate::staff::answer(&store, req, crate::clock::Clock::now(&crate::clock::SystemClock)).await
        }
    };
    if response.ok {
        print!("{}", crate::termsafe::text(&response.text));
        Ok(std::process::ExitCode::SUCCESS)
    } else {
        eprint!("mailferry: {}", crate::termsafe::text(&response.text));
        Ok(std::process::ExitCode::FAILURE)
    }
}

/// Libraries whose trace or debug output would carry protocol lines with credentials.
const NOISY_LIBRARIES: [&str; 3] = ["async_imap=info", "lettre=info", "imap_proto=info"];

/// Sets up logging to stderr; `format` is `text` or `json`.
pub fn init_logging(level: &str, format: &str) {
    init_logging_to(level, format, std::io::stderr);
}

/// Like [`init_logging`], with each line written through `writer` (`migrate` hands one that
/// lifts its progress bars while a line is written, so lines and bars do not mix).
pub fn init_logging_to<W>(level: &str, format: &str, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // The IMAP and SMTP libraries log whole commands at trace level, LOGIN and AUTH included:
    // whatever the operator asks for, they never log below info, so no password reaches a log.
    for cap in NOISY_LIBRARIES {
        if let Ok(d) = cap.parse() {
            filter = filter.add_directive(d);
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only on a terminal: under systemd, stderr goes to the journal as plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    let _ = if format == "json" {
        // Each line carries the fields of the span it was logged in (`span`: ticket, job,
        // mailbox) and of every enclosing one (`spans`).
        builder.json().with_current_span(true).with_span_list(true).try_init()
    } else {
        builder.try_init()
    };
}
