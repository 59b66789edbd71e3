//! A CSV or TSV file (or a text file holding one) → its table rows, read by `tables.rs`.
//!
//! Charset from [`crate::textdecode`] (the importer's decoder too); the delimiter is the one
//! of `rules/csv.toml` seen most often in the first lines; `row` is the spreadsheet row (the
//! first line = 1, a cell spanning lines counts once). Reads at most `max_rows` plus a few
//! rows, so the limit check can say "too many" without the whole file in memory. Never puts a
//! cell into a message.

use super::tables::{self, Origin, Row, TableRows};
use super::FieldError;
use crate::rules::Rules;
use crate::textdecode::decode_text;

/// The rows of one CSV file.
pub type CsvRows = TableRows;

/// Picks the delimiter seen most often (outside quotes) in the first ten non-blank lines.
fn sniff(text: &str, candidates: &[u8]) -> u8 {
    let mut best = (0usize, b',');
    for &d in candidates {
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()).take(10) {
            let mut quoted = false;
            for b in line.bytes() {
                if b == b'"' {
                    quoted = !quoted;
                } else if b == d && !quoted {
                    n += 1;
                }
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

/// Reads one CSV file; `file` names it in errors. `strict`: a file sent as the list (an
/// unrecognised header is an error); else (a `.txt` file) it is only read when it has a header.
pub fn read(file: &str, data: &[u8], rules: &Rules, max_rows: usize, strict: bool) -> CsvRows {
    let text = decode_text(data);
    let delimiter = sniff(&text, &rules.csv.delimiters);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Row> = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut lines = Lines::new(&text);
    // Line breaks inside quoted cells of earlier records: a spreadsheet shows such a record as
    // one row, so they do not count as rows.
    let mut spanned = 0usize;
    // Enough rows for the title rows, the header and one row past the limit.
    let keep = max_rows.saturating_add(20);
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e
                    .position()
                    .map_or(row, |p| lines.line_of(p.byte()).saturating_sub(spanned));
                errors.push(FieldError {
                    code: String::new(),
                    values: Vec::new(),
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
        rows.push(Row {
            number: row,
            cells: record.iter().map(str::to_string).collect(),
        });
        if rows.len() > keep {
            break;
        }
    }
    let origin = Origin {
        file: Some(file.to_string()),
        sheet: None,
        strict,
        headerless: strict,
    };
    let mut out = tables::read(rows, &origin, rules, max_rows);
    errors.append(&mut out.errors);
    errors.sort_by_key(|e| e.row);
    out.errors = errors;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::builtin().unwrap()
    }

    #[test]
    fn a_cell_spanning_lines_does_not_shift_later_rows() {
        let csv = "email,password,server\r\n\"a@x.example\",\"pw with\r\ntwo lines\",imap.x.example\r\nb@x.example,pw2,imap.x.example\r\n";
        let r = read("m.csv", csv.as_bytes(), &rules(), 100, true);
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
            true,
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
    fn the_customers_template_reads_as_one_complete_mailbox() {
        // rules/template.csv is what the reply attaches: it must be read by this very reader.
        let r = read(
            "template.csv",
            include_bytes!("../../rules/template.csv"),
            &rules(),
            10,
            true,
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.mailboxes.len(), 1);
        let m = &r.mailboxes[0];
        assert_eq!(m.row, Some(2));
        assert_eq!(m.email, "anna@example.com");
        assert!(m.password.is_some());
        assert_eq!(m.source_host.as_deref(), Some("imap.old-provider.example"));
        assert_eq!(m.source_port, Some(993));
        assert!(m.schedule.is_some());
    }

    #[test]
    fn a_title_line_above_the_header() {
        let r = read(
            "m.csv",
            b"Our mailboxes;;\r\n\r\nPasswort;E-Mail;Server\r\np1;a@x.example;imap.x.example\r\n",
            &rules(),
            10,
            true,
        );
        assert_eq!(r.mailboxes.len(), 1, "{:?}", r.errors);
        assert_eq!(r.mailboxes[0].row, Some(4));
    }

    #[test]
    fn headerless_semicolons() {
        let r = read("m.csv", b"a@x.example;\"p;1\";imap.x.example\n", &rules(), 10, true);
        assert_eq!(r.mailboxes[0].row, Some(1));
        assert_eq!(r.mailboxes[0].password.as_ref().map(|p| p.expose()), Some("p;1"));
        assert_eq!(r.mailboxes[0].source_host.as_deref(), Some("imap.x.example"));
    }
}
