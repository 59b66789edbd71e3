//! Validation of requested mailboxes.
