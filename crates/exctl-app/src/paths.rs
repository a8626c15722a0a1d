//! File names and paths taken from users, checked before anything is read,
//! written or removed: a name is one plain component inside its folder, and
//! a command never writes over the file it reads.

use crate::bad;
use anyhow::Result;
use std::path::{Component, Path, PathBuf};

/// `dir/name`, where `name` must be a single plain file or folder name: not
/// empty, not `.` or `..`, no separator, no drive or root, not hidden.
/// `what` names the thing for the error ("list", "checkpoint").
pub fn child(dir: &Path, name: &str, what: &str) -> Result<PathBuf> {
    let mut parts = Path::new(name).components();
    let plain = match (parts.next(), parts.next()) {
        (Some(Component::Normal(n)), None) => n.to_str() == Some(name),
        _ => false,
    };
    if !plain || name.starts_with('.') || name.contains(['/', '\\', '\0']) {
        return Err(bad(format!(
            "{what} name {name:?} is not a plain file name inside {} (no `/`, `..`, `.` or leading dot)",
            dir.display()
        )));
    }
    Ok(dir.join(name))
}

/// A new, empty file beside `output` to write it into before moving it into
/// place ([`tempfile::NamedTempFile::persist`]): its name is unique and it is
/// created only if no file has that name, so it is never the input or any
/// file of the user's, and it is removed if the command fails. The output's
/// folder must exist and the output must not be a folder: checked here,
/// before any work.
pub fn file_beside(output: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(bad(format!(
            "{}: no such folder for the output {}",
            dir.display(),
            output.display()
        )));
    }
    if output.is_dir() {
        return Err(bad(format!(
            "the output {} is a folder: name a file",
            output.display()
        )));
    }
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    // The mode any new file gets (the umask applies), not a temporary
    // file's owner-only one: colleagues sharing the folder read results.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(|e| {
        anyhow::anyhow!(
            "creating a file in {} for {}: {e}",
            dir.display(),
            output.display()
        )
    })
}

/// Writes `bytes` to `output` whole: into a file beside it ([`file_beside`]),
/// then moved into place ([`put_in_place`]).
pub fn write_whole(output: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = file_beside(output)?;
    std::io::Write::write_all(file.as_file_mut(), bytes)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", output.display()))?;
    put_in_place(file, output)
}

/// Moves a file written whole ([`file_beside`]) onto `output`, which keeps
/// its permissions when it was there before (as a file written over would).
pub fn put_in_place(file: tempfile::NamedTempFile, output: &Path) -> Result<()> {
    if let Ok(before) = std::fs::metadata(output) {
        if before.is_file() {
            std::fs::set_permissions(file.path(), before.permissions())
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", output.display()))?;
        }
    }
    file.persist(output)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("writing {}: {}", output.display(), e.error))
}

/// Refuses to go on when `output` is `input` (the same path, a link to it,
/// or a hard link): reading while overwriting loses the input or never ends.
pub fn ensure_distinct(input: &Path, output: &Path) -> Result<()> {
    if same_file(input, output) {
        return Err(bad(format!(
            "the output {} is the input {}: write the results to another file",
            output.display(),
            input.display()
        )));
    }
    Ok(())
}

/// Refuses an output that is one of `files` (under any name) or lies inside
/// one of `dirs`: a results file must never land on the records, the keys
/// or the lists a later command reads. Symbolic links are followed, even to
/// files or folders that do not exist yet.
pub fn ensure_outside(output: &Path, files: &[PathBuf], dirs: &[PathBuf]) -> Result<()> {
    let out = effective(output);
    if let Some(f) = files
        .iter()
        .find(|f| same_file(f, output) || (out.is_some() && out == effective(f)))
    {
        return Err(bad(format!(
            "the output {} is {}, one of this instance's own files: write the results elsewhere",
            output.display(),
            f.display()
        )));
    }
    for d in dirs {
        if let (Some(out), Some(dir)) = (&out, effective(d)) {
            if out.starts_with(&dir) {
                return Err(bad(format!(
                    "the output {} is inside {}, which this instance reads: write the results elsewhere",
                    output.display(),
                    d.display()
                )));
            }
        }
    }
    Ok(())
}

/// Where writing to `p` would land: symbolic links followed (a dangling one
/// to where it points), the folder resolved, whether or not the file exists.
fn effective(p: &Path) -> Option<PathBuf> {
    let mut p = p.to_path_buf();
    for _ in 0..16 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p).ok()?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Ok(_) => return p.canonicalize().ok(),
            Err(_) => return resolved(&p),
        }
    }
    None
}

fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        // One does not exist (yet): compare where each is or would be.
        let where_ = |p: &Path| p.canonicalize().ok().or_else(|| resolved(p));
        return match (where_(a), where_(b)) {
            (Some(ca), Some(cb)) => ca == cb,
            _ => false,
        };
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        a.canonicalize().ok() == b.canonicalize().ok()
    }
}

/// The absolute path `p` would have, resolving its folder.
fn resolved(p: &Path) -> Option<PathBuf> {
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(p.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_children() {
        let dir = Path::new("/lists");
        for name in [
            "..", ".", "", "a/b", "../x", "/etc", ".hidden", "a\\b", "x\0",
        ] {
            assert!(child(dir, name, "list").is_err(), "{name:?} accepted");
        }
        assert_eq!(
            child(dir, "sdn.csv", "list").unwrap(),
            Path::new("/lists/sdn.csv")
        );
    }

    #[test]
    fn the_same_file_under_other_names_is_caught() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("orders.csv");
        std::fs::write(&a, "item,to\n").unwrap();
        assert!(ensure_distinct(&a, &a).is_err());
        let dotted = tmp.path().join(".").join("orders.csv");
        assert!(ensure_distinct(&a, &dotted).is_err());
        let hard = tmp.path().join("hard.csv");
        std::fs::hard_link(&a, &hard).unwrap();
        assert!(ensure_distinct(&a, &hard).is_err());
        #[cfg(unix)]
        {
            let soft = tmp.path().join("soft.csv");
            std::os::unix::fs::symlink(&a, &soft).unwrap();
            assert!(ensure_distinct(&a, &soft).is_err());
        }
        assert!(ensure_distinct(&a, &tmp.path().join("out.csv")).is_ok());
    }

    #[test]
    fn outputs_stay_off_the_instance_files_and_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("records.db");
        std::fs::write(&db, "records").unwrap();
        let wal = tmp.path().join("records.db-wal");
        let lists = tmp.path().join("lists");
        std::fs::create_dir_all(&lists).unwrap();
        let files = [db.clone(), wal.clone()];
        let dirs = [lists.clone()];
        assert!(ensure_outside(&db, &files, &dirs).is_err());
        assert!(ensure_outside(&tmp.path().join("./records.db"), &files, &dirs).is_err());
        assert!(
            ensure_outside(&wal, &files, &dirs).is_err(),
            "not there yet, still refused"
        );
        assert!(ensure_outside(&lists.join("out.csv"), &files, &dirs).is_err());
        assert!(ensure_outside(&tmp.path().join("out.csv"), &files, &dirs).is_ok());
        // Links that point at them, even where nothing exists yet.
        #[cfg(unix)]
        {
            let to_wal = tmp.path().join("to-wal");
            std::os::unix::fs::symlink(&wal, &to_wal).unwrap();
            assert!(ensure_outside(&to_wal, &files, &dirs).is_err());
            let later = tmp.path().join("checkpoints");
            let to_later = tmp.path().join("to-checkpoints");
            std::os::unix::fs::symlink(&later, &to_later).unwrap();
            assert!(ensure_outside(&to_later, &files, std::slice::from_ref(&later)).is_err());
            assert!(ensure_outside(&later, &files, std::slice::from_ref(&later)).is_err());
        }
    }
}
