//! The known-provider table (`rules/providers.toml`): where a big provider's IMAP server is, how
//! customers log in there, the limits it publishes, and the help text a customer reads when a
//! login there fails.
//!
//! Pure data and matching: which provider an address's domain, its MX hosts or a typed IMAP
//! server name belong to. Never looks anything up itself (discovery asks DNS, then asks here).

use crate::model::{glob_match, PaceLimits, Security};
use serde::Deserialize;
use std::time::Duration;

/// A way of logging in that a provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoginMethod {
    /// The mailbox's normal password.
    Password,
    /// A separate app password (the normal one is refused).
    AppPassword,
    /// Consent through the operator's OAuth app.
    Oauth,
}

/// Where a provider's IMAP server is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapPlace {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `tls` or `starttls`.
    #[serde(default)]
    pub security: Security,
}

/// What a provider publishes about its limits (or what mailferry keeps to there).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderLimits {
    /// Bytes one account may download per window.
    pub download_bytes_per_window: Option<u64>,
    /// The window's length in hours (default 24).
    pub window_hours: Option<f64>,
    /// Simultaneous IMAP connections one mailbox may hold.
    pub max_connections: Option<usize>,
    /// The copy speed assumed there, for the expected finish.
    pub bytes_per_second: Option<u64>,
}

/// What a customer reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Help {
    /// After the provider refused the login (`{address}` is the mailbox).
    pub login_failed: Option<String>,
    /// How the consent works (before the link or the code).
    pub consent: Option<String>,
}

/// One known provider.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// A short name for logs and the config (`gmail`).
    pub id: String,
    /// The name customers know (`Gmail / Google Workspace`).
    pub name: String,
    /// Address domains that belong to it.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Patterns of its MX hosts.
    #[serde(default)]
    pub mx: Vec<String>,
    /// Patterns of its IMAP server names.
    #[serde(default)]
    pub imap_hosts: Vec<String>,
    /// Its IMAP server.
    pub imap: ImapPlace,
    /// How customers log in, in the order offered.
    pub login: Vec<LoginMethod>,
    /// The config section of its OAuth app (`google`, `microsoft`).
    pub oauth: Option<String>,
    /// Its limits.
    #[serde(default)]
    pub limits: ProviderLimits,
    /// Customer help.
    #[serde(default)]
    pub help: Help,
}

impl Provider {
    /// True when it accepts `method`.
    pub fn accepts(&self, method: LoginMethod) -> bool {
        self.login.contains(&method)
    }

    /// True when the mailbox's normal password works there (no app password, no consent).
    pub fn takes_password(&self) -> bool {
        self.accepts(LoginMethod::Password)
    }

    /// The pacing limits of a copy from here.
    pub fn pace(&self) -> PaceLimits {
        let l = &self.limits;
        PaceLimits {
            bytes_per_window: l.download_bytes_per_window,
            window: Duration::from_secs_f64(l.window_hours.unwrap_or(24.0).max(0.001) * 3600.0),
            max_connections: l.max_connections,
            bytes_per_second: l.bytes_per_second,
        }
    }

    /// The help after a refused login, for `address`, or None when the table has none.
    pub fn login_help(&self, address: &str) -> Option<String> {
        self.help
            .login_failed
            .as_deref()
            .map(|t| t.trim().replace("{address}", address))
    }

    /// The consent explanation, for `address`.
    pub fn consent_help(&self, address: &str) -> Option<String> {
        self.help
            .consent
            .as_deref()
            .map(|t| t.trim().replace("{address}", address))
    }
}

/// The table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Providers {
    /// Every provider, in the order they are tried.
    #[serde(default, rename = "provider")]
    pub list: Vec<Provider>,
}

impl Providers {
    /// Reads `providers.toml` and checks it.
    pub fn parse(text: &str) -> anyhow::Result<Providers> {
        let p: Providers = toml::from_str(text)?;
        for (i, provider) in p.list.iter().enumerate() {
            if provider.id.is_empty() || provider.imap.host.is_empty() || provider.imap.port == 0 {
                anyhow::bail!("provider {} needs an id and an imap host and port", i + 1);
            }
            if provider.login.is_empty() {
                anyhow::bail!("provider {}: list at least one login method", provider.id);
            }
            if provider.accepts(LoginMethod::Oauth) && provider.oauth.is_none() {
                anyhow::bail!(
                    "provider {}: login \"oauth\" needs oauth = \"google\" or \"microsoft\"",
                    provider.id
                );
            }
            if p.list[..i].iter().any(|q| q.id == provider.id) {
                anyhow::bail!("provider {} is listed twice", provider.id);
            }
        }
        Ok(p)
    }

    /// The provider by its id.
    pub fn by_id(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The provider of an address domain (`gmail.com`).
    pub fn by_domain(&self, domain: &str) -> Option<&Provider> {
        let d = domain.trim_end_matches('.');
        self.list
            .iter()
            .find(|p| p.domains.iter().any(|x| x.eq_ignore_ascii_case(d)))
    }

    /// The provider whose MX patterns match the best of `mx_hosts` (given best first).
    pub fn by_mx<'a>(&self, mx_hosts: impl IntoIterator<Item = &'a str>) -> Option<&Provider> {
        for host in mx_hosts {
            let host = host.trim_end_matches('.');
            if let Some(p) = self.list.iter().find(|p| p.mx.iter().any(|m| glob_match(m, host))) {
                return Some(p);
            }
        }
        None
    }

    /// The provider that runs the IMAP server `host`.
    pub fn by_imap_host(&self, host: &str) -> Option<&Provider> {
        let host = host.trim_end_matches('.');
        self.list
            .iter()
            .find(|p| p.imap.host.eq_ignore_ascii_case(host) || p.imap_hosts.iter().any(|m| glob_match(m, host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Providers {
        Providers::parse(include_str!("../../rules/providers.toml")).unwrap()
    }

    #[test]
    fn the_builtin_table_parses_and_finds_the_big_providers() {
        let p = builtin();
        assert_eq!(p.by_domain("GMail.com").unwrap().id, "gmail");
        assert_eq!(p.by_mx(["aspmx.l.google.com"]).unwrap().id, "gmail");
        assert_eq!(p.by_mx(["smtp.google.com."]).unwrap().id, "gmail");
        assert_eq!(
            p.by_mx(["contoso-com.mail.protection.outlook.com"]).unwrap().imap.host,
            "outlook.office365.com"
        );
        assert_eq!(p.by_mx(["eur.olc.protection.outlook.com"]).unwrap().id, "outlook");
        assert_eq!(p.by_domain("hotmail.com").unwrap().oauth.as_deref(), Some("microsoft"));
        assert_eq!(p.by_mx(["mx01.mail.icloud.com"]).unwrap().id, "icloud");
        assert_eq!(p.by_mx(["mta5.am0.yahoodns.net"]).unwrap().id, "yahoo");
        assert_eq!(p.by_mx(["mx00.ionos.de"]).unwrap().imap.host, "imap.ionos.de");
        assert_eq!(p.by_imap_host("IMAP.gmail.com").unwrap().id, "gmail");
        assert!(p.by_mx(["mx.old.example"]).is_none());
        assert!(p.by_domain("old.example").is_none());
        // The first MX that belongs to someone decides.
        assert_eq!(
            p.by_mx(["backup.unknown.example", "mx01.mail.icloud.com"]).unwrap().id,
            "icloud"
        );
    }

    #[test]
    fn methods_limits_and_help() {
        let p = builtin();
        let gmail = p.by_id("gmail").unwrap();
        assert!(gmail.accepts(LoginMethod::Oauth) && gmail.accepts(LoginMethod::AppPassword));
        assert!(!gmail.takes_password());
        let pace = gmail.pace();
        assert_eq!(pace.bytes_per_window, Some(2_500_000_000));
        assert_eq!(pace.window, Duration::from_secs(24 * 3600));
        assert_eq!(pace.max_connections, Some(15));
        let help = gmail.login_help("anna@gmail.com").unwrap();
        assert!(
            help.contains("app password") && help.contains("anna@gmail.com"),
            "{help}"
        );
        assert!(p
            .by_id("icloud")
            .unwrap()
            .login_help("x@icloud.com")
            .unwrap()
            .contains("app-specific password"));
        assert!(p
            .by_id("yahoo")
            .unwrap()
            .login_help("x@yahoo.com")
            .unwrap()
            .contains("app password"));
        assert!(p
            .by_id("microsoft365")
            .unwrap()
            .consent_help("x@contoso.com")
            .unwrap()
            .contains("code"));
        assert!(p.by_id("gmx").unwrap().takes_password());
    }

    #[test]
    fn a_broken_table_is_refused_with_the_provider_named() {
        let bad =
            "[[provider]]\nid = \"x\"\nname = \"X\"\nimap = { host = \"imap.x\", port = 993 }\nlogin = [\"oauth\"]\n";
        let err = Providers::parse(bad).unwrap_err().to_string();
        assert!(err.contains("provider x") && err.contains("oauth"), "{err}");
        assert!(Providers::parse("[[provider]]\nid = \"x\"\n").is_err());
    }
}
