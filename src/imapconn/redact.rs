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
        let mut secrets = vec![zeroize::Zeroizing::new(password.to_string())];
        secrets.extend(plain.map(zeroize::Zeroizing::new));
        Redactor { secrets, login }
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
