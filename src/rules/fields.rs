//! Field labels of the body (`rules/labels.toml`) and CSV header aliases (`rules/csv.toml`).
//!
//! Turns the files into lookups from a normalised label to a [`Field`]. Pure: it never reads
//! a file itself (the loader in `rules.rs` does) and never sees a value, only labels.

use crate::model::Language;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A field of a mailbox request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The address to move.
    Email,
    /// Its password at the old provider.
    Password,
    /// The old IMAP server.
    Host,
    /// Its port.
    Port,
    /// Its security (TLS, STARTTLS).
    Security,
    /// The login at the old provider.
    User,
    /// Our mailbox, when it differs.
    Destination,
    /// The earliest start.
    Schedule,
}

impl Field {
    /// The name shown in error lines.
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Password => "password",
            Field::Host => "server",
            Field::Port => "port",
            Field::Security => "security",
            Field::User => "username",
            Field::Destination => "destination",
            Field::Schedule => "schedule",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsFile {
    fields: BTreeMap<Field, BTreeMap<String, Vec<String>>>,
    sentences: SentencesFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SentencesFile {
    password: Vec<String>,
    host: Vec<String>,
    #[serde(default)]
    user: Vec<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    withheld: Vec<String>,
}

/// The body labels, by normalised label.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    by_label: BTreeMap<String, Field>,
    /// The language of each label listed under one language only.
    lang_by_label: BTreeMap<String, Option<Language>>,
    /// Phrases before a password in a free sentence (lower case).
    pub password_phrases: Phrases,
    /// Phrases before a server name in a free sentence (lower case).
    pub host_phrases: Phrases,
    /// Phrases before a login name in a free sentence (lower case).
    pub user_phrases: Phrases,
    /// Words before the old server in "migrate X from imap.y.example" (lower case).
    pub from_words: Vec<String>,
    /// Words that say a password comes another way ("by phone", "per SMS"; lower case).
    withheld: Vec<String>,
}

/// Phrases of free sentences (lower case), with a quick test whether any may be in a text.
#[derive(Debug, Clone, Default)]
pub struct Phrases {
    list: Vec<String>,
    /// The phrases' first words, as one literal search.
    first_words: Option<Regex>,
}

impl Phrases {
    /// From the phrases of `labels.toml`.
    pub fn new(list: Vec<String>) -> Phrases {
        let list: Vec<String> = list.into_iter().map(|p| p.to_lowercase()).collect();
        let mut words: Vec<String> = list
            .iter()
            .filter_map(|p| p.split_whitespace().find(|w| !w.contains("{address}")))
            .map(|w| regex::escape(w.trim_end_matches([':', '='])))
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        let first_words = (!words.is_empty()).then(|| Regex::new(&words.join("|")).ok()).flatten();
        Phrases { list, first_words }
    }

    /// The phrases.
    pub fn list(&self) -> &[String] {
        &self.list
    }

    /// False when no phrase can be in `lower` (a lower-case text); true when one may be.
    pub fn present(&self, lower: &str) -> bool {
        self.first_words.as_ref().is_none_or(|re| re.is_match(lower))
    }

    /// True when `phrase` is one of them.
    pub fn contains(&self, phrase: &str) -> bool {
        self.list.iter().any(|p| p == phrase)
    }
}

/// Normalises a body label: lower case, bullets and "*" removed, spaces collapsed.
pub fn normalize_label(label: &str) -> String {
    let t = label
        .trim()
        .trim_start_matches(['-', '*', '•', '>', '·'])
        .trim_end_matches(['*', ':', '.'])
        .trim();
    t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl Labels {
    /// Reads `labels.toml`.
    pub fn parse(text: &str) -> Result<Labels, toml::de::Error> {
        let file: LabelsFile = toml::from_str(text)?;
        let mut by_label = BTreeMap::new();
        let mut lang_by_label: BTreeMap<String, Option<Language>> = BTreeMap::new();
        for (field, langs) in file.fields {
            for (code, labels) in langs {
                let lang = Language::from_code(&code);
                for label in labels {
                    let norm = normalize_label(&label);
                    lang_by_label
                        .entry(norm.clone())
                        .and_modify(|l| {
                            if *l != lang {
                                *l = None
                            }
                        })
                        .or_insert(lang);
                    by_label.entry(norm).or_insert(field);
                }
            }
        }
        let lower = |v: Vec<String>| v.into_iter().map(|s| s.to_lowercase()).collect();
        Ok(Labels {
            by_label,
            lang_by_label,
            password_phrases: Phrases::new(file.sentences.password),
            host_phrases: Phrases::new(file.sentences.host),
            user_phrases: Phrases::new(file.sentences.user),
            from_words: lower(file.sentences.from),
            withheld: lower(file.sentences.withheld),
        })
    }

    /// True when `text` says the password comes another way ("je vous le communique par SMS",
    /// "per telefono"): then what follows a password label or phrase there is no password.
    pub fn withholds(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.withheld.iter().any(|w| {
            lower.match_indices(w.as_str()).any(|(i, _)| {
                let before = lower[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
                let after = lower[i + w.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
                before && after
            })
        })
    }

    /// The field a label names, if any.
    pub fn field(&self, label: &str) -> Option<Field> {
        self.by_label.get(&normalize_label(label)).copied()
    }

    /// The language of a label, when only one language lists it.
    pub fn language(&self, label: &str) -> Option<Language> {
        self.lang_by_label.get(&normalize_label(label)).copied().flatten()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvFile {
    delimiters: Vec<String>,
    headerless: Vec<Field>,
    columns: BTreeMap<Field, Vec<String>>,
    #[serde(default)]
    ditto: Vec<String>,
}

/// CSV header aliases and delimiters.
#[derive(Debug, Clone, Default)]
pub struct CsvRules {
    /// Candidate delimiters (single bytes).
    pub delimiters: Vec<u8>,
    /// The columns of a file without a header.
    pub headerless: Vec<Field>,
    by_alias: BTreeMap<String, Field>,
    /// Cells that mean "the same as the row above" ("idem", "dito", "〃"), lower case.
    ditto: Vec<String>,
}

/// Normalises a CSV column name: lower case without spaces, `_` and `-`.
pub fn normalize_column(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '"'))
        .collect::<String>()
        .to_lowercase()
}

impl CsvRules {
    /// Reads `csv.toml`.
    pub fn parse(text: &str) -> Result<CsvRules, toml::de::Error> {
        let file: CsvFile = toml::from_str(text)?;
        let delimiters = file
            .delimiters
            .iter()
            .filter_map(|d| match d.as_bytes() {
                [b] => Some(*b),
                _ => None,
            })
            .collect();
        let mut by_alias = BTreeMap::new();
        for (field, names) in file.columns {
            for n in names {
                by_alias.entry(normalize_column(&n)).or_insert(field);
            }
        }
        Ok(CsvRules {
            delimiters,
            headerless: file.headerless,
            by_alias,
            ditto: file.ditto.iter().map(|d| d.trim().to_lowercase()).collect(),
        })
    }

    /// The field a column header names, if any.
    pub fn column(&self, name: &str) -> Option<Field> {
        self.by_alias.get(&normalize_column(name)).copied()
    }

    /// True when a cell says "the same as above".
    pub fn is_ditto(&self, cell: &str) -> bool {
        let c = cell.trim().to_lowercase();
        !c.is_empty() && self.ditto.contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels::parse(include_str!("../../rules/labels.toml")).unwrap()
    }

    #[test]
    fn labels_in_each_language() {
        let l = labels();
        for (label, field) in [
            ("E-Mail", Field::Email),
            ("E-Mail-Adresse", Field::Email),
            ("Adresse e-mail", Field::Email),
            ("Correo electrónico", Field::Email),
            ("Indirizzo email", Field::Email),
            ("E-mailadres", Field::Email),
            ("Password", Field::Password),
            ("Passwort", Field::Password),
            ("Mot de passe", Field::Password),
            ("Contraseña", Field::Password),
            ("Wachtwoord", Field::Password),
            ("IMAP Server", Field::Host),
            ("Posteingangsserver", Field::Host),
            ("Serveur IMAP", Field::Host),
            ("Servidor", Field::Host),
            ("Server IMAP", Field::Host),
            ("Inkomende server", Field::Host),
            ("Port", Field::Port),
            ("Puerto", Field::Port),
            ("Porta", Field::Port),
            ("Poort", Field::Port),
            ("Verschlüsselung", Field::Security),
            ("Benutzername", Field::User),
            ("Nom d'utilisateur", Field::User),
            ("Zieladresse", Field::Destination),
            ("Termin", Field::Schedule),
            ("Fecha", Field::Schedule),
            ("  * Datum :", Field::Schedule),
        ] {
            assert_eq!(l.field(label), Some(field), "{label}");
        }
        assert_eq!(l.field("Regards"), None);
        assert_eq!(l.field("Thanks"), None);
    }

    #[test]
    fn no_label_names_two_fields() {
        let file: LabelsFile = toml::from_str(include_str!("../../rules/labels.toml")).unwrap();
        let mut seen: BTreeMap<String, Field> = BTreeMap::new();
        for (field, langs) in file.fields {
            for label in langs.into_values().flatten() {
                if let Some(other) = seen.insert(normalize_label(&label), field) {
                    assert_eq!(other, field, "label {label:?} names two fields");
                }
            }
        }
    }

    #[test]
    fn sentence_phrases_are_lower_case() {
        let l = labels();
        assert!(l.password_phrases.contains("passwort ist"));
        assert!(l.host_phrases.contains("server is"));
        assert!(l.password_phrases.present("das passwort lautet x"));
        assert!(!l.password_phrases.present("hello, how are you"));
    }

    #[test]
    fn a_password_sent_another_way_is_withheld() {
        let l = labels();
        assert!(l.withholds("I'll give it to you by phone"));
        assert!(l.withholds("lo mando por SMS mañana"));
        assert!(l.withholds("stuur ik apart via sms"));
        assert!(!l.withholds("the password is Tulip-7, apart from that all is fine"));
        assert!(!l.withholds("Smsgate-44"));
        assert!(!l.withholds("Telefon#12"));
    }

    #[test]
    fn csv_aliases_include_microsoft_365() {
        let c = CsvRules::parse(include_str!("../../rules/csv.toml")).unwrap();
        assert_eq!(c.column("EmailAddress"), Some(Field::Email));
        assert_eq!(c.column("UserName"), Some(Field::User));
        assert_eq!(c.column("Password"), Some(Field::Password));
        assert_eq!(c.column("IMAP Server"), Some(Field::Host));
        assert_eq!(c.column("E-Mail-Adresse"), Some(Field::Email));
        assert_eq!(c.column("\u{feff}email"), Some(Field::Email));
        assert_eq!(c.column("Notes"), None);
        assert_eq!(c.delimiters, vec![b',', b';', b'\t', b'|']);
        assert_eq!(c.headerless, vec![Field::Email, Field::Password, Field::Host]);
    }
}
