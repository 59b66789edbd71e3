//! `mailferry jobs retry|cancel ID`: staff actions on one mailbox job, through the running
//! daemon's admin socket, or on the store directly when no daemon runs.

use super::examples::Example;
use crate::staff::Request;
use std::process::ExitCode;

/// Examples of `mailferry jobs`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "Run job J12 again now (after its cause is fixed)",
        line: "mailferry jobs retry J12",
    },
    Example {
        what: "Stop job J12 for good and wipe its stored password",
        line: "mailferry jobs cancel J12",
    },
];

/// Examples of `mailferry jobs retry`.
pub const RETRY_EXAMPLES: &[Example] = &[Example {
    what: "Run job J12 again now, by its name or by its number",
    line: "mailferry jobs retry 12",
}];

/// Examples of `mailferry jobs cancel`.
pub const CANCEL_EXAMPLES: &[Example] = &[Example {
    what: "Stop job J12 for good (the customer's reply \"cancel\" does the same)",
    line: "mailferry jobs cancel J12",
}];

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
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Stop a job for good and wipe its stored password.
    Cancel {
        /// The job, as J12 or 12.
        #[arg(value_name = "ID")]
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
