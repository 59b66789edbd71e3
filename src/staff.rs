//! What staff see and do: the ticket list, one ticket in full, retry and cancel of a job.
//!
//! The same functions serve the CLI when it opens the store itself (daemon stopped) and the
//! daemon's admin socket (daemon running, since sled allows one process). Output is plain text
//! for a terminal; it never holds a password, and every field that came from a customer or a
//! server (subject, address, host, folder, error, event) is shown through
//! [`termsafe::field`], so none can carry a control character or start a line of its own.

use crate::model::{Job, JobId, JobState, TicketId};
use crate::reply::compose;
use crate::store::{Change, Store};
use crate::termsafe::{self, field};
use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// A staff request, as sent over the admin socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "lowercase")]
pub enum Request {
    /// The ticket list.
    Tickets,
    /// One ticket in full.
    Show {
        /// MIG-000123 or 123.
        id: String,
    },
    /// Run a failed or waiting job again.
    Retry {
        /// J12 or 12.
        id: String,
    },
    /// Stop a job and wipe its password.
    Cancel {
        /// J12 or 12.
        id: String,
    },
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// False when the request failed; `text` then says why.
    pub ok: bool,
    /// What to print.
    pub text: String,
}

/// Parses `J12` or `12`.
pub fn parse_job(s: &str) -> Option<JobId> {
    let s = s.trim();
    s.strip_prefix(['J', 'j']).unwrap_or(s).parse().ok().map(JobId)
}

/// Every ticket with its age, customer and one-line state.
pub fn ticket_list(store: &Store, now: DateTime<Utc>) -> Result<String> {
    let mut out = format!("{:<11}  {:>6}  {:<32}  STATE\n", "TICKET", "AGE", "CUSTOMER");
    let mut estimated = Vec::new();
    for t in store.tickets()? {
        let jobs: Vec<_> = t.jobs.iter().filter_map(|j| store.job(*j).ok().flatten()).collect();
        estimated.extend(jobs.iter().filter_map(|j| j.eta.map(|e| (e, j.actual))));
        let age = now - t.created;
        let age = if age.num_hours() >= 48 {
            format!("{}d", age.num_days())
        } else if age.num_minutes() >= 60 {
            format!("{}h", age.num_hours())
        } else {
            format!("{}m", age.num_minutes())
        };
        let _ = writeln!(
            out,
            "{:<11}  {:>6}  {:<32}  {}",
            t.id.to_string(),
            age,
            field(&t.thread.customer),
            compose::overall_state(&jobs)
        );
    }
    out.push_str(&estimate_summary(&estimated));
    Ok(out)
}

/// How the estimates given to customers held up: of the first copies that ended, how many
/// ended inside the estimated range, and the median distance of the ends from it.
fn estimate_summary(jobs: &[(crate::model::Estimate, crate::model::Actual)]) -> String {
    let ended: Vec<_> = jobs.iter().filter_map(|(e, a)| crate::model::end_error(e, a)).collect();
    let Some(median) = crate::model::median_error(jobs) else {
        return String::new();
    };
    let inside = ended.iter().filter(|d| d.is_zero()).count();
    format!(
        "estimates: {} first copies ended, {inside} inside the estimated range; median error {} s\n",
        ended.len(),
        median.as_secs()
    )
}

/// One ticket: its mailboxes, per-folder figures and event log.
pub fn ticket_show(store: &Store, id: &str) -> Result<String> {
    let Some(tid) = TicketId::parse(id) else {
        bail!("{id:?} is not a ticket number (MIG-000123 or 123)");
    };
    let Some(t) = store.ticket(tid)? else {
        bail!("no ticket {tid}");
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  from {}",
        t.id,
        field(&t.thread.subject),
        field(&t.thread.customer)
    );
    let _ = writeln!(out, "opened {}\n", t.created.format("%Y-%m-%d %H:%M UTC"));
    let jobs: Vec<_> = t
        .jobs
        .iter()
        .filter_map(|j| store.job(*j).ok().flatten())
        .map(|j| shown(&j))
        .collect();
    out.push_str(&compose::mailbox_table(&jobs));
    for j in &jobs {
        let _ = writeln!(
            out,
            "\n{} {} ({}) from {}@{}:{}",
            j.id,
            j.destination,
            j.state.label(),
            j.source.user,
            j.source.host,
            j.source.port
        );
        if let Some(r) = &j.report {
            out.push_str(&compose::folder_table(r));
        }
        if let Some(e) = &j.last_error {
            let _ = writeln!(out, "  last error: {e}");
        }
    }
    out.push_str("\nEvents:\n");
    for e in store.events(tid)? {
        let job = e.job.map(|j| format!(" [{j}]")).unwrap_or_default();
        let _ = writeln!(out, "  {}{job}  {}", e.at.format("%Y-%m-%d %H:%M:%S"), field(&e.text));
    }
    Ok(out)
}

/// A copy of `job` for printing: the customer's and the servers' words through
/// [`termsafe::field`].
fn shown(job: &Job) -> Job {
    let mut j = job.clone();
    for text in [&mut j.destination, &mut j.email, &mut j.source.user, &mut j.source.host] {
        *text = field(text).into_owned();
    }
    if let Some(e) = &mut j.last_error {
        *e = field(e).into_owned();
    }
    if let Some(r) = &mut j.report {
        for f in &mut r.folders {
            f.source = field(&f.source).into_owned();
            f.destination = field(&f.destination).into_owned();
            for e in &mut f.errors {
                *e = field(e).into_owned();
            }
        }
    }
    j
}

/// Retries or cancels a job in `change` (not yet committed); returns the job as changed.
pub fn job_action(store: &Store, change: &mut Change, id: &str, retry: bool, now: DateTime<Utc>) -> Result<Job> {
    let Some(jid) = parse_job(id) else {
        bail!("{id:?} is not a job number (J12 or 12)");
    };
    let Some(mut job) = store.job(jid)? else {
        bail!("no job {jid}");
    };
    if retry {
        if !matches!(job.state, JobState::Failed | JobState::Waiting | JobState::Retrying) {
            bail!(
                "job {jid} is {}; only failed or waiting jobs can be retried",
                job.state.label()
            );
        }
        if store.secret(jid)?.is_none() {
            bail!("job {jid} has no stored password any more; the customer must send it again");
        }
        if job.state == JobState::Failed {
            job.move_to(JobState::Retrying);
        }
        job.held = false;
        job.not_before = None;
        job.attempts = 0;
        change.event(job.ticket, Some(jid), now, "retry requested by staff");
    } else {
        if !job.move_to(JobState::Cancelled) {
            bail!("job {jid} is {}; it cannot be cancelled", job.state.label());
        }
        store.wipe_secret(change, jid);
        change.event(job.ticket, Some(jid), now, "cancelled by staff");
    }
    change.job(&job)?;
    Ok(job)
}

/// Answers a request against an open store (the CLI's path when no daemon runs).
pub async fn answer(store: &Store, req: &Request, now: DateTime<Utc>) -> Response {
    let result = async {
        match req {
            Request::Tickets => ticket_list(store, now),
            Request::Show { id } => ticket_show(store, id),
            Request::Retry { id } | Request::Cancel { id } => {
                let mut change = Change::new();
                let job = job_action(store, &mut change, id, matches!(req, Request::Retry { .. }), now)?;
                store.commit(change).await?;
                Ok(format!(
                    "{} ({}) is now {}\n",
                    job.id,
                    field(&job.destination),
                    job.state.label()
                ))
            }
        }
    }
    .await;
    match result {
        Ok(text) => Response { ok: true, text },
        Err(e) => Response {
            ok: false,
            text: format!("{}\n", termsafe::text(&format!("{e:#}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actual, Estimate};
    use chrono::TimeZone;

    #[test]
    fn the_list_ends_with_how_the_estimates_held_up() {
        let at = |m: i64| Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap() + chrono::Duration::minutes(m);
        let e = Estimate {
            made: at(0),
            start_from: at(0),
            start_to: at(5),
            end_from: at(20),
            end_to: at(40),
        };
        let ended = |m| Actual {
            started: Some(at(1)),
            ended: Some(at(m)),
        };
        let running = Actual {
            started: Some(at(1)),
            ended: None,
        };
        assert_eq!(estimate_summary(&[(e, running)]), "");
        let text = estimate_summary(&[(e, ended(30)), (e, ended(50)), (e, running)]);
        assert_eq!(
            text,
            "estimates: 2 first copies ended, 1 inside the estimated range; median error 300 s\n"
        );
    }
}
