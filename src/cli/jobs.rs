//! `mailferry jobs retry|cancel ID`: staff actions on one mailbox job, through the running
//! daemon's admin socket, or on the store directly when no daemon runs.

use crate::staff::Request;
use std::process::ExitCode;

/// Arguments of `mailferry jobs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Run a failed or waiting job again now.
    Retry {
        /// The job, as J12 or 12.
        id: String,
    },
    /// Stop a job for good and wipe its stored password.
    Cancel {
        /// The job, as J12 or 12.
        id: String,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    let req = match args.action {
        Action::Retry { id } => Request::Retry { id },
        Action::Cancel { id } => Request::Cancel { id },
    };
    super::staff_request(&config, &req).await
}
