//! The CLI's side of the records: where they live, opening the store, and
//! the transaction flow of `check` with parties and licences.

use crate::{bad, screening};
use anyhow::{Context as _, Result};
use exctl_core::licence::{apply_licences, OnFile};
use exctl_core::parties::{apply_parties, ListHit, Party, PartyRules};
use exctl_core::{Decision, Facts};
use exctl_records::{
    keys, Disposition, HitRecord, LineRecorded, NewDecision, NotedParty, Recording, Signer, Store,
};
use exctl_screen::model::{Entry, ListSet, SourceInfo, Strength};
use exctl_screen::{Screener, DEFAULT_THRESHOLD};
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

/// A batch id or row id as one part of a row's key: `%`, `:` and `#` are
/// escaped, so that no batch and row can spell another's key (`:` separates
/// the parts, `#` starts the content digest the store adds).
fn key_part(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('#', "%23")
}

/// The key of row `row` ([`Recorder::row_key`]) of batch `batch`.
fn line_key(kind: &str, batch: &str, row: &str) -> String {
    let batch = key_part(batch);
    match kind {
        "check" => format!("batch:{batch}:{row}"),
        _ => format!("{kind}-batch:{batch}:{row}"),
    }
}

/// Most records one history page of the API returns.
pub const HISTORY_MAX_LIMIT: i64 = 5000;

/// Refuses a history filter that could only match nothing by mistake (a
/// misspelt kind or outcome) or that asks for an impossible page: an empty
/// answer must mean "no such records", never "a typo".
/// `max_limit` is the largest page allowed ([`HISTORY_MAX_LIMIT`] for the
/// API; the command line, reading its own records, allows more).
pub fn check_history_filter(f: &exctl_records::HistoryFilter, max_limit: i64) -> Result<()> {
    for (field, v) in [("party", &f.party), ("item", &f.item)] {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(crate::bad_field(
                field,
                "empty: it would match every record; leave it out instead",
            ));
        }
    }
    if let Some(k) = &f.kind {
        if !matches!(k.as_str(), "check" | "screen") {
            return Err(crate::bad_field(
                "kind",
                format!("{k:?}: expected check or screen"),
            ));
        }
    }
    if let Some(o) = &f.outcome {
        if exctl_core::Outcome::parse(o).is_none()
            && !matches!(o.as_str(), "hit" | "clear" | "classified")
        {
            let known: Vec<String> = exctl_core::Outcome::ALL
                .iter()
                .map(|o| o.to_string())
                .chain(["hit", "clear", "classified"].map(String::from))
                .collect();
            return Err(crate::bad_field(
                "outcome",
                exctl_core::vocab::unknown_value(o, &known),
            ));
        }
    }
    if let Some(l) = f.limit {
        if !(1..=max_limit).contains(&l) {
            return Err(crate::bad_field(
                "limit",
                format!("{l}: expected 1 to {max_limit}"),
            ));
        }
    }
    if let Some(b) = f.before {
        if b < 1 {
            return Err(crate::bad_field(
                "before",
                format!("{b}: expected a record id (1 or more)"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if to < from {
            return Err(crate::bad_field(
                "to",
                format!("{to} is before from {from}"),
            ));
        }
    }
    Ok(())
}

/// One page of recorded checks and screens, newest first: the filter is
/// checked first (see [`check_history_filter`]). Every shell calls this.
pub async fn history(
    store: &Store,
    filter: &exctl_records::HistoryFilter,
    max_limit: i64,
) -> Result<exctl_records::HistoryPage> {
    check_history_filter(filter, max_limit)?;
    Ok(store.history_page(filter).await?)
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

/// The parties packs designate themselves, as list entries.
pub fn designated(rules: &[PartyRules]) -> ListSet {
    let mut set = ListSet::default();
    for r in rules {
        if r.designated.is_empty() {
            continue;
        }
        let entries: Vec<Entry> = r
            .designated
            .iter()
            .map(|d| {
                let mut e = Entry::new(&d.list, &d.list_name, &d.id);
                for (i, n) in d.names.iter().enumerate() {
                    e.add_name(n, Strength::Strong, i == 0);
                }
                for c in &d.countries {
                    e.add_country(c);
                }
                e.entity_type = exctl_screen::model::EntityType::Entity;
                e
            })
            .collect();
        set.add(
            SourceInfo {
                file: format!("packs/{}/parties.toml", r.pack),
                format: "designated".into(),
                entries: entries.len(),
                date: None,
                sha256: r.hash.clone(),
            },
            entries,
        );
    }
    set
}

/// The lists a command screens against: the `--list` specs given, else the
/// configured lists; `None` when neither names any list.
/// `lists_dir` is the configured folder ([`screening::lists_dir`]).
pub fn list_set(lists: &[String], lists_dir: &Path) -> Result<Option<ListSet>> {
    let table = screening::countries()?;
    let resolve = screening::resolver(&table);
    if lists.is_empty() {
        return screening::load_configured(lists_dir, &resolve).map_err(|e| bad(e.to_string()));
    }
    let mut all = ListSet::default();
    for spec in lists {
        let one = screening::load_spec(spec, &resolve).map_err(|e| bad(e.to_string()))?;
        all.sources.extend(one.sources);
        all.entries.extend(one.entries);
    }
    Ok(Some(all))
}

/// A screener over `set` plus the parties packs designate themselves.
pub fn with_designated(rules: &[PartyRules], mut set: ListSet) -> Screener {
    let d = designated(rules);
    set.sources.extend(d.sources);
    set.entries.extend(d.entries);
    Screener::new(set)
}

/// The screener for parties in checks and rescreens: the `--list`s given,
/// else the configured lists, plus the packs' designated parties.
pub fn party_screener(
    rules: &[PartyRules],
    lists: &[String],
    lists_dir: &Path,
) -> Result<Screener> {
    let set = list_set(lists, lists_dir)?.ok_or_else(|| screening::no_lists(lists_dir))?;
    Ok(with_designated(rules, set))
}

/// A licence file's text checked against the data: a known jurisdiction,
/// and items resolved to catalog ids so that any alias matches later.
pub fn licence_from_text(
    data: &exctl_data::Data,
    path: &str,
    text: &str,
) -> Result<exctl_core::Licence> {
    let mut licence = exctl_core::Licence::from_text(path, text).map_err(|e| bad(e.to_string()))?;
    if data.engine.pack(&licence.jurisdiction).is_none() {
        return Err(bad(format!(
            "{path}: field `jurisdiction`: unknown jurisdiction {:?}",
            licence.jurisdiction
        )));
    }
    let mut ids = Vec::new();
    for i in &licence.items {
        let item = data
            .catalog
            .resolve(i)
            .map_err(|e| bad(format!("{path}: field `items`: {e}")))?;
        ids.push(item.item.id.clone());
    }
    licence.items = ids;
    Ok(licence)
}

/// Splits a licence reference `JURISDICTION:NUMBER`, e.g. `us:D123456`.
pub fn licence_ref(s: &str) -> Result<(&str, &str)> {
    s.split_once(':')
        .filter(|(j, n)| !j.trim().is_empty() && !n.trim().is_empty())
        .ok_or_else(|| bad(format!("licence {s:?}: expected JURISDICTION:NUMBER")))
}

/// Hits of one name, as stored records.
pub fn screen_hits(screener: &Screener, party: &exctl_records::PartyRecord) -> Vec<HitRecord> {
    let q = exctl_screen::Query {
        name: party.name.clone(),
        country: party.country.clone(),
        // The party as it was screened: type, date of birth and identifiers
        // weigh on a rescreen as they did then.
        entity_type: party
            .entity_type
            .as_deref()
            .map(exctl_screen::EntityType::parse),
        birth_date: party.evidence.birth_date.clone(),
        ids: party
            .evidence
            .ids
            .iter()
            .filter_map(|s| exctl_screen::PartyId::parse(s))
            .collect(),
    };
    hit_records(screener, &screener.screen(&q, 10, DEFAULT_THRESHOLD))
}

/// What a screen knew of its party besides the name, as stored.
pub fn party_evidence(q: &exctl_screen::Query) -> exctl_records::PartyEvidence {
    let mut ids: Vec<String> = q
        .ids
        .iter()
        .map(|id| format!("{}:{}", id.kind, id.number))
        .collect();
    ids.sort();
    ids.dedup();
    exctl_records::PartyEvidence {
        birth_date: q.birth_date.clone(),
        ids,
    }
}

/// Matches as stored hits, with each entry's material hash.
pub fn hit_records(screener: &Screener, matches: &[exctl_screen::Match]) -> Vec<HitRecord> {
    matches
        .iter()
        .map(|m| HitRecord {
            entry_hash: screener.entries()[m.entry_index].material_hash(),
            list: m.list.clone(),
            entry_id: m.entry_id.clone(),
            entry_name: m.name.clone(),
            score: m.score,
        })
        .collect()
}

/// What the parties of a check came to.
pub struct PartyScreen {
    pub hits: Vec<ListHit>,
    /// Hits left out because a disposition clears them.
    pub cleared: Vec<String>,
    /// Every screened name (party or owner) with its hits, to store.
    pub screened: Vec<NotedParty>,
}

/// Every name a check screens: each party and each of its owners, as
/// (name, country).
pub fn screened_names(parties: &[Party]) -> Vec<(String, Option<String>)> {
    let mut names = Vec::new();
    for p in parties {
        names.push((p.name.clone(), p.country.clone()));
        names.extend(p.owners.iter().map(|o| (o.name.clone(), o.country.clone())));
    }
    names
}

/// Active clearances per screened name, as [`screen_parties_with`] takes them.
pub type Clearances = std::collections::HashMap<(String, Option<String>), Vec<Disposition>>;

/// Screens every party and owner; cleared hits are left out (and named).
/// Reads the clearances from `store` when there is one.
pub fn screen_parties(
    screener: &Screener,
    parties: &[Party],
    store: Option<(&tokio::runtime::Runtime, &Store)>,
) -> Result<PartyScreen> {
    let mut cleared = Clearances::new();
    if let Some((rt, s)) = store {
        for (name, country) in screened_names(parties) {
            let d = rt
                .block_on(s.dispositions_for(&name, country.as_deref(), None))
                .map_err(store_error)?;
            cleared.insert((name, country), d);
        }
    }
    Ok(screen_parties_with(screener, parties, &cleared))
}

/// Screens every party and owner against `screener`, leaving out (and
/// naming) the hits that `cleared` clears. No I/O.
pub fn screen_parties_with(
    screener: &Screener,
    parties: &[Party],
    cleared: &Clearances,
) -> PartyScreen {
    let mut out = PartyScreen {
        hits: Vec::new(),
        cleared: Vec::new(),
        screened: Vec::new(),
    };
    for p in parties {
        let mut names: Vec<(String, Option<String>, Option<f64>)> =
            vec![(p.name.clone(), p.country.clone(), None)];
        names.extend(
            p.owners
                .iter()
                .map(|o| (o.name.clone(), o.country.clone(), Some(o.percent))),
        );
        for (name, country, owner_pct) in names {
            let q = exctl_screen::Query {
                name: name.clone(),
                country: country.clone(),
                ..exctl_screen::Query::default()
            };
            let matches = screener.screen(&q, 10, DEFAULT_THRESHOLD);
            let dispositions = cleared
                .get(&(name.clone(), country.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let records = hit_records(screener, &matches);
            for (m, record) in matches.into_iter().zip(&records) {
                if dispositions.iter().any(|d| {
                    d.list == m.list
                        && d.entry_id == m.entry_id
                        && d.entry_hash == record.entry_hash
                }) {
                    out.cleared.push(format!(
                        "{name:?} on {} entry {:?} ({}) is cleared as a false positive",
                        m.list, m.name, m.entry_id
                    ));
                    continue;
                }
                out.hits.push(ListHit {
                    role: p.role,
                    party: p.name.clone(),
                    owner: owner_pct.map(|pct| (name.clone(), pct)),
                    list: m.list,
                    list_name: m.list_name,
                    entry_id: m.entry_id,
                    entry_name: m.name,
                    score: m.score,
                    license_requirement: m.license_requirement,
                    license_policy: m.license_policy,
                    federal_register_notice: m.federal_register_notice,
                });
            }
            out.screened.push(NotedParty {
                name,
                country,
                entity_type: None,
                evidence: exctl_records::PartyEvidence::default(),
                hits: records,
            });
        }
    }
    out
}

/// Stored licences as a check is offered them.
pub fn licences_on_file(stored: Vec<exctl_records::StoredLicence>) -> Vec<OnFile> {
    stored
        .into_iter()
        .map(|l| OnFile {
            licence: l.licence,
            drawn: l.drawn,
        })
        .collect()
}

/// Applies parties and licences to a decision.
#[allow(clippy::too_many_arguments)]
pub fn complete(
    decision: &mut Decision,
    rules: &[PartyRules],
    hits: &[ListHit],
    facts: &Facts,
    licences: &[OnFile],
    end_user: Option<&str>,
    quantity: f64,
    value: f64,
) {
    if !hits.is_empty() || !rules.is_empty() {
        apply_parties(decision, rules, hits, facts);
    }
    apply_licences(decision, licences, end_user, quantity, value);
}

/// One hash for everything a decision was based on.
pub fn rules_hash(decision: &Decision) -> String {
    let joined: Vec<String> = decision
        .packs
        .iter()
        .map(|p| format!("{}={}", p.id, p.hash))
        .collect();
    keys::sha256_hex(joined.join("\n").as_bytes())
}

/// A fresh key for a one-off request.
pub fn request_key(kind: &str) -> String {
    let mut bytes = [0u8; 16];
    // Fall back on time and pid if the system's random source fails.
    if keys::random(&mut bytes).is_err() {
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    format!("{kind}:{}", hex::encode(bytes))
}

/// The decision to store for a check.
pub fn new_check(
    key: String,
    decision: &Decision,
    input: serde_json::Value,
    parties: &[Party],
    list_version: Option<String>,
) -> NewDecision {
    NewDecision {
        request_key: key,
        kind: "check".into(),
        subject: decision.item.id.clone(),
        destination: decision.destination.as_ref().map(|d| d.code.clone()),
        parties: parties.iter().map(|p| p.name.clone()).collect(),
        outcome: decision
            .overall
            .map_or("classified".to_string(), |o| o.as_str().to_string()),
        as_of: decision.as_of,
        rules_hash: rules_hash(decision),
        list_version,
        input,
        result: serde_json::to_value(decision).unwrap_or_default(),
    }
}

/// Screens every stored party, on every core, in order.
pub fn rescreen_all(
    screener: &Screener,
    parties: Vec<exctl_records::PartyRecord>,
    progress: &dyn crate::Progress,
) -> Vec<(exctl_records::PartyRecord, Vec<HitRecord>)> {
    use rayon::prelude::*;
    progress.start(parties.len() as u64);
    let out = parties
        .into_par_iter()
        .map(|p| {
            let hits = screen_hits(screener, &p);
            progress.advance(1);
            (p, hits)
        })
        .collect();
    progress.finish();
    out
}

/// Rescreens every stored party against the shell's lists (with the parties
/// packs designate) and records what changed materially: new hits, changed
/// entries, hits re-raised after their entry changed, hits gone. Every
/// shell calls this.
pub async fn rescreen<S: crate::Shell>(
    shell: &S,
    store: &Store,
    progress: std::sync::Arc<dyn crate::Progress + Send>,
) -> Result<exctl_records::RescreenReport> {
    let screener = shell.screener()?;
    let parties = store.parties().await?;
    let version = screener.version().hash.clone();
    let results = shell
        .cpu(move || rescreen_all(&screener, parties, progress.as_ref()))
        .await?;
    Ok(store.apply_rescreen(&version, &results).await?)
}

/// Records a batch in chunks, one transaction each. Each row is keyed by
/// the batch id, its line and a digest of its content, result and rule and
/// list versions ([`Store::record_lines`]): a rerun after a crash records
/// only what is missing and never a row twice, and a row that changed (an
/// edited book under the same batch id, new lists or packs) is recorded
/// anew, superseding what its line recorded before, which is kept.
pub struct Recorder {
    rt: tokio::runtime::Runtime,
    store: Store,
    batch: String,
    pending: Vec<(String, Recording)>,
    /// Lines recorded for the first time.
    pub new: usize,
    /// Lines already recorded with the same content and versions.
    pub unchanged: usize,
    /// Lines recorded again, superseding their earlier record.
    pub superseding: usize,
    /// Row keys seen in this run: a repeated order id is refused.
    seen: std::collections::HashSet<String>,
}

impl Recorder {
    const CHUNK: usize = 200;

    pub fn new(rt: tokio::runtime::Runtime, store: Store, batch: String) -> Recorder {
        Recorder {
            rt,
            store,
            batch,
            pending: Vec::new(),
            new: 0,
            unchanged: 0,
            superseding: 0,
            seen: std::collections::HashSet::new(),
        }
    }

    /// The key of one row of a batch: its `id` when the row has one, so
    /// that a reordered book still matches each order with its own earlier
    /// decision; its line otherwise. `#` and `%` are escaped (the store
    /// reads a row's records by the prefix `KEY#`).
    pub fn row_key(line: u64, id: &str) -> String {
        let id = id.trim();
        if id.is_empty() {
            line.to_string()
        } else {
            format!("id={}", key_part(id))
        }
    }

    /// Claims a row key for this run: an id given to two rows is refused,
    /// since the second would silently supersede the first.
    pub fn claim(&mut self, kind: &str, key: &str) -> std::result::Result<(), String> {
        if self.seen.insert(self.line(kind, key)) {
            Ok(())
        } else {
            Err(format!(
                "{key} is given to an earlier row too: ids must be unique in a recorded batch"
            ))
        }
    }

    /// The batch id of `input` unless one is given: its content hash and the date.
    pub fn batch_id(
        input: &Path,
        date: chrono::NaiveDate,
        given: Option<String>,
    ) -> Result<String> {
        if let Some(id) = given {
            return Ok(id);
        }
        let bytes = std::fs::read(input).map_err(|e| bad(format!("{}: {e}", input.display())))?;
        Ok(format!("{}@{date}", keys::sha256_hex(&bytes)))
    }

    /// The name of a row of this batch, by its [`Recorder::row_key`] (the
    /// store adds its content digest).
    pub fn line(&self, kind: &str, line: &str) -> String {
        line_key(kind, &self.batch, line)
    }

    /// The store, for reads during the batch (licences, dispositions).
    pub fn store(&self) -> (&tokio::runtime::Runtime, &Store) {
        (&self.rt, &self.store)
    }

    /// Queues the recording of one row, under its key, of kind `kind`.
    pub fn push(&mut self, kind: &str, line: &str, r: Recording) -> Result<()> {
        let name = self.line(kind, line);
        self.pending.push((name, r));
        if self.pending.len() >= Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let done = self
            .rt
            .block_on(self.store.record_lines(&self.pending))
            .map_err(store_error)?;
        for d in done {
            match d {
                LineRecorded::New(_) => self.new += 1,
                LineRecorded::Unchanged(_) => self.unchanged += 1,
                LineRecorded::Superseding { .. } => self.superseding += 1,
            }
        }
        self.pending.clear();
        Ok(())
    }

    /// What was recorded, in one line.
    pub fn summary(&self) -> String {
        format!(
            "recorded {} decisions: {} new, {} superseding an earlier record of the same line (kept, marked superseded); {} unchanged, already recorded by an earlier run of this batch",
            self.new + self.superseding,
            self.new,
            self.superseding,
            self.unchanged
        )
    }

    /// Flushes what is left and says what was recorded.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        eprintln!("{}", self.summary());
        self.rt.block_on(self.store.close());
        Ok(())
    }
}

/// A screen to record, with its party (stored for rescreening).
pub fn screen_recording(
    request_key: String,
    q: &exctl_screen::Query,
    id: &str,
    screener: &Screener,
    matches: &[exctl_screen::Match],
    threshold: f64,
) -> Recording {
    let version = screener.version().hash.clone();
    let entity_type = q.entity_type.map(|t| t.as_str().to_string());
    let mut input = serde_json::json!({
        "name": q.name,
        "country": q.country,
        "type": entity_type,
        "threshold": threshold,
    });
    if !id.is_empty() {
        input["id"] = serde_json::Value::from(id);
    }
    // What else than the name the screen weighed, so the record explains it.
    if let Some(d) = &q.birth_date {
        input["dob"] = serde_json::Value::from(d.as_str());
    }
    if !q.ids.is_empty() {
        input["ids"] = serde_json::json!(q.ids);
    }
    Recording {
        decision: NewDecision {
            request_key,
            kind: "screen".into(),
            subject: q.name.clone(),
            destination: q.country.clone(),
            parties: vec![q.name.clone()],
            outcome: if matches.is_empty() { "clear" } else { "hit" }.into(),
            as_of: chrono::Utc::now().date_naive(),
            rules_hash: String::new(),
            list_version: Some(version),
            input,
            result: screening::screen_json(q, screener, matches),
        },
        parties: vec![NotedParty {
            name: q.name.clone(),
            country: q.country.clone(),
            entity_type,
            evidence: party_evidence(q),
            hits: hit_records(screener, matches),
        }],
        actor: None,
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn no_batch_and_row_spell_another_batch_and_row() {
        let a = line_key("check", "Q:id=zz", &Recorder::row_key(2, ""));
        let b = line_key("check", "Q", &Recorder::row_key(0, "zz:2"));
        assert_ne!(a, b);
        let c = line_key("check", "Q", &Recorder::row_key(0, "A#1"));
        assert!(!c.contains('#'), "{c}");
        assert_eq!(
            line_key("check", "B1", &Recorder::row_key(7, "")),
            "batch:B1:7"
        );
        assert_eq!(
            line_key("screen", "B1", &Recorder::row_key(7, "PO-1")),
            "screen-batch:B1:id=PO-1"
        );
    }
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
