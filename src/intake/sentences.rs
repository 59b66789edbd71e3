//! Free sentences → events for [`assemble`](super::assemble): "pourriez-vous migrer la boîte
//! X depuis Y ? Le mot de passe est Z", "das Passwort lautet …", "port 993".
//!
//! A password is taken only after a phrase that says it is one (`[sentences]` in
//! `rules/labels.toml`), never from a word that merely looks like one (order numbers, tokens in
//! signatures, phone numbers); a value that is an ordinary word ("the password is the same") is
//! no password. A server is taken after a server phrase, after "from"/"von"/"depuis"/… when it
//! looks like a server name, or when it is written `imap.…`/`imaps://…`. An address is a
//! mailbox only when its sentence asks for a migration or gives a field, or it stands in a
//! list after such a sentence, or it is the only address before the signature of a mail that
//! asks; addresses in the signature and in other prose are not. Two
//! addresses joined by "to"/"nach"/"vers"/"→" are a mailbox and its destination. Never logs a
//! value. The caller blanks the lines already read as labelled lines or tables.

use super::assemble::{Event, Piece};
use super::intent::{self, sentences};
use super::values::address;
use crate::rules::fields::Phrases;
use crate::rules::{Field, Rules};
use regex::Regex;
use std::sync::OnceLock;

fn address_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[\p{L}0-9-]+(\.[\p{L}0-9-]+)*\.\p{L}{2,}\b").expect("constant regex")
    })
}

/// Words that are never a password, a login or a server, whatever the phrase before them.
const NOT_VALUES: &[&str] = &[
    "same",
    "attached",
    "below",
    "above",
    "unchanged",
    "identical",
    "known",
    "missing",
    "enclosed",
    "following",
    "correct",
    "wrong",
    "still",
    "also",
    "not",
    "in",
    "on",
    "at",
    "as",
    "for",
    "to",
    "a",
    "an",
    "the",
    "is",
    "my",
    "our",
    "yours",
    "your",
    "here",
    "there",
    "separately",
    "gleich",
    "dasselbe",
    "dieselbe",
    "identisch",
    "unten",
    "oben",
    "anbei",
    "beigefügt",
    "folgt",
    "bekannt",
    "unverändert",
    "noch",
    "nicht",
    "même",
    "identique",
    "ci-dessous",
    "ci-joint",
    "joint",
    "inchangé",
    "mismo",
    "misma",
    "abajo",
    "adjunto",
    "adjunta",
    "igual",
    "stessa",
    "stesso",
    "sotto",
    "allegata",
    "allegato",
    "uguale",
    "hetzelfde",
    "dezelfde",
    "hieronder",
    "bijgevoegd",
    "ongewijzigd",
];

/// Connectors between a mailbox and its destination ("a@x to b@y").
const TO_WORDS: &[&str] = &[
    "to", "->", "→", "=>", "nach", "zu", "auf", "vers", "à", "a", "en", "naar", "into", "in",
];

/// Words between two addresses that make the second the first's new name ("a@x soll künftig
/// b@y heißen", "a@x will become b@y", "a@x devient b@y", "a@x diventa b@y").
const BECOME_WORDS: &[&str] = &[
    "becomes",
    "become",
    "will",
    "renamed",
    "soll",
    "sollen",
    "künftig",
    "zukünftig",
    "wird",
    "werden",
    "umbenannt",
    "devient",
    "deviendra",
    "devenir",
    "sera",
    "renommée",
    "renommé",
    "pasa",
    "será",
    "convierte",
    "diventa",
    "sarà",
    "diventerà",
    "rinominata",
    "wordt",
    "worden",
    "voortaan",
    "hernoemd",
];

/// Other words that may stand between them then ("should from now on be", "in Zukunft").
const BECOME_FILLERS: &[&str] = &[
    "to",
    "be",
    "should",
    "shall",
    "now",
    "from",
    "on",
    "in",
    "future",
    "the",
    "new",
    "address",
    "mailbox",
    "then",
    "als",
    "neue",
    "adresse",
    "postfach",
    "zukunft",
    "dann",
    "jetzt",
    "nun",
    "ab",
    "bei",
    "ihnen",
    "la",
    "nouvelle",
    "désormais",
    "a",
    "ser",
    "nueva",
    "dirección",
    "se",
    "en",
    "il",
    "nuovo",
    "indirizzo",
    "d'ora",
    "poi",
    "het",
    "nieuwe",
    "adres",
    "moet",
    "dan",
    "naar",
    "nach",
    "zu",
    "auf",
    "vers",
    "à",
    "into",
    "and",
    "und",
    "et",
    "y",
    "e",
    "en",
];

/// True when `between` (lower case) makes the next address the new name of the one before.
fn becomes(between: &str) -> bool {
    let words: Vec<&str> = between
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty()
        && words.len() <= 8
        && words.iter().any(|w| BECOME_WORDS.contains(w))
        && words
            .iter()
            .all(|w| BECOME_WORDS.contains(w) || BECOME_FILLERS.contains(w) || TO_WORDS.contains(w))
}

/// Words allowed between "from" and the server ("from our old server imap.x.example").
const FILLERS: &[&str] = &[
    "the",
    "our",
    "my",
    "old",
    "current",
    "server",
    "imap",
    "imap-server",
    "host",
    "provider",
    "dem",
    "unserem",
    "meinem",
    "alten",
    "le",
    "notre",
    "mon",
    "ancien",
    "serveur",
    "el",
    "nuestro",
    "mi",
    "antiguo",
    "servidor",
    "il",
    "nostro",
    "mio",
    "vecchio",
    "onze",
    "mijn",
    "oude",
];

/// Words before a port number.
const PORT_WORDS: &[&str] = &["port", "porta", "puerto", "poort", "portnummer", "port-nummer"];

/// Words allowed between a port word and its number.
const PORT_FILLERS: &[&str] = &[
    "is", "ist", "est", "es", "è", "e", ":", "=", "number", "nummer", "lautet", "numéro",
];

/// The events of the free sentences of `text`; `mail_asks` says whether the mail as a whole
/// (its subject) asks for a migration.
pub fn events(text: &str, rules: &Rules, mail_asks: bool) -> Vec<Event> {
    let spans = sentences(text);
    let signature = intent::signature_start(text).unwrap_or(text.len());
    let mut out: Vec<Event> = Vec::new();
    // Byte ranges of values taken (an address inside a password is no mailbox).
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut asks: Vec<bool> = Vec::with_capacity(spans.len());
    for &(s, e) in &spans {
        let sentence = &text[s..e];
        let sentence_asks = intent::asks(sentence, rules);
        asks.push(sentence_asks);
        let lower = sentence.to_lowercase();
        // A letter whose lower case has another length would shift the offsets: such a
        // sentence gives no phrase values.
        if lower.len() == sentence.len() {
            let labels = &rules.labels;
            // "Le password preferisco comunicarvele per telefono": no password in this sentence.
            let withheld = labels.withholds(&lower);
            for (phrases, field) in [
                (&labels.password_phrases, Field::Password),
                (&labels.host_phrases, Field::Host),
                (&labels.user_phrases, Field::User),
            ] {
                if field == Field::Password && withheld {
                    continue;
                }
                phrase_values(sentence, &lower, s, phrases, field, rules, &mut out, &mut taken);
            }
        }
        // "from mail.x.example" counts in a sentence that asks or names an address, and in any
        // sentence before the signature of a mail that asks ("Ahora está en mail.x.example.").
        let mail_asking = s < signature && (mail_asks || asks.contains(&true));
        let near_address = sentence_asks || mail_asking || address_re().is_match(sentence);
        word_values(sentence, s, near_address, rules, &mut out, &mut taken);
    }
    let in_sentence = |at: usize| spans.iter().position(|&(s, e)| at >= s && at < e);
    let has_field = |i: usize| {
        let (s, e) = spans[i];
        out.iter().any(|ev| ev.at >= s && ev.at < e)
    };
    let field_sentences: Vec<bool> = (0..spans.len()).map(has_field).collect();
    let mut addresses: Vec<Event> = Vec::new();
    let mut last: Option<(usize, String)> = None; // end of the previous address, and it
    for m in address_re().find_iter(text) {
        let (start, end) = (m.start(), m.end());
        if taken.iter().any(|&(s, e)| start < e && end > s) {
            continue;
        }
        let email = address(m.as_str());
        if let Some((prev_end, prev)) = &last {
            let between = text[*prev_end..start].trim().trim_matches(',').trim().to_lowercase();
            if TO_WORDS.contains(&between.as_str()) || becomes(&between) {
                if addresses
                    .last()
                    .is_some_and(|a| matches!(&a.piece, Piece::Address { email, .. } if email == prev))
                {
                    addresses.push(Event {
                        at: start,
                        piece: Piece::Field(Field::Destination, email.clone()),
                    });
                }
                last = Some((end, email));
                continue;
            }
        }
        last = Some((end, email.clone()));
        let Some(i) = in_sentence(start) else { continue };
        let qualifies =
            field_sentences[i] || (start < signature && (asks[i] || listed(text, start, &spans, &asks, mail_asks)));
        if qualifies {
            addresses.push(Event {
                at: start,
                piece: Piece::Address { email, labelled: false },
            });
        }
    }
    // A mail that asks for a migration and names one address (before its signature) in
    // prose that neither asks nor gives a field ("we have a family address: a@x. It is at
    // imap.y. Our son says we should switch to you"): that address is the mailbox.
    if addresses.is_empty() && (mail_asks || asks.contains(&true)) {
        let mut only: Option<(usize, String)> = None;
        let mut several = false;
        for m in address_re().find_iter(&text[..signature]) {
            if taken.iter().any(|&(s, e)| m.start() < e && m.end() > s) {
                continue;
            }
            let email = address(m.as_str());
            match &only {
                Some((_, e)) if *e != email => several = true,
                Some(_) => {}
                None => only = Some((m.start(), email)),
            }
        }
        if let Some((at, email)) = only.filter(|_| !several) {
            addresses.push(Event {
                at,
                piece: Piece::Address { email, labelled: false },
            });
        }
    }
    out.extend(addresses);
    out
}

/// True when the address at `at` starts a line of a list of addresses introduced by a
/// sentence that asks for a migration (or, with no introduction, in a mail that asks).
fn listed(text: &str, at: usize, spans: &[(usize, usize)], asks: &[bool], mail_asks: bool) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..at].trim();
    let bullet = before.is_empty()
        || before
            .chars()
            .all(|c| matches!(c, '-' | '*' | '•' | '·' | '–' | '.' | ')' | '(' | '#') || c.is_ascii_digit());
    if !bullet {
        return false;
    }
    // Walk up over the other list lines to the line that introduces them.
    let mut end = line_start;
    while end > 0 {
        let prev_start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[prev_start..end - 1].trim();
        if line.is_empty() {
            end = prev_start;
            continue;
        }
        let list_line = line
            .trim_start_matches(|c: char| {
                matches!(c, '-' | '*' | '•' | '·' | '–' | '.' | ')' | '(' | '#' | ' ') || c.is_ascii_digit()
            })
            .split_whitespace()
            .next()
            .is_some_and(|w| address_re().is_match(w));
        if list_line {
            end = prev_start;
            continue;
        }
        let sentence = spans.iter().position(|&(s, e)| prev_start < e && end - 1 > s);
        return sentence.is_some_and(|i| asks[i]) || (mail_asks && line.ends_with(':'));
    }
    mail_asks
}

/// The values after `phrases` in one sentence (`lower` = the sentence in lower case, of the
/// same length; `offset` = its place in the text).
#[allow(clippy::too_many_arguments)]
fn phrase_values(
    sentence: &str,
    lower: &str,
    offset: usize,
    phrases: &Phrases,
    field: Field,
    rules: &Rules,
    out: &mut Vec<Event>,
    taken: &mut Vec<(usize, usize)>,
) {
    // One literal search tells whether any phrase's first word is there at all.
    if !phrases.present(lower) {
        return;
    }
    for phrase in phrases.list() {
        // "{words}": a few words between the field's name and the end of the phrase ("het
        // wachtwoord dat nog ontbrak: X", "the password you asked for: X").
        let (head, words_tail) = match phrase.split_once("{words}") {
            Some((h, t)) => (h.trim_end(), Some(t.trim_start())),
            None => (phrase.as_str(), None),
        };
        let (head, tail) = match head.split_once("{address}") {
            Some((h, t)) => (h.trim_end(), Some(t.trim_start())),
            None => (head, None),
        };
        if head.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(found) = lower[from..].find(head) {
            let i = from + found;
            from = i + head.len();
            // The phrase starts and ends at word boundaries: "server is" is not "server ist".
            // Nor part of a name: "host" in "mail.x-host.example" is no phrase.
            let starts = !lower[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '@' | '/'));
            let mut end = i + head.len();
            let ends = head.ends_with([':', '=']) || !lower[end..].chars().next().is_some_and(char::is_alphanumeric);
            if !starts || !ends {
                continue;
            }
            if let Some(tail) = tail {
                let rest = &lower[end..];
                let skipped = rest.len() - rest.trim_start().len();
                let Some(m) = address_re().find(&rest[skipped..]).filter(|m| m.start() == 0) else {
                    continue;
                };
                end += skipped + m.end();
                let rest = &lower[end..];
                let skipped = rest.len() - rest.trim_start().len();
                if !rest[skipped..].starts_with(tail) {
                    continue;
                }
                end += skipped + tail.len();
            }
            // "the password last week and it is now: X", "mot de passe actuel, « X »": far
            // from its name, or after a comma, a password must look like one.
            let mut far = false;
            if let Some(tail) = words_tail {
                let Some((after, words)) = skip_words(&lower[end..], tail) else {
                    continue;
                };
                far = words > PLAIN_WORDS || tail.starts_with(',');
                end += after;
            }
            if let Some((vs, ve, value)) = value_after(sentence, end) {
                if !acceptable(field, phrase, &value, rules)
                    || (far && (!password_like(&value) || value.contains(['\'', '’'])))
                {
                    continue;
                }
                let at = offset + vs;
                if out.iter().any(|e| e.at == at) {
                    continue;
                }
                taken.push((offset + vs, offset + ve));
                out.push(Event {
                    at,
                    piece: Piece::Field(field, value),
                });
            }
        }
    }
}

/// Most words "{words}" of a phrase stands for.
const PHRASE_WORDS: usize = 8;

/// Beyond this many words of "{words}" (or before a ","), the value must look like a password.
const PLAIN_WORDS: usize = 3;

/// The length of `rest` up to and including `tail` when only up to [`PHRASE_WORDS`] plain
/// words (letters, digits, `'`, `-`; commas between them) stand before it, and how many words
/// those were; None otherwise.
fn skip_words(rest: &str, tail: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    for n in 0..=PHRASE_WORDS {
        let t = &rest[at..];
        let ws = t.len() - t.trim_start().len();
        let t = &t[ws..];
        if at > 0 && t.starts_with(tail) {
            let end = at + ws + tail.len();
            let boundary = tail.ends_with([':', '=']) || !rest[end..].chars().next().is_some_and(char::is_alphanumeric);
            if boundary {
                return Some((end, n));
            }
        }
        // "la password, cambiata ieri: X": a comma between the words.
        let (t, ws) = match t.strip_prefix(',') {
            Some(r) => {
                let r2 = r.trim_start();
                (r2, ws + 1 + (r.len() - r2.len()))
            }
            _ => (t, ws),
        };
        let word: usize = t
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '\'' | '’' | '-'))
            .map(char::len_utf8)
            .sum();
        if word == 0 {
            return None;
        }
        at += ws + word;
    }
    None
}

/// The value after byte `end` of `sentence`: a quoted string, or the next word without one
/// trailing ",", ";", "." or ")". Returns its byte range and text.
fn value_after(sentence: &str, end: usize) -> Option<(usize, usize, String)> {
    let rest = sentence.get(end..)?;
    let lead = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '=')
            .len();
    let start = end + lead;
    let rest = &sentence[start..];
    for (open, close) in [('"', '"'), ('\'', '\''), ('“', '”'), ('«', '»'), ('„', '“'), ('‘', '’')] {
        if let Some(r) = rest.strip_prefix(open) {
            let e = r.find(close)?;
            let v = r[..e].trim();
            return (!v.is_empty()).then(|| (start, start + open.len_utf8() + e, v.to_string()));
        }
    }
    let word = rest.split_whitespace().next()?;
    let mut w = word;
    for c in [',', ';', '.', ')', ':'] {
        if let Some(x) = w.strip_suffix(c) {
            if c != ')' || !x.contains('(') {
                w = x;
                break;
            }
        }
    }
    (!w.is_empty()).then(|| (start, start + w.len(), w.to_string()))
}

/// Phrases that are only a password's name: the value after them must look like one.
const BARE_NAMES: &[&str] = &[
    "password",
    "pw",
    "pwd",
    "passwort",
    "kennwort",
    "mot de passe",
    "mdp",
    "contraseña",
    "wachtwoord",
];

/// True when `value` can be the `field` a phrase announces.
fn acceptable(field: Field, phrase: &str, value: &str, rules: &Rules) -> bool {
    let lower = value.to_lowercase();
    if NOT_VALUES.contains(&lower.as_str()) || !rules.intent.word(&lower).is_empty() {
        return false;
    }
    match field {
        Field::Password => {
            // "with password …" is also said of other things ("a problem with password reset"):
            // there the value must look like a password.
            // So must the value after the field's name alone ("contraseña Piston-44").
            let loose = ["with ", "mit ", "avec ", "con ", "met "]
                .iter()
                .any(|w| phrase.starts_with(w))
                || BARE_NAMES.contains(&phrase);
            if loose && value.contains(['\'', '’']) {
                return false; // "password isn't known"
            }
            !loose || password_like(value)
        }
        Field::Host => hostlike(value),
        _ => true,
    }
}

/// True for a value written like a password: a digit, a sign or an inner capital.
fn password_like(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_digit() || !c.is_alphanumeric()) || value.chars().skip(1).any(char::is_uppercase)
}

/// True for something written like a server name (`imap.x.example`, `imaps://…`, `[::1]`).
fn hostlike(value: &str) -> bool {
    let v = value.to_lowercase();
    let v = v
        .strip_prefix("imaps://")
        .or_else(|| v.strip_prefix("imap://"))
        .unwrap_or(&v)
        .trim_end_matches(['.', ',', ';', '/', ')']);
    if v.contains('@') || v.is_empty() {
        return false;
    }
    let host = v.split(':').next().unwrap_or("");
    (host.contains('.') && host.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.'))
        || v.starts_with('[')
        || v.parse::<std::net::IpAddr>().is_ok()
}

/// Servers after "from"/"von"/… (in a sentence that asks or names an address: `asks`) or
/// written `imap.…`, and ports after "port"/"Port"/…
fn word_values(
    sentence: &str,
    offset: usize,
    asks: bool,
    rules: &Rules,
    out: &mut Vec<Event>,
    taken: &mut Vec<(usize, usize)>,
) {
    let words: Vec<(usize, &str)> = sentence
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - sentence.as_ptr() as usize, w))
        .collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"' | '\'' | '?' | '!'))
            .to_lowercase()
    };
    let mut push = |at: usize, len: usize, field: Field, value: String| {
        if out.iter().any(|e| e.at == offset + at) {
            return;
        }
        taken.push((offset + at, offset + at + len));
        out.push(Event {
            at: offset + at,
            piece: Piece::Field(field, value),
        });
    };
    for (k, &(at, w)) in words.iter().enumerate() {
        let b = bare(w);
        let b = b.trim_end_matches('.');
        // imap.x.example, imaps://x.example:993 anywhere.
        let scheme = b.starts_with("imaps://") || b.starts_with("imap://");
        let imap_name = b.split('.').next().is_some_and(|l| {
            l.strip_prefix("imap")
                .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
        }) && b.matches('.').count() >= 2;
        if (scheme || imap_name) && hostlike(b) {
            push(at, w.len(), Field::Host, w.to_string());
            continue;
        }
        if asks && rules.labels.from_words.iter().any(|f| f == b) {
            let next = words[k + 1..]
                .iter()
                .take(4)
                .find(|(_, n)| !FILLERS.contains(&bare(n).as_str()));
            if let Some(&(nat, n)) = next {
                let nb = bare(n);
                if hostlike(&nb) && !n.contains('@') && nb.trim_end_matches('.').contains('.') {
                    push(nat, n.len(), Field::Host, n.to_string());
                }
            }
            continue;
        }
        if PORT_WORDS.contains(&b.trim_end_matches(':')) {
            let next = words[k + 1..]
                .iter()
                .take(3)
                .find(|(_, n)| !PORT_FILLERS.contains(&bare(n).as_str()));
            if let Some(&(nat, n)) = next {
                // "(port 993)." : the number without the punctuation around it.
                let digits = n.trim_matches(|c: char| !c.is_ascii_digit());
                if (2..=5).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
                    push(nat, n.len(), Field::Port, digits.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::assemble::assemble;
    use super::*;
    use crate::intake::MailboxRequest;

    fn read(t: &str) -> Vec<MailboxRequest> {
        let rules = Rules::builtin().unwrap();
        assemble(events(t, &rules, false), false).mailboxes
    }

    fn pw(m: &MailboxRequest) -> Option<&str> {
        m.password.as_ref().map(|p| p.expose())
    }

    #[test]
    fn a_free_sentence() {
        let m = read("please move anna@x.example over, the password is S3cret! and the old server is imap.x.example.");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].email, "anna@x.example");
        assert_eq!(pw(&m[0]), Some("S3cret!"));
        assert_eq!(m[0].source_host.as_deref(), Some("imap.x.example"));
    }

    #[test]
    fn prose_with_an_address_is_not_a_request() {
        assert!(read("Please write to anna@x.example tomorrow.").is_empty());
    }

    #[test]
    fn migrate_from_a_server_without_a_password() {
        let m = read("Please migrate tom@garage.example from imap.oldgarage.example.");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].source_host.as_deref(), Some("imap.oldgarage.example"));
        assert!(m[0].password.is_none());
    }

    #[test]
    fn sentences_in_six_languages() {
        for (t, email, pass, host) in [
            (
                "Bonjour, pourriez-vous migrer la boîte claire@exemple.example depuis mail.ancien.example ? Le mot de passe est Éléphant#42.",
                "claire@exemple.example",
                "Éléphant#42",
                "mail.ancien.example",
            ),
            (
                "Bitte zieht jan@firma.example von imap.alt.example um, das Passwort lautet Sommer-2031.",
                "jan@firma.example",
                "Sommer-2031",
                "imap.alt.example",
            ),
            (
                "Queremos migrar ana@empresa.example desde imap.viejo.example; la contraseña es Playa#7.",
                "ana@empresa.example",
                "Playa#7",
                "imap.viejo.example",
            ),
            (
                "Vorremmo trasferire la casella luca@azienda.example da mail.vecchio.example, la password è Roma!2031",
                "luca@azienda.example",
                "Roma!2031",
                "mail.vecchio.example",
            ),
            (
                "Kunnen jullie kees@bedrijf.example verhuizen van imap.oud.example? Het wachtwoord is Fiets_99.",
                "kees@bedrijf.example",
                "Fiets_99",
                "imap.oud.example",
            ),
        ] {
            let m = read(t);
            assert_eq!(m.len(), 1, "{t}");
            assert_eq!(m[0].email, email);
            assert_eq!(pw(&m[0]), Some(pass), "{t}");
            assert_eq!(m[0].source_host.as_deref(), Some(host), "{t}");
        }
    }

    #[test]
    fn a_password_is_never_guessed_from_a_random_word() {
        let t = "Please migrate info@shop.example from imap.shop-old.example. Our order number is 4711-XK-99, \
                 call +49 30 1234567. Token: a8f9c2e1b7.\nThe password is the same as before.";
        let m = read(t);
        assert_eq!(m.len(), 1);
        assert!(m[0].password.is_none());
    }

    #[test]
    fn an_address_in_the_signature_is_no_mailbox() {
        let m = read("Please migrate info@shop.example, the password is Shop-2031.\n\nBest regards\nTom Baker\ntom@shop.example\n");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].email, "info@shop.example");
    }

    #[test]
    fn a_list_after_an_asking_sentence() {
        let m = read("Could you migrate these mailboxes:\n- a@x.example\n- b@x.example\n\nThe server is imap.x.example, port 993.");
        assert_eq!(
            m.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
            ["a@x.example", "b@x.example"]
        );
        assert_eq!(m[1].source_host.as_deref(), Some("imap.x.example"));
        assert_eq!(m[1].source_port, Some(993));
    }

    #[test]
    fn each_mailbox_keeps_its_own_password_and_destination() {
        let m = read(
            "Please migrate anna@old.example to anna@new.example, the password is A-1111. \
             And bob@old.example, the password is B-2222.",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].destination.as_deref(), Some("anna@new.example"));
        assert_eq!(pw(&m[0]), Some("A-1111"));
        assert_eq!(pw(&m[1]), Some("B-2222"));
    }

    #[test]
    fn the_password_for_a_named_address() {
        let m = read("Please migrate a@x.example and b@x.example. The password for b@x.example is Bee-2031.");
        assert_eq!(m.len(), 2);
        assert!(m[0].password.is_none());
        assert_eq!(pw(&m[1]), Some("Bee-2031"));
    }

    #[test]
    fn user_name_and_port_in_sentences() {
        let m =
            read("Please migrate a@x.example, the username is a.smith and the server is mail.x.example on port 143.");
        assert_eq!(m[0].source_user.as_deref(), Some("a.smith"));
        assert_eq!(m[0].source_port, Some(143));
        assert_eq!(m[0].source_host.as_deref(), Some("mail.x.example"));
    }
}
