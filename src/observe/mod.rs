//! Watching the daemon from outside: a small local HTTP endpoint with `/healthz`, Prometheus
//! `/metrics` and a read-only staff page (tickets, mailboxes with progress, event log).
//!
//! - [`metrics`]: the daemon's counters and component states, and their exposition format;
//! - [`live`]: per-folder progress of the copies running now (feeds the page and the counters);
//! - [`health`]: the `/healthz` verdict and its JSON body;
//! - [`page`]: the staff page as server-rendered HTML (every stored string escaped);
//! - [`http`]: the HTTP/1.1 server itself (GET and HEAD only, bounded in size and time).

pub mod health;
pub mod http;
pub mod live;
pub mod metrics;
pub mod page;
