//! The per-mailbox estimate as the customer reads it (`{eta}`): "starts within about 5
//! minutes, takes about 20–40 minutes". Pure: the caller passes the estimate and "now"; the
//! words come from rules/replies/<language>.toml. It must never state a precise time it cannot keep.

use crate::model::{span, Estimate, Span, SpanUnit};
use crate::rules::replies::EtaWords;
use chrono::{DateTime, Utc};
use std::time::Duration;

fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (t - now).to_std().unwrap_or(Duration::ZERO)
}

fn range(words: &EtaWords, s: Span) -> String {
    let line = match s.unit {
        SpanUnit::Minutes => &words.minutes,
        SpanUnit::Hours => &words.hours,
        SpanUnit::Days => &words.days,
    };
    line.replace("{from}", &s.from.to_string())
        .replace("{to}", &s.to.to_string())
}

/// The estimate in the customer's words, seen from `now`; `unknown` when there is none.
pub fn eta_text(words: &EtaWords, estimate: Option<&Estimate>, now: DateTime<Utc>) -> String {
    let Some(e) = estimate else {
        return words.unknown.clone();
    };
    let start = span(until(now, e.start_from), until(now, e.start_to));
    let start = if start.from == 0 && start.unit == SpanUnit::Minutes {
        words.start_soon.replace("{to}", &start.to.to_string())
    } else {
        words.start_later.replace("{range}", &range(words, start))
    };
    let takes = span(
        until(e.start_from, e.end_from),
        until(e.start_to, e.end_to).max(until(e.start_from, e.end_from)),
    );
    words
        .text
        .replace("{start}", &start)
        .replace("{takes}", &range(words, takes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{estimate, EtaInput, Found};
    use chrono::TimeZone;

    fn words() -> EtaWords {
        crate::rules::Rules::builtin()
            .unwrap()
            .replies
            .english()
            .eta
            .clone()
            .expect("the shipped rules have [eta]")
    }

    #[test]
    fn the_shipped_words_give_about_and_a_range() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let e = estimate(&EtaInput {
            now,
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
        });
        assert_eq!(
            eta_text(&words(), Some(&e), now),
            "starts within about 5 minutes, takes about 10–30 minutes"
        );
        let later = Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap();
        assert_eq!(
            eta_text(&words(), Some(&e), later),
            "starts in about 3–4 hours, takes about 10–30 minutes"
        );
        assert_eq!(eta_text(&words(), None, now), words().unknown);
    }
}
