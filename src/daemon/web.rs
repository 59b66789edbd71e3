//! The optional admin HTTP endpoint (`[admin] listen`): `/healthz`, `/metrics` and the
//! read-only staff page, answered from the daemon's metrics and its store.

use super::context::Context;
use super::handles::JobsHandle;
use crate::config::Config;
use crate::observe::http::{self, Request, Response};
use crate::observe::metrics::StoreFigures;
use crate::observe::{health, page};
use anyhow::{Context as _, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The store probe of `/healthz` may take this long before the store counts as not writable.
const STORE_PROBE_LIMIT: Duration = Duration::from_secs(5);
/// A store probe's result answers /healthz for this long.
const STORE_PROBE_REUSE: Duration = Duration::from_secs(1);

/// A store probe's outcome and when it was made.
type Probe = (std::time::Instant, Result<(), String>);

/// Binds the admin HTTP address when one is configured (before anything else starts, so a
/// taken port stops the daemon at once).
pub(super) async fn bind(cfg: &Config) -> Result<Option<TcpListener>> {
    let Some(admin) = &cfg.admin else {
        return Ok(None);
    };
    let addr = admin.listen_addr()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("admin.listen: cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        tracing::warn!(%local, "the admin HTTP endpoint listens beyond loopback; it has no login of its own");
    }
    tracing::info!(addr = %local, "admin HTTP endpoint on http://{local}/");
    Ok(Some(listener))
}

/// The admin HTTP loop: the shared context, the jobs loop's handle (how many copies run) and
/// its own last store probe.
pub(super) struct Web {
    ctx: Context,
    jobs: JobsHandle,
    /// The last store probe of /healthz (reused for a second, so probes cannot flood the disk).
    store_probe: tokio::sync::Mutex<Option<Probe>>,
}

impl Web {
    /// The admin HTTP loop.
    pub(super) fn new(ctx: Context, jobs: JobsHandle) -> Web {
        Web {
            ctx,
            jobs,
            store_probe: tokio::sync::Mutex::new(None),
        }
    }

    /// Serves /healthz, /metrics and the staff page on `listener` until shutdown.
    pub(super) async fn run(self: Arc<Self>, listener: Option<TcpListener>) -> Result<()> {
        let (Some(listener), Some(admin)) = (listener, self.ctx.cfg.admin.clone()) else {
            return Ok(());
        };
        let me = self.clone();
        http::serve(
            listener,
            admin.hostnames.clone(),
            self.ctx.shutdown.clone(),
            move |req| {
                let me = me.clone();
                async move { me.answer_http(&req).await }
            },
        )
        .await;
        Ok(())
    }

    async fn answer_http(&self, req: &Request) -> Response {
        let html = |status: u16, body: String| Response {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
        };
        let failed = |e: anyhow::Error| {
            tracing::warn!(error = %format!("{e:#}"), "admin HTTP: reading the store failed");
            Response::text(500, "the store could not be read; see the daemon's log\n")
        };
        match req.path.as_str() {
            "/healthz" => self.healthz().await,
            "/metrics" => match self.store_figures() {
                Ok(figures) => Response {
                    status: 200,
                    content_type: "text/plain; version=0.0.4; charset=utf-8",
                    body: self.ctx.metrics.render(&figures).into_bytes(),
                },
                Err(e) => failed(e),
            },
            "/" => match page::ticket_list(
                &self.ctx.store,
                &self.ctx.live,
                &page::ListFilter {
                    q: req.param("q").map(str::to_string),
                    state: req.param("state").map(str::to_string),
                },
                self.ctx.clock.now(),
                chrono::Duration::days(self.ctx.cfg.dns.staff_after_days.min(36_500) as i64),
                self.ctx
                    .cfg
                    .admin
                    .as_ref()
                    .map_or(chrono::Duration::hours(4), |a| a.needs_info_wait()),
            ) {
                Ok(body) => html(200, body),
                Err(e) => failed(e),
            },
            p => match p.strip_prefix("/tickets/") {
                Some(id) => match page::ticket_page(&self.ctx.store, &self.ctx.live, id, self.ctx.clock.now()) {
                    Ok(Some(body)) => html(200, body),
                    Ok(None) => html(404, page::not_found(&format!("No ticket {id}."))),
                    Err(e) => failed(e),
                },
                None => html(404, page::not_found(&format!("Nothing at {p}."))),
            },
        }
    }

    /// Writes and flushes a probe record, at most once a second (concurrent callers wait for
    /// the one probe and share its result).
    async fn probe_store(&self) -> Result<(), String> {
        let mut last = self.store_probe.lock().await;
        if let Some((at, result)) = last.as_ref() {
            if at.elapsed() < STORE_PROBE_REUSE {
                return result.clone();
            }
        }
        let result =
            match tokio::time::timeout(STORE_PROBE_LIMIT, self.ctx.store.probe_write(self.ctx.clock.now())).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("{e:#}")),
                Err(_) => Err(format!("a write did not reach the disk within {STORE_PROBE_LIMIT:?}")),
            };
        *last = Some((std::time::Instant::now(), result.clone()));
        result
    }

    async fn healthz(&self) -> Response {
        let store = self.probe_store().await;
        let pending = self.ctx.store.outbox_pending().map_or(0, |p| p.len() as u64);
        let limit = self.ctx.cfg.admin.as_ref().map_or(300, |a| a.inbox_down_seconds);
        let h = health::judge(
            &self.ctx.metrics.inbox(),
            &self.ctx.metrics.smtp(),
            &store,
            pending,
            chrono::Duration::seconds(i64::try_from(limit).unwrap_or(i64::MAX)),
            self.ctx.clock.now(),
        );
        Response {
            status: if h.ok { 200 } else { 503 },
            content_type: "application/json",
            body: format!("{}\n", h.body).into_bytes(),
        }
    }

    fn store_figures(&self) -> Result<StoreFigures> {
        let running = self.jobs.running() as u64;
        StoreFigures::from_store(&self.ctx.store, running)
    }
}
