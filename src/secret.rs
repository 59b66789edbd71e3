//! A customer's or operator's password in memory.
//!
//! `Secret` never shows its value through `Debug` or `Display` (both print `[redacted]`), and
//! wipes its bytes when dropped. The only way to read it is [`Secret::expose`], so every place
//! that handles a password in clear is one grep away.

use std::fmt;
use zeroize::Zeroize;

/// A password or key that must never be logged, printed or put in a reply.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value; the caller's copy should be dropped right after.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear value, for the one moment it is sent to a server or encrypted.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
        assert_eq!(s.expose(), "hunter2");
    }
}
