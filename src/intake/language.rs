//! The language a request is written in: one of the six languages of the rules, or unknown.
//!
//! Counts the words of the subject and the customer's own text that `rules/intent.toml`
//! lists per language, and the body labels each language uses (`rules/labels.toml`); the
//! clear winner (at least two hits, more than any other) is the language, else the mail's
//! `Content-Language`, else a single hit, else unknown. Never reads quoted text, and never
//! a value (a password is not a word of any language here).
//!
//! A short reply ("Danke, passt!") has few words: what its mail client wrote in the
//! customer's language counts too ([`client_hints`]): the subject's reply or forward prefix
//! (`AW:`, `TR:`; not `Re:`, which most languages use) and the header words of the quoted or
//! forwarded mail ("Von:", "Le … a écrit :"), two words each, when the words alone name no
//! clear winner; then `Content-Language`.

use crate::rules::Rules;

pub use crate::model::Language;

/// The language of `text` (subject and the customer's own words), falling back to the
/// `Content-Language` header.
#[cfg(test)]
pub fn detect(text: &str, content_language: Option<&str>, rules: &Rules) -> Option<Language> {
    detect_with(text, [0; 6], content_language, rules)
}

/// The position of a language in [`Language::ALL`].
fn index(l: Language) -> usize {
    Language::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

/// Hits of the client's words: two for the language of the subject's prefix, two for the
/// language of the quote or forward header found in `full` (the whole body, quotes and all).
pub fn client_hints(subject: &str, full: &str, rules: &Rules) -> [usize; 6] {
    let mut hits = [0usize; 6];
    let clients = &rules.intent.client;
    // The subject's prefixes, outermost first ("AW: WG: …").
    let mut rest = subject.trim_start();
    for _ in 0..3 {
        let Some((word, after)) = rest.split_once(':') else {
            break;
        };
        let word = word.trim().to_lowercase();
        if word.is_empty() || word.chars().count() > 6 || !word.chars().all(char::is_alphabetic) {
            break;
        }
        if let Some((l, _)) = clients.iter().find(|(_, c)| c.prefix.contains(&word)) {
            hits[index(*l)] += 2;
            break;
        }
        rest = after.trim_start();
    }
    if let Some(block) = super::quotes::header_block(full) {
        for (l, c) in clients {
            let named = block.iter().any(|line| {
                let line = line.to_lowercase();
                c.header.iter().any(|h| {
                    if h.ends_with(':') {
                        line.starts_with(h.as_str())
                    } else {
                        line.contains(h.as_str())
                    }
                })
            });
            if named {
                hits[index(*l)] += 2;
            }
        }
    }
    hits
}

/// The language of a reply in a thread: its own text and subject, its client's words, its
/// `Content-Language`.
pub fn of_reply(
    subject: &str,
    own: &str,
    full: &str,
    content_language: Option<&str>,
    rules: &Rules,
) -> Option<Language> {
    let hints = client_hints(subject, full, rules);
    detect_with(&format!("{subject}\n{own}"), hints, content_language, rules)
}

/// [`detect`] with the hits of the client's words, asked when the text's words name no clear
/// winner.
pub fn detect_with(text: &str, client: [usize; 6], content_language: Option<&str>, rules: &Rules) -> Option<Language> {
    let mut hits = [0usize; 6];
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
    if let Some(l) = winner(&hits) {
        return Some(l);
    }
    let mut with_client = hits;
    for (h, c) in with_client.iter_mut().zip(client) {
        *h += c;
    }
    if let Some(l) = winner(&with_client) {
        return Some(l);
    }
    if let Some(l) = content_language.and_then(|c| c.split(',').find_map(Language::from_code)) {
        return Some(l);
    }
    let mut order: Vec<(usize, Language)> = Language::ALL.iter().map(|l| (hits[index(*l)], *l)).collect();
    order.sort_by_key(|b| std::cmp::Reverse(b.0));
    (order[0].0 == 1 && order[1].0 == 0).then_some(order[0].1)
}

/// The language with at least two hits and more than any other.
fn winner(hits: &[usize; 6]) -> Option<Language> {
    let mut order: Vec<(usize, Language)> = Language::ALL.iter().map(|l| (hits[index(*l)], *l)).collect();
    order.sort_by_key(|b| std::cmp::Reverse(b.0));
    (order[0].0 >= 2 && order[0].0 > order[1].0).then_some(order[0].1)
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
