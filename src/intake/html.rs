//! HTML body → plain text lines, for mails sent without a text/plain part.
//!
//! Each table row becomes one line of its cells joined by tabs (a two-cell row reads as
//! `Label<TAB>value`, a row of a table with a header row as a tab-separated row for
//! `tables.rs`); merged cells are filled out (a cell spanning rows repeats its text in each,
//! one spanning columns is followed by empty cells). Block elements become line breaks, the
//! text of `<blockquote>` (a quoted earlier message) is kept with "> " before each line so that
//! the quote reader drops it and the forward reader can read it, entities are decoded. Never
//! executes or fetches anything; it only reads tags by name.

/// Most columns or rows one cell may span.
const MAX_SPAN: usize = 64;
/// Most nested tables followed; deeper ones are read as text.
const MAX_TABLES: usize = 32;

#[derive(Default)]
struct Table {
    rows: Vec<Vec<(String, usize, usize)>>,
    cell: Option<String>,
    span: (usize, usize),
}

impl Table {
    fn end_cell(&mut self) {
        if let Some(text) = self.cell.take() {
            if self.rows.is_empty() {
                self.rows.push(Vec::new());
            }
            let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(row) = self.rows.last_mut() {
                row.push((t, self.span.0, self.span.1));
            }
        }
    }

    /// The rows as tab-separated lines, merged cells filled out.
    fn render(mut self) -> Vec<String> {
        self.end_cell();
        let mut lines = Vec::new();
        // (column → rows still covered, text) from cells spanning rows above.
        let mut carried: Vec<(usize, String)> = Vec::new();
        for row in self.rows {
            let mut cells: Vec<String> = Vec::new();
            let mut next_carried: Vec<(usize, String)> = Vec::new();
            let mut it = row.into_iter();
            let mut col = 0;
            loop {
                if let Some((left, text)) = carried.get(col).filter(|(n, _)| *n > 0) {
                    cells.push(text.clone());
                    set(&mut next_carried, col, (left - 1, text.clone()));
                    col += 1;
                    continue;
                }
                let Some((text, colspan, rowspan)) = it.next() else {
                    if carried.iter().skip(col).any(|(n, _)| *n > 0) {
                        cells.push(String::new());
                        col += 1;
                        continue;
                    }
                    break;
                };
                for k in 0..colspan.max(1) {
                    let t = if k == 0 { text.clone() } else { String::new() };
                    if rowspan > 1 {
                        set(&mut next_carried, col, (rowspan - 1, t.clone()));
                    }
                    cells.push(t);
                    col += 1;
                }
            }
            carried = next_carried;
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            if !cells.is_empty() {
                lines.push(cells.join("\t"));
            }
        }
        lines
    }
}

fn set(v: &mut Vec<(usize, String)>, i: usize, value: (usize, String)) {
    if v.len() <= i {
        v.resize(i + 1, (0, String::new()));
    }
    v[i] = value;
}

fn span_attr(tag: &str, name: &str) -> usize {
    let lower = tag.to_ascii_lowercase();
    lower
        .find(name)
        .and_then(|i| {
            let rest = lower[i + name.len()..].trim_start().strip_prefix('=')?.trim_start();
            let rest = rest.trim_start_matches(['"', '\'']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or(1)
        .clamp(1, MAX_SPAN)
}

/// Converts an HTML body to text.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    let mut quote_depth = 0usize;
    let mut tables: Vec<Table> = Vec::new();
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
            let in_cell = tables.last().is_some_and(|t| t.cell.is_some());
            match (name.as_str(), closing) {
                ("style" | "script" | "head" | "title", false) => {
                    skip_until = Some(match name.as_str() {
                        "style" => "</style",
                        "script" => "</script",
                        "head" => "</head",
                        _ => "</title",
                    })
                }
                ("blockquote", false) => {
                    newline(&mut out);
                    quote_depth += 1
                }
                ("blockquote", true) => {
                    newline(&mut out);
                    quote_depth = quote_depth.saturating_sub(1)
                }
                ("table", false) if tables.len() < MAX_TABLES => {
                    newline(&mut out);
                    tables.push(Table::default());
                }
                ("table", true) => {
                    if let Some(t) = tables.pop() {
                        newline(&mut out);
                        for line in t.render() {
                            push_text(&mut out, &line, quote_depth);
                            newline(&mut out);
                        }
                    }
                }
                ("tr", _) => {
                    if let Some(t) = tables.last_mut() {
                        t.end_cell();
                        if !closing {
                            t.rows.push(Vec::new());
                        }
                    }
                }
                ("td" | "th", false) => {
                    if let Some(t) = tables.last_mut() {
                        t.end_cell();
                        t.cell = Some(String::new());
                        t.span = (span_attr(tag, "colspan"), span_attr(tag, "rowspan"));
                    }
                }
                ("td" | "th", true) => {
                    if let Some(t) = tables.last_mut() {
                        t.end_cell();
                    }
                }
                ("br" | "p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => {
                    if in_cell {
                        if let Some(c) = tables.last_mut().and_then(|t| t.cell.as_mut()) {
                            c.push(' ');
                        }
                    } else if tables.is_empty() {
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
        let decoded = decode_entities(text).replace(['\u{a0}', '\t'], " ");
        if let Some(t) = tables.last_mut() {
            if let Some(c) = t.cell.as_mut() {
                c.push(' ');
                c.push_str(&decoded);
            }
            continue;
        }
        let words: Vec<&str> = decoded.split_whitespace().collect();
        if words.is_empty() {
            if decoded.contains(char::is_whitespace) && !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
            continue;
        }
        if decoded.starts_with(char::is_whitespace) && !out.ends_with([' ', '\n']) && !out.is_empty() {
            out.push(' ');
        }
        push_text(&mut out, &words.join(" "), quote_depth);
        if decoded.ends_with(char::is_whitespace) {
            out.push(' ');
        }
    }
    // Tables never closed are rendered as they stand.
    while let Some(t) = tables.pop() {
        newline(&mut out);
        for line in t.render() {
            push_text(&mut out, &line, quote_depth);
            newline(&mut out);
        }
    }
    out.lines().map(|l| l.trim_matches(' ')).collect::<Vec<_>>().join("\n")
}

/// Appends text, starting a quoted line with "> " per quote level.
fn push_text(out: &mut String, text: &str, quote_depth: usize) {
    if quote_depth > 0 && (out.is_empty() || out.ends_with('\n')) {
        for _ in 0..quote_depth.min(8) {
            out.push_str("> ");
        }
    }
    out.push_str(text);
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
        assert_eq!(
            html_to_text(h),
            "Hello,\nE-Mail\tanna@x.example\nPassword\ta&b c\n> Email: old@x.example\nBye"
        );
    }

    #[test]
    fn merged_cells_are_filled_out() {
        let h = "<table><tr><th>Email</th><th>Password</th><th>Server</th></tr>\
                 <tr><td>a@x.example</td><td>pw-a</td><td rowspan=2>imap.x.example</td></tr>\
                 <tr><td>b@x.example</td><td>pw-b</td></tr>\
                 <tr><td colspan=\"2\">c@x.example</td><td>imap.y.example</td></tr></table>";
        assert_eq!(
            html_to_text(h),
            "Email\tPassword\tServer\na@x.example\tpw-a\timap.x.example\nb@x.example\tpw-b\timap.x.example\nc@x.example\t\timap.y.example"
        );
    }
}
