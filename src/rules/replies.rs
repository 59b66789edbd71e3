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
    /// The words of the per-mailbox estimate (`{eta}`); None in an operator's older copy of
    /// the file, and then no estimate is shown.
    #[serde(default)]
    pub eta: Option<EtaWords>,
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
