//! Reply templates as the rules files write them (`rules/replies.toml`): plain text with
//! `{placeholders}`. Filling them in is `reply::compose`'s job; this never renders or sends.

use serde::Deserialize;

/// One template.
#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    /// The body, with `{placeholders}`.
    pub text: String,
}

/// Reply templates from `rules/replies.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Templates {
    /// Appended as `{signature}`.
    pub signature: String,
    /// Sent when a request becomes a ticket.
    pub acknowledgement: Template,
    /// Sent when nothing can start until the customer answers.
    pub needs_info: Template,
    /// Sent after the first copy.
    pub first_sync_done: Template,
    /// Sent when a job failed for good.
    pub failed: Template,
    /// Sent when the final copy of every mailbox is done.
    pub done: Template,
    /// The answer to a command in the thread (`{answer}` says what was done).
    pub command: Template,
    /// The words of the per-mailbox blocks and per-folder lines.
    pub words: Words,
    /// The settings for the customer's mail programs, in the last reply (`{settings}`).
    pub settings: Settings,
    /// The words of the per-mailbox estimate (`{eta}`); None in an operator's older copy of
    /// the file, and then no estimate is shown.
    #[serde(default)]
    pub eta: Option<EtaWords>,
}

/// The words of the per-mailbox blocks (`{table}`) and per-folder lines (`{folders}`); each
/// detail is one line under the mailbox's address, so a reply stays narrow on a phone.
#[derive(Debug, Clone, Deserialize)]
pub struct Words {
    /// Label of the state line.
    pub state: String,
    /// Label of the old-server line.
    pub old_server: String,
    /// Label of the line with what the probe found (`{found}` is filled from `found`).
    pub found_label: String,
    /// What the probe found: `{messages}`, `{folders}`, `{size}`.
    pub found: String,
    /// Label of the line with what was copied.
    pub copied_label: String,
    /// What was copied: `{messages}`, `{folders}`, `{copied}` (new in this pass).
    pub copied: String,
    /// Label of the line with what went wrong.
    pub problem: String,
    /// One folder's line: `{folder}`, `{messages}`.
    pub folder: String,
    /// One folder's line when some messages could not be copied: adds `{failed}`.
    pub folder_failed: String,
    /// The name of the totals line of the per-folder figures.
    pub total: String,
    /// The heading of the contacts and calendars lines.
    pub groupware: String,
    /// One contacts or calendar file: `{file}`, `{objects}`, `{imported}`, `{already}`,
    /// `{failed}`.
    pub groupware_file: String,
}

/// The settings block of the last reply: how to set up mail programs at the new provider,
/// filled from the operator's `[clients]` config.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// The block's introduction.
    pub intro: String,
    /// The incoming-mail line: `{host}`, `{port}`, `{security}`.
    pub imap: String,
    /// The outgoing-mail line: `{host}`, `{port}`, `{security}`.
    pub smtp: String,
    /// The contacts line: `{url}`.
    pub carddav: String,
    /// The calendars line: `{url}`.
    pub caldav: String,
    /// The user name and password to use.
    pub login: String,
    /// Said when the provider publishes autoconfig/autodiscover for the customer's domain.
    pub automatic: String,
    /// The name of implicit TLS (port 993/465).
    pub tls: String,
    /// The name of STARTTLS (port 143/587).
    pub starttls: String,
}

/// The words of an estimate: `text` holds `{start}` and `{takes}`; the unit lines hold
/// `{from}` and `{to}`.
#[derive(Debug, Clone, Deserialize)]
pub struct EtaWords {
    /// The whole estimate, with `{start}` and `{takes}`.
    pub text: String,
    /// A start within minutes from now, with `{to}`.
    pub start_soon: String,
    /// A later start, with `{range}`.
    pub start_later: String,
    /// A range in minutes.
    pub minutes: String,
    /// A range in hours.
    pub hours: String,
    /// A range in days.
    pub days: String,
    /// Said when nothing is known of the mailbox's size.
    pub unknown: String,
}
