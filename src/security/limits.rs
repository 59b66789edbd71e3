//! Sliding one-hour windows: how many mails one key (a sender, a thread) had acted on.
//!
//! Kept in memory: a restart starts the windows afresh (the store's dedup by Message-ID still
//! stops a mail from being acted on twice).

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Counts per key within the last hour.
#[derive(Debug, Default)]
pub struct Windows {
    seen: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Windows {
    /// Counts one more mail for `key` at `now` when fewer than `limit` were counted in the hour
    /// before; returns false (and counts nothing) when the limit is reached.
    pub fn admit(&self, key: &str, limit: usize, now: DateTime<Utc>) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let hour_ago = now - Duration::hours(1);
        // Forget keys whose window has emptied, so the map stays small.
        if seen.len() > 10_000 {
            seen.retain(|_, q| q.back().is_some_and(|t| *t > hour_ago));
        }
        let q = seen.entry(key.to_ascii_lowercase()).or_default();
        while q.front().is_some_and(|t| *t <= hour_ago) {
            q.pop_front();
        }
        if q.len() >= limit {
            return false;
        }
        q.push_back(now);
        true
    }

    /// Whether `key` could take one more at `now` (nothing counted).
    pub fn would_admit(&self, key: &str, limit: usize, now: DateTime<Utc>) -> bool {
        let seen = match self.seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let hour_ago = now - Duration::hours(1);
        seen.get(&key.to_ascii_lowercase())
            .map_or(0, |q| q.iter().filter(|t| **t > hour_ago).count())
            < limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_over_one_hour() {
        let w = Windows::default();
        let t0 = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(w.admit("a@x.example", 2, t0));
        assert!(w.admit("A@X.example", 2, t0 + Duration::minutes(10)));
        assert!(!w.would_admit("a@x.example", 2, t0 + Duration::minutes(20)));
        assert!(!w.admit("a@x.example", 2, t0 + Duration::minutes(20)));
        assert!(
            w.admit("b@x.example", 2, t0 + Duration::minutes(20)),
            "other keys are not affected"
        );
        assert!(
            w.admit("a@x.example", 2, t0 + Duration::minutes(61)),
            "the first one left the window"
        );
        assert!(!w.admit("a@x.example", 2, t0 + Duration::minutes(62)));
    }
}
