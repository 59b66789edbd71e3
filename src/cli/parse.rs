//! `mailferry parse [--probe [--config FILE]] [--json] FILE.eml`: what intake and validation
//! see, storing nothing. Without `--probe` it connects nowhere; with it, every mailbox that
//! passed the offline checks is probed online (our side, the old server, its login and
//! contents) with the daemon's config. Never prints a password (only whether one is present);
//! every text that came from the mail is printed through `termsafe`.

use super::examples::Example;
use crate::config::{Config, Security};
use crate::intake::{self, ParsedMail};
use crate::rules::Rules;
use crate::termsafe::{self, field};
use crate::validate::{self, ProbeReport, ValidMailbox, ValidatedRequest};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Examples of `mailferry parse`.
pub const EXAMPLES: &[Example] = &[
    Example {
        what: "What intake reads in a mail saved from the support inbox (connects nowhere)",
        line: "mailferry parse request.eml",
    },
    Example {
        what: "The same as one JSON object, for scripts",
        line: "mailferry parse --json request.eml",
    },
    Example {
        what: "Also probe each mailbox online, with the daemon's config",
        line: "mailferry parse --probe --config /etc/mailferry/mailferry.toml request.eml",
    },
];

/// Mailboxes probed at once.
const PROBES_AT_ONCE: usize = 8;

/// Arguments of `mailferry parse`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Also check online: the destination exists, the old server answers securely and accepts
    /// the login; adds folder and message counts (needs the daemon's config).
    #[arg(long)]
    probe: bool,
    /// The configuration file (read only with --probe).
    #[command(flatten)]
    config: super::ConfigArg,
    /// The e-mail file (RFC 5322, as saved by a mail client).
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    file: PathBuf,
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let raw = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let cfg = if args.probe {
        Some(
            args.config
                .load()
                .context("--probe needs the daemon's config (--config FILE)")?,
        )
    } else {
        None
    };
    let mut rules = match &cfg {
        Some(cfg) => Rules::load(cfg.rules_dir.as_deref())?,
        None => Rules::builtin()?,
    };
    if let Some(cfg) = &cfg {
        rules.policy.allow_private_hosts = cfg.source.allow_private_addresses;
    }
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let mut request = validate::stage::offline(intake::parse_mail(&raw, &rules), &rules.policy, now);
    let probes = match &cfg {
        Some(cfg) => probe_all(cfg, &mut request).await,
        None => Vec::new(),
    };
    let mut parsed = request.parsed().clone();
    parsed.errors = request.all_problems();
    if args.json {
        let mut json = parsed.to_json();
        if let (Some(boxes), true) = (json["mailboxes"].as_array_mut(), args.probe) {
            for (i, b) in boxes.iter_mut().enumerate() {
                b["probe"] = probes
                    .get(i)
                    .and_then(Option::as_ref)
                    .map_or(serde_json::Value::Null, probe_json);
            }
        }
        println!("{}", termsafe::json(&serde_json::to_string_pretty(&json)?));
    } else {
        print!("{}", text_view(&parsed));
        print!("{}", probe_view(&parsed, &probes));
    }
    Ok(ExitCode::SUCCESS)
}

/// Probes every mailbox without offline problems (a few at once, in order; a CSV row with a
/// reading problem is not probed either); None for a mailbox not probed.
async fn probe_all(cfg: &Config, request: &mut ValidatedRequest) -> Vec<Option<ProbeReport>> {
    let reading_errors: Vec<usize> = request.parsed().errors.iter().filter_map(|e| e.row).collect();
    let wanted = |m: &ValidMailbox| m.row().is_none_or(|r| !reading_errors.contains(&r));
    validate::stage::online(cfg, request, true, PROBES_AT_ONCE, wanted).await;
    (0..request.parsed().mailboxes.len())
        .map(|i| request.probe(i).cloned())
        .collect()
}

fn security_word(s: Security) -> &'static str {
    match s {
        Security::Tls => "tls",
        Security::Starttls => "starttls",
        Security::Plain => "plain",
    }
}

/// The `probe` object of one mailbox in the JSON view.
fn probe_json(p: &ProbeReport) -> serde_json::Value {
    serde_json::json!({
        "folders": p.folders,
        "messages": p.messages,
        "bytes": p.bytes,
        "source_port": p.source.as_ref().map(|s| s.port),
        "source_security": p.source.as_ref().map(|s| security_word(s.security)),
    })
}

/// The readable probe results, one line per mailbox.
fn probe_view(p: &ParsedMail, probes: &[Option<ProbeReport>]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    if probes.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\nprobe:");
    for (m, r) in p.mailboxes.iter().zip(probes) {
        let Some(r) = r else {
            let _ = writeln!(s, "  {}: not probed (offline problems)", field(&m.email));
            continue;
        };
        let how = r.source.as_ref().map_or_else(
            || "old server not reached".to_string(),
            |src| format!("{} on port {}", security_word(src.security), src.port),
        );
        let size = r.bytes.map_or_else(String::new, |b| format!(", {b} bytes"));
        let verdict = if r.problems.is_empty() { "ok" } else { "problems above" };
        let _ = writeln!(
            s,
            "  {}: {how}, {} folders, {} messages{size}: {verdict}",
            field(&m.email),
            r.folders,
            r.messages
        );
    }
    s
}

/// The readable view: one block per mailbox, then files, then problems. Every field that came
/// from the mail is shown through [`termsafe::field`].
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
        let _ = writeln!(s, "reason:   {}", field(r));
    }
    if let Some(t) = &p.ticket {
        let _ = writeln!(s, "ticket:   {}", field(t));
    }
    let _ = writeln!(s, "from:     {}", field(p.meta.from.as_deref().unwrap_or("-")));
    let _ = writeln!(s, "subject:  {}", field(&p.meta.subject));
    for m in &p.mailboxes {
        let where_ = m.row.map_or_else(|| "body".to_string(), |r| format!("row {r}"));
        let _ = writeln!(s, "\nmailbox {} ({where_})", field(&m.email));
        let or = |v: Option<String>| field(&v.unwrap_or_else(|| "-".into())).into_owned();
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
            field(&g.file),
            g.items,
            field(g.mailbox.as_deref().unwrap_or("-"))
        );
    }
    if !p.errors.is_empty() {
        let _ = writeln!(s, "\nproblems:");
        for e in &p.errors {
            let where_ = e.row.map_or_else(|| "body".to_string(), |r| format!("row {r}"));
            let _ = writeln!(s, "  {where_}, {}: {}", field(&e.field), field(&e.message));
        }
    }
    s
}
