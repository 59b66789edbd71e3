//! The commands a customer or staff write in a ticket's thread, as plain words. Recognising them
//! is intake's and rules' job; acting on them the daemon's. Never carries who may use them.

use serde::Serialize;

/// A command written at the top of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    /// Tell me where things stand.
    Status,
    /// Stop.
    Cancel,
    /// The MX records now point to the provider.
    DnsChanged,
    /// Staff: let a held job run.
    Approve,
    /// Staff: run a failed job again.
    Retry,
    /// Send me the CSV template.
    Template,
}
