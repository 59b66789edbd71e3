//! [`GrantTokens`]: one mailbox's grant as a [`TokenSource`] for the IMAP door. It hands out
//! the current access token while it has more than the refresh margin left, and otherwise (or
//! when a server refused it) gets a new one: from the refresh token of a consent, by asking
//! again for an application grant, by a new signed assertion for a delegated one. Every new
//! grant is handed to the `keep` callback (the daemon seals it in the store) before it is used,
//! so a copy that outlives its first token carries on, and a restart finds the latest.
//!
//! Concurrent logins (several folders copied at once) share one refresh. Never logs a token.

use super::{flows, App, Grant};
use crate::clock::Clock;
use crate::imapconn::{TokenError, TokenSource};
use crate::secret::Secret;
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Called with every new grant before it is used; an error stops the login (the new grant
/// could not be kept, and the old refresh token may be spent).
pub type Keep = Arc<dyn Fn(&Grant) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// One mailbox's access tokens from its grant.
pub struct GrantTokens {
    app: App,
    mailbox: String,
    clock: Arc<dyn Clock>,
    grant: tokio::sync::Mutex<Grant>,
    keep: Option<Keep>,
    renewals: AtomicU64,
}

impl std::fmt::Debug for GrantTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantTokens")
            .field("app", &self.app.name)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl GrantTokens {
    /// Tokens for `mailbox` from `grant`; `keep` receives every renewed grant.
    pub fn new(app: App, mailbox: &str, grant: Grant, clock: Arc<dyn Clock>, keep: Option<Keep>) -> GrantTokens {
        GrantTokens {
            app,
            mailbox: mailbox.to_string(),
            clock,
            grant: tokio::sync::Mutex::new(grant),
            keep,
            renewals: AtomicU64::new(0),
        }
    }

    /// How many times a new token was obtained (refreshes, new app grants, new assertions).
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    /// The grant as it is now (for sealing, and for revocation at the end).
    pub async fn grant(&self) -> Grant {
        self.grant.lock().await.clone()
    }

    async fn current(&self, force: bool) -> Result<Secret, TokenError> {
        let mut grant = self.grant.lock().await;
        let now = self.clock.now();
        let margin = chrono::Duration::from_std(self.app.refresh_margin).unwrap_or_default();
        if !force && grant.expires_at() - margin > now {
            return Ok(grant.access_token());
        }
        let renewed = match &*grant {
            Grant::Consent {
                refresh_token: Some(r), ..
            } => flows::refresh(&self.app, r, now).await?,
            Grant::Consent {
                refresh_token: None, ..
            } => {
                // Nothing to renew it with: the token is what there is until it runs out.
                if grant.expires_at() > now {
                    return Ok(grant.access_token());
                }
                return Err(TokenError::Refused {
                    words: "the sign-in has run out and the provider gave no way to renew it".into(),
                });
            }
            Grant::App { .. } => flows::client_credentials(&self.app, now).await?,
            Grant::Delegated { .. } => flows::delegated(&self.app, &self.mailbox, now).await?,
        };
        if let Some(keep) = &self.keep {
            keep(&renewed)
                .await
                .map_err(|e| TokenError::Unavailable(format!("the renewed sign-in could not be kept: {e:#}")))?;
        }
        self.renewals.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(mailbox = %self.mailbox, app = %self.app.name, expires = %renewed.expires_at(), "access token renewed");
        *grant = renewed;
        Ok(grant.access_token())
    }
}

impl TokenSource for GrantTokens {
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(self.current(false))
    }
    fn renew(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(self.current(true))
    }
}
