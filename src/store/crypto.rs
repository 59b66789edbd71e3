//! Encryption of customers' passwords at rest (XChaCha20-Poly1305) and the HMAC that signs our
//! Message-IDs, both from one key file created on first start with mode 0600.

use anyhow::{bail, Context, Result};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

use crate::secret::Secret;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const ROTATED_LEN: usize = 64;

/// The store's key: encrypts secrets and signs thread tokens.
pub struct StoreKey {
    cipher: XChaCha20Poly1305,
    mac_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey([redacted])")
    }
}

impl StoreKey {
    /// Reads the key file, or creates it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<StoreKey> {
        let bytes = match std::fs::read(path) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path)?,
            Err(e) => return Err(e).with_context(|| format!("cannot read key file {}", path.display())),
        };
        Self::from_file_bytes(&bytes).with_context(|| format!("key file {}", path.display()))
    }

    /// A key from a key file's bytes: 32 (the cipher key; the token key derived from it) or,
    /// after a rotation, 64 (the cipher key, then the thread-token key kept from before).
    pub fn from_file_bytes(bytes: &[u8]) -> Result<StoreKey> {
        match bytes.len() {
            KEY_LEN => Ok(Self::from_bytes(bytes)),
            ROTATED_LEN => Ok(StoreKey {
                cipher: XChaCha20Poly1305::new(bytes[..KEY_LEN].into()),
                mac_key: Zeroizing::new(bytes[KEY_LEN..].to_vec()),
            }),
            _ => bail!("must hold exactly {KEY_LEN} or {ROTATED_LEN} bytes"),
        }
    }

    fn from_bytes(bytes: &[u8]) -> StoreKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(bytes).expect("HMAC takes any key length");
        mac.update(b"mailferry thread token key");
        StoreKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
            mac_key: Zeroizing::new(mac.finalize().into_bytes().to_vec()),
        }
    }

    /// A new key file's bytes: a fresh random cipher key, and this key's thread-token key, so
    /// replies to threads begun before the rotation are still recognised.
    pub fn rotated_file_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(vec![0u8; KEY_LEN]);
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.extend_from_slice(&self.mac_key);
        bytes
    }

    /// Encrypts a secret; `context` (e.g. the job id) is bound to the ciphertext.
    pub fn seal(&self, secret: &Secret, context: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = chacha20poly1305::aead::Payload {
            msg: secret.expose().as_bytes(),
            aad: context,
        };
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts what [`StoreKey::seal`] made with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Secret> {
        if sealed.len() < NONCE_LEN {
            bail!("stored secret is truncated");
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let payload = chacha20poly1305::aead::Payload { msg: ct, aad: context };
        let clear = Zeroizing::new(
            self.cipher
                .decrypt(XNonce::from_slice(nonce), payload)
                .map_err(|_| anyhow::anyhow!("stored secret does not decrypt with this key"))?,
        );
        let text = std::str::from_utf8(&clear).context("stored secret is not text")?;
        Ok(Secret::new(text))
    }

    /// A short hex HMAC of `data`, for thread tokens in our Message-IDs.
    pub fn token(&self, data: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("HMAC takes any key length");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes()[..10]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn create_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    rand::thread_rng().fill_bytes(&mut key);
    write_new_key_file(path, &key)?;
    tracing::info!(path = %path.display(), "created a new store key");
    Ok(key)
}

/// Writes key bytes into a file that must not exist yet, mode 0600, synced to disk.
pub fn write_new_key_file(path: &Path, key: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create key file {}", path.display()))?;
    f.write_all(key)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_context() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::load_or_create(&dir.path().join("k")).unwrap();
        let sealed = key.seal(&Secret::new("pa55word"), b"job-1").unwrap();
        assert!(!sealed.windows(8).any(|w| w == b"pa55word"));
        assert_eq!(key.open(&sealed, b"job-1").unwrap().expose(), "pa55word");
        assert!(key.open(&sealed, b"job-2").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = StoreKey::load_or_create(&dir.path().join("k")).unwrap();
        assert_eq!(again.open(&sealed, b"job-1").unwrap().expose(), "pa55word");
        assert_eq!(key.token("MIG-000001"), again.token("MIG-000001"));
    }
}
