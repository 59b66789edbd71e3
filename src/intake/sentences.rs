//! Free sentences without labels: "please move anna@x.example over, the password is S3cret!
//! and the old server is imap.x.example".
//!
//! Tried only when no line carries a known label. Every address in the text is a mailbox; a
//! phrase from `[sentences]` in `rules/labels.toml` followed by a word gives the password or
//! the server. Finds nothing unless a password or server phrase is present, so an address in
//! ordinary prose never becomes a request. Never logs a value.

use super::values::{address, host};
use super::MailboxRequest;
use crate::rules::Labels;
use crate::secret::Secret;
use regex::Regex;
use std::sync::OnceLock;

fn address_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("constant regex")
    })
}

/// The value after one of `phrases`: a quoted string, or the next word without one trailing
/// ",", ";" or ".".
fn after_phrase(text: &str, phrases: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for p in phrases {
        // The phrase must end at a word boundary: "server is" must not match "server ist".
        let found = lower.match_indices(p.as_str()).map(|(i, _)| i).find(|&i| {
            let end = i + p.len();
            p.ends_with(':') || !lower[end..].chars().next().is_some_and(char::is_alphanumeric)
        });
        if let Some(i) = found {
            if best.is_none_or(|(b, l)| i < b || (i == b && p.len() > l)) {
                best = Some((i, p.len()));
            }
        }
    }
    let (i, len) = best?;
    // Lower-casing may change the byte length of some letters; then fall back to `lower`.
    let rest = match text.get(i + len..) {
        Some(r) if lower.len() == text.len() => r,
        _ => &lower[i + len..],
    };
    let rest = rest.trim_start().trim_start_matches(':').trim_start();
    for q in ['"', '\'', '“', '«'] {
        if let Some(r) = rest.strip_prefix(q) {
            let close = match q {
                '“' => '”',
                '«' => '»',
                c => c,
            };
            return r.find(close).map(|e| r[..e].to_string()).filter(|v| !v.is_empty());
        }
    }
    let word = rest.split_whitespace().next()?;
    let word = word.strip_suffix([',', ';', '.']).unwrap_or(word);
    (!word.is_empty()).then(|| word.to_string())
}

/// Mailboxes from free sentences, or none.
pub fn read(text: &str, labels: &Labels) -> Vec<MailboxRequest> {
    let password = after_phrase(text, &labels.password_phrases);
    let server = after_phrase(text, &labels.host_phrases).map(|h| host(&h));
    if password.is_none() && server.is_none() {
        return Vec::new();
    }
    let mut emails: Vec<String> = Vec::new();
    for m in address_re().find_iter(text) {
        let a = address(m.as_str());
        if !emails.contains(&a) && password.as_deref() != Some(m.as_str()) {
            emails.push(a);
        }
    }
    emails
        .into_iter()
        .map(|email| {
            let mut mb = MailboxRequest {
                email,
                ..Default::default()
            };
            mb.password = password.as_deref().map(Secret::new);
            if let Some((h, port, sec)) = &server {
                mb.source_host = Some(h.clone());
                mb.source_port = *port;
                mb.source_security = *sec;
            }
            mb
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels::parse(include_str!("../../rules/labels.toml")).unwrap()
    }

    #[test]
    fn a_free_sentence() {
        let t = "please move anna@x.example over, the password is S3cret! and the old server is imap.x.example.";
        let m = read(t, &labels());
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].email, "anna@x.example");
        assert_eq!(m[0].password.as_ref().map(|p| p.expose()), Some("S3cret!"));
        assert_eq!(m[0].source_host.as_deref(), Some("imap.x.example"));
    }

    #[test]
    fn prose_with_an_address_is_not_a_request() {
        assert!(read("Please write to anna@x.example tomorrow.", &labels()).is_empty());
    }
}
