//! The IMAP wire, for the commands we send by hand (pipelined APPEND, STATUS with SIZE): the
//! one quoted-string writer, the one literal reader and the one response-line reader, shared by
//! the engine and the probe.
//!
//! Every reader is capped: a line longer than [`MAX_LINE`] is an error, a literal's bytes are
//! skipped (the guard under the stream caps their size), never held. Never sends anything that
//! is not quoted or checked here.

use tokio::io::{AsyncRead, AsyncReadExt};

/// The connection itself failed; what was not answered is unknown.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The server closed the connection (with its BYE text, when it sent one).
    #[error("the server closed the connection{}", .0.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
    Closed(Option<String>),
    /// The server sent something that is not IMAP as we know it.
    #[error("the server sent an unexpected response: {0}")]
    Protocol(String),
}

/// Longest response line we accept (literals inside untagged responses are skipped, not held).
pub const MAX_LINE: usize = 1 << 20;
/// Longest server text kept in an error or an outcome.
pub const MAX_TEXT: usize = 300;

/// An IMAP quoted string for a 7-bit name without CR, LF or NUL; `None` otherwise.
pub fn quoted(name: &str) -> Option<String> {
    if name.is_empty() || !name.bytes().all(|b| (32..127).contains(&b)) {
        return None;
    }
    Some(format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// At most [`MAX_TEXT`] printable characters of server text.
pub fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Reads CRLF-terminated response lines, skipping literals inside untagged responses.
#[derive(Default)]
pub struct LineReader {
    buf: Vec<u8>,
    pos: usize,
    /// The text of a BYE seen so far, for the error when the connection then closes.
    pub bye: Option<String>,
}

impl LineReader {
    async fn fill<S: AsyncRead + Unpin>(&mut self, s: &mut S) -> Result<(), WireError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 16 << 10];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(WireError::Closed(self.bye.take()));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// One line without its CRLF.
    pub async fn next_line<S: AsyncRead + Unpin>(&mut self, s: &mut S) -> Result<Vec<u8>, WireError> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                let mut line = self.buf[self.pos..self.pos + i].to_vec();
                self.pos += i + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() - self.pos > MAX_LINE {
                return Err(WireError::Protocol("a response line longer than 1 MB".into()));
            }
            self.fill(s).await?;
        }
    }

    /// One response: a line, and for an untagged line ending in `{n}`, its literal and the rest
    /// (the literal's bytes are dropped; only the lines around it are kept).
    pub async fn next_response<S: AsyncRead + Unpin>(&mut self, s: &mut S) -> Result<Vec<u8>, WireError> {
        let mut line = self.next_line(s).await?;
        while line.starts_with(b"* ") {
            let Some(n) = literal_size(&line) else { break };
            let mut left = n;
            while left > 0 {
                if self.pos == self.buf.len() {
                    self.fill(s).await?;
                }
                let take = left.min(self.buf.len() - self.pos);
                self.pos += take;
                left -= take;
            }
            let rest = self.next_line(s).await?;
            line.extend_from_slice(b" ");
            line.extend_from_slice(&rest);
        }
        Ok(line)
    }

    /// After the last tagged response: consume untagged lines already (partly) received, so
    /// nothing of ours is left in the stream for the session that uses it next.
    pub async fn drain_untagged<S: AsyncRead + Unpin>(&mut self, s: &mut S) -> Result<(), WireError> {
        while self.pos < self.buf.len() {
            let line = self.next_response(s).await?;
            if !line.starts_with(b"* ") {
                return Err(WireError::Protocol(clip(&String::from_utf8_lossy(&line))));
            }
        }
        Ok(())
    }
}

/// `n` for a line ending in `{n}` (a literal of n bytes follows).
pub fn literal_size(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_literal_inside_an_untagged_response_is_skipped_and_the_line_goes_on() {
        let mut data: &[u8] = b"* STATUS {5}\r\nIN\"OX (MESSAGES 2 SIZE 10)\r\nmfp0x0 OK done\r\n";
        let mut r = LineReader::default();
        assert_eq!(
            r.next_response(&mut data).await.unwrap(),
            b"* STATUS {5}  (MESSAGES 2 SIZE 10)"
        );
        assert_eq!(r.next_response(&mut data).await.unwrap(), b"mfp0x0 OK done");
        assert!(matches!(r.next_response(&mut data).await, Err(WireError::Closed(None))));
    }

    #[test]
    fn names_are_quoted_only_when_they_can_be_sent() {
        assert_eq!(quoted("INBOX").as_deref(), Some("\"INBOX\""));
        assert_eq!(quoted("a\"b\\c").as_deref(), Some("\"a\\\"b\\\\c\""));
        assert_eq!(quoted("a\r\nb"), None);
        assert_eq!(quoted("Grü"), None, "8-bit names travel in modified UTF-7");
        assert_eq!(literal_size(b"* STATUS {12}"), Some(12));
        assert_eq!(literal_size(b"* STATUS INBOX (MESSAGES 1)"), None);
    }
}
