//! `mailferry parse [--json] FILE.eml`: what intake and offline validation see, storing
//! nothing and connecting nowhere. Never prints a password (only whether one is present).

use crate::intake::{self, ParsedMail};
use crate::rules::Rules;
use crate::validate;
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
    let parsed = validate::with_offline_errors(intake::parse_mail(&raw, &rules), &rules.policy, chrono::Utc::now());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&parsed.to_json())?);
    } else {
        print!("{}", text_view(&parsed));
    }
    Ok(ExitCode::SUCCESS)
}

/// The readable view: one block per mailbox, then files, then problems.
pub fn text_view(p: &ParsedMail) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let kind = serde_json::to_value(p.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(s, "kind:     {kind}");
    if let Some(c) = p.command.and_then(|c| serde_json::to_value(c).ok()) {
        let _ = writeln!(s, "command:  {}", c.as_str().unwrap_or(""));
    }
    if let Some(r) = &p.reason {
        let _ = writeln!(s, "reason:   {r}");
    }
    if let Some(t) = &p.ticket {
        let _ = writeln!(s, "ticket:   {t}");
    }
    let _ = writeln!(s, "from:     {}", p.meta.from.as_deref().unwrap_or("-"));
    let _ = writeln!(s, "subject:  {}", p.meta.subject);
    for m in &p.mailboxes {
        let where_ = m.row.map_or_else(|| "body".to_string(), |r| format!("row {r}"));
        let _ = writeln!(s, "\nmailbox {} ({where_})", m.email);
        let or = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let _ = writeln!(s, "  server:      {}", or(m.source_host.clone()));
        let _ = writeln!(s, "  port:        {}", or(m.source_port.map(|p| p.to_string())));
        let _ = writeln!(s, "  username:    {}", or(m.source_user.clone()));
        let _ = writeln!(s, "  destination: {}", or(m.destination.clone()));
        let _ = writeln!(s, "  schedule:    {}", or(m.schedule.map(|t| t.to_rfc3339())));
        let pw = if m.password.as_ref().is_some_and(|p| !p.is_empty()) {
            "present"
        } else {
            "missing"
        };
        let _ = writeln!(s, "  password:    {pw}");
    }
    for g in &p.groupware {
        let _ = writeln!(
            s,
            "\nfile {}: {} item(s) for {}",
            g.file,
            g.items,
            g.mailbox.as_deref().unwrap_or("-")
        );
    }
    if !p.errors.is_empty() {
        let _ = writeln!(s, "\nproblems:");
        for e in &p.errors {
            let where_ = e.row.map_or_else(|| "body".to_string(), |r| format!("row {r}"));
            let _ = writeln!(s, "  {where_}, {}: {}", e.field, e.message);
        }
    }
    s
}
