//! Restricted-party list entries and list sets with their versions.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What kind of party an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    Entity,
    Individual,
    Vessel,
    Aircraft,
    Unknown,
}

impl EntityType {
    /// Parses the spellings the list formats use.
    pub fn parse(s: &str) -> EntityType {
        match s.trim().to_ascii_lowercase().as_str() {
            "individual" | "person" | "individuals" => EntityType::Individual,
            "entity" | "organization" | "organisation" | "company" | "legalentity" | "business"
            | "-0-" => EntityType::Entity,
            "vessel" => EntityType::Vessel,
            "aircraft" | "airplane" => EntityType::Aircraft,
            _ => EntityType::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Entity => "entity",
            EntityType::Individual => "individual",
            EntityType::Vessel => "vessel",
            EntityType::Aircraft => "aircraft",
            EntityType::Unknown => "unknown",
        }
    }
}

/// How much a name can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// The primary name or a strong alias.
    Strong,
    /// A weak alias (OFAC "weak a.k.a.", UN "low quality", FtM `weakAlias`):
    /// too generic to identify the party on its own.
    Weak,
}

/// One name of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListName {
    pub text: String,
    pub strength: Strength,
    /// The entry's primary name (not an alias).
    pub primary: bool,
}

/// One listed party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Short list code, e.g. `EL`, `SDN`, `DPL`, `UN`, `UVL`, `MEU`.
    pub list: String,
    /// The list's full name as the source gives it.
    pub list_name: String,
    /// The entry's own id in its source (CSL `_id`, OFAC `ent_num`, UN DATAID …).
    pub id: String,
    pub names: Vec<ListName>,
    pub entity_type: EntityType,
    /// ISO 3166 alpha-2 codes from addresses, nationalities and citizenships.
    pub countries: Vec<String>,
    pub addresses: Vec<String>,
    pub programs: Vec<String>,
    /// Entity List licence requirement, as the source words it.
    pub license_requirement: Option<String>,
    pub license_policy: Option<String>,
    pub federal_register_notice: Option<String>,
    pub remarks: Option<String>,
    pub source_url: Option<String>,
}

impl Entry {
    pub fn new(list: &str, list_name: &str, id: &str) -> Entry {
        Entry {
            list: list.to_string(),
            list_name: list_name.to_string(),
            id: id.to_string(),
            names: Vec::new(),
            entity_type: EntityType::Unknown,
            countries: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            license_requirement: None,
            license_policy: None,
            federal_register_notice: None,
            remarks: None,
            source_url: None,
        }
    }

    /// Adds a name unless it is empty or already there.
    pub fn add_name(&mut self, text: &str, strength: Strength, primary: bool) {
        let t = text.trim();
        if t.is_empty() || self.names.iter().any(|n| n.text == t) {
            return;
        }
        self.names.push(ListName {
            text: t.to_string(),
            strength,
            primary,
        });
    }

    pub fn add_country(&mut self, code: &str) {
        let c = code.trim().to_ascii_uppercase();
        if c.len() == 2
            && c.chars().all(|ch| ch.is_ascii_uppercase())
            && !self.countries.contains(&c)
        {
            self.countries.push(c);
        }
    }

    /// SHA-256 of what matters legally about the entry: names, type,
    /// countries, addresses, programmes, licence requirement and policy, and
    /// the Federal Register notice. Remarks and links do not count, so a
    /// cleared hit stays cleared until the entry materially changes.
    pub fn material_hash(&self) -> String {
        let mut names: Vec<String> = self
            .names
            .iter()
            .map(|n| format!("{}|{:?}|{}", n.text, n.strength, n.primary))
            .collect();
        names.sort();
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.join("\u{1f}")
        };
        let parts = [
            self.list.clone(),
            self.id.clone(),
            names.join("\u{1f}"),
            self.entity_type.as_str().to_string(),
            sorted(&self.countries),
            sorted(&self.addresses),
            sorted(&self.programs),
            self.license_requirement.clone().unwrap_or_default(),
            self.license_policy.clone().unwrap_or_default(),
            self.federal_register_notice.clone().unwrap_or_default(),
        ];
        sha256(parts.join("\u{1e}").as_bytes())
    }

    /// The primary name (or the first one).
    pub fn primary_name(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.primary)
            .or(self.names.first())
            .map_or("", |n| n.text.as_str())
    }
}

/// Where a loaded list came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// File name as given.
    pub file: String,
    /// Format detected or stated, e.g. `csl-csv`.
    pub format: String,
    pub entries: usize,
    /// Date the source states for itself (e.g. UN `dateGenerated`), if any.
    pub date: Option<String>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The version of a loaded list set: one hash over every source and its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListVersion {
    /// SHA-256 over the sources' hashes, in load order (first 16 hex digits).
    pub hash: String,
    pub sources: Vec<SourceInfo>,
    pub entries: usize,
}

/// Entries from one or more lists.
#[derive(Debug, Clone, Default)]
pub struct ListSet {
    pub entries: Vec<Entry>,
    pub sources: Vec<SourceInfo>,
}

impl ListSet {
    pub fn add(&mut self, source: SourceInfo, entries: Vec<Entry>) {
        self.sources.push(source);
        self.entries.extend(entries);
    }

    pub fn version(&self) -> ListVersion {
        let mut h = Sha256::new();
        for s in &self.sources {
            h.update(s.sha256.as_bytes());
            h.update(s.date.as_deref().unwrap_or("").as_bytes());
            h.update([0]);
        }
        ListVersion {
            hash: hex(&h.finalize())[..16].to_string(),
            sources: self.sources.clone(),
            entries: self.entries.len(),
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
