//! The copy itself: list, compare, fetch, append.

use super::{Checkpoints, MailboxPair, MigrateError, MigrationReport, Options, Progress};

/// Copies every folder of `pair.source` into `pair.destination`.
pub async fn migrate_mailbox(
    _pair: &MailboxPair,
    _opts: &Options,
    _checkpoints: &dyn Checkpoints,
    _progress: &dyn Progress,
) -> Result<MigrationReport, MigrateError> {
    Err(MigrateError::Permanent(
        "the migration engine is not built yet".into(),
    ))
}
