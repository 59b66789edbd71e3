//! `mailferry tickets [show ID]`: tickets with their state and age, or one ticket in full.

use crate::model::{JobState, TicketId};
use crate::reply::compose;
use crate::store::Store;
use anyhow::{bail, Context};
use chrono::Utc;
use std::process::ExitCode;

/// Arguments of `mailferry tickets`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// One ticket with its mailboxes, progress and event log.
    Show {
        /// The ticket, as MIG-000123 or 123.
        id: String,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    let store = Store::open(&config.store.path, &config.store.key_file)
        .context("opening the store (stop the daemon first; the admin socket comes later)")?;
    let now = Utc::now();
    match args.action {
        None => {
            println!("{:<11}  {:>6}  {:<32}  STATE", "TICKET", "AGE", "CUSTOMER");
            for t in store.tickets()? {
                let jobs: Vec<_> = t.jobs.iter().filter_map(|j| store.job(*j).ok().flatten()).collect();
                let age = now - t.created;
                let age = if age.num_hours() >= 48 {
                    format!("{}d", age.num_days())
                } else if age.num_minutes() >= 60 {
                    format!("{}h", age.num_hours())
                } else {
                    format!("{}m", age.num_minutes())
                };
                println!(
                    "{:<11}  {:>6}  {:<32}  {}",
                    t.id.to_string(),
                    age,
                    t.thread.customer,
                    compose::overall_state(&jobs)
                );
            }
        }
        Some(Action::Show { id }) => {
            let Some(tid) = TicketId::parse(&id) else {
                bail!("{id:?} is not a ticket number (MIG-000123 or 123)");
            };
            let Some(t) = store.ticket(tid)? else {
                bail!("no ticket {tid}");
            };
            println!("{}  {}  from {}", t.id, t.thread.subject, t.thread.customer);
            println!("opened {}\n", t.created.format("%Y-%m-%d %H:%M UTC"));
            let jobs: Vec<_> = t.jobs.iter().filter_map(|j| store.job(*j).ok().flatten()).collect();
            print!("{}", compose::mailbox_table(&jobs));
            for j in &jobs {
                if let Some(r) = &j.report {
                    println!("\n{} ({}):", j.destination, j.state.label());
                    print!("{}", compose::folder_table(r));
                }
                if j.state == JobState::Failed {
                    if let Some(e) = &j.last_error {
                        println!("{}: {e}", j.destination);
                    }
                }
            }
            println!("\nEvents:");
            for e in store.events(tid)? {
                let job = e.job.map(|j| format!(" [{j}]")).unwrap_or_default();
                println!("  {}{job}  {}", e.at.format("%Y-%m-%d %H:%M:%S"), e.text);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
