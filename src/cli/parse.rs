//! `mailferry parse [--json] FILE.eml`: what intake and validation see, storing nothing.

use crate::intake;
use crate::rules::Rules;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mailferry parse`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The e-mail file (RFC 5322, as saved by a mail client).
    file: PathBuf,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let raw = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let rules = Rules::builtin()?;
    let parsed = intake::parse_mail(&raw, &rules);
    let json = parsed.to_json();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("{json:#}");
    }
    Ok(ExitCode::SUCCESS)
}
