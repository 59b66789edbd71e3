//! OAuth 2.0 for customers' old mailboxes at Google and Microsoft, which no longer accept a
//! password over IMAP: the operator's app ([`App`], from `[oauth.google]` / `[oauth.microsoft]`)
//! gets a grant for one mailbox, and [`GrantTokens`] turns it into access tokens for the IMAP
//! door's XOAUTH2/OAUTHBEARER logins, refreshing them while a long copy runs.
//!
//! The flows ([`flows`]), all over the project's one HTTP client ([`crate::http`], so every
//! endpoint's address is checked like any other):
//! - Microsoft's device code (RFC 8628): the customer opens an address and types a code;
//!   mailferry polls the token endpoint until they have agreed;
//! - Google's authorization code with PKCE (RFC 7636): the customer opens a link, agrees, and
//!   Google sends their browser back to mailferry's callback ([`callback`]) with a code (Google's
//!   device flow does not grant the mail scope);
//! - refresh (RFC 6749 section 6), revocation (RFC 7009);
//! - without per-mailbox consent: Microsoft's client credentials (application permission
//!   `IMAP.AccessAsApp`) and Google's service-account JWT with domain-wide delegation
//!   (RFC 7523, [`jwt`]).
//!
//! A grant ([`Grant`]) is a secret like a password: it is sealed in the store as one, handed to
//! the token endpoint and the IMAP server and nowhere else, never logged, never put in an
//! error; the provider's error words are. Client ids and secrets come from the operator's
//! config files.

pub mod callback;
pub mod flows;
pub mod jwt;
pub mod pkce;
mod tokens;

pub use flows::{DeviceAuthorization, Poll};
pub use tokens::GrantTokens;

use crate::config::{Config, OauthApp};
use crate::model::BearerMechanism;
use crate::secret::Secret;
use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Which provider's defaults an app takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Google (accounts.google.com).
    Google,
    /// Microsoft identity platform (login.microsoftonline.com).
    Microsoft,
}

/// One operator app with its endpoints resolved (the provider's own unless the config names
/// others), ready for the flows.
#[derive(Clone)]
pub struct App {
    /// The config section's name (`google`, `microsoft`).
    pub name: String,
    /// Whose defaults.
    pub kind: Kind,
    /// The client id.
    pub client_id: String,
    /// The client secret, when configured.
    pub client_secret: Option<Secret>,
    /// The consent page.
    pub auth_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The device authorization endpoint (None: this provider's device flow is not used).
    pub device_url: Option<String>,
    /// The revocation endpoint (None: the provider has none for these tokens).
    pub revoke_url: Option<String>,
    /// Scopes of a customer's consent.
    pub scope: String,
    /// Scope of an application grant.
    pub app_scope: String,
    /// XOAUTH2 or OAUTHBEARER.
    pub mechanism: BearerMechanism,
    /// Google's service account, for domain-wide delegation.
    pub service_account: Option<Arc<jwt::ServiceAccount>>,
    /// Refresh this long before a token runs out.
    pub refresh_margin: Duration,
    /// The HTTP client for its endpoints.
    pub http: crate::http::Client,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The app of config section `name` (`google`, `microsoft`), or an error naming what is
    /// missing.
    pub fn from_config(cfg: &Config, name: &str) -> Result<App> {
        let section = cfg
            .oauth
            .app(name)
            .ok_or_else(|| anyhow!("[oauth.{name}] is not configured, so this mailbox cannot be signed in to"))?;
        let kind = match name {
            "google" => Kind::Google,
            "microsoft" => Kind::Microsoft,
            other => bail!("[oauth.{other}]: only google and microsoft apps are known"),
        };
        let tls = crate::net::tls_config(cfg.tls.extra_ca_file.as_deref(), false)?;
        let settings = crate::http::Settings {
            allow_private: cfg.source.allow_private_addresses,
            timeout: Duration::from_secs(30),
            max_body: 256 << 10,
            max_redirects: 0,
            ..crate::http::Settings::new(tls)
        };
        let http = crate::http::Client::new(&settings)?;
        App::build(
            name,
            kind,
            section,
            http,
            Duration::from_secs(cfg.oauth.refresh_margin_seconds),
        )
    }

    fn build(name: &str, kind: Kind, s: &OauthApp, http: crate::http::Client, margin: Duration) -> Result<App> {
        let tenant = s.tenant.clone().unwrap_or_else(|| "common".into());
        let ms = |path: &str| format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{path}");
        let (auth, token, device, revoke, scope, app_scope) = match kind {
            Kind::Google => (
                "https://accounts.google.com/o/oauth2/v2/auth".to_string(),
                "https://oauth2.googleapis.com/token".to_string(),
                None,
                Some("https://oauth2.googleapis.com/revoke".to_string()),
                "https://mail.google.com/".to_string(),
                "https://mail.google.com/".to_string(),
            ),
            Kind::Microsoft => (
                ms("authorize"),
                ms("token"),
                Some(ms("devicecode")),
                // Microsoft has no RFC 7009 endpoint for these tokens: they are wiped here and
                // run out there.
                None,
                "https://outlook.office.com/IMAP.AccessAsUser.All offline_access".to_string(),
                "https://outlook.office365.com/.default".to_string(),
            ),
        };
        let service_account = match &s.service_account_file {
            Some(path) => {
                Some(Arc::new(jwt::ServiceAccount::from_file(path).with_context(|| {
                    format!("oauth.{name}.service_account_file {}", path.display())
                })?))
            }
            None => None,
        };
        Ok(App {
            name: name.to_string(),
            kind,
            client_id: s.client_id.clone(),
            client_secret: s.client_secret(&format!("oauth.{name}"))?,
            auth_url: s.auth_url.clone().unwrap_or(auth),
            token_url: s.token_url.clone().unwrap_or(token),
            device_url: s.device_url.clone().or(device),
            revoke_url: s.revoke_url.clone().or(revoke),
            scope: s.scope.clone().unwrap_or(scope),
            app_scope: s.app_scope.clone().unwrap_or(app_scope),
            mechanism: s.mechanism,
            service_account,
            refresh_margin: margin,
            http,
        })
    }
}

/// What mailferry holds for one mailbox: sealed in the store like a password (as JSON), never
/// logged (its `Debug` shows no token).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "grant", rename_all = "kebab-case")]
pub enum Grant {
    /// A customer's consent: an access token and the refresh token it is renewed from.
    Consent {
        /// The current access token.
        access_token: String,
        /// The refresh token (None: the provider gave none; the access token is all there is).
        refresh_token: Option<String>,
        /// When the access token runs out.
        expires_at: DateTime<Utc>,
    },
    /// An application grant (Microsoft client credentials): obtained again when it runs out.
    App {
        /// The current access token.
        access_token: String,
        /// When it runs out.
        expires_at: DateTime<Utc>,
    },
    /// A service account acting for the mailbox (Google domain-wide delegation): a new signed
    /// assertion gets a new token when it runs out.
    Delegated {
        /// The current access token.
        access_token: String,
        /// When it runs out.
        expires_at: DateTime<Utc>,
    },
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Grant::Consent { .. } => "Consent",
            Grant::App { .. } => "App",
            Grant::Delegated { .. } => "Delegated",
        };
        write!(f, "Grant::{kind}([redacted], expires {})", self.expires_at())
    }
}

impl Grant {
    /// The current access token.
    pub fn access_token(&self) -> Secret {
        match self {
            Grant::Consent { access_token, .. }
            | Grant::App { access_token, .. }
            | Grant::Delegated { access_token, .. } => Secret::new(access_token.clone()),
        }
    }

    /// When the access token runs out.
    pub fn expires_at(&self) -> DateTime<Utc> {
        match self {
            Grant::Consent { expires_at, .. } | Grant::App { expires_at, .. } | Grant::Delegated { expires_at, .. } => {
                *expires_at
            }
        }
    }

    /// The grant as the secret that is sealed in the store.
    pub fn seal_text(&self) -> Result<Secret> {
        let text = zeroize::Zeroizing::new(serde_json::to_string(self)?);
        Ok(Secret::new(text.as_str()))
    }

    /// A grant read back from its sealed text.
    pub fn from_sealed(secret: &Secret) -> Result<Grant> {
        serde_json::from_str(secret.expose()).map_err(|_| anyhow!("the stored sign-in for this mailbox cannot be read"))
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Grant::Consent {
                access_token,
                refresh_token,
                ..
            } => {
                access_token.zeroize();
                if let Some(r) = refresh_token {
                    r.zeroize();
                }
            }
            Grant::App { access_token, .. } | Grant::Delegated { access_token, .. } => access_token.zeroize(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_never_shows_its_tokens_and_survives_sealing() {
        let g = Grant::Consent {
            access_token: "ya29.secret".into(),
            refresh_token: Some("1//refresh".into()),
            expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        let shown = format!("{g:?}");
        assert!(!shown.contains("ya29") && !shown.contains("refresh"), "{shown}");
        let sealed = g.seal_text().unwrap();
        assert_eq!(Grant::from_sealed(&sealed).unwrap(), g);
        assert_eq!(g.access_token().expose(), "ya29.secret");
        assert!(
            Grant::from_sealed(&Secret::new("hunter2")).is_err(),
            "a password is not a grant"
        );
    }

    #[test]
    fn the_providers_endpoints_are_the_defaults() {
        let tls = crate::net::tls_config(None, false).unwrap();
        let http = crate::http::Client::new(&crate::http::Settings::new(tls)).unwrap();
        let section = OauthApp {
            client_id: "id".into(),
            tenant: Some("organizations".into()),
            ..OauthApp::default()
        };
        let ms = App::build(
            "microsoft",
            Kind::Microsoft,
            &section,
            http.clone(),
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(
            ms.device_url.as_deref(),
            Some("https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode")
        );
        assert!(ms.scope.contains("IMAP.AccessAsUser.All") && ms.scope.contains("offline_access"));
        assert_eq!(ms.app_scope, "https://outlook.office365.com/.default");
        assert!(ms.revoke_url.is_none());
        let g = App::build("google", Kind::Google, &section, http, Duration::from_secs(60)).unwrap();
        assert_eq!(g.scope, "https://mail.google.com/");
        assert!(
            g.device_url.is_none(),
            "Google's device flow does not grant the mail scope"
        );
        assert_eq!(g.token_url, "https://oauth2.googleapis.com/token");
    }
}
