//! Test-bed helpers shared by the integration tests: start the real servers, make unique
//! users, log in, seed messages over IMAP, and read a whole mailbox back as a multiset.
//!
//! Every test makes its own users, so tests run in parallel and in any order. Nothing here
//! skips: when the bed cannot start, the test fails with the script's own words.
//!
//! By concern: [`bed`] (ports, start, users, logins), [`seeding`] (folders and messages over
//! IMAP), [`daemon`] (a `mailferry serve` process and its config), [`dav`] (Radicale), [`browser`] (headless chromium); [`flow`]
//! is one customer's migration for the daemon's tests, [`proxy`] a TCP fault proxy.

pub mod bed;
pub mod browser;
pub mod daemon;
pub mod dav;
pub mod flow;
pub mod proxy;
pub mod seeding;

// Each test binary uses a part of the helpers: a re-export it does not use is no mistake.
#[allow(unused_imports)]
pub use {bed::*, daemon::*, dav::*, seeding::*};

pub(crate) use async_imap::types::Flag;
pub(crate) use futures::TryStreamExt;
pub(crate) use mailferry::config::{AdminLogin, Security};
pub(crate) use mailferry::imapconn::{self, Credentials, Endpoint, Session};
pub(crate) use mailferry::migrate::{folders, MailboxPair};
pub(crate) use mailferry::secret::Secret;
pub(crate) use sha2::{Digest, Sha256};
pub(crate) use std::collections::BTreeMap;
pub(crate) use std::path::{Path, PathBuf};
pub(crate) use std::process::{Child, Command};
pub(crate) use std::sync::OnceLock;
pub(crate) use std::time::Duration;
