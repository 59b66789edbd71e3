//! Customer and server text made safe to print on a terminal.
//!
//! A subject, a sender's name, a folder name or a server's error can carry control characters
//! that a terminal obeys instead of showing: `ESC ]0;…BEL` retitles the window, `ESC [2J`
//! clears the screen, a C1 `CSI` (U+009B) does the same on terminals that read it, and the
//! bidirectional overrides (U+202E …) show text in another order than it is. The commands
//! that print such text (`tickets`, `jobs`, `parse`, `migrate`, `check`, and the error line of
//! every command) pass it through here first, so each of those characters arrives as a visible
//! escape (`\x1b`, `\u{202e}`) and nothing else changes.
//!
//! Never drops a character silently and never changes stored data, replies or logs: it is used
//! at the moment of printing only. The log lines are escaped by tracing-subscriber itself.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as it is: every control character (C0, DEL, C1),
/// the bidirectional marks, embeddings, overrides and isolates, and the Unicode line and
/// paragraph separators (some terminals break the line there).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

/// The visible escape of an unsafe character: `\n`, `\r`, `\t`, `\xHH` up to U+00FF, `\u{…}`
/// above.
fn escape(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) <= 0xFF => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `s` with every character for which `escape_it` holds replaced by `write`; borrowed when
/// nothing needs replacing (the common case costs one scan).
fn replace(s: &str, escape_it: impl Fn(char) -> bool, write: impl Fn(char, &mut String)) -> Cow<'_, str> {
    let Some(first) = s.char_indices().find(|&(_, c)| escape_it(c)).map(|(i, _)| i) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if escape_it(c) {
            write(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One field for one line (a subject, a name, a folder, a server's words): every unsafe
/// character, line breaks included, becomes a visible escape, so the field cannot start a line
/// of its own either.
pub fn field(s: &str) -> Cow<'_, str> {
    replace(s, is_unsafe, escape)
}

/// Text of several lines (a listing, a report, an error with its causes): like [`field`], but
/// line breaks and tabs stay as they are.
pub fn text(s: &str) -> Cow<'_, str> {
    replace(s, |c| c != '\n' && c != '\t' && is_unsafe(c), escape)
}

/// JSON as serde_json writes it, safe to print: serde_json escapes the C0 controls inside
/// strings but writes DEL, the C1 controls and the bidirectional characters as they are; here
/// each becomes a `\uXXXX` escape, which a JSON reader reads back as the same character, so
/// the value is unchanged. (Outside strings serde_json writes only ASCII punctuation, digits,
/// spaces and line breaks, which stay.)
pub fn json(s: &str) -> Cow<'_, str> {
    replace(
        s,
        |c| c != '\n' && is_unsafe(c),
        |c, out| {
            // Every unsafe character is in the Basic Multilingual Plane: one \u escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No byte a terminal would obey: no C0 control but the allowed ones, no DEL, no C1, no
    /// bidirectional control.
    fn obeyed(s: &str, allowed: &[char]) -> Vec<char> {
        s.chars().filter(|&c| is_unsafe(c) && !allowed.contains(&c)).collect()
    }

    #[test]
    fn a_subject_that_retitles_the_window_and_clears_the_screen_is_shown_not_obeyed() {
        let subject = "Umzug\x1b]0;pwned\x07 bitte\x1b[2J\x1b[H";
        let shown = field(subject);
        assert_eq!(shown, "Umzug\\x1b]0;pwned\\x07 bitte\\x1b[2J\\x1b[H");
        assert!(obeyed(&shown, &[]).is_empty());
        assert!(!shown.contains('\x1b') && !shown.contains('\x07'));
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_escaped() {
        // U+009B is CSI on terminals that read C1; U+009D is OSC; U+202E reverses what follows.
        let s = "a\u{9b}2Jb\u{9d}0;x\u{9c}c\u{202e}fdp.exe\u{2066}d\u{200f}\u{2028}e\u{7f}";
        let shown = field(s);
        assert_eq!(
            shown,
            "a\\x9b2Jb\\x9d0;x\\x9cc\\u{202e}fdp.exe\\u{2066}d\\u{200f}\\u{2028}e\\x7f"
        );
        assert!(obeyed(&shown, &[]).is_empty());
    }

    #[test]
    fn a_field_cannot_make_a_line_of_its_own_but_text_keeps_its_lines() {
        let s = "Re: hi\r\nticket:  MIG-000001\tforged";
        assert_eq!(field(s), "Re: hi\\r\\nticket:  MIG-000001\\tforged");
        let listing = "MIG-000001  open  \x1b[31mred\x1b[0m\n\tsecond line\n";
        assert_eq!(text(listing), "MIG-000001  open  \\x1b[31mred\\x1b[0m\n\tsecond line\n");
        assert!(obeyed(&text(listing), &['\n', '\t']).is_empty());
    }

    #[test]
    fn ordinary_text_in_any_script_is_left_alone_and_borrowed() {
        for s in [
            "Posteingang/Entwürfe",
            "Входящие",
            "受信トレイ",
            "صندوق الوارد",
            "שלום",
            "👩‍💻 Büro & Co. — \"quoted\" \\ backslash",
            "",
        ] {
            assert!(matches!(field(s), Cow::Borrowed(b) if b == s), "{s}");
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(json(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({
            "subject": "x\x1b]0;pwned\x07y\x1b[2J \u{9b}31m \u{202e}txt.exe \u{7f}",
            "folders": ["INBOX", "Archiv\u{2029}2024"],
        });
        let printed = serde_json::to_string_pretty(&value).unwrap();
        assert!(
            !obeyed(&printed, &['\n']).is_empty(),
            "serde_json alone lets some through"
        );
        let safe = json(&printed);
        assert!(obeyed(&safe, &['\n']).is_empty(), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
