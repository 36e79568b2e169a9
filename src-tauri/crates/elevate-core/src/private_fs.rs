//! Files and folders that only the user may read, private from the moment they exist: the data
//! folder (0700), the database and its WAL and shared-memory files (0600, which SQLite copies from
//! the database file), and files replaced through a unique temporary file created exclusively in
//! the same folder (never a fixed name, never through a symlink) and then renamed over the old one.
//! On other systems the platform's defaults apply (the per-user folders are already private).

use std::io::Write as _;
use std::path::Path;

/// Creates `dir` (and missing parents) as 0700; an existing `dir` that others may read is
/// narrowed to 0700 (best effort: a folder that is not the user's is left alone).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Makes sure `path` exists as a file only the user can read: created empty and 0600 if missing
/// (exclusively: a symlink in its place is refused), narrowed to 0600 if it exists.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            restrict(path);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Narrows an existing file to 0600 (best effort; nothing to do when it does not exist).
pub fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::symlink_metadata(path)
            && meta.is_file()
            && meta.permissions().mode() & 0o077 != 0
            && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        {
            tracing::debug!(target: "elevate::files", error = %e, "could not restrict a file's permissions");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Replaces `path` with `bytes` atomically: a new temporary file with a unique random name in the
/// same folder, created exclusively (so it is never someone's symlink or file) and 0600, written
/// and synced, then renamed over `path`. The temporary file is removed on failure.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn folders_and_files_are_private_from_the_start() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = root.path().join("a/b");
        create_private_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&dir), 0o700);
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        create_private_dir(&open).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&open), 0o700, "an existing open folder is narrowed");
        let file = dir.join("f");
        create_private_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn a_replaced_file_never_goes_through_a_symlink() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let victim = root.path().join("victim");
        std::fs::write(&victim, "precious").unwrap_or_else(|e| panic!("{e}"));
        let target = root.path().join("config.toml");
        // Whatever temporary name an attacker guesses, it is not used.
        for guess in ["config.toml.saving", ".config.toml.tmp", "config.toml.tmp"] {
            std::os::unix::fs::symlink(&victim, root.path().join(guess))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        replace_file(&target, b"cloud = \"public\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap_or_default(),
            "precious"
        );
        assert_eq!(
            std::fs::read_to_string(&target).unwrap_or_default(),
            "cloud = \"public\"\n"
        );
        let leftovers = std::fs::read_dir(root.path())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .filter(|e| !e.file_type().is_ok_and(|t| t.is_symlink()))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(leftovers, 0);
    }
}
