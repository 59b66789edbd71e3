//! The consent callback of the authorization-code flow: a small HTTP/1.1 listener (behind the
//! operator's HTTPS proxy at `[oauth] public_url`) where the provider sends the customer's
//! browser back with `?code=…&state=…`. The code goes to the flow waiting for that `state`;
//! the browser gets a short page saying what happened.
//!
//! It answers only `GET /oauth/callback` with a `state` it is waiting for; everything else is a
//! 404 and reaches nothing. Requests are read with a size cap and a deadline. Never logs a code.

use crate::secret::Secret;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// The path the provider redirects to, below `public_url`.
pub const PATH: &str = "/oauth/callback";

/// What came back for one `state`.
#[derive(Debug)]
pub enum Answer {
    /// The authorization code.
    Code(Secret),
    /// The customer (or the provider) said no: `error` and its description.
    Refused(String),
}

/// The texts of the pages the customer's browser shows (from the rules).
#[derive(Debug, Clone)]
pub struct Pages {
    /// After a code arrived.
    pub granted: String,
    /// After a refusal.
    pub refused: String,
    /// For a link that is unknown or used already.
    pub unknown: String,
}

type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Answer>>>>;

/// The running listener.
pub struct Callback {
    addr: SocketAddr,
    redirect_uri: String,
    waiting: Waiting,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Callback {
    /// Listens on `listen`; the provider is told to come back to `<public_url>/oauth/callback`.
    pub async fn bind(listen: SocketAddr, public_url: &str, pages: Pages) -> Result<Callback> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen for the consent callback on {listen}"))?;
        let addr = listener.local_addr()?;
        let waiting: Waiting = Arc::default();
        let shared = waiting.clone();
        let pages = Arc::new(pages);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (w, p) = (shared.clone(), pages.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), serve(stream, &w, &p)).await;
                });
            }
        });
        Ok(Callback {
            addr,
            redirect_uri: format!("{}{PATH}", public_url.trim_end_matches('/')),
            waiting,
            task,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The redirect URI registered with the provider.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the answer to `state` (one answer; the state is forgotten after it).
    pub fn expect(&self, state: &str) -> oneshot::Receiver<Answer> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(state.to_string(), tx);
        }
        rx
    }
}

async fn serve(mut stream: tokio::net::TcpStream, waiting: &Waiting, pages: &Pages) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 8192 {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let (status, page) = match answer(target, waiting) {
        Some(Answer::Code(_)) => ("200 OK", pages.granted.as_str()),
        Some(Answer::Refused(_)) => ("200 OK", pages.refused.as_str()),
        None => ("404 Not Found", pages.unknown.as_str()),
    };
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>mailferry</title><p>{}</p>\n",
        html_escape(page)
    );
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Hands the code or the refusal in `target`'s query to the flow waiting for its state; None
/// when the path is not ours or nobody waits for that state.
fn answer(target: &str, waiting: &Waiting) -> Option<Answer> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != PATH {
        return None;
    }
    let mut state = None;
    let mut code = None;
    let mut error = String::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "state" => state = Some(v.into_owned()),
            "code" => code = Some(Secret::new(v.into_owned())),
            "error" => error = format!("{v}{error}"),
            "error_description" => error.push_str(&format!(": {v}")),
            _ => {}
        }
    }
    let tx = waiting.lock().ok()?.remove(&state?)?;
    let result = match code {
        Some(c) if error.is_empty() => Answer::Code(c),
        _ => Answer::Refused(if error.is_empty() {
            "no code came back".into()
        } else {
            error
        }),
    };
    // The flow keeps what it needs; the browser is told the outcome.
    let shown = match &result {
        Answer::Code(_) => Answer::Code(Secret::new("")),
        Answer::Refused(w) => Answer::Refused(w.clone()),
    };
    let _ = tx.send(result);
    Some(shown)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_waited_for_state_on_our_path_is_answered() {
        let waiting: Waiting = Arc::default();
        let (tx, mut rx) = oneshot::channel();
        waiting.lock().unwrap().insert("s1".into(), tx);
        assert!(answer("/other?state=s1&code=c", &waiting).is_none());
        assert!(answer("/oauth/callback?state=nope&code=c", &waiting).is_none());
        assert!(matches!(
            answer("/oauth/callback?state=s1&code=c%2F1", &waiting),
            Some(Answer::Code(_))
        ));
        match rx.try_recv() {
            Ok(Answer::Code(c)) => assert_eq!(c.expose(), "c/1"),
            other => panic!("{other:?}"),
        }
        assert!(
            answer("/oauth/callback?state=s1&code=c", &waiting).is_none(),
            "used once"
        );
        let (tx, mut rx) = oneshot::channel();
        waiting.lock().unwrap().insert("s2".into(), tx);
        answer(
            "/oauth/callback?state=s2&error=access_denied&error_description=no",
            &waiting,
        );
        assert!(matches!(rx.try_recv(), Ok(Answer::Refused(w)) if w == "access_denied: no"));
    }
}
