//! Does a mail ask for a migration? And where are its sentences?
//!
//! The subject and each sentence of the customer's own text (and of forwarded mails) are
//! matched against `[intent]` of `rules/intent.toml`. Sentences end at ".", "!" or "?" before
//! a space, at a blank line, and at the end of a short line (a list item, a signature line);
//! a long line without a full stop runs on (mail clients wrap at 72 characters). Lines after
//! a closing formula ("Kind regards", "Mit freundlichen Grüßen", …) are the signature. Never
//! reads quoted text (the caller strips it) and never decides what a value is.

use crate::rules::Rules;
use regex::Regex;
use std::sync::OnceLock;

/// A line longer than this that does not end a sentence continues on the next line.
const WRAPPED: usize = 60;

/// The byte ranges of the sentences of `text`, in order.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut at = 0;
    let close = |out: &mut Vec<(usize, usize)>, s: usize, e: usize| {
        if text[s..e].trim().is_empty() {
            return;
        }
        // Split further at ". ", "! ", "? ".
        let part = &text[s..e];
        let mut from = 0;
        let bytes = part.as_bytes();
        for i in 0..bytes.len() {
            if matches!(bytes[i], b'.' | b'!' | b'?') && bytes.get(i + 1).is_some_and(|b| b.is_ascii_whitespace()) {
                if !part[from..=i].trim().is_empty() {
                    out.push((s + from, s + i + 1));
                }
                from = i + 1;
            }
        }
        if !part[from..].trim().is_empty() {
            out.push((s + from, e));
        }
    };
    for line in text.split('\n') {
        let end = at + line.len();
        let t = line.trim();
        if t.is_empty() {
            if let Some(s) = start.take() {
                close(&mut out, s, at);
            }
        } else {
            let s = *start.get_or_insert(at);
            let runs_on = t.chars().count() >= WRAPPED && !t.ends_with(['.', '!', '?', ':', ';']);
            if !runs_on {
                close(&mut out, s, end);
                start = None;
            }
        }
        at = end + 1;
    }
    if let Some(s) = start {
        close(&mut out, s, text.len());
    }
    out
}

/// True when `text` (a subject or a sentence) asks for a migration.
pub fn asks(text: &str, rules: &Rules) -> bool {
    rules.intent.asks(text)
}

/// True when the subject or any sentence of `text` asks for a migration.
pub fn mail_asks(subject: &str, text: &str, rules: &Rules) -> bool {
    asks(subject, rules) || sentences(text).iter().any(|&(s, e)| asks(&text[s..e], rules))
}

fn closing() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(thanks|thank you|many thanks|regards|best|best regards|kind regards|cheers|sincerely|yours|mit freundlichen grüßen|mit freundlichen gruessen|freundliche grüße|viele grüße|beste grüße|liebe grüße|grüße|gruß|lg|mfg|danke|vielen dank|cordialement|bien à vous|bien cordialement|salutations|merci|merci beaucoup|saludos|un saludo|atentamente|gracias|muchas gracias|cordiali saluti|distinti saluti|saluti|grazie|grazie mille|met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|groeten|groet|mvg|bedankt|alvast bedankt)\b[\s,.!]*$",
        )
        .expect("constant regex")
    })
}

/// The byte offset where the signature starts (the line after a closing formula), if any.
pub fn signature_start(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split('\n') {
        let end = at + line.len();
        if closing().is_match(line.trim()) {
            return Some((end + 1).min(text.len()));
        }
        at = end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str) -> Vec<&str> {
        sentences(t).into_iter().map(|(s, e)| t[s..e].trim()).collect()
    }

    #[test]
    fn sentences_end_at_stops_blank_lines_and_short_lines() {
        assert_eq!(
            texts("Hi,\nplease migrate a@x.example. The password is X!\n\nThanks\nAnna\n"),
            vec![
                "Hi,",
                "please migrate a@x.example.",
                "The password is X!",
                "Thanks",
                "Anna"
            ]
        );
        let wrapped = "Hello, we would like to move our mailboxes to you, the first one\nis a@x.example and the password is in the next mail";
        assert_eq!(texts(wrapped).len(), 1);
    }

    #[test]
    fn a_signature_starts_after_the_closing() {
        let t = "Please migrate a@x.example.\nBest regards\nTom\ntom@x.example\n";
        let s = signature_start(t).unwrap();
        assert_eq!(&t[s..], "Tom\ntom@x.example\n");
        assert_eq!(signature_start("no closing here"), None);
    }
}
