//! Spreadsheet attachments, recognised by content rather than by name: CSV/TSV/text files
//! (any of UTF-8, UTF-16, Windows-1252; sent as `.csv`, `.tsv`, `.txt`, `text/plain` or
//! `application/octet-stream`) and workbooks (Excel `.xlsx`/`.xls`, LibreOffice `.ods`, read
//! with calamine). Every sheet with a recognisable header row is read; rows keep the numbers
//! the spreadsheet shows, errors name the sheet when a workbook has several.
//!
//! Hostile files: a workbook is a zip archive whose parts may unpack to gigabytes, and calamine
//! reads a sheet's parts whole. Before calamine opens one, every part is unpacked once into
//! nothing, counting, and the workbook is refused past [`MAX_UNPACKED`] bytes or
//! [`MAX_PARTS`] parts; `.xlsx` sheets are read cell by cell (never as a dense grid, which a
//! cell at XFD1048576 would make 17 billion cells), `.ods` sheets only when a scan of their
//! XML shows the grid calamine builds stays under [`MAX_CELLS`]. Never reads more than
//! `max_rows` plus a few rows of a sheet, and never puts a cell into a message.

use super::attachments::Attachment;
use super::tables::{self, Origin, Row, TableRows};
use super::{csvfile, FieldError};
use crate::rules::Rules;
use calamine::{Data, DataRef, Reader};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Most bytes all parts of a workbook may unpack to.
pub const MAX_UNPACKED: u64 = 64 << 20;
/// Most parts (files) in a workbook archive.
pub const MAX_PARTS: usize = 2_000;
/// Most cells calamine may build for one `.ods` sheet.
pub const MAX_CELLS: usize = 2_000_000;
/// Most columns read from a sheet.
const MAX_COLUMNS: u32 = 256;

/// What a file holds, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A zip archive (`.xlsx`, `.ods`).
    Zip,
    /// An OLE compound file (`.xls`).
    Ole,
    /// Text (CSV, TSV, a list).
    Text,
}

/// The kind of spreadsheet an attachment is, or None when it is no table file. `strict` in the
/// second place: named or typed as a list (`.csv`, `.tsv`, `.xlsx`, `text/csv`, …), so a
/// missing header or an unreadable workbook is an error; a `.txt` or untyped file is only read
/// when it turns out to be a table.
pub fn kind_of(a: &Attachment) -> Option<(Content, bool)> {
    let name = a.name.to_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let ctype = a.content_type.as_str();
    let listed_ext = matches!(ext, "csv" | "tsv" | "tab" | "xlsx" | "xlsm" | "xls" | "ods");
    let listed_type = matches!(
        ctype,
        "text/csv"
            | "text/x-csv"
            | "application/csv"
            | "application/x-csv"
            | "text/tab-separated-values"
            | "application/vnd.ms-excel"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.ms-excel.sheet.macroenabled.12"
            | "application/vnd.oasis.opendocument.spreadsheet"
    );
    let loose = matches!(ext, "txt" | "text" | "dat" | "")
        && matches!(
            ctype,
            "text/plain" | "application/octet-stream" | "application/zip" | ""
        )
        || (ctype == "application/octet-stream"
            && !matches!(ext, "pdf" | "jpg" | "jpeg" | "png" | "gif" | "doc" | "docx"));
    if !(listed_ext || listed_type || loose) {
        return None;
    }
    let content = sniff(&a.data)?;
    Some((content, listed_ext || listed_type))
}

/// What the bytes are: a zip, an OLE file, text, or None (other binary data).
pub fn sniff(data: &[u8]) -> Option<Content> {
    if data.starts_with(b"PK\x03\x04") {
        return Some(Content::Zip);
    }
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Content::Ole);
    }
    let head = &data[..data.len().min(4096)];
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let zeros = head.iter().filter(|&&b| b == 0).count();
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    let text = if utf16 || zeros * 3 >= head.len() {
        true // UTF-16: every other byte is zero
    } else {
        controls * 100 <= head.len()
    };
    text.then_some(Content::Text)
}

/// Reads a table file: its mailboxes and errors (the field of a file-level error is its name).
pub fn read(a: &Attachment, content: Content, strict: bool, rules: &Rules, max_rows: usize) -> TableRows {
    match content {
        Content::Text => csvfile::read(&a.name, &a.data, rules, max_rows, strict),
        Content::Zip | Content::Ole => {
            let t = workbook(a, content, rules, max_rows);
            // An untyped zip or OLE file that is no readable workbook (an archive of photos, a
            // Word file) is not the customer's list: no error about it.
            if strict || t.recognised {
                t
            } else {
                TableRows::default()
            }
        }
    }
}

fn file_error(a: &Attachment, message: String) -> TableRows {
    TableRows {
        errors: vec![FieldError {
            code: String::new(),
            values: Vec::new(),
            row: None,
            field: a.name.clone(),
            message,
        }],
        ..Default::default()
    }
}

/// A workbook's sheets, each as rows (spreadsheet row numbers) read up to `keep` rows.
type Sheets = Vec<(String, Vec<Row>)>;

fn workbook(a: &Attachment, content: Content, rules: &Rules, max_rows: usize) -> TableRows {
    let keep = max_rows.saturating_add(20);
    let sheets: Result<Sheets, String> = match content {
        Content::Zip => match unpacked(&a.data, MAX_UNPACKED) {
            Err(e) => Err(e),
            Ok(Archive::Xlsx) => xlsx(&a.data, keep),
            Ok(Archive::Ods(xml)) => ods(&a.data, &xml, keep),
            Ok(Archive::Other) => {
                Err("is a zip archive, not a spreadsheet; send the list as .xlsx, .ods or .csv".into())
            }
        },
        _ => xls(&a.data, keep),
    };
    let sheets = match sheets {
        Ok(s) => s,
        Err(e) => return file_error(a, e),
    };
    let several = sheets.iter().filter(|(_, rows)| !rows.is_empty()).count() > 1;
    let mut out = TableRows::default();
    let mut unrecognised: Vec<FieldError> = Vec::new();
    for (name, rows) in sheets {
        if rows.is_empty() {
            continue;
        }
        let origin = Origin {
            file: Some(a.name.clone()),
            sheet: several.then(|| name.clone()),
            strict: true,
            headerless: true,
        };
        let mut t = tables::read(rows, &origin, rules, max_rows.saturating_sub(out.mailboxes.len()));
        if !t.recognised {
            // A sheet of notes beside the list is fine; only a workbook where no sheet is a
            // list is the customer's error.
            unrecognised.append(&mut t.errors);
            continue;
        }
        out.recognised = true;
        out.over_limit |= t.over_limit;
        out.mailboxes.append(&mut t.mailboxes);
        out.errors.append(&mut t.errors);
        if out.over_limit {
            break;
        }
    }
    if !out.recognised {
        if unrecognised.is_empty() {
            return file_error(
                a,
                "holds no rows; put the mailboxes in the first sheet under a header row `email, password, server`"
                    .into(),
            );
        }
        out.errors = unrecognised;
    }
    out
}

enum Archive {
    Xlsx,
    Ods(String),
    Other,
}

/// Unpacks every part of a zip into nothing, counting; refuses archives that unpack to more
/// than `max_bytes` ([`MAX_UNPACKED`]) in all or hold more than [`MAX_PARTS`] parts. Keeps an
/// `.ods`'s `content.xml` for the cell scan.
fn unpacked(data: &[u8], max_bytes: u64) -> Result<Archive, String> {
    let unreadable = || "cannot be opened as a spreadsheet; save it again as .xlsx or .csv".to_string();
    let too_big = || {
        format!(
            "unpacks to more than {} MB; send the list as a smaller .xlsx or as .csv",
            max_bytes >> 20
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|_| unreadable())?;
    if zip.len() > MAX_PARTS {
        return Err(too_big());
    }
    let mut total = 0u64;
    let mut xlsx = false;
    let mut content: Option<String> = None;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable())?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let budget = max_bytes.saturating_sub(total);
        let mut limited = (&mut part).take(budget + 1);
        let n = if name == "content.xml" {
            let mut buf = Vec::new();
            let n = limited.read_to_end(&mut buf).map_err(|_| unreadable())? as u64;
            content = Some(String::from_utf8_lossy(&buf).into_owned());
            n
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| unreadable())?
        };
        total += n;
        if total > max_bytes {
            return Err(too_big());
        }
        xlsx |= name == "xl/workbook.xml";
    }
    Ok(match (xlsx, content) {
        (true, _) => Archive::Xlsx,
        (false, Some(xml)) => Archive::Ods(xml),
        _ => Archive::Other,
    })
}

/// A cell's text as the spreadsheet shows it (993.0 → "993", a date → "2031-12-01 22:00").
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).map(|d| d.and_time(chrono::NaiveTime::MIN));
            let secs = (serial * 86_400.0).round();
            match base.and_then(|b| {
                (secs.is_finite() && secs.abs() < 1e12)
                    .then(|| b.checked_add_signed(chrono::Duration::seconds(secs as i64)))
                    .flatten()
            }) {
                Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
                None => serial.to_string(),
            }
        }
    }
}

/// Sparse cells (row, column, text) → rows numbered as the spreadsheet shows them.
fn rows_of(cells: BTreeMap<u32, BTreeMap<u32, String>>) -> Vec<Row> {
    cells
        .into_iter()
        .map(|(r, cols)| {
            let width = cols.keys().next_back().map_or(0, |c| *c as usize + 1);
            let mut v = vec![String::new(); width];
            for (c, t) in cols {
                if let Some(slot) = v.get_mut(c as usize) {
                    *slot = t;
                }
            }
            Row {
                number: r as usize + 1,
                cells: v,
            }
        })
        .collect()
}

fn xlsx(data: &[u8], keep: usize) -> Result<Sheets, String> {
    let unreadable = |_| "cannot be read as an Excel workbook; save it again as .xlsx or .csv".to_string();
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(data)).map_err(unreadable)?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(r) => r,
            Err(_) => continue, // a chart sheet: no cells
        };
        let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
        while let Ok(Some(cell)) = reader.next_cell() {
            let (r, c) = cell.get_position();
            if c >= MAX_COLUMNS {
                continue;
            }
            let v: &DataRef<'_> = cell.get_value();
            let text = cell_text(&Data::from(v.clone()));
            if text.trim().is_empty() {
                continue;
            }
            if !cells.contains_key(&r) && cells.len() > keep {
                break;
            }
            cells.entry(r).or_default().insert(c, text);
        }
        out.push((name, rows_of(cells)));
    }
    Ok(out)
}

fn dense(range: &calamine::Range<Data>, keep: usize) -> Vec<Row> {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    for (i, row) in range.rows().enumerate() {
        if cells.len() > keep {
            break;
        }
        let r = r0.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        for (j, d) in row.iter().enumerate().take(MAX_COLUMNS as usize) {
            let text = cell_text(d);
            if !text.trim().is_empty() {
                let c = c0.saturating_add(u32::try_from(j).unwrap_or(u32::MAX));
                cells.entry(r).or_default().insert(c, text);
            }
        }
    }
    rows_of(cells)
}

fn ods(data: &[u8], content_xml: &str, keep: usize) -> Result<Sheets, String> {
    if ods_cells(content_xml) > MAX_CELLS {
        return Err(format!(
            "has sheets of more than {MAX_CELLS} cells; send only the list of mailboxes (as .ods, .xlsx or .csv)"
        ));
    }
    let unreadable = |_| "cannot be read as a LibreOffice spreadsheet; save it again as .ods or .csv".to_string();
    let mut book: calamine::Ods<_> = calamine::Ods::new(Cursor::new(data)).map_err(unreadable)?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            out.push((name, dense(&range, keep)));
        }
    }
    Ok(out)
}

fn xls(data: &[u8], keep: usize) -> Result<Sheets, String> {
    let unreadable = |_| "cannot be read as an Excel 97-2003 workbook; save it again as .xlsx or .csv".to_string();
    let mut book: calamine::Xls<_> = calamine::Xls::new(Cursor::new(data)).map_err(unreadable)?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            out.push((name, dense(&range, keep)));
        }
    }
    Ok(out)
}

/// An upper bound of the cells calamine builds for the sheets of an `.ods` `content.xml`:
/// the cells of each row up to its last non-empty one, plus the grid it fills out (every
/// row, repeated as written, from the first non-empty row to the last, as wide as the widest).
pub fn ods_cells(xml: &str) -> usize {
    let attr = |tag: &str, name: &str| -> usize {
        tag.find(name)
            .and_then(|i| {
                let rest = &tag[i + name.len()..];
                let rest = rest.trim_start().strip_prefix('=')?.trim_start();
                let rest = rest.strip_prefix(['"', '\''])?;
                let end = rest.find(['"', '\''])?;
                rest[..end].trim().parse::<usize>().ok()
            })
            .unwrap_or(1)
    };
    let mut raw = 0usize;
    let mut widest = 0usize;
    let mut grid_rows = 0usize; // rows from the first non-empty one, repeats included
    let mut pending_rows = 0usize; // empty rows since the last non-empty one
    let mut started = false;
    let mut rest = xml;
    while let Some(i) = rest.find("<table:table-row") {
        rest = &rest[i + 16..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let repeats = attr(tag, "table:number-rows-repeated").min(1_048_576);
        let row_end = if tag.ends_with('/') {
            0
        } else {
            rest.find("</table:table-row").unwrap_or(rest.len())
        };
        let row = &rest[tag_end..row_end.max(tag_end)];
        let (mut width, mut used) = (0usize, 0usize);
        let mut cells = row;
        while let Some(j) = cells.find("table-cell") {
            let before = &cells[..j];
            cells = &cells[j + 10..];
            if !(before.ends_with("<table:") || before.ends_with("<table:covered-")) {
                continue;
            }
            let Some(end) = cells.find('>') else { break };
            let ctag = &cells[..end];
            width = width.saturating_add(attr(ctag, "table:number-columns-repeated").min(16_384));
            if ctag.contains("value-type") || !ctag.ends_with('/') {
                used = width;
            }
        }
        let used = used.min(16_384);
        raw = raw.saturating_add(used);
        if used > 0 {
            widest = widest.max(used);
            grid_rows = grid_rows.saturating_add(pending_rows).saturating_add(repeats);
            pending_rows = 0;
            started = true;
        } else if started {
            pending_rows = pending_rows.saturating_add(repeats);
        }
        rest = &rest[row_end.max(tag_end)..];
    }
    raw.saturating_add(grid_rows.saturating_mul(widest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(name: &str, ctype: &str, data: &[u8]) -> Attachment {
        Attachment {
            name: name.into(),
            content_type: ctype.into(),
            data: data.to_vec(),
        }
    }

    #[test]
    fn files_are_recognised_by_content() {
        let csv = b"email;password\r\na@x.example;p\r\n";
        assert_eq!(kind_of(&att("list.csv", "", csv)), Some((Content::Text, true)));
        assert_eq!(
            kind_of(&att("list.txt", "text/plain", csv)),
            Some((Content::Text, false))
        );
        assert_eq!(
            kind_of(&att("", "application/octet-stream", csv)),
            Some((Content::Text, false))
        );
        assert_eq!(
            kind_of(&att("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF")),
            None
        );
        assert_eq!(
            kind_of(&att("x.bin", "application/octet-stream", b"\0\x01\x02\x03\x04\x05\x06")),
            None
        );
        assert_eq!(
            kind_of(&att("Liste.xlsx", "", b"PK\x03\x04rest")),
            Some((Content::Zip, true))
        );
        let utf16: Vec<u8> = "email\tpassword\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            kind_of(&att("users.txt", "text/plain", &utf16)),
            Some((Content::Text, false))
        );
    }

    #[test]
    fn ods_grid_bound() {
        let normal = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        assert_eq!(ods_cells(normal), 2);
        let bomb = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" table:number-columns-repeated="16384"/></table:table-row>"#;
        assert!(ods_cells(bomb) > MAX_CELLS);
    }

    fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_workbook_is_refused_before_calamine_reads_it() {
        // 4 MB of zeros pack into a few kB; with a 1 MB budget the workbook is refused after
        // unpacking just past 1 MB, never the whole part.
        let bomb = zip_of(&[("xl/workbook.xml", vec![b'<'; 4 << 20])]);
        assert!(bomb.len() < 64 << 10);
        let err = unpacked(&bomb, 1 << 20).err().expect("refused");
        assert!(err.contains("unpacks to more than 1 MB"), "{err}");
        // And the same file through intake with the real cap (a small bomb passes the cap but is
        // no workbook calamine can read: an error, not a panic).
        let rules = Rules::builtin().unwrap();
        let t = read(&att("list.xlsx", "", &bomb), Content::Zip, true, &rules, 100);
        assert_eq!(t.errors.len(), 1);
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_PARTS).map(|i| (format!("p{i}"), Vec::new())).collect();
        let refs: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        assert!(unpacked(&zip_of(&refs), MAX_UNPACKED).is_err());
    }

    #[test]
    fn a_workbook_from_excel_is_read_with_its_row_numbers_and_sheets() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let notes = book.add_worksheet().set_name("Notes").unwrap();
        notes.write_string(0, 0, "Mailboxes are on the next sheet").unwrap();
        let list = book.add_worksheet().set_name("Team").unwrap();
        list.write_string(0, 0, "Our team").unwrap();
        for (c, h) in ["Adresse e-mail", "Mot de passe", "Serveur", "Port"].iter().enumerate() {
            list.write_string(2, c as u16, *h).unwrap();
        }
        list.write_string(3, 0, "a@x.example").unwrap();
        list.write_string(3, 1, "pw-a-1").unwrap();
        list.write_string(3, 2, "imap.x.example").unwrap();
        list.write_number(3, 3, 993).unwrap();
        list.write_number(4, 1, 4711).unwrap();
        let data = book.save_to_buffer().unwrap();
        let rules = Rules::builtin().unwrap();
        let a = att("Team.xlsx", "application/octet-stream", &data);
        let (content, strict) = kind_of(&a).expect("a workbook");
        let t = read(&a, content, strict, &rules, 100);
        assert_eq!(t.mailboxes.len(), 1, "{:?}", t.errors);
        let m = &t.mailboxes[0];
        assert_eq!((m.row, m.source_port), (Some(4), Some(993)));
        // The workbook has two sheets with rows: the sheet is named.
        assert_eq!(m.sheet.as_deref(), Some("Team"));
        assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
        assert_eq!(t.errors[0].row, Some(5));
        assert!(
            t.errors[0]
                .message
                .starts_with("sheet \u{201c}Team\u{201d}: this row has no e-mail address"),
            "{:?}",
            t.errors
        );
    }

    #[test]
    fn an_untyped_archive_that_is_no_workbook_is_no_error() {
        let rules = Rules::builtin().unwrap();
        let a = att(
            "photos",
            "application/octet-stream",
            &zip_of(&[("a.jpg", vec![0xff; 10])]),
        );
        let (content, strict) = kind_of(&a).unwrap();
        let t = read(&a, content, strict, &rules, 100);
        assert!(t.errors.is_empty() && t.mailboxes.is_empty(), "{:?}", t.errors);
    }

    #[test]
    fn a_damaged_workbook_is_an_error_not_a_panic() {
        let rules = Rules::builtin().unwrap();
        let a = att("list.xlsx", "", b"PK\x03\x04 not really a zip");
        let t = read(&a, Content::Zip, true, &rules, 100);
        assert_eq!(t.errors.len(), 1);
        assert_eq!(t.errors[0].field, "list.xlsx");
        let a = att("list.xls", "", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]);
        assert_eq!(read(&a, Content::Ole, true, &rules, 100).errors.len(), 1);
    }
}
