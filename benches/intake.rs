//! Intake throughput: parse + offline-validate typical request mails (fields in the body in
//! several languages, an HTML table, a CSV attachment), freely written ones (sentences, tables
//! in the body, a forward), and generated 10,000-row CSV and `.xlsx` requests.
//!
//! Targets: at least 2,000 typical mails per second on one core; the 10,000-row CSV and the
//! 10,000-row `.xlsx` each parsed and validated in under a second. Run with `cargo bench --bench intake`; the figures are in
//! `docs/benchmarks.md` ("Intake"). Under `cargo test --all-targets` each case runs once.

use base64::Engine;
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mailferry::intake::parse_mail;
use mailferry::rules::Rules;
use mailferry::validate::with_offline_errors;
use std::hint::black_box;
use std::path::Path;

/// The typical requests: four body-field mails, an HTML-only one, a CSV one.
const TYPICAL: &[&str] = &[
    "001-plain-english-mutt.eml",
    "002-german-thunderbird.eml",
    "003-french-apple-mail.eml",
    "005-italian-plain.eml",
    "008-html-only-table-base64.eml",
    "015-csv-utf8-comma.eml",
];

/// Freely written requests: a sentence, a sentence with labelled lines, an HTML table with a
/// header row, a Markdown table, a Gmail forward.
const FREE: &[&str] = &[
    "063-intent-address-and-server-no-password.eml",
    "064-sentence-then-labelled-lines.eml",
    "068-html-table-header-row-outlook.eml",
    "069-markdown-pipe-table.eml",
    "075-gmail-forward-with-author.eml",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/intake").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A request with a CSV of `rows` mailboxes (header + rows, base64 as a mail client sends it).
pub fn csv_request(rows: usize) -> Vec<u8> {
    let mut csv = String::from("email,password,server,port,security\r\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "user{i:05}@corp.example,Pw-{i:05}-x!,imap.corp-old.example,993,SSL/TLS\r\n"
        ));
    }
    request_with("mailboxes.csv", "text/csv", csv.as_bytes())
}

/// A request with an Excel workbook of `rows` mailboxes: a title row, the header in row 3,
/// the port as a number, as Excel writes it (rust_xlsxwriter).
pub fn xlsx_request(rows: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Mailboxes of Corp Ltd").expect("cell");
    for (c, h) in ["E-Mail", "Passwort", "Server", "Port", "Security"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).expect("cell");
    }
    for i in 0..rows {
        let r = i + 3;
        sheet
            .write_string(r, 0, format!("user{i:05}@corp.example"))
            .expect("cell");
        sheet.write_string(r, 1, format!("Pw-{i:05}-x!")).expect("cell");
        sheet.write_string(r, 2, "imap.corp-old.example").expect("cell");
        sheet.write_number(r, 3, 993).expect("cell");
        sheet.write_string(r, 4, "SSL/TLS").expect("cell");
    }
    let data = book.save_to_buffer().expect("workbook");
    request_with(
        "Migration.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &data,
    )
}

/// A mail with one attachment, base64 as a mail client sends it.
fn request_with(name: &str, content_type: &str, data: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let mut mail = format!(
        "From: IT <it@corp.example>\r\nTo: Support <support@provider.example>\r\n\
         Subject: Migration of all our mailboxes\r\nDate: Tue, 24 Nov 2026 09:30:00 +0100\r\n\
         Message-ID: <bench-csv@client.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello, the list is attached.\r\n\r\n--b\r\n\
         Content-Type: {content_type}; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    for line in b64.as_bytes().chunks(76) {
        mail.push_str(std::str::from_utf8(line).unwrap_or_default());
        mail.push_str("\r\n");
    }
    mail.push_str("--b--\r\n");
    mail.into_bytes()
}

fn intake(c: &mut Criterion) {
    let rules = Rules::builtin().expect("built-in rules");
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mails: Vec<(&str, Vec<u8>)> = TYPICAL.iter().map(|n| (*n, fixture(n))).collect();

    let mut group = c.benchmark_group("intake/typical");
    for (name, raw) in &mails {
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(&name[..3]), raw, |b, raw| {
            b.iter(|| with_offline_errors(parse_mail(black_box(raw), &rules), &rules.policy, now))
        });
    }
    group.throughput(Throughput::Elements(mails.len() as u64));
    group.bench_function("all-six", |b| {
        b.iter(|| {
            for (_, raw) in &mails {
                black_box(with_offline_errors(
                    parse_mail(black_box(raw), &rules),
                    &rules.policy,
                    now,
                ));
            }
        })
    });
    group.finish();

    let free: Vec<(&str, Vec<u8>)> = FREE.iter().map(|n| (*n, fixture(n))).collect();
    let mut group = c.benchmark_group("intake/free");
    group.throughput(Throughput::Elements(free.len() as u64));
    group.bench_function("all-five", |b| {
        b.iter(|| {
            for (_, raw) in &free {
                black_box(with_offline_errors(
                    parse_mail(black_box(raw), &rules),
                    &rules.policy,
                    now,
                ));
            }
        })
    });
    group.finish();

    let big = csv_request(10_000);
    let check = with_offline_errors(parse_mail(&big, &rules), &rules.policy, now);
    assert_eq!(
        check.mailboxes.len(),
        10_000,
        "the generated CSV must give 10,000 mailboxes"
    );
    assert!(check.errors.is_empty(), "{:?}", check.errors.first());
    let mut group = c.benchmark_group("intake/csv");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("10000-rows", |b| {
        b.iter(|| with_offline_errors(parse_mail(black_box(&big), &rules), &rules.policy, now))
    });
    group.finish();

    let book = xlsx_request(10_000);
    let check = with_offline_errors(parse_mail(&book, &rules), &rules.policy, now);
    assert_eq!(
        check.mailboxes.len(),
        10_000,
        "the generated workbook must give 10,000 mailboxes: {:?}",
        check.errors.first()
    );
    assert!(check.errors.is_empty(), "{:?}", check.errors.first());
    assert_eq!(check.mailboxes[0].row, Some(4), "rows as Excel shows them");
    let mut group = c.benchmark_group("intake/xlsx");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("10000-rows", |b| {
        b.iter(|| with_offline_errors(parse_mail(black_box(&book), &rules), &rules.policy, now))
    });
    group.finish();
}

criterion_group!(benches, intake);
criterion_main!(benches);
