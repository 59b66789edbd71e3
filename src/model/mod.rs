//! The floor of plain nouns: the data that crosses module borders (tickets, mailbox jobs, their
//! states and events, replies in the outbox, migration reports and checkpoints, commands,
//! security modes, server limits).
//!
//! Everything above may use it; it uses nothing of the crate above itself. Nothing here does
//! I/O. State changes go through [`JobState::can_move_to`], so an impossible transition (a done
//! job syncing again, a cancelled one resuming) is refused in one place.

pub mod address;
mod base_url;
mod bearer;
mod checkpoint;
mod command;
mod eta;
mod folder_choice;
mod language;
mod limits;
mod pace;
mod pending;
mod report;
mod security;
mod state;

pub use base_url::BaseUrl;
pub use bearer::BearerMechanism;
pub use checkpoint::{Checkpoints, FolderCheckpoint, NoProgress, Progress};
pub use command::Command;
pub use eta::{
    end_error, estimate, measured_speed, median_error, size_of, span, Actual, Estimate, EtaInput, Span, SpanUnit,
};
pub use folder_choice::{glob_match, PlanOptions};
pub use language::{choose as choose_language, Language};
pub use limits::Limits;
pub use pace::{expected_duration, throttle_hint, Admit, PaceLimits, PaceState, Throttle, DEFAULT_SPEED};
pub use pending::PendingMailbox;
pub use report::{FolderReport, MigrationReport};
pub use security::Security;
pub use state::JobState;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ticket number, shown to people as `MIG-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketId(pub u64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MIG-{:06}", self.0)
    }
}

impl TicketId {
    /// Parses `MIG-000123` (case-insensitive) or a bare number.
    pub fn parse(s: &str) -> Option<TicketId> {
        let s = s.trim();
        let digits = if s.len() > 4 && s[..4].eq_ignore_ascii_case("MIG-") {
            &s[4..]
        } else {
            s
        };
        digits.parse().ok().map(TicketId)
    }
}

/// Where a ticket's e-mail thread stands, so replies thread under it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Thread {
    /// The customer's address replies go to.
    pub customer: String,
    /// The subject of the customer's first mail (without our tag).
    pub subject: String,
    /// Message-IDs of the thread so far, oldest first, without angle brackets.
    pub references: Vec<String>,
}

/// One customer request: one thread, one or more mailbox jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket number.
    pub id: TicketId,
    /// When the request arrived.
    pub created: DateTime<Utc>,
    /// The e-mail thread.
    pub thread: Thread,
    /// The jobs of this ticket, in the order the request listed them.
    pub jobs: Vec<JobId>,
    /// The language every reply in the thread is written in (English for older stores).
    #[serde(default)]
    pub language: Language,
}

/// A mailbox job's number, unique across tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "J{}", self.0)
    }
}

/// The customer's old server for one mailbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceSpec {
    /// Host name or IP address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Security.
    pub security: Security,
    /// Login name at the old provider.
    pub user: String,
    /// How the login there is proven (a password unless it says otherwise).
    #[serde(default)]
    pub login: SourceLogin,
}

/// How mailferry proves who it is at a customer's old server; the job's sealed secret is the
/// password, or the OAuth grant (tokens) of the operator's app.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SourceLogin {
    /// The customer's password (or app password), with LOGIN.
    #[default]
    Password,
    /// An OAuth 2.0 access token of the operator's app `[oauth.<app>]` (XOAUTH2 or
    /// OAUTHBEARER); the sealed secret holds the grant it is refreshed from.
    Oauth {
        /// The config section of the app: `google`, `microsoft`.
        app: String,
    },
}

/// One mailbox to migrate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The job number.
    pub id: JobId,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// The old server and login.
    pub source: SourceSpec,
    /// The mailbox on our side.
    pub destination: String,
    /// The earliest start the customer asked for.
    pub schedule: Option<DateTime<Utc>>,
    /// Where it stands.
    pub state: JobState,
    /// How many times a copy was tried.
    pub attempts: u32,
    /// The last failure, as a sentence for people.
    pub last_error: Option<String>,
    /// The latest copy's per-folder figures.
    pub report: Option<MigrationReport>,
    /// When the job may run next (retries, windows).
    pub not_before: Option<DateTime<Utc>>,
    /// The address as the customer gave it (its domain's MX decides the final copy).
    #[serde(default)]
    pub email: String,
    /// The pass that runs next or now is the final one (after the MX change).
    #[serde(default)]
    pub final_pass: bool,
    /// The customer or staff said the DNS changed before the first copy ended.
    #[serde(default)]
    pub final_wanted: bool,
    /// Held until staff approve.
    #[serde(default)]
    pub held: bool,
    /// What the probe found at the old provider when the request came in.
    #[serde(default)]
    pub found: Option<Found>,
    /// How the old server was found, for the customer ("named in your request", "found in
    /// the domain's SRV records", …).
    #[serde(default)]
    pub found_by: Option<String>,
    /// How much of the provider's download quota this job has used in its current window.
    #[serde(default)]
    pub pace: PaceState,
    /// The estimated start and end of the first copy, as told to the customer.
    #[serde(default)]
    pub eta: Option<Estimate>,
    /// When the first copy really started and ended, to compare with the estimate.
    #[serde(default)]
    pub actual: Actual,
}

/// What the old mailbox held when it was probed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Found {
    /// Selectable folders.
    pub folders: u64,
    /// Messages in them.
    pub messages: u64,
    /// Their size, when the server tells (STATUS=SIZE).
    pub bytes: Option<u64>,
}

impl Job {
    /// The domain whose MX records decide when the final copy starts.
    pub fn mail_domain(&self) -> &str {
        let a = if self.email.is_empty() {
            &self.destination
        } else {
            &self.email
        };
        a.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// Moves to `next` if the state diagram allows it; returns false (and changes nothing)
    /// otherwise.
    pub fn move_to(&mut self, next: JobState) -> bool {
        if self.state == next || self.state.can_move_to(next) {
            self.state = next;
            true
        } else {
            false
        }
    }
}

/// One line of a ticket's append-only log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The job it concerns, if any.
    pub job: Option<JobId>,
    /// What happened, for staff.
    pub text: String,
}

/// How a reply stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutboxState {
    /// Not sent yet.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Refused for good (5xx); staff were told.
    Failed,
}

/// One reply waiting in, or sent from, the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// The outbox number.
    pub id: u64,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// The recipient.
    pub to: String,
    /// Staff in Cc.
    pub cc: Vec<String>,
    /// The subject, with the ticket tag.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Our Message-ID, without angle brackets.
    pub message_id: String,
    /// The message this answers.
    pub in_reply_to: Option<String>,
    /// The thread's Message-IDs, oldest first.
    pub references: Vec<String>,
    /// `auto-replied` (an answer) or `auto-generated` (progress).
    pub auto_submitted: String,
    /// Where it stands.
    pub state: OutboxState,
    /// Send attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_try: DateTime<Utc>,
    /// The last SMTP error, for staff.
    pub last_error: Option<String>,
    /// When the SMTP server accepted it.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Committed just before the SMTP transaction and cleared with its outcome: an entry found
    /// with it set was being sent when the process died, and may have been delivered already.
    #[serde(default)]
    pub in_flight: bool,
    /// Its copy is in the support mailbox's Sent folder (records from before this field count
    /// as filed: they were copied at once, best effort).
    #[serde(default = "filed_before")]
    pub filed: bool,
    /// The language the reply is written in (its HTML part says so); None: the default.
    #[serde(default)]
    pub language: Option<Language>,
    /// Files sent with the reply (the CSV template); none for most replies.
    #[serde(default)]
    pub attachments: Vec<MailAttachment>,
}

/// A text file attached to a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttachment {
    /// The file name the customer sees (`template.csv`).
    pub file: String,
    /// Its MIME type (`text/csv`).
    pub content_type: String,
    /// Its text (UTF-8).
    pub text: String,
}

fn filed_before() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_diagram_allows_the_two_passes_and_refuses_going_back() {
        use JobState::*;
        let path = [Received, Syncing, Synced, FinalSync, Done];
        for w in path.windows(2) {
            assert!(w[0].can_move_to(w[1]), "{:?} -> {:?}", w[0], w[1]);
        }
        assert!(Waiting.can_move_to(Syncing));
        assert!(Syncing.can_move_to(Retrying) && Retrying.can_move_to(Syncing));
        assert!(Failed.can_move_to(Retrying), "staff retry");
        for s in [Received, Waiting, Syncing, Synced, FinalSync, Retrying, Failed] {
            assert!(s.can_move_to(Cancelled), "cancel from {s:?}");
        }
        assert!(!Done.can_move_to(Cancelled), "a done job stays done");
        assert!(!Done.can_move_to(Syncing));
        assert!(!Cancelled.can_move_to(Syncing), "a cancelled job never resumes");
        assert!(!Synced.can_move_to(Syncing));
    }

    #[test]
    fn ticket_ids_read_both_ways() {
        assert_eq!(TicketId(42).to_string(), "MIG-000042");
        assert_eq!(TicketId::parse("mig-000042"), Some(TicketId(42)));
        assert_eq!(TicketId::parse("42"), Some(TicketId(42)));
        assert_eq!(TicketId::parse("MIG-x"), None);
    }
}
