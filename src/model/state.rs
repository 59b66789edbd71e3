//! A mailbox job's states and the one list of their names (for people, for metrics).
//!
//! Pure data: never reads a clock or a store. The transitions of DESIGN.md's diagram are decided
//! here and nowhere else.

use serde::{Deserialize, Serialize};

/// Where a mailbox job stands (see DESIGN.md's state diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    /// Accepted, not yet looked at by a worker.
    Received,
    /// Something is missing or wrong; a reply in the thread resumes it.
    NeedsInfo,
    /// Waiting for its window, for staff approval, or for the old provider's download quota
    /// to renew (a paused copy).
    Waiting,
    /// The first copy runs.
    Syncing,
    /// A transient failure; the job runs again later.
    Retrying,
    /// First copy done; waiting for the MX change.
    Synced,
    /// The final copy after the MX change runs.
    FinalSync,
    /// Everything copied; the customer may leave the old provider.
    Done,
    /// Gave up; staff were told.
    Failed,
    /// Stopped by the customer or staff.
    Cancelled,
}

impl JobState {
    /// Every state, in the order of the diagram (metrics list them in this order).
    pub const ALL: [JobState; 10] = [
        JobState::Received,
        JobState::NeedsInfo,
        JobState::Waiting,
        JobState::Syncing,
        JobState::Retrying,
        JobState::Synced,
        JobState::FinalSync,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The state's name for machines (the `state` label of `mailferry_jobs`).
    pub fn name(self) -> &'static str {
        match self {
            JobState::Received => "received",
            JobState::NeedsInfo => "needs_info",
            JobState::Waiting => "waiting",
            JobState::Syncing => "syncing",
            JobState::Retrying => "retrying",
            JobState::Synced => "synced",
            JobState::FinalSync => "final_sync",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// True once nothing more will happen to the job.
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }

    /// The allowed transitions of the state diagram.
    pub fn can_move_to(self, next: JobState) -> bool {
        use JobState::*;
        if next == Cancelled {
            return !matches!(self, Done | Cancelled);
        }
        matches!(
            (self, next),
            (Received, NeedsInfo | Waiting | Syncing)
                | (NeedsInfo, Waiting | Received)
                | (Waiting, Syncing)
                | (Syncing, Synced | FinalSync | Retrying | Failed | Syncing | Waiting)
                | (Retrying, Syncing | FinalSync | Failed)
                | (Synced, FinalSync)
                | (FinalSync, Done | Retrying | Failed | FinalSync | Waiting)
                | (Waiting, FinalSync)
                | (Failed, Waiting | Retrying)
        )
    }

    /// The word customers and staff read.
    pub fn label(self) -> &'static str {
        match self {
            JobState::Received => "received",
            JobState::NeedsInfo => "needs information",
            JobState::Waiting => "waiting",
            JobState::Syncing => "copying",
            JobState::Retrying => "retrying",
            JobState::Synced => "copied, waiting for the DNS change",
            JobState::FinalSync => "final copy",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}
