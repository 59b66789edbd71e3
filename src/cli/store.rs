//! `mailferry store rotate-key`: seals every stored password and contact/calendar file under a
//! new key (the daemon must be stopped; the store refuses a second process).

use super::examples::Example;
use std::process::ExitCode;

/// Examples of `mailferry store`.
pub const EXAMPLES: &[Example] = &[Example {
    what: "Re-seal the store under a new key, as the mailferry user, with the daemon stopped",
    line: "mailferry store rotate-key",
}];

/// Arguments of `mailferry store`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Write a new key file and re-seal every sealed record under it (daemon stopped).
    RotateKey,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    match args.action {
        Action::RotateKey => {
            let done = crate::store::rotate::rotate_key(&config.store.path, &config.store.key_file).await?;
            println!(
                "new key in {}: {} password(s) and {} contact/calendar file(s) sealed again; \
                 replies to earlier threads are still recognised",
                config.store.key_file.display(),
                done.secrets,
                done.files
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
