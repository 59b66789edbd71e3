//! `mailferry jobs`.

use std::process::ExitCode;

/// Arguments of `mailferry jobs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _config = args.config.load()?;
    anyhow::bail!("not built yet")
}
