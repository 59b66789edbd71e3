//! HTML body → plain text lines, for mails sent without a text/plain part.
//!
//! Table rows become `Label: value` lines (first cell, ": ", the other cells), block elements
//! become line breaks, `<blockquote>` (a quoted earlier message) is dropped, entities are
//! decoded. Never executes or fetches anything; it only reads tags by name.

/// Converts an HTML body to text.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    let mut quote_depth = 0usize;
    let mut cell: Option<usize> = None; // index of the current cell in its row
    let mut cells_in_row = 0usize;
    while !rest.is_empty() {
        if let Some(end) = skip_until {
            match find_ci(rest, end) {
                Some(i) => {
                    rest = &rest[i..];
                    skip_until = None;
                }
                None => break,
            }
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        if rest.starts_with('<') {
            let Some(close) = rest.find('>') else { break };
            let tag = &rest[1..close];
            rest = &rest[close + 1..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match (name.as_str(), closing) {
                ("style" | "script" | "head" | "title", false) => {
                    skip_until = Some(match name.as_str() {
                        "style" => "</style",
                        "script" => "</script",
                        "head" => "</head",
                        _ => "</title",
                    })
                }
                ("blockquote", false) => quote_depth += 1,
                ("blockquote", true) => quote_depth = quote_depth.saturating_sub(1),
                ("tr", _) => {
                    newline(&mut out);
                    cell = None;
                    cells_in_row = 0;
                }
                ("td" | "th", false) => {
                    if quote_depth == 0 {
                        match cells_in_row {
                            0 => {}
                            1 => out.push_str(": "),
                            _ => out.push(' '),
                        }
                    }
                    cell = Some(cells_in_row);
                    cells_in_row += 1;
                }
                ("td" | "th", true) => {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    cell = None
                }
                ("br" | "p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table", _) => {
                    if cell.is_some() {
                        if !out.ends_with(' ') && !out.ends_with(": ") {
                            out.push(' ');
                        }
                    } else {
                        newline(&mut out);
                    }
                }
                _ => {}
            }
            continue;
        }
        let next = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..next];
        rest = &rest[next..];
        if quote_depth > 0 {
            continue;
        }
        let decoded = decode_entities(text);
        for (i, word) in decoded.split(|c: char| c.is_whitespace() && c != '\u{a0}').enumerate() {
            if i > 0 && !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word.replace('\u{a0}', " "));
        }
    }
    out.lines().map(str::trim).collect::<Vec<_>>().join("\n")
}

fn newline(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.to_ascii_lowercase().find(needle)
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let Some(end) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let ch = match ent {
            "nbsp" => Some('\u{a0}'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_become_label_value_lines() {
        let h = "<html><head><style>p{}</style></head><body><p>Hello,</p><table>\
                 <tr><td><p class=MsoNormal>E-Mail</p></td><td><p>anna@x.example</p></td></tr>\
                 <tr><td>Password</td><td>a&amp;b&nbsp;c</td></tr></table>\
                 <blockquote>Email: old@x.example</blockquote><div>Bye</div></body></html>";
        assert_eq!(html_to_text(h), "Hello,\nE-Mail: anna@x.example\nPassword: a&b c\nBye");
    }
}
