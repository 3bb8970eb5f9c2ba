//! The key files: `master.key` (the master keys that wrap data keys, one per line in
//! hexadecimal, the current one first), `audit.key` (the seed of the Ed25519 key that
//! signs the audit log's tree heads) and `audit-mac.key` (the separate key that seals
//! each audit entry), in a directory of their own, readable by the server's user only;
//! beside them the witness file of signed tree heads (`audit-heads.log`). The
//! environment (`SILA_MASTER_KEY`, comma-separated; `SILA_AUDIT_KEY`;
//! `SILA_AUDIT_MAC_KEY`) overrides the files. Keys never enter the database, so a copy
//! of the database alone reveals no case content.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sila_app::{AuditKey, MasterKey, MasterKeys};

/// The keys a server needs.
pub struct Keys {
    /// Master keys, current first.
    pub master: MasterKeys,
    /// The audit key.
    pub audit: AuditKey,
}

fn master_file(dir: &Path) -> PathBuf {
    dir.join("master.key")
}

fn audit_file(dir: &Path) -> PathBuf {
    dir.join("audit.key")
}

fn audit_mac_file(dir: &Path) -> PathBuf {
    dir.join("audit-mac.key")
}

/// The witness file of signed tree heads in the keys directory.
pub fn witness_file(dir: &Path) -> PathBuf {
    dir.join("audit-heads.log")
}

/// Refuses a key file (or its directory) that someone other than the server's user
/// could replace (writable by its group or by others) or that anyone may read: a key
/// swapped by another account would seal new content under a key they hold, and the
/// audit log would be signed by theirs.
pub fn check_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
        let (others_write, others_read) = (mode & 0o022 != 0, mode & 0o004 != 0);
        if others_write || others_read {
            bail!(
                "{} has mode {:o}: other accounts can {} it; run `chmod {} {}` and check who changed it",
                path.display(),
                mode & 0o777,
                if others_write { "change" } else { "read" },
                if path.is_dir() { "700" } else { "600" },
                path.display()
            );
        }
    }
    Ok(())
}

/// Reads the keys from the environment or the directory; refuses key files that other
/// accounts can change or read.
pub fn load(dir: &Path) -> anyhow::Result<Keys> {
    let from_files = std::env::var("SILA_MASTER_KEY").is_err() || std::env::var("SILA_AUDIT_KEY").is_err();
    if from_files && dir.exists() {
        check_private(dir)?;
    }
    let master_text = match std::env::var("SILA_MASTER_KEY") {
        Ok(text) => text.replace(',', "\n"),
        Err(_) => {
            check_private(&master_file(dir))
                .with_context(|| format!("{} (create the keys with `sila init`)", master_file(dir).display()))?;
            fs::read_to_string(master_file(dir))
                .with_context(|| format!("reading {} (create the keys with `sila init`)", master_file(dir).display()))?
        }
    };
    let mut master = Vec::new();
    for (number, line) in master_text.lines().map(str::trim).filter(|line| !line.is_empty()).enumerate() {
        master.push(
            MasterKey::from_hex(line).with_context(|| format!("master key {} is not 64 hex digits", number + 1))?,
        );
    }
    if master.is_empty() {
        bail!("no master key");
    }
    let current = master.remove(0);
    let audit_text = match std::env::var("SILA_AUDIT_KEY") {
        Ok(text) => text,
        Err(_) => {
            check_private(&audit_file(dir))?;
            fs::read_to_string(audit_file(dir))
                .with_context(|| format!("reading {} (create the keys with `sila init`)", audit_file(dir).display()))?
        }
    };
    let mac_text = match std::env::var("SILA_AUDIT_MAC_KEY") {
        Ok(text) => text,
        Err(_) => {
            let path = audit_mac_file(dir);
            if !path.exists() {
                bail!(
                    "{} is missing: run `sila init --keys {}` to add it (existing keys are kept)",
                    path.display(),
                    dir.display()
                );
            }
            check_private(&path)?;
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
        }
    };
    let audit = AuditKey::from_hex(&audit_text, &mac_text).context("an audit key is not 64 hex digits")?;
    Ok(Keys { master: MasterKeys::new(current, master), audit })
}

/// Creates the key directory (0700) and the key files it lacks (0600); never replaces an
/// existing key (losing the master key loses every case's content), and refuses when
/// every key is there already. Answers the files created.
pub fn init(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> =
        [master_file(dir), audit_file(dir), audit_mac_file(dir)].into_iter().filter(|path| !path.exists()).collect();
    if missing.is_empty() {
        bail!("keys already exist in {}; they are never overwritten", dir.display());
    }
    if master_file(dir).exists() != audit_file(dir).exists() {
        bail!("{} holds one of master.key and audit.key without the other; restore it from its backup", dir.display());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        // A directory that already existed keeps its mode unless tightened here.
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    let fresh = AuditKey::generate();
    for path in &missing {
        let text = if *path == master_file(dir) {
            MasterKey::generate().to_hex()
        } else if *path == audit_file(dir) {
            fresh.to_hex()
        } else {
            fresh.mac_key_hex()
        };
        write_secret(path, &text)?;
    }
    Ok(missing)
}

/// Writes the master keys, current first (atomically: a temporary file renamed over).
pub fn write_master(dir: &Path, keys: &[&MasterKey]) -> anyhow::Result<()> {
    let text: Vec<String> = keys.iter().map(|key| key.to_hex().to_string()).collect();
    write_secret(&master_file(dir), &text.join("\n"))
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary).with_context(|| format!("writing {}", temporary.display()))?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
    }
    fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_keys_that_load_and_refuses_to_overwrite() {
        let dir = std::env::temp_dir().join(format!("sila-keys-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(init(&dir).unwrap().len(), 3);
        let keys = load(&dir).unwrap();
        assert!(init(&dir).is_err());
        // A keys directory from before the separate MAC key gets it added, nothing else.
        let mac = audit_mac_file(&dir);
        fs::remove_file(&mac).unwrap();
        assert!(format!("{:#}", load(&dir).err().unwrap()).contains("sila init"));
        assert_eq!(init(&dir).unwrap(), vec![mac]);
        assert_eq!(load(&dir).unwrap().audit.public_key(), keys.audit.public_key(), "the signing key is kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(master_file(&dir)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key file is readable by others");
            let mode = fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "the keys directory is open to others");
        }
        let second = MasterKey::generate();
        write_master(&dir, &[&second, keys.master.current()]).unwrap();
        assert_eq!(load(&dir).unwrap().master.current().id(), second.id());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn key_files_others_can_write_or_read_are_refused_at_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sila-keys-open-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        init(&dir).unwrap();
        for (path, mode, word) in [
            (master_file(&dir), 0o620, "change"),
            (audit_file(&dir), 0o602, "change"),
            (master_file(&dir), 0o644, "read"),
            (dir.clone(), 0o770, "change"),
        ] {
            let before = fs::metadata(&path).unwrap().permissions().mode();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let error = format!("{:#}", load(&dir).err().expect("an open key file is refused"));
            assert!(error.contains(word) && error.contains(&format!("{:o}", mode)), "{error}");
            fs::set_permissions(&path, fs::Permissions::from_mode(before)).unwrap();
        }
        assert!(load(&dir).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }
}
