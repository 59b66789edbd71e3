//! `mailferry tickets [show ID]`: tickets with their state and age, or one ticket in full.
//! Asks the running daemon over its admin socket, or opens the store when no daemon runs.
//! Subjects and names are customers' text: printed through `termsafe`.

use super::examples::Example;
use crate::staff::Request;
use std::process::ExitCode;

/// Examples of `mailferry tickets`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "Every ticket with its state and age",
        line: "mailferry tickets",
    },
    Example {
        what: "One ticket with its mailboxes, progress and event log",
        line: "mailferry tickets show MIG-000123",
    },
];

/// Examples of `mailferry tickets show`.
pub const SHOW_EXAMPLES: &[Example] = &[
    Example {
        what: "The ticket MIG-000123, by its full name or by its number",
        line: "mailferry tickets show MIG-000123",
    },
    Example {
        what: "",
        line: "mailferry tickets show 123",
    },
];

/// Arguments of `mailferry tickets`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// One ticket with its mailboxes, progress and event log.
    Show {
        /// The ticket, as MIG-000123 or 123.
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    let req = match args.action {
        None => Request::Tickets,
        Some(Action::Show { id }) => Request::Show { id },
    };
    super::staff_request(&config, &req).await
}
