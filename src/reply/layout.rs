//! The layout of a reply on a phone: the composed body (see below) becomes a plain-text part of
//! at most 72 columns in `format=flowed` and an HTML part with the same content that fits a
//! 390 px wide screen. Pure: no I/O. Never adds or drops a fact: both parts are made from the
//! same lines, and the HTML only escapes and wraps them.
//!
//! A composed body is plain text where each line says how it may be laid out:
//! - a blank line separates paragraphs;
//! - an ordinary line is prose: the lines of a paragraph are joined and re-wrapped;
//! - a line that starts with `- ` is a list item, and one that starts with exactly two spaces
//!   is a detail line (of a per-mailbox block): each keeps its own line and wraps with a
//!   hanging indent;
//! - a line that starts with four or more spaces is fixed (a DNS record, an example): it is
//!   never wrapped, stands alone, and is the only kind that may pass 72 columns;
//! - the line `--` starts the signature, whose lines each keep their own line.

use std::fmt::Write as _;

/// The widest plain-text line (other than a fixed one).
pub const WIDTH: usize = 72;

/// The widest wrapped text: two columns are kept for the soft break's trailing space and
/// the space-stuffing of an indented line.
const TEXT_WIDTH: usize = WIDTH - 2;

/// One laid-out line of a composed body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line<'a> {
    /// A paragraph break.
    Blank,
    /// Prose, joined with the prose around it.
    Prose(&'a str),
    /// A list item (without its `- `).
    Item(&'a str),
    /// A detail line (without its indent).
    Detail(&'a str),
    /// A fixed line (without its indent).
    Fixed(&'a str),
    /// The signature separator.
    SigSeparator,
    /// A line of the signature.
    Signature(&'a str),
}

fn classify(body: &str) -> Vec<Line<'_>> {
    let mut in_signature = false;
    body.lines()
        .map(|raw| {
            let line = raw.trim_end();
            if line.trim() == "--" {
                in_signature = true;
                return Line::SigSeparator;
            }
            if line.is_empty() {
                return Line::Blank;
            }
            if in_signature {
                return Line::Signature(line.trim_start());
            }
            let indent = line.len() - line.trim_start().len();
            if indent >= 4 {
                Line::Fixed(line.trim_start())
            } else if indent >= 2 {
                Line::Detail(line.trim_start())
            } else if let Some(item) = line.strip_prefix("- ") {
                Line::Item(item.trim_start())
            } else {
                Line::Prose(line.trim_start())
            }
        })
        .collect()
}

/// Words of `text` wrapped to `width` columns; the first line has `first` as its prefix and
/// the others `rest`. A word longer than a line gets a line of its own.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if !empty && current.chars().count() + 1 + w > width {
            lines.push(std::mem::replace(&mut current, rest.to_string()));
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Flowed lines: every line but the last of a wrapped block ends in a space (a soft break).
fn push_flowed(out: &mut Vec<String>, lines: Vec<String>) {
    let n = lines.len();
    for (i, l) in lines.into_iter().enumerate() {
        if i + 1 < n {
            out.push(format!("{l} "));
        } else {
            out.push(l);
        }
    }
}

/// The plain-text part: wrapped at [`WIDTH`] columns, `format=flowed` (RFC 3676: soft breaks
/// end in a space, and a line that starts with a space, `>` or `From ` is space-stuffed).
pub fn plain(body: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut prose = String::new();
    let flush = |prose: &mut String, out: &mut Vec<String>| {
        if !prose.is_empty() {
            push_flowed(out, wrap(prose, "", "", TEXT_WIDTH));
            prose.clear();
        }
    };
    for line in classify(body) {
        if let Line::Prose(p) = line {
            if !prose.is_empty() {
                prose.push(' ');
            }
            prose.push_str(p);
            continue;
        }
        flush(&mut prose, &mut out);
        match line {
            Line::Blank => {
                if out.last().is_some_and(|l| !l.is_empty()) {
                    out.push(String::new());
                }
            }
            Line::Item(t) => push_flowed(&mut out, wrap(t, "- ", "  ", TEXT_WIDTH)),
            Line::Detail(t) => push_flowed(&mut out, wrap(t, "  ", "    ", TEXT_WIDTH)),
            Line::Fixed(t) => out.push(format!("    {t}")),
            Line::SigSeparator => out.push("-- ".into()),
            Line::Signature(t) => push_flowed(&mut out, wrap(t, "", "", TEXT_WIDTH)),
            Line::Prose(_) => {}
        }
    }
    flush(&mut prose, &mut out);
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut text = String::new();
    for l in out {
        if l.starts_with(' ') || l.starts_with('>') || l.starts_with("From ") {
            text.push(' ');
        }
        text.push_str(&l);
        text.push('\n');
    }
    text
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;padding:12px;font:16px/1.45 -apple-system,Segoe UI,Roboto,Arial,sans-serif;\
color:#1b1b1b;overflow-wrap:anywhere;word-break:break-word}\
p{margin:0 0 12px}ul{margin:0 0 12px;padding-left:20px}li{margin:0 0 4px}\
.d{margin:0 0 2px 14px}.g{height:10px}\
.f{margin:0 0 6px;padding:6px 8px;background:#f3f4f6;border-radius:4px;\
font:14px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}\
.s{margin-top:16px;padding-top:8px;border-top:1px solid #ddd;color:#555;font-size:14px}";

/// The HTML part: the same lines as [`plain`], escaped, in a page that fits a phone (no fixed
/// widths; long words and records break anywhere). `lang` is the reply's language code.
pub fn html(body: &str, lang: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <style>{STYLE}</style></head><body>\n",
        escape(lang)
    );
    let mut prose: Vec<&str> = Vec::new();
    let mut open_list = false;
    let mut in_signature = false;
    let close_prose = |prose: &mut Vec<&str>, out: &mut String| {
        if !prose.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", escape(&prose.join(" ")));
            prose.clear();
        }
    };
    for line in classify(body) {
        if !matches!(line, Line::Item(_)) && open_list {
            out.push_str("</ul>\n");
            open_list = false;
        }
        match line {
            Line::Prose(p) => prose.push(p),
            Line::Blank => {
                close_prose(&mut prose, &mut out);
                // Detail lines end their block with the same space a paragraph leaves.
                if out.ends_with("</div>\n") && !in_signature {
                    out.push_str("<div class=\"g\"></div>\n");
                }
            }
            Line::Item(t) => {
                close_prose(&mut prose, &mut out);
                if !open_list {
                    out.push_str("<ul>\n");
                    open_list = true;
                }
                let _ = writeln!(out, "<li>{}</li>", escape(t));
            }
            Line::Detail(t) => {
                close_prose(&mut prose, &mut out);
                let _ = writeln!(out, "<div class=\"d\">{}</div>", escape(t));
            }
            Line::Fixed(t) => {
                close_prose(&mut prose, &mut out);
                let _ = writeln!(out, "<div class=\"f\">{}</div>", escape(t));
            }
            Line::SigSeparator => {
                close_prose(&mut prose, &mut out);
                out.push_str("<div class=\"s\">\n");
                in_signature = true;
            }
            Line::Signature(t) => {
                let _ = writeln!(out, "{}<br>", escape(t));
            }
        }
    }
    close_prose(&mut prose, &mut out);
    if open_list {
        out.push_str("</ul>\n");
    }
    if in_signature {
        out.push_str("</div>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// The words of a text as a reader sees them, in order (for checking that the plain and HTML
/// parts say the same): HTML tags dropped, entities decoded, flowed soft breaks joined.
pub fn visible_words(text: &str) -> Vec<String> {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    let mut in_style = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_tag && rest.starts_with("<style>") {
            in_style = true;
        }
        if in_style {
            if let Some(end) = rest.find("</style>") {
                rest = &rest[end + "</style>".len()..];
                in_style = false;
                continue;
            }
            break;
        }
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    let plain = plain
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    plain
        .split_whitespace()
        .filter(|w| *w != "--" && *w != "-" && *w != "DOCTYPE" && *w != "!DOCTYPE")
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Hello,\n\nthank you for your request. We have opened ticket MIG-000001 for it and will copy \
the following mailboxes to us, one after the other, as fast as the old server allows:\n\n\
anna@example.com\n  State: waiting\n  Found: 300 messages in 7 folders, 33.0 MB at imap.old-provider-with-a-long-name.example\n\n\
- row 3, password: missing; please add the password of this mailbox at the old provider\n\n\
\x20   example.com. 3600 IN TXT \"v=spf1 include:_spf.new-provider.example include:_spf.other.example ~all\"\n\n\
Overall: 1 mailbox\n--\nExample Hosting Support\nThis message was written by mailferry, the migration robot of Example Hosting.\n";

    #[test]
    fn plain_lines_fit_a_phone_except_fixed_records() {
        let text = plain(BODY);
        for line in text.lines() {
            let fixed = line.starts_with("     ");
            assert!(fixed || line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
        assert!(text.contains("\n     example.com. 3600 IN TXT \"v=spf1"), "{text}");
        assert!(
            text.contains("\n   State: waiting\n"),
            "a detail line is space-stuffed: {text}"
        );
        assert!(text.contains("\n-- \nExample Hosting Support\n"), "{text}");
    }

    #[test]
    fn plain_soft_breaks_end_in_a_space_and_rejoin_to_the_source_words() {
        let text = plain(BODY);
        let first = text.lines().nth(2).unwrap_or_default();
        assert!(first.ends_with(' '), "a wrapped prose line is a soft break: {first:?}");
        let words: Vec<&str> = BODY.split_whitespace().filter(|w| *w != "-" && *w != "--").collect();
        let laid: Vec<&str> = text.split_whitespace().filter(|w| *w != "-" && *w != "--").collect();
        assert_eq!(words, laid);
    }

    #[test]
    fn html_says_the_same_words_as_plain() {
        let text = plain(BODY);
        let page = html(BODY, "en");
        let mut a = visible_words(&text);
        let b = visible_words(&page);
        a.retain(|w| !w.is_empty());
        assert_eq!(a, b);
        assert!(page.contains("width=device-width"));
    }

    #[test]
    fn html_escapes_everything_from_customers() {
        let page = html("Subject: <script>alert('x')</script> & more\n", "en");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    }

    #[test]
    fn a_word_longer_than_a_line_gets_its_own_line() {
        let long = "x".repeat(100);
        let text = plain(&format!("see {long} here\n"));
        assert_eq!(text, format!("see \n{long} \nhere\n"));
    }
}
