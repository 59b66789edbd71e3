//! The durable store (sled): tickets, mailbox jobs, each ticket's append-only event log, the
//! outbox, handled Message-IDs, the inbox position, migration checkpoints and encrypted
//! secrets.
//!
//! Everything lives in one sled tree under key prefixes, so a change that spans several records
//! (a job's new state, its event and the reply it causes) is one atomic batch. Callers flush
//! ([`Store::flush`]) before any side effect that must not be lost or repeated. A password is
//! only ever stored sealed by [`crypto::StoreKey`], and wiped with [`Store::wipe_secret`].

pub mod crypto;
pub mod rotate;

use crate::model::{Checkpoints, FolderCheckpoint};
use crate::model::{Event, Job, JobId, OutboxState, OutgoingMail, PendingMailbox, Ticket, TicketId};
use crate::secret::Secret;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use crypto::StoreKey;
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;
use std::sync::{Arc, Mutex};

const TICKET: &[u8] = b"t/";
const JOB: &[u8] = b"j/";
const EVENT: &[u8] = b"e/";
const OUTBOX: &[u8] = b"o/";
const HANDLED: &[u8] = b"h/";
const SECRET: &[u8] = b"s/";
const CHECKPOINT: &[u8] = b"c/";
const META: &[u8] = b"m/";
const GROUPWARE: &[u8] = b"g/";
/// The fields of a mailbox not accepted yet, by its job (its password is under SECRET).
const PENDING: &[u8] = b"p/";

fn key(prefix: &[u8], id: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn text_key(prefix: &[u8], s: &str) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(s.as_bytes());
    k
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(v)?)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).context("a record in the store does not decode")
}

/// Several writes applied at once, all or nothing.
#[derive(Default)]
pub struct Change {
    batch: sled::Batch,
    events: Vec<(TicketId, Event)>,
    pending: usize,
}

impl Change {
    /// An empty change.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes a ticket.
    pub fn ticket(&mut self, t: &Ticket) -> Result<&mut Self> {
        self.batch.insert(key(TICKET, t.id.0), encode(t)?);
        self.pending += 1;
        Ok(self)
    }

    /// Writes a job.
    pub fn job(&mut self, j: &Job) -> Result<&mut Self> {
        self.batch.insert(key(JOB, j.id.0), encode(j)?);
        self.pending += 1;
        Ok(self)
    }

    /// Appends an event to a ticket's log.
    pub fn event(
        &mut self,
        ticket: TicketId,
        job: Option<JobId>,
        at: DateTime<Utc>,
        text: impl Into<String>,
    ) -> &mut Self {
        self.events.push((
            ticket,
            Event {
                at,
                job,
                text: text.into(),
            },
        ));
        self
    }

    /// Queues a reply.
    pub fn outgoing(&mut self, m: &OutgoingMail) -> Result<&mut Self> {
        self.batch.insert(key(OUTBOX, m.id), encode(m)?);
        self.pending += 1;
        Ok(self)
    }

    /// Records a Message-ID as handled, with what became of it.
    pub fn handled(&mut self, message_id: &str, outcome: &str) -> &mut Self {
        self.batch.insert(text_key(HANDLED, message_id), outcome.as_bytes());
        self.pending += 1;
        self
    }

    /// Stores a sealed secret for a job.
    fn sealed_secret(&mut self, job: JobId, sealed: Vec<u8>) -> &mut Self {
        self.batch.insert(key(SECRET, job.0), sealed);
        self.pending += 1;
        self
    }

    /// Writes what is known of a mailbox not accepted yet (its job is in `NeedsInfo`).
    pub fn pending(&mut self, job: JobId, p: &PendingMailbox) -> Result<&mut Self> {
        self.batch.insert(key(PENDING, job.0), encode(p)?);
        self.pending += 1;
        Ok(self)
    }

    /// Forgets a pending mailbox's fields (it was accepted).
    pub fn drop_pending(&mut self, job: JobId) -> &mut Self {
        self.batch.remove(key(PENDING, job.0));
        self.pending += 1;
        self
    }

    /// True when nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.pending == 0 && self.events.is_empty()
    }
}

/// The open store.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    tree: sled::Tree,
    key: Arc<StoreKey>,
    counters: Arc<Mutex<()>>,
    /// Set, with the reason, by the first write that fails (disk full, read-only): sled keeps
    /// refusing after that, and what it holds in memory may not be on disk.
    broken: Arc<tokio::sync::watch::Sender<Option<String>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// Opens a sled database, waiting up to [`LOCK_WAIT`] for its file lock: a store this process
/// has just dropped can hold the lock a moment longer in sled's background threads (seen as
/// "could not acquire lock" when a store is reopened at once). Another process that holds the
/// store still gets the error, a little later.
pub(crate) fn open_sled(config: sled::Config) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.kind() == std::io::ErrorKind::WouldBlock && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// How long [`open_sled`] waits for the store's file lock.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl Store {
    /// Opens (or creates) the store at `path` with the key at `key_file`.
    pub fn open(path: &Path, key_file: &Path) -> Result<Store> {
        // A store that already holds data must find its key: a new key would make every sealed
        // password unreadable and every thread token unrecognisable.
        let has_data = std::fs::read_dir(path).map(|mut d| d.next().is_some()).unwrap_or(false);
        if has_data && !key_file.exists() {
            anyhow::bail!(
                "the store at {} holds data but its key file {} is missing; restore the key \
                 (or move the store aside to start afresh)",
                path.display(),
                key_file.display()
            );
        }
        rotate::check_not_rotating(key_file)?;
        let key = StoreKey::load_or_create(key_file)?;
        let db = open_sled(sled::Config::new().path(path).flush_every_ms(Some(200)))
            .with_context(|| {
                format!(
                    "cannot open the store at {} (is another mailferry process using it, or is its disk full or read-only?)",
                    path.display()
                )
            })?;
        let tree = db.open_tree("mailferry")?;
        Ok(Store {
            db,
            tree,
            key: Arc::new(key),
            counters: Arc::new(Mutex::new(())),
            broken: Arc::new(tokio::sync::watch::channel(None).0),
        })
    }

    /// The key that seals secrets and signs thread tokens.
    pub fn key(&self) -> &StoreKey {
        &self.key
    }

    /// Makes everything written so far durable.
    pub async fn flush(&self) -> Result<()> {
        let r = self.db.flush_async().await;
        self.noted(r).context("flushing the store to disk")?;
        Ok(())
    }

    /// Watches for the store breaking: `Some(reason)` once a write failed.
    pub fn broken(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.broken.subscribe()
    }

    /// Passes a sled result on, remembering the first failure.
    fn noted<T>(&self, r: sled::Result<T>) -> sled::Result<T> {
        if let Err(e) = &r {
            let reason = e.to_string();
            self.broken.send_if_modified(|b| {
                if b.is_none() {
                    *b = Some(reason);
                    true
                } else {
                    false
                }
            });
        }
        r
    }

    fn next_counter(&self, name: &str) -> Result<u64> {
        let _guard = self
            .counters
            .lock()
            .map_err(|_| anyhow::anyhow!("store counter lock poisoned"))?;
        let k = text_key(META, name);
        let next = match self.tree.get(&k)? {
            Some(v) => u64::from_be_bytes(v.as_ref().try_into().context("bad counter")?) + 1,
            None => 1,
        };
        self.noted(self.tree.insert(k, &next.to_be_bytes()))?;
        Ok(next)
    }

    /// A new ticket number.
    pub fn next_ticket_id(&self) -> Result<TicketId> {
        self.next_counter("ticket").map(TicketId)
    }

    /// A new job number.
    pub fn next_job_id(&self) -> Result<JobId> {
        self.next_counter("job").map(JobId)
    }

    /// A new outbox number.
    pub fn next_outbox_id(&self) -> Result<u64> {
        self.next_counter("outbox")
    }

    /// Adds a job's password to a change, sealed.
    pub fn seal_secret(&self, change: &mut Change, job: JobId, secret: &Secret) -> Result<()> {
        let sealed = self.key.seal(secret, &job.0.to_be_bytes())?;
        change.sealed_secret(job, sealed);
        Ok(())
    }

    /// Applies a change atomically (not yet flushed).
    pub fn apply(&self, mut change: Change) -> Result<()> {
        for (ticket, event) in change.events.drain(..) {
            let seq = self.db.generate_id()?;
            let mut k = key(EVENT, ticket.0);
            k.extend_from_slice(&seq.to_be_bytes());
            change.batch.insert(k, encode(&event)?);
        }
        self.noted(self.tree.apply_batch(change.batch))
            .context("writing to the store")?;
        Ok(())
    }

    /// Applies a change and flushes it to disk.
    pub async fn commit(&self, change: Change) -> Result<()> {
        self.apply(change)?;
        self.flush().await
    }

    /// What became of a Message-ID, if it was handled.
    pub fn handled(&self, message_id: &str) -> Result<Option<String>> {
        Ok(self
            .tree
            .get(text_key(HANDLED, message_id))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// A ticket.
    pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>> {
        self.tree.get(key(TICKET, id.0))?.map(|v| decode(&v)).transpose()
    }

    /// All tickets, oldest first.
    pub fn tickets(&self) -> Result<Vec<Ticket>> {
        self.tree.scan_prefix(TICKET).map(|r| decode(&r?.1)).collect()
    }

    /// A job.
    pub fn job(&self, id: JobId) -> Result<Option<Job>> {
        self.tree.get(key(JOB, id.0))?.map(|v| decode(&v)).transpose()
    }

    /// All jobs, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>> {
        self.tree.scan_prefix(JOB).map(|r| decode(&r?.1)).collect()
    }

    /// A ticket's event log, oldest first.
    pub fn events(&self, ticket: TicketId) -> Result<Vec<Event>> {
        self.tree
            .scan_prefix(key(EVENT, ticket.0))
            .map(|r| decode(&r?.1))
            .collect()
    }

    /// A job's password, if still stored.
    pub fn secret(&self, job: JobId) -> Result<Option<Secret>> {
        match self.tree.get(key(SECRET, job.0))? {
            Some(sealed) => Ok(Some(self.key.open(&sealed, &job.0.to_be_bytes())?)),
            None => Ok(None),
        }
    }

    /// What is known of a mailbox not accepted yet, by its job.
    pub fn pending(&self, job: JobId) -> Result<Option<PendingMailbox>> {
        self.tree.get(key(PENDING, job.0))?.map(|v| decode(&v)).transpose()
    }

    /// Deletes a job's password, its contact and calendar files, its migration checkpoints
    /// and what was kept of it while it waited for information (done or cancelled: nothing of
    /// the job will run again).
    pub fn wipe_secret(&self, change: &mut Change, job: JobId) {
        change.batch.remove(key(SECRET, job.0));
        change.batch.remove(key(PENDING, job.0));
        for prefix in [GROUPWARE, CHECKPOINT] {
            for r in self.tree.scan_prefix(key(prefix, job.0)).keys().flatten() {
                change.batch.remove(r);
            }
        }
        change.pending += 1;
    }

    /// Adds a contacts or calendar file for a job to a change, sealed like a password (it is
    /// personal data); `n` numbers the job's files.
    pub fn seal_groupware(&self, change: &mut Change, job: JobId, n: u32, name: &str, data: &[u8]) -> Result<()> {
        let mut k = key(GROUPWARE, job.0);
        k.extend_from_slice(&n.to_be_bytes());
        let record = serde_json::to_string(&(name, String::from_utf8_lossy(data)))?;
        let sealed = self.key.seal(&Secret::new(record), &k)?;
        change.batch.insert(k, sealed);
        change.pending += 1;
        Ok(())
    }

    /// A job's contacts and calendar files: (file name, bytes).
    pub fn groupware(&self, job: JobId) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for r in self.tree.scan_prefix(key(GROUPWARE, job.0)) {
            let (k, v) = r?;
            let clear = self.key.open(&v, &k)?;
            let (name, text): (String, String) = serde_json::from_str(clear.expose())?;
            out.push((name, text.into_bytes()));
        }
        Ok(out)
    }

    /// Replies not sent yet, oldest first.
    pub fn outbox_pending(&self) -> Result<Vec<OutgoingMail>> {
        let mut out = Vec::new();
        for r in self.tree.scan_prefix(OUTBOX) {
            let m: OutgoingMail = decode(&r?.1)?;
            if m.state == OutboxState::Pending {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Every reply of one ticket (pending, sent or failed), oldest first.
    pub fn outbox_of(&self, ticket: TicketId) -> Result<Vec<OutgoingMail>> {
        let mut out = Vec::new();
        for r in self.tree.scan_prefix(OUTBOX) {
            let m: OutgoingMail = decode(&r?.1)?;
            if m.ticket == ticket {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Sent replies whose copy is not in the support mailbox's Sent folder yet, oldest first.
    pub fn outbox_unfiled(&self) -> Result<Vec<OutgoingMail>> {
        let mut out = Vec::new();
        for r in self.tree.scan_prefix(OUTBOX) {
            let m: OutgoingMail = decode(&r?.1)?;
            if m.state == OutboxState::Sent && !m.filed {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// How many replies to `to` the SMTP server accepted since `since`.
    pub fn outbox_sent_since(&self, to: &str, since: DateTime<Utc>) -> Result<usize> {
        let mut n = 0;
        for r in self.tree.scan_prefix(OUTBOX).rev() {
            let m: OutgoingMail = decode(&r?.1)?;
            if m.state == OutboxState::Sent && m.to.eq_ignore_ascii_case(to) {
                match m.sent_at {
                    Some(t) if t >= since => n += 1,
                    Some(_) => break, // older than the window: so is everything before it
                    None => {}
                }
            }
        }
        Ok(n)
    }

    /// The support inbox position: (UIDVALIDITY, last handled UID).
    pub fn inbox_position(&self) -> Result<Option<(u32, u32)>> {
        match self.tree.get(text_key(META, "inbox"))? {
            Some(v) if v.len() == 8 => {
                let uv = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                let uid = u32::from_be_bytes([v[4], v[5], v[6], v[7]]);
                Ok(Some((uv, uid)))
            }
            _ => Ok(None),
        }
    }

    /// Records the support inbox position.
    pub fn set_inbox_position(&self, change: &mut Change, uidvalidity: u32, last_uid: u32) {
        let mut v = uidvalidity.to_be_bytes().to_vec();
        v.extend_from_slice(&last_uid.to_be_bytes());
        change.batch.insert(text_key(META, "inbox"), v);
        change.pending += 1;
    }

    /// Migration checkpoints for one job and pass.
    pub fn checkpoints(&self, job: JobId) -> JobCheckpoints {
        JobCheckpoints {
            store: self.clone(),
            job,
        }
    }
}

/// [`Checkpoints`] of one job, in the store.
pub struct JobCheckpoints {
    store: Store,
    job: JobId,
}

impl JobCheckpoints {
    fn key(&self, folder: &str) -> Vec<u8> {
        let mut k = key(CHECKPOINT, self.job.0);
        k.extend_from_slice(folder.as_bytes());
        k
    }
}

impl Checkpoints for JobCheckpoints {
    fn load(&self, folder: &str) -> Option<FolderCheckpoint> {
        let v = self.store.tree.get(self.key(folder)).ok()??;
        decode(&v).ok()
    }

    fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> Result<()> {
        self.store
            .noted(self.store.tree.insert(self.key(folder), encode(&checkpoint)?))?;
        self.store.noted(self.store.db.flush())?;
        Ok(())
    }
}

impl Store {
    /// Writes a small health-probe record and flushes it to disk: an error means the store
    /// cannot be written (disk full, read-only file system, I/O error).
    pub async fn probe_write(&self, at: DateTime<Utc>) -> Result<()> {
        let now = at.timestamp_millis().to_be_bytes();
        self.tree
            .insert(text_key(META, "health-probe"), &now)
            .context("writing to the store")?;
        self.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_with_data_refuses_to_start_without_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let (path, key) = (dir.path().join("store"), dir.path().join("store.key"));
        {
            let store = Store::open(&path, &key).unwrap();
            let mut change = Change::new();
            store.seal_secret(&mut change, JobId(1), &Secret::new("pw")).unwrap();
            store.apply(change).unwrap();
            store.db.flush().unwrap();
        }
        std::fs::remove_file(&key).unwrap();
        let err = format!("{:#}", Store::open(&path, &key).unwrap_err());
        assert!(err.contains("key file") && err.contains("missing"), "{err}");
        assert!(!key.exists(), "no new key is made in its place");
    }
}

#[cfg(test)]
mod wipe_tests {
    use super::*;

    #[test]
    fn wiping_a_job_removes_its_password_files_and_checkpoints_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s"), &dir.path().join("k")).unwrap();
        let mut change = Change::new();
        for job in [JobId(1), JobId(2)] {
            store.seal_secret(&mut change, job, &Secret::new("pw")).unwrap();
            store
                .seal_groupware(&mut change, job, 0, "a.vcf", b"BEGIN:VCARD")
                .unwrap();
        }
        store.apply(change).unwrap();
        let cp = FolderCheckpoint {
            uidvalidity: 7,
            last_uid: 9,
            ..Default::default()
        };
        store.checkpoints(JobId(1)).save("INBOX", cp).unwrap();
        store.checkpoints(JobId(2)).save("INBOX", cp).unwrap();
        let mut change = Change::new();
        store.wipe_secret(&mut change, JobId(1));
        store.apply(change).unwrap();
        assert!(store.secret(JobId(1)).unwrap().is_none());
        assert!(store.groupware(JobId(1)).unwrap().is_empty());
        assert!(store.checkpoints(JobId(1)).load("INBOX").is_none());
        assert!(store.secret(JobId(2)).unwrap().is_some(), "another job keeps its own");
        assert_eq!(store.groupware(JobId(2)).unwrap().len(), 1);
        assert_eq!(store.checkpoints(JobId(2)).load("INBOX"), Some(cp));
    }
}
