//! Scheduling policy and limits (`rules/policy.toml`).
//!
//! Plain data: the checks themselves are in `validate.rs`.

use chrono::Weekday;
use serde::Deserialize;

/// Lead times and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Hours of notice before a weekday window.
    pub lead_time_hours: u32,
    /// Hours of notice before a window on a weekend day.
    pub weekend_lead_time_hours: u32,
    /// The weekend days (UTC), e.g. `["Sat", "Sun"]`.
    pub weekend_days: Vec<Weekday>,
    /// Most CSV rows in one request.
    pub max_rows: usize,
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Most attachments in one request mail; over it, none of them is read.
    #[serde(default = "default_max_attachments")]
    pub max_attachments: usize,
    /// Accept loopback, private and single-label server names. Not a rule-file key: set from
    /// the operator's `source.allow_private_addresses` (test beds only).
    #[serde(skip)]
    pub allow_private_hosts: bool,
}

fn default_max_attachments() -> usize {
    100
}

impl Policy {
    /// Reads `policy.toml`.
    pub fn parse(text: &str) -> Result<Policy, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policy() {
        let p = Policy::parse(include_str!("../../rules/policy.toml")).unwrap();
        assert_eq!(p.lead_time_hours, 24);
        assert_eq!(p.weekend_lead_time_hours, 48);
        assert_eq!(p.weekend_days, vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(p.max_rows, 10000);
        assert_eq!(p.max_attachments, 100);
    }
}
