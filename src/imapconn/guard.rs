//! A guard between an IMAP server and our IMAP parser: caps on what a server may send and a
//! stall timer, so a hostile or broken server cannot make us hold unbounded memory or wait
//! forever.
//!
//! async-imap keeps a whole response (literals included) in memory before it hands it over, and
//! grows its buffer to whatever size a literal announces. The guard therefore follows the
//! server's bytes with a light IMAP framing scan (lines end with LF; a line ending in `{n}` or
//! `{n+}` announces `n` bytes of literal) and fails the read that would hand the parser
//!
//! - a line (outside literals) longer than [`Limits::max_line`],
//! - a literal announcement over [`Limits::max_literal`] (before a byte of it is read),
//! - a response (lines and literals up to its final line end) over both caps together,
//!
//! and any read or write that makes no progress for [`Limits::stall`]. Once tripped it stays
//! tripped: every later read and write fails with the same [`GuardError`], which callers find
//! with [`guard_error`] and turn into a sentence with [`GuardError::sentence`].
//!
//! Why our own code rather than a crate: the caps have to sit below async-imap, on the raw
//! bytes, before its parser buffers a literal it was told is huge; no IMAP crate offers such a
//! limit, and a generic byte cap or timeout layer does not know where an IMAP response or a
//! literal ends. The scan is small (lines and `{n}` announcements) and fuzzed by the hostile
//! server tests.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub use crate::model::Limits;

/// Why the guard stopped a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// A line outside literals went past the cap.
    #[error("{}", self.sentence("the server"))]
    LineTooLong {
        /// The cap, in bytes.
        cap: u64,
    },
    /// A literal was announced larger than the cap.
    #[error("{}", self.sentence("the server"))]
    LiteralTooLarge {
        /// The size the server announced.
        announced: u64,
        /// The cap, in bytes.
        cap: u64,
    },
    /// One response (many literals) went past the cap.
    #[error("{}", self.sentence("the server"))]
    ResponseTooLarge {
        /// The cap, in bytes.
        cap: u64,
    },
    /// Nothing moved in either direction for this long.
    #[error("{}", self.sentence("the server"))]
    Stalled {
        /// The stall timeout.
        after: Duration,
    },
}

impl GuardError {
    /// The problem as a sentence about `who` ("the old server", "our server").
    pub fn sentence(&self, who: &str) -> String {
        match self {
            GuardError::LineTooLong { cap } => format!(
                "{who} sent a line longer than {}; it does not speak IMAP properly",
                human_bytes(*cap)
            ),
            GuardError::LiteralTooLarge { announced, cap } => format!(
                "{who} announced a block of {} in one piece, more than the {} we accept for one message",
                human_bytes(*announced),
                human_bytes(*cap)
            ),
            GuardError::ResponseTooLarge { cap } => format!(
                "{who} sent a single answer larger than {}; it does not speak IMAP properly",
                human_bytes(*cap)
            ),
            GuardError::Stalled { after } => {
                format!("{who} stopped answering for {} s", after.as_secs_f64().round() as u64)
            }
        }
    }

    /// True when trying again later may help (a stall); false for a server that breaks the
    /// protocol or our caps, which will do it again.
    pub fn is_transient(&self) -> bool {
        matches!(self, GuardError::Stalled { .. })
    }

    fn io(&self) -> std::io::Error {
        let kind = if self.is_transient() {
            std::io::ErrorKind::TimedOut
        } else {
            std::io::ErrorKind::InvalidData
        };
        std::io::Error::new(kind, self.clone())
    }
}

/// The [`GuardError`] behind an error, wherever it sits in the chain (inside an `io::Error`,
/// an async-imap error or an anyhow context).
pub fn guard_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a GuardError> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(g) = err.downcast_ref::<GuardError>() {
            return Some(g);
        }
        if let Some(g) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<GuardError>())
        {
            return Some(g);
        }
        next = err.source();
    }
    None
}

/// The server sent something our IMAP parser cannot read (its bytes are not kept: they may
/// echo what we sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server sent an answer that is not IMAP")]
pub struct NotImap;

/// True when async-imap could not parse what a server sent (it was not IMAP).
pub fn is_not_imap(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.is::<NotImap>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::Other && io.to_string().contains(" during parsing of ") {
                return true;
            }
        }
        if matches!(
            err.downcast_ref::<async_imap::error::Error>(),
            Some(async_imap::error::Error::Parse(_))
        ) {
            return true;
        }
        next = err.source();
    }
    false
}

/// A size for people: `512 bytes`, `64 KiB`, `1 MiB`, `1.5 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Where the scan is in the trailing `{n}` / `{n+}` of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brace {
    /// Not in a literal announcement.
    None,
    /// After `{`, with the digits so far (count, value).
    Digits(u32, u64),
    /// After `{n+`.
    Plus(u64),
    /// After `}`.
    Closed(u64),
    /// After `}` and CR.
    ClosedCr(u64),
}

/// The framing scan: follows lines and literals over the bytes a server sends.
#[derive(Debug, Clone)]
pub struct Scanner {
    limits: Limits,
    /// Bytes of the current line since the last line end or literal.
    line: u64,
    /// Bytes of the current response so far.
    response: u64,
    /// Literal bytes still to come.
    literal_left: u64,
    brace: Brace,
    /// The first bytes of the current line, when it starts a response (a tagged status is
    /// looked for there).
    head: Vec<u8>,
    /// True while the current line is the first of a response.
    head_open: bool,
    /// The last tagged NO or BAD the server sent, without its tag.
    refusal: Option<String>,
}

/// Bytes of a response's first line kept to read a tagged refusal from.
const HEAD_BYTES: usize = 512;

impl Scanner {
    /// A scanner at the start of a response.
    pub fn new(limits: Limits) -> Scanner {
        Scanner {
            limits,
            line: 0,
            response: 0,
            literal_left: 0,
            brace: Brace::None,
            head: Vec::new(),
            head_open: true,
            refusal: None,
        }
    }

    /// The last tagged NO or BAD the server sent since the last call ("NO [OVERQUOTA] …",
    /// without the tag). async-imap ends a FETCH's stream at its tagged answer without telling
    /// whether it was OK, so the engine asks here.
    pub fn take_refusal(&mut self) -> Option<String> {
        self.refusal.take()
    }

    /// A response's first line is over: keep it when it is a tagged NO or BAD.
    fn end_of_head(&mut self) {
        let line = String::from_utf8_lossy(&self.head);
        let mut words = line.trim_end().splitn(3, ' ');
        let tag = words.next().unwrap_or("");
        let status = words.next().unwrap_or("");
        if !tag.is_empty()
            && tag != "*"
            && tag != "+"
            && (status.eq_ignore_ascii_case("NO") || status.eq_ignore_ascii_case("BAD"))
        {
            let rest = words.next().unwrap_or("");
            self.refusal = Some(format!("{} {rest}", status.to_ascii_uppercase()).trim_end().to_string());
        }
        self.head.clear();
    }

    /// Follows `data`; an error means it breaks a cap (the scanner should not be fed again).
    pub fn feed(&mut self, data: &[u8]) -> Result<(), GuardError> {
        let mut i = 0;
        while i < data.len() {
            if self.literal_left > 0 {
                let take = self.literal_left.min((data.len() - i) as u64);
                self.literal_left -= take;
                i += take as usize;
                continue;
            }
            let b = data[i];
            i += 1;
            self.response += 1;
            if self.response > self.limits.max_response() {
                return Err(GuardError::ResponseTooLarge {
                    cap: self.limits.max_response(),
                });
            }
            if b == b'\n' {
                if self.head_open {
                    self.end_of_head();
                }
                match self.brace {
                    Brace::Closed(n) | Brace::ClosedCr(n) => {
                        if n > self.limits.max_literal {
                            return Err(GuardError::LiteralTooLarge {
                                announced: n,
                                cap: self.limits.max_literal,
                            });
                        }
                        // The literal's bytes count towards the response as they come.
                        self.response = self.response.saturating_add(n);
                        self.literal_left = n;
                        self.head_open = false;
                    }
                    _ => {
                        self.response = 0;
                        self.head_open = true;
                    }
                }
                self.line = 0;
                self.brace = Brace::None;
                continue;
            }
            self.line += 1;
            if self.head_open && self.head.len() < HEAD_BYTES {
                self.head.push(b);
            }
            if self.line > self.limits.max_line {
                return Err(GuardError::LineTooLong {
                    cap: self.limits.max_line,
                });
            }
            self.brace = match (self.brace, b) {
                (_, b'{') => Brace::Digits(0, 0),
                (Brace::Digits(count, n), b'0'..=b'9') => {
                    Brace::Digits(count + 1, n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
                }
                (Brace::Digits(count, n), b'+') if count > 0 => Brace::Plus(n),
                (Brace::Digits(count, n), b'}') if count > 0 => Brace::Closed(n),
                (Brace::Plus(n), b'}') => Brace::Closed(n),
                (Brace::Closed(n), b'\r') => Brace::ClosedCr(n),
                _ => Brace::None,
            };
        }
        Ok(())
    }
}

/// The guard of one connection: the scan over what the server sends and the stall timer.
#[derive(Debug)]
pub struct Guard {
    limits: Limits,
    scanner: Scanner,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    tripped: Option<GuardError>,
}

impl Guard {
    /// A guard with these limits.
    pub fn new(limits: Limits) -> Guard {
        Guard {
            limits,
            scanner: Scanner::new(limits),
            timer: None,
            tripped: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The last tagged NO or BAD the server sent since the last call (see
    /// [`Scanner::take_refusal`]).
    pub fn take_refusal(&mut self) -> Option<String> {
        self.scanner.take_refusal()
    }

    /// The error when the guard already stopped the connection.
    pub fn check(&self) -> std::io::Result<()> {
        match &self.tripped {
            Some(e) => Err(e.io()),
            None => Ok(()),
        }
    }

    fn trip(&mut self, e: GuardError) -> std::io::Error {
        let io = e.io();
        self.tripped = Some(e);
        self.timer = None;
        io
    }

    /// Bytes moved: the stall timer starts again at the next wait.
    pub fn progress(&mut self) {
        self.timer = None;
    }

    /// Follows bytes the server sent; an error when they break a cap.
    pub fn received(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.progress();
        match self.scanner.feed(data) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.trip(e)),
        }
    }

    /// Called when a read or write must wait: Ready(error) once nothing moved for the stall
    /// timeout, Pending otherwise (the task is woken when the timeout passes).
    pub fn poll_stall(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Error> {
        let stall = self.limits.stall;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(self.trip(GuardError::Stalled { after: stall })),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tagged_refusal_is_kept_and_an_untagged_or_literal_line_is_not() {
        let mut s = Scanner::new(Limits::default());
        s.feed(b"* 1 FETCH (UID 7 BODY[] {21}\r\nA0009 NO not a status\r\n)\r\n")
            .expect("fetch");
        assert_eq!(s.take_refusal(), None, "literal bytes are not a status line");
        s.feed(b"* NO [ALERT] just a warning\r\nA0010 OK done\r\n").expect("ok");
        assert_eq!(s.take_refusal(), None);
        s.feed(b"A0011 NO [OVERQUOTA] Account exceeded command or bandwidth limits.")
            .expect("part");
        s.feed(b" (Failure)\r\n").expect("rest");
        assert_eq!(
            s.take_refusal().as_deref(),
            Some("NO [OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)")
        );
        assert_eq!(s.take_refusal(), None, "taken once");
    }

    fn limits(line: u64, literal: u64) -> Limits {
        Limits {
            max_line: line,
            max_literal: literal,
            ..Limits::default()
        }
    }

    #[test]
    fn normal_responses_pass_in_any_chunking() {
        let data: &[u8] =
            b"* 1 FETCH (UID 5 BODY[] {11}\r\nhello\r\nworld)\r\n* 2 FETCH (UID 6 BODY[] {0+}\r\n)\r\nA1 OK done\r\n";
        for chunk in 1..data.len() {
            let mut s = Scanner::new(limits(40, 11));
            for part in data.chunks(chunk) {
                s.feed(part).unwrap();
            }
            assert_eq!(s.literal_left, 0);
            assert_eq!(s.response, 0, "a complete response resets the count");
        }
    }

    #[test]
    fn literal_bytes_do_not_count_as_line() {
        let mut s = Scanner::new(limits(30, 1000));
        let mut data = b"* 1 FETCH (BODY[] {1000}\r\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 1000));
        data.extend_from_slice(b")\r\n");
        s.feed(&data).unwrap();
    }

    #[test]
    fn a_long_line_is_refused_at_the_cap() {
        let mut s = Scanner::new(limits(100, 1000));
        s.feed(&[b'a'; 100]).unwrap();
        assert_eq!(s.feed(b"a"), Err(GuardError::LineTooLong { cap: 100 }));
    }

    #[test]
    fn a_large_literal_is_refused_when_announced() {
        let mut s = Scanner::new(limits(100, 1000));
        s.feed(b"* 1 FETCH (BODY[] {1001}\r").unwrap();
        assert_eq!(
            s.feed(b"\n"),
            Err(GuardError::LiteralTooLarge {
                announced: 1001,
                cap: 1000
            })
        );
        let mut s = Scanner::new(limits(100, 1000));
        let err = s.feed(b"* LIST () \"/\" {99999999999999999999999}\r\n").unwrap_err();
        assert!(matches!(
            err,
            GuardError::LiteralTooLarge {
                announced: u64::MAX,
                ..
            }
        ));
    }

    #[test]
    fn braces_that_are_not_at_the_line_end_are_text() {
        let mut s = Scanner::new(limits(100, 10));
        s.feed(b"* OK [ALERT] {12345} is not a literal here\r\n* OK {}\r\n* OK {+}\r\n")
            .unwrap();
        assert_eq!(s.literal_left, 0);
    }

    #[test]
    fn many_small_literals_in_one_response_are_capped() {
        let mut s = Scanner::new(limits(64, 100));
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = s.feed(b"X {50}\r\n01234567890123456789012345678901234567890123456789") {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err, Some(GuardError::ResponseTooLarge { cap: 164 }));
    }

    #[test]
    fn sentences_are_plain() {
        let e = GuardError::LineTooLong { cap: 1 << 20 };
        assert_eq!(
            e.sentence("the old server"),
            "the old server sent a line longer than 1 MiB; it does not speak IMAP properly"
        );
        let e = GuardError::Stalled {
            after: Duration::from_secs(120),
        };
        assert_eq!(
            e.sentence("the old server"),
            "the old server stopped answering for 120 s"
        );
        assert!(e.is_transient());
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(256 << 20), "256 MiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
    }

    #[test]
    fn the_error_is_found_through_io_and_imap_errors() {
        let g = GuardError::LineTooLong { cap: 10 };
        let imap = async_imap::error::Error::Io(g.io());
        assert_eq!(guard_error(&imap), Some(&g));
        let any = anyhow::Error::new(imap).context("reading the greeting");
        assert_eq!(guard_error(any.as_ref()), Some(&g));
        assert!(guard_error(&std::io::Error::other("x")).is_none());
    }

    #[tokio::test]
    async fn the_stall_timer_fires_only_without_progress() {
        let ms = Duration::from_millis;
        let mut g = Guard::new(Limits {
            stall: ms(300),
            ..Limits::default()
        });
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(g.poll_stall(&mut cx).is_pending());
        tokio::time::sleep(ms(200)).await;
        assert!(g.poll_stall(&mut cx).is_pending());
        g.received(b"* OK\r\n").unwrap();
        assert!(g.poll_stall(&mut cx).is_pending());
        tokio::time::sleep(ms(200)).await;
        assert!(g.poll_stall(&mut cx).is_pending(), "progress restarts the timer");
        tokio::time::sleep(ms(150)).await;
        assert!(g.poll_stall(&mut cx).is_ready());
        assert!(g.check().is_err(), "a tripped guard stays tripped");
    }
}
