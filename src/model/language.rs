//! The languages mailferry reads and writes: the six of the rules (English, German, French,
//! Spanish, Italian, Dutch). Intake detects one per request; replies are written in it.

use serde::{Deserialize, Serialize};

/// The languages replies can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Italian.
    It,
    /// Dutch.
    Nl,
}

impl Language {
    /// All six, in a fixed order.
    pub const ALL: [Language; 6] = [
        Language::En,
        Language::De,
        Language::Fr,
        Language::Es,
        Language::It,
        Language::Nl,
    ];

    /// The two-letter code (`en`, `de`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Fr => "fr",
            Language::Es => "es",
            Language::It => "it",
            Language::Nl => "nl",
        }
    }

    /// The language of a code or tag (`de`, `de-CH`, `FR_fr`), if it is one of the six.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.trim().get(..2)?.to_ascii_lowercase();
        let rest = code.trim().get(2..).unwrap_or("");
        if !(rest.is_empty() || rest.starts_with(['-', '_'])) {
            return None;
        }
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }
}
