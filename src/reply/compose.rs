//! Composing replies from templates. Pure: no I/O, no clock (the caller passes the date).

use serde::Deserialize;

/// Reply templates from `rules/replies.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Templates {}
