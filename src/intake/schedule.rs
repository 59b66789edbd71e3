//! Reading a schedule value: `2031-12-01 22:00`, `01.12.2031 22:00`, RFC 3339, a date alone,
//! each with an optional zone (`UTC`, `GMT`, `Z`, `+01:00`, `+0100`; none means UTC).
//! Never looks at the clock: whether the time is far enough ahead is `validate.rs`'s job.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a schedule; the error is a sentence for the customer.
pub fn parse_schedule(value: &str) -> Result<DateTime<Utc>, String> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let (datetime, zone) = split_zone(v);
    let naive = parse_naive(datetime).ok_or_else(|| {
        format!(
            "{v:?} is not a date and time I can read; write it as 2031-12-01 22:00 (UTC) or 01.12.2031 22:00 +01:00"
        )
    })?;
    let offset = match zone {
        None => FixedOffset::east_opt(0),
        Some(z) => parse_offset(z),
    };
    let Some(offset) = offset else {
        return Err(format!(
            "the time zone {:?} is not understood; write an offset such as +01:00, or UTC",
            zone.unwrap_or_default()
        ));
    };
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{v:?} does not exist in that time zone"))
}

fn split_zone(v: &str) -> (&str, Option<&str>) {
    if let Some((head, last)) = v.rsplit_once(' ') {
        let l = last.trim();
        if l.starts_with(['+', '-']) || l.chars().all(|c| c.is_ascii_alphabetic()) {
            return (head.trim(), Some(l));
        }
    }
    for z in ["Z", "z"] {
        if let Some(head) = v.strip_suffix(z) {
            return (head, Some("Z"));
        }
    }
    (v, None)
}

fn parse_offset(z: &str) -> Option<FixedOffset> {
    match z.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "Z" | "UT" => return FixedOffset::east_opt(0),
        _ => {}
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 && digits.len() != 2 {
        return None;
    }
    let h: i32 = digits.get(0..2)?.parse().ok()?;
    let m: i32 = digits
        .get(2..)
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn parse_naive(v: &str) -> Option<NaiveDateTime> {
    let v = v.replace('T', " ");
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&v, f) {
            return Some(t);
        }
    }
    for f in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(&v, f) {
            return Some(d.and_time(NaiveTime::MIN));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_schedule(s).map(|t| t.to_rfc3339()).unwrap_or_else(|e| e)
    }

    #[test]
    fn formats() {
        assert_eq!(p("2031-12-01 22:00"), "2031-12-01T22:00:00+00:00");
        assert_eq!(p("01.12.2031 22:00"), "2031-12-01T22:00:00+00:00");
        assert_eq!(p("01.12.2031 22:00 +01:00"), "2031-12-01T21:00:00+00:00");
        assert_eq!(p("2031-12-01T22:00:00-05:00"), "2031-12-02T03:00:00+00:00");
        assert_eq!(p("2031-12-01 22:00 UTC"), "2031-12-01T22:00:00+00:00");
        assert_eq!(p("2031-12-01"), "2031-12-01T00:00:00+00:00");
        assert!(p("2031-12-01 22:00 CET").contains("time zone"));
        assert!(p("next friday").contains("not a date"));
    }
}
