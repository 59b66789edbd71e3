//! The languages mailferry reads and writes: the six of the rules (English, German, French,
//! Spanish, Italian, Dutch). Intake detects one per request; replies are written in it.

use serde::{Deserialize, Serialize};

/// The languages replies can be written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (also the language of tickets stored before tickets had one).
    #[default]
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

/// The language a new ticket's replies are written in: the one detected in the request, else
/// that of the same sender's latest earlier ticket, else the operator's default.
pub fn choose(detected: Option<Language>, earlier: Option<Language>, default: Language) -> Language {
    detected.or(earlier).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detected_language_wins_over_earlier_tickets_and_the_default() {
        assert_eq!(
            choose(Some(Language::Fr), Some(Language::De), Language::Nl),
            Language::Fr
        );
    }

    #[test]
    fn without_detection_the_senders_earlier_ticket_decides() {
        assert_eq!(choose(None, Some(Language::De), Language::Nl), Language::De);
    }

    #[test]
    fn without_anything_known_the_operators_default_is_used() {
        assert_eq!(choose(None, None, Language::It), Language::It);
        assert_eq!(choose(None, None, Language::En), Language::En);
    }

    #[test]
    fn codes_name_the_six_languages_only() {
        assert_eq!(Language::from_code("de-CH"), Some(Language::De));
        assert_eq!(Language::from_code("pt"), None);
        for l in Language::ALL {
            assert_eq!(Language::from_code(l.code()), Some(l));
        }
    }
}
