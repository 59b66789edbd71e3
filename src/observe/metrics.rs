//! The daemon's counters and component states, shared by its tasks (atomics and two small
//! locks), and their rendering in the Prometheus text exposition format (version 0.0.4).
//!
//! Counters only go up while the process runs (Prometheus handles restarts); figures that the
//! store already knows (tickets and jobs by state, outbox length) are computed at scrape time
//! and passed in as a [`StoreFigures`].

use crate::clock::{Clock, SystemClock};
use crate::inbox::{InboxObserver, WatchState};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a support mail turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A migration request that opened a ticket or added mailboxes to one.
    Request,
    /// A command in a ticket's thread (status, cancel, DNS changed, approve, retry).
    Command,
    /// Machine mail: auto-replies, bounces, lists, our own mail.
    Automated,
    /// Anything else, left in the inbox for staff.
    Other,
    /// A request with nothing that could be accepted (the customer was asked for corrections).
    Rejected,
    /// Unreadable or over the size cap: filed in the quarantine folder.
    Quarantined,
}

impl RequestKind {
    /// Every kind, in exposition order.
    pub const ALL: [RequestKind; 6] = [
        RequestKind::Request,
        RequestKind::Command,
        RequestKind::Automated,
        RequestKind::Other,
        RequestKind::Rejected,
        RequestKind::Quarantined,
    ];

    /// The `kind` label.
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Request => "request",
            RequestKind::Command => "command",
            RequestKind::Automated => "automated",
            RequestKind::Other => "other",
            RequestKind::Rejected => "rejected",
            RequestKind::Quarantined => "quarantined",
        }
    }
}

/// Which pass of a mailbox job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The first copy, before the MX change.
    First,
    /// The final copy, after it.
    Final,
}

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassOutcome {
    /// Every folder copied.
    Done,
    /// Interrupted by a transient error; it runs again later.
    Retry,
    /// Given up (permanent error or too many attempts).
    Failed,
    /// Stopped by a shutdown or a cancel.
    Stopped,
}

impl PassOutcome {
    const ALL: [PassOutcome; 4] = [
        PassOutcome::Done,
        PassOutcome::Retry,
        PassOutcome::Failed,
        PassOutcome::Stopped,
    ];

    fn label(self) -> &'static str {
        match self {
            PassOutcome::Done => "done",
            PassOutcome::Retry => "retry",
            PassOutcome::Failed => "failed",
            PassOutcome::Stopped => "stopped",
        }
    }
}

/// Upper bounds (seconds) of the job duration histogram's buckets: 1 s to a day.
pub const DURATION_BUCKETS: [f64; 10] = [1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 43200.0, 86400.0];

/// A Prometheus histogram with fixed buckets (non-cumulative counts kept, summed on output).
#[derive(Debug)]
pub struct Histogram {
    counts: [AtomicU64; DURATION_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = DURATION_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(DURATION_BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Cumulative counts per bucket (the last is +Inf, the total count).
    fn cumulative(&self) -> Vec<u64> {
        let mut total = 0;
        self.counts
            .iter()
            .map(|c| {
                total += c.load(Ordering::Relaxed);
                total
            })
            .collect()
    }
}

/// The support inbox watcher as last reported.
#[derive(Debug, Clone)]
pub struct InboxStatus {
    /// Where the watcher stands.
    pub state: WatchState,
    /// Since when it has been up (connected or idle) or not up (connecting or down).
    pub since: DateTime<Utc>,
    /// The error that took it down, when it is down.
    pub last_error: Option<String>,
}

impl InboxStatus {
    /// True when connected or waiting for mail on a live connection.
    pub fn is_up(&self) -> bool {
        matches!(self.state, WatchState::Connected | WatchState::Idle)
    }
}

/// The SMTP side as last seen by the outbox.
#[derive(Debug, Clone, Default)]
pub struct SmtpStatus {
    /// None before the first reply was tried; then whether the last attempt went through (a
    /// refusal for good counts as reachable).
    pub ok: Option<bool>,
    /// When the last attempt ended.
    pub at: Option<DateTime<Utc>>,
    /// The last temporary error, while failing.
    pub last_error: Option<String>,
}

impl SmtpStatus {
    /// `unknown`, `ok` or `failing`.
    pub fn label(&self) -> &'static str {
        match self.ok {
            None => "unknown",
            Some(true) => "ok",
            Some(false) => "failing",
        }
    }
}

/// What the store says at scrape time.
#[derive(Debug, Clone, Default)]
pub struct StoreFigures {
    /// Tickets per overall state (see [`ticket_state`]).
    pub tickets: BTreeMap<&'static str, u64>,
    /// Jobs per state (see [`job_state_label`]).
    pub jobs: BTreeMap<&'static str, u64>,
    /// Replies not yet sent.
    pub outbox_pending: u64,
    /// Copies running now.
    pub jobs_running: u64,
}

impl StoreFigures {
    /// Counts tickets, jobs and pending replies in `store`; `jobs_running` comes from the
    /// scheduler.
    pub fn from_store(store: &crate::store::Store, jobs_running: u64) -> anyhow::Result<StoreFigures> {
        let mut f = StoreFigures::default();
        let jobs = store.jobs()?;
        for j in &jobs {
            *f.jobs.entry(job_state_label(j.state)).or_default() += 1;
        }
        let by_id: std::collections::HashMap<_, _> = jobs.iter().map(|j| (j.id, j)).collect();
        for t in store.tickets()? {
            let mine: Vec<_> = t
                .jobs
                .iter()
                .filter_map(|id| by_id.get(id).map(|j| (*j).clone()))
                .collect();
            *f.tickets.entry(ticket_state(&mine)).or_default() += 1;
        }
        f.outbox_pending = store.outbox_pending()?.len() as u64;
        f.jobs_running = jobs_running;
        Ok(f)
    }
}

/// The daemon's counters and component states.
#[derive(Debug)]
pub struct Metrics {
    requests: [AtomicU64; RequestKind::ALL.len()],
    messages_copied: AtomicU64,
    bytes_copied: AtomicU64,
    messages_failed: AtomicU64,
    replies_sent: AtomicU64,
    replies_failed: AtomicU64,
    smtp_errors: AtomicU64,
    /// [pass][outcome]
    durations: [[Histogram; 4]; 2],
    inbox: Mutex<InboxStatus>,
    smtp: Mutex<SmtpStatus>,
    /// Stamps the component states (the daemon's clock, so tests can move it).
    clock: Arc<dyn Clock>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::with_clock(Arc::new(SystemClock))
    }
}

impl Metrics {
    /// Empty metrics whose states are stamped by `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Metrics {
        Metrics {
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
            messages_copied: AtomicU64::new(0),
            bytes_copied: AtomicU64::new(0),
            messages_failed: AtomicU64::new(0),
            replies_sent: AtomicU64::new(0),
            replies_failed: AtomicU64::new(0),
            smtp_errors: AtomicU64::new(0),
            durations: Default::default(),
            inbox: Mutex::new(InboxStatus {
                state: WatchState::Connecting,
                since: clock.now(),
                last_error: None,
            }),
            smtp: Mutex::new(SmtpStatus::default()),
            clock,
        }
    }
}

/// Longest error text kept for `/healthz`.
const MAX_ERROR: usize = 300;

fn short(e: &str) -> String {
    e.chars().take(MAX_ERROR).collect()
}

impl Metrics {
    /// Counts one support mail.
    pub fn request(&self, kind: RequestKind) {
        if let Some(i) = RequestKind::ALL.iter().position(|k| *k == kind) {
            self.requests[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Messages (and their bytes) written to our server by a copy.
    pub fn copied(&self, messages: u64, bytes: u64) {
        self.messages_copied.fetch_add(messages, Ordering::Relaxed);
        self.bytes_copied.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Messages a finished pass could not copy.
    pub fn failed_messages(&self, n: u64) {
        self.messages_failed.fetch_add(n, Ordering::Relaxed);
    }

    /// One pass of a job ended after `took`.
    pub fn pass_finished(&self, pass: Pass, outcome: PassOutcome, took: Duration) {
        let p = usize::from(pass == Pass::Final);
        let o = PassOutcome::ALL.iter().position(|x| *x == outcome).unwrap_or(0);
        self.durations[p][o].observe(took);
    }

    /// A reply was accepted by the SMTP server.
    pub fn reply_sent(&self) {
        self.replies_sent.fetch_add(1, Ordering::Relaxed);
        self.set_smtp(Some(true), None);
    }

    /// A reply was refused for good, or held by the rate limit (`smtp_answered`: the SMTP
    /// server was reached and refused it).
    pub fn reply_failed(&self, smtp_answered: bool) {
        self.replies_failed.fetch_add(1, Ordering::Relaxed);
        if smtp_answered {
            self.set_smtp(Some(true), None);
        }
    }

    /// A send attempt failed for now (4xx, no connection); the reply waits.
    pub fn smtp_error(&self, error: &str) {
        self.smtp_errors.fetch_add(1, Ordering::Relaxed);
        self.set_smtp(Some(false), Some(short(error)));
    }

    fn set_smtp(&self, ok: Option<bool>, error: Option<String>) {
        if let Ok(mut s) = self.smtp.lock() {
            s.ok = ok;
            s.at = Some(self.clock.now());
            s.last_error = error;
        }
    }

    /// The support inbox watcher's state.
    pub fn inbox(&self) -> InboxStatus {
        match self.inbox.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The SMTP state.
    pub fn smtp(&self) -> SmtpStatus {
        match self.smtp.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The whole exposition: these counters plus `figures` from the store.
    pub fn render(&self, figures: &StoreFigures) -> String {
        let mut e = Exposition::default();
        e.family(
            "mailferry_build_info",
            "gauge",
            "Always 1; the version label says which mailferry runs.",
        );
        e.sample("mailferry_build_info", &[("version", env!("CARGO_PKG_VERSION"))], 1.0);

        e.family(
            "mailferry_support_mails_total",
            "counter",
            "Support mails read, by what they turned out to be.",
        );
        for (i, k) in RequestKind::ALL.iter().enumerate() {
            let v = self.requests[i].load(Ordering::Relaxed);
            e.sample("mailferry_support_mails_total", &[("kind", k.label())], v as f64);
        }

        e.family("mailferry_tickets", "gauge", "Tickets in the store, by overall state.");
        for state in TICKET_STATES {
            let v = figures.tickets.get(state).copied().unwrap_or(0);
            e.sample("mailferry_tickets", &[("state", state)], v as f64);
        }
        e.family("mailferry_jobs", "gauge", "Mailbox jobs in the store, by state.");
        for state in crate::model::JobState::ALL.map(crate::model::JobState::name) {
            let v = figures.jobs.get(state).copied().unwrap_or(0);
            e.sample("mailferry_jobs", &[("state", state)], v as f64);
        }
        e.family("mailferry_jobs_running", "gauge", "Mailbox copies running now.");
        e.sample("mailferry_jobs_running", &[], figures.jobs_running as f64);

        let counters = [
            (
                "mailferry_messages_copied_total",
                "Messages written to our server by copies (a message that failed is counted too).",
                &self.messages_copied,
            ),
            (
                "mailferry_bytes_copied_total",
                "Bytes of the messages counted in mailferry_messages_copied_total.",
                &self.bytes_copied,
            ),
            (
                "mailferry_messages_failed_total",
                "Messages that finished passes could not copy (named in the ticket's report).",
                &self.messages_failed,
            ),
            (
                "mailferry_replies_sent_total",
                "Replies accepted by the SMTP server.",
                &self.replies_sent,
            ),
            (
                "mailferry_replies_failed_total",
                "Replies refused for good by the SMTP server or held by the per-recipient rate limit.",
                &self.replies_failed,
            ),
            (
                "mailferry_smtp_errors_total",
                "Send attempts that failed for now (4xx or no connection); the reply waits and is retried.",
                &self.smtp_errors,
            ),
        ];
        for (name, help, v) in counters {
            e.family(name, "counter", help);
            e.sample(name, &[], v.load(Ordering::Relaxed) as f64);
        }

        e.family(
            "mailferry_outbox_pending",
            "gauge",
            "Replies waiting in the outbox to be sent.",
        );
        e.sample("mailferry_outbox_pending", &[], figures.outbox_pending as f64);

        let inbox = self.inbox();
        e.family(
            "mailferry_inbox_state",
            "gauge",
            "The support inbox watcher: 1 for its current state, 0 for the others.",
        );
        for s in WatchState::ALL {
            let v = if s == inbox.state { 1.0 } else { 0.0 };
            e.sample("mailferry_inbox_state", &[("state", s.label())], v);
        }
        e.family(
            "mailferry_inbox_state_since_seconds",
            "gauge",
            "Unix time since when the support inbox has been up (connected or idle) or not up.",
        );
        e.sample(
            "mailferry_inbox_state_since_seconds",
            &[],
            inbox.since.timestamp() as f64,
        );

        let smtp = self.smtp();
        e.family(
            "mailferry_smtp_state",
            "gauge",
            "The SMTP server as the outbox last saw it: 1 for the current state, 0 for the others.",
        );
        for s in ["unknown", "ok", "failing"] {
            let v = if s == smtp.label() { 1.0 } else { 0.0 };
            e.sample("mailferry_smtp_state", &[("state", s)], v);
        }

        let name = "mailferry_job_pass_duration_seconds";
        e.family(
            name,
            "histogram",
            "How long one pass of a mailbox job took, by pass (first, final) and outcome.",
        );
        for (p, pass) in ["first", "final"].iter().enumerate() {
            for (o, outcome) in PassOutcome::ALL.iter().enumerate() {
                let h = &self.durations[p][o];
                let cumulative = h.cumulative();
                let labels = [("pass", *pass), ("outcome", outcome.label())];
                for (i, count) in cumulative.iter().enumerate() {
                    let le = DURATION_BUCKETS.get(i).map_or("+Inf".to_string(), |b| format_value(*b));
                    let mut l = labels.to_vec();
                    l.push(("le", &le));
                    e.sample(&format!("{name}_bucket"), &l, *count as f64);
                }
                let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
                e.sample(&format!("{name}_sum"), &labels, sum);
                let total = cumulative.last().copied().unwrap_or(0);
                e.sample(&format!("{name}_count"), &labels, total as f64);
            }
        }
        e.out
    }
}

impl InboxObserver for Metrics {
    fn inbox_state(&self, state: WatchState, error: Option<&str>) {
        let mut s = match self.inbox.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let was_up = s.is_up();
        s.state = state;
        let up = s.is_up();
        if was_up != up {
            s.since = self.clock.now();
        }
        if up {
            s.last_error = None;
        } else if let Some(e) = error {
            s.last_error = Some(short(e));
        }
    }

    fn oversize_quarantined(&self) {
        self.request(RequestKind::Quarantined);
    }
}

/// Ticket states as counted by `mailferry_tickets`.
pub const TICKET_STATES: [&str; 6] = [
    "needs_info",
    "in_progress",
    "waiting_for_dns",
    "done",
    "failed",
    "cancelled",
];

/// A job state's label in `mailferry_jobs` (the one list of names is [`JobState::ALL`]).
///
/// [`JobState::ALL`]: crate::model::JobState::ALL
pub fn job_state_label(s: crate::model::JobState) -> &'static str {
    s.name()
}

/// A ticket's overall state from its jobs: `needs_info` (no mailbox accepted: none, or all
/// waiting for information), `in_progress` (a job still has work before the DNS change),
/// `waiting_for_dns` (every open job is copied and waits for the MX change), else the end it came to: `failed` if any job failed, `done` if
/// any finished, otherwise `cancelled`.
pub fn ticket_state(jobs: &[crate::model::Job]) -> &'static str {
    use crate::model::JobState::*;
    if jobs.is_empty() || jobs.iter().all(|j| j.state == NeedsInfo) {
        return "needs_info";
    }
    let any = |f: &dyn Fn(crate::model::JobState) -> bool| jobs.iter().any(|j| f(j.state));
    if any(&|s| !s.is_final() && s != Synced) {
        "in_progress"
    } else if any(&|s| s == Synced) {
        "waiting_for_dns"
    } else if any(&|s| s == Failed) {
        "failed"
    } else if any(&|s| s == Done) {
        "done"
    } else {
        "cancelled"
    }
}

/// Builds the text exposition format.
#[derive(Default)]
struct Exposition {
    out: String,
}

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", format_value(value));
    }
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// HELP text: backslash and line feed escaped.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value: integers without a fraction, `+Inf`, `-Inf`, `NaN` spelled as the format says.
fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let mut e = Exposition::default();
        e.sample("x", &[("k", "say \"hi\"\n")], 2.0);
        assert_eq!(e.out, "x{k=\"say \\\"hi\\\"\\n\"} 2\n");
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let m = Metrics::default();
        m.request(RequestKind::Request);
        m.copied(3, 300);
        m.pass_finished(Pass::First, PassOutcome::Done, Duration::from_millis(2500));
        let text = m.render(&StoreFigures::default());
        let mut declared = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap_or_default();
                assert!(declared.insert(name.to_string()), "{name} declared twice");
                assert!(text.contains(&format!("# HELP {name} ")), "{name} has no HELP");
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap_or_default();
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s).filter(|f| declared.contains(*f)))
                    .unwrap_or(name);
                assert!(declared.contains(family), "sample before its TYPE: {line}");
            }
        }
        assert!(text.contains("mailferry_support_mails_total{kind=\"request\"} 1\n"));
        assert!(text.contains("mailferry_bytes_copied_total 300\n"));
        let first_done = "pass=\"first\",outcome=\"done\"";
        assert!(text.contains(&format!(
            "mailferry_job_pass_duration_seconds_bucket{{{first_done},le=\"1\"}} 0\n"
        )));
        assert!(text.contains(&format!(
            "mailferry_job_pass_duration_seconds_bucket{{{first_done},le=\"5\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "mailferry_job_pass_duration_seconds_bucket{{{first_done},le=\"+Inf\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "mailferry_job_pass_duration_seconds_sum{{{first_done}}} 2.5\n"
        )));
        assert!(text.contains("mailferry_inbox_state{state=\"connecting\"} 1\n"));
    }

    #[test]
    fn the_inbox_since_time_moves_only_between_up_and_not_up() {
        let m = Metrics::default();
        m.inbox_state(WatchState::Connected, None);
        let up_since = m.inbox().since;
        std::thread::sleep(Duration::from_millis(5));
        m.inbox_state(WatchState::Idle, None);
        assert_eq!(m.inbox().since, up_since);
        m.inbox_state(WatchState::Down, Some("connection refused"));
        let down = m.inbox();
        assert!(down.since > up_since);
        assert_eq!(down.last_error.as_deref(), Some("connection refused"));
        m.inbox_state(WatchState::Connecting, None);
        assert_eq!(m.inbox().since, down.since, "still not up");
    }
}
