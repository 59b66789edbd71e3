//! mailferry: the robot behind a hosting provider's support address.
//!
//! Customers who move their e-mail to us write to support; mailferry reads the request,
//! validates it, migrates the mailboxes (IMAP to IMAP, contacts and calendars to DAV) and
//! answers in the same thread at each step.
//!
//! ```text
//! support inbox ──IMAP IDLE──▶ inbox ──raw mail──▶ intake ──Request──▶ validate ──Ticket+Jobs──▶ store
//!                                                                                       │
//! reply ◀──status events── daemon (scheduler) ◀──due jobs── store ◀──progress── migrate
//!   └──▶ outbox (in store) ──SMTP──▶ customer (+ staff in Cc)
//! ```
//!
//! Pure modules (no I/O): [`intake`], [`rules`], [`validate`], [`reply::compose`],
//! [`migrate::folders`], [`davsplit`], [`textdecode`]. Edges that talk to the network: [`inbox`],
//! [`migrate`], [`reply::send`], [`imapconn`], [`net`], [`http`], [`dns`].
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod davsplit;
pub mod discover;
pub mod dns;
pub mod failpoint;
pub mod http;
pub mod imapconn;
pub mod inbox;
pub mod intake;
pub mod mailhead;
pub mod migrate;
pub mod model;
pub mod net;
pub mod oauth;
pub mod observe;
pub mod reply;
pub mod rules;
pub mod secret;
pub mod security;
pub mod staff;
pub mod store;
pub mod termsafe;
pub mod textdecode;
pub mod validate;
