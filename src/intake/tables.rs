//! Tables of every shape → mailboxes: rows of CSV/TSV files and spreadsheet sheets, HTML tables
//! (rendered as tab-separated lines by `html.rs`), and plain-text tables in the body (pipes and
//! Markdown, tabs, columns aligned with spaces, pasted CSV).
//!
//! A table needs a header row whose cells name fields ([`Rules::column`], the one mapping
//! from a header label to a field, in six languages); the header need not be the first row
//! (a title above it is common) and columns may come in any order. Files may also come
//! without a header (email, password, server). Row numbers are the ones the customer sees.
//! Never puts the cell of an unrecognised column into a message (it may be a password), and
//! reads at most `max_rows + 1` data rows.

use super::values::apply;
use super::{FieldError, MailboxRequest};
use crate::rules::{Field, Rules};

/// Rows before the header row that may be titles or notes.
const MAX_TITLE_ROWS: usize = 10;

/// One row of a table: its number as the customer sees it, and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number (spreadsheet numbering; for body tables, the table's own).
    pub number: usize,
    /// The cells, left to right.
    pub cells: Vec<String>,
}

/// Where a table comes from, for its errors.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file name, or None for a table in the body.
    pub file: Option<String>,
    /// The sheet, when a workbook has several.
    pub sheet: Option<String>,
    /// A file sent as the request's list: an unreadable header is the customer's error. A
    /// body table or a `.txt` file without a recognisable header is just not a table.
    pub strict: bool,
    /// Files without a header row are read as email, password, server.
    pub headerless: bool,
}

/// The mailboxes of one table.
#[derive(Debug, Default)]
pub struct TableRows {
    /// One mailbox per data row with an address.
    pub mailboxes: Vec<MailboxRequest>,
    /// Problems, with their rows.
    pub errors: Vec<FieldError>,
    /// True when the table has more than `max_rows` data rows (reading stopped there).
    pub over_limit: bool,
    /// True when a header row (or a header-less file's first address row) was found.
    pub recognised: bool,
}

/// The fields of a header row's cells, when the row is one: a cell names a field, none holds
/// an address. `need` is how many recognised columns it takes.
pub fn header(cells: &[String], rules: &Rules, need: usize) -> Option<Vec<Option<Field>>> {
    if cells.iter().any(|c| c.contains('@')) {
        return None;
    }
    let named: Vec<Option<Field>> = cells.iter().map(|c| rules.column(c)).collect();
    (named.iter().flatten().count() >= need).then_some(named)
}

/// The login column of a header row that has no address column, if it has one.
fn login_column(named: &[Option<Field>]) -> Option<usize> {
    if named.contains(&Some(Field::Email)) {
        return None;
    }
    named.iter().position(|f| *f == Some(Field::User))
}

/// Reads the rows of one table.
pub fn read(rows: impl IntoIterator<Item = Row>, origin: &Origin, rules: &Rules, max_rows: usize) -> TableRows {
    let mut out = TableRows::default();
    let mut columns: Option<Vec<Option<Field>>> = None;
    let mut before_header = 0usize;
    let mut data_rows = 0usize;
    // The cells of the data row above, for "idem".
    let mut above: Vec<String> = Vec::new();
    let place = |origin: &Origin| match (&origin.file, &origin.sheet) {
        (Some(f), Some(s)) => format!("{f}, sheet \u{201c}{s}\u{201d}"),
        (Some(f), None) => f.clone(),
        (None, _) => "the table in the mail".to_string(),
    };
    let field_name = |origin: &Origin| origin.file.clone().unwrap_or_else(|| "table".into());
    for row in rows {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cols = match &columns {
            Some(c) => c,
            None => {
                if let Some(named) = header(&row.cells, rules, 1) {
                    if named.contains(&Some(Field::Email)) || login_column(&named).is_some() {
                        out.recognised = true;
                        columns = Some(named);
                        continue;
                    }
                    if origin.strict && named.iter().flatten().count() >= 2 {
                        out.errors.push(FieldError {
                            code: String::new(),
                            values: Vec::new(),
                            row: Some(row.number),
                            field: field_name(origin),
                            message: format!(
                                "the header row of {} has no e-mail column; name one `email`",
                                place(origin)
                            ),
                        });
                        return out;
                    }
                }
                let first_is_address = row.cells.first().is_some_and(|c| c.contains('@'));
                if origin.headerless && first_is_address && before_header == 0 {
                    out.recognised = true;
                    columns.insert(rules.csv.headerless.iter().map(|f| Some(*f)).collect())
                } else if row.cells.iter().any(|c| c.contains('@')) || before_header >= MAX_TITLE_ROWS {
                    if origin.strict {
                        out.errors.push(FieldError {
                            code: String::new(),
                            values: Vec::new(),
                            row: Some(row.number),
                            field: field_name(origin),
                            message: format!(
                                "the column names of {} are not recognised; start it with a header row `email,password,server`",
                                place(origin)
                            ),
                        });
                    }
                    return out;
                } else {
                    before_header += 1;
                    continue;
                }
            }
        };
        // A header without an address column whose login column holds addresses ("Usuario",
        // "Utente": the address one logs in with): that column names the mailbox.
        if data_rows == 0 && !cols.contains(&Some(Field::Email)) {
            let at = login_column(cols)
                .and_then(|i| row.cells.get(i))
                .is_some_and(|c| c.contains('@'));
            let Some(i) = login_column(cols).filter(|_| at) else {
                if origin.strict {
                    out.errors.push(FieldError {
                        code: String::new(),
                        values: Vec::new(),
                        row: Some(row.number),
                        field: field_name(origin),
                        message: format!(
                            "the header row of {} has no e-mail column; name one `email`",
                            place(origin)
                        ),
                    });
                }
                out.recognised = false;
                return out;
            };
            let mut named = cols.clone();
            named[i] = Some(Field::Email);
            columns = Some(named);
        }
        let Some(cols) = &columns else { continue };
        data_rows += 1;
        if data_rows > max_rows {
            // One row past the limit is kept so that validation reports the limit.
            out.over_limit = true;
            break;
        }
        let in_body = origin.file.is_none();
        let mut mb = MailboxRequest {
            row: (!in_body).then_some(row.number),
            sheet: origin.sheet.clone(),
            ..Default::default()
        };
        let before = out.errors.len();
        let row_number = mb.row;
        let mut cells = row.cells;
        for (i, (cell, field)) in cells.iter_mut().zip(cols.iter()).enumerate() {
            // "idem": the cell above (never an address: each row is its own mailbox).
            let own = !matches!(field, Some(Field::Email | Field::Destination));
            if own && rules.csv.is_ditto(cell) {
                *cell = above.get(i).cloned().unwrap_or_default();
            }
            if let Some(field) = field {
                apply(&mut mb, *field, cell, row_number, &mut out.errors);
            }
        }
        above = cells;
        if let Some(sheet) = &origin.sheet {
            for e in &mut out.errors[before..] {
                e.message = format!("sheet \u{201c}{sheet}\u{201d}: {}", e.message);
            }
        }
        // "m.weber.example" where the address belongs: an error of this row, no mailbox. In the
        // body only a cell written like an address is one (a note under a table is not).
        let looks_like_address = mb.email.contains('@') || (!mb.email.contains(' ') && mb.email.contains('.'));
        if !mb.email.is_empty() && !crate::model::address::is_address(&mb.email) && (!in_body || looks_like_address) {
            out.errors.push(FieldError {
                code: String::new(),
                values: Vec::new(),
                row: mb.row,
                field: "email".into(),
                message: format!("{:?} is not an e-mail address; write it as name@example.com", mb.email),
            });
            continue;
        }
        if mb.email.is_empty() {
            if in_body {
                continue; // a note under a table in the mail is no row of it
            }
            out.errors.push(FieldError {
                code: String::new(),
                values: Vec::new(),
                row: mb.row,
                field: "email".into(),
                message: match &origin.sheet {
                    Some(s) => format!(
                        "sheet \u{201c}{s}\u{201d}: this row has no e-mail address; fill in the email column or delete the row"
                    ),
                    None => "this row has no e-mail address; fill in the email column or delete the row".into(),
                },
            });
            continue;
        }
        out.mailboxes.push(mb);
    }
    out
}

/// How the cells of a plain-text table line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    Pipes,
    Tabs,
    Semicolons,
    Commas,
    Spaces,
    /// One space between cells (Google Sheets pasted as text): only when every word of the
    /// header names a field.
    Single,
}

/// A table found in a body text: its rows, and the byte range of its lines.
#[derive(Debug)]
pub struct TextTable {
    /// Header first.
    pub rows: Vec<Row>,
    /// Where it stands in the text (the other readers skip it).
    pub span: (usize, usize),
}

/// The tables in a body text: a header line naming at least two fields (one of them the
/// address) followed by lines split the same way.
pub fn text_tables(text: &str, rules: &Rules) -> Vec<TextTable> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split('\n') {
        lines.push((at, line.trim_end_matches('\r')));
        at += line.len() + 1;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        // A header names no address and is no paragraph.
        if line.contains('@') || line.len() > 400 || line.trim().is_empty() {
            i += 1;
            continue;
        }
        let found = [
            Split::Pipes,
            Split::Tabs,
            Split::Semicolons,
            Split::Commas,
            Split::Spaces,
            Split::Single,
        ]
        .into_iter()
        .find_map(|how| {
            let cells = cut(line, how, None)?;
            let named = header(&cells, rules, 2)?;
            if how == Split::Single && named.iter().any(Option::is_none) {
                return None;
            }
            (named.contains(&Some(Field::Email)) || login_column(&named).is_some()).then_some((how, cells))
        });
        let Some((how, head)) = found else {
            i += 1;
            continue;
        };
        let mut head = head;
        let mut positions = starts(line, &head);
        let mut end = start + line.len();
        let mut j = i + 1;
        // A header wrapped by the mail client ("| Mailbox | Host | Port |\nLogin | Password |"):
        // the next line names only fields and no address.
        if matches!(how, Split::Pipes | Split::Tabs) && wrapped(line) {
            if let Some(&(lat, l)) = lines.get(j) {
                let more = (!l.contains('@') && !is_rule(l)).then(|| cut_loose(l, how)).flatten();
                if let Some(more) = more.filter(|m| m.iter().all(|c| rules.column(c).is_some())) {
                    head.extend(more);
                    positions = starts(line, &head);
                    end = lat + l.len();
                    j += 1;
                }
            }
        }
        let mut rows = vec![Row {
            number: 1,
            cells: head.clone(),
        }];
        // Whether the previous data line was cut short by the mail client's wrapping.
        let mut prev_wrapped = false;
        while j < lines.len() {
            let (lat, l) = lines[j];
            if l.trim().is_empty() {
                break;
            }
            if is_rule(l) {
                end = lat + l.len();
                j += 1;
                continue;
            }
            // The rest of a wrapped row: no address, and the row above has empty cells left.
            if prev_wrapped && !l.contains('@') && rows.len() > 1 {
                let pieces = cut_loose(l, how).unwrap_or_else(|| vec![l.trim().to_string()]);
                let last = rows.last_mut().map(|r| &mut r.cells);
                if let Some(cells) = last {
                    cells.resize(cells.len().max(head.len()), String::new());
                    let filled = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |p| p + 1);
                    if !pieces.is_empty() && filled + pieces.len() <= head.len() {
                        for (k, p) in pieces.into_iter().enumerate() {
                            cells[filled + k] = p;
                        }
                        prev_wrapped = wrapped(l);
                        end = lat + l.len();
                        j += 1;
                        continue;
                    }
                }
            }
            // The start of a row wrapped before its first separator ("Dr. \nMulder<TAB>…").
            let joined;
            let mut l = l;
            let mut consumed = 1;
            if !l.contains('@') && wrapped(l) && cut(l, how, Some((&positions, head.len()))).is_none() {
                if let Some(&(_, next)) = lines.get(j + 1) {
                    if next.contains('@') {
                        joined = format!("{} {}", l.trim_end(), next.trim_start());
                        l = &joined;
                        consumed = 2;
                    }
                }
            }
            let Some(cells) = cut(l, how, Some((&positions, head.len()))) else {
                break;
            };
            prev_wrapped = wrapped(l);
            rows.push(Row {
                number: rows.len() + 1,
                cells,
            });
            let (last_at, last_line) = lines[j + consumed - 1];
            end = last_at + last_line.len();
            j += consumed;
        }
        if rows.len() > 1 && rows.iter().skip(1).any(|r| r.cells.iter().any(|c| c.contains('@'))) {
            merged_cells(&mut rows, rules);
            out.push(TextTable {
                rows,
                span: (start, end),
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// True for a line the mail client broke: it ends in a space (format=flowed) or is long.
fn wrapped(line: &str) -> bool {
    line.ends_with([' ', '\t']) || line.chars().count() >= 70
}

/// The non-empty cells of a line split `how`, without a header's widths; None when the line
/// has no such separator.
fn cut_loose(line: &str, how: Split) -> Option<Vec<String>> {
    let cells: Vec<String> = match how {
        Split::Pipes => {
            if !line.contains('|') {
                return None;
            }
            line.split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        }
        Split::Tabs => {
            if !line.contains('\t') {
                return None;
            }
            line.split('\t')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        }
        Split::Semicolons => split_quoted(line, ';').into_iter().filter(|c| !c.is_empty()).collect(),
        Split::Commas => split_quoted(line, ',').into_iter().filter(|c| !c.is_empty()).collect(),
        Split::Spaces | Split::Single => line.split_whitespace().map(str::to_string).collect(),
    };
    (!cells.is_empty()).then_some(cells)
}

/// A server, port or security column filled only in its first data row (a cell merged over
/// all rows in Word or Excel, pasted as one value and empty cells) holds that value for all.
fn merged_cells(rows: &mut [Row], rules: &Rules) {
    let Some((head, data)) = rows.split_first_mut() else {
        return;
    };
    if data.len() < 2 {
        return;
    }
    for (i, h) in head.cells.iter().enumerate() {
        if !matches!(rules.column(h), Some(Field::Host | Field::Port | Field::Security)) {
            continue;
        }
        let cell = |r: &Row| r.cells.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
        let first = cell(&data[0]);
        if first.is_empty() || data[1..].iter().any(|r| !cell(r).is_empty()) {
            continue;
        }
        for r in &mut data[1..] {
            r.cells.resize(r.cells.len().max(i + 1), String::new());
            r.cells[i] = first.clone();
        }
    }
}

/// A Markdown or ASCII-art rule line (`|---|:--:|`, `+----+----+`, `-----`).
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, '-' | '|' | ':' | '+' | '=' | ' ' | '\t')) && t.contains(['-', '='])
}

/// The character offsets where each header cell starts (for space-aligned tables).
fn starts(line: &str, cells: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    for c in cells {
        match line[from..].find(c.as_str()) {
            Some(i) => {
                out.push(line[..from + i].chars().count());
                from += i + c.len();
            }
            None => out.push(usize::MAX),
        }
    }
    out
}

/// Cuts a line into cells; None when it is not split that way. A data line of an aligned
/// table is cut where the header's columns start when runs of spaces do not give its width.
fn cut(line: &str, how: Split, header: Option<(&[usize], usize)>) -> Option<Vec<String>> {
    let cells: Vec<String> = match how {
        Split::Pipes => {
            if !line.contains('|') {
                return None;
            }
            let t = line.trim();
            let t = t.strip_prefix('|').unwrap_or(t);
            let t = t.strip_suffix('|').unwrap_or(t);
            t.split('|').map(|c| c.trim().to_string()).collect()
        }
        Split::Tabs => {
            if !line.contains('\t') {
                return None;
            }
            let exact: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
            match header {
                Some((_, n)) if exact.len() != n => {
                    let collapsed: Vec<String> = line
                        .split('\t')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect();
                    if collapsed.len() == n {
                        collapsed
                    } else {
                        exact
                    }
                }
                None => {
                    let collapsed: Vec<String> = exact.iter().filter(|c| !c.is_empty()).cloned().collect();
                    collapsed
                }
                _ => exact,
            }
        }
        Split::Semicolons | Split::Commas => {
            let d = if how == Split::Commas { ',' } else { ';' };
            if !line.contains(d) {
                return None;
            }
            split_quoted(line, d)
        }
        Split::Spaces => {
            let parts: Vec<String> = line
                .trim()
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            match header {
                Some((positions, n)) if parts.len() != n => by_position(line, positions),
                _ => parts,
            }
        }
        Split::Single => {
            let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            match header {
                // A row that starts with a space left its first cell empty.
                Some((_, n)) if words.len() + 1 == n && line.starts_with([' ', '\t']) => {
                    std::iter::once(String::new()).chain(words).collect()
                }
                Some((_, n)) if words.len() != n => return None,
                _ => words,
            }
        }
    };
    (cells.len() >= 2).then_some(cells)
}

/// Cuts `line` at the character offsets where the header's columns start (moved left to the
/// nearest space, so a value longer than its column is kept whole).
fn by_position(line: &str, positions: &[usize]) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut cuts: Vec<usize> = Vec::new();
    for &p in positions.iter().skip(1) {
        let mut p = p.min(chars.len());
        while p > 0 && p < chars.len() && !chars[p - 1].is_whitespace() {
            p -= 1;
        }
        cuts.push(p);
    }
    let mut out = Vec::new();
    let mut from = 0;
    for c in cuts {
        let c = c.max(from);
        out.push(chars[from..c].iter().collect::<String>().trim().to_string());
        from = c;
    }
    out.push(chars[from..].iter().collect::<String>().trim().to_string());
    out
}

/// Splits at `d` outside double quotes; quotes around a cell are removed.
fn split_quoted(line: &str, d: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == d && !quoted => out.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::builtin().unwrap()
    }

    fn body_table(text: &str) -> Vec<MailboxRequest> {
        let r = rules();
        let origin = Origin {
            file: None,
            sheet: None,
            strict: false,
            headerless: false,
        };
        text_tables(text, &r)
            .into_iter()
            .flat_map(|t| read(t.rows, &origin, &r, 100).mailboxes)
            .collect()
    }

    #[test]
    fn tables_of_every_plain_text_shape() {
        for t in [
            "| E-Mail | Passwort | Server |\n|---|---|---|\n| a@x.example | pw-a-1 | imap.x.example |\n| b@x.example | pw-b-2 | imap.x.example |\n",
            "Email\tPassword\tServer\na@x.example\tpw-a-1\timap.x.example\nb@x.example\tpw-b-2\timap.x.example\n",
            "Adresse e-mail    Mot de passe    Serveur\na@x.example       pw-a-1          imap.x.example\nb@x.example       pw-b-2          imap.x.example\n",
            "email;password;server\na@x.example;pw-a-1;imap.x.example\nb@x.example;\"pw-b-2\";imap.x.example\n",
            "Correo,Contraseña,Servidor\na@x.example,pw-a-1,imap.x.example\nb@x.example,pw-b-2,imap.x.example\n",
            "+------------+------------+----------+\n| Wachtwoord | E-mailadres | Server |\n+----+\n| pw-a-1 | a@x.example | imap.x.example |\n| pw-b-2 | b@x.example | imap.x.example |\n",
        ] {
            let m = body_table(t);
            assert_eq!(m.len(), 2, "{t}");
            assert_eq!(m[1].email, "b@x.example", "{t}");
            assert_eq!(m[1].password.as_ref().map(|p| p.expose()), Some("pw-b-2"), "{t}");
            assert_eq!(m[1].source_host.as_deref(), Some("imap.x.example"), "{t}");
        }
    }

    #[test]
    fn an_aligned_table_with_an_empty_cell_keeps_its_columns() {
        let t = "Email           Password   Server\na@x.example     pw-a-1     imap.x.example\nb@x.example                imap.y.example\n";
        let m = body_table(t);
        assert_eq!(m.len(), 2);
        assert!(m[1].password.is_none());
        assert_eq!(m[1].source_host.as_deref(), Some("imap.y.example"));
    }

    #[test]
    fn a_title_row_above_the_header_keeps_spreadsheet_row_numbers() {
        let r = rules();
        let rows = vec![
            Row {
                number: 1,
                cells: vec!["Mailboxes to move".into()],
            },
            Row {
                number: 3,
                cells: vec!["Password".into(), "E-Mail-Adresse".into()],
            },
            Row {
                number: 4,
                cells: vec!["pw-1".into(), "a@x.example".into()],
            },
            Row {
                number: 5,
                cells: vec!["".into(), "b@x.example".into()],
            },
        ];
        let origin = Origin {
            file: Some("list.xlsx".into()),
            sheet: Some("Team".into()),
            strict: true,
            headerless: false,
        };
        let t = read(rows, &origin, &r, 100);
        assert_eq!(
            t.mailboxes.iter().map(|m| m.row).collect::<Vec<_>>(),
            vec![Some(4), Some(5)]
        );
        assert_eq!(t.mailboxes[0].sheet.as_deref(), Some("Team"));
    }

    #[test]
    fn prose_is_no_table() {
        assert!(body_table("Hello, my email, password and server are below.\nThanks").is_empty());
    }
}
