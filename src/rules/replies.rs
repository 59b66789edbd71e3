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
}
