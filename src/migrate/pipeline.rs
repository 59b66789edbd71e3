//! Pipelined APPEND over the raw stream of an IMAP session (RFC 7888 LITERAL+).
//!
//! async-imap sends one APPEND, waits for the server's `+` continuation, sends the message and
//! waits for the tagged OK: on a fast link those two round trips per message, not the bytes,
//! limit a copy. When the destination advertises LITERAL+, this module writes many
//! `APPEND mailbox (flags) "date" {n+}` commands back to back and reads the tagged responses
//! as they come, with at most `window` commands outstanding. A tagged NO or BAD becomes that
//! message's error in the server's own words; the other messages go on.
//!
//! It borrows the stream of an authenticated session between two async-imap commands (no
//! async-imap command may be outstanding), uses its own tags (`MF1`, `MF2`, …) and reads up to
//! the end of its last tagged response plus complete untagged lines (such as `* 12 EXISTS`), so
//! the session can be used again afterwards.
//!
//! It must never send a command line the server could misparse: with a non-synchronizing
//! literal, a command line the server rejects before it reaches `{n+}` would make it read the
//! message itself as commands. So the folder name, the flags and the date are checked here, and
//! a message whose arguments cannot be sent safely is refused locally. It never logs a body.

#[cfg(test)]
use crate::imapconn::wire::literal_size;
pub use crate::imapconn::wire::WireError as PipelineError;
use crate::imapconn::wire::{clip, quoted, LineReader};
use std::collections::VecDeque;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// One message to append.
#[derive(Debug, Clone, Copy)]
pub struct Append<'a> {
    /// The folder's raw (modified UTF-7) name.
    pub mailbox: &'a str,
    /// Flags and keywords, e.g. `["\\Seen", "Work"]`.
    pub flags: &'a [String],
    /// INTERNALDATE, already in the IMAP form with its quotes: `"05-Mar-2024 07:08:09 +0100"`.
    pub date: Option<&'a str>,
    /// The message, byte for byte.
    pub body: &'a [u8],
}

/// What became of one message: `Ok` with the `(UIDVALIDITY, UID)` of its `APPENDUID` response
/// code (RFC 4315, when the server sends one), or the server's words when it refused.
pub type Outcome = Result<Option<(u32, u32)>, String>;

/// Bodies up to this size are copied into the write buffer; larger ones are written directly.
const COALESCE: usize = 64 << 10;

/// Appends `items` in order over `stream` and returns one outcome per item, in the same order.
///
/// With `group` > 1 (the server has MULTIAPPEND, RFC 3502), consecutive messages for the same
/// folder travel in one command of up to `group` messages: the server stores them in one
/// transaction, all or none. When such a command is refused, its messages are sent again one
/// per command, so only the message the server refuses fails. At most `window` commands are
/// outstanding.
pub async fn append_pipelined<S>(
    stream: &mut S,
    items: &[Append<'_>],
    window: usize,
    group: usize,
) -> Result<Vec<Outcome>, PipelineError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut outcomes: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut commands: Vec<Vec<usize>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Err(reason) = check(item) {
            outcomes[i] = Some(Err(reason));
            continue;
        }
        match commands.last_mut() {
            Some(c) if c.len() < group.max(1) && items[c[0]].mailbox == item.mailbox => c.push(i),
            _ => commands.push(vec![i]),
        }
    }
    let mut conn = Conn {
        reader: LineReader::default(),
        next_tag: 1,
    };
    let mut retry: Vec<Vec<usize>> = Vec::new();
    for (cmd, result) in commands.iter().zip(conn.round(stream, items, &commands, window).await?) {
        match result {
            Ok(uids) => {
                for (k, &i) in cmd.iter().enumerate() {
                    outcomes[i] = Some(Ok(uids.as_ref().and_then(|(v, u)| u.get(k).map(|uid| (*v, *uid)))));
                }
            }
            Err(_) if cmd.len() > 1 => retry.extend(cmd.iter().map(|&i| vec![i])),
            Err(text) => outcomes[cmd[0]] = Some(Err(text)),
        }
    }
    if !retry.is_empty() {
        for (cmd, result) in retry.iter().zip(conn.round(stream, items, &retry, window).await?) {
            outcomes[cmd[0]] = Some(result.map(|uids| uids.and_then(|(v, u)| u.first().map(|uid| (v, *uid)))));
        }
    }
    conn.reader.drain_untagged(stream).await?;
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err("no answer from the server".into())))
        .collect())
}

/// A command's result: the `APPENDUID` (validity, UIDs in message order) or the server's words.
type CommandResult = Result<Option<(u32, Vec<u32>)>, String>;

struct Conn {
    reader: LineReader,
    next_tag: u64,
}

impl Conn {
    /// Sends `commands` (each a list of item indexes, one folder) with at most `window`
    /// outstanding and returns each command's result.
    async fn round<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        items: &[Append<'_>],
        commands: &[Vec<usize>],
        window: usize,
    ) -> Result<Vec<CommandResult>, PipelineError> {
        let window = window.max(1);
        let mut results: Vec<Option<CommandResult>> = vec![None; commands.len()];
        let mut out: Vec<u8> = Vec::with_capacity(2 * COALESCE);
        let mut outstanding: VecDeque<(u64, usize)> = VecDeque::new();
        let mut next = 0;
        let mut answered = 0;
        while answered < commands.len() {
            while next < commands.len() && outstanding.len() < window {
                let tag = self.next_tag;
                self.next_tag += 1;
                let cmd = &commands[next];
                for (k, &i) in cmd.iter().enumerate() {
                    let item = &items[i];
                    let head = if k == 0 {
                        format!("MF{tag} APPEND {}", quoted(item.mailbox).unwrap_or_default())
                    } else {
                        String::new()
                    };
                    out.extend_from_slice(head.as_bytes());
                    out.extend_from_slice(message_args(item).as_bytes());
                    if item.body.len() <= COALESCE {
                        out.extend_from_slice(item.body);
                    } else {
                        stream.write_all(&out).await?;
                        out.clear();
                        stream.write_all(item.body).await?;
                    }
                    if out.len() >= COALESCE {
                        stream.write_all(&out).await?;
                        out.clear();
                    }
                }
                out.extend_from_slice(b"\r\n");
                outstanding.push_back((tag, next));
                next += 1;
            }
            if !out.is_empty() {
                stream.write_all(&out).await?;
                out.clear();
            }
            stream.flush().await?;
            // Wait for one tagged response; untagged ones (EXISTS, RECENT, …) are skipped.
            loop {
                let line = self.reader.next_response(stream).await?;
                match parse_tagged(&line) {
                    Some((tag, status, text)) => {
                        let pos = tag
                            .strip_prefix("MF")
                            .and_then(|n| n.parse::<u64>().ok())
                            .and_then(|n| outstanding.iter().position(|&(t, _)| t == n))
                            .ok_or_else(|| {
                                PipelineError::Protocol(format!("a response for unknown tag {}", clip(tag)))
                            })?;
                        let Some((_, idx)) = outstanding.remove(pos) else {
                            return Err(PipelineError::Protocol("lost track of a command".into()));
                        };
                        results[idx] = Some(match status {
                            Status::Ok => Ok(append_uids(text, commands[idx].len())),
                            Status::No | Status::Bad => Err(clip(text)),
                        });
                        answered += 1;
                        break;
                    }
                    None if line.starts_with(b"* BYE") => {
                        self.reader.bye = Some(clip(String::from_utf8_lossy(&line[5..]).trim()));
                    }
                    None if line.starts_with(b"* ") || line.starts_with(b"+") => {}
                    None => return Err(PipelineError::Protocol(clip(&String::from_utf8_lossy(&line)))),
                }
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("no answer from the server".into())))
            .collect())
    }
}

/// Why an item cannot be sent safely, if it cannot.
fn check(item: &Append<'_>) -> Result<(), String> {
    quoted(item.mailbox).ok_or("the folder name cannot be sent to the server")?;
    for f in item.flags {
        if !valid_flag(f) {
            return Err(format!("the flag {} cannot be set on our server", clip(f)));
        }
    }
    if let Some(d) = item.date {
        if !(d.len() == 28 && d.starts_with('"') && d.ends_with('"') && d.bytes().all(|b| (32..127).contains(&b))) {
            return Err("the message date cannot be sent to the server".into());
        }
    }
    Ok(())
}

/// ` (flags) "date" {size+}\r\n`: one message's part of an APPEND (checked by [`check`]).
fn message_args(item: &Append<'_>) -> String {
    let mut s = format!(" ({})", item.flags.join(" "));
    if let Some(d) = item.date {
        s.push(' ');
        s.push_str(d);
    }
    s.push_str(&format!(" {{{}+}}\r\n", item.body.len()));
    s
}

/// A system flag we know, or a keyword made of atom characters.
pub fn valid_flag(f: &str) -> bool {
    const SYSTEM: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];
    if f.starts_with('\\') {
        return SYSTEM.iter().any(|s| s.eq_ignore_ascii_case(f));
    }
    !f.is_empty()
        && f.bytes()
            .all(|b| b > 32 && b < 127 && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    No,
    Bad,
}

/// `TAG OK|NO|BAD text` for a tagged line; `None` for untagged lines and continuations.
fn parse_tagged(line: &[u8]) -> Option<(&str, Status, &str)> {
    if line.starts_with(b"* ") || line.starts_with(b"+") {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    let (tag, rest) = text.split_once(' ')?;
    let (status, info) = rest.split_once(' ').unwrap_or((rest, ""));
    let status = match status.to_ascii_uppercase().as_str() {
        "OK" => Status::Ok,
        "NO" => Status::No,
        "BAD" => Status::Bad,
        _ => return None,
    };
    Some((tag, status, info.trim()))
}

/// `(uidvalidity, UIDs)` from an `[APPENDUID v set]` response code, when the set names exactly
/// `count` messages (RFC 4315 lists them in the order they were appended).
fn append_uids(text: &str, count: usize) -> Option<(u32, Vec<u32>)> {
    let rest = text.strip_prefix('[')?;
    let (code, _) = rest.split_once(']')?;
    let mut words = code.split(' ');
    if !words.next()?.eq_ignore_ascii_case("APPENDUID") {
        return None;
    }
    let validity = words.next()?.parse().ok()?;
    let mut uids = Vec::with_capacity(count);
    for part in words.next()?.split(',') {
        let (a, b) = part.split_once(':').unwrap_or((part, part));
        let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        let (lo, hi) = (a.min(b), a.max(b));
        if (hi - lo) as usize >= count.saturating_sub(uids.len()) {
            return None;
        }
        uids.extend(lo..=hi);
    }
    (uids.len() == count).then_some((validity, uids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

    fn flags(f: &[&str]) -> Vec<String> {
        f.iter().map(|s| s.to_string()).collect()
    }

    /// A server on the other end of a duplex pipe: reads each APPEND with its literal and
    /// answers with `reply(n, body)` (the lines to send, CRLF added), after `* n EXISTS`.
    async fn serve(
        server: tokio::io::DuplexStream,
        expect: usize,
        reply: impl Fn(usize, &[u8]) -> Vec<String>,
    ) -> Vec<(String, Vec<u8>)> {
        let (r, mut w) = tokio::io::split(server);
        let mut r = BufReader::new(r);
        let mut seen = Vec::new();
        for n in 1..=expect {
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap();
            let line = line.trim_end().to_string();
            let size: usize = line[line.rfind('{').unwrap() + 1..line.len() - 2].parse().unwrap();
            let mut body = vec![0u8; size + 2];
            r.read_exact(&mut body).await.unwrap();
            assert_eq!(&body[size..], b"\r\n");
            body.truncate(size);
            let mut out = format!("* {n} EXISTS\r\n");
            for l in reply(n, &body) {
                out.push_str(&l);
                out.push_str("\r\n");
            }
            w.write_all(out.as_bytes()).await.unwrap();
            seen.push((line, body));
        }
        seen
    }

    #[tokio::test]
    async fn a_refused_message_in_the_middle_fails_alone() {
        let (mut client, server) = tokio::io::duplex(4096);
        let bodies: Vec<Vec<u8>> = (0..10)
            .map(|i| format!("Subject: m{i}\r\n\r\n{}\r\n", "x".repeat(i * 1000)).into_bytes())
            .collect();
        let fl = flags(&["\\Seen", "Work"]);
        let items: Vec<Append<'_>> = bodies
            .iter()
            .map(|b| Append {
                mailbox: "Archive/2024",
                flags: &fl,
                date: Some("\"05-Mar-2024 07:08:09 +0100\""),
                body: b,
            })
            .collect();
        let server = tokio::spawn(serve(server, 10, |n, _| {
            if n == 4 {
                vec![format!(
                    "MF{n} NO [OVERQUOTA] Quota exceeded (mailbox for user is full)"
                )]
            } else {
                vec![format!("MF{n} OK [APPENDUID 7 {n}] Append completed.")]
            }
        }));
        let out = append_pipelined(&mut client, &items, 3, 1).await.unwrap();
        let seen = server.await.unwrap();
        assert_eq!(out.len(), 10);
        for (i, o) in out.iter().enumerate() {
            if i == 3 {
                assert_eq!(
                    o.as_ref().unwrap_err(),
                    "[OVERQUOTA] Quota exceeded (mailbox for user is full)"
                );
            } else {
                assert_eq!(o, &Ok(Some((7, i as u32 + 1))), "{i}");
            }
        }
        assert_eq!(
            seen[0].0,
            "MF1 APPEND \"Archive/2024\" (\\Seen Work) \"05-Mar-2024 07:08:09 +0100\" {17+}"
        );
        for (i, (_, body)) in seen.iter().enumerate() {
            assert_eq!(body, &bodies[i], "message {i} arrived altered");
        }
    }

    #[tokio::test]
    async fn responses_out_of_order_and_with_literals_are_matched_by_tag() {
        let (mut client, mut server) = tokio::io::duplex(1 << 16);
        let fl = flags(&[]);
        let items: Vec<Append<'_>> = ["a", "b"]
            .iter()
            .map(|b| Append {
                mailbox: "INBOX",
                flags: &fl,
                date: None,
                body: b.as_bytes(),
            })
            .collect();
        let srv = tokio::spawn(async move {
            let mut got = vec![0u8; 0];
            let want = b"MF1 APPEND \"INBOX\" () {1+}\r\na\r\nMF2 APPEND \"INBOX\" () {1+}\r\nb\r\n";
            while got.len() < want.len() {
                let mut b = [0u8; 256];
                let n = server.read(&mut b).await.unwrap();
                got.extend_from_slice(&b[..n]);
            }
            assert_eq!(got, want);
            server
                .write_all(b"* 1 FETCH (BODY[] {5}\r\nMF1 O)\r\nMF2 BAD [CANNOT] no\r\nMF1 OK done\r\n* 3 RECENT\r\n")
                .await
                .unwrap();
            server
        });
        let out = append_pipelined(&mut client, &items, 8, 1).await.unwrap();
        assert_eq!(out, vec![Ok(None), Err("[CANNOT] no".to_string())]);
        drop(srv.await.unwrap());
    }

    #[tokio::test]
    async fn a_closed_connection_is_an_error_with_the_bye_text() {
        let (mut client, mut server) = tokio::io::duplex(1 << 16);
        let fl = flags(&[]);
        let items = [Append {
            mailbox: "INBOX",
            flags: &fl,
            date: None,
            body: b"x",
        }];
        tokio::spawn(async move {
            let mut b = [0u8; 256];
            let _ = server.read(&mut b).await;
            server.write_all(b"* BYE Shutting down\r\n").await.unwrap();
        });
        match append_pipelined(&mut client, &items, 8, 1).await {
            Err(PipelineError::Closed(Some(t))) => assert_eq!(t, "Shutting down"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn unsafe_arguments_are_refused_without_sending() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let bad = flags(&["Work (x)"]);
        let good = flags(&["$Forwarded"]);
        let items = [
            Append {
                mailbox: "INBOX",
                flags: &bad,
                date: None,
                body: b"1",
            },
            Append {
                mailbox: "IN\r\nBOX",
                flags: &good,
                date: None,
                body: b"2",
            },
            Append {
                mailbox: "INBOX",
                flags: &good,
                date: None,
                body: b"3",
            },
        ];
        let srv = tokio::spawn(serve(server, 1, |n, _| vec![format!("MF{n} OK")]));
        let out = append_pipelined(&mut client, &items, 8, 1).await.unwrap();
        assert!(out[0].as_ref().unwrap_err().contains("Work (x)"));
        assert!(out[1].is_err());
        assert!(out[2].is_ok());
        let seen = srv.await.unwrap();
        assert_eq!(seen[0].0, "MF1 APPEND \"INBOX\" ($Forwarded) {1+}");
        assert_eq!(seen[0].1, b"3");
    }

    /// Reads one command with its literals: (the text around the literals, the literals).
    async fn read_command<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> (String, Vec<Vec<u8>>) {
        let (mut text, mut bodies) = (String::new(), Vec::new());
        loop {
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap();
            let line = line.trim_end_matches("\r\n").to_string();
            text.push_str(&line);
            let Some(open) = line.strip_suffix("+}").and_then(|l| l.rfind('{')) else {
                return (text, bodies);
            };
            let size: usize = line[open + 1..line.len() - 2].parse().unwrap();
            let mut body = vec![0u8; size];
            r.read_exact(&mut body).await.unwrap();
            bodies.push(body);
        }
    }

    #[tokio::test]
    async fn a_refused_multiappend_is_retried_one_message_at_a_time() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let bodies: Vec<Vec<u8>> = ["one", "", "three", "four"]
            .iter()
            .map(|b| b.as_bytes().to_vec())
            .collect();
        let fl = flags(&["\\Seen"]);
        let items: Vec<Append<'_>> = bodies
            .iter()
            .map(|b| Append {
                mailbox: "INBOX",
                flags: &fl,
                date: None,
                body: b,
            })
            .collect();
        let srv = tokio::spawn(async move {
            let (r, mut w) = tokio::io::split(server);
            let mut r = BufReader::new(r);
            let mut seen = Vec::new();
            // Two MULTIAPPENDs of 3 and 1; the first holds the empty message and is refused whole.
            let (first, b1) = read_command(&mut r).await;
            let (second, b2) = read_command(&mut r).await;
            w.write_all(b"MF1 NO Can't save a zero byte message\r\n* 1 EXISTS\r\nMF2 OK [APPENDUID 9 1] done\r\n")
                .await
                .unwrap();
            seen.push((first, b1));
            seen.push((second, b2));
            // Then the first three again, one per command.
            for n in 3..=5 {
                let (cmd, b) = read_command(&mut r).await;
                let reply = if b[0].is_empty() {
                    format!("MF{n} NO Can't save a zero byte message\r\n")
                } else {
                    format!("MF{n} OK [APPENDUID 9 {n}] done\r\n")
                };
                w.write_all(reply.as_bytes()).await.unwrap();
                seen.push((cmd, b));
            }
            seen
        });
        let out = append_pipelined(&mut client, &items, 8, 3).await.unwrap();
        assert_eq!(
            out,
            vec![
                Ok(Some((9, 3))),
                Err("Can't save a zero byte message".to_string()),
                Ok(Some((9, 5))),
                Ok(Some((9, 1)))
            ]
        );
        let seen = srv.await.unwrap();
        assert_eq!(
            seen[0].0,
            "MF1 APPEND \"INBOX\" (\\Seen) {3+} (\\Seen) {0+} (\\Seen) {5+}"
        );
        assert_eq!(seen[0].1, vec![b"one".to_vec(), vec![], b"three".to_vec()]);
        assert_eq!(seen[1].0, "MF2 APPEND \"INBOX\" (\\Seen) {4+}");
        assert_eq!(seen[2].0, "MF3 APPEND \"INBOX\" (\\Seen) {3+}");
        assert_eq!(seen[4].1, vec![b"three".to_vec()]);
    }

    #[test]
    fn flags_and_names_are_checked() {
        assert!(valid_flag("\\Seen") && valid_flag("$Forwarded") && valid_flag("Work"));
        assert!(!valid_flag("\\Recent") && !valid_flag("a b") && !valid_flag("") && !valid_flag("x]"));
        assert_eq!(quoted("a\"b\\c").unwrap(), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("Gr&APw-"), Some("\"Gr&APw-\"".into()));
        assert_eq!(quoted("Grü"), None);
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {123}"), Some(123));
        assert_eq!(literal_size(b"* OK {x}"), None);
        assert_eq!(
            append_uids("[APPENDUID 17 4242] Append completed.", 1),
            Some((17, vec![4242]))
        );
        assert_eq!(append_uids("[APPENDUID 17 5:7,9] ok", 4), Some((17, vec![5, 6, 7, 9])));
        assert_eq!(append_uids("[APPENDUID 17 1:4000000000] ok", 4), None);
        assert_eq!(append_uids("[APPENDUID 17 5:7] ok", 4), None);
        assert_eq!(append_uids("Append completed.", 1), None);
        assert_eq!(append_uids("[APPENDUID 17] x", 1), None);
    }
}
