//! Command words of replies in a ticket's thread (`rules/commands.toml`).
//!
//! Pure: matches one line against the phrases. It never decides whether a mail is a reply;
//! intake does that before it asks.

use crate::model::Command;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandsFile {
    ticket_pattern: String,
    first_lines: usize,
    words: BTreeMap<String, Vec<String>>,
}

/// The command rules.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Finds the ticket tag in a subject; group 1 is the id.
    pub ticket: Regex,
    /// How many non-empty, non-quoted lines are read.
    pub first_lines: usize,
    /// (phrase, command), longest phrase first.
    phrases: Vec<(String, Command)>,
}

/// Why `commands.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CommandsError {
    /// Not TOML of the right shape.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// `ticket_pattern` is not a regex.
    #[error("ticket_pattern: {0}")]
    Pattern(#[from] regex::Error),
    /// A key of `[words]` names no command.
    #[error("unknown command {0:?} in [words]")]
    Unknown(String),
}

impl Commands {
    /// Reads `commands.toml`.
    pub fn parse(text: &str) -> Result<Commands, CommandsError> {
        let file: CommandsFile = toml::from_str(text)?;
        let mut phrases = Vec::new();
        for (name, words) in file.words {
            let cmd = match name.as_str() {
                "status" => Command::Status,
                "cancel" => Command::Cancel,
                "dns-changed" => Command::DnsChanged,
                "approve" => Command::Approve,
                "retry" => Command::Retry,
                _ => return Err(CommandsError::Unknown(name)),
            };
            phrases.extend(words.into_iter().map(|w| (w.to_lowercase(), cmd)));
        }
        phrases.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        Ok(Commands {
            ticket: Regex::new(&file.ticket_pattern)?,
            first_lines: file.first_lines,
            phrases,
        })
    }

    /// The command a line holds, if any.
    pub fn command(&self, line: &str) -> Option<Command> {
        let l = line
            .trim()
            .trim_matches(|c: char| c.is_ascii_punctuation() && c != '\'')
            .trim()
            .to_lowercase();
        let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
        self.phrases.iter().find_map(|(p, cmd)| {
            let rest = l.strip_prefix(p.as_str())?;
            (rest.is_empty() || rest.starts_with([' ', ',', '.', '!', ':', ';'])).then_some(*cmd)
        })
    }

    /// The ticket id in a subject, if any.
    pub fn ticket_in(&self, subject: &str) -> Option<String> {
        let c = self.ticket.captures(subject)?;
        Some(c.get(1).or_else(|| c.get(0))?.as_str().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Commands {
        Commands::parse(include_str!("../../rules/commands.toml")).unwrap()
    }

    #[test]
    fn commands_in_each_language() {
        let r = rules();
        for (line, cmd) in [
            ("Status?", Command::Status),
            ("STATUS please", Command::Status),
            ("Abbrechen", Command::Cancel),
            ("Annuler.", Command::Cancel),
            ("cancelar", Command::Cancel),
            ("annulla", Command::Cancel),
            ("annuleren", Command::Cancel),
            ("DNS changed", Command::DnsChanged),
            ("DNS geändert!", Command::DnsChanged),
            ("DNS modifié", Command::DnsChanged),
            ("dns cambiado", Command::DnsChanged),
            ("DNS cambiato", Command::DnsChanged),
            ("DNS gewijzigd", Command::DnsChanged),
            ("approve", Command::Approve),
            ("Retry", Command::Retry),
            ("réessayer", Command::Retry),
            ("Estado", Command::Status),
        ] {
            assert_eq!(r.command(line), Some(cmd), "{line}");
        }
        assert_eq!(r.command("Statuses are fine"), None);
        assert_eq!(r.command("Thanks a lot"), None);
        assert_eq!(r.command("stopwatch"), None);
    }

    #[test]
    fn ticket_tag() {
        let r = rules();
        assert_eq!(r.ticket_in("Re: Move [MIG-000123]").as_deref(), Some("MIG-000123"));
        assert_eq!(r.ticket_in("Re: Move MIG-123"), None);
    }
}
