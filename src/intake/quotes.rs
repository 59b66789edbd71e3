//! Drops what the customer did not write in this mail: quoted earlier messages and the
//! signature. What remains is the only text intake reads for fields and commands.
//!
//! Cuts at the first line that starts a quoted message ("On … wrote:", "Am … schrieb",
//! "Le … a écrit", "-----Original Message-----", an Outlook `From:`/`Sent:` block, an
//! underscore rule) or a signature (`-- `), and skips `>` lines. Never rewrites a kept line.

use regex::Regex;
use std::sync::OnceLock;

fn attribution() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(on\s.*wrote|am\s.*schrieb.*|le\s.*a\s+écrit\s*|el\s.*escribió|il\s.*ha\s+scritto|op\s.*(schreef|geschreven).*)\s*:?\s*$",
        )
        .expect("constant regex")
    })
}

fn original_message() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht)\s*-{2,}",
        )
        .expect("constant regex")
    })
}

/// True when `line` starts with one of the header names (`from:`, `von:`, ...), bold or not.
pub fn header_line(line: &str, names: &[&str]) -> bool {
    let l = line.trim_start_matches('*').to_lowercase();
    let l = l.replacen('\t', " ", 1);
    names
        .iter()
        .any(|n| l.starts_with(n) || l.replacen(":*", ":", 1).starts_with(n))
}

/// Header names of the sender line of a quoted or forwarded mail.
pub const FROM: &[&str] = &["from:", "von:", "de :", "de:", "van:", "da:", "mittente:"];
/// Header names of its date line.
pub const SENT: &[&str] = &[
    "sent:",
    "date:",
    "gesendet:",
    "datum:",
    "envoyé :",
    "envoyé:",
    "enviado:",
    "inviato:",
    "verzonden:",
    "fecha:",
    "enviado el:",
    "data:",
];

/// True when line `i` starts a quoted earlier message (not a signature).
pub fn starts_quote(lines: &[&str], i: usize) -> bool {
    let Some(t) = lines.get(i).map(|l| l.trim()) else {
        return false;
    };
    if original_message().is_match(t) || (t.len() >= 10 && t.chars().all(|c| c == '_')) {
        return true;
    }
    if attribution().is_match(t) {
        return true;
    }
    // "On Mon, 1 Dec 2031 at 10:00, Anna <anna@x.example>" wrapped before "wrote:", in each
    // language ("Le … <a@x>" / "a écrit :").
    let lower = t.to_lowercase();
    if ["on ", "am ", "le ", "el ", "il ", "op "]
        .iter()
        .any(|w| lower.starts_with(w))
        && lines.get(i + 1).is_some_and(|n| {
            let n = n.trim().to_lowercase();
            let n = n.trim_end_matches([':', ' ']);
            [
                "wrote",
                "schrieb",
                "a écrit",
                "escribió",
                "ha scritto",
                "schreef",
                "geschreven",
            ]
            .iter()
            .any(|w| n.ends_with(w))
        })
    {
        return true;
    }
    header_line(t, FROM) && lines.iter().skip(i + 1).take(4).any(|n| header_line(n.trim(), SENT))
}

/// The lines that head the first quoted or forwarded mail of `text` (its attribution line or
/// header block and the five lines after it), without `>` and `*` marks; None when nothing is
/// quoted. Language detection reads the client's words there.
pub fn header_block(text: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let unmarked: Vec<String> = lines
        .iter()
        .map(|l| l.trim().trim_start_matches(['>', ' ', '*']).replace('*', ""))
        .collect();
    let unmarked_refs: Vec<&str> = unmarked.iter().map(String::as_str).collect();
    let first = (0..lines.len()).find(|&i| {
        starts_quote(&lines, i) || (lines[i].trim_start().starts_with('>') && starts_quote(&unmarked_refs, i))
    })?;
    Some(
        unmarked
            .into_iter()
            .skip(first)
            .take(6)
            .map(|l| l.trim().to_string())
            .collect(),
    )
}

/// The new text of a mail body, without quotes and signature.
pub fn strip_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut kept = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if *line == "-- " || t == "--" || t == "—" {
            break;
        }
        if starts_quote(&lines, i) {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        kept.push(*line);
    }
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_signatures_are_dropped() {
        let t = "status\n\nOn Mon, 1 Dec 2031, Support <s@p.example> wrote:\n> Email: a@x.example";
        assert_eq!(strip_quoted(t).trim(), "status");
        let t = "Hi\n-- \nAnna\nPassword: no";
        assert_eq!(strip_quoted(t), "Hi");
        let t = "ok\nAm 01.12.2031 um 10:00 schrieb Support <s@p.example>:\nEmail: a@x.example";
        assert_eq!(strip_quoted(t), "ok");
        let t = "ok\nFrom: Support\nSent: Monday\nTo: x\nEmail: a@x.example";
        assert_eq!(strip_quoted(t), "ok");
        let t = "ok\n-----Original Message-----\nEmail: a@x.example";
        assert_eq!(strip_quoted(t), "ok");
        let t = "ok\nLe lun. 1 déc. 2031 à 10:00, Support <s@p.example> a écrit :\nx";
        assert_eq!(strip_quoted(t), "ok");
    }
}
