//! The copy itself: list, compare, fetch, append.
//!
//! One session on each side. Per folder: EXAMINE the source (read-only; bodies are read with
//! `BODY.PEEK`, so the customer's `\Seen` state never changes) while our folder is opened,
//! index both sides at once by message identity (sha256 of the full header block plus the size;
//! responses are digested as they stream in, only 32 bytes and the flags are kept per message),
//! copy the multiset difference byte for byte with flags and INTERNALDATE, and bring flag
//! changes over for messages already there.
//!
//! Speed: bodies are fetched in batches of at most half of `bytes_in_flight`, the next batch
//! is fetched while the current one is appended, and appends are pipelined over LITERAL+ in
//! MULTIAPPEND groups ([`super::pipeline`]). Checkpoints record the last source UID below which
//! everything is durably copied, the HIGHESTMODSEQ the flags were synced at, and the UID from
//! which our later copies start; with them (and CONDSTORE at the source) a second pass reads
//! only new source messages and compares them only with our messages from that UID on.
//!
//! It must never write to the source, never copy a message twice, and never log a body or a
//! password.

use super::folders::{self, FolderPlan, Listed, Naming};
use super::pacer::Pacer;
use super::pipeline;
use super::{
    Checkpoints, FolderCheckpoint, FolderReport, MailboxPair, MigrateError, MigrationReport, Options, Progress,
};
use crate::imapconn::{self, Credentials, Endpoint, LoginRefused, Session};
use crate::model::{PaceLimits, Throttle};
use async_imap::error::Error as ImapError;
use async_imap::types::{Fetch, Flag, NameAttribute};
use chrono::{DateTime, FixedOffset};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::{debug, info, warn, Instrument};

/// The longest any single command (a whole FETCH of a folder's index included) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// At most this many messages per body FETCH, so checkpoints come regularly.
const MAX_BATCH_MESSAGES: usize = 500;
/// At most this many APPENDs outstanding on a pipelined connection.
const PIPELINE_WINDOW: usize = 64;
/// At most this many messages in one MULTIAPPEND (a refused one is retried message by message).
const MULTIAPPEND_GROUP: usize = 100;
/// At most this many error sentences per folder.
const MAX_ERRORS: usize = 50;

/// What identifies a message on both sides: sha256 over the header block and the size.
type Identity = [u8; 32];

/// A source message, as indexed.
#[derive(Debug)]
struct SourceMsg {
    uid: u32,
    id: Identity,
    flags: Vec<String>,
    date: Option<DateTime<FixedOffset>>,
    size: u32,
}

/// A destination message, as indexed.
#[derive(Debug)]
struct DestMsg {
    uid: u32,
    flags: Vec<String>,
}

/// Which server, for messages.
#[derive(Debug, Clone, Copy)]
enum Side {
    Source,
    Destination,
}

/// Copies every folder of `pair.source` into `pair.destination`.
pub async fn migrate_mailbox(
    pair: &MailboxPair,
    opts: &Options,
    checkpoints: &dyn Checkpoints,
    progress: &dyn Progress,
) -> Result<MigrationReport, MigrateError> {
    let span = tracing::info_span!(
        "migrate",
        source = %pair.source_login.mailbox(),
        destination = %pair.destination_login.mailbox(),
        dry_run = opts.dry_run
    );
    run(pair, opts, checkpoints, progress).instrument(span).await
}

async fn run(
    pair: &MailboxPair,
    opts: &Options,
    checkpoints: &dyn Checkpoints,
    progress: &dyn Progress,
) -> Result<MigrationReport, MigrateError> {
    let started = Instant::now();
    let mut src = connect(&pair.source, &pair.source_login, Side::Source, opts).await?;
    let mut dst = connect(&pair.destination, &pair.destination_login, Side::Destination, opts).await?;
    let src_host = pair.source.host.as_str();
    let dst_host = pair.destination.host.as_str();
    let caps = capabilities(&mut src, &mut dst, (src_host, dst_host)).await?;

    let (src_sep, src_list) = list(
        &mut src,
        Side::Source,
        src_host,
        "listing the folders",
        opts.max_folders,
    )
    .await?;
    let src_subs = lsub(&mut src, Side::Source, src_host, opts.max_folders).await?;
    let (dst_sep, dst_list) = list(&mut dst, Side::Destination, dst_host, "listing our folders", usize::MAX).await?;
    let dst_subs = lsub(&mut dst, Side::Destination, dst_host, usize::MAX).await?;

    let src_names: Vec<String> = src_list.iter().map(|l| decoded(&l.raw)).collect();
    let src_naming = Naming::guess(src_sep, src_names.iter().map(String::as_str));
    let dst_names: Vec<String> = dst_list.iter().map(|l| decoded(&l.raw)).collect();
    let dst_naming = Naming::guess(dst_sep.or(Some('/')), dst_names.iter().map(String::as_str));
    let special = folders::destination_special_folders(&dst_list, &dst_naming);
    let plans = folders::plan(&src_list, &src_subs, &src_naming, &dst_naming, &special, &opts.folders);
    info!(folders = plans.len(), source_separator = ?src_sep, source_prefix = %src_naming.prefix, "planned");
    progress.planned(plans.len());

    let mut existing: BTreeSet<String> = dst_list
        .iter()
        .filter(|l| l.selectable())
        .map(|l| l.raw.to_ascii_uppercase_inbox())
        .collect();
    if !opts.dry_run {
        create_folders(&mut dst, dst_host, &plans, &mut existing).await?;
        subscribe_folders(&mut dst, dst_host, &plans, &dst_subs).await?;
    }

    // Folders are copied by `opts.folder_workers` pairs of sessions at once (the first pair is
    // the one that listed); the byte budget is shared out, so memory stays bounded.
    let workers = opts.folder_workers.clamp(1, plans.len().max(1));
    let mut sessions = vec![(src, dst)];
    for _ in 1..workers {
        let pair_of = async {
            let s = connect(&pair.source, &pair.source_login, Side::Source, opts).await?;
            let d = connect(&pair.destination, &pair.destination_login, Side::Destination, opts).await?;
            Ok::<_, MigrateError>((s, d))
        };
        match pair_of.await {
            Ok(p) => sessions.push(p),
            // A server that allows fewer connections still gets the copy, more slowly.
            Err(e) => {
                warn!(error = %e, "could not open another pair of connections; copying with fewer");
                break;
            }
        }
    }
    let worker_opts = Options {
        bytes_in_flight: (opts.bytes_in_flight / sessions.len()).max(2),
        ..opts.clone()
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<FolderReport>>> =
        plans.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let work = sessions.into_iter().map(|(mut src, mut dst)| {
        let (plans, existing, next, results, worker_opts) = (&plans, &existing, &next, &results, &worker_opts);
        async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(plan) = plans.get(i) else { break };
                if worker_opts.cancelled() {
                    return Err(MigrateError::Cancelled);
                }
                let exists = existing.contains(&plan.destination_raw.to_ascii_uppercase_inbox());
                let folder = copy_folder(
                    &mut src,
                    &mut dst,
                    (src_host, dst_host),
                    caps,
                    plan,
                    exists,
                    worker_opts,
                    checkpoints,
                    progress,
                )
                .instrument(tracing::info_span!("folder", folder = %plan.source))
                .await?;
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(folder);
                }
                progress.finished(&plan.source);
            }
            let _ = within(src.logout()).await;
            let _ = within(dst.logout()).await;
            Ok(())
        }
    });
    futures::future::try_join_all(work).await?;
    let mut report = MigrationReport::default();
    for slot in results {
        if let Some(folder) = slot.into_inner().ok().flatten() {
            report.folders.push(folder);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    info!(
        messages = report.total_messages(),
        copied = report.total_copied(),
        failed = report.total_failed(),
        secs = format!("{secs:.2}"),
        "pass complete"
    );
    Ok(report)
}

trait InboxCase {
    fn to_ascii_uppercase_inbox(&self) -> String;
}

impl InboxCase for String {
    /// INBOX is case-insensitive; every other name is not.
    fn to_ascii_uppercase_inbox(&self) -> String {
        if self.eq_ignore_ascii_case("INBOX") {
            "INBOX".into()
        } else {
            self.clone()
        }
    }
}

fn decoded(raw: &str) -> String {
    folders::decode_mutf7(raw).unwrap_or_else(|_| raw.to_string())
}

async fn connect(ep: &Endpoint, creds: &Credentials, side: Side, opts: &Options) -> Result<Session, MigrateError> {
    let limits = match side {
        Side::Source => opts.source_limits,
        Side::Destination => opts.destination_limits,
    };
    match imapconn::connect_with(ep, creds, limits).await {
        Ok(s) => Ok(s),
        Err(e) => {
            if let Some(g) = imapconn::guard_error(e.as_ref()) {
                Err(guarded(side, &ep.host, "logging in", g))
            } else if imapconn::guard::is_not_imap(e.as_ref()) {
                Err(not_imap(side, &ep.host, "logging in"))
            } else if let Some(refused) = e.downcast_ref::<LoginRefused>() {
                let sentence = match side {
                    Side::Source => format!(
                        "The old server did not accept the user name and password ({refused}). \
                         Please check them and send them again."
                    ),
                    Side::Destination => format!("Our own server refused our login ({refused})."),
                };
                Err(MigrateError::Permanent(sentence))
            } else if let Some(cert) = e.downcast_ref::<imapconn::CertificateRefused>() {
                let mut sentence = cert.to_string();
                if let Some(first) = sentence.get(..1) {
                    sentence.replace_range(..1, &first.to_uppercase());
                }
                Err(MigrateError::Permanent(format!("{sentence}.")))
            } else {
                Err(MigrateError::Transient(format!(
                    "Could not connect to {}:{}: {e:#}",
                    ep.host, ep.port
                )))
            }
        }
    }
}

/// What both servers can do; turns CONDSTORE on at the source when it has it.
async fn capabilities(
    src: &mut Session,
    dst: &mut Session,
    (src_host, dst_host): (&str, &str),
) -> Result<Caps, MigrateError> {
    let dst_caps = within(dst.capabilities())
        .await
        .map_err(|e| lost(Side::Destination, dst_host, "asking for capabilities", &e))?;
    let src_caps = within(src.capabilities())
        .await
        .map_err(|e| lost(Side::Source, src_host, "asking for capabilities", &e))?;
    let mut condstore = src_caps.has_str("CONDSTORE");
    if condstore {
        match within(src.run_command_and_check_ok("ENABLE CONDSTORE")).await {
            Ok(()) => {}
            Err(e) if is_refusal(&e) => condstore = false,
            Err(e) => return Err(lost(Side::Source, src_host, "enabling CONDSTORE", &e)),
        }
    }
    let caps = Caps {
        literal_plus: dst_caps.has_str("LITERAL+"),
        multiappend: dst_caps.has_str("MULTIAPPEND"),
        condstore,
    };
    debug!(?caps, "capabilities");
    Ok(caps)
}

/// Runs a command under [`COMMAND_TIMEOUT`]; a timeout counts as a lost connection.
async fn within<T>(fut: impl Future<Output = Result<T, ImapError>>) -> Result<T, ImapError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(r) => r,
        Err(_) => Err(ImapError::ConnectionLost),
    }
}

/// True when the server answered the command itself with NO or BAD (the session is fine).
fn is_refusal(e: &ImapError) -> bool {
    matches!(e, ImapError::No(_) | ImapError::Bad(_) | ImapError::Append)
}

/// The server's own words for a refusal.
fn refusal_text(e: &ImapError) -> String {
    match e {
        ImapError::No(m) | ImapError::Bad(m) => imapconn::server_text(m),
        ImapError::Append => "refused before receiving the message".into(),
        other => other.to_string(),
    }
}

fn lost(side: Side, host: &str, what: &str, e: &ImapError) -> MigrateError {
    if let Some(g) = imapconn::guard_error(e) {
        return guarded(side, host, what, g);
    }
    if imapconn::guard::is_not_imap(e) {
        return not_imap(side, host, what);
    }
    MigrateError::Transient(format!("The connection to {host} failed while {what}: {e}"))
}

impl Side {
    /// The server, for a customer: "the old server (imap.old.example)".
    fn server(self, host: &str) -> String {
        match self {
            Side::Source => format!("the old server ({host})"),
            Side::Destination => format!("our server ({host})"),
        }
    }
}

/// The guard stopped a connection: a stall is worth another try, a broken cap is not.
fn guarded(side: Side, host: &str, what: &str, g: &imapconn::GuardError) -> MigrateError {
    let sentence = format!("While {what}, {}.", g.sentence(&side.server(host)));
    if g.is_transient() {
        MigrateError::Transient(format!("{sentence} We will try again later."))
    } else {
        MigrateError::Permanent(sentence)
    }
}

/// The server sent what our IMAP parser cannot read (its words are not repeated).
fn not_imap(side: Side, host: &str, what: &str) -> MigrateError {
    MigrateError::Permanent(format!(
        "While {what}, {} sent an answer that is not IMAP; it does not speak IMAP properly.",
        side.server(host)
    ))
}

fn attribute_text(a: &NameAttribute<'_>) -> String {
    match a {
        NameAttribute::NoInferiors => "\\Noinferiors".into(),
        NameAttribute::NoSelect => "\\Noselect".into(),
        NameAttribute::Marked => "\\Marked".into(),
        NameAttribute::Unmarked => "\\Unmarked".into(),
        NameAttribute::All => "\\All".into(),
        NameAttribute::Archive => "\\Archive".into(),
        NameAttribute::Drafts => "\\Drafts".into(),
        NameAttribute::Flagged => "\\Flagged".into(),
        NameAttribute::Junk => "\\Junk".into(),
        NameAttribute::Sent => "\\Sent".into(),
        NameAttribute::Trash => "\\Trash".into(),
        NameAttribute::Extension(s) => s.to_string(),
        other => format!("{other:?}"),
    }
}

async fn list(
    s: &mut Session,
    side: Side,
    host: &str,
    what: &str,
    max: usize,
) -> Result<(Option<char>, Vec<Listed>), MigrateError> {
    let mut sep = None;
    let mut out = Vec::new();
    let mut too_many = false;
    within(async {
        let stream = s.list(Some(""), Some("*")).await?;
        futures::pin_mut!(stream);
        while let Some(n) = stream.try_next().await? {
            if out.len() >= max {
                too_many = true;
                break;
            }
            if sep.is_none() {
                sep = n.delimiter().and_then(|d| d.chars().next());
            }
            out.push(Listed {
                raw: n.name().to_string(),
                attributes: n.attributes().iter().map(attribute_text).collect(),
            });
        }
        Ok(())
    })
    .await
    .map_err(|e| lost(side, host, what, &e))?;
    if too_many {
        return Err(too_many_folders(side, host, max));
    }
    Ok((sep, out))
}

/// More folders than we copy: the server will list as many next time.
fn too_many_folders(side: Side, host: &str, max: usize) -> MigrateError {
    let mut server = side.server(host);
    server.replace_range(..1, &server[..1].to_uppercase());
    MigrateError::Permanent(format!(
        "{server} lists more than {max} folders for this mailbox; we copy at most {max} folders per mailbox. \
         Please remove or merge folders there, or ask support to raise the limit."
    ))
}

async fn lsub(s: &mut Session, side: Side, host: &str, max: usize) -> Result<BTreeSet<String>, MigrateError> {
    let mut out = BTreeSet::new();
    let mut too_many = false;
    within(async {
        let stream = s.lsub(Some(""), Some("*")).await?;
        futures::pin_mut!(stream);
        while let Some(n) = stream.try_next().await? {
            if out.len() >= max {
                too_many = true;
                break;
            }
            out.insert(n.name().to_string());
        }
        Ok(())
    })
    .await
    .map_err(|e| lost(side, host, "listing the subscriptions", &e))?;
    if too_many {
        return Err(too_many_folders(side, host, max));
    }
    Ok(out)
}

async fn create_folders(
    dst: &mut Session,
    host: &str,
    plans: &[FolderPlan],
    existing: &mut BTreeSet<String>,
) -> Result<(), MigrateError> {
    // Parents first: fewer path components first.
    let mut order: Vec<&FolderPlan> = plans.iter().collect();
    order.sort_by_key(|p| p.destination_path.len());
    for p in order {
        let key = p.destination_raw.to_ascii_uppercase_inbox();
        if existing.contains(&key) {
            continue;
        }
        match within(dst.create(&p.destination_raw)).await {
            Ok(()) => info!(folder = %p.destination, "created"),
            // Most often ALREADYEXISTS (created meanwhile); a real problem shows at SELECT.
            Err(e) if is_refusal(&e) => warn!(folder = %p.destination, reason = %refusal_text(&e), "CREATE refused"),
            Err(e) => return Err(lost(Side::Destination, host, "creating folders", &e)),
        }
        existing.insert(key);
    }
    Ok(())
}

async fn subscribe_folders(
    dst: &mut Session,
    host: &str,
    plans: &[FolderPlan],
    subscribed: &BTreeSet<String>,
) -> Result<(), MigrateError> {
    for p in plans
        .iter()
        .filter(|p| p.subscribed && !subscribed.contains(&p.destination_raw))
    {
        match within(dst.subscribe(&p.destination_raw)).await {
            Ok(()) => debug!(folder = %p.destination, "subscribed"),
            Err(e) if is_refusal(&e) => {
                warn!(folder = %p.destination, reason = %refusal_text(&e), "SUBSCRIBE refused")
            }
            Err(e) => return Err(lost(Side::Destination, host, "subscribing folders", &e)),
        }
    }
    Ok(())
}

/// The flags worth copying: system flags we know and keywords; never `\Recent`. Sorted.
fn flags_of(f: &Fetch) -> Vec<String> {
    let mut out: Vec<String> = f
        .flags()
        .filter_map(|fl| match fl {
            Flag::Seen => Some("\\Seen".to_string()),
            Flag::Answered => Some("\\Answered".into()),
            Flag::Flagged => Some("\\Flagged".into()),
            Flag::Deleted => Some("\\Deleted".into()),
            Flag::Draft => Some("\\Draft".into()),
            Flag::Recent | Flag::MayCreate => None,
            // An unknown system flag would make APPEND fail with BAD.
            Flag::Custom(k) if k.starts_with('\\') => None,
            Flag::Custom(k) => Some(k.to_string()),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn identity(header: &[u8], size: u32) -> Identity {
    let mut h = Sha256::new();
    h.update(header);
    h.update(size.to_be_bytes());
    h.finalize().into()
}

/// `1:3,7,9:10` for a sorted list of UIDs.
fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// The INTERNALDATE argument of APPEND: `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
fn internaldate_arg(d: &DateTime<FixedOffset>) -> String {
    format!("\"{}\"", d.format("%d-%b-%Y %H:%M:%S %z"))
}

fn flags_arg(flags: &[String]) -> String {
    format!("({})", flags.join(" "))
}

/// Indexes the source messages of `range` (`1:*` or `N:*`) with a UID above `above`, one FETCH
/// response at a time: only the digest, flags, date and size of each message are kept.
async fn index_source(src: &mut Session, host: &str, range: &str, above: u32) -> Result<Vec<SourceMsg>, MigrateError> {
    let mut out = Vec::new();
    within(async {
        let stream = src
            .uid_fetch(range, "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])")
            .await?;
        futures::pin_mut!(stream);
        while let Some(f) = stream.try_next().await? {
            let Some(uid) = f.uid.filter(|&u| u > above) else {
                continue;
            };
            let size = f.size.unwrap_or(0);
            out.push(SourceMsg {
                uid,
                id: identity(f.header().unwrap_or_default(), size),
                flags: flags_of(&f),
                date: f.internal_date(),
                size,
            });
        }
        Ok(())
    })
    .await
    .map_err(|e| lost(Side::Source, host, "reading the message list", &e))?;
    out.sort_by_key(|m| m.uid);
    Ok(out)
}

/// Our messages by identity, oldest first within one identity.
type DestIndex = HashMap<Identity, VecDeque<DestMsg>>;

/// Indexes our messages of `range` with a UID of at least `from`, one response at a time.
async fn index_destination(dst: &mut Session, host: &str, range: &str, from: u32) -> Result<DestIndex, MigrateError> {
    let mut sorted: Vec<(u32, Identity, Vec<String>)> = Vec::new();
    within(async {
        let stream = dst
            .uid_fetch(range, "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])")
            .await?;
        futures::pin_mut!(stream);
        while let Some(f) = stream.try_next().await? {
            let Some(uid) = f.uid.filter(|&u| u >= from) else {
                continue;
            };
            sorted.push((
                uid,
                identity(f.header().unwrap_or_default(), f.size.unwrap_or(0)),
                flags_of(&f),
            ));
        }
        Ok(())
    })
    .await
    .map_err(|e| lost(Side::Destination, host, "reading our message list", &e))?;
    sorted.sort_by_key(|m| m.0);
    let mut out: DestIndex = HashMap::new();
    for (uid, id, flags) in sorted {
        out.entry(id).or_default().push_back(DestMsg { uid, flags });
    }
    Ok(out)
}

/// True when no message up to `last_uid` changed its flags since `modseq` (CONDSTORE).
async fn flags_unchanged_since(
    src: &mut Session,
    host: &str,
    last_uid: u32,
    modseq: u64,
) -> Result<bool, MigrateError> {
    let mut changed = false;
    within(async {
        let stream = src
            .uid_fetch(format!("1:{last_uid}"), format!("(UID FLAGS) (CHANGEDSINCE {modseq})"))
            .await?;
        futures::pin_mut!(stream);
        while let Some(f) = stream.try_next().await? {
            changed |= f.uid.is_some_and(|u| u <= last_uid);
        }
        Ok(())
    })
    .await
    .map_err(|e| lost(Side::Source, host, "reading flag changes", &e))?;
    Ok(!changed)
}

/// Reads the bodies of a batch (`BODY.PEEK`: the source's `\Seen` state never changes).
///
/// The server announced the sizes (RFC822.SIZE); it may send somewhat more (some servers count
/// differently) but not without bound: past twice the announced total plus 16 MiB plus 64 KiB
/// per message the batch stops, so a server that lies about sizes cannot fill our memory.
async fn fetch_bodies(src: &mut Session, host: &str, batch: &[&SourceMsg]) -> Result<Vec<Fetch>, Unread> {
    let uids: Vec<u32> = batch.iter().map(|m| m.uid).collect();
    let announced: u64 = batch.iter().map(|m| u64::from(m.size)).sum();
    let allowed = announced
        .saturating_mul(2)
        .saturating_add(16 << 20)
        .saturating_add((batch.len() as u64) << 16);
    let mut received = 0u64;
    let mut out = Vec::with_capacity(batch.len());
    let mut overflow = false;
    // A refusal left over from an earlier command is not this one's.
    let _ = src.get_mut().take_refusal();
    within(async {
        let stream = src.uid_fetch(uid_set(&uids), "(UID BODY.PEEK[])").await?;
        futures::pin_mut!(stream);
        while let Some(f) = stream.try_next().await? {
            received += f.body().map_or(0, |b| b.len() as u64);
            out.push(f);
            if received > allowed {
                overflow = true;
                break;
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| match throttle_of(&e) {
        Some(hint) => Unread::Throttled(hint, refusal_text(&e)),
        None => Unread::Failed(lost(Side::Source, host, "reading messages", &e)),
    })?;
    // The stream ends at the tagged answer whether it was OK or not. A refusal that asks us
    // to slow down is waited out; any other (Gmail's "Some messages could not be FETCHed")
    // leaves the messages not sent as vanished, reported and looked at again next pass.
    if let Some(text) = src.get_mut().take_refusal() {
        if let Some(hint) = crate::model::throttle_hint(&text) {
            return Err(Unread::Throttled(hint, text));
        }
        warn!(answer = %text, received = out.len(), asked = batch.len(), "the old server refused part of a read");
    }
    if overflow {
        return Err(Unread::Failed(MigrateError::Permanent(format!(
            "While reading messages, the old server ({host}) sent more than {} for messages it had announced \
             as {} in all; it does not report message sizes properly.",
            imapconn::guard::human_bytes(allowed),
            imapconn::guard::human_bytes(announced)
        ))));
    }
    Ok(out)
}

/// Why a batch was not read.
enum Unread {
    /// The server refused and asked us to slow down.
    Throttled(Throttle, String),
    /// Anything else.
    Failed(MigrateError),
}

/// The slowing down a refusal asks for, when it is one.
fn throttle_of(e: &ImapError) -> Option<Throttle> {
    if is_refusal(e) {
        crate::model::throttle_hint(&refusal_text(e))
    } else {
        None
    }
}

/// Times in a row one batch's read may be refused as throttled before the pass gives up (and
/// the job retries later).
const THROTTLED_TRIES: u32 = 5;

/// Reads a batch's bodies within the old provider's limits: its download quota is asked first,
/// and a refusal that asks us to slow down (a back-off, a spent quota) is waited out and the
/// read sent again, or the pass paused when the wait is long.
async fn fetch_paced(
    src: &mut Session,
    host: &str,
    batch: &[&SourceMsg],
    opts: &Options,
) -> Result<Vec<Fetch>, MigrateError> {
    if let Some(pacer) = &opts.pace {
        let bytes = batch.iter().map(|m| u64::from(m.size)).sum();
        pacer.admit(bytes, &opts.cancel).await?;
    }
    let mut tries = 0;
    loop {
        match fetch_bodies(src, host, batch).await {
            Ok(f) => return Ok(f),
            Err(Unread::Failed(e)) => return Err(e),
            Err(Unread::Throttled(hint, text)) if tries < THROTTLED_TRIES => {
                tries += 1;
                match &opts.pace {
                    Some(pacer) => pacer.throttled(hint, &text, &opts.cancel).await?,
                    // A server we know no limits of: its own hint, with an hour for a spent quota.
                    None => {
                        let limits = PaceLimits {
                            window: Duration::from_secs(3600),
                            ..PaceLimits::default()
                        };
                        let fallback = Pacer::new(limits, Default::default(), Duration::ZERO);
                        fallback.throttled(hint, &text, &opts.cancel).await?;
                    }
                }
            }
            Err(Unread::Throttled(_, text)) => {
                return Err(MigrateError::Transient(format!(
                    "The old server ({host}) kept refusing to send messages because it throttles: {text}"
                )))
            }
        }
    }
}

/// What became of one message of a batch.
#[derive(Debug)]
enum Copied {
    /// Appended; `(UIDVALIDITY, UID)` on our side when the server said (UIDPLUS).
    Done(Option<(u32, u32)>),
    /// Gone from the source between the index and the fetch.
    Vanished,
    /// Our server refused it, in its own words.
    Refused(String),
}

/// Appends a fetched batch in order: pipelined when our server has LITERAL+, else one by one.
async fn append_batch(
    dst: &mut Session,
    host: &str,
    literal_plus: bool,
    group: usize,
    mailbox: &str,
    batch: &[&SourceMsg],
    fetched: &[Fetch],
) -> Result<Vec<Copied>, MigrateError> {
    let bodies: HashMap<u32, &[u8]> = fetched.iter().filter_map(|f| Some((f.uid?, f.body()?))).collect();
    let dates: Vec<Option<String>> = batch.iter().map(|m| m.date.as_ref().map(internaldate_arg)).collect();
    let mut out: Vec<Option<Copied>> = batch
        .iter()
        .map(|m| (!bodies.contains_key(&m.uid)).then_some(Copied::Vanished))
        .collect();
    if literal_plus {
        let items: Vec<pipeline::Append<'_>> = batch
            .iter()
            .zip(&dates)
            .filter_map(|(m, date)| {
                Some(pipeline::Append {
                    mailbox,
                    flags: &m.flags,
                    date: date.as_deref(),
                    body: bodies.get(&m.uid)?,
                })
            })
            .collect();
        let outcomes = tokio::time::timeout(
            COMMAND_TIMEOUT,
            pipeline::append_pipelined(dst.get_mut(), &items, PIPELINE_WINDOW, group),
        )
        .await
        .map_err(|_| lost(Side::Destination, host, "copying messages", &ImapError::ConnectionLost))?
        .map_err(|e| MigrateError::Transient(format!("The connection to {host} failed while copying messages: {e}")))?;
        let mut outcomes = outcomes.into_iter();
        for slot in out.iter_mut().filter(|s| s.is_none()) {
            *slot = Some(match outcomes.next() {
                Some(Ok(uid)) => Copied::Done(uid),
                Some(Err(text)) => Copied::Refused(text),
                None => Copied::Refused("no answer from the server".into()),
            });
        }
    } else {
        for (i, m) in batch.iter().enumerate() {
            let Some(body) = bodies.get(&m.uid).filter(|_| out[i].is_none()) else {
                continue;
            };
            let flags = flags_arg(&m.flags);
            out[i] = Some(
                match within(dst.append(mailbox, Some(&flags), dates[i].as_deref(), body)).await {
                    Ok(()) => Copied::Done(None),
                    Err(e) if is_refusal(&e) => Copied::Refused(refusal_text(&e)),
                    Err(e) => return Err(lost(Side::Destination, host, "copying messages", &e)),
                },
            );
        }
    }
    Ok(out.into_iter().map(|c| c.unwrap_or(Copied::Vanished)).collect())
}

/// True when our server refused an APPEND because the mailbox is over its quota (RFC 5530
/// `[OVERQUOTA]`, or the words of servers without response codes).
fn is_over_quota(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("[overquota]") || t.contains("quota exceeded") || t.contains("over quota")
}

fn push_error(fr: &mut FolderReport, sentence: String) {
    warn!(folder = %fr.source, error = %sentence, "message not copied");
    fr.failed += 1;
    if fr.errors.len() < MAX_ERRORS {
        fr.errors.push(sentence);
    } else if fr.errors.len() == MAX_ERRORS {
        fr.errors
            .push("More messages failed; only the first ones are listed.".into());
    }
}

fn save(checkpoints: &dyn Checkpoints, folder: &str, cp: FolderCheckpoint) -> Result<(), MigrateError> {
    checkpoints
        .save(folder, cp)
        .map_err(|e| MigrateError::Transient(format!("Could not record the progress of folder {folder}: {e:#}")))
}

/// Splits the messages to copy into batches of at most [`MAX_BATCH_MESSAGES`] and `max_bytes`
/// (a larger message travels alone): `(start, end, bytes)`.
fn batches(to_copy: &[&SourceMsg], max_bytes: usize) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < to_copy.len() {
        let mut end = start;
        let mut bytes = 0usize;
        while end < to_copy.len() && end - start < MAX_BATCH_MESSAGES {
            let size = to_copy[end].size as usize;
            if end > start && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            end += 1;
        }
        out.push((start, end, bytes));
        start = end;
    }
    out
}

/// What a folder pass knows about the servers.
#[derive(Debug, Clone, Copy)]
struct Caps {
    /// Our server takes non-synchronizing literals: APPENDs are pipelined.
    literal_plus: bool,
    /// Our server has MULTIAPPEND: many messages per APPEND, stored in one transaction.
    multiappend: bool,
    /// The source has CONDSTORE: flag changes are found with CHANGEDSINCE.
    condstore: bool,
}

impl Caps {
    /// Messages per APPEND command.
    fn group(&self) -> usize {
        if self.multiappend {
            MULTIAPPEND_GROUP
        } else {
            1
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn copy_folder(
    src: &mut Session,
    dst: &mut Session,
    (src_host, dst_host): (&str, &str),
    caps: Caps,
    plan: &FolderPlan,
    dest_exists: bool,
    opts: &Options,
    checkpoints: &dyn Checkpoints,
    progress: &dyn Progress,
) -> Result<FolderReport, MigrateError> {
    let started = Instant::now();
    let mut fr = FolderReport {
        source: plan.source.clone(),
        destination: plan.destination.clone(),
        ..FolderReport::default()
    };
    // Open both sides at once.
    let open_dest = async {
        if !dest_exists {
            Ok(None)
        } else if opts.dry_run {
            within(dst.examine(&plan.destination_raw)).await.map(Some)
        } else {
            within(dst.select(&plan.destination_raw)).await.map(Some)
        }
    };
    let (opened_src, opened_dst) = tokio::join!(within(src.examine(&plan.source_raw)), open_dest);
    let mbox = match opened_src {
        Ok(m) => m,
        Err(e) if is_refusal(&e) => {
            fr.errors.push(format!(
                "The old server would not open folder {}: {}",
                plan.source,
                refusal_text(&e)
            ));
            return Ok(fr);
        }
        Err(e) => return Err(lost(Side::Source, src_host, "opening a folder", &e)),
    };
    let dest_mbox = match opened_dst {
        Ok(m) => m,
        Err(e) if is_refusal(&e) => {
            fr.messages = u64::from(mbox.exists);
            fr.failed = fr.messages;
            fr.errors.push(format!(
                "Our server would not open folder {}: {}",
                plan.destination,
                refusal_text(&e)
            ));
            return Ok(fr);
        }
        Err(e) => return Err(lost(Side::Destination, dst_host, "opening our folder", &e)),
    };
    let uidvalidity = mbox.uid_validity.unwrap_or(0);
    let dest_uidvalidity = dest_mbox.as_ref().and_then(|m| m.uid_validity);
    let checkpoint = checkpoints
        .load(&plan.source)
        .filter(|c| uidvalidity != 0 && c.uidvalidity == uidvalidity);

    // With a checkpoint that matches both folders and no flag change since (CONDSTORE), only
    // source messages above the checkpoint are candidates, and they are compared with what we
    // appended since it (UIDs from its `dest_uidnext` on): a copy made just before a crash is
    // found there. Otherwise both folders are indexed whole.
    let mut since: Option<(FolderCheckpoint, u32)> = None;
    if let (Some(c), Some(dv), Some(next), true) = (
        checkpoint,
        dest_uidvalidity,
        checkpoint.and_then(|c| c.dest_uidnext),
        caps.condstore,
    ) {
        if c.dest_uidvalidity == Some(dv) {
            let unchanged = match (c.highest_modseq, mbox.highest_modseq) {
                (Some(old), Some(now)) if now == old => true,
                (Some(_), Some(_)) if c.last_uid == 0 => true,
                (Some(old), Some(_)) => flags_unchanged_since(src, src_host, c.last_uid, old).await?,
                _ => false,
            };
            if unchanged {
                since = Some((c, next));
            }
        }
    }
    let (src_range, src_above, dst_range, dst_from) = match since {
        Some((c, next)) => (
            format!("{}:*", c.last_uid.saturating_add(1)),
            c.last_uid,
            format!("{next}:*"),
            next,
        ),
        None => ("1:*".to_string(), 0, "1:*".to_string(), 0),
    };
    let dest_has_messages = dest_mbox.as_ref().is_some_and(|m| m.exists > 0);
    let (source, dest) = tokio::join!(
        async {
            if mbox.exists == 0 {
                Ok(Vec::new())
            } else {
                index_source(src, src_host, &src_range, src_above).await
            }
        },
        async {
            if dest_has_messages {
                index_destination(dst, dst_host, &dst_range, dst_from).await
            } else {
                Ok(HashMap::new())
            }
        }
    );
    let source = source?;
    let mut dest = dest?;
    // On the short path the messages up to the checkpoint are there already.
    let base_bytes = since.map(|(c, _)| c.bytes).unwrap_or(0);
    let earlier = if since.is_some() {
        u64::from(mbox.exists).saturating_sub(source.len() as u64)
    } else {
        0
    };
    fr.messages = earlier + source.len() as u64;
    fr.bytes = base_bytes + source.iter().map(|m| u64::from(m.size)).sum::<u64>();
    fr.already_there = earlier;

    // Match the multisets; what is left at the source (and new since the checkpoint) is copied.
    let mut to_copy: Vec<&SourceMsg> = Vec::new();
    let mut flag_changes: BTreeMap<Vec<String>, Vec<u32>> = BTreeMap::new();
    let mut done_bytes = base_bytes;
    for m in &source {
        if let Some(d) = dest.get_mut(&m.id).and_then(VecDeque::pop_front) {
            fr.already_there += 1;
            done_bytes += u64::from(m.size);
            if d.flags != m.flags {
                flag_changes.entry(m.flags.clone()).or_default().push(d.uid);
            }
        } else if checkpoint.is_some_and(|c| m.uid <= c.last_uid) {
            // Copied in an earlier pass and removed on our side since: not copied again.
            fr.already_there += 1;
            done_bytes += u64::from(m.size);
        } else {
            to_copy.push(m);
        }
    }
    drop(dest);
    // Messages over the size cap are never fetched: each is reported, the rest go on, and the
    // checkpoint stops below the first of them so a later pass (with a higher cap) finds it.
    let cap = opts.source_limits.max_literal;
    let mut first_oversize: Option<u32> = None;
    to_copy.retain(|m| {
        if u64::from(m.size) <= cap {
            return true;
        }
        first_oversize = Some(first_oversize.map_or(m.uid, |o| o.min(m.uid)));
        push_error(
            &mut fr,
            format!(
                "Message {} is larger than the {} we copy; it was left on the old server.",
                describe(m),
                imapconn::guard::human_bytes(cap)
            ),
        );
        false
    });
    let changed: usize = flag_changes.values().map(Vec::len).sum();
    info!(
        messages = fr.messages,
        already_there = fr.already_there,
        to_copy = to_copy.len(),
        flag_changes = changed,
        resumed = checkpoint.is_some(),
        short_path = since.is_some(),
        "compared"
    );
    progress.update(&plan.source, fr.already_there, fr.messages, done_bytes, fr.bytes);

    if opts.dry_run {
        fr.copied = to_copy.len() as u64;
        return Ok(fr);
    }

    let mut flags_synced = true;
    for (flags, uids) in &flag_changes {
        let mut uids = uids.clone();
        uids.sort_unstable();
        let cmd = format!("FLAGS.SILENT {}", flags_arg(flags));
        let res = within(async { dst.uid_store(uid_set(&uids), &cmd).await?.try_collect::<Vec<_>>().await }).await;
        match res {
            Ok(_) => {}
            Err(e) if is_refusal(&e) => {
                flags_synced = false;
                warn!(reason = %refusal_text(&e), "flag update refused");
            }
            Err(e) => return Err(lost(Side::Destination, dst_host, "updating flags", &e)),
        }
    }

    let max_uid = source.last().map(|m| m.uid).unwrap_or(0);
    let mut cp = FolderCheckpoint {
        uidvalidity,
        last_uid: checkpoint.map(|c| c.last_uid).unwrap_or(0),
        // Flags up to here are ours as of this EXAMINE; a refused update is retried in full.
        highest_modseq: mbox.highest_modseq.filter(|_| flags_synced),
        dest_uidvalidity,
        // Everything we append from now on gets at least this UID.
        dest_uidnext: dest_mbox.as_ref().and_then(|m| m.uid_next),
        bytes: 0,
    };
    let bytes_upto = |last: u32| {
        base_bytes
            + source
                .iter()
                .take_while(|m| m.uid <= last)
                .map(|m| u64::from(m.size))
                .sum::<u64>()
    };
    let mut clean = true; // no failure yet: the checkpoint may advance
    let mut done = fr.already_there;
    // Two batches are in memory at once (one appended while the next is fetched), each at most
    // half the budget; a batch larger than that (one big message) is fetched on its own.
    let budget = opts.bytes_in_flight.max(2);
    let ranges = batches(&to_copy, budget / 2);
    let mut prefetched: Option<Vec<Fetch>> = None;
    for (i, &(start, end, bytes)) in ranges.iter().enumerate() {
        if opts.cancelled() {
            if clean {
                cp.bytes = bytes_upto(cp.last_uid);
                save(checkpoints, &plan.source, cp)?;
            }
            return Err(MigrateError::Cancelled);
        }
        let batch = &to_copy[start..end];
        let fetched = match prefetched.take() {
            Some(f) => f,
            None => fetch_paced(src, src_host, batch, opts).await?,
        };
        let next = ranges.get(i + 1).filter(|n| bytes + n.2 <= budget).copied();
        let (outcomes, next_fetched) = tokio::join!(
            append_batch(
                dst,
                dst_host,
                caps.literal_plus,
                caps.group(),
                &plan.destination_raw,
                batch,
                &fetched
            ),
            async {
                match next {
                    Some((s, e, _)) => fetch_paced(src, src_host, &to_copy[s..e], opts).await.map(Some),
                    None => Ok(None),
                }
            }
        );
        drop(fetched);
        let outcomes = outcomes?;
        crate::failpoint::hit("engine.after_batch");
        prefetched = next_fetched?;
        let mut uids_known = true;
        let mut max_dest_uid = None;
        let mut mailbox_full = None;
        for (m, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Copied::Done(appended) => {
                    fr.copied += 1;
                    if first_oversize.is_some_and(|o| m.uid > o) {
                        clean = false;
                    }
                    if clean {
                        cp.last_uid = cp.last_uid.max(m.uid);
                    }
                    match appended {
                        Some((v, uid)) if Some(v) == dest_uidvalidity => {
                            max_dest_uid = max_dest_uid.max(Some(uid));
                        }
                        _ => uids_known = false,
                    }
                }
                Copied::Vanished => {
                    push_error(
                        &mut fr,
                        format!(
                            "Message {} vanished from the old server while it was being copied.",
                            describe(m)
                        ),
                    );
                    clean = false;
                }
                Copied::Refused(text) if is_over_quota(&text) => {
                    mailbox_full.get_or_insert(text);
                    clean = false;
                }
                Copied::Refused(text) => {
                    push_error(
                        &mut fr,
                        format!("Message {} was refused by our server: {text}", describe(m)),
                    );
                    clean = false;
                }
            }
            done += 1;
            done_bytes += u64::from(m.size);
        }
        // A full mailbox refuses every message after this one: stop the job with a plain reason
        // (what was copied stays; a retry after the quota is raised copies only the rest).
        if let Some(text) = mailbox_full {
            return Err(MigrateError::Permanent(format!(
                "Your new mailbox is full: our server refused more mail in folder {} ({text}). \
                 Support staff need to raise its quota and retry the copy.",
                plan.source
            )));
        }
        // Every APPEND of the batch is answered: later ones get higher UIDs than these.
        if let (true, Some(uid), Some(next)) = (uids_known, max_dest_uid, cp.dest_uidnext) {
            cp.dest_uidnext = Some(next.max(uid.saturating_add(1)));
        }
        progress.update(&plan.source, done, fr.messages, done_bytes, fr.bytes);
        if clean {
            cp.bytes = bytes_upto(cp.last_uid);
            save(checkpoints, &plan.source, cp)?;
        }
    }
    if clean {
        let end = first_oversize.map_or(max_uid, |o| o.saturating_sub(1));
        cp.last_uid = cp.last_uid.max(end);
        cp.bytes = bytes_upto(cp.last_uid);
        save(checkpoints, &plan.source, cp)?;
    }
    let secs = started.elapsed().as_secs_f64();
    info!(
        messages = fr.messages,
        copied = fr.copied,
        already_there = fr.already_there,
        failed = fr.failed,
        secs = format!("{secs:.2}"),
        "folder done"
    );
    Ok(fr)
}

/// A message as a customer can find it: size and date, plus its UID for staff.
fn describe(m: &SourceMsg) -> String {
    match &m.date {
        Some(d) => format!(
            "of {} bytes from {} (UID {})",
            m.size,
            d.format("%Y-%m-%d %H:%M"),
            m.uid
        ),
        None => format!("of {} bytes (UID {})", m.size, m.uid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn internaldate_has_the_imap_form() {
        let d = DateTime::parse_from_rfc3339("2024-03-05T07:08:09+05:30").unwrap();
        assert_eq!(internaldate_arg(&d), "\"05-Mar-2024 07:08:09 +0530\"");
        let d = DateTime::parse_from_rfc3339("2022-12-31T23:59:59-08:00").unwrap();
        assert_eq!(internaldate_arg(&d), "\"31-Dec-2022 23:59:59 -0800\"");
    }

    #[test]
    fn identity_depends_on_header_and_size() {
        assert_eq!(identity(b"a", 1), identity(b"a", 1));
        assert_ne!(identity(b"a", 1), identity(b"a", 2));
        assert_ne!(identity(b"a", 1), identity(b"b", 1));
    }

    #[test]
    fn a_full_mailbox_is_recognised_by_code_or_words() {
        assert!(is_over_quota("[OVERQUOTA] Quota exceeded (mailbox for user is full)"));
        assert!(is_over_quota("Mailbox is over quota"));
        assert!(!is_over_quota("[LIMIT] Message too large"));
        assert!(!is_over_quota("Can't save a zero byte message"));
    }
}
