//! Pacing a copy to a provider's limits: a download quota per window (Gmail: about 2,500 MB
//! of IMAP download per account per day), the back-off a throttled server asks for (Exchange:
//! "Request is throttled. Suggested Backoff Time: N milliseconds"), and the expected finish of
//! a copy under those limits ("about 4 days for 10 GB at Gmail").
//!
//! Pure: the caller passes "now"; nothing here sleeps, reads a clock or talks to a server, so
//! every rule is tested with made-up instants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a copy from one provider keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceLimits {
    /// Bytes one account may download per window (None: no quota).
    pub bytes_per_window: Option<u64>,
    /// The quota's window.
    pub window: Duration,
    /// Simultaneous connections one mailbox may hold there.
    pub max_connections: Option<usize>,
    /// The copy speed assumed there, for the expected finish (None: [`DEFAULT_SPEED`]).
    pub bytes_per_second: Option<u64>,
}

/// The copy speed assumed when a provider names none: 2 MB/s.
pub const DEFAULT_SPEED: u64 = 2_000_000;

impl Default for PaceLimits {
    /// No quota, no connection cap.
    fn default() -> Self {
        PaceLimits {
            bytes_per_window: None,
            window: Duration::from_secs(24 * 3600),
            max_connections: None,
            bytes_per_second: None,
        }
    }
}

/// How much of the current window a job has used; kept with the job, so a copy that pauses
/// for the quota and resumes (or a restart) goes on counting in the same window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaceState {
    /// When the current window began (None: nothing downloaded yet).
    pub window_start: Option<DateTime<Utc>>,
    /// Bytes downloaded in it.
    pub used: u64,
}

/// Whether a download may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Go ahead.
    Go,
    /// The window's quota is spent: wait until this instant.
    WaitUntil(DateTime<Utc>),
}

impl PaceState {
    /// May `bytes` more be downloaded at `now`? A new window starts when the last one is over;
    /// within a window the quota is kept, except that the first download of a window always
    /// goes (a single message larger than the whole quota must not stop a copy for ever).
    pub fn admit(&mut self, limits: &PaceLimits, now: DateTime<Utc>, bytes: u64) -> Admit {
        let Some(quota) = limits.bytes_per_window else {
            return Admit::Go;
        };
        let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::days(1));
        match self.window_start {
            Some(start) if now < start + window => {}
            _ => {
                self.window_start = Some(now);
                self.used = 0;
            }
        }
        let start = self.window_start.unwrap_or(now);
        if self.used == 0 || self.used.saturating_add(bytes) <= quota {
            Admit::Go
        } else {
            Admit::WaitUntil(start + window)
        }
    }

    /// Counts `bytes` downloaded at `now`.
    pub fn record(&mut self, now: DateTime<Utc>, bytes: u64) {
        if self.window_start.is_none() {
            self.window_start = Some(now);
        }
        self.used = self.used.saturating_add(bytes);
    }

    /// The end of the current window, when the quota is spent at `now` (a server that says so
    /// itself, before our count does: the account is shared with other clients).
    pub fn spent(&mut self, limits: &PaceLimits, now: DateTime<Utc>) -> DateTime<Utc> {
        let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::days(1));
        let start = match self.window_start {
            Some(start) if now < start + window => start,
            _ => now,
        };
        self.window_start = Some(start);
        self.used = limits.bytes_per_window.unwrap_or(self.used).max(self.used);
        start + window
    }
}

/// What a throttled server asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// Try again after this long (Exchange's "Suggested Backoff Time").
    BackOff(Duration),
    /// The account's quota is spent (Gmail's `[OVERQUOTA]` bandwidth answer, `[THROTTLED]`):
    /// wait for the window to end.
    QuotaSpent,
}

/// The throttling a source server's refusal asks for, if it is one: Exchange's "Request is
/// throttled. Suggested Backoff Time: 226 milliseconds", Gmail's "[OVERQUOTA] Account exceeded
/// command or bandwidth limits" and "[THROTTLED]", "Too many simultaneous connections".
pub fn throttle_hint(text: &str) -> Option<Throttle> {
    let lower = text.to_ascii_lowercase();
    if let Some(at) = lower.find("suggested backoff time:") {
        let rest = lower[at + "suggested backoff time:".len()..].trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let n: u64 = digits.parse().ok()?;
        let unit = rest[digits.len()..].trim_start();
        let d = if unit.starts_with("ms") || unit.starts_with("milli") {
            Duration::from_millis(n)
        } else if unit.starts_with('s') {
            Duration::from_secs(n)
        } else {
            Duration::from_millis(n)
        };
        return Some(Throttle::BackOff(d));
    }
    if lower.contains("request is throttled") {
        return Some(Throttle::BackOff(Duration::from_secs(1)));
    }
    if lower.contains("too many simultaneous connections") {
        return Some(Throttle::BackOff(Duration::from_secs(60)));
    }
    let bandwidth = lower.contains("bandwidth") || lower.contains("[throttled]");
    if bandwidth && (lower.contains("[overquota]") || lower.contains("exceeded") || lower.contains("[throttled]")) {
        return Some(Throttle::QuotaSpent);
    }
    None
}

/// How long moving `bytes` takes under `limits`: the quota's windows it needs (waiting out all
/// but the last) plus the transfer itself at the assumed speed.
pub fn expected_duration(limits: &PaceLimits, bytes: u64) -> Duration {
    let speed = limits.bytes_per_second.unwrap_or(DEFAULT_SPEED).max(1);
    let transfer = |b: u64| Duration::from_secs_f64(b as f64 / speed as f64);
    match limits.bytes_per_window {
        Some(quota) if quota > 0 && bytes > quota => {
            let waits = (bytes - 1) / quota;
            let last = bytes - waits * quota;
            // Each full window: the window itself (its transfer fits inside it, or the window
            // is shorter than its transfer and the transfer decides).
            let per_window = limits.window.max(transfer(quota));
            per_window * waits as u32 + transfer(last)
        }
        _ => transfer(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn gmail() -> PaceLimits {
        PaceLimits {
            bytes_per_window: Some(2_500_000_000),
            window: Duration::from_secs(24 * 3600),
            max_connections: Some(15),
            bytes_per_second: None,
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    #[test]
    fn the_quota_holds_within_a_window_and_the_next_window_starts_afresh() {
        let limits = PaceLimits {
            bytes_per_window: Some(5_000_000),
            window: Duration::from_secs(30),
            ..PaceLimits::default()
        };
        let t0 = at(10, 0);
        let mut s = PaceState::default();
        assert_eq!(s.admit(&limits, t0, 3_000_000), Admit::Go);
        s.record(t0, 3_000_000);
        assert_eq!(
            s.admit(&limits, t0 + chrono::Duration::seconds(5), 2_000_000),
            Admit::Go
        );
        s.record(t0, 2_000_000);
        let later = t0 + chrono::Duration::seconds(10);
        assert_eq!(
            s.admit(&limits, later, 1),
            Admit::WaitUntil(t0 + chrono::Duration::seconds(30)),
            "5 MB in this window: the next byte waits for the window's end"
        );
        let next = t0 + chrono::Duration::seconds(30);
        assert_eq!(s.admit(&limits, next, 4_000_000), Admit::Go);
        assert_eq!(s.window_start, Some(next));
        assert_eq!(s.used, 0);
    }

    #[test]
    fn a_message_larger_than_the_quota_still_goes_first_in_its_window() {
        let limits = PaceLimits {
            bytes_per_window: Some(1_000),
            window: Duration::from_secs(60),
            ..PaceLimits::default()
        };
        let mut s = PaceState::default();
        assert_eq!(s.admit(&limits, at(10, 0), 5_000), Admit::Go);
        s.record(at(10, 0), 5_000);
        assert!(matches!(s.admit(&limits, at(10, 0), 1), Admit::WaitUntil(_)));
    }

    #[test]
    fn without_a_quota_everything_goes() {
        let mut s = PaceState::default();
        assert_eq!(s.admit(&PaceLimits::default(), at(10, 0), u64::MAX), Admit::Go);
    }

    #[test]
    fn the_server_saying_the_quota_is_spent_ends_the_window_early() {
        let mut s = PaceState::default();
        s.record(at(10, 0), 100);
        let until = s.spent(&gmail(), at(12, 0));
        assert_eq!(until, at(10, 0) + chrono::Duration::days(1));
        assert!(matches!(s.admit(&gmail(), at(13, 0), 1), Admit::WaitUntil(_)));
        assert_eq!(s.admit(&gmail(), until, 1), Admit::Go, "a new day");
    }

    #[test]
    fn the_providers_exact_throttle_answers_are_read() {
        assert_eq!(
            throttle_hint("Request is throttled. Suggested Backoff Time: 226 milliseconds"),
            Some(Throttle::BackOff(Duration::from_millis(226)))
        );
        assert_eq!(
            throttle_hint("[UNAVAILABLE] Request is throttled. Suggested Backoff Time: 5000 ms"),
            Some(Throttle::BackOff(Duration::from_millis(5000)))
        );
        assert_eq!(
            throttle_hint("[OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)"),
            Some(Throttle::QuotaSpent)
        );
        assert_eq!(
            throttle_hint("[ALERT] Too many simultaneous connections. (Failure)"),
            Some(Throttle::BackOff(Duration::from_secs(60)))
        );
        assert_eq!(throttle_hint("[OVERQUOTA] Quota exceeded (mailbox full)"), None);
        assert_eq!(throttle_hint("[AUTHENTICATIONFAILED] Invalid credentials"), None);
    }

    #[test]
    fn the_expected_finish_counts_the_days_of_a_quota() {
        // 10 GB at Gmail: four days' quotas, three waits and the last 2.5 GB.
        let d = expected_duration(&gmail(), 10_000_000_000);
        let days = d.as_secs_f64() / 86_400.0;
        assert!(days > 3.0 && days < 3.1, "{days}");
        // 1 GB fits in one day: only the transfer (500 s at 2 MB/s).
        assert_eq!(expected_duration(&gmail(), 1_000_000_000), Duration::from_secs(500));
        // No quota: the transfer alone.
        assert_eq!(
            expected_duration(&PaceLimits::default(), 10_000_000_000),
            Duration::from_secs(5000)
        );
        // A test-sized quota: 5 MB per 30 s, 12 MB: two waits and 2 MB.
        let small = PaceLimits {
            bytes_per_window: Some(5_000_000),
            window: Duration::from_secs(30),
            ..PaceLimits::default()
        };
        assert_eq!(expected_duration(&small, 12_000_000), Duration::from_secs(61));
    }
}
