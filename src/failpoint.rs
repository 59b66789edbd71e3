//! Crash points for tests: `MAILFERRY_FAILPOINT=name` (or `name@N`, the N-th time the point is
//! reached) makes the process kill itself with SIGKILL at that point: no destructor runs,
//! nothing buffered is flushed, exactly as when the machine loses power or the OOM killer
//! strikes. Without the variable a point costs one atomic load (the variable is read once).
//!
//! The points (see docs/operator.md, "Crash points"):
//! - `request.committed`: a new ticket and its acknowledgement are committed; the request
//!   mail is not filed yet and the acknowledgement not sent;
//! - `inbox.before_file`: a support mail's outcome is durable, the mail not yet moved;
//! - `inbox.note_appended_not_recorded`: the redacted note of a request with passwords is
//!   appended to Processed, the store does not know yet;
//! - `inbox.noted_not_deleted`: the note is filed and recorded, the request not yet deleted;
//! - `command.committed`: a command (e.g. "DNS changed") and its answer are committed, the
//!   mail is not filed and the answer not sent;
//! - `outbox.before_send`: just before a reply is handed to SMTP;
//! - `outbox.sent_unrecorded`: SMTP accepted a reply, the store does not know yet;
//! - `outbox.recorded_unfiled`: the store knows, the copy in Sent is not written yet;
//! - `engine.after_batch`: a batch of APPENDs was answered, its checkpoint not saved;
//! - `job.first_pass_started` / `job.final_pass_started`: the pass is recorded as started;
//! - `job.first_pass_committed`: the first pass's result and its reply are committed;
//! - `job.groupware_imported`: contacts and calendars were written to DAV, the pass's
//!   result not committed yet.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable that names the crash point.
pub const ENV: &str = "MAILFERRY_FAILPOINT";

struct Armed {
    name: String,
    nth: u64,
    hits: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let value = std::env::var(ENV).ok()?;
            let (name, nth) = parse(&value)?;
            Some(Armed {
                name,
                nth,
                hits: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// `name` or `name@N` (N ≥ 1) → (name, N); anything else disarms.
fn parse(value: &str) -> Option<(String, u64)> {
    let value = value.trim();
    let (name, nth) = match value.rsplit_once('@') {
        Some((name, n)) => (name, n.trim().parse::<u64>().ok().filter(|n| *n >= 1)?),
        None => (value, 1),
    };
    (!name.is_empty()).then(|| (name.to_string(), nth))
}

/// Marks the crash point `name`: when it is the armed one and this is its N-th hit, the process
/// dies here by SIGKILL.
pub fn hit(name: &str) {
    let Some(armed) = armed() else {
        return;
    };
    if armed.name != name {
        return;
    }
    let n = armed.hits.fetch_add(1, Ordering::SeqCst) + 1;
    if n == armed.nth {
        // One line on stderr (unbuffered) so a test log shows where the process died.
        eprintln!("failpoint {name}@{n}: killing the process with SIGKILL");
        let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        // SIGKILL cannot be caught; should it not have been delivered, never go on.
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn names_and_counts_parse() {
        assert_eq!(parse("outbox.before_send"), Some(("outbox.before_send".into(), 1)));
        assert_eq!(parse("engine.after_batch@3"), Some(("engine.after_batch".into(), 3)));
        assert_eq!(parse("x@0"), None);
        assert_eq!(parse("x@y"), None);
        assert_eq!(parse(""), None);
    }
}
