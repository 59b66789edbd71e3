//! The rules: field labels, CSV aliases, classification, scheduling policy, limits and reply
//! templates, as TOML in `rules/`. The built-in files are compiled in; an operator's folder
//! (config `rules_dir`) is read over them file by file.

use anyhow::{Context, Result};
use std::path::Path;

/// Built-in reply templates.
const REPLIES: &str = include_str!("../rules/replies.toml");

/// All rules in force.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Reply templates.
    pub replies: crate::reply::compose::Templates,
}

impl Rules {
    /// The built-in rules.
    pub fn builtin() -> Result<Rules> {
        Self::load(None)
    }

    /// The built-in rules, with an operator's folder read over them.
    pub fn load(dir: Option<&Path>) -> Result<Rules> {
        let replies = read_override(dir, "replies.toml", REPLIES)?;
        Ok(Rules {
            replies: toml::from_str(&replies).context("rules/replies.toml")?,
        })
    }
}

fn read_override(dir: Option<&Path>, name: &str, builtin: &str) -> Result<String> {
    if let Some(dir) = dir {
        let path = dir.join(name);
        if path.exists() {
            return std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()));
        }
    }
    Ok(builtin.to_string())
}
