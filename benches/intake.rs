//! Intake throughput: parse + offline-validate typical request mails (fields in the body in
//! several languages, an HTML table, a CSV attachment) and a generated 10,000-row CSV request.
//!
//! Targets: at least 2,000 typical mails per second on one core; the 10,000-row CSV parsed and
//! validated in under a second. Run with `cargo bench --bench intake`; the figures are in
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
    let b64 = base64::engine::general_purpose::STANDARD.encode(csv.as_bytes());
    let mut mail = String::from(
        "From: IT <it@corp.example>\r\nTo: Support <support@provider.example>\r\n\
         Subject: Migration of all our mailboxes\r\nDate: Tue, 24 Nov 2026 09:30:00 +0100\r\n\
         Message-ID: <bench-csv@client.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello, the list is attached.\r\n\r\n--b\r\n\
         Content-Type: text/csv; name=\"mailboxes.csv\"\r\n\
         Content-Disposition: attachment; filename=\"mailboxes.csv\"\r\n\
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
}

criterion_group!(benches, intake);
criterion_main!(benches);
