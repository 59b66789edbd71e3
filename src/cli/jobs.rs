//! `mailferry jobs retry|cancel ID`: staff actions on one mailbox job.

use crate::model::{JobId, JobState};
use crate::store::{Change, Store};
use anyhow::{bail, Context};
use chrono::Utc;
use std::process::ExitCode;

/// Arguments of `mailferry jobs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Run a failed or waiting job again now.
    Retry {
        /// The job, as J12 or 12.
        id: String,
    },
    /// Stop a job for good and wipe its stored password.
    Cancel {
        /// The job, as J12 or 12.
        id: String,
    },
}

fn parse_job(s: &str) -> Option<JobId> {
    let s = s.trim();
    s.strip_prefix(['J', 'j']).unwrap_or(s).parse().ok().map(JobId)
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    let store = Store::open(&config.store.path, &config.store.key_file)
        .context("opening the store (stop the daemon first; the admin socket comes later)")?;
    let (id, retry) = match &args.action {
        Action::Retry { id } => (id, true),
        Action::Cancel { id } => (id, false),
    };
    let Some(jid) = parse_job(id) else {
        bail!("{id:?} is not a job number (J12 or 12)");
    };
    let Some(mut job) = store.job(jid)? else {
        bail!("no job {jid}");
    };
    let now = Utc::now();
    let mut change = Change::new();
    if retry {
        let next = if job.state == JobState::Failed {
            JobState::Waiting
        } else {
            job.state
        };
        if !matches!(next, JobState::Waiting | JobState::Retrying | JobState::Received) {
            bail!(
                "job {jid} is {}; only failed or waiting jobs can be retried",
                job.state.label()
            );
        }
        if store.secret(jid)?.is_none() {
            bail!("job {jid} has no stored password any more; the customer must send it again");
        }
        job.state = next;
        job.not_before = None;
        job.attempts = 0;
        change.event(job.ticket, Some(jid), now, "retry requested by staff (CLI)");
    } else {
        if !job.state.can_move_to(JobState::Cancelled) {
            bail!("job {jid} is {}; it cannot be cancelled", job.state.label());
        }
        job.state = JobState::Cancelled;
        store.wipe_secret(&mut change, jid);
        change.event(job.ticket, Some(jid), now, "cancelled by staff (CLI)");
    }
    change.job(&job)?;
    store.commit(change).await?;
    println!("{jid} ({}) is now {}", job.destination, job.state.label());
    Ok(ExitCode::SUCCESS)
}
