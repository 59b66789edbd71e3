//! The `/healthz` verdict: 200 when mailferry can do its work, 503 when it cannot.
//!
//! Unhealthy means one of: the store cannot be written (a probe write and flush failed or took
//! over its time limit), or the support inbox has not been connected for longer than
//! `admin.inbox_down_seconds` (never connected since start, or down since then). SMTP trouble
//! alone is reported but stays healthy: replies wait in the outbox and go out when it is back.

use super::metrics::{InboxStatus, SmtpStatus};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

/// The answer of `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// True for 200, false for 503.
    pub ok: bool,
    /// The JSON body, one line.
    pub body: String,
}

/// Judges the components; `store` is the probe write's result.
pub fn judge(
    inbox: &InboxStatus,
    smtp: &SmtpStatus,
    store: &Result<(), String>,
    outbox_pending: u64,
    inbox_down_limit: chrono::Duration,
    now: DateTime<Utc>,
) -> Health {
    let inbox_ok = inbox.is_up() || now - inbox.since <= inbox_down_limit;
    let store_ok = store.is_ok();
    let ok = inbox_ok && store_ok;
    let mut problems = Vec::new();
    if !store_ok {
        problems.push("store not writable".to_string());
    }
    if !inbox_ok {
        problems.push(format!(
            "support inbox not connected for over {} s",
            inbox_down_limit.num_seconds()
        ));
    }
    let ts = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let body = json!({
        "status": if ok { "ok" } else { "unhealthy" },
        "problems": problems,
        "inbox": {
            "state": inbox.state.label(),
            "since": ts(inbox.since),
            "last_error": inbox.last_error,
        },
        "smtp": {
            "state": smtp.label(),
            "at": smtp.at.map(ts),
            "last_error": smtp.last_error,
        },
        "store": {
            "writable": store_ok,
            "error": store.as_ref().err(),
        },
        "outbox_pending": outbox_pending,
    });
    Health {
        ok,
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::WatchState;

    fn inbox(state: WatchState, ago: i64, now: DateTime<Utc>) -> InboxStatus {
        InboxStatus {
            state,
            since: now - chrono::Duration::seconds(ago),
            last_error: None,
        }
    }

    #[test]
    fn the_inbox_may_be_down_for_a_while_and_the_store_never() {
        let now = Utc::now();
        let limit = chrono::Duration::seconds(300);
        let smtp = SmtpStatus::default();
        let h = judge(&inbox(WatchState::Idle, 9999, now), &smtp, &Ok(()), 0, limit, now);
        assert!(h.ok, "{}", h.body);
        assert!(h.body.contains("\"status\":\"ok\""), "{}", h.body);
        assert!(judge(&inbox(WatchState::Down, 60, now), &smtp, &Ok(()), 0, limit, now).ok);
        let h = judge(&inbox(WatchState::Down, 301, now), &smtp, &Ok(()), 0, limit, now);
        assert!(!h.ok && h.body.contains("support inbox not connected"), "{}", h.body);
        assert!(!judge(&inbox(WatchState::Connecting, 400, now), &smtp, &Ok(()), 0, limit, now).ok);
        let h = judge(
            &inbox(WatchState::Idle, 1, now),
            &smtp,
            &Err("disk full".into()),
            0,
            limit,
            now,
        );
        assert!(!h.ok && h.body.contains("disk full"), "{}", h.body);
    }
}
