//! `mailferry serve`: run the daemon until SIGTERM or Ctrl-C.

use super::examples::Example;
use crate::daemon::Daemon;
use std::process::ExitCode;

/// Examples of `mailferry serve`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "Run the daemon in the foreground, as the systemd unit does",
        line: "mailferry serve --config /etc/mailferry/mailferry.toml",
    },
    Example {
        what: "Try a configuration of your own (stop with Ctrl-C; SIGHUP reloads the rules)",
        line: "mailferry serve -c ./mailferry.toml",
    },
];

/// Arguments of `mailferry serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

/// Runs the daemon.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    super::init_logging(&config.log.level, &config.log.format);
    for w in crate::security::weakened(&config) {
        tracing::warn!("{w} (test beds only)");
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let daemon = Daemon::new(config, rx)?;
    #[cfg(unix)]
    {
        let d = daemon.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                match d.reload_rules() {
                    Ok(()) => tracing::info!("rules reloaded (SIGHUP)"),
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "rules NOT reloaded; the previous rules stay in force")
                    }
                }
            }
        });
    }
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping: finishing or checkpointing running work");
        let _ = tx.send(true);
    });
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "mailferry started");
    daemon.run().await?;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
