//! What one server may send us and how long it may keep us waiting: numbers set in the config
//! (`[source]`) and enforced by the IMAP door's guard. Never enforces anything itself.

use std::time::Duration;

/// What one server may send, and how long it may keep us waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line outside literals, in bytes.
    pub max_line: u64,
    /// Largest literal (a message body is one), in bytes.
    pub max_literal: u64,
    /// A read or write that makes no progress for this long fails.
    pub stall: Duration,
    /// Connecting, the greeting, TLS and the login together.
    pub login: Duration,
}

impl Default for Limits {
    /// The defaults of `[source]`: lines of 1 MiB, literals of 256 MiB, 120 s without progress,
    /// 60 s for the login.
    fn default() -> Self {
        Limits {
            max_line: 1 << 20,
            max_literal: 256 << 20,
            stall: Duration::from_secs(120),
            login: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The most one response may hold before its final line end.
    pub fn max_response(&self) -> u64 {
        self.max_literal.saturating_add(self.max_line)
    }
}
