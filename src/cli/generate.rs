//! `mailferry generate man|completions DIR` (hidden): the man pages and the shell completions,
//! made from the same clap definition as `--help`, so they cannot drift from it.
//! `scripts/package` runs it on the release binary and the .deb installs what it writes.
//!
//! - `man DIR`: `mailferry.1` and one page per command (`mailferry-migrate.1`,
//!   `mailferry-tickets-show.1`, …), each with the command's EXAMPLES;
//! - `completions DIR`: `mailferry.bash`, `_mailferry` (zsh) and `mailferry.fish`.
//!
//! Writes only into DIR; never reads a config.

use super::examples::{self, Example};
use anyhow::{Context, Result};
use clap_complete::Shell;
use roff::{bold, roman, Roff};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `mailferry generate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// Man pages (section 1), uncompressed: mailferry.1 and mailferry-COMMAND.1.
    Man {
        /// Where to write them (created when missing).
        #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// Shell completions for bash, zsh and fish.
    Completions {
        /// Where to write them (created when missing).
        #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: PathBuf,
    },
}

/// Runs the command: writes the files and prints their paths, one a line.
pub fn run(args: Args) -> Result<ExitCode> {
    let written = match args.what {
        What::Man { dir } => man_pages(&dir)?,
        What::Completions { dir } => completions(&dir)?,
    };
    for path in written {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the shell completions into `dir`.
pub fn completions(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut cmd = without_hidden(super::command());
    [Shell::Bash, Shell::Zsh, Shell::Fish]
        .into_iter()
        .map(|shell| {
            clap_complete::generate_to(shell, &mut cmd, "mailferry", dir)
                .with_context(|| format!("cannot write the {shell} completions into {}", dir.display()))
        })
        .collect()
}

/// The command tree as people see it: clap_complete writes hidden subcommands too, and
/// `generate` is for packaging, not something a TAB should offer.
fn without_hidden(cmd: clap::Command) -> clap::Command {
    let visible: Vec<clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
    let args: Vec<clap::Arg> = cmd.get_arguments().cloned().collect();
    let mut out = clap::Command::new("mailferry").args(args).subcommands(visible);
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if cmd.get_version().is_some() {
        out = out.version(env!("CARGO_PKG_VERSION"));
    }
    out
}

/// Writes one man page per visible command into `dir`.
pub fn man_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut root = super::command();
    // Building sets each subcommand's display name (mailferry-tickets-show), which names its page.
    root.build();
    let mut pages = Vec::new();
    collect(&root, "mailferry", &mut pages);
    let names: Vec<String> = pages.iter().map(|(cmd, _)| page_name(cmd)).collect();
    let mut written = Vec::new();
    for (cmd, path) in &pages {
        let name = page_name(cmd);
        let file = dir.join(format!("{name}.1"));
        let mut text = Vec::new();
        render(cmd, examples::of(path), &names, &mut text)
            .with_context(|| format!("cannot render the man page {name}"))?;
        std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
        written.push(file);
    }
    Ok(written)
}

/// Every visible command with its path (`mailferry tickets show`), the root first; not the
/// `help` subcommands clap adds when it builds the definition (`--help` says the same).
fn collect(cmd: &clap::Command, path: &str, out: &mut Vec<(clap::Command, String)>) {
    out.push((cmd.clone(), path.to_string()));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        collect(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

/// The page's name: `mailferry`, `mailferry-migrate`, `mailferry-tickets-show`.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name().unwrap_or(cmd.get_name()).to_string()
}

/// One page: clap_mangen's sections (name, synopsis, description, options, commands), then the
/// examples, the files and environment of the top page, SEE ALSO and VERSION.
fn render(cmd: &clap::Command, examples: &[Example], all: &[String], w: &mut Vec<u8>) -> std::io::Result<()> {
    let name = page_name(cmd);
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .manual("mailferry manual")
        .date(env!("CARGO_PKG_VERSION").to_string())
        .source(format!("mailferry {}", env!("CARGO_PKG_VERSION")));
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    let mut roff = Roff::new();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for e in examples {
            if e.what.is_empty() {
                roff.control("PP", []);
            } else {
                roff.control("PP", []).text([roman(format!("{}:", e.what))]);
            }
            roff.control("RS", ["4"])
                .control("nf", [])
                .text([bold(e.line)])
                .control("fi", [])
                .control("RE", []);
        }
    }
    if name == "mailferry" {
        roff.control("SH", ["FILES"])
            .control("TP", [])
            .text([bold("/etc/mailferry/mailferry.toml")])
            .text([roman(
                "The configuration (every key explained in the installed example, \
                 /usr/share/doc/mailferry/examples/mailferry.example.toml).",
            )])
            .control("TP", [])
            .text([bold("/var/lib/mailferry/")])
            .text([roman(
                "The store (tickets, jobs, sealed passwords), its key file and the admin socket \
                 that tickets and jobs talk to while the daemon runs.",
            )])
            .control("TP", [])
            .text([bold("/usr/share/mailferry/rules/")])
            .text([roman(
                "The built-in rules (labels, commands, policy, reply templates), for reference.",
            )])
            .control("SH", ["ENVIRONMENT"])
            .control("TP", [])
            .text([bold("MAILFERRY_CONFIG")])
            .text([roman("The configuration file when --config is not given.")])
            .control("TP", [])
            .text([bold("RUST_LOG")])
            .text([roman(
                "A tracing filter that replaces [log] level of the configuration.",
            )]);
    }
    roff.control("SH", ["SEE ALSO"]);
    let see: Vec<String> = all
        .iter()
        .filter(|n| **n != name && (name == "mailferry" || **n == "mailferry" || n.starts_with(&format!("{name}-"))))
        .map(|n| format!("{n}(1)"))
        .collect();
    let mut also = see.join(", ");
    if !also.is_empty() {
        also.push_str(", ");
    }
    also.push_str("and the operator guide, /usr/share/doc/mailferry/operator.md.");
    roff.text([roman(also)]);
    // Written here, not by clap_mangen: its VERSION section needs a version on the command
    // itself, and only the top command has one.
    roff.control("SH", ["VERSION"])
        .text([roman(format!("v{}", env!("CARGO_PKG_VERSION")))]);
    roff.to_writer(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_per_command_with_its_options_and_examples() {
        let dir = tempfile::tempdir().unwrap();
        let written = man_pages(dir.path()).unwrap();
        let names: Vec<String> = written
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect();
        for want in [
            "mailferry.1",
            "mailferry-migrate.1",
            "mailferry-tickets.1",
            "mailferry-tickets-show.1",
            "mailferry-jobs-cancel.1",
            "mailferry-store-rotate-key.1",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
        }
        assert!(
            !names.iter().any(|n| n.contains("generate")),
            "the hidden command has no page: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n.contains("-help")),
            "no page for clap's help subcommands: {names:?}"
        );
        assert_eq!(names.len(), 12, "a page per command: {names:?}");
        let migrate = std::fs::read_to_string(dir.path().join("mailferry-migrate.1")).unwrap();
        assert!(
            migrate.starts_with(".ie") || migrate.contains(".TH MAILFERRY-MIGRATE 1"),
            "{migrate}"
        );
        assert!(migrate.contains(".SH EXAMPLES"), "{migrate}");
        assert!(
            migrate.contains("\\-\\-password\\-file"),
            "options are rendered: {migrate}"
        );
        assert!(migrate.contains("mailferry(1)"), "{migrate}");
        let top = std::fs::read_to_string(dir.path().join("mailferry.1")).unwrap();
        assert!(
            top.contains("mailferry\\-migrate(1)") && top.contains("MAILFERRY_CONFIG"),
            "{top}"
        );
    }

    #[test]
    fn completions_for_three_shells_know_the_commands_but_not_the_hidden_one() {
        let dir = tempfile::tempdir().unwrap();
        let written = completions(dir.path()).unwrap();
        assert_eq!(written.len(), 3);
        for (file, must) in [
            ("mailferry.bash", "rotate-key"),
            ("_mailferry", "password-file"),
            ("mailferry.fish", "tickets"),
        ] {
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            assert!(text.contains(must) && text.contains("migrate"), "{file}");
            assert!(!text.contains("generate"), "{file} offers the hidden generate command");
        }
    }
}
