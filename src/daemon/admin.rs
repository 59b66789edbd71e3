//! The admin socket: while the daemon holds the store (sled allows one process), staff's
//! `mailferry tickets` and `mailferry jobs` talk to it here. One JSON request per line, one
//! JSON response per line; the socket file is created with mode 0600.

use super::context::Context;
use super::handles::JobsHandle;
use crate::staff::{self, Request, Response};
use anyhow::{Context as _, Result};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;

/// Longest request line accepted.
const MAX_LINE: usize = 4096;

/// The admin socket's loop: the shared context and the jobs loop's handle (a cancel stops a
/// running copy, a retry wakes the scheduler).
pub(super) struct Admin {
    ctx: Context,
    jobs: JobsHandle,
}

impl Admin {
    /// The admin socket's loop.
    pub(super) fn new(ctx: Context, jobs: JobsHandle) -> Admin {
        Admin { ctx, jobs }
    }

    /// Answers staff's CLI on the socket until shutdown.
    pub(super) async fn run(self: Arc<Self>) -> Result<()> {
        let path = self.ctx.cfg.store.admin_socket();
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).with_context(|| format!("admin socket {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let mut shutdown = self.ctx.shutdown.clone();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let me = self.clone();
                    tokio::spawn(async move {
                        let (read, mut write) = stream.into_split();
                        let mut line = String::new();
                        let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_LINE as u64));
                        if reader.read_line(&mut line).await.is_err() {
                            return;
                        }
                        let response = match serde_json::from_str::<Request>(&line) {
                            Ok(req) => me.admin_answer(&req).await,
                            Err(e) => Response { ok: false, text: format!("bad request: {e}\n") },
                        };
                        if let Ok(mut out) = serde_json::to_vec(&response) {
                            out.push(b'\n');
                            let _ = write.write_all(&out).await;
                        }
                    });
                }
                _ = shutdown.changed() => {
                    let _ = std::fs::remove_file(&path);
                    return Ok(());
                }
            }
        }
    }

    async fn admin_answer(&self, req: &Request) -> Response {
        let response = staff::answer(&self.ctx.store, req, self.ctx.clock.now()).await;
        if response.ok {
            match req {
                Request::Cancel { id } => {
                    if let Some(jid) = staff::parse_job(id) {
                        self.jobs.stop(jid);
                    }
                }
                Request::Retry { .. } => self.jobs.wake(),
                _ => {}
            }
        }
        response
    }
}
