//! `mailferry tickets [show ID]`: tickets with their state and age, or one ticket in full.
//! Asks the running daemon over its admin socket, or opens the store when no daemon runs.

use crate::staff::Request;
use std::process::ExitCode;

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
