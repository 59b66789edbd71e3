//! Migration intent and language words (`rules/intent.toml`).
//!
//! Turns the file into one regular expression per language (does a text ask for a migration?)
//! and a word → languages lookup (which language is it written in?). Pure: it never reads a
//! file itself and never sees a field value, only words.

use crate::model::Language;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    intent: BTreeMap<String, Vec<String>>,
    language: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    client: BTreeMap<String, ClientFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientFile {
    #[serde(default)]
    prefix: Vec<String>,
    #[serde(default)]
    header: Vec<String>,
}

/// What a mail client writes in its user's language: subject prefixes and quote header words.
#[derive(Debug, Clone, Default)]
pub struct ClientWords {
    /// Lower-case subject prefixes without their colon ("aw", "tr").
    pub prefix: Vec<String>,
    /// Lower-case header words ("von:", "a écrit").
    pub header: Vec<String>,
}

/// Why `intent.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    /// Not TOML of the right shape.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// A pattern is not a regular expression.
    #[error("[intent] {0}: {1}")]
    Pattern(String, regex::Error),
    /// A key names no language we know.
    #[error("unknown language {0:?}; use en, de, fr, es, it or nl")]
    Unknown(String),
}

/// The intent patterns and language words.
#[derive(Debug, Clone)]
pub struct Intent {
    /// One case-insensitive alternation of each language's patterns.
    patterns: Vec<(Language, Regex)>,
    /// All languages' patterns in one alternation (for the yes/no question).
    any: Option<Regex>,
    /// Lower-case word → the languages that use it.
    words: HashMap<String, Vec<Language>>,
    /// Each language's client words.
    pub client: Vec<(Language, ClientWords)>,
}

impl Intent {
    /// Reads `intent.toml`.
    pub fn parse(text: &str) -> Result<Intent, IntentError> {
        let file: IntentFile = toml::from_str(text)?;
        let mut patterns = Vec::new();
        let mut all: Vec<String> = Vec::new();
        for (code, list) in file.intent {
            let lang = Language::from_code(&code).ok_or_else(|| IntentError::Unknown(code.clone()))?;
            if list.is_empty() {
                continue;
            }
            // `\b` is read as an ASCII word boundary: the same for the words of these patterns,
            // and it keeps the regex engine's fast paths on text with accented letters.
            let list: Vec<String> = list.iter().map(|p| p.replace(r"\b", r"(?-u:\b)")).collect();
            let joined = format!("(?i)(?:{})", list.join(")|(?:"));
            let re = Regex::new(&joined).map_err(|e| IntentError::Pattern(code.clone(), e))?;
            patterns.push((lang, re));
            all.extend(list);
        }
        let any = if all.is_empty() {
            None
        } else {
            Some(
                Regex::new(&format!("(?i)(?:{})", all.join(")|(?:")))
                    .map_err(|e| IntentError::Pattern("all".into(), e))?,
            )
        };
        let mut words: HashMap<String, Vec<Language>> = HashMap::new();
        for (code, list) in file.language {
            let lang = Language::from_code(&code).ok_or_else(|| IntentError::Unknown(code.clone()))?;
            for w in list {
                let e = words.entry(w.to_lowercase()).or_default();
                if !e.contains(&lang) {
                    e.push(lang);
                }
            }
        }
        let mut client = Vec::new();
        for (code, c) in file.client {
            let lang = Language::from_code(&code).ok_or_else(|| IntentError::Unknown(code.clone()))?;
            let lower = |v: Vec<String>| v.into_iter().map(|w| w.to_lowercase()).collect();
            client.push((
                lang,
                ClientWords {
                    prefix: lower(c.prefix),
                    header: lower(c.header),
                },
            ));
        }
        Ok(Intent {
            patterns,
            any,
            words,
            client,
        })
    }

    /// The language of the first intent pattern that `text` matches, if any (languages share
    /// words such as "migration": use it as a yes/no, not to tell the language).
    pub fn find(&self, text: &str) -> Option<Language> {
        self.patterns.iter().find(|(_, re)| re.is_match(text)).map(|(l, _)| *l)
    }

    /// True when `text` matches any intent pattern.
    pub fn asks(&self, text: &str) -> bool {
        self.any.as_ref().is_some_and(|re| re.is_match(text))
    }

    /// The languages that use `word` (lower case), if any.
    pub fn word(&self, word: &str) -> &[Language] {
        self.words.get(word).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent() -> Intent {
        Intent::parse(include_str!("../../rules/intent.toml")).unwrap()
    }

    #[test]
    fn intent_in_each_language() {
        let i = intent();
        // Several languages share words ("migration"): only whether a pattern matches counts.
        for (text, _lang) in [
            ("Please migrate tom@garage.example", Language::En),
            ("Could you move our mailboxes to you?", Language::En),
            ("Mailbox migration", Language::En),
            ("Umzug Postfach", Language::De),
            ("Bitte zieht mein Postfach zu euch um", Language::De),
            ("Wir möchten unsere E-Mails umziehen", Language::De),
            ("Pourriez-vous migrer la boîte", Language::Fr),
            ("Merci de transférer nos boîtes mail", Language::Fr),
            ("Queremos migrar nuestros buzones", Language::Es),
            ("Vorremmo trasferire le caselle", Language::It),
            ("Migrazione casella", Language::It),
            ("Wij willen onze mailboxen verhuizen", Language::Nl),
            ("Kunnen jullie de mailbox overzetten?", Language::Nl),
        ] {
            assert!(i.find(text).is_some(), "{text}");
        }
        for text in [
            "How much does a mailbox cost?",
            "status",
            "Monthly newsletter",
            "Out of office",
        ] {
            assert_eq!(i.find(text), None, "{text}");
        }
    }

    #[test]
    fn words_name_their_languages() {
        let i = intent();
        assert_eq!(i.word("bitte"), &[Language::De]);
        assert!(i.word("la").contains(&Language::Fr));
        assert!(i.word("xyzzy").is_empty());
    }
}
