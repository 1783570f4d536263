//! Secret files (signing keys, nkey seeds): written readable only by their owner, and refused
//! when others can read them, as ssh does.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

/// Reads a secret file, refusing it when group or others may read it.
pub fn read(file: &Path, what: &str) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)
            .with_context(|| format!("cannot read the {what} {}", file.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the {what} {} can be read by others (mode {:o}): `chmod 600` it",
                file.display(),
                mode & 0o777
            );
        }
    }
    std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the {what} {}", file.display()))
}

/// Writes a new secret file with mode 0600; an existing file is kept unless `overwrite`.
pub fn write_new(file: &Path, text: &str, overwrite: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} exists; pass --force to replace it (the old key is then lost)",
                file.display()
            )
        } else {
            anyhow::anyhow!("cannot write {}: {e}", file.display())
        }
    })?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on truncation: narrow it too.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))
}
