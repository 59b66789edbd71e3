//! The support inbox watcher.
