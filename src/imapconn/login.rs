//! Logging in on a greeted connection, by every method we know: LOGIN with a password (a
//! customer at the old provider, the support mailbox), LOGIN as a Dovecot master user
//! (`customer*admin`), and SASL PLAIN with an authorization id (our admin acting for a
//! customer). The OAuth methods come next (XOAUTH2, OAUTHBEARER of RFC 7628): each is one more
//! [`Method`], sent with `AUTHENTICATE` like PLAIN, its token redacted like a password.
//!
//! The password goes to the server and nowhere else: every word of the server's answer passes
//! through the [`Redactor`] before it reaches an error.

use super::redact::Redactor;
use super::{guard, Credentials, Greeted, Session};
use crate::config::AdminLogin;

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
    // Next: `XOAuth2 { user, token }` and `OAuthBearer { user, host, port, token }`, each an
    // `AUTHENTICATE` with its initial response, the token redacted by the same Redactor.
}

impl<'a> Method<'a> {
    fn of(creds: &'a Credentials) -> Method<'a> {
        match creds {
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

/// Logs in on `client` (greeted by `host`) as `creds` say. A refusal is a [`LoginRefused`];
/// a guard's verdict stays findable with [`guard::guard_error`] / [`guard::is_not_imap`];
/// anything else is a [`LoginBroken`]. No error carries an echo of what we sent.
pub async fn login(client: Greeted, creds: &Credentials, host: &str) -> anyhow::Result<Session> {
    let result = match Method::of(creds) {
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
    result.map_err(|(e, _)| refusal(e, creds, host))
}

fn refusal(e: async_imap::error::Error, creds: &Credentials, host: &str) -> anyhow::Error {
    let redactor = Redactor::new(creds);
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
