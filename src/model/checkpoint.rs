//! Where a folder's copy stands (checkpoints) and how a running pass reports progress: the
//! contracts between the engine and whoever keeps its state (the store, a file, memory) or
//! watches it (the staff page, the CLI). Never does I/O itself.

use serde::{Deserialize, Serialize};

/// Where a folder's copy stood after the last message that was durably copied.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FolderCheckpoint {
    /// UIDVALIDITY of the source folder.
    pub uidvalidity: u32,
    /// Every source UID up to this one is copied.
    pub last_uid: u32,
    /// HIGHESTMODSEQ of the source folder when its flags were last brought over (CONDSTORE).
    pub highest_modseq: Option<u64>,
    /// UIDVALIDITY of our folder when this was saved.
    #[serde(default)]
    pub dest_uidvalidity: Option<u32>,
    /// Every message we appended after this checkpoint has a UID at least this high on our
    /// side: the next pass compares new source messages only with those (a crash between an
    /// APPEND and the next checkpoint never makes a duplicate).
    #[serde(default)]
    pub dest_uidnext: Option<u32>,
    /// Total size of the source messages up to `last_uid` (for the report).
    #[serde(default)]
    pub bytes: u64,
}

/// Durable per-folder checkpoints (the sled store, or memory for a dry run).
pub trait Checkpoints: Send + Sync {
    /// The checkpoint of a source folder, if any.
    fn load(&self, folder: &str) -> Option<FolderCheckpoint>;
    /// Saves a checkpoint; it must be durable when this returns.
    fn save(&self, folder: &str, checkpoint: FolderCheckpoint) -> anyhow::Result<()>;
}

/// Receives progress while a pass runs.
pub trait Progress: Send + Sync {
    /// The pass will go through `folders` folders (said once, when they are listed).
    fn planned(&self, folders: usize) {
        let _ = folders;
    }
    /// `folder` has `done` of `total` messages and `done_bytes` of `total_bytes` handled.
    fn update(&self, folder: &str, done: u64, total: u64, done_bytes: u64, total_bytes: u64);
    /// `folder` is through for this pass: copied, or left with its reasons in the report (so
    /// its last `update` may count fewer than all, or there may have been none).
    fn finished(&self, folder: &str) {
        let _ = folder;
    }
}

/// A progress sink that ignores everything.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &str, _: u64, _: u64, _: u64, _: u64) {}
}
