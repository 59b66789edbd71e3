//! One module per command of the `mailferry` binary.

pub mod check;
pub mod jobs;
pub mod migrate;
pub mod parse;
pub mod serve;
pub mod tickets;

use crate::config::Config;
use anyhow::Result;
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

/// Sets up logging to stderr; `format` is `text` or `json`.
pub fn init_logging(level: &str, format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
