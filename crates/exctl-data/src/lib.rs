//! # exctl-data
//!
//! Loads what the decision core needs from files: the parameter vocabulary,
//! countries and country groups, rule packs, golden cases and the item
//! catalog. The repository's `packs/` and `catalog/` folders are embedded in
//! the binary; a folder with the same layout can replace them at run time.
//!
//! Layout (relative to the data root):
//! - `packs/parameters.toml` — the names rule conditions may read
//! - `packs/countries/{countries,groups,group-changes}.toml`
//! - `packs/<id>/pack.toml`, `packs/<id>/rules/*.toml`, `packs/<id>/golden/*.toml`
//! - `catalog/*.toml` — catalog items, in file-name order

pub mod catalog;
pub mod golden;
pub mod import;
pub mod itemfile;
pub mod owners;

use exctl_core::parties::PartyRules;
use exctl_core::{CountryGroups, CountryTable, DataError, Engine, Item, RulePack, Vocabulary};
use std::collections::BTreeMap;
use std::path::Path;

pub use catalog::{Catalog, UnknownItem};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// A set of data files: path relative to the data root → contents.
#[derive(Debug, Clone, Default)]
pub struct Files {
    files: BTreeMap<String, String>,
    /// Where they came from, for messages ("bundled" or a folder).
    pub origin: String,
}

impl Files {
    /// The copy embedded at build time.
    pub fn bundled() -> Files {
        Files {
            files: bundled::FILES
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
            origin: "bundled".into(),
        }
    }

    /// Every `.toml`/`.json` file under `root/packs` and `root/catalog`.
    pub fn from_dir(root: &Path) -> Result<Files, DataError> {
        let mut files = BTreeMap::new();
        for sub in ["packs", "catalog"] {
            let dir = root.join(sub);
            if !dir.is_dir() {
                return Err(DataError::new(
                    &dir.display().to_string(),
                    "not a folder (a data root holds packs/ and catalog/)",
                ));
            }
            walk(root, &dir, &mut files)?;
        }
        Ok(Files {
            files,
            origin: root.display().to_string(),
        })
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    fn require(&self, path: &str) -> Result<&str, DataError> {
        self.get(path)
            .ok_or_else(|| DataError::new(path, format!("missing from {}", self.origin)))
    }

    /// Files under a folder prefix, sorted by path.
    pub fn under(&self, prefix: &str) -> Vec<(String, String)> {
        self.files
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Replaces or adds a file (used by tests to break a pack on purpose).
    pub fn insert(&mut self, path: &str, text: &str) {
        self.files.insert(path.to_string(), text.to_string());
    }

    /// Drops a file.
    pub fn remove(&mut self, path: &str) {
        self.files.remove(path);
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<(), DataError> {
    let io = |p: &Path, e: std::io::Error| DataError::new(&p.display().to_string(), e.to_string());
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| io(dir, e))?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(root, &p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("toml" | "json")
        ) {
            let bytes = std::fs::read(&p).map_err(|e| io(&p, e))?;
            let text = exctl_core::error::utf8_text(&p.display().to_string(), bytes)?;
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, text);
        }
    }
    Ok(())
}

/// Everything loaded and validated.
#[derive(Debug)]
pub struct Data {
    pub engine: Engine,
    pub catalog: Catalog,
    /// Golden case files per pack id: (path, text).
    pub golden: BTreeMap<String, Vec<(String, String)>>,
    /// Each pack's party rules (`packs/<id>/parties.toml`), where it has them.
    pub parties: Vec<PartyRules>,
}

/// The country table of a data set.
pub fn countries(files: &Files) -> Result<CountryTable, DataError> {
    let path = "packs/countries/countries.toml";
    CountryTable::from_toml(path, files.require(path)?)
}

/// The file that names the data set's rule packs.
pub const INDEX_PATH: &str = "packs/index.toml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackIndex {
    packs: Vec<String>,
}

/// The pack ids `packs/index.toml` declares, checked against the folders
/// present: a declared pack that is missing, or a pack folder not declared,
/// is an error, so a data set cannot silently lose a jurisdiction.
fn declared_packs(files: &Files) -> Result<Vec<String>, DataError> {
    let text = files.get(INDEX_PATH).ok_or_else(|| {
        DataError::new(
            INDEX_PATH,
            format!(
                "missing from {}: a data set names its rule packs in {INDEX_PATH}, e.g. packs = [\"us\", \"accord\"]",
                files.origin
            ),
        )
    })?;
    let index: PackIndex =
        toml::from_str(text).map_err(|e| DataError::toml(INDEX_PATH, &e, text))?;
    let mut declared = std::collections::BTreeSet::new();
    for id in &index.packs {
        if id.is_empty()
            || id == "countries"
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(DataError::new(
                INDEX_PATH,
                format!("packs: {id:?} is not a pack folder name (letters, digits, hyphens; not \"countries\")"),
            ));
        }
        if !declared.insert(id.clone()) {
            return Err(DataError::new(
                INDEX_PATH,
                format!("packs: {id:?} is listed twice"),
            ));
        }
    }
    if declared.is_empty() {
        return Err(DataError::new(INDEX_PATH, "packs: no rule packs declared"));
    }
    let present: std::collections::BTreeSet<String> = files
        .paths()
        .filter_map(|p| {
            let (id, _) = p.strip_prefix("packs/")?.split_once('/')?;
            (id != "countries").then(|| id.to_string())
        })
        .collect();
    if let Some(stray) = present.difference(&declared).next() {
        return Err(DataError::new(
            &format!("packs/{stray}/"),
            format!("a pack folder that {INDEX_PATH} does not declare (add {stray:?} to its packs, or remove the folder)"),
        ));
    }
    Ok(index.packs)
}

/// Loads and validates every file; the first problem is returned with its
/// file, line and rule.
pub fn load(files: &Files) -> Result<Data, DataError> {
    let vocab_path = "packs/parameters.toml";
    let vocab = Vocabulary::from_toml(vocab_path, files.require(vocab_path)?)?;
    let countries = countries(files)?;
    let groups_path = "packs/countries/groups.toml";
    let changes_path = "packs/countries/group-changes.toml";
    let mut groups = CountryGroups::from_toml(
        groups_path,
        files.require(groups_path)?,
        changes_path,
        files.require(changes_path)?,
        &countries,
    )?;
    // Other regimes' destination groups, e.g. Korea's zones.
    for (path, text) in files.under("packs/countries/") {
        if path.ends_with("-zones.toml") {
            groups.add_groups(&path, &text, &countries)?;
        }
    }
    let mut packs = Vec::new();
    let mut golden = BTreeMap::new();
    let mut parties = Vec::new();
    let pack_ids = declared_packs(files)?;
    for id in pack_ids {
        let meta_path = format!("packs/{id}/pack.toml");
        let meta_text = files.get(&meta_path).ok_or_else(|| {
            DataError::new(
                &meta_path,
                format!(
                    "missing from {}: pack {id:?} is declared in {INDEX_PATH} but its pack.toml is not there",
                    files.origin
                ),
            )
        })?;
        let rules = files.under(&format!("packs/{id}/rules/"));
        let mut pack = RulePack::build(&meta_path, meta_text, &rules, &vocab)?;
        if pack.meta.id != id {
            return Err(DataError::new(
                &meta_path,
                format!(
                    "pack id {:?} does not match its folder {id:?}",
                    pack.meta.id
                ),
            ));
        }
        if let Some(name) = &pack.meta.ccl {
            let ccl_path = format!("packs/{id}/{name}");
            let text = files.get(&ccl_path).ok_or_else(|| {
                DataError::new(
                    &meta_path,
                    format!("ccl: {ccl_path} is missing from {} (write it with `exctl data import-ccl`)", files.origin),
                )
            })?;
            let ccl = exctl_core::law::Ccl::from_json(&ccl_path, text)?;
            exctl_core::law::check_pack(&pack, &ccl, &ccl_path)?;
            exctl_core::law::attach_text(&mut pack, &ccl);
            pack.law = Some(ccl);
        }
        golden.insert(id.clone(), files.under(&format!("packs/{id}/golden/")));
        let parties_path = format!("packs/{id}/parties.toml");
        if let Some(text) = files.get(&parties_path) {
            let rules = PartyRules::from_toml(&id, &parties_path, text)?;
            for rule in &rules.ownership {
                if let Some(fact) = &rule.joint_resolved_by {
                    if !is_bool_fact(&vocab, fact) || rule.joint_question.is_none() {
                        return Err(DataError::in_entry(
                            &parties_path,
                            &format!("ownership {}", rule.id),
                            format!("joint_resolved_by: {fact:?} must be a declared transaction fact of type bool, with a joint_question"),
                        ));
                    }
                }
            }
            for effect in &rules.effects {
                if let Some(fact) = &effect.resolved_by {
                    if !is_bool_fact(&vocab, fact) {
                        return Err(DataError::in_entry(
                            &parties_path,
                            &format!("list {}", effect.id),
                            format!("resolved_by: {fact:?} is not a declared transaction fact of type bool (declare it in packs/parameters.toml, or the question could never be answered)"),
                        ));
                    }
                }
                for u in &effect.end_uses {
                    vocab.check_value("end_use", u).map_err(|reason| {
                        DataError::in_entry(
                            &parties_path,
                            &format!("list {}", effect.id),
                            format!("end_uses: {reason}"),
                        )
                    })?;
                }
            }
            parties.push(rules);
        } else if pack.meta.parties_only {
            return Err(DataError::new(
                &meta_path,
                format!(
                    "parties_only: {parties_path} is missing from {}",
                    files.origin
                ),
            ));
        }
        packs.push(pack);
    }
    if packs.is_empty() {
        return Err(DataError::new("packs/", "no rule packs found"));
    }
    let catalog = Catalog::from_files(&files.under("catalog/"))?;
    let mut engine = Engine::new(vocab, countries, groups, packs);
    // H100-equivalents are TPP over the TPP of the item the data names.
    if let Some(per) = engine.vocab.get("h100e").and_then(|p| p.per_item.clone()) {
        let tpp = catalog
            .resolve(&per)
            .ok()
            .and_then(|e| e.item.metrics().tpp)
            .ok_or_else(|| {
                DataError::new(
                    "packs/parameters.toml",
                    format!("parameter h100e: per_item {per:?} is not a catalog item with a TPP"),
                )
            })?;
        engine.h100_tpp = Some(tpp);
    }
    Ok(Data {
        engine,
        catalog,
        golden,
        parties,
    })
}

impl Data {
    /// Resolves an item argument: a catalog name, or a path to an item file.
    pub fn item(&self, arg: &str) -> Result<Item, ItemError> {
        let path = Path::new(arg);
        let looks_like_file = arg.ends_with(".toml") || arg.ends_with(".json") || arg.contains('/');
        if looks_like_file || (path.is_file() && self.catalog.resolve(arg).is_err()) {
            let bytes = std::fs::read(path).map_err(|e| {
                ItemError::Data(DataError::new(arg, format!("cannot read item file: {e}")))
            })?;
            let text = exctl_core::error::utf8_text(arg, bytes)?;
            let resolve = |n: &str| {
                self.catalog
                    .resolve(n)
                    .map(|e| e.item.clone())
                    .map_err(|e| e.to_string())
            };
            return itemfile::parse_item_file(arg, &text, &resolve).map_err(ItemError::Data);
        }
        self.catalog
            .resolve(arg)
            .map(|e| e.item.clone())
            .map_err(ItemError::Unknown)
    }
}

/// Why an item argument could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    #[error(transparent)]
    Unknown(#[from] UnknownItem),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Whether `fact` is a declared transaction fact of type bool (what a
/// question answered yes or no must be).
fn is_bool_fact(vocab: &exctl_core::Vocabulary, fact: &str) -> bool {
    vocab
        .get(fact)
        .is_some_and(|p| p.type_name == "bool" && p.scope == exctl_core::vocab::Scope::Transaction)
}
