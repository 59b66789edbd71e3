//! A CSV attachment → one mailbox per row.
//!
//! Charset from `decode.rs`; the delimiter is sniffed from the first non-blank line; a header
//! row is recognised by its aliases (`rules/csv.toml`), else the columns are email, password,
//! server. `row` is the spreadsheet row (header = 1). Reads at most `max_rows + 1` data rows,
//! so the limit check can say "too many" without the whole file in memory. Never puts a cell
//! of an unrecognised header into a message (it may be a password).

use super::decode::decode_text;
use super::values::apply;
use super::{FieldError, MailboxRequest};
use crate::rules::{CsvRules, Field};

/// The rows of one CSV file.
#[derive(Debug, Default)]
pub struct CsvRows {
    /// One mailbox per non-blank data row.
    pub mailboxes: Vec<MailboxRequest>,
    /// Problems, with their rows.
    pub errors: Vec<FieldError>,
    /// True when the file has more than `max_rows` data rows (reading stopped there).
    pub over_limit: bool,
}

/// Picks the delimiter seen most often (outside quotes) in the first non-blank line.
fn sniff(text: &str, candidates: &[u8]) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut best = (0usize, b',');
    for &d in candidates {
        let mut quoted = false;
        let mut n = 0;
        for b in first.bytes() {
            if b == b'"' {
                quoted = !quoted;
            } else if b == d && !quoted {
                n += 1;
            }
        }
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

/// Turns the csv reader's byte positions into 1-based line numbers, counting each stretch of
/// the text once: records come in order, so a 10,000-row file costs one pass, not one pass
/// per row (which took most of a second).
struct Lines<'t> {
    bytes: &'t [u8],
    /// Bytes before this offset are counted...
    pos: usize,
    /// ...and hold this many line breaks.
    breaks: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            pos: 0,
            breaks: 0,
        }
    }

    /// The line of the record the csv reader places at byte `at` (it places a record at the
    /// end of the one before, so line breaks and blank lines after `at` are skipped). This is
    /// the spreadsheet's row number once line breaks inside earlier quoted cells are taken off
    /// (`spanned` in [`read`]).
    fn line_of(&mut self, at: u64) -> usize {
        let bytes = self.bytes;
        let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.pos {
            self.pos = 0;
            self.breaks = 0;
        }
        self.breaks += bytes[self.pos..at].iter().filter(|&&b| b == b'\n').count();
        self.pos = at;
        self.breaks + 1
    }
}

/// Reads one CSV file; `file` names it in errors.
pub fn read(file: &str, data: &[u8], rules: &CsvRules, max_rows: usize) -> CsvRows {
    let text = decode_text(data);
    let delimiter = sniff(&text, &rules.delimiters);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = CsvRows::default();
    let mut columns: Option<Vec<Option<Field>>> = None;
    let mut data_rows = 0usize;
    let mut lines = Lines::new(&text);
    // Line breaks inside quoted cells of earlier records: a spreadsheet shows such a record as
    // one row, so they do not count as rows.
    let mut spanned = 0usize;
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e
                    .position()
                    .map_or(row, |p| lines.line_of(p.byte()).saturating_sub(spanned));
                out.errors.push(FieldError {
                    row: Some(row),
                    field: file.into(),
                    message: "this row cannot be read as CSV (check its quotes)".into(),
                });
                continue;
            }
        };
        let row = record
            .position()
            .map_or(row, |p| lines.line_of(p.byte()).saturating_sub(spanned));
        spanned += record.iter().map(|c| c.matches('\n').count()).sum::<usize>();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cols = match &columns {
            Some(c) => c,
            None => {
                let named: Vec<Option<Field>> = record.iter().map(|c| rules.column(c)).collect();
                if named.iter().any(Option::is_some) {
                    if !named.contains(&Some(Field::Email)) {
                        out.errors.push(FieldError {
                            row: Some(row),
                            field: file.into(),
                            message: "the header has no e-mail column; name one `email`".into(),
                        });
                        return out;
                    }
                    columns = Some(named);
                    continue;
                }
                if !record.get(0).is_some_and(|c| c.contains('@')) {
                    out.errors.push(FieldError {
                        row: Some(row),
                        field: file.into(),
                        message: "the column names are not recognised; start the file with a header row `email,password,server`".into(),
                    });
                    return out;
                }
                columns.insert(rules.headerless.iter().map(|f| Some(*f)).collect())
            }
        };
        data_rows += 1;
        if data_rows > max_rows {
            // One row past the limit is kept so that validation reports the limit.
            out.over_limit = true;
            break;
        }
        let mut mb = MailboxRequest {
            row: Some(row),
            ..Default::default()
        };
        for (cell, field) in record.iter().zip(cols.iter()) {
            if let Some(field) = field {
                apply(&mut mb, *field, cell, Some(row), &mut out.errors);
            }
        }
        if mb.email.is_empty() {
            out.errors.push(FieldError {
                row: Some(row),
                field: "email".into(),
                message: "this row has no e-mail address; fill in the email column or delete the row".into(),
            });
            continue;
        }
        out.mailboxes.push(mb);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CsvRules {
        CsvRules::parse(include_str!("../../rules/csv.toml")).unwrap()
    }

    #[test]
    fn a_cell_spanning_lines_does_not_shift_later_rows() {
        let csv = "email,password,server\r\n\"a@x.example\",\"pw with\r\ntwo lines\",imap.x.example\r\nb@x.example,pw2,imap.x.example\r\n";
        let rules = crate::rules::Rules::builtin().unwrap();
        let r = read("m.csv", csv.as_bytes(), &rules.csv, 100);
        let rows: Vec<_> = r.mailboxes.iter().map(|m| m.row).collect();
        assert_eq!(rows, vec![Some(2), Some(3)], "{:?}", r.errors);
    }

    #[test]
    fn m365_header_and_rows() {
        let r = read(
            "m.csv",
            b"EmailAddress,UserName,Password\r\n\r\na@x.example,a,p\r\n",
            &rules(),
            10,
        );
        assert_eq!(r.mailboxes.len(), 1);
        assert_eq!(r.mailboxes[0].row, Some(3));
        assert_eq!(r.mailboxes[0].source_user.as_deref(), Some("a"));
    }

    #[test]
    fn line_numbers_are_counted_once_and_stay_right() {
        let text = "a\r\n\r\nb\nc\n";
        let mut lines = Lines::new(text);
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(1), 3); // after "a": the blank line is skipped
        assert_eq!(lines.line_of(6), 4);
        assert_eq!(lines.line_of(0), 1); // going back recounts
        assert_eq!(lines.line_of(99), 5);
    }

    #[test]
    fn headerless_semicolons() {
        let r = read("m.csv", b"a@x.example;\"p;1\";imap.x.example\n", &rules(), 10);
        assert_eq!(r.mailboxes[0].row, Some(1));
        assert_eq!(r.mailboxes[0].password.as_ref().map(|p| p.expose()), Some("p;1"));
        assert_eq!(r.mailboxes[0].source_host.as_deref(), Some("imap.x.example"));
    }
}
