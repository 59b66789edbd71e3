//! An honest estimate of when a mailbox's first copy starts and ends, as a range ("starts
//! within about 5–10 minutes, takes about 20–40 minutes"), and how far such estimates were off
//! once the jobs ran.
//!
//! Pure: the caller passes "now", the queue position, the size the probe found, the speed
//! measured for the source host and the provider's pacing. Nothing here reads a clock, the
//! store or the network, and nothing here holds a sentence: the words live in rules/.

use super::{expected_duration, Found, PaceLimits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The size assumed for one message when the server did not tell the mailbox's size: 75 kB.
pub const ASSUMED_MESSAGE_BYTES: u64 = 75_000;

/// The least a range spans, so "about" never reads as a promise to the minute: 5 minutes.
const MIN_SPAN: Duration = Duration::from_secs(5 * 60);

/// What the estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct EtaInput {
    /// The instant the estimate is made.
    pub now: DateTime<Utc>,
    /// Jobs waiting ahead of this one in the queue.
    pub ahead: usize,
    /// Copies that run at the same time.
    pub slots: usize,
    /// How long a job ahead typically holds a slot.
    pub typical_job: Duration,
    /// The earliest start the customer asked for (the schedule window), if any.
    pub not_before: Option<DateTime<Utc>>,
    /// What the probe found at validation.
    pub found: Option<Found>,
    /// Bytes per second measured for this source host from finished jobs, if any.
    pub measured_speed: Option<u64>,
    /// Bytes per second assumed when nothing was measured (the configured default).
    pub default_speed: u64,
    /// The provider's pacing (a download quota per window), if the model has one.
    pub pace: Option<PaceLimits>,
}

/// An estimated start and end, each a range; kept with the job to compare with what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    /// When the estimate was made.
    pub made: DateTime<Utc>,
    /// The earliest expected start.
    pub start_from: DateTime<Utc>,
    /// The latest expected start.
    pub start_to: DateTime<Utc>,
    /// The earliest expected end.
    pub end_from: DateTime<Utc>,
    /// The latest expected end.
    pub end_to: DateTime<Utc>,
}

/// When a job's first copy really started and ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    /// When the first copy started.
    pub started: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended: Option<DateTime<Utc>>,
}

/// A unit a range is told in; the reply's words for it are in rules/replies/<language>.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

/// A rounded range for people: "about `from`–`to` `unit`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The lower bound, rounded down.
    pub from: u64,
    /// The upper bound, rounded up (always above `from`).
    pub to: u64,
    /// Their unit.
    pub unit: SpanUnit,
}

fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(3650))
}

/// How many bytes the copy moves: the probed size, else the message count at an assumed size.
pub fn size_of(found: &Found) -> u64 {
    found
        .bytes
        .unwrap_or(found.messages.saturating_mul(ASSUMED_MESSAGE_BYTES))
}

/// Estimates start and end. The start: the schedule window or now, plus the waves of jobs
/// ahead (`ahead / slots` typical jobs, up to one more). The duration: the size at the measured
/// (else default) speed under the provider's pacing, from two thirds to one and a half times
/// that. Every range spans at least five minutes.
pub fn estimate(input: &EtaInput) -> Estimate {
    let base = input.not_before.map_or(input.now, |nb| nb.max(input.now));
    let slots = input.slots.max(1);
    let waves = (input.ahead / slots) as u32;
    let start_from = base + chrono(input.typical_job * waves);
    let start_to = if input.ahead == 0 {
        start_from + chrono(MIN_SPAN)
    } else {
        base + chrono(input.typical_job * (waves + 1)).max(chrono(MIN_SPAN))
    };
    let bytes = input.found.as_ref().map_or(0, size_of);
    let speed = input
        .measured_speed
        .filter(|s| *s > 0)
        .unwrap_or(input.default_speed)
        .max(1);
    let limits = PaceLimits {
        bytes_per_second: Some(speed),
        ..input.pace.unwrap_or_default()
    };
    let takes = expected_duration(&limits, bytes);
    let low = takes.mul_f64(2.0 / 3.0);
    let high = takes.mul_f64(1.5).max(low + MIN_SPAN);
    Estimate {
        made: input.now,
        start_from,
        start_to,
        end_from: start_from + chrono(low),
        end_to: start_to + chrono(high),
    }
}

/// The throughput of finished copies as (bytes, seconds) pairs: total bytes over total time,
/// None when nothing measurable ran.
pub fn measured_speed(finished: &[(u64, Duration)]) -> Option<u64> {
    let bytes: u64 = finished.iter().map(|(b, _)| *b).sum();
    let secs: f64 = finished.iter().map(|(_, d)| d.as_secs_f64()).sum();
    (bytes > 0 && secs >= 1.0).then(|| (bytes as f64 / secs) as u64)
}

/// Rounds a range of durations into a span for people: minutes up to two hours, hours up to
/// two days, days beyond; the bounds are rounded outward and always differ.
pub fn span(from: Duration, to: Duration) -> Span {
    let (unit, size) = if to <= Duration::from_secs(2 * 3600) {
        (SpanUnit::Minutes, 60)
    } else if to <= Duration::from_secs(2 * 86400) {
        (SpanUnit::Hours, 3600)
    } else {
        (SpanUnit::Days, 86400)
    };
    let step = if unit == SpanUnit::Minutes { 5 } else { 1 };
    let down = from.as_secs() / size / step * step;
    let up = to.as_secs().div_ceil(size).div_ceil(step) * step;
    Span {
        from: down,
        to: up.max(down + step),
        unit,
    }
}

/// How far one job's actual end was from its estimate: zero inside the range, else the
/// distance to the nearer bound. None until the job ended.
pub fn end_error(estimate: &Estimate, actual: &Actual) -> Option<Duration> {
    let ended = actual.ended?;
    let off = if ended < estimate.end_from {
        estimate.end_from - ended
    } else if ended > estimate.end_to {
        ended - estimate.end_to
    } else {
        chrono::Duration::zero()
    };
    off.to_std().ok()
}

/// The median end error over jobs that have both an estimate and an end; None if none has.
pub fn median_error(jobs: &[(Estimate, Actual)]) -> Option<Duration> {
    let mut errors: Vec<Duration> = jobs.iter().filter_map(|(e, a)| end_error(e, a)).collect();
    if errors.is_empty() {
        return None;
    }
    errors.sort();
    let mid = errors.len() / 2;
    Some(if errors.len() % 2 == 1 {
        errors[mid]
    } else {
        (errors[mid - 1] + errors[mid]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn input() -> EtaInput {
        EtaInput {
            now: at(10, 0),
            ahead: 0,
            slots: 2,
            typical_job: Duration::from_secs(600),
            not_before: None,
            found: Some(Found {
                folders: 3,
                messages: 1000,
                bytes: Some(1_200_000_000),
            }),
            measured_speed: None,
            default_speed: 1_000_000,
            pace: None,
        }
    }

    #[test]
    fn an_empty_queue_starts_now_and_the_size_over_the_speed_sets_the_end() {
        let e = estimate(&input());
        assert_eq!(e.start_from, at(10, 0));
        assert_eq!(e.start_to, at(10, 5));
        // 1.2 GB at 1 MB/s is 20 minutes: from about 13 to about 30 (+5 for the start).
        assert_eq!(e.end_from, Utc.with_ymd_and_hms(2026, 12, 1, 10, 13, 20).unwrap());
        assert_eq!(e.end_to, at(10, 35));
    }

    #[test]
    fn jobs_ahead_and_a_schedule_window_push_the_start() {
        let mut i = input();
        i.ahead = 5;
        let e = estimate(&i);
        assert_eq!((e.start_from, e.start_to), (at(10, 20), at(10, 30)));
        i.ahead = 0;
        i.not_before = Some(at(22, 0));
        let e = estimate(&i);
        assert_eq!(e.start_from, at(22, 0));
    }

    #[test]
    fn a_measured_speed_beats_the_default_and_a_quota_adds_its_windows() {
        let mut i = input();
        i.measured_speed = Some(4_000_000);
        let fast = estimate(&i);
        assert!(fast.end_to < estimate(&input()).end_to);
        i.pace = Some(PaceLimits {
            bytes_per_window: Some(500_000_000),
            window: Duration::from_secs(86400),
            ..PaceLimits::default()
        });
        let paced = estimate(&i);
        assert!(paced.end_from - paced.start_from >= chrono::Duration::days(1));
    }

    #[test]
    fn without_a_size_the_message_count_is_used() {
        let f = Found {
            folders: 1,
            messages: 10,
            bytes: None,
        };
        assert_eq!(size_of(&f), 10 * ASSUMED_MESSAGE_BYTES);
    }

    #[test]
    fn spans_round_outward_in_a_unit_people_read() {
        let m = |s: u64| Duration::from_secs(s * 60);
        assert_eq!(
            span(m(13), m(31)),
            Span {
                from: 10,
                to: 35,
                unit: SpanUnit::Minutes
            }
        );
        assert_eq!(
            span(m(0), m(2)),
            Span {
                from: 0,
                to: 5,
                unit: SpanUnit::Minutes
            }
        );
        assert_eq!(
            span(m(150), m(400)),
            Span {
                from: 2,
                to: 7,
                unit: SpanUnit::Hours
            }
        );
        assert_eq!(span(m(3000), m(6000)).unit, SpanUnit::Days);
    }

    #[test]
    fn the_median_error_counts_ends_outside_the_range_only() {
        let e = estimate(&input());
        let inside = Actual {
            started: Some(at(10, 1)),
            ended: Some(at(10, 20)),
        };
        let late = Actual {
            started: Some(at(10, 1)),
            ended: Some(at(10, 45)),
        };
        let running = Actual {
            started: Some(at(10, 1)),
            ended: None,
        };
        assert_eq!(end_error(&e, &inside), Some(Duration::ZERO));
        assert_eq!(end_error(&e, &late), Some(Duration::from_secs(600)));
        assert_eq!(median_error(&[(e, running)]), None);
        assert_eq!(
            median_error(&[(e, inside), (e, late), (e, late), (e, running)]),
            Some(Duration::from_secs(600))
        );
        assert_eq!(median_error(&[(e, inside), (e, late)]), Some(Duration::from_secs(300)));
    }

    #[test]
    fn throughput_is_total_bytes_over_total_time() {
        assert_eq!(
            measured_speed(&[
                (100_000_000, Duration::from_secs(100)),
                (300_000_000, Duration::from_secs(100))
            ]),
            Some(2_000_000)
        );
        assert_eq!(measured_speed(&[]), None);
    }
}
