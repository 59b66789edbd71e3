//! Outages of the servers mailferry needs — the support inbox, SMTP, our IMAP server and the
//! DAV server — told to staff once.
//!
//! The support inbox watcher and the outbox report what their own traffic sees; a small task
//! checks our IMAP server (greeting) and the DAV server (TCP) every few seconds. An outage that
//! lasts longer than `alerts.outage_notice_after_seconds` gets one notice to staff while it
//! lasts and one when it is over; a shorter one is only logged. An SMTP outage cannot be told
//! while it lasts: it gets one mail once SMTP is back, saying how long it was down. Customers
//! never hear about outages. The state is kept in memory, owned by this loop (the other loops
//! send their sightings through
//! [`OutagesHandle`](super::handles::OutagesHandle)): a restart during an outage starts counting
//! again.

use super::context::Context;
use super::handles::{OutboxHandle, Sighting};
use crate::config::Config;
use crate::imapconn;
use crate::model::{OutboxState, OutgoingMail, TicketId};
use crate::store::Change;
use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Utc};
use rand::Rng;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// The ticket number staff notices carry: none (no ticket has number 0).
pub(super) const NO_TICKET: TicketId = TicketId(0);
/// How long one reachability check of our IMAP or DAV server may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// A server mailferry depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// The IMAP server holding the support mailbox.
    SupportInbox,
    /// The SMTP server replies leave through.
    Smtp,
    /// Our IMAP server, where mailboxes are copied to.
    Destination,
    /// The CardDAV/CalDAV server.
    Dav,
}

impl Service {
    /// The service in words, for staff.
    pub fn name(self) -> &'static str {
        match self {
            Service::SupportInbox => "the support inbox",
            Service::Smtp => "the SMTP server",
            Service::Destination => "our IMAP server",
            Service::Dav => "the contacts and calendars (DAV) server",
        }
    }

    /// What staff should know while it is away.
    fn effect(self) -> &'static str {
        match self {
            Service::SupportInbox => {
                "New requests and replies are not read until it is back; they wait in the inbox and nothing is lost."
            }
            Service::Smtp => "Replies to customers waited in the outbox; they are being sent now, in order, each once.",
            Service::Destination => {
                "Copies into customers' new mailboxes cannot run; the jobs retry by themselves with backoff."
            }
            Service::Dav => "Contacts and calendars are not imported; the import is tried again with the final copy.",
        }
    }
}

/// What a notice says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The outage has lasted past the threshold and is still on.
    Started,
    /// An outage staff were told about is over.
    Resolved,
    /// An SMTP outage, told once it is over (nothing can be sent while it lasts).
    Over,
}

/// One mail to staff about one outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Which server.
    pub service: Service,
    /// Started, resolved, or over (SMTP).
    pub kind: NoticeKind,
    /// When the first failure was seen.
    pub since: DateTime<Utc>,
    /// When it worked again (resolved and over).
    pub until: Option<DateTime<Utc>>,
    /// The last error seen.
    pub error: String,
}

#[derive(Debug)]
struct Open {
    since: DateTime<Utc>,
    error: String,
    told: bool,
}

/// The outages going on now and the notices due; pure bookkeeping, no I/O.
#[derive(Debug, Default)]
pub struct Tracker {
    open: BTreeMap<Service, Open>,
    ended: Vec<Notice>,
}

impl Tracker {
    /// A failure of `service`; true when this starts a new outage.
    pub fn down(&mut self, service: Service, error: &str, now: DateTime<Utc>) -> bool {
        let mut new = false;
        let o = self.open.entry(service).or_insert_with(|| {
            new = true;
            Open {
                since: now,
                error: String::new(),
                told: false,
            }
        });
        o.error = error.to_string();
        new
    }

    /// `service` works again; the outage it ends (when there was one) and how long it lasted.
    pub fn up(&mut self, service: Service, now: DateTime<Utc>, threshold: Duration) -> Option<Duration> {
        let o = self.open.remove(&service)?;
        let lasted = (now - o.since).to_std().unwrap_or_default();
        let kind = if o.told {
            Some(NoticeKind::Resolved)
        } else if service == Service::Smtp && lasted > threshold {
            Some(NoticeKind::Over)
        } else {
            None
        };
        if let Some(kind) = kind {
            self.ended.push(Notice {
                service,
                kind,
                since: o.since,
                until: Some(now),
                error: o.error,
            });
        }
        Some(lasted)
    }

    /// The notices to send now: outages that passed the threshold (once each), then the ends.
    pub fn due(&mut self, now: DateTime<Utc>, threshold: Duration) -> Vec<Notice> {
        let mut out = Vec::new();
        for (service, o) in self.open.iter_mut() {
            let lasted = (now - o.since).to_std().unwrap_or_default();
            if !o.told && *service != Service::Smtp && lasted > threshold {
                o.told = true;
                out.push(Notice {
                    service: *service,
                    kind: NoticeKind::Started,
                    since: o.since,
                    until: None,
                    error: o.error.clone(),
                });
            }
        }
        out.append(&mut self.ended);
        out
    }
}

/// A duration as people say it: `45 s`, `12 min`, `3 h 5 min`.
pub fn spoken(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Where a service is, for staff.
fn location(cfg: &Config, service: Service) -> String {
    match service {
        Service::SupportInbox => format!("{}:{}", cfg.support.imap.host, cfg.support.imap.port()),
        Service::Smtp => format!("{}:{}", cfg.smtp.host, cfg.smtp.port),
        Service::Destination => format!("{}:{}", cfg.destination.imap.host, cfg.destination.imap.port()),
        Service::Dav => cfg.dav.as_ref().map(|d| d.url.clone()).unwrap_or_default(),
    }
}

/// The subject and body of a notice.
pub fn notice_text(cfg: &Config, n: &Notice, now: DateTime<Utc>) -> (String, String) {
    let name = n.service.name();
    let at = location(cfg, n.service);
    let when = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let lasted = spoken((n.until.unwrap_or(now) - n.since).to_std().unwrap_or_default());
    let (subject, text) = match n.kind {
        NoticeKind::Started => (
            format!("[mailferry] outage: {name} unreachable for {lasted}"),
            format!(
                "{} ({at}) has not answered since {} ({lasted} ago).\n\n{}\nmailferry keeps trying; \
                 you get one more mail when it is back.",
                capital(name),
                when(n.since),
                n.service.effect()
            ),
        ),
        NoticeKind::Resolved => (
            format!("[mailferry] resolved: {name} is back after {lasted}"),
            format!(
                "{} ({at}) was unreachable from {} to {} ({lasted}). It answers again; \
                 mailferry carries on where it stopped.",
                capital(name),
                when(n.since),
                when(n.until.unwrap_or(now))
            ),
        ),
        NoticeKind::Over => (
            format!("[mailferry] outage over: {name} was down for {lasted}"),
            format!(
                "{} ({at}) did not accept mail from {} to {} ({lasted}).\n\n{}",
                capital(name),
                when(n.since),
                when(n.until.unwrap_or(now)),
                n.service.effect()
            ),
        ),
    };
    let body = format!("{text}\n\nLast error: {}\n\n-- \nmailferry\n", n.error);
    (subject, body)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Connects to our IMAP server through the IMAP door and reads its greeting (no login).
async fn check_imap(cfg: &Config) -> Result<()> {
    let ep = imapconn::endpoint::our_server(cfg)?;
    imapconn::greet(&ep, cfg.source.our_server_limits()).await
}

/// Opens a TCP connection to the DAV server.
async fn check_dav(url: &str) -> Result<()> {
    let base = crate::http::BaseUrl::parse(url)?;
    let addrs: Vec<_> = tokio::net::lookup_host((base.host.as_str(), base.port))
        .await
        .with_context(|| format!("the host name {} does not resolve", base.host))?
        .collect();
    crate::net::connect_any(&addrs).await.map(drop)
}

async fn within(check: impl std::future::Future<Output = Result<()>>) -> Result<()> {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .map_err(|_| anyhow!("no answer within {CHECK_TIMEOUT:?}"))?
}

/// The outage loop: the shared context, its own tracker, the sightings the other loops send,
/// and the outbox's handle (a notice is a mail to staff).
pub(super) struct Outages {
    ctx: Context,
    tracker: Tracker,
    sightings: mpsc::UnboundedReceiver<Sighting>,
    outbox: OutboxHandle,
}

impl Outages {
    /// The outage loop, reading the sightings sent through the [`OutagesHandle`](super::handles::OutagesHandle) that came
    /// with `sightings`.
    pub(super) fn new(ctx: Context, sightings: mpsc::UnboundedReceiver<Sighting>, outbox: OutboxHandle) -> Outages {
        Outages {
            ctx,
            tracker: Tracker::default(),
            sightings,
            outbox,
        }
    }

    /// The configured threshold for telling staff.
    fn threshold(&self) -> Duration {
        Duration::from_secs(self.ctx.cfg.alerts.outage_notice_after_seconds)
    }

    /// What a loop (or this one) saw of a service.
    fn apply(&mut self, s: Sighting) {
        let threshold = self.threshold();
        match s.error {
            Some(error) => {
                if self.tracker.down(s.service, &error, s.at)
                    && matches!(s.service, Service::Destination | Service::Dav)
                {
                    tracing::warn!(%error, "{} unreachable", s.service.name());
                }
            }
            None => {
                if let Some(lasted) = self.tracker.up(s.service, s.at, threshold) {
                    tracing::info!(lasted = %spoken(lasted), "{} reachable again", s.service.name());
                }
            }
        }
    }

    /// A check of our own, as a sighting now.
    fn checked(&mut self, service: Service, result: Result<()>) {
        let at = self.ctx.clock.now();
        self.apply(Sighting {
            service,
            error: result.err().map(|e| format!("{e:#}")),
            at,
        });
    }

    /// Checks our IMAP and DAV servers, takes in the other loops' sightings and sends the
    /// notices due, until shutdown.
    pub(super) async fn run(mut self) -> Result<()> {
        let mut shutdown = self.ctx.shutdown.clone();
        let tick = Duration::from_secs((self.ctx.cfg.alerts.outage_notice_after_seconds / 2).clamp(1, 30));
        loop {
            let cfg = self.ctx.cfg.clone();
            let checks = async {
                let imap = within(check_imap(&cfg)).await;
                let dav = match &cfg.dav {
                    Some(dav) => Some(within(check_dav(&dav.url)).await),
                    None => None,
                };
                (imap, dav)
            };
            // A hung server must not hold up a shutdown.
            let (imap, dav) = tokio::select! {
                r = checks => r,
                _ = shutdown.wait_for(|s| *s) => return Ok(()),
            };
            self.checked(Service::Destination, imap);
            if let Some(dav) = dav {
                self.checked(Service::Dav, dav);
            }
            self.send_notices().await?;
            let next = tokio::time::Instant::now() + tick;
            loop {
                tokio::select! {
                    Some(s) = self.sightings.recv() => self.apply(s),
                    _ = tokio::time::sleep_until(next) => break,
                    _ = shutdown.wait_for(|s| *s) => return Ok(()),
                }
            }
        }
    }

    /// Queues the notices that are due, to staff (logged only when no staff address is set).
    async fn send_notices(&mut self) -> Result<()> {
        let now = self.ctx.clock.now();
        let threshold = self.threshold();
        let notices = self.tracker.due(now, threshold);
        if notices.is_empty() {
            return Ok(());
        }
        let cfg = &self.ctx.cfg;
        let mut change = Change::new();
        for n in &notices {
            let (subject, body) = notice_text(cfg, n, now);
            tracing::warn!(%subject, "outage notice for staff");
            let Some((to, cc)) = cfg.support.staff.split_first() else {
                continue;
            };
            let domain = cfg.support.address.rsplit_once('@').map_or("localhost", |(_, d)| d);
            let mail = OutgoingMail {
                id: self.ctx.store.next_outbox_id()?,
                ticket: NO_TICKET,
                to: to.clone(),
                cc: cc.to_vec(),
                subject,
                body,
                message_id: format!("notice-{:016x}@{domain}", rand::thread_rng().gen::<u64>()),
                in_reply_to: None,
                references: Vec::new(),
                auto_submitted: "auto-generated".into(),
                state: OutboxState::Pending,
                attempts: 0,
                next_try: now,
                last_error: None,
                sent_at: None,
                in_flight: false,
                filed: false,
                language: None,
                attachments: Vec::new(),
            };
            change.outgoing(&mail)?;
        }
        if !change.is_empty() {
            self.ctx.store.commit(change).await?;
            self.outbox.wake();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default()
    }

    const T: Duration = Duration::from_secs(60);

    #[test]
    fn a_short_outage_is_not_told() {
        let mut t = Tracker::default();
        assert!(t.down(Service::SupportInbox, "refused", at(0)));
        assert!(!t.down(Service::SupportInbox, "refused", at(30)));
        assert!(t.due(at(59), T).is_empty());
        assert_eq!(t.up(Service::SupportInbox, at(59), T), Some(Duration::from_secs(59)));
        assert!(t.due(at(200), T).is_empty());
        assert_eq!(t.up(Service::SupportInbox, at(201), T), None, "no outage to end");
    }

    #[test]
    fn a_long_outage_is_told_once_and_its_end_once() {
        let mut t = Tracker::default();
        t.down(Service::Destination, "refused", at(0));
        t.down(Service::Destination, "timed out", at(61));
        let n = t.due(at(61), T);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::Started);
        assert_eq!(n[0].error, "timed out");
        t.down(Service::Destination, "refused", at(120));
        assert!(t.due(at(500), T).is_empty(), "told once");
        t.up(Service::Destination, at(600), T);
        t.up(Service::Destination, at(601), T);
        let n = t.due(at(602), T);
        assert_eq!(n.len(), 1);
        assert_eq!((n[0].kind, n[0].until), (NoticeKind::Resolved, Some(at(600))));
        assert!(t.due(at(700), T).is_empty());
    }

    #[test]
    fn smtp_is_told_once_it_is_back_in_one_mail() {
        let mut t = Tracker::default();
        t.down(Service::Smtp, "connection refused", at(0));
        assert!(t.due(at(300), T).is_empty(), "nothing can be sent while SMTP is down");
        t.up(Service::Smtp, at(300), T);
        let n = t.due(at(301), T);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::Over);
        let cfg = crate::config::Config::parse(include_str!("../../mailferry.example.toml")).unwrap();
        let (subject, body) = notice_text(&cfg, &n[0], at(301));
        assert!(subject.contains("was down for 5 min"), "{subject}");
        assert!(
            body.contains("connection refused") && body.contains("in order"),
            "{body}"
        );
        t.down(Service::Smtp, "refused", at(400));
        t.up(Service::Smtp, at(410), T);
        assert!(t.due(at(411), T).is_empty(), "a short one is only logged");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(spoken(Duration::from_secs(45)), "45 s");
        assert_eq!(spoken(Duration::from_secs(720)), "12 min");
        assert_eq!(spoken(Duration::from_secs(3 * 3600 + 300)), "3 h 5 min");
    }
}
