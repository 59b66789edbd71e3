//! Logging in on a greeted connection, by every method we know: LOGIN with a password (a
//! customer at the old provider, the support mailbox), LOGIN as a Dovecot master user
//! (`customer*admin`), and SASL PLAIN with an authorization id (our admin acting for a
//! customer), and an OAuth 2.0 bearer token with `AUTHENTICATE XOAUTH2` or `OAUTHBEARER`
//! (RFC 7628). A token the server refuses is renewed once and tried again on the same
//! connection (it may have run out between the refresh and the login); a grant the provider no
//! longer honours is a [`LoginRefused`] in the provider's words.
//!
//! The password or token goes to the server and nowhere else: every word of the server's
//! answer passes through the [`Redactor`] before it reaches an error.

use super::redact::Redactor;
use super::tokens::{BearerMechanism, TokenError};
use super::{guard, Credentials, Greeted, Session};
use crate::config::AdminLogin;
use crate::secret::Secret;

/// The server answered the login with NO or BAD (wrong password, unknown user, not allowed):
/// trying again later will not help. Find it with `err.downcast_ref::<LoginRefused>()`.
#[derive(Debug, thiserror::Error)]
#[error("{sentence}")]
pub struct LoginRefused {
    /// "imap.x refused the login for anna@x: <the server's words>".
    pub sentence: String,
    /// The server's own words, redacted.
    pub words: String,
}

/// The connection broke during the login for another reason than a guard's cap or garbage
/// (those stay findable as [`guard::GuardError`] and [`guard::NotImap`]).
#[derive(Debug, thiserror::Error)]
#[error("{host} broke off the login for {mailbox}: {words}")]
pub struct LoginBroken {
    /// The server's name.
    pub host: String,
    /// The mailbox we logged in for.
    pub mailbox: String,
    /// What happened, redacted.
    pub words: String,
}

/// One way of proving who we are, as sent on the wire.
enum Method<'a> {
    /// `LOGIN name password` (a normal login, or a master-user login `user*admin`).
    Login { name: String, password: &'a str },
    /// `AUTHENTICATE PLAIN` with `authzid\0authcid\0password` (RFC 4616).
    SaslPlain {
        authzid: &'a str,
        authcid: &'a str,
        password: &'a str,
    },
    /// `AUTHENTICATE XOAUTH2|OAUTHBEARER` with a token from the credentials' source.
    Bearer {
        user: &'a str,
        tokens: &'a super::Tokens,
        mechanism: BearerMechanism,
    },
}

impl<'a> Method<'a> {
    fn of(creds: &'a Credentials) -> Method<'a> {
        match creds {
            Credentials::Oauth {
                user,
                tokens,
                mechanism,
            } => Method::Bearer {
                user,
                tokens,
                mechanism: *mechanism,
            },
            Credentials::User { user, password } => Method::Login {
                name: user.clone(),
                password: password.expose(),
            },
            Credentials::Admin {
                user,
                admin,
                password,
                style: AdminLogin::MasterSeparator,
                separator,
            } => Method::Login {
                name: format!("{user}{separator}{admin}"),
                password: password.expose(),
            },
            Credentials::Admin {
                user,
                admin,
                password,
                style: AdminLogin::SaslPlain,
                ..
            } => Method::SaslPlain {
                authzid: user,
                authcid: admin,
                password: password.expose(),
            },
        }
    }
}

struct PlainAuth<'a> {
    authzid: &'a str,
    authcid: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for PlainAuth<'_> {
    type Response = Vec<u8>;
    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        format!("{}\0{}\0{}", self.authzid, self.authcid, self.password).into_bytes()
    }
}

/// The response of a bearer-token exchange: the initial response first, then an empty one to
/// whatever else the server asks (a failed XOAUTH2 first sends a `+` with a JSON error, which
/// is kept, and wants an empty line before its NO).
struct BearerAuth {
    initial: Option<zeroize::Zeroizing<String>>,
    error: Option<String>,
}

impl async_imap::Authenticator for &mut BearerAuth {
    type Response = Vec<u8>;
    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        match self.initial.take() {
            Some(first) => first.as_bytes().to_vec(),
            None => {
                let text: String = String::from_utf8_lossy(challenge)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(300)
                    .collect();
                if !text.is_empty() {
                    self.error = Some(text);
                }
                Vec::new()
            }
        }
    }
}

/// Logs in on `client` (greeted by `host`) as `creds` say. A refusal is a [`LoginRefused`];
/// a guard's verdict stays findable with [`guard::guard_error`] / [`guard::is_not_imap`];
/// anything else is a [`LoginBroken`]. No error carries an echo of what we sent.
pub async fn login(client: Greeted, creds: &Credentials, host: &str) -> anyhow::Result<Session> {
    let result = match Method::of(creds) {
        Method::Bearer {
            user,
            tokens,
            mechanism,
        } => return bearer_login(client, creds, host, user, tokens, mechanism).await,
        Method::Login { name, password } => client.login(name, password).await,
        Method::SaslPlain {
            authzid,
            authcid,
            password,
        } => {
            let auth = PlainAuth {
                authzid,
                authcid,
                password,
            };
            client.authenticate("PLAIN", auth).await
        }
    };
    result.map_err(|(e, _)| refusal(e, creds, host, &[]))
}

/// One try with the current token; on a refusal, one more with a renewed token on the same
/// connection.
async fn bearer_login(
    client: Greeted,
    creds: &Credentials,
    host: &str,
    user: &str,
    tokens: &super::Tokens,
    mechanism: BearerMechanism,
) -> anyhow::Result<Session> {
    let token = tokens.0.token().await.map_err(|e| unusable(e, creds, host))?;
    let (client, first) = match bearer_once(client, host, user, &token, mechanism).await {
        Ok(session) => return Ok(session),
        Err((e, client, words)) => {
            let refused = matches!(e, async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_));
            if !refused {
                return Err(refusal(e, creds, host, &[&token]));
            }
            (client, (e, words))
        }
    };
    tracing::debug!(
        host,
        mailbox = user,
        "the token was refused; trying once more with a renewed one"
    );
    let renewed = tokens.0.renew().await.map_err(|e| unusable(e, creds, host))?;
    if renewed.expose() == token.expose() {
        return Err(bearer_refusal(first.0, first.1, creds, host, &[&token]));
    }
    match bearer_once(client, host, user, &renewed, mechanism).await {
        Ok(session) => Ok(session),
        Err((e, _, words)) => Err(bearer_refusal(e, words, creds, host, &[&token, &renewed])),
    }
}

type BearerFailure = (async_imap::error::Error, Greeted, Option<String>);

async fn bearer_once(
    client: Greeted,
    host: &str,
    user: &str,
    token: &Secret,
    mechanism: BearerMechanism,
) -> Result<Session, BearerFailure> {
    let mut auth = BearerAuth {
        initial: Some(zeroize::Zeroizing::new(mechanism.initial_response(
            user,
            host,
            token.expose(),
        ))),
        error: None,
    };
    match client.authenticate(mechanism.name(), &mut auth).await {
        Ok(session) => Ok(session),
        Err((e, client)) => Err((e, client, auth.error.take())),
    }
}

/// A refused bearer login: the server's words, and the error detail it sent in its `+` line
/// (`{"status":"401","schemes":"bearer"}`) when it sent one.
fn bearer_refusal(
    e: async_imap::error::Error,
    detail: Option<String>,
    creds: &Credentials,
    host: &str,
    tokens: &[&Secret],
) -> anyhow::Error {
    let err = refusal(e, creds, host, tokens);
    let Some(detail) = detail else { return err };
    match err.downcast::<LoginRefused>() {
        Ok(r) => {
            let detail = redactor(creds, host, tokens).clean(&detail);
            anyhow::Error::new(LoginRefused {
                sentence: format!("{} ({detail})", r.sentence),
                words: format!("{} ({detail})", r.words),
            })
        }
        Err(other) => other,
    }
}

/// No token could be had: a grant the provider refuses is a [`LoginRefused`] in its words
/// (trying again will not help); a provider that could not be asked is a [`LoginBroken`].
fn unusable(e: TokenError, creds: &Credentials, host: &str) -> anyhow::Error {
    let mailbox = creds.mailbox();
    match e {
        TokenError::Refused { words } => anyhow::Error::new(LoginRefused {
            sentence: format!("the sign-in for {mailbox} at {host} is no longer allowed: {words}"),
            words,
        }),
        TokenError::Unavailable(why) => anyhow::Error::new(LoginBroken {
            host: host.to_string(),
            mailbox: mailbox.to_string(),
            words: format!("no access token could be had: {why}"),
        }),
    }
}

fn refusal(e: async_imap::error::Error, creds: &Credentials, host: &str, tokens: &[&Secret]) -> anyhow::Error {
    let redactor = redactor(creds, host, tokens);
    let mailbox = creds.mailbox();
    match &e {
        async_imap::error::Error::No(msg) | async_imap::error::Error::Bad(msg) => {
            let words = redactor.clean(&server_text(msg));
            anyhow::Error::new(LoginRefused {
                sentence: format!("{host} refused the login for {mailbox}: {words}"),
                words,
            })
        }
        // What the guard or the parser found stays findable; the server's bytes (which may
        // echo what we sent) are not kept.
        _ if guard::guard_error(&e).is_some() || guard::is_not_imap(&e) => {
            let why = match guard::guard_error(&e) {
                Some(g) => anyhow::Error::new(g.clone()),
                None => anyhow::Error::new(guard::NotImap),
            };
            why.context(format!("{host} broke off the login for {mailbox}"))
        }
        other => anyhow::Error::new(LoginBroken {
            host: host.to_string(),
            mailbox: mailbox.to_string(),
            words: redactor.clean(&other.to_string()),
        }),
    }
}

/// The redactor of one login: what `creds` hold, and the tokens sent (raw and inside either
/// mechanism's base64 response).
fn redactor(creds: &Credentials, host: &str, tokens: &[&Secret]) -> Redactor {
    use base64::Engine;
    let mut r = Redactor::new(creds);
    for t in tokens {
        r = r.with_secret(t.expose());
        for m in [BearerMechanism::Xoauth2, BearerMechanism::Oauthbearer] {
            let first = zeroize::Zeroizing::new(m.initial_response(creds.mailbox(), host, t.expose()));
            r = r.with_secret(&base64::engine::general_purpose::STANDARD.encode(first.as_bytes()));
        }
    }
    r
}

/// The server's own words from async-imap's NO/BAD text, which reads
/// `code: Some(..), info: Some("[AUTHENTICATIONFAILED] Authentication failed.")`.
pub fn server_text(msg: &str) -> String {
    let Some(start) = msg.find("info: Some(\"") else {
        return msg.trim().to_string();
    };
    let inner = &msg[start + "info: Some(\"".len()..];
    let inner = inner.strip_suffix("\")").unwrap_or(inner);
    inner.replace("\\\"", "\"").replace("\\\\", "\\").trim().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_words_are_extracted() {
        let raw = r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(super::server_text(raw), "[AUTHENTICATIONFAILED] Authentication failed.");
        assert_eq!(
            super::server_text(r#"code: None, info: Some("say \"hi\"")"#),
            "say \"hi\""
        );
        assert_eq!(super::server_text("plain words"), "plain words");
    }
}
