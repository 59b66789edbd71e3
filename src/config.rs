//! The operator's TOML configuration, with defaults, and secrets read from files or the
//! environment (never written inline in the file itself).
//!
//! `mailferry.example.toml` at the project root explains every key; [`Config::load`] names the
//! key and line of a wrong setting.

use crate::secret::{Secret, SecretFileError};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub use crate::model::Security;

/// Where a password comes from: a file (first line) or an environment variable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSource {
    /// A file whose first line is the secret.
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the secret.
    pub password_env: Option<String>,
}

impl SecretSource {
    /// Reads the secret; `what` names the setting in the error.
    pub fn resolve(&self, what: &str) -> Result<Secret> {
        if let Some(path) = &self.password_file {
            return Secret::from_file(path).map_err(|e| match e {
                SecretFileError::Empty => anyhow::anyhow!("{what}: password_file {} is empty", path.display()),
                SecretFileError::Unreadable(io) => {
                    anyhow::Error::new(io).context(format!("{what}: cannot read password_file {}", path.display()))
                }
            });
        }
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
                _ => bail!("{what}: environment variable {var} (password_env) is not set"),
            };
        }
        bail!("{what}: set password_file or password_env")
    }
}

/// An IMAP server address and how to reach it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapServer {
    /// Host name or IP address.
    pub host: String,
    /// TCP port; the default follows `security`.
    pub port: Option<u16>,
    /// `tls`, `starttls` or `plain`.
    #[serde(default)]
    pub security: Security,
}

impl ImapServer {
    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_imap_port())
    }
}

/// The support mailbox that mailferry watches and answers from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportConfig {
    /// The support address customers write to; replies come from it.
    pub address: String,
    /// The display name on replies.
    #[serde(default = "default_display_name")]
    pub display_name: String,
    /// Staff addresses put in Cc on every reply.
    #[serde(default)]
    pub staff: Vec<String>,
    /// The language of replies when neither the request nor the sender's earlier tickets tell
    /// one (`en`, `de`, `fr`, `es`, `it`, `nl`).
    #[serde(default)]
    pub language: crate::model::Language,
    /// The IMAP server holding the support mailbox.
    pub imap: ImapServer,
    /// The login name of the support mailbox.
    pub user: String,
    /// The support mailbox's password.
    #[serde(flatten)]
    pub password: SecretSource,
    /// The folder watched for requests.
    #[serde(default = "default_inbox")]
    pub folder: String,
    /// Seconds between polls when the server has no IDLE (and the IDLE safety net).
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Longest single IDLE before it is re-issued (must stay under 29 minutes).
    #[serde(default = "default_idle")]
    pub idle_seconds: u64,
    /// Where handled mail is filed.
    #[serde(default)]
    pub folders: FoldersConfig,
    /// Support mail larger than this is not read but quarantined for staff.
    #[serde(default = "default_max_mail")]
    pub max_mail_bytes: u64,
    /// Which senders are believed: our MX's `Authentication-Results`.
    #[serde(default)]
    pub authentication: AuthenticationConfig,
    /// Which senders may ask for which of our mailboxes.
    #[serde(default)]
    pub senders: SendersConfig,
    /// Delete a handled request mail (it carries passwords) from the support mailbox, filing a
    /// note without them in the processed folder; false files the mail itself there.
    #[serde(default = "default_true")]
    pub expunge_requests: bool,
}

/// Where handled support mail is filed (an empty name leaves it in the inbox).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldersConfig {
    /// Requests and commands that became or changed a ticket.
    #[serde(default = "default_processed")]
    pub processed: String,
    /// Requests that could not be accepted at all, auto-replies, bounces.
    #[serde(default = "default_rejected")]
    pub rejected: String,
    /// Mail that could not be read.
    #[serde(default = "default_quarantine")]
    pub quarantine: String,
    /// Copies of our replies.
    #[serde(default = "default_sent")]
    pub sent: String,
}

impl Default for FoldersConfig {
    fn default() -> Self {
        FoldersConfig {
            processed: default_processed(),
            rejected: default_rejected(),
            quarantine: default_quarantine(),
            sent: default_sent(),
        }
    }
}

/// The DNS facts customers set, and how mailferry sees that they did.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// The resolver asked for MX records, as `ip:port`; default: /etc/resolv.conf.
    pub resolver: Option<String>,
    /// Our MX hosts: a domain whose MX records all point to these has moved.
    #[serde(default)]
    pub mx_hosts: Vec<String>,
    /// Seconds between MX checks of domains waiting for the change.
    #[serde(default = "default_dns_check")]
    pub check_seconds: u64,
    /// The records customers set, one per line, `{domain}` replaced by their domain.
    #[serde(default)]
    pub records: Vec<String>,
    /// Days a copied mailbox may wait for the DNS change before the staff page lists its
    /// ticket under "needs a person".
    #[serde(default = "default_dns_wait_days")]
    pub staff_after_days: u64,
}

fn default_dns_wait_days() -> u64 {
    7
}

impl Default for DnsConfig {
    /// What a config without `[dns]` gets: as before, `check_seconds` 0 (unlike an empty
    /// `[dns]` section); the staff page's DNS wait its usual default.
    fn default() -> Self {
        DnsConfig {
            resolver: None,
            mx_hosts: Vec::new(),
            check_seconds: 0,
            records: Vec::new(),
            staff_after_days: default_dns_wait_days(),
        }
    }
}

/// The SMTP server replies are sent through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// `tls`, `starttls` or `plain`.
    #[serde(default = "default_smtp_security")]
    pub security: Security,
    /// Login name, when the server wants authentication.
    pub user: Option<String>,
    /// Password for `user`.
    #[serde(flatten)]
    pub password: SecretSource,
    /// How many replies are handed to SMTP at once, each over its own connection.
    #[serde(default = "default_smtp_connections")]
    pub connections: usize,
}

fn default_smtp_connections() -> usize {
    4
}

/// How mailferry logs in to customers' mailboxes on our side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdminLogin {
    /// `LOGIN user*admin password` (Dovecot's master user separator).
    #[default]
    MasterSeparator,
    /// `AUTHENTICATE PLAIN` with authzid = the customer, authcid = the admin.
    SaslPlain,
}

/// Our IMAP server, the destination of every migration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    /// The IMAP server.
    pub imap: ImapServer,
    /// The admin (master) user allowed to act for any mailbox.
    pub admin_user: String,
    /// The admin's password.
    #[serde(flatten)]
    pub password: SecretSource,
    /// How the admin logs in as a customer.
    #[serde(default)]
    pub login: AdminLogin,
    /// The separator for `master_separator` logins.
    #[serde(default = "default_master_sep")]
    pub master_separator: String,
    /// Our mail domains: a destination must be in one of them.
    pub domains: Vec<String>,
}

/// Rules about customers' old servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePolicy {
    /// Allow source hosts on loopback or private networks (only for a test bed).
    #[serde(default)]
    pub allow_private_addresses: bool,
    /// Accept self-signed or otherwise invalid certificates on source servers.
    #[serde(default)]
    pub accept_invalid_certs: bool,
    /// Connections to one source host at once, across all copies (each job holds
    /// `folders_at_once` of them; the online check of a new request opens one more, briefly).
    #[serde(default = "default_per_host")]
    pub max_connections_per_host: usize,
    /// Read from an old server no faster than this many bytes per second per job (unset: no
    /// limit), to be polite to small providers.
    pub max_bytes_per_second: Option<u64>,
    /// Folders of one mailbox copied at once, each over its own pair of connections.
    #[serde(default = "default_folder_workers")]
    pub folders_at_once: usize,
    /// Check each requested mailbox online before accepting it (our side, the old server's
    /// address and certificate, the login) and report what it holds in the acknowledgement.
    #[serde(default = "default_true")]
    pub probe_requests: bool,
    /// A copy that must wait for the old provider's download quota (the provider table's
    /// limits) waits in place up to this many seconds; a longer wait pauses the job, gives the
    /// connections back and resumes it from its checkpoints when the provider's window ends.
    #[serde(default = "default_pace_sleep_max")]
    pub pace_sleep_max_seconds: u64,
    /// Bytes of message bodies one job holds in memory at once (unset: 32 MiB); bodies are
    /// fetched and appended in batches of about half of each folder worker's share, and a
    /// checkpoint is saved after each batch.
    #[serde(default)]
    pub bytes_in_flight: Option<usize>,
    /// Messages larger than this (by the size the old server reports) are not copied but listed
    /// in the report; a server that sends a larger block than this in one piece is stopped.
    #[serde(default = "default_max_message")]
    pub max_message_bytes: u64,
    /// Longest line an old server may send outside a message (a longer one stops the job).
    #[serde(default = "default_max_line")]
    pub max_line_bytes: u64,
    /// Seconds a connection may go without any byte moving before it is given up (the job is
    /// retried later).
    #[serde(default = "default_stall")]
    pub stall_seconds: u64,
    /// Seconds for connecting, the greeting, TLS and the login together.
    #[serde(default = "default_login")]
    pub login_seconds: u64,
    /// Most folders one mailbox may list (more stops the job with a clear reason).
    #[serde(default = "default_max_folders")]
    pub max_folders: usize,
}

/// TLS settings shared by every connection.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// A PEM file of extra trusted certificate authorities (besides the built-in roots).
    pub extra_ca_file: Option<PathBuf>,
}

/// The provider's CardDAV/CalDAV server, where customers' contacts and calendars go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavConfig {
    /// Base URL: `https://dav.new.example` or, on a test bed, `http://127.0.0.1:5232`.
    pub url: String,
    /// The login that writes into every customer's collections (an admin of the DAV server).
    pub user: String,
    /// The password of `user`.
    #[serde(flatten)]
    pub password: SecretSource,
    /// A customer's address book, below `url`; `{user}` is replaced by the mailbox address.
    #[serde(default = "default_addressbook_path")]
    pub addressbook_path: String,
    /// A customer's calendar, below `url`; `{user}` is replaced by the mailbox address.
    #[serde(default = "default_calendar_path")]
    pub calendar_path: String,
    /// Seconds one request (connect, send, answer) may take.
    #[serde(default = "default_dav_timeout")]
    pub timeout_seconds: u64,
}

/// The durable store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The sled database folder.
    pub path: PathBuf,
    /// The key that encrypts customers' passwords at rest; created (mode 0600) when missing.
    pub key_file: PathBuf,
    /// The local socket where the running daemon answers staff's CLI (mode 0600);
    /// default: the store path with `.sock` added.
    pub admin_socket: Option<PathBuf>,
    /// Days a failed job keeps its sealed password and files before they are wiped (and a
    /// mailbox waiting for information what was kept of it).
    #[serde(default = "default_secret_retention")]
    pub secret_retention_days: u32,
}

fn default_secret_retention() -> u32 {
    14
}

impl StoreConfig {
    /// The admin socket's path.
    pub fn admin_socket(&self) -> PathBuf {
        self.admin_socket.clone().unwrap_or_else(|| {
            let mut p = self.path.clone().into_os_string();
            p.push(".sock");
            PathBuf::from(p)
        })
    }
}

/// The daemon's workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Mailbox migrations running at once.
    #[serde(default = "default_workers")]
    pub max_jobs: usize,
    /// Hold every new job until staff reply "approve".
    #[serde(default)]
    pub require_approval: bool,
    /// Replies to one recipient per hour, beyond which replies are held for staff (stops loops).
    #[serde(default = "default_rate")]
    pub max_replies_per_hour: usize,
    /// Copy speed in bytes per second assumed for a source host no finished job measured yet
    /// (the customer's estimate).
    #[serde(default = "default_speed")]
    pub default_bytes_per_second: u64,
    /// How long a job ahead in the queue is assumed to hold a worker, in minutes (the
    /// customer's estimate of when a copy starts).
    #[serde(default = "default_typical_job")]
    pub typical_job_minutes: u64,
}

fn default_speed() -> u64 {
    crate::model::DEFAULT_SPEED
}

fn default_typical_job() -> u64 {
    30
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_jobs: default_workers(),
            require_approval: false,
            max_replies_per_hour: default_rate(),
            default_bytes_per_second: default_speed(),
            typical_job_minutes: default_typical_job(),
        }
    }
}

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    #[serde(default = "default_log_format")]
    pub format: String,
    /// A tracing filter such as `info` or `mailferry=debug`.
    #[serde(default = "default_log_level")]
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: default_log_format(),
            level: default_log_level(),
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The support mailbox.
    pub support: SupportConfig,
    /// Outgoing mail.
    pub smtp: SmtpConfig,
    /// Our IMAP server.
    pub destination: DestinationConfig,
    /// Rules about customers' old servers.
    #[serde(default)]
    pub source: SourcePolicy,
    /// TLS trust.
    #[serde(default)]
    pub tls: TlsConfig,
    /// The CardDAV/CalDAV server for contacts and calendars (optional).
    #[serde(default)]
    pub dav: Option<DavConfig>,
    /// The sled store.
    pub store: StoreConfig,
    /// Workers.
    #[serde(default)]
    pub workers: WorkerConfig,
    /// An operator's own rules folder, read over the built-in rules.
    pub rules_dir: Option<PathBuf>,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// DNS facts and the MX check.
    #[serde(default)]
    pub dns: DnsConfig,
    /// Which folders are copied (include/exclude patterns, Gmail's virtual folders).
    #[serde(default)]
    pub folders: crate::model::PlanOptions,
    /// Waits and tries after a transient failure (a copy, a reply, the support inbox).
    #[serde(default)]
    pub retry: RetryConfig,
    /// Notices to staff when one of the servers mailferry needs is unreachable for long.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// The local HTTP endpoint for /healthz, /metrics and the staff page (absent: none).
    #[serde(default)]
    pub admin: Option<AdminHttpConfig>,
    /// Rate limits on support mail that is acted on.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Finding a customer's old server when the request names none.
    #[serde(default)]
    pub discovery: DiscoveryConfig,
    /// The operator's OAuth apps at Google and Microsoft (absent: passwords only).
    #[serde(default)]
    pub oauth: OauthConfig,
    /// The settings customers' mail programs use at the new provider, told in the last reply
    /// (absent: the last reply has no settings block).
    #[serde(default)]
    pub clients: Option<ClientsConfig>,
}

/// `[clients]`: the servers customers set up in their mail programs once the move is done, as
/// the Internet sees them (not how mailferry reaches them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsConfig {
    /// The IMAP server's public host name.
    pub imap_host: String,
    /// Its port: 993 (TLS) or 143 (STARTTLS).
    #[serde(default = "default_client_imap_port")]
    pub imap_port: u16,
    /// The SMTP submission server's public host name.
    pub smtp_host: String,
    /// Its port: 465 (TLS) or 587 (STARTTLS).
    #[serde(default = "default_client_smtp_port")]
    pub smtp_port: u16,
    /// The CardDAV address for contacts (absent: not mentioned).
    pub carddav_url: Option<String>,
    /// The CalDAV address for calendars (absent: not mentioned).
    pub caldav_url: Option<String>,
    /// Whether the provider publishes autoconfig/autodiscover for customers' domains, so that
    /// mail programs find these settings from the address alone.
    #[serde(default)]
    pub autoconfig: bool,
}

fn default_client_imap_port() -> u16 {
    993
}

fn default_client_smtp_port() -> u16 {
    587
}

/// `[discovery]`: how a customer's old server is looked for (SRV, autoconfig, autodiscover,
/// the provider table).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryConfig {
    /// Seconds the whole search for one mailbox's server may take.
    #[serde(default = "default_discovery_budget")]
    pub budget_seconds: u64,
    /// The port asked for autoconfig and autodiscover files over HTTPS (443; a test bed's own
    /// web server listens elsewhere).
    #[serde(default = "default_https_port")]
    pub https_port: u16,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            budget_seconds: default_discovery_budget(),
            https_port: default_https_port(),
        }
    }
}

fn default_discovery_budget() -> u64 {
    20
}
fn default_https_port() -> u16 {
    443
}

/// `[oauth]`: the operator's OAuth apps and the consent callback.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OauthConfig {
    /// The public HTTPS address the consent callback is reached at (Google's authorization-code
    /// flow sends the customer's browser to `<public_url>/oauth/callback`).
    pub public_url: Option<String>,
    /// Where the callback listens, e.g. `127.0.0.1:8443` behind the operator's HTTPS proxy.
    pub listen: Option<String>,
    /// Refresh an access token this many seconds before it runs out.
    #[serde(default = "default_refresh_margin")]
    pub refresh_margin_seconds: u64,
    /// Google (Gmail, Workspace).
    pub google: Option<OauthApp>,
    /// Microsoft (365, Outlook.com).
    pub microsoft: Option<OauthApp>,
}

fn default_refresh_margin() -> u64 {
    300
}

impl OauthConfig {
    /// The app of a config section by name (`google`, `microsoft`).
    pub fn app(&self, name: &str) -> Option<&OauthApp> {
        match name {
            "google" => self.google.as_ref(),
            "microsoft" => self.microsoft.as_ref(),
            _ => None,
        }
    }
}

/// One OAuth app, registered by the operator at the provider. Endpoints default to the
/// provider's own (by the section's name); a test bed points them at its local token server.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OauthApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (a file whose first line it is, or an environment variable):
    /// needed for the authorization-code flow at Google and for Microsoft's application
    /// permission.
    pub client_secret_file: Option<PathBuf>,
    /// The environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// Google: the service account's JSON key, for Workspace domain-wide delegation.
    pub service_account_file: Option<PathBuf>,
    /// Microsoft: the tenant in the endpoints (`organizations`, `common`, or a tenant id).
    pub tenant: Option<String>,
    /// The authorization endpoint (the consent page).
    pub auth_url: Option<String>,
    /// The token endpoint.
    pub token_url: Option<String>,
    /// The device authorization endpoint (Microsoft's device-code flow).
    pub device_url: Option<String>,
    /// The revocation endpoint (tokens are revoked there when a job ends).
    pub revoke_url: Option<String>,
    /// The scopes asked for a customer's consent.
    pub scope: Option<String>,
    /// The scope of an application grant (Microsoft: `https://outlook.office365.com/.default`).
    pub app_scope: Option<String>,
    /// `xoauth2` (default) or `oauthbearer`.
    #[serde(default)]
    pub mechanism: crate::model::BearerMechanism,
}

impl OauthApp {
    /// The client secret, when one is configured.
    pub fn client_secret(&self, what: &str) -> Result<Option<Secret>> {
        if self.client_secret_file.is_none() && self.client_secret_env.is_none() {
            return Ok(None);
        }
        SecretSource {
            password_file: self.client_secret_file.clone(),
            password_env: self.client_secret_env.clone(),
        }
        .resolve(what)
        .map(Some)
    }
}

/// Waits and tries after a transient failure: the wait doubles from 1 s (with jitter) up to
/// `max_delay_seconds`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// The longest wait between two tries, in seconds.
    #[serde(default = "default_retry_max_delay")]
    pub max_delay_seconds: u64,
    /// Tries of one copy pass before a transient failure (an old server that stays away)
    /// fails the job for good.
    #[serde(default = "default_job_attempts")]
    pub job_attempts: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_delay_seconds: default_retry_max_delay(),
            job_attempts: default_job_attempts(),
        }
    }
}

impl RetryConfig {
    /// The longest wait between two tries.
    pub fn max_delay(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.max_delay_seconds.max(1))
    }
}

/// When staff are told about an outage of the support inbox, SMTP, our IMAP server or the DAV
/// server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// An outage that lasts longer than this many seconds gets one notice to staff (and one
    /// when it ends); a shorter one is only logged.
    #[serde(default = "default_outage_notice_after")]
    pub outage_notice_after_seconds: u64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            outage_notice_after_seconds: default_outage_notice_after(),
        }
    }
}

fn default_retry_max_delay() -> u64 {
    300
}
fn default_job_attempts() -> u32 {
    10
}
fn default_outage_notice_after() -> u64 {
    300
}

impl Config {
    /// Reads and checks a config file; errors name the key and line.
    pub fn load(path: &Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in config file {}", path.display()))
    }

    /// Parses config text; relative paths stay as written.
    pub fn parse(text: &str) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!(describe_toml_error(text, &e)))?;
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<()> {
        if !self.support.address.contains('@') {
            bail!("support.address: {:?} is not an e-mail address", self.support.address);
        }
        if self.support.idle_seconds == 0 || self.support.idle_seconds >= 29 * 60 {
            bail!("support.idle_seconds: must be between 1 and 1739 (under 29 minutes)");
        }
        if self.destination.domains.is_empty() {
            bail!("destination.domains: list at least one of our mail domains");
        }
        if self.workers.max_jobs == 0 {
            bail!("workers.max_jobs: must be at least 1");
        }
        if let Some(r) = &self.dns.resolver {
            if r.parse::<std::net::SocketAddr>().is_err() {
                bail!("dns.resolver: {r:?} is not an address like 127.0.0.1:53");
            }
        }
        if self.source.folders_at_once == 0 {
            bail!("source.folders_at_once: must be at least 1");
        }
        if self.source.max_connections_per_host == 0 {
            bail!("source.max_connections_per_host: must be at least 1");
        }
        if self.retry.job_attempts == 0 {
            bail!("retry.job_attempts: must be at least 1");
        }
        self.source.check_limits()?;
        if self.support.authentication.require && self.support.authentication.authserv_id.is_empty() {
            bail!(
                "support.authentication.authserv_id: name our MX's authserv-id (the first word of the \
                 Authentication-Results header it adds), or set require = false (test beds only)"
            );
        }
        if self.store.secret_retention_days == 0 {
            bail!("store.secret_retention_days: must be at least 1");
        }
        if self.limits.requests_per_sender_per_hour == 0 {
            bail!("limits.requests_per_sender_per_hour: must be at least 1");
        }
        if self.limits.mails_per_thread_per_hour == 0 {
            bail!("limits.mails_per_thread_per_hour: must be at least 1");
        }
        if let Some(dav) = &self.dav {
            crate::model::BaseUrl::parse(&dav.url).map_err(|e| anyhow::anyhow!("dav.url: {e:#}"))?;
            for (key, path) in [
                ("addressbook_path", &dav.addressbook_path),
                ("calendar_path", &dav.calendar_path),
            ] {
                if !path.contains("{user}") {
                    bail!("dav.{key}: {path:?} must contain {{user}} (each customer has their own)");
                }
            }
            if dav.timeout_seconds == 0 {
                bail!("dav.timeout_seconds: must be at least 1");
            }
        }
        if let Some(admin) = &self.admin {
            admin.check()?;
        }
        if self.discovery.budget_seconds == 0 {
            bail!("discovery.budget_seconds: must be at least 1");
        }
        if let Some(url) = &self.oauth.public_url {
            crate::model::BaseUrl::parse(url).map_err(|e| anyhow::anyhow!("oauth.public_url: {e:#}"))?;
        }
        if let Some(listen) = &self.oauth.listen {
            if listen.parse::<std::net::SocketAddr>().is_err() {
                bail!("oauth.listen: {listen:?} is not an address like 127.0.0.1:8443");
            }
        }
        for (name, app) in [("google", &self.oauth.google), ("microsoft", &self.oauth.microsoft)] {
            if let Some(app) = app {
                if app.client_id.trim().is_empty() {
                    bail!("oauth.{name}.client_id: name the app's client id");
                }
            }
        }
        Ok(())
    }
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

fn default_display_name() -> String {
    "Support".into()
}
fn default_inbox() -> String {
    "INBOX".into()
}
fn default_poll() -> u64 {
    60
}
fn default_idle() -> u64 {
    25 * 60
}
fn default_smtp_port() -> u16 {
    587
}
fn default_smtp_security() -> Security {
    Security::Starttls
}
fn default_master_sep() -> String {
    "*".into()
}
fn default_per_host() -> usize {
    8
}
fn default_workers() -> usize {
    4
}
impl SourcePolicy {
    /// The read rate of each connection, so that all of one job's connections together keep
    /// to `max_bytes_per_second`.
    pub fn per_connection_rate(&self) -> Option<u64> {
        self.max_bytes_per_second
            .map(|r| (r / self.folders_at_once.max(1) as u64).max(1))
    }
}

impl Default for SourcePolicy {
    fn default() -> Self {
        SourcePolicy {
            allow_private_addresses: false,
            accept_invalid_certs: false,
            max_connections_per_host: default_per_host(),
            max_bytes_per_second: None,
            folders_at_once: default_folder_workers(),
            probe_requests: true,
            pace_sleep_max_seconds: default_pace_sleep_max(),
            bytes_in_flight: None,
            max_message_bytes: default_max_message(),
            max_line_bytes: default_max_line(),
            stall_seconds: default_stall(),
            login_seconds: default_login(),
            max_folders: default_max_folders(),
        }
    }
}

fn default_pace_sleep_max() -> u64 {
    300
}

fn default_folder_workers() -> usize {
    2
}
fn default_true() -> bool {
    true
}
fn default_max_mail() -> u64 {
    64 << 20
}
fn default_processed() -> String {
    "Processed".into()
}
fn default_rejected() -> String {
    "Rejected".into()
}
fn default_quarantine() -> String {
    "Quarantine".into()
}
fn default_sent() -> String {
    "Sent".into()
}
fn default_dns_check() -> u64 {
    600
}
fn default_rate() -> usize {
    20
}
fn default_addressbook_path() -> String {
    "/{user}/contacts/".into()
}
fn default_calendar_path() -> String {
    "/{user}/calendar/".into()
}
fn default_dav_timeout() -> u64 {
    60
}
fn default_log_format() -> String {
    "text".into()
}
fn default_log_level() -> String {
    "info".into()
}

/// The admin HTTP endpoint: `/healthz`, Prometheus `/metrics` and the read-only staff page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminHttpConfig {
    /// The address to listen on, such as `127.0.0.1:9187` (keep it on loopback or a private
    /// management network: the staff page shows customers' tickets).
    pub listen: String,
    /// `/healthz` answers 503 when the support inbox has not been connected for this long.
    #[serde(default = "default_inbox_down")]
    pub inbox_down_seconds: u64,
    /// Host names (besides IP addresses and `localhost`) accepted in the Host header; any other
    /// name is refused, which stops DNS-rebinding pages from reading the staff page.
    #[serde(default)]
    pub hostnames: Vec<String>,
    /// Hours a ticket may wait for information from its customer (nothing accepted yet, or a
    /// mailbox in NeedsInfo) before the staff page lists it under "needs a person".
    #[serde(default = "default_needs_info_hours")]
    pub needs_info_after_hours: u64,
}

fn default_needs_info_hours() -> u64 {
    4
}

impl AdminHttpConfig {
    /// How long a ticket may wait for its customer's information before staff are shown it.
    pub fn needs_info_wait(&self) -> chrono::Duration {
        chrono::Duration::hours(self.needs_info_after_hours.min(876_000) as i64)
    }

    /// The listen address, parsed.
    pub fn listen_addr(&self) -> Result<std::net::SocketAddr> {
        self.listen
            .parse()
            .map_err(|_| anyhow::anyhow!("admin.listen: {:?} is not an address like 127.0.0.1:9187", self.listen))
    }

    fn check(&self) -> Result<()> {
        self.listen_addr()?;
        if self.inbox_down_seconds == 0 {
            bail!("admin.inbox_down_seconds: must be at least 1");
        }
        Ok(())
    }
}

fn default_inbox_down() -> u64 {
    300
}

/// Lines of 1 MiB are far beyond anything a real server sends outside a message.
fn default_max_line() -> u64 {
    1 << 20
}
/// 256 MiB: far above what providers let a mailbox receive (Gmail 25 MB, Microsoft 365 150 MB),
/// and half of what our IMAP library can hold for one answer (512 MiB).
fn default_max_message() -> u64 {
    256 << 20
}
/// Two minutes: a live server answers a command or sends the next bytes of a message well
/// within that.
fn default_stall() -> u64 {
    120
}
fn default_login() -> u64 {
    60
}
/// Gmail allows 10,000 labels; nobody reads more folders than that.
fn default_max_folders() -> usize {
    10_000
}

impl SourcePolicy {
    fn check_limits(&self) -> Result<()> {
        if self.max_message_bytes < 1024 {
            bail!("source.max_message_bytes: must be at least 1024");
        }
        if self.max_line_bytes < 1024 {
            bail!("source.max_line_bytes: must be at least 1024");
        }
        if self.stall_seconds == 0 {
            bail!("source.stall_seconds: must be at least 1");
        }
        if self.login_seconds == 0 {
            bail!("source.login_seconds: must be at least 1");
        }
        if self.max_folders == 0 {
            bail!("source.max_folders: must be at least 1");
        }
        Ok(())
    }

    /// What an old server may send and how long it may keep us waiting.
    pub fn limits(&self) -> crate::model::Limits {
        crate::model::Limits {
            max_line: self.max_line_bytes,
            max_literal: self.max_message_bytes,
            stall: std::time::Duration::from_secs(self.stall_seconds),
            login: std::time::Duration::from_secs(self.login_seconds),
        }
    }

    /// The limits on our own servers (destination, support inbox): the same stall and login
    /// timeouts, lines up to 16 MiB and blocks up to what our IMAP library can hold (512 MiB).
    pub fn our_server_limits(&self) -> crate::model::Limits {
        crate::model::Limits {
            max_line: self.max_line_bytes.max(16 << 20),
            max_literal: self.max_message_bytes.max(512 << 20),
            ..self.limits()
        }
    }
}

/// `[support.authentication]`: whose word about a sender is believed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthenticationConfig {
    /// The authserv-id our own MX writes first in the `Authentication-Results` header it adds
    /// (e.g. `"mx.new.example"`), or a list when each MX writes its own name; only that
    /// header, and only when it is the topmost, counts.
    #[serde(default, deserialize_with = "one_or_many")]
    pub authserv_id: Vec<String>,
    /// Act on requests and commands only from senders with DMARC pass or aligned DKIM pass;
    /// others are left for staff, unanswered. Default true; false only for a test bed.
    #[serde(default = "default_true")]
    pub require: bool,
}

impl Default for AuthenticationConfig {
    fn default() -> Self {
        AuthenticationConfig {
            authserv_id: Vec::new(),
            require: true,
        }
    }
}

/// A string or a list of strings.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Which of our mailboxes a sender may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SenderPolicy {
    /// Only mailboxes in the sender's own domain (or a subdomain of it, or its parent).
    #[default]
    SameDomain,
    /// Any mailbox in our domains.
    Any,
}

/// `[support.senders]`: who may request migrations into which mailboxes.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SendersConfig {
    /// `same-domain` (default) or `any`.
    #[serde(default)]
    pub policy: SenderPolicy,
    /// Senders who may ask for any of our mailboxes, like staff: `admin@customer.example` or
    /// `*@partner.example`.
    #[serde(default)]
    pub allowed: Vec<String>,
}

/// `[limits]`: how much support mail is acted on per hour; more is left for staff, unanswered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Request mails from one sender per hour (staff are not counted).
    #[serde(default = "default_requests_per_sender")]
    pub requests_per_sender_per_hour: usize,
    /// Mails (requests, corrections, commands) acted on in one ticket's thread per hour.
    #[serde(default = "default_mails_per_thread")]
    pub mails_per_thread_per_hour: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            requests_per_sender_per_hour: default_requests_per_sender(),
            mails_per_thread_per_hour: default_mails_per_thread(),
        }
    }
}

fn default_requests_per_sender() -> usize {
    10
}
fn default_mails_per_thread() -> usize {
    30
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../mailferry.example.toml");

    #[test]
    fn the_example_config_parses() {
        let cfg = Config::parse(EXAMPLE).expect("example config must parse");
        assert_eq!(cfg.support.imap.port(), 993);
        assert!(cfg.support.password.password_file.is_some());
    }

    #[test]
    fn the_dav_section_is_optional_and_has_defaults() {
        let cfg = Config::parse(EXAMPLE).expect("example config must parse");
        let dav = cfg.dav.expect("the example has a [dav] section");
        assert_eq!(dav.addressbook_path, "/{user}/contacts/");
        assert_eq!(dav.calendar_path, "/{user}/calendar/");
        let start = EXAMPLE.find("[dav]").unwrap();
        let end = start + EXAMPLE[start..].find("\n[store]").unwrap();
        let without = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
        assert!(Config::parse(&without).unwrap().dav.is_none());
        let bad = EXAMPLE.replacen("[dav]\n", "[dav]\ncalender_path = \"/x/\"\n", 1);
        let err = format!("{:#}", Config::parse(&bad).unwrap_err());
        assert!(err.contains("calender_path"), "{err}");
        let shared = EXAMPLE.replacen(
            "calendar_path = \"/{user}/calendar/\"",
            "calendar_path = \"/shared/\"",
            1,
        );
        let err = format!("{:#}", Config::parse(&shared).unwrap_err());
        assert!(err.contains("dav.calendar_path"), "{err}");
    }

    #[test]
    fn source_caps_have_defaults_and_are_checked() {
        let cfg = Config::parse(EXAMPLE).expect("example config must parse");
        let limits = cfg.source.limits();
        assert_eq!(limits.max_literal, 256 << 20);
        assert_eq!(limits.max_line, 1 << 20);
        assert_eq!(limits.stall, std::time::Duration::from_secs(120));
        assert_eq!(cfg.source.max_folders, 10_000);
        assert_eq!(SourcePolicy::default().limits(), limits);
        let ours = cfg.source.our_server_limits();
        assert!(ours.max_line >= 16 << 20 && ours.max_literal >= 512 << 20);
        assert_eq!(ours.stall, limits.stall);
        let bad = EXAMPLE.replacen("stall_seconds = 120", "stall_seconds = 0", 1);
        let err = format!("{:#}", Config::parse(&bad).unwrap_err());
        assert!(err.contains("source.stall_seconds"), "{err}");
        let bad = EXAMPLE.replacen("max_folders = 10000", "max_folders = 0", 1);
        assert!(Config::parse(&bad).is_err());
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let bad = EXAMPLE.replacen("[smtp]", "[smtp]\nhots = \"x\"", 1);
        let err = format!("{:#}", Config::parse(&bad).unwrap_err());
        assert!(err.contains("hots"), "{err}");
        assert!(err.contains("line "), "{err}");
    }

    #[test]
    fn the_admin_http_section_is_optional_and_checked() {
        let cfg = Config::parse(EXAMPLE).expect("example config must parse");
        let admin = cfg.admin.expect("the example has an [admin] section");
        assert_eq!(admin.listen_addr().unwrap().to_string(), "127.0.0.1:9187");
        assert_eq!(admin.inbox_down_seconds, 300);
        let start = EXAMPLE.find("\n[admin]").unwrap();
        let end = EXAMPLE[start + 1..]
            .find("\n[")
            .map_or(EXAMPLE.len(), |e| start + 1 + e);
        let without = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
        assert!(Config::parse(&without).unwrap().admin.is_none());
        let bad = EXAMPLE.replacen("listen = \"127.0.0.1:9187\"", "listen = \"localhost\"", 1);
        let err = format!("{:#}", Config::parse(&bad).unwrap_err());
        assert!(err.contains("admin.listen"), "{err}");
    }
}
