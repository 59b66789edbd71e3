//! How a connection to a mail server is secured: a plain noun shared by config, intake, the
//! IMAP door and the SMTP sender. Never decides anything about a connection itself.

use serde::{Deserialize, Serialize};

/// How a TCP connection to a mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    #[default]
    Tls,
    /// Plain connection upgraded with STARTTLS (IMAP 143, submission 587).
    Starttls,
    /// No encryption at all: for a server on loopback only.
    Plain,
}

impl Security {
    /// The usual IMAP port for this kind of security.
    pub fn default_imap_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::Starttls | Security::Plain => 143,
        }
    }
}
