//! The read-only staff page: the ticket list at `/` and one ticket at `/tickets/MIG-000123`
//! with a progress bar per mailbox and per folder and the ticket's event log.
//!
//! Server-rendered HTML with inline CSS, no script and no outside asset. Every string that came
//! from a customer or a server (subjects, addresses, folder names, errors) goes through
//! [`escape`]; passwords are never read here (the store keeps them sealed apart from jobs).

use super::live::{FolderProgress, LiveJobs};
use crate::model::{Job, JobState, OutboxState, OutgoingMail, TicketId};
use crate::reply::compose;
use crate::store::Store;
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Text made safe for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}\
th,td{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
progress{width:10em;height:1.1em;vertical-align:middle}.bar{white-space:nowrap}.state{font-weight:bold}.err{color:#a00}\
.muted{color:#777}h1 a{color:inherit;text-decoration:none}code{font-size:95%}\
pre.body{white-space:pre-wrap;margin:.3em 0;max-width:60em}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta http-equiv=\"refresh\" content=\"15\"><title>{}</title><style>{STYLE}</style></head>\
         <body><h1><a href=\"/\">mailferry</a></h1>\n{body}\n<p class=\"muted\">Read-only view. \
         <a href=\"/metrics\">metrics</a> · <a href=\"/healthz\">health</a></p></body></html>\n",
        escape(title)
    )
}

/// How far `t` lies from `now`, in words a person reads at a glance: "just now", "3 min ago",
/// "about 2 h ago", "4 days ago", "in 5 min", "in about 2 h".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let past = secs < 0;
    let s = secs.unsigned_abs();
    let span = if s < 60 {
        return "just now".to_string();
    } else if s < 3570 {
        format!("{} min", (s + 30) / 60)
    } else if s < 36 * 3600 {
        format!("about {} h", (s + 1800) / 3600)
    } else {
        format!("{} days", (s + 43_200) / 86_400)
    };
    if past {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// A time on the page: relative to `now`, the absolute UTC time in its title.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        t.format("%Y-%m-%dT%H:%M:%SZ"),
        t.format("%Y-%m-%d %H:%M:%S UTC"),
        relative(t, now)
    )
}

/// Messages handled of messages found, for one mailbox, and per folder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailboxProgress {
    /// Messages on our side (copied or already there).
    pub done: u64,
    /// Messages at the old provider (0 when not known yet).
    pub total: u64,
    /// Per folder: name, done, total.
    pub folders: Vec<(String, u64, u64)>,
    /// True while a copy runs (figures are live).
    pub running: bool,
}

/// A job's progress: live figures while it runs, else its last report, else what the probe
/// found.
pub fn progress(job: &Job, live: Option<&std::collections::BTreeMap<String, FolderProgress>>) -> MailboxProgress {
    let found = job.found.map_or(0, |f| f.messages);
    if let Some(folders) = live {
        let list: Vec<_> = folders.iter().map(|(n, f)| (n.clone(), f.done, f.total)).collect();
        let done = list.iter().map(|f| f.1).sum();
        let total: u64 = list.iter().map(|f| f.2).sum();
        return MailboxProgress {
            done,
            total: total.max(found),
            folders: list,
            running: true,
        };
    }
    if let Some(r) = &job.report {
        // On the final pass, `copied` includes the first pass's copies, which are then also
        // `already_there`: never count more than the folder holds.
        let list: Vec<_> = r
            .folders
            .iter()
            .map(|f| {
                (
                    f.source.clone(),
                    (f.copied + f.already_there).min(f.messages),
                    f.messages,
                )
            })
            .collect();
        return MailboxProgress {
            done: list.iter().map(|f| f.1).sum(),
            total: list.iter().map(|f| f.2).sum(),
            folders: list,
            running: false,
        };
    }
    MailboxProgress {
        total: found,
        ..MailboxProgress::default()
    }
}

fn bar(done: u64, total: u64) -> String {
    let pct = done.saturating_mul(100).checked_div(total).unwrap_or(0);
    format!(
        "<progress value=\"{}\" max=\"{}\">{pct}%</progress> {done} / {total} ({pct}%)",
        done.min(total.max(1)),
        total.max(1)
    )
}

/// The first copy's estimate (as told to the customer) next to what really happened, for
/// staff, each time relative to `now`; None when the job has neither.
fn eta_line(j: &Job, now: DateTime<Utc>) -> Option<String> {
    let w = |t| when(t, now);
    let mut parts = Vec::new();
    if let Some(e) = &j.eta {
        parts.push(format!(
            "estimate: start {} – {}, end {} – {}",
            w(e.start_from),
            w(e.start_to),
            w(e.end_from),
            w(e.end_to)
        ));
    }
    match (j.actual.started, j.actual.ended) {
        (Some(s), Some(e)) => parts.push(format!("actual: started {}, ended {}", w(s), w(e))),
        (Some(s), None) => parts.push(format!("actual: started {}", w(s))),
        _ => {}
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn jobs_of(store: &Store, ids: &[crate::model::JobId]) -> Vec<Job> {
    ids.iter().filter_map(|j| store.job(*j).ok().flatten()).collect()
}

/// What the ticket list shows: `?q=` (a ticket number, or part of an address or the
/// customer's sender, any case) and `?state=` (a mailbox state label, e.g. `failed`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Search text.
    pub q: Option<String>,
    /// A job state label.
    pub state: Option<String>,
}

impl ListFilter {
    /// True when the ticket (with its jobs) is to be listed.
    pub fn keeps(&self, t: &crate::model::Ticket, jobs: &[Job]) -> bool {
        let found = self.q.as_deref().is_none_or(|q| {
            let q = q.to_lowercase();
            let has = |s: &str| s.to_lowercase().contains(&q);
            TicketId::parse(&q) == Some(t.id)
                || has(&t.id.to_string())
                || has(&t.thread.customer)
                || jobs
                    .iter()
                    .any(|j| has(&j.destination) || has(&j.email) || has(&j.source.user))
        });
        let in_state = self
            .state
            .as_deref()
            .is_none_or(|s| jobs.iter().any(|j| j.state.label().eq_ignore_ascii_case(s)));
        found && in_state
    }

    fn form(&self) -> String {
        let mut states = String::from("<option value=\"\">any state</option>");
        for s in JobState::ALL {
            let label = s.label();
            let sel = if self.state.as_deref() == Some(label) {
                " selected"
            } else {
                ""
            };
            let _ = write!(states, "<option{sel}>{}</option>", escape(label));
        }
        format!(
            "<form class=\"search\" method=\"get\" action=\"/\"><input type=\"search\" name=\"q\" \
             placeholder=\"address, ticket or sender\" value=\"{}\"> <select name=\"state\">{states}</select> \
             <button>Search</button></form>\n",
            escape(self.q.as_deref().unwrap_or(""))
        )
    }
}

/// Why a ticket needs a person, if it does: a failed or held mailbox, or a copied one that
/// has waited for the DNS change longer than `dns_wait` at `now`.
pub fn needs_person(jobs: &[Job], now: DateTime<Utc>, dns_wait: chrono::Duration) -> Option<&'static str> {
    if jobs.iter().any(|j| j.state == JobState::Failed) {
        Some("a mailbox failed")
    } else if jobs.iter().any(|j| j.held && !j.state.is_final()) {
        Some("held for approval")
    } else if jobs
        .iter()
        .any(|j| j.state == JobState::Synced && j.actual.ended.is_some_and(|e| now - e > dns_wait))
    {
        Some("waiting too long for the DNS change")
    } else {
        None
    }
}

/// Why a ticket waits for its customer, if it has for longer than `grace` at `now`: no mailbox
/// accepted yet (the reply asked for corrections) or a mailbox that needs information, the
/// last thing on the ticket at `since`. The reason is HTML (it holds a `<time>`).
pub fn waits_for_customer(
    jobs: &[Job],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
) -> Option<String> {
    let waiting = jobs.is_empty() || jobs.iter().any(|j| j.state == JobState::NeedsInfo);
    (waiting && now - since > grace)
        .then(|| format!("waiting for information from the customer since {}", when(since, now)))
}

/// The ticket list, newest first, as `filter` narrows it, under the tickets that need a
/// person (at `now`, with copied mailboxes allowed `dns_wait` for the DNS change and tickets
/// `info_wait` for their customer's information).
pub fn ticket_list(
    store: &Store,
    live: &LiveJobs,
    filter: &ListFilter,
    now: DateTime<Utc>,
    dns_wait: chrono::Duration,
    info_wait: chrono::Duration,
) -> Result<String> {
    let mut attention = String::new();
    for t in store.tickets()?.iter().rev() {
        let jobs = jobs_of(store, &t.jobs);
        let why = match needs_person(&jobs, now, dns_wait) {
            Some(why) => Some(why.to_string()),
            None => {
                let since = store.events(t.id)?.last().map_or(t.created, |e| e.at);
                waits_for_customer(&jobs, since, now, info_wait)
            }
        };
        if let Some(why) = why {
            let _ = write!(
                attention,
                "<li><a href=\"/tickets/{id}\">{id}</a> {}: {why}</li>",
                escape(&t.thread.customer),
                id = t.id
            );
        }
    }
    let mut tickets: Vec<_> = store
        .tickets()?
        .into_iter()
        .filter(|t| filter.keeps(t, &jobs_of(store, &t.jobs)))
        .collect();
    tickets.reverse();
    let mut body = filter.form();
    if !attention.is_empty() {
        let _ = writeln!(
            body,
            "<h2>Needs a person</h2>\n<ul class=\"needs-person\">{attention}</ul>"
        );
    }
    let _ = write!(
        body,
        "<h2>Tickets ({})</h2>\n<table><tr><th>Ticket</th><th>Customer</th><th>Subject</th><th>State</th>\
         <th>Mailboxes</th><th>Last change</th></tr>\n",
        tickets.len()
    );
    for t in &tickets {
        let jobs = jobs_of(store, &t.jobs);
        let last = store.events(t.id)?.last().map_or(t.created, |e| e.at);
        let mut boxes = String::new();
        for j in &jobs {
            let p = progress(j, live.folders(j.id).as_ref());
            let _ = write!(
                boxes,
                "<div>{} <span class=\"muted\">{}</span> <span class=\"bar\">{}</span></div>",
                escape(&j.destination),
                escape(j.state.label()),
                bar(p.done, p.total)
            );
        }
        let _ = writeln!(
            body,
            "<tr><td><a href=\"/tickets/{id}\">{id}</a></td><td>{}</td><td>{}</td><td class=\"state\">{}</td>\
             <td>{boxes}</td><td>{}</td></tr>",
            escape(&t.thread.customer),
            escape(&t.thread.subject),
            escape(&compose::overall_state(&jobs)),
            when(last, now),
            id = t.id,
        );
    }
    body.push_str("</table>");
    if tickets.is_empty() {
        body.push_str("<p>No tickets yet.</p>");
    }
    Ok(page("mailferry: tickets", &body))
}

fn pass_of(j: &Job) -> &'static str {
    match j.state {
        JobState::Done => "both passes done",
        JobState::FinalSync => "final copy",
        _ if j.final_pass => "final copy",
        JobState::Synced => "first copy done",
        _ => "first copy",
    }
}

fn outbox_label(s: OutboxState) -> &'static str {
    match s {
        OutboxState::Pending => "pending",
        OutboxState::Sent => "sent",
        OutboxState::Failed => "failed",
    }
}

/// A reply in the event log, at the time the SMTP server took it (or, not sent yet, its next
/// try), with its text folded away in a `<details>` block.
fn reply_row(m: &OutgoingMail, now: DateTime<Utc>) -> (DateTime<Utc>, String) {
    let at = m.sent_at.unwrap_or(m.next_try);
    let error = m
        .last_error
        .as_deref()
        .map(|e| format!(" <span class=\"err\">{}</span>", escape(e)))
        .unwrap_or_default();
    let row = format!(
        "<tr class=\"reply\"><td>{}</td><td></td><td>reply to {}: <b>{}</b> \
         <span class=\"state\">{}</span>{error}<details><summary>text</summary><pre class=\"body\">{}</pre>\
         </details></td></tr>",
        when(at, now),
        escape(&m.to),
        escape(&m.subject),
        outbox_label(m.state),
        escape(&m.body)
    );
    (at, row)
}

/// One ticket in full, its times relative to `now`; None when there is no such ticket.
pub fn ticket_page(store: &Store, live: &LiveJobs, id: &str, now: DateTime<Utc>) -> Result<Option<String>> {
    let Some(tid) = TicketId::parse(id) else {
        return Ok(None);
    };
    let Some(t) = store.ticket(tid)? else {
        return Ok(None);
    };
    let jobs = jobs_of(store, &t.jobs);
    let mut body = format!(
        "<h2>{id} <span class=\"muted\">{subject}</span></h2>\n<p>From <b>{customer}</b>, opened {opened}. \
         State: <span class=\"state\">{state}</span></p>\n<h3>Mailboxes</h3>\n",
        id = t.id,
        subject = escape(&t.thread.subject),
        customer = escape(&t.thread.customer),
        opened = when(t.created, now),
        state = escape(&compose::overall_state(&jobs)),
    );
    body.push_str(
        "<table class=\"mailboxes\"><tr><th>Job</th><th>Mailbox</th><th>Old server</th><th>State</th><th>Pass</th>\
         <th>Messages</th></tr>\n",
    );
    for j in &jobs {
        let p = progress(j, live.folders(j.id).as_ref());
        let _ = writeln!(
            body,
            "<tr class=\"mailbox\"><td>{}</td><td>{}</td><td>{} on {}:{}</td><td class=\"state\">{}{}</td><td>{}</td>\
             <td class=\"bar\">{}</td></tr>",
            j.id,
            escape(&j.destination),
            escape(&j.source.user),
            escape(&j.source.host),
            j.source.port,
            escape(j.state.label()),
            if p.running { " (running)" } else { "" },
            pass_of(j),
            bar(p.done, p.total),
        );
        if let Some(line) = eta_line(j, now) {
            let _ = writeln!(
                body,
                "<tr class=\"eta\"><td></td><td colspan=\"5\" class=\"muted\">{line}</td></tr>"
            );
        }
        if let Some(e) = &j.last_error {
            let _ = writeln!(
                body,
                "<tr><td></td><td colspan=\"5\" class=\"err\">last error: {}</td></tr>",
                escape(e)
            );
        }
        for (name, done, total) in &p.folders {
            let _ = writeln!(
                body,
                "<tr class=\"folder\"><td></td><td colspan=\"4\" class=\"muted\">&nbsp;&nbsp;{}</td><td class=\"bar\">{}</td></tr>",
                escape(name),
                bar(*done, *total)
            );
        }
    }
    body.push_str(
        "</table>\n<h3>Events</h3>\n<table class=\"events\"><tr><th>When</th><th>Job</th><th>What</th></tr>\n",
    );
    let mut rows: Vec<(DateTime<Utc>, String)> = store
        .events(tid)?
        .into_iter()
        .map(|e| {
            let row = format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                when(e.at, now),
                e.job.map(|j| j.to_string()).unwrap_or_default(),
                escape(&e.text)
            );
            (e.at, row)
        })
        .collect();
    rows.extend(store.outbox_of(tid)?.iter().map(|m| reply_row(m, now)));
    // Stable: a reply queued in the same instant as its event stays after it.
    rows.sort_by_key(|r| r.0);
    for (_, row) in rows {
        body.push_str(&row);
        body.push('\n');
    }
    body.push_str("</table>");
    Ok(Some(page(&format!("{} {}", t.id, t.thread.subject), &body)))
}

/// The page for an unknown path or ticket.
pub fn not_found(what: &str) -> String {
    page(
        "not found",
        &format!(
            "<h2>Not found</h2><p>{}</p><p><a href=\"/\">All tickets</a></p>",
            escape(what)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_customer_text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    fn job(report: Option<crate::model::MigrationReport>, found: u64) -> Job {
        Job {
            id: crate::model::JobId(1),
            ticket: TicketId(1),
            source: crate::model::SourceSpec {
                host: "imap.old.example".into(),
                port: 993,
                security: crate::model::Security::Tls,
                user: "anna@old.example".into(),
                login: Default::default(),
            },
            destination: "anna@new.example".into(),
            schedule: None,
            state: JobState::Syncing,
            attempts: 1,
            last_error: None,
            report,
            not_before: None,
            email: "anna@old.example".into(),
            final_pass: false,
            final_wanted: false,
            held: false,
            found: Some(crate::model::Found {
                folders: 2,
                messages: found,
                bytes: None,
            }),
            found_by: None,
            pace: Default::default(),
            eta: None,
            actual: Default::default(),
        }
    }

    #[test]
    fn progress_is_live_while_copying_then_from_the_report_then_from_the_probe() {
        let mut live = std::collections::BTreeMap::new();
        live.insert(
            "INBOX".to_string(),
            FolderProgress {
                done: 30,
                total: 80,
                done_bytes: 0,
                total_bytes: 0,
            },
        );
        let p = progress(&job(None, 100), Some(&live));
        assert_eq!(
            (p.done, p.total, p.running),
            (30, 100, true),
            "found covers folders not reached yet"
        );
        let folder = crate::model::FolderReport {
            source: "INBOX".into(),
            destination: "INBOX".into(),
            messages: 100,
            copied: 100,
            already_there: 90,
            ..Default::default()
        };
        let report = crate::model::MigrationReport { folders: vec![folder] };
        let p = progress(&job(Some(report), 90), None);
        assert_eq!(
            (p.done, p.total),
            (100, 100),
            "a final pass never counts over the folder"
        );
        let p = progress(&job(None, 42), None);
        assert_eq!((p.done, p.total, p.running), (0, 42, false));
    }

    #[test]
    fn the_estimate_stands_next_to_what_happened() {
        use chrono::TimeZone;
        let t = |h, m| Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap();
        let mut j = job(None, 10);
        let now = t(12, 0);
        assert_eq!(eta_line(&j, now), None);
        j.eta = Some(crate::model::Estimate {
            made: t(10, 0),
            start_from: t(10, 0),
            start_to: t(10, 5),
            end_from: t(13, 0),
            end_to: t(14, 35),
        });
        j.actual.started = Some(t(10, 1));
        let line = eta_line(&j, now).unwrap_or_default();
        assert!(line.starts_with("estimate: start <time datetime=\"2026-12-01T10:00:00Z\" title=\"2026-12-01 10:00:00 UTC\">about 2 h ago</time>"), "{line}");
        assert!(line.contains(">in about 1 h</time> – <time"), "{line}");
        assert!(line.contains("actual: started <time datetime=\"2026-12-01T10:01:00Z\" title=\"2026-12-01 10:01:00 UTC\">about 2 h ago</time>"), "{line}");
        j.actual.ended = Some(t(11, 57));
        assert!(eta_line(&j, now).is_some_and(|l| l.ends_with(
            ", ended <time datetime=\"2026-12-01T11:57:00Z\" title=\"2026-12-01 11:57:00 UTC\">3 min ago</time>"
        )));
    }

    #[test]
    fn times_read_as_relative_to_the_clock_given() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let at = |secs: i64| now + chrono::Duration::seconds(secs);
        assert_eq!(relative(at(-20), now), "just now");
        assert_eq!(relative(at(30), now), "just now");
        assert_eq!(relative(at(-180), now), "3 min ago");
        assert_eq!(relative(at(600), now), "in 10 min");
        assert_eq!(relative(at(3600), now), "in about 1 h");
        assert_eq!(relative(at(-2 * 3600 - 600), now), "about 2 h ago");
        assert_eq!(relative(at(2 * 3600), now), "in about 2 h");
        assert_eq!(relative(at(-4 * 86_400), now), "4 days ago");
        assert_eq!(relative(at(3 * 86_400), now), "in 3 days");
        assert_eq!(
            when(at(-180), now),
            "<time datetime=\"2026-12-03T11:57:00Z\" title=\"2026-12-03 11:57:00 UTC\">3 min ago</time>"
        );
    }

    #[test]
    fn the_list_filter_finds_by_ticket_address_or_sender_and_by_state() {
        let t = crate::model::Ticket {
            id: TicketId(7),
            created: Utc::now(),
            thread: crate::model::Thread {
                customer: "Boss@Customer.example".into(),
                subject: "move".into(),
                references: vec![],
            },
            jobs: vec![crate::model::JobId(1)],
            language: crate::model::Language::En,
        };
        let jobs = [job(None, 1)];
        let f = |q: Option<&str>, state: Option<&str>| ListFilter {
            q: q.map(str::to_string),
            state: state.map(str::to_string),
        };
        assert!(f(None, None).keeps(&t, &jobs));
        assert!(f(Some("mig-000007"), None).keeps(&t, &jobs));
        assert!(f(Some("7"), None).keeps(&t, &jobs));
        assert!(f(Some("ANNA@new"), None).keeps(&t, &jobs));
        assert!(f(Some("boss@customer"), None).keeps(&t, &jobs));
        assert!(!f(Some("bert@"), None).keeps(&t, &jobs));
        assert!(f(None, Some(JobState::Syncing.label())).keeps(&t, &jobs));
        assert!(!f(None, Some(JobState::Failed.label())).keeps(&t, &jobs));
        assert!(!f(Some("anna"), Some(JobState::Failed.label())).keeps(&t, &jobs));
        assert!(f(Some("\"><b>"), None).form().contains("value=\"&quot;&gt;&lt;b&gt;\""));
    }

    #[test]
    fn failed_held_and_long_dns_waits_need_a_person() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 0, 0, 0).unwrap();
        let week = chrono::Duration::days(7);
        let mut j = job(None, 1);
        assert_eq!(needs_person(std::slice::from_ref(&j), now, week), None);
        j.state = JobState::Synced;
        j.actual.ended = Some(now - chrono::Duration::days(2));
        assert_eq!(needs_person(std::slice::from_ref(&j), now, week), None);
        j.actual.ended = Some(now - chrono::Duration::days(8));
        assert_eq!(
            needs_person(std::slice::from_ref(&j), now, week),
            Some("waiting too long for the DNS change")
        );
        j.state = JobState::Failed;
        assert_eq!(needs_person(&[j], now, week), Some("a mailbox failed"));
    }

    #[test]
    fn the_ticket_page_shows_each_reply_with_its_text_escaped() {
        use chrono::TimeZone;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), &dir.path().join("store.key")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let ticket = crate::model::Ticket {
            id: TicketId(3),
            created: now - chrono::Duration::minutes(10),
            thread: crate::model::Thread {
                customer: "boss@customer.example".into(),
                subject: "move".into(),
                references: vec![],
            },
            jobs: vec![],
            language: crate::model::Language::En,
        };
        let mail = |id, state, sent_at, body: &str| OutgoingMail {
            id,
            ticket: TicketId(3),
            to: "boss@customer.example".into(),
            cc: vec![],
            subject: format!("[MIG-000003] reply {id}"),
            body: body.into(),
            message_id: format!("m{id}@mailferry.example"),
            in_reply_to: None,
            references: vec![],
            auto_submitted: "auto-replied".into(),
            state,
            attempts: 1,
            next_try: now - chrono::Duration::minutes(1),
            last_error: None,
            sent_at,
            in_flight: false,
            filed: true,
            language: None,
            attachments: Vec::new(),
        };
        let mut change = crate::store::Change::new();
        change.ticket(&ticket).unwrap();
        change.event(
            TicketId(3),
            None,
            now - chrono::Duration::minutes(9),
            "acknowledgement queued",
        );
        change
            .outgoing(&mail(
                1,
                OutboxState::Sent,
                Some(now - chrono::Duration::minutes(8)),
                "Hello,\nthank you for your request <b>now</b>.",
            ))
            .unwrap();
        change.outgoing(&mail(2, OutboxState::Pending, None, "second")).unwrap();
        store.apply(change).unwrap();
        let html = ticket_page(&store, &LiveJobs::default(), "MIG-000003", now)
            .unwrap()
            .unwrap_or_default();
        let first = html.find("reply 1").unwrap_or(usize::MAX);
        let second = html.find("reply 2").unwrap_or(usize::MAX);
        let event = html.find("acknowledgement queued").unwrap_or(usize::MAX);
        assert!(
            event < first && first < second && second < usize::MAX,
            "in time order:\n{html}"
        );
        assert!(
            html.contains(
                "<span class=\"state\">sent</span><details><summary>text</summary><pre class=\"body\">Hello,\n\
             thank you for your request &lt;b&gt;now&lt;/b&gt;.</pre>"
            ),
            "{html}"
        );
        assert!(
            html.contains(">8 min ago</time></td><td></td><td>reply to boss@customer.example"),
            "{html}"
        );
        assert!(html.contains("<span class=\"state\">pending</span>"), "{html}");
        assert!(!html.contains("<b>now</b>"), "{html}");
    }

    #[test]
    fn tickets_waiting_too_long_for_the_customer_need_a_person() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let grace = chrono::Duration::hours(4);
        let hours_ago = |h| now - chrono::Duration::hours(h);
        assert_eq!(
            waits_for_customer(&[], hours_ago(1), now, grace),
            None,
            "still in its grace"
        );
        let why = waits_for_customer(&[], hours_ago(5), now, grace).unwrap_or_default();
        assert!(
            why.starts_with("waiting for information from the customer since <time")
                && why.ends_with(">about 5 h ago</time>"),
            "{why}"
        );
        let mut j = job(None, 1);
        assert_eq!(
            waits_for_customer(std::slice::from_ref(&j), hours_ago(5), now, grace),
            None,
            "a mailbox being copied waits for nobody"
        );
        j.state = JobState::NeedsInfo;
        assert!(
            waits_for_customer(&[j], hours_ago(30), now, grace).is_some_and(|w| w.ends_with(">about 30 h ago</time>"))
        );
    }

    #[test]
    fn bars_never_overflow_and_show_the_share() {
        assert!(bar(5, 10).starts_with("<progress value=\"5\" max=\"10\">50%</progress> 5 / 10 (50%)"));
        assert!(bar(0, 0).contains("value=\"0\" max=\"1\""));
        assert!(bar(12, 10).contains("value=\"10\" max=\"10\""));
    }
}
