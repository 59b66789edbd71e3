//! One module per command of the `mailferry` binary.

pub mod check;
pub mod jobs;
pub mod migrate;
pub mod parse;
pub mod serve;
pub mod store;
pub mod tickets;

use crate::config::Config;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The default config path.
pub const DEFAULT_CONFIG: &str = "/etc/mailferry/mailferry.toml";

/// `--config FILE`, shared by the commands that need one.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, env = "MAILFERRY_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
}

impl ConfigArg {
    /// Loads the config file.
    pub fn load(&self) -> Result<Config> {
        Config::load(&self.config)
    }
}

/// Sends a staff request to the running daemon, or answers it from the store when none runs;
/// prints the answer.
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
        print!("{}", response.text);
        Ok(std::process::ExitCode::SUCCESS)
    } else {
        eprint!("mailferry: {}", response.text);
        Ok(std::process::ExitCode::FAILURE)
    }
}

/// Libraries whose trace or debug output would carry protocol lines with credentials.
const NOISY_LIBRARIES: [&str; 3] = ["async_imap=info", "lettre=info", "imap_proto=info"];

/// Sets up logging to stderr; `format` is `text` or `json`.
pub fn init_logging(level: &str, format: &str) {
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
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        // Each line carries the fields of the span it was logged in (`span`: ticket, job,
        // mailbox) and of every enclosing one (`spans`).
        builder.json().with_current_span(true).with_span_list(true).try_init()
    } else {
        builder.try_init()
    };
}
