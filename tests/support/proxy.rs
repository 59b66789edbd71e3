//! A TCP fault proxy for outage tests: it listens on 127.0.0.1 and forwards every connection
//! to a port of the shared test bed, and it can play the server going away.
//!
//! - [`FaultProxy::down`]: the listener is closed and every open connection is dropped — new
//!   connections are refused, as when a server is stopped;
//! - [`FaultProxy::up`]: listening again on the same port, forwarding as before;
//! - [`FaultProxy::stall`]: connections are accepted but nothing is forwarded either way (a
//!   hung server); open ones stop moving too;
//! - [`FaultProxy::answer_instead`]: the next N IMAP commands that contain a given text are
//!   not forwarded; the proxy answers them itself, with the tag of the command and a given
//!   answer (a provider's exact throttling reply), as the real server would.
//!
//! The shared servers themselves are never touched.
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

/// What the proxy does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwarding.
    Up,
    /// Not listening; no connection open.
    Down,
    /// Accepting, forwarding nothing.
    Stall,
}

#[derive(Default)]
struct Counters {
    listening: AtomicBool,
    open: AtomicUsize,
    most_open: AtomicUsize,
    accepted: AtomicU64,
    /// Commands to answer in the server's place: (text they contain, answer, times left).
    answers: std::sync::Mutex<Vec<(String, String, usize)>>,
    answered: AtomicU64,
}

impl Counters {
    /// True while a rule still has commands to answer.
    fn answering(&self) -> bool {
        self.answers
            .lock()
            .is_ok_and(|r| r.iter().any(|(_, _, left)| *left > 0))
    }

    /// The answer to give instead of forwarding `chunk` (one command from the client), if a
    /// rule asks for one: `<tag> <answer>`.
    fn answer_for(&self, chunk: &[u8]) -> Option<Vec<u8>> {
        let text = std::str::from_utf8(chunk).ok()?;
        let upper = text.to_ascii_uppercase();
        let mut rules = self.answers.lock().ok()?;
        let rule = rules
            .iter_mut()
            .find(|(needle, _, left)| *left > 0 && upper.contains(&needle.to_ascii_uppercase()))?;
        rule.2 -= 1;
        let tag = text.split_whitespace().next()?;
        self.answered.fetch_add(1, Ordering::SeqCst);
        Some(format!("{tag} {}\r\n", rule.1).into_bytes())
    }
}

/// A switchable forwarder from `127.0.0.1:port()` to `127.0.0.1:target`.
pub struct FaultProxy {
    port: u16,
    mode: watch::Sender<Mode>,
    counters: Arc<Counters>,
}

impl FaultProxy {
    /// Starts forwarding to `target` on a free port (must run inside a Tokio runtime).
    pub async fn start(target: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (mode, rx) = watch::channel(Mode::Up);
        let counters = Arc::new(Counters::default());
        counters.listening.store(true, Ordering::SeqCst);
        tokio::spawn(supervise(Some(listener), port, target, rx, counters.clone()));
        FaultProxy { port, mode, counters }
    }

    /// The port the proxy listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.counters.accepted.load(Ordering::SeqCst)
    }

    /// Answers the next `times` client commands that contain `needle` (case-insensitive)
    /// itself with `<tag> <answer>`, without forwarding them (for IMAP: one command per write,
    /// as IMAP clients send them).
    pub fn answer_instead(&self, needle: &str, answer: &str, times: usize) {
        if let Ok(mut rules) = self.counters.answers.lock() {
            rules.push((needle.to_string(), answer.to_string(), times));
        }
    }

    /// Commands the proxy answered itself so far.
    pub fn answered(&self) -> u64 {
        self.counters.answered.load(Ordering::SeqCst)
    }

    /// The most connections that were open through the proxy at the same time.
    pub fn most_open(&self) -> usize {
        self.counters.most_open.load(Ordering::SeqCst)
    }

    /// Stops "the server": closes the listener and drops every open connection; returns once
    /// both are done.
    pub async fn down(&self) {
        self.mode.send_replace(Mode::Down);
        self.wait_for("down", || {
            !self.counters.listening.load(Ordering::SeqCst) && self.counters.open.load(Ordering::SeqCst) == 0
        })
        .await;
    }

    /// Starts "the server" again on the same port; returns once it listens.
    pub async fn up(&self) {
        self.mode.send_replace(Mode::Up);
        self.wait_for("up", || self.counters.listening.load(Ordering::SeqCst))
            .await;
    }

    /// Hangs "the server": connections are accepted (or stay open) and nothing moves.
    pub async fn stall(&self) {
        self.mode.send_replace(Mode::Stall);
        self.wait_for("stalled", || self.counters.listening.load(Ordering::SeqCst))
            .await;
    }

    async fn wait_for(&self, what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the fault proxy on port {} did not go {what} within 5 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.mode.send_replace(Mode::Down);
    }
}

/// Binds `port` again (SO_REUSEADDR: connections of the last life may linger in TIME_WAIT).
async fn rebind(port: u16) -> TcpListener {
    let start = Instant::now();
    loop {
        let attempt = TcpSocket::new_v4().and_then(|s| {
            s.set_reuseaddr(true)?;
            s.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
            s.listen(128)
        });
        match attempt {
            Ok(l) => return l,
            Err(e) => {
                assert!(
                    start.elapsed() < Duration::from_secs(3),
                    "the fault proxy cannot listen on port {port} again: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn supervise(
    mut listener: Option<TcpListener>,
    port: u16,
    target: u16,
    mut mode: watch::Receiver<Mode>,
    counters: Arc<Counters>,
) {
    loop {
        let now = *mode.borrow_and_update();
        match (now, listener.as_ref()) {
            (Mode::Down, Some(_)) => {
                listener = None;
                counters.listening.store(false, Ordering::SeqCst);
            }
            (Mode::Up | Mode::Stall, None) => {
                listener = Some(rebind(port).await);
                counters.listening.store(true, Ordering::SeqCst);
            }
            _ => {}
        }
        let accepted = match listener.as_ref() {
            Some(l) => tokio::select! {
                r = l.accept() => r.ok(),
                r = mode.changed() => {
                    if r.is_err() {
                        return; // the proxy was dropped
                    }
                    None
                }
            },
            None => {
                if mode.changed().await.is_err() {
                    return;
                }
                None
            }
        };
        if let Some((inbound, _)) = accepted {
            counters.accepted.fetch_add(1, Ordering::SeqCst);
            let now_open = counters.open.fetch_add(1, Ordering::SeqCst) + 1;
            counters.most_open.fetch_max(now_open, Ordering::SeqCst);
            let (rx, c) = (mode.clone(), counters.clone());
            tokio::spawn(async move {
                connection(inbound, target, rx, &c).await;
                c.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }
}

/// One client connection: forwards while the mode is Up, holds while Stall, ends at Down.
async fn connection(inbound: TcpStream, target: u16, mut mode: watch::Receiver<Mode>, counters: &Counters) {
    if *mode.borrow() == Mode::Down {
        return;
    }
    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    let (mut ci, mut co) = inbound.into_split();
    let (mut si, mut so) = outbound.into_split();
    let mut a = [0u8; 16 * 1024];
    let mut b = [0u8; 16 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let now = *mode.borrow_and_update();
        match now {
            Mode::Down => return,
            Mode::Stall => {
                if mode.changed().await.is_err() {
                    return;
                }
            }
            Mode::Up => {
                tokio::select! {
                    r = ci.read(&mut a) => match r {
                        Ok(0) | Err(_) => return,
                        Ok(n) if pending.is_empty() && !counters.answering() => {
                            if so.write_all(&a[..n]).await.is_err() { return }
                        }
                        // Clients write one command in pieces: answer or forward whole lines.
                        Ok(n) => {
                            pending.extend_from_slice(&a[..n]);
                            while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
                                let line: Vec<u8> = pending.drain(..end + 2).collect();
                                let sent = match counters.answer_for(&line) {
                                    Some(answer) => co.write_all(&answer).await,
                                    None => so.write_all(&line).await,
                                };
                                if sent.is_err() { return }
                            }
                        }
                    },
                    r = si.read(&mut b) => match r {
                        Ok(0) | Err(_) => return,
                        Ok(n) => if co.write_all(&b[..n]).await.is_err() { return },
                    },
                    r = mode.changed() => if r.is_err() { return },
                }
            }
        }
    }
}
