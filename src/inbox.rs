//! The support inbox watcher: one IMAP session on the support mailbox.
//!
//! It reads new mail by UID (never sequence numbers), hands each raw message to a handler and
//! moves its position forward only after the handler has made the outcome durable, so a crash
//! means a mail is read again (and deduplicated by Message-ID), never lost. It waits with IDLE,
//! capped by a wall-clock deadline under 29 minutes, or polls when the server has no IDLE;
//! on any error it drops the session and reconnects with jittered backoff.
//! It must never change what staff see: bodies are fetched with BODY.PEEK (unread stays unread).

use crate::config::Config;
use crate::imapconn::{self, endpoint, Credentials, Endpoint, Session};
use crate::mailhead::MailHead;
use crate::store::{Change, Store};
use anyhow::{Context, Result};
use futures::TryStreamExt;
use rand::Rng;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How many messages are fetched per round trip.
const BATCH: usize = 50;
/// A single command on the support mailbox (SELECT, DONE) that takes longer means a dead link.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Reading and handling one round of new mail.
const READ_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What the watcher needs to know about one new mail.
#[derive(Debug)]
pub struct IncomingMail {
    /// Its UID in the watched folder.
    pub uid: u32,
    /// The raw RFC 5322 bytes.
    pub raw: Vec<u8>,
    /// Its header section, read once here for everyone who looks at headers beside intake.
    pub head: MailHead,
}

impl IncomingMail {
    /// A mail with UID `uid` and these bytes; its header is read now.
    pub fn new(uid: u32, raw: Vec<u8>) -> IncomingMail {
        let head = MailHead::read(&raw);
        IncomingMail { uid, raw, head }
    }
}

/// What to do with a mail once its outcome is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Leave it where it is, unread state untouched (not for us, or for staff to read).
    Keep,
    /// A request or command that was handled: file it in the processed folder.
    Processed,
    /// Refused or machine mail: file it in the rejected folder.
    Rejected,
    /// Unreadable or too large: file it in the quarantine folder.
    Quarantine,
    /// A handled request that carried passwords: delete it from the support mailbox, filing a
    /// note without them (who, when, subject, ticket) in the processed folder.
    Expunge,
}

/// Connection details for the support mailbox (see [`endpoint::support_inbox`]).
pub fn support_endpoint(cfg: &Config) -> Result<(Endpoint, Credentials)> {
    endpoint::support_inbox(cfg)
}

/// Watches the support folder until `shutdown` turns true; `handle` must make its outcome
/// durable before it returns Ok.
pub async fn watch<H, F>(cfg: Arc<Config>, store: Store, shutdown: watch::Receiver<bool>, handle: H) -> Result<()>
where
    H: Fn(IncomingMail) -> F + Send + Sync,
    F: Future<Output = Result<Disposition>> + Send,
{
    watch_observed(cfg, store, shutdown, &NoObserver, handle).await
}

/// Like [`watch`], telling `observer` how the connection stands.
pub async fn watch_observed<H, F>(
    cfg: Arc<Config>,
    store: Store,
    mut shutdown: watch::Receiver<bool>,
    observer: &dyn InboxObserver,
    handle: H,
) -> Result<()>
where
    H: Fn(IncomingMail) -> F + Send + Sync,
    F: Future<Output = Result<Disposition>> + Send,
{
    let (ep, creds) = support_endpoint(&cfg)?;
    let mut failures: u32 = 0;
    observer.inbox_state(WatchState::Connecting, None);
    while !*shutdown.borrow() {
        let result = session_loop(
            &cfg,
            &store,
            &ep,
            &creds,
            &mut shutdown,
            &handle,
            &mut failures,
            observer,
        )
        .await;
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = result {
            observer.inbox_state(WatchState::Down, Some(&format!("{e:#}")));
            failures += 1;
            let delay = backoff_capped(failures, cfg.retry.max_delay());
            // The log says it once when it starts and once when it ends; staff get a notice
            // when it lasts (daemon::outages).
            if failures == 1 {
                tracing::warn!(error = %format!("{e:#}"), "support inbox unreachable; retrying with backoff");
            } else {
                tracing::debug!(error = %format!("{e:#}"), retry_in = ?delay, "support inbox still unreachable");
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    Ok(())
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    let base = 1u64 << failures.min(8).saturating_sub(1);
    let secs = base.min(300) as f64;
    let jitter = rand::thread_rng().gen_range(0.5..1.0);
    Duration::from_secs_f64(secs * jitter)
}

/// [`backoff`], never longer than `cap`.
pub fn backoff_capped(failures: u32, cap: Duration) -> Duration {
    backoff(failures).min(cap)
}

#[allow(clippy::too_many_arguments)]
async fn session_loop<H, F>(
    cfg: &Config,
    store: &Store,
    ep: &Endpoint,
    creds: &Credentials,
    shutdown: &mut watch::Receiver<bool>,
    handle: &H,
    failures: &mut u32,
    observer: &dyn InboxObserver,
) -> Result<()>
where
    H: Fn(IncomingMail) -> F,
    F: Future<Output = Result<Disposition>>,
{
    let mut session = imapconn::connect_with(ep, creds, support_limits(cfg))
        .await
        .context("support inbox login")?;
    let has_idle = session.capabilities().await?.has_str("IDLE");
    let folder = cfg.support.folder.clone();
    if *failures > 0 {
        tracing::info!(after_attempts = *failures, "support inbox reachable again");
        *failures = 0;
    }
    tracing::info!(folder = %folder, idle = has_idle, "support inbox: connected");
    loop {
        observer.inbox_state(WatchState::Connected, None);
        let mailbox = session
            .select(&folder)
            .await
            .with_context(|| format!("selecting {folder}"))?;
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        let last_uid = match store.inbox_position()? {
            Some((uv, uid)) if uv == uidvalidity => uid,
            Some(_) => {
                tracing::warn!("support inbox: UIDVALIDITY changed, rescanning (Message-IDs prevent doubles)");
                0
            }
            None => 0,
        };
        if mailbox.exists > 0 {
            tokio::time::timeout(
                READ_TIMEOUT,
                read_new(&mut session, cfg, store, uidvalidity, last_uid, handle, observer),
            )
            .await
            .map_err(|_| anyhow::anyhow!("reading new support mail took over {READ_TIMEOUT:?}; reconnecting"))??;
        }
        observer.inbox_state(WatchState::Idle, None);
        if *shutdown.borrow() {
            let _ = session.logout().await;
            return Ok(());
        }
        session = if has_idle {
            idle_once(session, cfg, shutdown).await?
        } else {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(cfg.support.poll_seconds)) => {}
                _ = shutdown.changed() => {}
            }
            session
        };
    }
}

async fn read_new<H, F>(
    session: &mut Session,
    cfg: &Config,
    store: &Store,
    uidvalidity: u32,
    last_uid: u32,
    handle: &H,
    observer: &dyn InboxObserver,
) -> Result<()>
where
    H: Fn(IncomingMail) -> F,
    F: Future<Output = Result<Disposition>>,
{
    let uids: Vec<u32> = {
        let mut v: Vec<u32> = session
            .uid_search(format!("UID {}:*", last_uid.saturating_add(1)))
            .await?
            .into_iter()
            .filter(|u| *u > last_uid)
            .collect();
        v.sort_unstable();
        v
    };
    let folders = &cfg.support.folders;
    for chunk in uids.chunks(BATCH) {
        let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        // Sizes first: a mail over the cap is never fetched whole.
        let sizes: Vec<(u32, u32)> = {
            let fetched: Vec<_> = session
                .uid_fetch(&set, "(UID RFC822.SIZE)")
                .await?
                .try_collect()
                .await?;
            fetched.iter().filter_map(|f| Some((f.uid?, f.size?))).collect()
        };
        let mut wanted = Vec::new();
        let mut oversize = Vec::new();
        for (uid, size) in sizes {
            if u64::from(size) > cfg.support.max_mail_bytes {
                oversize.push(uid);
            } else {
                wanted.push(uid);
            }
        }
        let mut mails: Vec<IncomingMail> = if wanted.is_empty() {
            Vec::new()
        } else {
            let set = wanted.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let fetched: Vec<_> = session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await?
                .try_collect()
                .await?;
            fetched
                .iter()
                .filter_map(|f| Some(IncomingMail::new(f.uid?, f.body()?.to_vec())))
                .collect()
        };
        mails.sort_by_key(|m| m.uid);
        let mut outcomes: Vec<(u32, Disposition)> = oversize
            .iter()
            .map(|u| {
                tracing::warn!(
                    uid = u,
                    cap = cfg.support.max_mail_bytes,
                    "support mail over the size cap; quarantined for staff"
                );
                observer.oversize_quarantined();
                (*u, Disposition::Quarantine)
            })
            .collect();
        let mut heads = std::collections::HashMap::new();
        for mail in mails {
            let uid = mail.uid;
            let head = (mail.head.clone(), mail.raw.len());
            let d = handle(mail)
                .await
                .with_context(|| format!("handling support mail UID {uid}"))?;
            if d == Disposition::Expunge {
                heads.insert(uid, head);
            }
            outcomes.push((uid, d));
        }
        outcomes.sort_by_key(|(u, _)| *u);
        for (uid, disposition) in outcomes {
            if disposition == Disposition::Expunge {
                // Deleted before the position moves on: a crash in between reads it again
                // (its outcome is known by Message-ID) rather than leaving it behind.
                let (head, size) = heads.remove(&uid).unwrap_or_default();
                let selected = Selected {
                    folder: &cfg.support.folder,
                    uidvalidity,
                };
                expunge_request(session, store, &selected, uid, &folders.processed, &head, size).await?;
            }
            let folder = match disposition {
                Disposition::Keep | Disposition::Expunge => "",
                Disposition::Processed => folders.processed.as_str(),
                Disposition::Rejected => folders.rejected.as_str(),
                Disposition::Quarantine => folders.quarantine.as_str(),
            };
            // The mail is filed before the position moves past it: a crash in between leaves
            // it in the folder to be read again (its Message-ID says it was handled, so it is
            // only filed then), never handled but left lying in the inbox.
            crate::failpoint::hit("inbox.before_file");
            if !folder.is_empty() {
                file_mail(session, uid, folder).await?;
            }
            let mut change = Change::new();
            store.set_inbox_position(&mut change, uidvalidity, uid);
            store.commit(change).await?;
        }
    }
    Ok(())
}

/// Moves one mail to `folder`, creating the folder the first time.
async fn file_mail(session: &mut Session, uid: u32, folder: &str) -> Result<()> {
    if session.uid_mv(uid.to_string(), folder).await.is_ok() {
        return Ok(());
    }
    let _ = session.create(folder).await;
    session
        .uid_mv(uid.to_string(), folder)
        .await
        .with_context(|| format!("moving support mail UID {uid} to {folder}"))
}

/// The support folder as selected for reading: its name and UIDVALIDITY.
struct Selected<'a> {
    folder: &'a str,
    uidvalidity: u32,
}

/// Deletes a handled request mail that carried passwords, after filing a note without them in
/// `note_folder` (none when it is ""). UID EXPUNGE (UIDPLUS) touches only this mail.
///
/// The note is filed exactly once, whatever the moment of a crash: the store records that a
/// note is about to be appended ("pending"), the note carries an `X-Mailferry-Note` tag, and the
/// store records the note as filed after the APPEND. A mail read again after a crash between
/// the two looks for its tag in the note folder before appending.
async fn expunge_request(
    session: &mut Session,
    store: &Store,
    selected: &Selected<'_>,
    uid: u32,
    note_folder: &str,
    head: &MailHead,
    size: usize,
) -> Result<()> {
    let message_id = head
        .first("message-id")
        .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>').to_string());
    let tag = note_tag(message_id.as_deref(), head.block());
    // A mail read again after a crash (deleted, but the position not yet past it) gets no
    // second note: the store remembers the note by the mail's Message-ID (or its header).
    let filed_key = format!("note filed for {}", message_id.as_deref().unwrap_or(&tag));
    let pending_key = format!("note pending for {tag}");
    if !note_folder.is_empty() && store.handled(&filed_key)?.is_none() {
        let maybe_filed = store.handled(&pending_key)?.is_some();
        if !(maybe_filed && note_present(session, selected, note_folder, &tag).await?) {
            let ticket = message_id
                .as_deref()
                .and_then(|id| store.handled(id).ok().flatten())
                .filter(|o| o.starts_with("MIG-"));
            let mut note = format!("X-Mailferry-Note: {tag}\r\n").into_bytes();
            note.extend(crate::security::note::redacted_note(head, size, ticket.as_deref()));
            let mut change = Change::new();
            change.handled(&pending_key, note_folder);
            store.commit(change).await?;
            if session
                .append(note_folder, Some("(\\Seen)"), None, &note)
                .await
                .is_err()
            {
                let _ = session.create(note_folder).await;
                session
                    .append(note_folder, Some("(\\Seen)"), None, &note)
                    .await
                    .with_context(|| format!("filing the note for support mail UID {uid} in {note_folder}"))?;
            }
            crate::failpoint::hit("inbox.note_appended_not_recorded");
        }
        let mut change = Change::new();
        change.handled(&filed_key, note_folder);
        store.commit(change).await?;
    }
    crate::failpoint::hit("inbox.noted_not_deleted");
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Deleted)")
        .await?
        .try_collect()
        .await
        .with_context(|| format!("marking support mail UID {uid} deleted"))?;
    if session.capabilities().await?.has_str("UIDPLUS") {
        let _: Vec<_> = session.uid_expunge(uid.to_string()).await?.try_collect().await?;
    } else {
        // Without UIDPLUS only a plain EXPUNGE exists; it also removes mail staff marked deleted.
        let _: Vec<_> = session.expunge().await?.try_collect().await?;
    }
    tracing::info!(uid, "request mail with passwords deleted from the support mailbox");
    Ok(())
}

/// The tag a request's note carries: a hash of the request's Message-ID, or of its header when
/// it has none (hex, so it needs no quoting in a SEARCH).
fn note_tag(message_id: Option<&str>, head: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = match message_id {
        Some(id) => Sha256::digest(id.as_bytes()),
        None => Sha256::digest(head),
    };
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Whether a note tagged `tag` is in `note_folder` already; selects the support folder again
/// afterwards (and fails if its UIDVALIDITY changed meanwhile: the round is read again).
async fn note_present(session: &mut Session, selected: &Selected<'_>, note_folder: &str, tag: &str) -> Result<bool> {
    let found = match session.examine(note_folder).await {
        Ok(_) => !session
            .uid_search(format!("HEADER X-Mailferry-Note {tag}"))
            .await
            .with_context(|| format!("looking for an earlier note in {note_folder}"))?
            .is_empty(),
        // No note folder yet: no note either.
        Err(_) => false,
    };
    let mailbox = session
        .select(selected.folder)
        .await
        .with_context(|| format!("selecting {} again", selected.folder))?;
    anyhow::ensure!(
        mailbox.uid_validity.unwrap_or(0) == selected.uidvalidity,
        "the UIDVALIDITY of {} changed while filing a note",
        selected.folder
    );
    Ok(found)
}

async fn idle_once(session: Session, cfg: &Config, shutdown: &mut watch::Receiver<bool>) -> Result<Session> {
    let mut idle = session.idle();
    idle.init().await.context("starting IDLE")?;
    let cap = Duration::from_secs(cfg.support.idle_seconds);
    let (wait, stop) = idle.wait_with_timeout(cap);
    // A hard wall-clock deadline of our own: keep-alives restart the library's timer.
    let outcome = tokio::select! {
        r = tokio::time::timeout(cap, wait) => match r {
            Ok(r) => r.map(|_| ()).context("waiting in IDLE"),
            Err(_) => Ok(()),
        },
        _ = shutdown.changed() => Ok(()),
        _ = tokio::time::sleep(Duration::from_secs(cfg.support.poll_seconds)) => Ok(()),
    };
    drop(stop);
    outcome?;
    // A dead connection would never answer DONE: give it a bounded time.
    tokio::time::timeout(COMMAND_TIMEOUT, idle.done())
        .await
        .map_err(|_| anyhow::anyhow!("the server did not end IDLE within {COMMAND_TIMEOUT:?}"))?
        .context("ending IDLE")
}

/// Where the support inbox watcher stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchState {
    /// Logging in for the first time.
    Connecting,
    /// Logged in, reading new mail.
    Connected,
    /// Logged in, waiting for new mail (IDLE or between polls).
    Idle,
    /// The last session failed; reconnecting with backoff.
    Down,
}

impl WatchState {
    /// Every state, in the order metrics list them.
    pub const ALL: [WatchState; 4] = [
        WatchState::Connecting,
        WatchState::Connected,
        WatchState::Idle,
        WatchState::Down,
    ];

    /// The state's name in metrics and `/healthz`.
    pub fn label(self) -> &'static str {
        match self {
            WatchState::Connecting => "connecting",
            WatchState::Connected => "connected",
            WatchState::Idle => "idle",
            WatchState::Down => "down",
        }
    }
}

/// Hears how the watcher's connection stands (for `/healthz` and `/metrics`).
pub trait InboxObserver: Send + Sync {
    /// The watcher moved to `state`; `error` says why when it went down.
    fn inbox_state(&self, state: WatchState, error: Option<&str>);
    /// A mail over the size cap was quarantined without being read.
    fn oversize_quarantined(&self) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default)]
pub struct NoObserver;

impl InboxObserver for NoObserver {
    fn inbox_state(&self, _: WatchState, _: Option<&str>) {}
}

/// The guard on the support inbox: our own server's caps, and a stall timeout that an IDLE
/// (which waits quietly for at most `min(idle_seconds, poll_seconds)`) never reaches.
pub fn support_limits(cfg: &Config) -> imapconn::Limits {
    let limits = cfg.source.our_server_limits();
    let idle = cfg.support.idle_seconds.min(cfg.support.poll_seconds);
    imapconn::Limits {
        stall: limits.stall.max(Duration::from_secs(idle.saturating_add(60))),
        ..limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stall_timeout_outlasts_an_idle_wait() {
        let text = include_str!("../mailferry.example.toml");
        let mut cfg = Config::parse(text).expect("example config");
        cfg.support.poll_seconds = 600;
        cfg.support.idle_seconds = 900;
        assert_eq!(support_limits(&cfg).stall, Duration::from_secs(660));
        cfg.support.poll_seconds = 30;
        assert_eq!(support_limits(&cfg).stall, Duration::from_secs(120));
    }
}
