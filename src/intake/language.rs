//! The language a request is written in: one of the six languages of the rules, or unknown.
//!
//! Counts the words of the subject and the customer's own text that `rules/intent.toml`
//! lists per language, and the body labels each language uses (`rules/labels.toml`); the
//! clear winner (at least two hits, more than any other) is the language, else the mail's
//! `Content-Language`, else a single hit, else unknown. Never reads quoted text, and never
//! a value (a password is not a word of any language here).

use crate::rules::Rules;

pub use crate::model::Language;

/// The language of `text` (subject and the customer's own words), falling back to the
/// `Content-Language` header.
pub fn detect(text: &str, content_language: Option<&str>, rules: &Rules) -> Option<Language> {
    let mut hits = [0usize; 6];
    let index = |l: Language| Language::ALL.iter().position(|x| *x == l).unwrap_or(0);
    for line in text.lines() {
        // A label at the start of the line ("Passwort:", "Mot de passe :").
        if let Some((label, _)) = line.split_once(':') {
            if let Some(l) = rules.labels.language(label) {
                hits[index(l)] += 1;
            }
        }
    }
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty() && w.len() <= 20)
    {
        for l in rules.intent.word(word) {
            hits[index(*l)] += 1;
        }
    }
    let mut order: Vec<(usize, Language)> = Language::ALL.iter().map(|l| (hits[index(*l)], *l)).collect();
    order.sort_by_key(|b| std::cmp::Reverse(b.0));
    let (best, lang) = order[0];
    let second = order[1].0;
    if best >= 2 && best > second {
        return Some(lang);
    }
    if let Some(l) = content_language.and_then(|c| c.split(',').find_map(Language::from_code)) {
        return Some(l);
    }
    (best == 1 && second == 0).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::builtin().unwrap()
    }

    #[test]
    fn each_language_is_told_from_its_words() {
        let r = rules();
        for (text, lang) in [
            ("Hello, please move our mailboxes. Thanks, Anna", Language::En),
            ("Hallo, bitte zieht unser Postfach um. Viele Grüße", Language::De),
            ("Bonjour, pourriez-vous migrer la boîte ? Merci", Language::Fr),
            ("Hola, queremos migrar nuestros buzones. Gracias", Language::Es),
            (
                "Buongiorno, vorremmo trasferire le nostre caselle. Grazie",
                Language::It,
            ),
            (
                "Hallo, wij willen onze mailboxen verhuizen. Met vriendelijke groeten",
                Language::Nl,
            ),
            ("Passwort: x\nPosteingangsserver: y", Language::De),
        ] {
            assert_eq!(detect(text, None, &r), Some(lang), "{text}");
        }
    }

    #[test]
    fn content_language_decides_when_the_words_do_not() {
        let r = rules();
        assert_eq!(detect("anna@x.example", Some("fr-FR"), &r), Some(Language::Fr));
        assert_eq!(detect("anna@x.example", Some("pt-BR"), &r), None);
        assert_eq!(detect("", None, &r), None);
    }

    #[test]
    fn codes() {
        assert_eq!(Language::from_code("de-CH"), Some(Language::De));
        assert_eq!(Language::from_code("NL"), Some(Language::Nl));
        assert_eq!(Language::from_code("english"), None);
        assert_eq!(Language::from_code("x"), None);
    }
}
