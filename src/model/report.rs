//! What a migration pass found and did, per folder: kept with the job, shown in replies, on the
//! staff page and in metrics. Plain figures: never a message body, never a password.

use serde::{Deserialize, Serialize};

/// Figures for one folder after a pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FolderReport {
    /// The folder's name at the source (decoded, `/`-separated).
    pub source: String,
    /// The folder's name on our side.
    pub destination: String,
    /// Messages in the source folder.
    pub messages: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Messages copied in this pass.
    pub copied: u64,
    /// Messages found already copied.
    pub already_there: u64,
    /// Messages that could not be copied.
    pub failed: u64,
    /// Why, one sentence per failed message (capped).
    pub errors: Vec<String>,
}

/// Figures for a whole mailbox after a pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MigrationReport {
    /// One entry per source folder, in tree order.
    pub folders: Vec<FolderReport>,
}

impl MigrationReport {
    /// Messages at the source, in all folders.
    pub fn total_messages(&self) -> u64 {
        self.folders.iter().map(|f| f.messages).sum()
    }
    /// Messages copied in this pass.
    pub fn total_copied(&self) -> u64 {
        self.folders.iter().map(|f| f.copied).sum()
    }
    /// Messages that failed.
    pub fn total_failed(&self) -> u64 {
        self.folders.iter().map(|f| f.failed).sum()
    }
}
