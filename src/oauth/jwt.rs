//! Google's service-account grant (RFC 7523, JWT bearer): for a Workspace domain whose admin
//! has given the operator's service account domain-wide delegation, a signed assertion with
//! `sub` = the mailbox gets an access token for that mailbox, no consent of its owner needed.
//!
//! The private key is read from the service account's JSON key file (the operator's config
//! names it), held as a [`Secret`] and used only to sign (RS256, with ring). Never logs the
//! key or an assertion.

use crate::secret::Secret;
use anyhow::{anyhow, Context, Result};
use base64::Engine;
use chrono::{DateTime, Utc};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivatePkcs8KeyDer;
use serde::Deserialize;

/// A service account's key, as Google's JSON key file gives it.
pub struct ServiceAccount {
    /// The account's address (`mailferry@project.iam.gserviceaccount.com`): the assertion's issuer.
    pub client_email: String,
    /// The token endpoint the assertion is for (its audience).
    pub token_uri: String,
    key: Secret,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key: String,
    #[serde(default)]
    token_uri: Option<String>,
}

impl ServiceAccount {
    /// Reads a JSON key file (`type`, `client_email`, `private_key`, `token_uri`).
    pub fn from_file(path: &std::path::Path) -> Result<ServiceAccount> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).context("cannot read it")?);
        ServiceAccount::from_json(&text)
    }

    /// Reads the key file's text.
    pub fn from_json(text: &str) -> Result<ServiceAccount> {
        let file: KeyFile = serde_json::from_str(text).map_err(|_| anyhow!("not a service account key file"))?;
        let account = ServiceAccount {
            client_email: file.client_email.clone(),
            token_uri: file
                .token_uri
                .clone()
                .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into()),
            key: Secret::new(file.private_key.clone()),
        };
        let mut file = file;
        zeroize::Zeroize::zeroize(&mut file.private_key);
        account.key_pair()?;
        Ok(account)
    }

    fn key_pair(&self) -> Result<ring::signature::RsaKeyPair> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(self.key.expose().as_bytes())
            .map_err(|_| anyhow!("its private_key is not a PEM PKCS#8 key"))?;
        ring::signature::RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            .map_err(|e| anyhow!("its private_key is not a usable RSA key ({e})"))
    }

    /// A signed assertion for `subject` (the mailbox), asking for `scope`, issued at `now` and
    /// valid for an hour (Google's longest).
    pub fn assertion(&self, subject: &str, scope: &str, now: DateTime<Utc>) -> Result<Secret> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let iat = now.timestamp();
        let claims = serde_json::json!({
            "iss": self.client_email,
            "sub": subject,
            "scope": scope,
            "aud": self.token_uri,
            "iat": iat,
            "exp": iat + 3600,
        });
        let signing_input = format!("{header}.{}", b64.encode(claims.to_string().as_bytes()));
        let pair = self.key_pair()?;
        let mut signature = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| anyhow!("signing the service account's assertion failed"))?;
        Ok(Secret::new(format!("{signing_input}.{}", b64.encode(signature))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_without_a_usable_key_is_refused_without_showing_it() {
        let err = ServiceAccount::from_json(
            r#"{"client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("private_key") && !err.contains("AAAA"), "{err}");
        assert!(ServiceAccount::from_json("{}").is_err());
    }
}
