//! What a server says back never carries what we sent: a server may echo the LOGIN line (with
//! the password) or the SASL response in its NO, BAD or BYE text, or in a parse error. Every
//! piece of server text that reaches an error, a log line, an event or a reply passes through
//! [`Redactor::clean`] first.
//!
//! Never keeps a copy of the password beyond the redactor's life; never returns text that
//! contains it.

use super::Credentials;
use base64::Engine;

/// Said in place of server words that repeated what we sent.
pub const WITHHELD: &str = "(the server's answer is not shown: it repeated our login)";

/// Hides a server's echo of one login.
pub struct Redactor {
    /// Text that must never come back out: the password, the SASL PLAIN response in base64.
    secrets: Vec<zeroize::Zeroizing<String>>,
    /// The login name as sent after LOGIN: an echo of the command line (`LOGIN name …`) is
    /// withheld even when the password in it was cut or changed.
    login: String,
}

impl Redactor {
    /// A redactor for `creds`.
    pub fn new(creds: &Credentials) -> Redactor {
        let (login, password, plain) = match creds {
            Credentials::User { user, password } => (user.clone(), password.expose(), None),
            Credentials::Oauth { user, .. } => (user.clone(), "", None),
            Credentials::Admin {
                user,
                admin,
                password,
                separator,
                ..
            } => {
                let plain =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}\0{admin}\0{}", password.expose()));
                (format!("{user}{separator}{admin}"), password.expose(), Some(plain))
            }
        };
        let mut secrets: Vec<zeroize::Zeroizing<String>> = Some(password)
            .filter(|p| !p.is_empty())
            .map(|p| zeroize::Zeroizing::new(p.to_string()))
            .into_iter()
            .collect();
        secrets.extend(plain.map(zeroize::Zeroizing::new));
        Redactor { secrets, login }
    }

    /// Also withholds text carrying `secret` (a token, or a SASL response we sent).
    pub fn with_secret(mut self, secret: &str) -> Redactor {
        if !secret.is_empty() {
            self.secrets.push(zeroize::Zeroizing::new(secret.to_string()));
        }
        self
    }

    /// `text`, or [`WITHHELD`] when it carries the password, the SASL response or a LOGIN
    /// command line.
    pub fn clean(&self, text: &str) -> String {
        if self.echoes(text) {
            WITHHELD.to_string()
        } else {
            text.to_string()
        }
    }

    /// True when `text` carries something we sent.
    pub fn echoes(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        let secret = self.secrets.iter().any(|s| !s.is_empty() && text.contains(s.as_str()));
        let login = self.login.to_ascii_lowercase();
        let login_line = lower.contains(&format!("login \"{login}")) || lower.contains(&format!("login {login}"));
        secret || login_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn user() -> Redactor {
        Redactor::new(&Credentials::User {
            user: "anna@old.example".into(),
            password: Secret::new("hunter2"),
        })
    }

    #[test]
    fn an_echoed_login_line_or_password_is_withheld() {
        let r = user();
        assert_eq!(
            r.clean("[AUTHENTICATIONFAILED] Authentication failed."),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(
            r.clean("unknown command: a1 LOGIN \"anna@old.example\" \"hunter2\""),
            WITHHELD
        );
        assert_eq!(r.clean("bad login hunter2 for x"), WITHHELD);
        // The login line without the password (a server that cut it) is withheld all the same.
        assert_eq!(r.clean("a1 login anna@old.example ..."), WITHHELD);
    }

    #[test]
    fn an_echoed_token_or_bearer_response_is_withheld() {
        use base64::Engine;
        let creds = Credentials::Oauth {
            user: "anna@old.example".into(),
            tokens: crate::imapconn::Tokens(std::sync::Arc::new(crate::imapconn::FixedToken(Secret::new(
                "ya29.tok",
            )))),
            mechanism: crate::imapconn::BearerMechanism::Xoauth2,
        };
        let sasl =
            base64::engine::general_purpose::STANDARD.encode("user=anna@old.example\x01auth=Bearer ya29.tok\x01\x01");
        let r = Redactor::new(&creds).with_secret("ya29.tok").with_secret(&sasl);
        assert_eq!(r.clean("bad token ya29.tok"), WITHHELD);
        assert_eq!(r.clean(&format!("unknown {sasl}")), WITHHELD);
        assert_eq!(
            r.clean("[AUTHENTICATIONFAILED] Invalid credentials"),
            "[AUTHENTICATIONFAILED] Invalid credentials"
        );
    }

    #[test]
    fn a_sasl_plain_echo_is_withheld() {
        let r = Redactor::new(&Credentials::Admin {
            user: "anna@new.example".into(),
            admin: "admin".into(),
            password: Secret::new("s3cret"),
            style: crate::config::AdminLogin::SaslPlain,
            separator: "*".into(),
        });
        let b64 = base64::engine::general_purpose::STANDARD.encode("anna@new.example\0admin\0s3cret");
        assert_eq!(r.clean(&format!("bad response {b64}")), WITHHELD);
        assert_eq!(r.clean("Authentication failed."), "Authentication failed.");
    }
}
