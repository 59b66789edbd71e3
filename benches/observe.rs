//! The admin endpoint under a big store: 1,000 tickets with two mailboxes each (five folders
//! per mailbox) and ten events per ticket, answered over real HTTP on loopback by the same
//! server and render functions the daemon uses: GET /metrics, GET / (the ticket list) and
//! GET /tickets/MIG-000500. Run with `cargo bench --bench observe`; the figures are in
//! `docs/benchmarks.md` ("Admin endpoint"). Under `cargo test --all-targets` each case runs once.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use mailferry::config::Security;
use mailferry::migrate::{FolderReport, MigrationReport};
use mailferry::model::{Job, JobId, JobState, SourceSpec, Thread, Ticket, TicketId};
use mailferry::observe::http::{self, Request, Response};
use mailferry::observe::live::LiveJobs;
use mailferry::observe::metrics::{Metrics, StoreFigures};
use mailferry::observe::page;
use mailferry::store::{Change, Store};
use std::io::{Read, Write};
use std::sync::Arc;

const TICKETS: u64 = 1000;

fn fill(store: &Store) {
    let states = [JobState::Synced, JobState::Done, JobState::Syncing, JobState::Failed];
    for t in 1..=TICKETS {
        let mut change = Change::new();
        let ticket = Ticket {
            id: TicketId(t),
            created: Utc::now(),
            thread: Thread {
                customer: format!("customer{t}@example.com"),
                subject: format!("Please move our mailboxes <{t}>"),
                references: vec![format!("req-{t}@example.com")],
            },
            jobs: vec![JobId(2 * t - 1), JobId(2 * t)],
            language: mailferry::model::Language::En,
        };
        for id in &ticket.jobs {
            let folders = ["INBOX", "Sent", "Drafts", "Archive/2024", "Archive/2025"]
                .iter()
                .map(|f| FolderReport {
                    source: f.to_string(),
                    destination: f.to_string(),
                    messages: 400,
                    bytes: 40_000_000,
                    copied: 380,
                    already_there: 0,
                    failed: 0,
                    errors: Vec::new(),
                })
                .collect();
            let job = Job {
                id: *id,
                ticket: ticket.id,
                source: SourceSpec {
                    host: "imap.old.example".into(),
                    port: 993,
                    security: Security::Tls,
                    user: format!("user{}@example.com", id.0),
                    login: Default::default(),
                },
                destination: format!("user{}@new.example", id.0),
                schedule: None,
                state: states[(id.0 % 4) as usize],
                attempts: 0,
                last_error: None,
                report: Some(MigrationReport { folders }),
                not_before: None,
                email: format!("user{}@example.com", id.0),
                final_pass: false,
                final_wanted: false,
                held: false,
                found: None,
                found_by: None,
                pace: Default::default(),
                eta: None,
                actual: Default::default(),
            };
            change.job(&job).unwrap();
        }
        change.ticket(&ticket).unwrap();
        for e in 0..10 {
            change.event(
                ticket.id,
                Some(JobId(2 * t)),
                Utc::now(),
                format!("event {e} of ticket {t}"),
            );
        }
        store.apply(change).unwrap();
    }
}

fn get(addr: std::net::SocketAddr, path: &str) -> usize {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    assert!(out.starts_with(b"HTTP/1.1 200 "), "{path}");
    out.len()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store"), &dir.path().join("store.key")).unwrap();
    fill(&store);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let (metrics, live) = (Arc::new(Metrics::default()), Arc::new(LiveJobs::default()));
    let st = store.clone();
    rt.spawn(http::serve(listener, Vec::new(), shutdown, move |req: Request| {
        let (store, metrics, live) = (st.clone(), metrics.clone(), live.clone());
        async move {
            let body = match req.path.as_str() {
                "/metrics" => metrics.render(&StoreFigures::from_store(&store, 0).unwrap()),
                "/" => page::ticket_list(
                    &store,
                    &live,
                    &page::ListFilter::default(),
                    chrono::Utc::now(),
                    chrono::Duration::days(7),
                    chrono::Duration::hours(4),
                )
                .unwrap(),
                p => page::ticket_page(&store, &live, p.trim_start_matches("/tickets/"), chrono::Utc::now())
                    .unwrap()
                    .unwrap(),
            };
            Response::text(200, body)
        }
    }));
    for path in ["/metrics", "/", "/tickets/MIG-000500"] {
        println!("GET {path}: {} bytes with {TICKETS} tickets", get(addr, path));
        c.bench_function(&format!("GET {path}"), |b| b.iter(|| get(addr, path)));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
