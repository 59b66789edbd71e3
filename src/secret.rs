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

/// Why a secret file gave no secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Unreadable(#[from] std::io::Error),
    /// Its first line is empty.
    #[error("it is empty")]
    Empty,
}

impl Secret {
    /// The first line of a file (without its line end): the one way mailferry reads a password
    /// or key from a file. The rest of the file is ignored and wiped from memory.
    pub fn from_file(path: &std::path::Path) -> Result<Secret, SecretFileError> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path)?);
        let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
        if line.is_empty() {
            return Err(SecretFileError::Empty);
        }
        Ok(Secret::new(line))
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

    #[test]
    fn a_secret_file_gives_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "hunter2\r\nsecond line\n").unwrap();
        assert_eq!(Secret::from_file(&path).unwrap().expose(), "hunter2");
        std::fs::write(&path, "\nhunter2\n").unwrap();
        assert!(matches!(Secret::from_file(&path), Err(SecretFileError::Empty)));
        assert!(matches!(
            Secret::from_file(&dir.path().join("missing")),
            Err(SecretFileError::Unreadable(_))
        ));
    }
}
