//! The migration engine: IMAP to IMAP, used by the daemon's jobs and by `mailferry migrate`.
//!
//! It copies every folder of a source mailbox into a destination mailbox with bodies byte for
//! byte, flags, keywords and INTERNALDATE; a second pass copies only what is new; per-folder
//! checkpoints let a crash resume without duplicates. It must never alter a message, never
//! copy one twice, and never log a password or a body.

use crate::imapconn::{Credentials, Endpoint};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub mod dav;
pub mod engine;
pub mod folders;
/// The splitter of `.vcf`/`.ics` files lives in [`crate::davsplit`] (intake counts with it too).
pub use crate::davsplit as groupware;
pub mod multistatus;
pub mod pacer;
pub mod pipeline;

pub use crate::model::{Checkpoints, FolderCheckpoint, FolderReport, MigrationReport, NoProgress, Progress};
pub use engine::migrate_mailbox;

/// Both ends of one mailbox migration.
#[derive(Debug, Clone)]
pub struct MailboxPair {
    /// The old provider.
    pub source: Endpoint,
    /// Login at the old provider.
    pub source_login: Credentials,
    /// Our server.
    pub destination: Endpoint,
    /// Login on our side (usually the admin acting for the customer).
    pub destination_login: Credentials,
}

/// Tuning and switches for a pass.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only count what would be copied.
    pub dry_run: bool,
    /// Which folders to copy.
    pub folders: folders::PlanOptions,
    /// Folders copied at once, each over its own pair of connections (1 = one at a time).
    pub folder_workers: usize,
    /// Bytes of message data held in memory at once, across connections.
    pub bytes_in_flight: usize,
    /// Set to stop the pass at the next message.
    pub cancel: Arc<AtomicBool>,
    /// What the old server may send (its `max_literal` is also the largest message copied) and
    /// how long it may keep us waiting.
    pub source_limits: crate::imapconn::Limits,
    /// The same for our server.
    pub destination_limits: crate::imapconn::Limits,
    /// Most folders the old server may list.
    pub max_folders: usize,
    /// The old provider's limits (download quota, throttling), when it has any.
    pub pace: Option<Arc<pacer::Pacer>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            folders: folders::PlanOptions::default(),
            folder_workers: 2,
            bytes_in_flight: 32 << 20,
            cancel: Arc::new(AtomicBool::new(false)),
            source_limits: crate::config::SourcePolicy::default().limits(),
            destination_limits: crate::config::SourcePolicy::default().our_server_limits(),
            max_folders: crate::config::SourcePolicy::default().max_folders,
            pace: None,
        }
    }
}

impl Options {
    /// The defaults with the caps and timeouts of `[source]`.
    pub fn with_policy(policy: &crate::config::SourcePolicy) -> Options {
        Options {
            folder_workers: policy.folders_at_once,
            source_limits: policy.limits(),
            destination_limits: policy.our_server_limits(),
            max_folders: policy.max_folders,
            bytes_in_flight: policy.bytes_in_flight.unwrap_or(Options::default().bytes_in_flight),
            ..Options::default()
        }
    }

    /// True when someone asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How a pass ended when it did not complete.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Worth another try later (connection lost, server busy).
    #[error("{0}")]
    Transient(String),
    /// Will not get better by itself (login refused, host not allowed).
    #[error("{0}")]
    Permanent(String),
    /// Stopped on request.
    #[error("cancelled")]
    Cancelled,
    /// Stopped for the old provider's limits (its download quota is spent): resume from the
    /// checkpoints at `until`. Not a failure and not an attempt.
    #[error("paused until {until}: {reason}")]
    Paused {
        /// When the provider's window ends.
        until: chrono::DateTime<chrono::Utc>,
        /// Why, in the provider's words or ours.
        reason: String,
    },
}

/// Checkpoints kept in memory only: for `mailferry migrate` and dry runs (lost at exit).
#[derive(Debug, Default)]
pub struct MemoryCheckpoints {
    map: std::sync::Mutex<std::collections::BTreeMap<String, FolderCheckpoint>>,
}

impl Checkpoints for MemoryCheckpoints {
    fn load(&self, folder: &str) -> Option<FolderCheckpoint> {
        self.map.lock().ok()?.get(folder).copied()
    }
    fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> anyhow::Result<()> {
        self.map
            .lock()
            .map_err(|_| anyhow::anyhow!("checkpoint map poisoned"))?
            .insert(folder.to_string(), checkpoint);
        Ok(())
    }
}

/// Checkpoints in one JSON file (for `mailferry migrate`, which must not open the daemon's
/// store): every save rewrites the file through a temporary file, `fsync` and `rename`, so it
/// is durable when `save` returns and a crash leaves the old or the new version, never half.
#[derive(Debug)]
pub struct FileCheckpoints {
    path: std::path::PathBuf,
    map: std::sync::Mutex<std::collections::BTreeMap<String, FolderCheckpoint>>,
}

impl FileCheckpoints {
    /// Opens (or starts) the file at `path`; its folder is created when missing.
    pub fn open(path: &std::path::Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let map = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a checkpoint file", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(FileCheckpoints {
            path: path.to_path_buf(),
            map: std::sync::Mutex::new(map),
        })
    }
}

impl Checkpoints for FileCheckpoints {
    fn load(&self, folder: &str) -> Option<FolderCheckpoint> {
        self.map.lock().ok()?.get(folder).copied()
    }
    fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> anyhow::Result<()> {
        use std::io::Write;
        let mut map = self
            .map
            .lock()
            .map_err(|_| anyhow::anyhow!("checkpoint map poisoned"))?;
        map.insert(folder.to_string(), checkpoint);
        let tmp = self.path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec(&*map)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// A plain-text table, one row per folder and a total row, for replies and the CLI.
///
/// ```text
/// Folder              Messages  Copied  Already there  Failed
/// INBOX                     12      12              0       0
/// ...
/// Total                     20      18              2       0
/// ```
pub fn report_table(report: &MigrationReport) -> String {
    let header = ["Folder", "Messages", "Copied", "Already there", "Failed"];
    let mut rows: Vec<[String; 5]> = report
        .folders
        .iter()
        .map(|f| {
            let name = if f.source == f.destination {
                f.source.clone()
            } else {
                format!("{} -> {}", f.source, f.destination)
            };
            [
                name,
                f.messages.to_string(),
                f.copied.to_string(),
                f.already_there.to_string(),
                f.failed.to_string(),
            ]
        })
        .collect();
    rows.push([
        "Total".into(),
        report.total_messages().to_string(),
        report.total_copied().to_string(),
        report.folders.iter().map(|f| f.already_there).sum::<u64>().to_string(),
        report.total_failed().to_string(),
    ]);
    let mut width = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    let total = rows.len() - 1;
    for (i, r) in rows.iter().enumerate() {
        if i == total {
            out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * 4));
            out.push('\n');
        }
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_table_lines_up_and_totals() {
        let report = MigrationReport {
            folders: vec![
                FolderReport {
                    source: "INBOX".into(),
                    destination: "INBOX".into(),
                    messages: 12,
                    copied: 10,
                    already_there: 2,
                    ..Default::default()
                },
                FolderReport {
                    source: "Gesendete Objekte".into(),
                    destination: "Sent".into(),
                    messages: 3,
                    copied: 2,
                    failed: 1,
                    ..Default::default()
                },
            ],
        };
        let t = report_table(&report);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "Folder                     Messages  Copied  Already there  Failed"
        );
        assert_eq!(
            lines[1],
            "INBOX                            12      10              2       0"
        );
        assert_eq!(
            lines[2],
            "Gesendete Objekte -> Sent         3       2              0       1"
        );
        assert_eq!(
            lines[4],
            "Total                            15      12              2       1"
        );
    }

    #[test]
    fn memory_checkpoints_remember() {
        let m = MemoryCheckpoints::default();
        assert_eq!(m.load("INBOX"), None);
        let cp = FolderCheckpoint {
            uidvalidity: 7,
            last_uid: 42,
            highest_modseq: None,
            ..FolderCheckpoint::default()
        };
        m.save("INBOX", cp).unwrap();
        assert_eq!(m.load("INBOX"), Some(cp));
    }

    #[test]
    fn file_checkpoints_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/pair.json");
        let cp = FolderCheckpoint {
            uidvalidity: 7,
            last_uid: 42,
            highest_modseq: Some(9),
            dest_uidvalidity: Some(3),
            dest_uidnext: Some(50),
            bytes: 1234,
        };
        let f = FileCheckpoints::open(&path).unwrap();
        assert_eq!(f.load("INBOX"), None);
        f.save("INBOX", cp).unwrap();
        f.save("Sent", FolderCheckpoint::default()).unwrap();
        let again = FileCheckpoints::open(&path).unwrap();
        assert_eq!(again.load("INBOX"), Some(cp));
        assert_eq!(again.load("Sent"), Some(FolderCheckpoint::default()));
    }

    #[test]
    fn checkpoints_saved_before_the_new_fields_still_load() {
        let old: FolderCheckpoint =
            serde_json::from_str(r#"{"uidvalidity":7,"last_uid":42,"highest_modseq":null}"#).unwrap();
        assert_eq!(old.last_uid, 42);
        assert_eq!(old.dest_uidnext, None);
    }
}
