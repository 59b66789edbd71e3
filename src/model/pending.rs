//! A mailbox of a ticket that could not be accepted yet (a missing password or server, a login
//! the old provider refused): what the customer gave so far, so that a reply in the thread can
//! complete it. Its job stays in `NeedsInfo`; the password, when one was given, is sealed with
//! the job's other secrets, never kept here.
//!
//! Pure data: never holds a password, never decides whether the mailbox is complete.

use super::Security;
use serde::{Deserialize, Serialize};

/// The non-secret fields of a pending mailbox, as the customer gave them (None: not given), and
/// what was still missing or wrong when it was last looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMailbox {
    /// The old IMAP server, as used to connect.
    #[serde(default)]
    pub host: Option<String>,
    /// The server as the customer spelled it, when that differs (IDNA).
    #[serde(default)]
    pub host_display: Option<String>,
    /// The port.
    #[serde(default)]
    pub port: Option<u16>,
    /// The security.
    #[serde(default)]
    pub security: Option<Security>,
    /// The login name, when it is not the address.
    #[serde(default)]
    pub user: Option<String>,
    /// The mailbox on our side, when it is not the same address.
    #[serde(default)]
    pub destination: Option<String>,
    /// The problem lines the customer was last told for this mailbox (never a password).
    #[serde(default)]
    pub problems: Vec<String>,
}
