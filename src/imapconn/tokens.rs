//! OAuth access tokens as the IMAP door sees them: something that hands out a token valid now
//! (refreshing it first when it is about to run out) and, when a server refused one, a new one.
//! The OAuth flows themselves ([`crate::oauth`]) implement [`TokenSource`]; the door only asks.
//!
//! A token is a password: it comes as a [`Secret`], goes into the SASL exchange and nowhere
//! else. Never logs one.

use crate::secret::Secret;
use futures::future::BoxFuture;
use std::sync::Arc;

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// The provider says the grant is no longer valid (consent revoked or expired, the app
    /// removed, the password changed): only the customer (or their admin) can fix it. `words`
    /// is the provider's own answer (`invalid_grant: …`), without any token.
    #[error("{words}")]
    Refused {
        /// The provider's words.
        words: String,
    },
    /// The provider could not be asked just now (unreachable, an error on its side).
    #[error("{0}")]
    Unavailable(String),
}

/// Hands out access tokens for one mailbox.
pub trait TokenSource: Send + Sync {
    /// A token valid now, refreshed first when it is about to run out.
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>>;
    /// A fresh token even when the current one still looks valid (a server refused it).
    fn renew(&self) -> BoxFuture<'_, Result<Secret, TokenError>>;
}

/// A shared [`TokenSource`] inside [`super::Credentials`]: cheap to clone, never shows a token.
#[derive(Clone)]
pub struct Tokens(pub Arc<dyn TokenSource>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens([redacted])")
    }
}

/// A fixed token that cannot be renewed (tests, and a token handed over by an operator).
#[derive(Debug)]
pub struct FixedToken(pub Secret);

impl TokenSource for FixedToken {
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn renew(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

pub use crate::model::BearerMechanism;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_responses_have_the_documented_shape() {
        assert_eq!(
            BearerMechanism::Xoauth2.initial_response("anna@old.example", "imap.old.example", "tok"),
            "user=anna@old.example\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            BearerMechanism::Oauthbearer.initial_response("a,b=c@x", "imap.x", "tok"),
            "n,a=a=2Cb=3Dc@x,\x01host=imap.x\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            format!("{:?}", Tokens(Arc::new(FixedToken(Secret::new("t"))))),
            "Tokens([redacted])"
        );
    }
}
