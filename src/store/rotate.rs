//! `mailferry store rotate-key`: a new key for the sealed data of a stopped daemon's store.
//!
//! Every sealed password and contact/calendar file is opened with the old key and sealed again
//! under a new random one, in one atomic batch. The thread-token key is kept (it moves into
//! the new key file), so replies to threads begun before the rotation are still recognised.
//! Crash safety: the new key is written to `<key>.new` and the old one copied to `<key>.old`
//! before the batch; the new key replaces the old file only after the batch is on disk. A run
//! that was interrupted is finished (or started over) by the next one, and the daemon refuses
//! to start while `<key>.new` exists.

use super::crypto::{write_new_key_file, StoreKey};
use super::{Store, GROUPWARE, SECRET};
use crate::secret::Secret;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// What a rotation re-sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Passwords sealed again.
    pub secrets: usize,
    /// Contact and calendar files sealed again.
    pub files: usize,
}

/// `<key_file>.new`: the key being put in place.
pub fn new_key_path(key_file: &Path) -> PathBuf {
    with_suffix(key_file, ".new")
}

/// `<key_file>.old`: the previous key, kept until the rotation is done.
pub fn old_key_path(key_file: &Path) -> PathBuf {
    with_suffix(key_file, ".old")
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The additional data each sealed record was sealed with.
fn context_of(k: &[u8]) -> Option<Vec<u8>> {
    if k.starts_with(SECRET) {
        Some(k[SECRET.len()..].to_vec())
    } else if k.starts_with(GROUPWARE) {
        Some(k.to_vec())
    } else {
        None
    }
}

/// Every sealed record: (store key, sealed bytes).
fn sealed_records(tree: &sled::Tree) -> Result<Vec<(sled::IVec, sled::IVec)>> {
    let mut out = Vec::new();
    for prefix in [SECRET, GROUPWARE] {
        for r in tree.scan_prefix(prefix) {
            out.push(r?);
        }
    }
    Ok(out)
}

/// True when every sealed record opens with `key`.
fn opens_all(tree: &sled::Tree, key: &StoreKey) -> Result<bool> {
    for (k, v) in sealed_records(tree)? {
        let Some(ctx) = context_of(&k) else { continue };
        if key.open(&v, &ctx).is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

fn read_key(path: &Path) -> Result<StoreKey> {
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?);
    StoreKey::from_file_bytes(&bytes).with_context(|| format!("key file {}", path.display()))
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Re-seals the store at `path` under a new key written to `key_file`. Refuses while another
/// process (the daemon) holds the store.
pub async fn rotate_key(path: &Path, key_file: &Path) -> Result<Rotation> {
    let new_path = new_key_path(key_file);
    let old_path = old_key_path(key_file);
    if !key_file.exists() {
        bail!("the key file {} does not exist; nothing to rotate", key_file.display());
    }
    let db = super::open_sled(sled::Config::new().path(path)).with_context(|| {
        format!(
            "cannot open the store at {} (stop the daemon first: is another mailferry process using it?)",
            path.display()
        )
    })?;
    let tree = db.open_tree("mailferry")?;
    let old = read_key(key_file)?;
    if new_path.exists() {
        // An interrupted rotation: which key do the records open with?
        let new = read_key(&new_path)?;
        if opens_all(&tree, &new)? && !opens_all(&tree, &old)? {
            tracing::info!("finishing an interrupted key rotation");
            std::fs::rename(&new_path, key_file).context("putting the new key in place")?;
            sync_dir(key_file);
            let _ = std::fs::remove_file(&old_path);
            return Ok(Rotation { secrets: 0, files: 0 });
        }
        tracing::info!("an interrupted key rotation had not re-sealed anything; starting over");
        std::fs::remove_file(&new_path).context("removing the unused new key")?;
    }
    if !opens_all(&tree, &old)? {
        bail!(
            "some sealed records do not open with {}; not rotating (is it the right key?)",
            key_file.display()
        );
    }
    let bytes = old.rotated_file_bytes();
    let new = StoreKey::from_file_bytes(&bytes)?;
    let _ = std::fs::remove_file(&old_path);
    write_new_key_file(&old_path, &std::fs::read(key_file)?)?;
    write_new_key_file(&new_path, &bytes)?;
    sync_dir(key_file);
    let mut batch = sled::Batch::default();
    let mut done = Rotation { secrets: 0, files: 0 };
    for (k, v) in sealed_records(&tree)? {
        let Some(ctx) = context_of(&k) else { continue };
        let clear: Secret = old.open(&v, &ctx)?;
        batch.insert(k.clone(), new.seal(&clear, &ctx)?);
        if k.starts_with(SECRET) {
            done.secrets += 1;
        } else {
            done.files += 1;
        }
    }
    tree.apply_batch(batch).context("re-sealing under the new key")?;
    db.flush_async().await.context("flushing the store")?;
    drop(tree);
    drop(db);
    std::fs::rename(&new_path, key_file).context("putting the new key in place")?;
    sync_dir(key_file);
    std::fs::remove_file(&old_path).context("removing the old key")?;
    Ok(done)
}

/// Refuses to open a store whose key rotation was interrupted.
pub fn check_not_rotating(key_file: &Path) -> Result<()> {
    if new_key_path(key_file).exists() {
        bail!(
            "a key rotation was interrupted ({} exists); run `mailferry store rotate-key` again to finish it",
            new_key_path(key_file).display()
        );
    }
    Ok(())
}

impl Store {
    /// Whether a job still has a sealed password (without opening it).
    pub fn has_secret(&self, job: crate::model::JobId) -> Result<bool> {
        Ok(self.tree.contains_key(super::key(SECRET, job.0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobId, TicketId};
    use crate::store::Change;

    async fn store_with_secrets(dir: &Path) -> (String, String) {
        let store = Store::open(&dir.join("store"), &dir.join("store.key")).unwrap();
        let mut change = Change::new();
        store
            .seal_secret(&mut change, JobId(1), &Secret::new("pw-one"))
            .unwrap();
        store
            .seal_secret(&mut change, JobId(2), &Secret::new("pw-two"))
            .unwrap();
        store
            .seal_groupware(&mut change, JobId(1), 0, "anna.vcf", b"BEGIN:VCARD\r\nEND:VCARD\r\n")
            .unwrap();
        store.commit(change).await.unwrap();
        let token = store.key().token(&TicketId(7).to_string());
        store.flush().await.unwrap();
        (token, TicketId(7).to_string())
    }

    #[tokio::test]
    async fn rotation_reseals_everything_and_keeps_old_threads() {
        let dir = tempfile::tempdir().unwrap();
        let (token, ticket) = store_with_secrets(dir.path()).await;
        let key_file = dir.path().join("store.key");
        let before = std::fs::read(&key_file).unwrap();
        let done = rotate_key(&dir.path().join("store"), &key_file).await.unwrap();
        assert_eq!(done, Rotation { secrets: 2, files: 1 });
        let after = std::fs::read(&key_file).unwrap();
        assert_eq!(after.len(), 64);
        assert_ne!(&after[..32], &before[..], "a new cipher key");
        assert!(!new_key_path(&key_file).exists() && !old_key_path(&key_file).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let store = Store::open(&dir.path().join("store"), &key_file).unwrap();
        assert_eq!(store.secret(JobId(1)).unwrap().unwrap().expose(), "pw-one");
        assert_eq!(store.secret(JobId(2)).unwrap().unwrap().expose(), "pw-two");
        assert_eq!(store.groupware(JobId(1)).unwrap()[0].0, "anna.vcf");
        assert_eq!(
            store.key().token(&ticket),
            token,
            "a pre-rotation thread is still recognised"
        );
        // The old key opens nothing any more.
        let old = StoreKey::from_file_bytes(&before).unwrap();
        assert!(!opens_all(&store.tree, &old).unwrap());
        drop(store);
        // A second rotation works from a 64-byte key file too.
        let again = rotate_key(&dir.path().join("store"), &key_file).await.unwrap();
        assert_eq!(again.secrets, 2);
        let store = Store::open(&dir.path().join("store"), &key_file).unwrap();
        assert_eq!(store.secret(JobId(2)).unwrap().unwrap().expose(), "pw-two");
        assert_eq!(store.key().token(&ticket), token);
    }

    #[tokio::test]
    async fn rotation_refuses_a_store_in_use() {
        let dir = tempfile::tempdir().unwrap();
        store_with_secrets(dir.path()).await;
        let running = Store::open(&dir.path().join("store"), &dir.path().join("store.key")).unwrap();
        let err = rotate_key(&dir.path().join("store"), &dir.path().join("store.key"))
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("stop the daemon first"), "{err:#}");
        drop(running);
    }

    #[tokio::test]
    async fn an_interrupted_rotation_is_finished_or_started_over() {
        let dir = tempfile::tempdir().unwrap();
        store_with_secrets(dir.path()).await;
        let key_file = dir.path().join("store.key");
        let store_path = dir.path().join("store");
        // Interrupted before the batch: a stray .new key that opens nothing.
        let stray = StoreKey::from_file_bytes(&[7u8; 32]).unwrap().rotated_file_bytes();
        write_new_key_file(&new_key_path(&key_file), &stray).unwrap();
        let err = Store::open(&store_path, &key_file).expect_err("refused while rotating");
        assert!(format!("{err:#}").contains("rotate-key"), "{err:#}");
        let done = rotate_key(&store_path, &key_file).await.unwrap();
        assert_eq!(done.secrets, 2, "started over");
        // Interrupted after the batch: the store opens only with the .new key.
        let current = read_key(&key_file).unwrap();
        let next_bytes = current.rotated_file_bytes();
        let next = StoreKey::from_file_bytes(&next_bytes).unwrap();
        {
            let db = sled::Config::new().path(&store_path).open().unwrap();
            let tree = db.open_tree("mailferry").unwrap();
            for (k, v) in sealed_records(&tree).unwrap() {
                let ctx = context_of(&k).unwrap();
                let clear = current.open(&v, &ctx).unwrap();
                tree.insert(k, next.seal(&clear, &ctx).unwrap()).unwrap();
            }
            db.flush().unwrap();
        }
        write_new_key_file(&new_key_path(&key_file), &next_bytes).unwrap();
        rotate_key(&store_path, &key_file).await.unwrap();
        assert!(!new_key_path(&key_file).exists());
        let store = Store::open(&store_path, &key_file).unwrap();
        assert_eq!(store.secret(JobId(1)).unwrap().unwrap().expose(), "pw-one");
    }
}
