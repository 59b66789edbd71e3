//! Command words of replies in a ticket's thread (`rules/commands.toml`).
//!
//! Pure: matches one line against the phrases, and a sentence against the command sentence
//! patterns and the doubt patterns (negation, condition, question). It never decides whether
//! a mail is a reply, nor which sentences a reply has; intake does that before it asks.

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
    #[serde(default)]
    sentences: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    doubt: DoubtFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DoubtFile {
    #[serde(default)]
    negation_reach: usize,
    #[serde(default)]
    negation: Vec<String>,
    #[serde(default)]
    condition: Vec<String>,
    #[serde(default)]
    request: Vec<String>,
}

/// Why a command sentence is left for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// A negation near the command's words ("do not cancel").
    Negation,
    /// A condition or a plan ("if you have not started, cancel"; "we will change the DNS").
    Condition,
    /// A question whether to do it ("should we cancel?").
    Question,
}

/// One command a sentence names, and whether it is in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceCommand {
    /// The command the sentence names.
    pub command: Command,
    /// Why it must be left for staff, if it must.
    pub doubt: Option<Doubt>,
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
    /// One case-insensitive alternation per command of its sentence patterns.
    sentences: Vec<(Command, Regex)>,
    /// Negation words, searched within `negation_reach` characters of a command's words.
    negation: Option<Regex>,
    negation_reach: usize,
    /// Conditions and plans.
    condition: Option<Regex>,
    /// How a question that is a request opens.
    request: Option<Regex>,
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
    /// A key of `[words]` or `[sentences]` names no command.
    #[error("unknown command {0:?} in [words] or [sentences]")]
    Unknown(String),
    /// A pattern of `[sentences]` or `[doubt]` is not a regex.
    #[error("{0}: {1}")]
    Sentence(String, regex::Error),
}

fn command_named(name: &str) -> Result<Command, CommandsError> {
    Ok(match name {
        "status" => Command::Status,
        "cancel" => Command::Cancel,
        "dns-changed" => Command::DnsChanged,
        "approve" => Command::Approve,
        "retry" => Command::Retry,
        "template" => Command::Template,
        _ => return Err(CommandsError::Unknown(name.to_string())),
    })
}

/// One case-insensitive alternation of `patterns`, or None when there are none.
fn alternation(what: &str, patterns: &[String]) -> Result<Option<Regex>, CommandsError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let joined = format!("(?i)(?:{})", patterns.join(")|(?:"));
    Regex::new(&joined)
        .map(Some)
        .map_err(|e| CommandsError::Sentence(what.to_string(), e))
}

impl Commands {
    /// Reads `commands.toml`.
    pub fn parse(text: &str) -> Result<Commands, CommandsError> {
        let file: CommandsFile = toml::from_str(text)?;
        let mut phrases = Vec::new();
        for (name, words) in file.words {
            let cmd = command_named(&name)?;
            phrases.extend(words.into_iter().map(|w| (w.to_lowercase(), cmd)));
        }
        let mut sentences = Vec::new();
        for (name, patterns) in &file.sentences {
            let cmd = command_named(name)?;
            if let Some(re) = alternation(&format!("[sentences] {name}"), patterns)? {
                sentences.push((cmd, re));
            }
        }
        phrases.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        Ok(Commands {
            ticket: Regex::new(&file.ticket_pattern)?,
            first_lines: file.first_lines,
            phrases,
            sentences,
            negation: alternation("[doubt] negation", &file.doubt.negation)?,
            negation_reach: file.doubt.negation_reach,
            condition: alternation("[doubt] condition", &file.doubt.condition)?,
            request: alternation("[doubt] request", &file.doubt.request)?,
        })
    }

    /// The commands a sentence names, each with its doubt, in the order of the rules.
    pub fn in_sentence(&self, sentence: &str) -> Vec<SentenceCommand> {
        let s = sentence.trim();
        let mut out = Vec::new();
        for (command, re) in &self.sentences {
            let spans: Vec<(usize, usize)> = re.find_iter(s).map(|m| (m.start(), m.end())).collect();
            if spans.is_empty() {
                continue;
            }
            // A status question is harmless; only what changes a job is held back on doubt.
            let acts = matches!(command, Command::Cancel | Command::DnsChanged);
            let doubt = if !acts {
                None
            } else if spans.iter().any(|&(a, b)| self.negated(s, a, b)) {
                Some(Doubt::Negation)
            } else if self.condition.as_ref().is_some_and(|re| re.is_match(s)) {
                Some(Doubt::Condition)
            } else if s.contains('?') && !self.request.as_ref().is_some_and(|re| re.is_match(s)) {
                Some(Doubt::Question)
            } else {
                None
            };
            out.push(SentenceCommand {
                command: *command,
                doubt,
            });
        }
        out
    }

    /// True when a negation stands within the reach around `s[start..end]` (or inside it).
    fn negated(&self, s: &str, start: usize, end: usize) -> bool {
        let Some(re) = &self.negation else { return false };
        // The window is widened to whole words, so that no word is cut into a negation.
        let mut from = start.saturating_sub(self.negation_reach);
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        while let Some(c) = s[..from].chars().next_back().filter(|c| c.is_alphanumeric()) {
            from -= c.len_utf8();
        }
        let mut to = (end + self.negation_reach / 2).min(s.len());
        while !s.is_char_boundary(to) {
            to += 1;
        }
        while let Some(c) = s[to..].chars().next().filter(|c| c.is_alphanumeric()) {
            to += c.len_utf8();
        }
        re.is_match(&s[from..to])
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
            ("Template", Command::Template),
            ("CSV-Vorlage bitte", Command::Template),
            ("modèle", Command::Template),
            ("plantilla", Command::Template),
            ("modello csv", Command::Template),
            ("sjabloon", Command::Template),
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
