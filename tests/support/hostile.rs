//! A small IMAP server that plays the attacker: it speaks just enough IMAP for the probe and
//! the engine (greeting, CAPABILITY, LOGIN, LIST, LSUB, STATUS, SELECT/EXAMINE, UID FETCH,
//! LOGOUT) and misbehaves on cue ([`Trick`]). It counts the bytes it managed to push, so a test
//! can tell that the client stopped reading at its cap.
//!
//! It listens on 127.0.0.1 on a free port; each connection is served by its own task. An
//! endless stream stops by itself after [`SAFETY_STOP`] bytes, so a client without a guard
//! makes a test fail instead of hanging.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

/// An endless stream gives up after this many bytes (a client without caps would read on).
pub const SAFETY_STOP: u64 = 600 << 20;

/// How the server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trick {
    /// Behaves: `messages` small messages in INBOX.
    Honest,
    /// Sends its greeting, then never answers anything.
    StallAfterGreeting,
    /// Greets with binary garbage.
    GarbageGreeting,
    /// Answers CAPABILITY with garbage.
    GarbageAfterLogin,
    /// Answers LIST with a line that never ends.
    HugeLineInList,
    /// Answers LIST with a million folders, as fast as it can.
    MillionFolders,
    /// Answers SELECT/EXAMINE and STATUS, then never answers UID FETCH.
    StallAfterSelect,
    /// Announces `{99999999999}` for a header block in the index and streams bytes forever.
    EndlessLiteral,
    /// Sends 100 bytes of a 1000-byte message, then nothing.
    StallMidLiteral,
    /// Reports 100 bytes per message but announces a body of 500 MB and streams it.
    LyingLiteral,
    /// Reports 100 bytes per message but sends 1 MiB bodies.
    LyingSizes,
    /// Refuses the login with NO, repeating the whole LOGIN line (password included).
    EchoLoginNo,
    /// Answers the login with `* BYE` repeating the whole LOGIN line, then closes.
    EchoLoginBye,
    /// Honest, but message 2 is `big` bytes (over the client's cap).
    OversizeMessage {
        /// The size of message 2.
        big: u32,
    },
}

/// What the server saw and did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Bytes written to clients (successfully handed to the socket).
    pub pushed: AtomicU64,
    /// Set when an endless or long stream ended (the client went away, or the safety stop).
    pub stream_ended: AtomicBool,
    /// Connections accepted.
    pub connections: AtomicU64,
    /// The UID sets of every `UID FETCH … BODY.PEEK[]` (body fetches).
    pub body_fetches: Mutex<Vec<String>>,
}

/// A running hostile server.
#[derive(Debug)]
pub struct Hostile {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it saw.
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits (at most `limit`) until a long stream has ended, then returns the bytes pushed.
    pub async fn pushed_after_stream(&self, limit: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.stats.stream_ended.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            self.stats.stream_ended.load(Ordering::SeqCst),
            "the hostile server was still streaming {limit:?} after the client returned"
        );
        self.stats.pushed.load(Ordering::SeqCst)
    }
}

/// Starts a server with `messages` messages in INBOX, misbehaving with `trick`.
pub async fn start(trick: Trick, messages: u32) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let stats = Arc::new(Stats::default());
    let shared = stats.clone();
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let stats = shared.clone();
            tokio::spawn(async move {
                let _ = serve(sock, trick, messages, stats).await;
            });
        }
    });
    Hostile { addr, stats, task }
}

/// The raw bytes of message `n` (1-based) of `size` bytes at least.
pub fn message(n: u32, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: sender{n}@old.example\r\nTo: customer@old.example\r\nSubject: message {n}\r\n\
         Message-ID: <{n}@hostile.test>\r\nDate: Tue, 05 Mar 2024 07:08:09 +0100\r\n\r\nBody of message {n}.\r\n"
    )
    .into_bytes();
    while m.len() < size {
        m.extend_from_slice(b"filler filler filler filler filler filler filler filler filler filler.\r\n");
    }
    m
}

fn header_of(msg: &[u8]) -> &[u8] {
    let end = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(msg.len(), |p| p + 4);
    &msg[..end]
}

struct Out {
    w: OwnedWriteHalf,
    stats: Arc<Stats>,
}

impl Out {
    async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.w.write_all(bytes).await?;
        self.stats.pushed.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    /// Writes `chunk` again and again until the client goes away or the safety stop.
    async fn endless(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let mut sent = 0u64;
        let result = loop {
            if sent > SAFETY_STOP {
                break Ok(());
            }
            if let Err(e) = self.send(chunk).await {
                break Err(e);
            }
            sent += chunk.len() as u64;
        };
        self.stats.stream_ended.store(true, Ordering::SeqCst);
        result
    }
}

/// Reads and drops whatever the client sends until it goes away.
async fn stall<R: tokio::io::AsyncRead + Unpin>(r: &mut R) -> std::io::Result<()> {
    let mut sink = [0u8; 4096];
    while r.read(&mut sink).await? > 0 {}
    Ok(())
}

async fn serve(sock: TcpStream, trick: Trick, messages: u32, stats: Arc<Stats>) -> std::io::Result<()> {
    let _ = sock.set_nodelay(true);
    let (r, w) = sock.into_split();
    let mut r = BufReader::new(r);
    let mut out = Out { w, stats };
    let size_of = |n: u32| match trick {
        Trick::OversizeMessage { big } if n == 2 => big as usize,
        Trick::LyingSizes => 1000 << 10,
        _ => 300,
    };
    match trick {
        Trick::GarbageGreeting => {
            out.send(b"\x00\xff\xfe\x16\x03\x01 garbage ((( \x07\r\n").await?;
            return stall(&mut r).await;
        }
        _ => {
            out.send(b"* OK [CAPABILITY IMAP4rev1] hostile test server ready\r\n")
                .await?
        }
    }
    if trick == Trick::StallAfterGreeting {
        return stall(&mut r).await;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut words = line.trim_end().splitn(3, ' ');
        let tag = words.next().unwrap_or("*").to_string();
        let mut cmd = words.next().unwrap_or("").to_ascii_uppercase();
        let mut rest = words.next().unwrap_or("").to_string();
        if cmd == "UID" {
            let mut w = rest.splitn(2, ' ');
            cmd = format!("UID {}", w.next().unwrap_or("").to_ascii_uppercase());
            rest = w.next().unwrap_or("").to_string();
        }
        match cmd.as_str() {
            "CAPABILITY" if trick == Trick::GarbageAfterLogin => {
                out.send(b"\x01\x02\x03 ))) not imap at all \xff\xfe\r\n").await?;
                return stall(&mut r).await;
            }
            "CAPABILITY" => {
                out.send(format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n").as_bytes())
                    .await?
            }
            "LOGIN" if trick == Trick::EchoLoginNo => {
                let echo = line.trim_end();
                out.send(format!("{tag} NO [AUTHENTICATIONFAILED] cannot parse: {echo}\r\n").as_bytes())
                    .await?
            }
            "LOGIN" if trick == Trick::EchoLoginBye => {
                let echo = line.trim_end();
                out.send(format!("* BYE closing after {echo}\r\n").as_bytes()).await?;
                return Ok(());
            }
            "LOGIN" | "NOOP" | "ENABLE" | "CHECK" => out.send(format!("{tag} OK done\r\n").as_bytes()).await?,
            "LOGOUT" => {
                out.send(format!("* BYE bye\r\n{tag} OK done\r\n").as_bytes()).await?;
                return Ok(());
            }
            "LIST" if trick == Trick::HugeLineInList => {
                out.send(b"* LIST () \"/\" ").await?;
                return out.endless(&[b'a'; 64 << 10]).await;
            }
            "LIST" if trick == Trick::MillionFolders => {
                let mut block = String::new();
                for i in 0..1_000_000u32 {
                    block.push_str(&format!("* LIST (\\HasNoChildren) \"/\" \"Folder {i:07}\"\r\n"));
                    if block.len() > 64 << 10 {
                        if out.send(block.as_bytes()).await.is_err() {
                            out.stats.stream_ended.store(true, Ordering::SeqCst);
                            return Ok(());
                        }
                        block.clear();
                    }
                }
                block.push_str(&format!("{tag} OK done\r\n"));
                let sent = out.send(block.as_bytes()).await;
                out.stats.stream_ended.store(true, Ordering::SeqCst);
                sent?;
            }
            "LIST" => {
                out.send(format!("* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK done\r\n").as_bytes())
                    .await?
            }
            "LSUB" => {
                out.send(format!("* LSUB (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK done\r\n").as_bytes())
                    .await?
            }
            "STATUS" if trick == Trick::StallAfterSelect => return stall(&mut r).await,
            "STATUS" => {
                out.send(format!("* STATUS INBOX (MESSAGES {messages})\r\n{tag} OK done\r\n").as_bytes())
                    .await?
            }
            "SELECT" | "EXAMINE" => {
                out.send(
                    format!(
                        "* {messages} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n\
                         * OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT {}] ok\r\n{tag} OK [READ-ONLY] done\r\n",
                        messages + 1
                    )
                    .as_bytes(),
                )
                .await?
            }
            "UID FETCH" if trick == Trick::StallAfterSelect => return stall(&mut r).await,
            "UID FETCH" if rest.contains("HEADER") => {
                if trick == Trick::EndlessLiteral {
                    out.send(b"* 1 FETCH (UID 1 RFC822.SIZE 300 BODY[HEADER] {99999999999}\r\n")
                        .await?;
                    return out.endless(&[b'x'; 64 << 10]).await;
                }
                for n in 1..=messages {
                    let msg = message(n, size_of(n));
                    let header = header_of(&msg);
                    let reported = match trick {
                        Trick::LyingSizes | Trick::LyingLiteral => 100,
                        _ => msg.len(),
                    };
                    let mut resp = format!(
                        "* {n} FETCH (UID {n} FLAGS (\\Seen) INTERNALDATE \"05-Mar-2024 07:08:09 +0100\" \
                         RFC822.SIZE {reported} BODY[HEADER] {{{}}}\r\n",
                        header.len()
                    )
                    .into_bytes();
                    resp.extend_from_slice(header);
                    resp.extend_from_slice(b")\r\n");
                    out.send(&resp).await?;
                }
                out.send(format!("{tag} OK done\r\n").as_bytes()).await?;
            }
            "UID FETCH" => {
                let set = rest.split(' ').next().unwrap_or("").to_string();
                if let Ok(mut f) = out.stats.body_fetches.lock() {
                    f.push(set.clone());
                }
                match trick {
                    Trick::StallMidLiteral => {
                        out.send(b"* 1 FETCH (UID 1 BODY[] {1000}\r\n").await?;
                        out.send(&[b'y'; 100]).await?;
                        return stall(&mut r).await;
                    }
                    Trick::LyingLiteral => {
                        out.send(b"* 1 FETCH (UID 1 BODY[] {500000000}\r\n").await?;
                        return out.endless(&[b'z'; 64 << 10]).await;
                    }
                    _ => {}
                }
                let mut ended = false;
                for n in uids(&set, messages) {
                    let msg = message(n, size_of(n));
                    let mut resp = format!("* {n} FETCH (UID {n} BODY[] {{{}}}\r\n", msg.len()).into_bytes();
                    resp.extend_from_slice(&msg);
                    resp.extend_from_slice(b")\r\n");
                    if let Err(e) = out.send(&resp).await {
                        out.stats.stream_ended.store(true, Ordering::SeqCst);
                        ended = true;
                        if trick == Trick::LyingSizes {
                            break;
                        }
                        return Err(e);
                    }
                }
                if ended {
                    return Ok(());
                }
                out.stats.stream_ended.store(true, Ordering::SeqCst);
                out.send(format!("{tag} OK done\r\n").as_bytes()).await?;
            }
            _ => out.send(format!("{tag} BAD not here\r\n").as_bytes()).await?,
        }
    }
}

/// The UIDs of a set like `1:3,7` (only up to `messages`).
fn uids(set: &str, messages: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for part in set.split(',') {
        let (a, b) = part.split_once(':').unwrap_or((part, part));
        let a: u32 = a.parse().unwrap_or(1);
        let b: u32 = if b == "*" { messages } else { b.parse().unwrap_or(a) };
        out.extend((a.min(b)..=a.max(b)).filter(|n| *n >= 1 && *n <= messages));
    }
    out
}
