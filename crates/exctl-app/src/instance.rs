//! Where this instance lives: its home, signing key and database
//! (`Place`), opening and initialising the store, and small helpers for the
//! shells that block on it.

use crate::bad;
use anyhow::{Context as _, Result};
use exctl_records::{keys, Signer, Store};
use std::path::{Path, PathBuf};

/// Where this instance keeps its signing key and (by default) its database.
#[derive(Clone, Debug, Default)]
pub struct Place {
    /// Folder of this instance's signing key and SQLite records; default
    /// the user's data folder.
    pub home: Option<PathBuf>,
    /// Records database: a SQLite file path, sqlite://PATH, or postgres://….
    pub db: Option<String>,
    /// Who is acting, for the audit trail; default the login name.
    pub user: Option<String>,
}

impl Place {
    pub fn dir(&self) -> PathBuf {
        if let Some(h) = &self.home {
            return h.clone();
        }
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
            return PathBuf::from(x).join("exctl");
        }
        match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".local/share/exctl"),
            None => PathBuf::from(".exctl"),
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir().join("audit-signing-key.pk8")
    }

    pub fn public_key_path(&self) -> PathBuf {
        self.dir().join("audit-public-key.txt")
    }

    /// Where the command line leaves a signed checkpoint of the audit
    /// trail's head after each transaction it writes.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.dir().join("checkpoints")
    }

    /// Refuses to let a command's results file land on this instance's own
    /// files (the keys, the SQLite records with their `-wal`/`-shm`) or in
    /// the folders it reads (checkpoints, `lists_dir`).
    pub fn ensure_not_own(&self, output: &Path, lists_dir: &Path) -> Result<()> {
        let mut files = vec![self.key_path(), self.public_key_path()];
        // The records in use, and the home's own even when --db is elsewhere.
        let dbs = self
            .sqlite_path()
            .into_iter()
            .chain([self.dir().join("records.db")]);
        for db in dbs {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                files.push(PathBuf::from(format!("{}{suffix}", db.display())));
            }
        }
        crate::paths::ensure_outside(
            output,
            &files,
            &[self.checkpoints_dir(), lists_dir.to_path_buf()],
        )
    }

    pub fn url(&self) -> String {
        match &self.db {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => u.clone(),
            Some(u) if u.starts_with("sqlite:") => u.clone(),
            Some(path) => format!("sqlite://{path}?mode=rwc"),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.dir().join("records.db").display()
            ),
        }
    }

    /// Who acts, for the audit trail: `--user`, else the login name
    /// (LOGNAME, USER), else the numeric user id, never a blank.
    pub fn actor(&self) -> String {
        let named = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        named(self.user.clone())
            .or_else(|| named(std::env::var("LOGNAME").ok()))
            .or_else(|| named(std::env::var("USER").ok()))
            .or_else(|| {
                // No name in the environment (a service, a container): the
                // process's user id, from the kernel.
                let status = std::fs::read_to_string("/proc/self/status").ok()?;
                let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
                Some(format!("uid {}", uid.split_whitespace().next()?))
            })
            .unwrap_or_else(|| "unknown".into())
    }

    /// Whether `exctl init` has run here.
    pub fn initialised(&self) -> bool {
        self.key_path().is_file()
    }

    /// This instance's signing key.
    pub fn signer(&self) -> Result<Signer> {
        let der = std::fs::read(self.key_path())
            .with_context(|| format!("reading {}", self.key_path().display()))?;
        Ok(Signer::from_pkcs8(&der)?)
    }

    /// Opens the store for writing; `exctl init` must have run. Each
    /// transaction it commits leaves a checkpoint in [`Place::checkpoints_dir`].
    pub fn open(&self, rt: &tokio::runtime::Runtime) -> Result<Store> {
        Ok(rt
            .block_on(self.open_async())?
            .with_checkpoints(self.checkpoints_dir()))
    }

    /// [`Place::open`] inside a runtime.
    pub async fn open_async(&self) -> Result<Store> {
        if !self.initialised() {
            return Err(bad(format!(
                "no records in {}: run `exctl init` first",
                self.dir().display()
            )));
        }
        let signer = self.signer()?;
        let created = self.create_private_db()?;
        let store = Store::open(&self.url(), Some(signer), &self.actor())
            .await
            .map_err(store_error)?;
        if created {
            self.restrict_db_files()?;
        }
        Ok(store)
    }

    /// The SQLite file the records are in, when they are in one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.url();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or("");
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// Creates the SQLite file, readable and writable by its owner only
    /// (0600), before SQLite opens it; SQLite gives its `-wal` and `-shm`
    /// files the same mode. `true` when the file was created now.
    fn create_private_db(&self) -> Result<bool> {
        let Some(path) = self.sqlite_path() else {
            return Ok(false);
        };
        if path.exists() {
            return Ok(false);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        match write_private(&path, &[]) {
            Ok(()) => Ok(true),
            // Another process created it in between: theirs stands.
            Err(_) if path.exists() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sets the database file and its `-wal` and `-shm` files to 0600.
    fn restrict_db_files(&self) -> Result<()> {
        #[cfg(unix)]
        if let Some(path) = self.sqlite_path() {
            use std::os::unix::fs::PermissionsExt as _;
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let p = PathBuf::from(p);
                if p.exists() {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                        .with_context(|| format!("restricting {}", p.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Opens the store to read (and verify): no key needed.
    pub fn open_read(&self, rt: &tokio::runtime::Runtime) -> Result<Store> {
        let url = self.url();
        if self.db.is_none() && !self.dir().join("records.db").is_file() {
            return Err(bad(format!(
                "no records in {}: run `exctl init` first",
                self.dir().display()
            )));
        }
        rt.block_on(Store::open(&url, None, &self.actor()))
            .map_err(store_error)
    }

    /// Creates the key pair (never replacing one) and the database.
    pub fn init(&self, rt: &tokio::runtime::Runtime) -> Result<String> {
        rt.block_on(self.init_async())
    }

    /// [`Place::init`] inside a runtime.
    pub async fn init_async(&self) -> Result<String> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut report = String::new();
        let signer = if self.initialised() {
            report.push_str(&format!("key pair kept: {}\n", self.key_path().display()));
            self.signer()?
        } else {
            let s = Signer::generate()?;
            write_private(&self.key_path(), &s.to_pkcs8()?)?;
            report.push_str(&format!(
                "generated ML-DSA-65 key pair {}: {}\n",
                s.key_id(),
                self.key_path().display()
            ));
            s
        };
        std::fs::write(
            self.public_key_path(),
            keys::public_key_file(signer.public_key()),
        )
        .with_context(|| format!("writing {}", self.public_key_path().display()))?;
        report.push_str(&format!(
            "public key (give it to reviewers): {}\n",
            self.public_key_path().display()
        ));
        let url = self.url();
        let created = self.create_private_db()?;
        let store = Store::open(&url, Some(signer), &self.actor())
            .await
            .map_err(store_error)?;
        if created {
            self.restrict_db_files()?;
        }
        report.push_str(&format!(
            "records: {} ({:?})\n",
            redact(&url),
            store.backend()
        ));
        store.close().await;
        Ok(report)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// The checkpoints of each path given: a checkpoint file, or a folder of
/// them. A path that names none is bad input: a check asked for must run.
pub fn load_checkpoints(paths: &[PathBuf]) -> Result<Vec<(String, exctl_records::Checkpoint)>> {
    let mut all = Vec::new();
    for p in paths {
        let found = exctl_records::Checkpoint::load(p).map_err(|e| bad(e.to_string()))?;
        if found.is_empty() {
            return Err(bad(format!(
                "{}: no checkpoint files (*.json)",
                p.display()
            )));
        }
        all.extend(found);
    }
    Ok(all)
}

/// A database URL without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A store error for the CLI: rejections are bad input (exit 2).
pub fn store_error(e: exctl_records::Error) -> anyhow::Error {
    if e.is_rejection() {
        bad(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn records_and_signing_key_are_readable_by_their_owner_only() {
        let home = tempfile::tempdir().expect("tempdir");
        let place = Place {
            home: Some(home.path().to_path_buf()),
            db: None,
            user: Some("tester".into()),
        };
        let rt = runtime().expect("runtime");
        place.init(&rt).expect("init");
        // A write leaves the WAL and shared-memory files beside the database.
        let store = place.open(&rt).expect("open");
        rt.block_on(store.create_api_key(exctl_records::Role::Viewer, "perm test"))
            .expect("a key");
        let db = home.path().join("records.db");
        assert_eq!(mode(&db), 0o600, "records.db");
        for suffix in ["-wal", "-shm"] {
            let p = home.path().join(format!("records.db{suffix}"));
            assert!(p.exists(), "{} exists while the store is open", p.display());
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
        assert_eq!(mode(&place.key_path()), 0o600, "signing key");
        rt.block_on(store.close());

        // A database named with --db, in a folder of its own, opened by serve.
        let other = Place {
            db: Some(
                home.path()
                    .join("elsewhere/records.db")
                    .display()
                    .to_string(),
            ),
            ..place.clone()
        };
        let store = other.open(&rt).expect("open --db");
        assert_eq!(mode(&home.path().join("elsewhere/records.db")), 0o600);
        rt.block_on(store.close());
    }
}
