//! The rules: field labels, CSV aliases, classification, scheduling policy, limits and reply
//! templates, as TOML in `rules/`. The built-in files are compiled in; an operator's folder
//! (config `rules_dir`) is read over them file by file.

use crate::model::Language;
use anyhow::{Context, Result};
use std::path::Path;

pub mod classify;
pub mod commands;
pub mod fields;
pub mod intent;
pub mod policy;
pub mod providers;
pub mod replies;

pub use classify::Classify;
pub use commands::Commands;
pub use fields::{CsvRules, Field, Labels};
pub use intent::Intent;
pub use policy::Policy;
pub use providers::{LoginMethod, Provider, Providers};
pub use replies::{EtaWords, Phrases, Replies, Settings, Template, Templates, ThreadWords, Words};

/// Built-in reply templates, one file per language.
const REPLIES: [(Language, &str); 6] = [
    (Language::En, include_str!("../rules/replies/en.toml")),
    (Language::De, include_str!("../rules/replies/de.toml")),
    (Language::Fr, include_str!("../rules/replies/fr.toml")),
    (Language::Es, include_str!("../rules/replies/es.toml")),
    (Language::It, include_str!("../rules/replies/it.toml")),
    (Language::Nl, include_str!("../rules/replies/nl.toml")),
];

/// The built-in reply file of `language`.
pub fn builtin_reply_file(language: Language) -> &'static str {
    REPLIES
        .iter()
        .find(|(l, _)| *l == language)
        .map(|(_, text)| *text)
        .unwrap_or(REPLIES[0].1)
}
/// Built-in body labels.
const LABELS: &str = include_str!("../rules/labels.toml");
/// Built-in CSV header aliases.
const CSV: &str = include_str!("../rules/csv.toml");
/// Built-in auto-reply, bounce and list markers.
const CLASSIFY: &str = include_str!("../rules/classify.toml");
/// Built-in command words.
const COMMANDS: &str = include_str!("../rules/commands.toml");
/// Built-in migration-intent patterns and language words.
const INTENT: &str = include_str!("../rules/intent.toml");
/// Built-in scheduling policy and limits.
const POLICY: &str = include_str!("../rules/policy.toml");
/// Built-in known-provider table.
const PROVIDERS: &str = include_str!("../rules/providers.toml");
/// Built-in CSV template sent to customers (header and one filled-in row).
const TEMPLATE_CSV: &str = include_str!("../rules/template.csv");

/// All rules in force.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Reply templates, per language.
    pub replies: Replies,
    /// Body field labels and free-sentence phrases.
    pub labels: Labels,
    /// CSV header aliases.
    pub csv: CsvRules,
    /// Markers of mail never to answer.
    pub classify: Classify,
    /// Command words of replies.
    pub commands: Commands,
    /// Migration-intent patterns and language words.
    pub intent: Intent,
    /// Scheduling policy and limits.
    pub policy: Policy,
    /// Known providers: servers, login methods, limits, help.
    pub providers: Providers,
    /// The CSV template attached to replies that ask for details and to the answer to the
    /// `template` command (`template.csv`).
    pub template_csv: String,
}

impl Rules {
    /// The built-in rules.
    pub fn builtin() -> Result<Rules> {
        Self::load(None)
    }

    /// The built-in rules, with an operator's folder read over them.
    pub fn load(dir: Option<&Path>) -> Result<Rules> {
        let mut replies = Vec::new();
        for (language, builtin) in REPLIES {
            let name = format!("replies/{}.toml", language.code());
            // An operator's folder from before replies had languages holds `replies.toml`: it
            // stays the English file unless `replies/en.toml` is there.
            let text = match (language, dir) {
                (Language::En, Some(d)) if !d.join(&name).exists() => read_override(dir, "replies.toml", builtin)?,
                _ => read_override(dir, &name, builtin)?,
            };
            replies.push((language, text));
        }
        let labels = read_override(dir, "labels.toml", LABELS)?;
        let csv = read_override(dir, "csv.toml", CSV)?;
        let classify = read_override(dir, "classify.toml", CLASSIFY)?;
        let commands = read_override(dir, "commands.toml", COMMANDS)?;
        let policy = read_override(dir, "policy.toml", POLICY)?;
        let intent = read_override(dir, "intent.toml", INTENT)?;
        let providers = read_override(dir, "providers.toml", PROVIDERS)?;
        let template_csv = read_override(dir, "template.csv", TEMPLATE_CSV)?;
        Ok(Rules {
            replies: Replies::parse(&replies)?,
            labels: Labels::parse(&labels).context("rules/labels.toml")?,
            csv: CsvRules::parse(&csv).context("rules/csv.toml")?,
            classify: Classify::parse(&classify).context("rules/classify.toml")?,
            commands: Commands::parse(&commands).context("rules/commands.toml")?,
            intent: Intent::parse(&intent).context("rules/intent.toml")?,
            policy: Policy::parse(&policy).context("rules/policy.toml")?,
            providers: Providers::parse(&providers).context("rules/providers.toml")?,
            template_csv,
        })
    }
}

impl Rules {
    /// The field a table's column header names, for every kind of table (CSV and spreadsheet
    /// files, HTML and plain-text tables in the body): a CSV header alias (`rules/csv.toml`),
    /// else a body label (`rules/labels.toml`). The one place that maps a header to a field.
    pub fn column(&self, header: &str) -> Option<Field> {
        let h = header.trim().trim_end_matches(':').trim();
        if h.is_empty() || h.chars().count() > 40 {
            return None;
        }
        let h = h.trim_matches(|c: char| c == '*' || c.is_whitespace());
        let exact = |h: &str| self.csv.column(h).or_else(|| self.labels.field(h));
        if let Some(f) = exact(h) {
            return Some(f);
        }
        // "Incoming Server (IMAP)", "Benutzername (falls abweichend)": the name without its note.
        if let Some(open) = h.find(['(', '[']) {
            let bare = h[..open].trim();
            if !bare.is_empty() {
                if let Some(f) = exact(bare) {
                    return Some(f);
                }
            }
        }
        // "Login / Benutzer", "E-Mail / Adresse": every part that names a field names the same.
        if h.contains('/') && !h.contains("://") {
            let fields: Vec<Field> = h.split('/').filter_map(|p| exact(p.trim())).collect();
            if let Some(first) = fields.first() {
                if fields.iter().all(|f| f == first) {
                    return Some(*first);
                }
            }
        }
        None
    }
}

fn read_override(dir: Option<&Path>, name: &str, builtin: &str) -> Result<String> {
    if let Some(dir) = dir {
        let path = dir.join(name);
        if path.exists() {
            return std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()));
        }
    }
    Ok(builtin.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_file_replaces_only_its_own_part() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("policy.toml"),
            "lead_time_hours = 2\nweekend_lead_time_hours = 4\nweekend_days = []\nmax_rows = 5\nmax_attachment_bytes = 100\n",
        )
        .unwrap();
        let rules = Rules::load(Some(dir.path())).unwrap();
        assert_eq!(rules.policy.lead_time_hours, 2);
        assert_eq!(rules.labels.field("Passwort"), Some(Field::Password));
        assert_eq!(
            rules.template_csv, TEMPLATE_CSV,
            "the built-in template unless the folder has one"
        );
        std::fs::write(dir.path().join("template.csv"), "email,password,server\n").unwrap();
        assert_eq!(
            Rules::load(Some(dir.path())).unwrap().template_csv,
            "email,password,server\n"
        );
        std::fs::write(dir.path().join("labels.toml"), "not toml [").unwrap();
        let err = format!("{:#}", Rules::load(Some(dir.path())).unwrap_err());
        assert!(err.contains("rules/labels.toml"), "{err}");
    }

    #[test]
    fn every_shipped_reply_file_has_every_english_key() {
        let keys = |l: Language| {
            let table: toml::Table = toml::from_str(builtin_reply_file(l)).unwrap();
            let mut k = replies::key_paths(&table);
            k.sort();
            k
        };
        let english = keys(Language::En);
        assert!(english.iter().any(|k| k == "phrases.total"), "{english:?}");
        for l in Language::ALL {
            assert_eq!(keys(l), english, "rules/replies/{}.toml", l.code());
        }
    }

    #[test]
    fn an_operator_may_override_one_language_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("replies")).unwrap();
        std::fs::write(dir.path().join("replies/fr.toml"), "[done]\ntext = \"C'est fait.\"\n").unwrap();
        let rules = Rules::load(Some(dir.path())).unwrap();
        assert_eq!(rules.replies.get(Language::Fr).done.text, "C'est fait.");
        let builtin = Rules::builtin().unwrap();
        // The operator's file replaces the built-in French one whole: what it lacks is English.
        assert_eq!(
            rules.replies.get(Language::Fr).failed.text,
            builtin.replies.english().failed.text
        );
        assert_eq!(
            rules.replies.get(Language::De).done.text,
            builtin.replies.get(Language::De).done.text
        );
    }
}
