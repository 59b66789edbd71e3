//! The byte stream under an IMAP session: plain TCP (loopback test beds only), TLS, a read-rate
//! throttle (politeness to an old provider) and the guard that checks what a server sends
//! before the IMAP parser sees it. Never interprets IMAP itself.

use super::guard;
use super::Limits;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A byte stream to an IMAP server, encrypted or not.
#[derive(Debug)]
pub enum ImapStream {
    /// Plain TCP (loopback test beds only).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
    /// Another stream, read no faster than a byte rate (politeness to an old provider).
    Throttled(Box<ImapStream>, Throttle),
    /// Another stream under caps and a stall timer ([`guard`]): what a server sends is checked
    /// before the IMAP parser sees it.
    Guarded(Box<ImapStream>, Box<guard::Guard>),
}

impl ImapStream {
    /// `stream` under the caps and the stall timer of `limits`.
    pub fn guarded(stream: ImapStream, limits: Limits) -> ImapStream {
        ImapStream::Guarded(Box::new(stream), Box::new(guard::Guard::new(limits)))
    }

    /// The last tagged NO or BAD the server sent since the last call, when the stream is
    /// guarded (see [`guard::Scanner::take_refusal`]).
    pub fn take_refusal(&mut self) -> Option<String> {
        match self {
            ImapStream::Guarded(inner, g) => g.take_refusal().or_else(|| inner.take_refusal()),
            ImapStream::Throttled(inner, _) => inner.take_refusal(),
            ImapStream::Plain(_) | ImapStream::Tls(_) => None,
        }
    }

    /// The plain TCP stream inside (for STARTTLS), without its guard; None when encrypted.
    pub fn into_tcp(self) -> Option<TcpStream> {
        match self {
            ImapStream::Plain(tcp) => Some(tcp),
            ImapStream::Guarded(inner, _) => inner.into_tcp(),
            ImapStream::Tls(_) | ImapStream::Throttled(..) => None,
        }
    }
}

/// A token bucket on the bytes read: reads go on while the allowance is positive; after a
/// read that overdraws it, the next read waits until it is paid back.
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    allowance: f64,
    last: tokio::time::Instant,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Throttle {
    /// At most `bytes_per_second` on average, with a burst of one second's worth.
    pub fn new(bytes_per_second: u64) -> Throttle {
        let rate = bytes_per_second.max(1) as f64;
        Throttle {
            rate,
            allowance: rate,
            last: tokio::time::Instant::now(),
            sleep: None,
        }
    }

    fn refill(&mut self) {
        let now = tokio::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.allowance = (self.allowance + elapsed * self.rate).min(self.rate);
    }

    /// Ready to read, or Pending until the allowance is positive again.
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<()> {
        loop {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            self.refill();
            if self.allowance > 0.0 {
                return Poll::Ready(());
            }
            let wait = std::time::Duration::from_secs_f64((-self.allowance + 1.0) / self.rate);
            self.sleep = Some(Box::pin(tokio::time::sleep(wait)));
        }
    }
}

impl AsyncRead for ImapStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            ImapStream::Throttled(s, t) => {
                if t.poll_ready(cx).is_pending() {
                    return Poll::Pending;
                }
                let before = buf.filled().len();
                let r = Pin::new(s.as_mut()).poll_read(cx, buf);
                t.allowance -= (buf.filled().len() - before) as f64;
                r
            }
            ImapStream::Guarded(s, g) => {
                g.check()?;
                let before = buf.filled().len();
                match Pin::new(s.as_mut()).poll_read(cx, buf) {
                    Poll::Ready(Ok(())) => {
                        let fresh = &buf.filled()[before..];
                        // An empty read is the end of the stream: the parser decides.
                        if !fresh.is_empty() {
                            if let Err(e) = g.received(fresh) {
                                buf.set_filled(before);
                                return Poll::Ready(Err(e));
                            }
                        }
                        Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => g.poll_stall(cx).map(Err),
                }
            }
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_write(cx, buf),
            ImapStream::Guarded(s, g) => {
                g.check()?;
                match Pin::new(s.as_mut()).poll_write(cx, buf) {
                    Poll::Ready(Ok(n)) => {
                        if n > 0 {
                            g.progress();
                        }
                        Poll::Ready(Ok(n))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => g.poll_stall(cx).map(Err),
                }
            }
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_flush(cx),
            ImapStream::Guarded(s, g) => {
                g.check()?;
                match Pin::new(s.as_mut()).poll_flush(cx) {
                    Poll::Pending => g.poll_stall(cx).map(Err),
                    done => done,
                }
            }
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            ImapStream::Throttled(s, _) => Pin::new(s.as_mut()).poll_shutdown(cx),
            ImapStream::Guarded(s, g) => match Pin::new(s.as_mut()).poll_shutdown(cx) {
                Poll::Pending => g.poll_stall(cx).map(Err),
                done => done,
            },
        }
    }
}
