//! Forwarded requests written into the body: Gmail's "---------- Forwarded message ---------",
//! Thunderbird's "-------- Forwarded Message --------", Apple Mail's "Begin forwarded
//! message:", Outlook's "-----Original Message-----" and `From:`/`Sent:` header blocks, each
//! in six languages.
//!
//! A forward is not a quote: a reply quotes earlier mail of the thread (never read for fields),
//! a forward hands on someone else's request (read). The explicit forward markers are always a
//! forward; Outlook's blocks look the same in a reply and a forward, so they are a forward only
//! when the subject says so (`Fwd:`, `WG:`, `TR:`, `RV:`, `I:`, `Doorst:`, …). A marker inside a
//! quoted reply is part of the quote. The forwarded text loses its own quotes and signature;
//! its author is the address of its `From:` line. Never reads more than [`MAX_DEPTH`] forwards
//! inside each other.

use super::quotes::{self, header_line, FROM, SENT};
use regex::Regex;
use std::sync::OnceLock;

/// Most forwards inside each other that are read.
pub const MAX_DEPTH: usize = 4;

/// One forwarded mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// The address of its `From:` line, lower case.
    pub author: Option<String>,
    /// Its text, without its own quotes and signature.
    pub text: String,
}

fn explicit() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|bericht doorgestuurd)\s*-{2,}|(?:begin forwarded message|anfang der weitergeleiteten nachricht|d[ée]but du message r[ée]exp[ée]di[ée]|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht)\s*:?)\s*$",
        )
        .expect("constant regex")
    })
}

fn original() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$",
        )
        .expect("constant regex")
    })
}

fn address_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)[a-z0-9][a-z0-9._%+-]*@[\p{L}0-9-]+(\.[\p{L}0-9-]+)+").expect("constant regex"))
}

/// True when a subject says the mail is a forward (`Fwd:`, `FW:`, `WG:`, `TR:`, `RV:`, `I:`,
/// `Doorst:`, `Enc:`), after any `Re:`.
pub fn forward_subject(subject: &str) -> bool {
    let mut s = subject.trim();
    for _ in 0..4 {
        let Some((prefix, rest)) = s.split_once(':') else {
            return false;
        };
        let p = prefix.trim().to_lowercase();
        let p = p.trim_start_matches('[').trim_end_matches(']');
        if matches!(
            p,
            "fwd" | "fw" | "wg" | "tr" | "rv" | "i" | "doorst" | "enc" | "inoltro" | "fwd (2)"
        ) {
            return true;
        }
        if !matches!(p, "re" | "aw" | "ant" | "r" | "rif" | "sv" | "antw") {
            return false;
        }
        s = rest.trim();
    }
    false
}

/// Header names of a forwarded mail's block (besides From and Date).
const OTHER_HEADERS: &[&str] = &[
    "to:",
    "an:",
    "à:",
    "à :",
    "a:",
    "aan:",
    "para:",
    "cc:",
    "kopie:",
    "subject:",
    "betreff:",
    "objet:",
    "objet :",
    "sujet:",
    "sujet :",
    "asunto:",
    "oggetto:",
    "onderwerp:",
    "reply-to:",
    "antwort an:",
    "date :",
    "fecha:",
    "data:",
    "datum:",
    "enviado el:",
    "envoyé le :",
    "gesendet:",
    "verzonden:",
    "sent:",
    "inviato:",
    "date:",
];

fn is_header(line: &str) -> bool {
    let t = line.trim();
    header_line(t, FROM) || header_line(t, SENT) || header_line(t, OTHER_HEADERS)
}

/// The body text split into the sender's own text (still with quotes, for the caller to
/// strip) and the forwarded mails in it.
pub fn split(text: &str, subject_forward: bool) -> (String, Vec<Forwarded>) {
    let mut out = Vec::new();
    let own = split_into(text, subject_forward, 0, &mut out);
    (own, out)
}

fn split_into(text: &str, subject_forward: bool, depth: usize, out: &mut Vec<Forwarded>) -> String {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(start) = marker(&lines, subject_forward) else {
        return text.to_string();
    };
    // A marker inside a quoted reply is part of the quote.
    if (0..start).any(|i| quotes::starts_quote(&lines, i)) || depth >= MAX_DEPTH {
        return text.to_string();
    }
    let own = lines[..start].join("\n");
    let mut rest: Vec<String> = lines[start + 1..].iter().map(|l| l.to_string()).collect();
    let quoted_marker = lines[start].trim_start().starts_with('>');
    // Apple Mail's HTML quotes what follows its marker (and the marker itself).
    if quoted_marker
        || rest
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_start().starts_with('>'))
    {
        rest = rest
            .into_iter()
            .map(|l| {
                let t = l.trim_start();
                match t.strip_prefix('>') {
                    Some(r) => r.strip_prefix(' ').unwrap_or(r).to_string(),
                    None => l,
                }
            })
            .collect();
    }
    // An Outlook block starts with its From line (the marker itself).
    if header_line(lines[start].trim(), FROM) {
        rest.insert(0, lines[start].to_string());
    }
    let mut author = None;
    let mut i = 0;
    let mut seen_header = false;
    while i < rest.len() {
        let l = rest[i].trim();
        if l.is_empty() {
            if seen_header {
                break;
            }
            i += 1;
            continue;
        }
        if !is_header(l) {
            break;
        }
        seen_header = true;
        if header_line(l, FROM) && author.is_none() {
            author = address_re().find(l).map(|m| m.as_str().to_lowercase());
        }
        i += 1;
    }
    let body = rest[i..].join("\n");
    let index = out.len();
    out.push(Forwarded {
        author,
        text: String::new(),
    });
    let inner_own = split_into(&body, true, depth + 1, out);
    out[index].text = quotes::strip_quoted(&inner_own);
    own
}

/// The line that starts a forwarded mail, if any.
fn marker(lines: &[&str], subject_forward: bool) -> Option<usize> {
    (0..lines.len()).find(|&i| {
        let t = lines[i].trim();
        // Apple Mail's HTML puts its marker inside the quote of the forwarded mail.
        let unquoted = t.trim_start_matches(['>', ' ']);
        if explicit().is_match(unquoted) {
            return true;
        }
        if !subject_forward {
            return false;
        }
        if original().is_match(t) {
            return true;
        }
        // "From: …" followed by a date line within four lines; or an underscore rule above one.
        let block = |k: usize| {
            lines.get(k).is_some_and(|l| header_line(l.trim(), FROM))
                && lines.iter().skip(k + 1).take(4).any(|n| header_line(n.trim(), SENT))
        };
        block(i) && !(i > 0 && lines[i - 1].trim().chars().all(|c| c == '_') && !lines[i - 1].trim().is_empty())
            || (t.len() >= 10 && t.chars().all(|c| c == '_') && block(i + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_of_each_client_and_language() {
        for (text, subject_fwd) in [
            ("FYI\n\n---------- Forwarded message ---------\nFrom: Lea <lea@law.example>\nDate: Mon, 23 Nov 2026\nSubject: Move\nTo: IT <it@law.example>\n\nPlease migrate lea@law.example.\n", false),
            ("Bitte erledigen\n\n-------- Weitergeleitete Nachricht --------\nBetreff: \tUmzug\nDatum: \tMon, 23 Nov 2026\nVon: \tLea <lea@law.example>\nAn: \tIT\n\nBitte zieht lea@law.example um.\n", false),
            ("Voir ci-dessous\n\nDébut du message réexpédié :\n\n> De: Lea <lea@law.example>\n> Objet: Migration\n> Date: 23 novembre 2026\n> À: IT\n>\n> Merci de migrer lea@law.example.\n", false),
            ("Mira abajo\n---------- Mensaje reenviado ---------\nDe: Lea <lea@law.example>\nFecha: lun, 23 nov 2026\nAsunto: Migrar\nPara: IT\n\nMigrar lea@law.example por favor\n", false),
            ("Vedi sotto\n---------- Messaggio inoltrato ---------\nDa: Lea <lea@law.example>\nData: lun 23 nov 2026\nOggetto: Migrare\nA: IT\n\nMigrare lea@law.example\n", false),
            ("Zie hieronder\n---------- Doorgestuurd bericht ---------\nVan: Lea <lea@law.example>\nDatum: ma 23 nov. 2026\nOnderwerp: Verhuizen\nAan: IT\n\nGraag lea@law.example verhuizen\n", false),
            ("Please handle\n\n________________________________\nFrom: Lea <lea@law.example>\nSent: Monday, November 23, 2026 9:00 AM\nTo: IT\nSubject: Move\n\nPlease migrate lea@law.example.\n", true),
            ("Please handle\n-----Original Message-----\nFrom: Lea [mailto:lea@law.example]\nSent: Monday\nTo: IT\nSubject: Move\n\nPlease migrate lea@law.example.\n", true),
        ] {
            let (own, fw) = split(text, subject_fwd);
            assert_eq!(fw.len(), 1, "{text}");
            assert_eq!(fw[0].author.as_deref(), Some("lea@law.example"), "{text}");
            assert!(fw[0].text.contains("lea@law.example"), "{text}: {:?}", fw[0].text);
            assert!(!fw[0].text.contains("From:") && !fw[0].text.contains("Subject"), "{:?}", fw[0].text);
            assert!(!own.contains("lea@"), "{own}");
        }
    }

    #[test]
    fn a_quoted_reply_is_no_forward() {
        // Outlook's block in a reply (no forward subject) is a quote.
        let (_, fw) = split("ok\nFrom: Support\nSent: Monday\nTo: x\nEmail: a@x.example", false);
        assert!(fw.is_empty());
        // A forward marker inside the quote of a reply is part of the quote.
        let t = "Thanks\n\nOn Mon, 23 Nov 2026, Support <s@p.example> wrote:\n> ---------- Forwarded message ---------\n> From: a@x.example\n";
        assert!(split(t, false).1.is_empty());
        let t = "Thanks\nAm 23.11.2026 schrieb Support:\n---------- Forwarded message ---------\nFrom: a@x.example\n\nEmail: a@x.example\n";
        assert!(split(t, false).1.is_empty());
    }

    #[test]
    fn forward_subjects() {
        for s in [
            "Fwd: Move",
            "FW: x",
            "WG: Umzug",
            "TR: Migration",
            "RV: Migrar",
            "I: Migrare",
            "Doorst: Verhuizen",
            "Re: Fwd: x",
        ] {
            assert!(forward_subject(s), "{s}");
        }
        for s in ["Re: x", "Migration", "Status: ok", "AW: Umzug"] {
            assert!(!forward_subject(s), "{s}");
        }
    }

    #[test]
    fn a_forward_inside_a_forward() {
        let t = "see below\n---------- Forwarded message ---------\nFrom: Boss <boss@x.example>\nSubject: fw\n\nPlease do it\n---------- Forwarded message ---------\nFrom: Lea <lea@x.example>\nSubject: move\n\nPlease migrate lea@x.example\n";
        let (_, fw) = split(t, false);
        assert_eq!(fw.len(), 2);
        assert_eq!(fw[0].author.as_deref(), Some("boss@x.example"));
        assert_eq!(fw[1].author.as_deref(), Some("lea@x.example"));
        assert!(fw[1].text.contains("lea@x.example"));
        assert!(!fw[0].text.contains("lea@"));
    }
}
