//! Validation of requested mailboxes.
//!
//! This file is the offline part: everything that can be decided without the network or the
//! store (syntax, schedule policy, duplicates, limits). Pure: the caller passes `now`. Every
//! problem is one [`FieldError`] naming the row (None = the body), the field and the value, and
//! saying how to fix it. A password is never quoted: only whether one is there.
//!
//! [`online`] is the part that needs the network: the destination exists on our side, the old
//! server resolves to public addresses, answers IMAP securely and accepts the login
//! ([`probe_mailbox`]).

use crate::intake::{FieldError, MailboxRequest, ParsedMail};
use crate::rules::Policy;
use chrono::{DateTime, Datelike, Duration, Utc};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub mod online;
pub mod stage;

pub use crate::model::address::{is_address, is_host_name};
pub use online::{probe_mailbox, probe_mailbox_with, EffectiveSource, ProbeOptions, ProbeReport};
pub use stage::{Checked, ValidMailbox, ValidatedRequest};

/// All offline problems of a parsed request, in mailbox order.
pub fn validate_offline(parsed: &ParsedMail, policy: &Policy, now: DateTime<Utc>) -> Vec<FieldError> {
    offline_problems(parsed, policy, now).0
}

/// The offline problems, and the indexes of the mailboxes that have none.
fn offline_problems(parsed: &ParsedMail, policy: &Policy, now: DateTime<Utc>) -> (Vec<FieldError>, Vec<usize>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    let rows = parsed.mailboxes.iter().filter(|m| m.row.is_some()).count();
    if rows > policy.max_rows {
        errors.push(FieldError {
            code: "too_many_rows".into(),
            values: vec![("cap".into(), policy.max_rows.to_string())],
            row: None,
            field: "csv".into(),
            message: format!(
                "too many rows: the CSV files have more than {} rows in all and the cap is {}; split them into several mails",
                policy.max_rows, policy.max_rows
            ),
        });
    }
    for a in &parsed.attachments {
        if a.bytes > policy.max_attachment_bytes {
            errors.push(FieldError {
                code: "attachment_too_large".into(),
                values: vec![
                    ("bytes".into(), a.bytes.to_string()),
                    ("cap".into(), policy.max_attachment_bytes.to_string()),
                ],
                row: None,
                field: if a.file.is_empty() {
                    "attachment".into()
                } else {
                    a.file.clone()
                },
                message: format!(
                    "the file is {} bytes, more than the {} bytes allowed; split it into smaller files",
                    a.bytes, policy.max_attachment_bytes
                ),
            });
        }
    }
    let mut first_seen: BTreeMap<&str, Option<usize>> = BTreeMap::new();
    for (i, m) in parsed.mailboxes.iter().enumerate() {
        if i >= policy.max_rows {
            break;
        }
        let problems = mailbox_problems(m, policy, now);
        let clean = problems.is_empty();
        errors.extend(problems);
        // One lookup per row: the first time an address is seen, or its earlier place.
        match first_seen.entry(m.email.as_str()) {
            std::collections::btree_map::Entry::Occupied(first) => errors.push(FieldError {
                row: m.row,
                field: "email".into(),
                message: format!(
                    "{} is asked for twice (first in {}); remove one of them",
                    m.email,
                    place(*first.get())
                ),
                code: match first.get() {
                    Some(_) => "duplicate_mailbox_in_row",
                    None => "duplicate_mailbox_in_text",
                }
                .into(),
                values: vec![
                    ("email".into(), m.email.clone()),
                    (
                        "first_row".into(),
                        first.get().map_or_else(String::new, |r| r.to_string()),
                    ),
                ],
            }),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(m.row);
                if clean {
                    ok.push(i);
                }
            }
        }
    }
    (errors, ok)
}

/// Runs [`validate_offline`] and adds its errors to the mail's own, body first, then by row
/// (what `mailferry parse` shows; the daemon uses the stage, [`stage::offline`]).
pub fn with_offline_errors(mut parsed: ParsedMail, policy: &Policy, now: DateTime<Utc>) -> ParsedMail {
    let more = validate_offline(&parsed, policy, now);
    parsed.errors.extend(more);
    parsed.errors.sort_by_key(|e| e.row.map_or(0, |r| r + 1));
    parsed
}

fn place(row: Option<usize>) -> String {
    row.map_or_else(|| "the mail's text".to_string(), |r| format!("row {r}"))
}

/// The offline problems of one mailbox (syntax, password, host, port, schedule).
pub fn mailbox_problems(m: &MailboxRequest, policy: &Policy, now: DateTime<Utc>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code: &str, values: &[(&str, &str)], message: String| {
        errors.push(FieldError {
            row: m.row,
            field: field.into(),
            message,
            code: code.into(),
            values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
    };
    if !is_address(&m.email) {
        err(
            "email",
            "not_an_address",
            &[("value", &m.email)],
            format!("{:?} is not an e-mail address; write it as name@example.com", m.email),
        );
    }
    if let Some(d) = &m.destination {
        if !is_address(d) {
            err(
                "destination",
                "not_an_address",
                &[("value", d)],
                format!("{d:?} is not an e-mail address; write it as name@example.com"),
            );
        }
    }
    if m.password.as_ref().is_none_or(|p| p.is_empty()) {
        err(
            "password",
            "missing_password",
            &[("email", &m.email)],
            format!(
                "no password is given for {}; add the mailbox's current password",
                m.email
            ),
        );
    }
    match &m.source_host {
        None => err(
            "server",
            "missing_server",
            &[("email", &m.email)],
            format!(
                "no IMAP server is given for {}; add the old provider's IMAP server, e.g. imap.example.com",
                m.email
            ),
        ),
        Some(h) => {
            let allowed = policy.allow_private_hosts && (is_host_name(h) || h.parse::<IpAddr>().is_ok());
            if let Some(msg) = host_problem(h).filter(|_| !allowed) {
                err("server", host_code(h), &[("host", h)], msg);
            }
        }
    }
    if m.source_port == Some(0) {
        err(
            "port",
            "port_zero",
            &[],
            "0 is not a port; write a number from 1 to 65535 (IMAP over TLS is usually 993)".into(),
        );
    }
    if let Some(t) = m.schedule {
        if let Some(msg) = schedule_problem(t, policy, now) {
            let (code, hours, earliest) = schedule_code(t, policy, now);
            let time = t.format("%Y-%m-%d %H:%M UTC").to_string();
            err(
                "schedule",
                code,
                &[("time", &time), ("hours", &hours.to_string()), ("earliest", &earliest)],
                msg,
            );
        }
    }
    errors
}

/// What is wrong with a server value, or None.
pub fn host_problem(h: &str) -> Option<String> {
    if let Ok(ip) = h.parse::<IpAddr>() {
        return (!is_public(ip)).then(|| {
            format!("{h} is a private, loopback or reserved address; give the old provider's public IMAP server name")
        });
    }
    if !is_host_name(h) {
        return Some(format!("{h:?} is not a server name; write it as imap.example.com"));
    }
    if !h.contains('.') || h.eq_ignore_ascii_case("localhost") {
        return Some(format!(
            "{h:?} is not a public server name; write the full name, e.g. imap.example.com"
        ));
    }
    None
}

/// The code of the problem [`host_problem`] finds with a server value.
fn host_code(h: &str) -> &'static str {
    if h.parse::<IpAddr>().is_ok() {
        "server_private"
    } else if !is_host_name(h) {
        "server_malformed"
    } else {
        "server_not_public"
    }
}

/// The code of the problem [`schedule_problem`] finds, the lead time in hours that applies and
/// the earliest time that would do.
fn schedule_code(t: DateTime<Utc>, policy: &Policy, now: DateTime<Utc>) -> (&'static str, u32, String) {
    let weekend = policy.weekend_days.contains(&t.weekday());
    let hours = if weekend {
        policy.weekend_lead_time_hours
    } else {
        policy.lead_time_hours
    };
    let earliest = (now + Duration::hours(i64::from(hours)))
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    let code = if t < now {
        "schedule_in_past"
    } else if weekend {
        "schedule_too_soon_weekend"
    } else {
        "schedule_too_soon"
    };
    (code, hours, earliest)
}

/// True for an address reachable on the public Internet.
pub fn is_public(ip: IpAddr) -> bool {
    !crate::net::is_special_address(ip)
}

/// What is wrong with a schedule under the policy, or None.
pub fn schedule_problem(t: DateTime<Utc>, policy: &Policy, now: DateTime<Utc>) -> Option<String> {
    let weekend = policy.weekend_days.contains(&t.weekday());
    let hours = if weekend {
        policy.weekend_lead_time_hours
    } else {
        policy.lead_time_hours
    };
    let earliest = now + Duration::hours(i64::from(hours));
    let fmt = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    if t < now {
        return Some(format!("{} is in the past; choose {} or later", fmt(t), fmt(earliest)));
    }
    if t < earliest {
        let why = if weekend {
            format!("{hours} hours ahead for a weekend window")
        } else {
            format!("{hours} hours ahead")
        };
        return Some(format!(
            "{} is too soon: a migration must be booked at least {why}; choose {} or later",
            fmt(t),
            fmt(earliest)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn policy() -> Policy {
        Policy::parse(include_str!("../../rules/policy.toml")).unwrap()
    }

    #[test]
    fn hosts() {
        assert_eq!(host_problem("imap.x.example"), None);
        assert_eq!(host_problem("8.8.8.8"), None);
        assert!(host_problem("127.0.0.1").unwrap().contains("private"));
        assert!(host_problem("10.1.2.3").is_some());
        assert!(host_problem("::1").is_some());
        assert!(host_problem("fd00::1").is_some());
        assert!(host_problem("localhost").is_some());
        assert!(host_problem("imap_x.example").is_some());
    }

    #[test]
    fn schedules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(); // a Wednesday
        let p = policy();
        assert!(schedule_problem(now - Duration::hours(1), &p, now)
            .unwrap()
            .contains("past"));
        let thu = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
        assert!(schedule_problem(thu, &p, now).unwrap().contains("2026-11-26 12:00 UTC"));
        let sat = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap(); // 70 h ahead
        assert_eq!(schedule_problem(sat, &p, now), None);
        let fri_late = Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 0).unwrap();
        assert_eq!(schedule_problem(fri_late, &p, now), None);
        let now_fri = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        assert!(schedule_problem(sat, &p, now_fri).unwrap().contains("weekend"));
    }

    #[test]
    fn addresses() {
        assert!(is_address("anna@x.example"));
        assert!(!is_address("anna@x"));
        assert!(!is_address("anna.x.example"));
        assert!(!is_address("an na@x.example"));
    }
}
