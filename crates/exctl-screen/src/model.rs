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

/// An identifying number of a party: passport, national or tax id, company
/// registration (OGRN, unified social credit code), LEI, IMO, SWIFT/BIC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PartyId {
    /// Canonical kind: `passport`, `national-id`, `tax-id`, `registration`,
    /// `uscc`, `lei`, `imo`, `swift`, `vat`, or `other`.
    pub kind: String,
    /// The number in capitals and digits only ("AB 12-345" → "AB12345").
    pub number: String,
}

impl PartyId {
    /// Kinds of identifier and words their labels use, most specific first.
    const KINDS: &'static [(&'static str, &'static [&'static str])] = &[
        ("uscc", &["unified social credit", "uscc"]),
        (
            "lei",
            &["lei", "legal entity identifier", "legal entity number"],
        ),
        ("imo", &["imo"]),
        ("swift", &["swift", "bic"]),
        ("vat", &["v.a.t", "vat"]),
        ("passport", &["passport"]),
        ("tax-id", &["tax", "taxpayer", "inn", "ruc", "nit", "rfc"]),
        (
            "national-id",
            &[
                "national id",
                "national identification",
                "personal id",
                "identification number",
                "cedula",
                "national identity",
            ],
        ),
        (
            "registration",
            &[
                "registration",
                "ogrn",
                "matricula",
                "company number",
                "commercial registry",
            ],
        ),
    ];

    /// The canonical kind a label names, if it names one.
    pub fn kind_of(label: &str) -> Option<&'static str> {
        // "national-id" and "national_id" are "national id".
        let l = label.to_lowercase().replace(['-', '_'], " ");
        let words: Vec<&str> = l
            .split(|c: char| !c.is_alphanumeric() && c != '.')
            .filter(|w| !w.is_empty())
            .collect();
        Self::KINDS.iter().find_map(|(kind, labels)| {
            labels
                .iter()
                .any(|x| {
                    if x.contains(' ') || x.contains('.') {
                        l.contains(x)
                    } else {
                        words.contains(x)
                    }
                })
                .then_some(*kind)
        })
    }

    /// An identifier from a label (kind) and a number; `None` when the
    /// number has no digit or fewer than four characters.
    pub fn new(kind: &str, number: &str) -> Option<PartyId> {
        let number: String = number
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if number.len() < 4 || !number.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        // "IMO 8898831": the number is the digits, whatever the label said.
        if let Some(rest) = number.strip_prefix("IMO") {
            if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
                return Some(PartyId {
                    kind: "imo".to_string(),
                    number: rest.to_string(),
                });
            }
        }
        let kind = Self::kind_of(kind).unwrap_or("other").to_string();
        Some(PartyId { kind, number })
    }

    /// Reads `KIND:NUMBER` (or a bare number, kind `other`).
    pub fn parse(spec: &str) -> Option<PartyId> {
        match spec.split_once(':') {
            Some((k, n)) => PartyId::new(k, n),
            None => PartyId::new("", spec),
        }
    }
}

/// Years written in a date or date range ("1961-10-01", "circa 1958",
/// "1960 to 1962").
pub fn years_in(date: &str) -> Vec<u16> {
    date.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<u16>().ok())
        .filter(|y| (1850..=2100).contains(y))
        .collect()
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
    /// Identifying numbers the list gives (passport, registration, LEI …).
    pub ids: Vec<PartyId>,
    /// Dates of birth as the list writes them (a year, a date or a range).
    pub birth_dates: Vec<String>,
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
            ids: Vec::new(),
            birth_dates: Vec::new(),
        }
    }

    /// Adds an identifier unless it is already there.
    pub fn add_id(&mut self, id: PartyId) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
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
            hash: hex::encode(h.finalize())[..16].to_string(),
            sources: self.sources.clone(),
            entries: self.entries.len(),
        }
    }
}

/// The share of its entries a new list version may lose against the one it
/// replaces before the swap is refused (5 %).
pub const DEFAULT_MAX_LOSS: f64 = 0.05;

/// One source's entries before and after a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLoss {
    pub file: String,
    pub before: usize,
    pub after: usize,
    /// Entries of before that are not in after (by entry id).
    pub lost: usize,
}

/// A new list version lost more entries than allowed, in all or in one
/// source: a cut download or a truncated or rewritten file, not a real list
/// change, until a person says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Shrinkage {
    pub before: usize,
    pub after: usize,
    /// Entries of the current lists missing from the new ones.
    pub lost: usize,
    /// The sources that lost more than allowed (a source that is gone lost all).
    pub sources: Vec<SourceLoss>,
    pub max_loss: f64,
}

impl Shrinkage {
    fn describe(&self) -> String {
        let pct = |lost: usize, b: usize| 100.0 * lost as f64 / b.max(1) as f64;
        let mut s = format!(
            "the new lists have {} entries where the current ones have {}, and {} of the current entries are gone (-{:.1} %; at most {:.1} % may be lost)",
            self.after,
            self.before,
            self.lost,
            pct(self.lost, self.before),
            100.0 * self.max_loss
        );
        for src in &self.sources {
            s.push_str(&format!(
                "; {}: {} -> {} entries, {} gone (-{:.1} %)",
                src.file,
                src.before,
                src.after,
                src.lost,
                pct(src.lost, src.before)
            ));
        }
        s
    }
}

/// The entries of one source, by identity, for [`check_loss`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceIdentity {
    pub file: String,
    /// Entries of the source (ids may repeat within it).
    pub entries: usize,
    /// A hash of each entry's list, id and primary name: an entry renamed
    /// under the same id counts as lost (its listed name is gone).
    pub ids: std::collections::HashSet<u64>,
}

/// Refuses a new version that lost more than `max_loss` (a share, 0–1) of
/// the current entries in all, or of any one source's (sources matched by
/// file name; one that disappeared lost all). An entry is lost when its
/// identity (list, id, primary name) is gone, so a file whose entries were
/// all replaced or renamed loses them all. Growth is never refused.
pub fn check_loss(
    before: &[SourceIdentity],
    after: &[SourceIdentity],
    max_loss: f64,
) -> Result<(), Shrinkage> {
    let too_much = |lost: usize, b: usize| b > 0 && lost as f64 > max_loss * b as f64;
    let empty = std::collections::HashSet::new();
    let mut sources = Vec::new();
    let (mut total_before, mut total_lost) = (0usize, 0usize);
    for src in before {
        let now = after.iter().find(|a| a.file == src.file);
        let lost = src.ids.difference(now.map_or(&empty, |a| &a.ids)).count();
        total_before += src.ids.len();
        total_lost += lost;
        if too_much(lost, src.ids.len()) {
            sources.push(SourceLoss {
                file: src.file.clone(),
                before: src.entries,
                after: now.map_or(0, |a| a.entries),
                lost,
            });
        }
    }
    if too_much(total_lost, total_before) || !sources.is_empty() {
        return Err(Shrinkage {
            before: before.iter().map(|b| b.entries).sum(),
            after: after.iter().map(|a| a.entries).sum(),
            lost: total_lost,
            sources,
            max_loss,
        });
    }
    Ok(())
}

impl ListSet {
    /// Each source's entries by identity (entries are kept in source order).
    pub fn identities(&self) -> Vec<SourceIdentity> {
        use std::hash::{Hash, Hasher};
        let mut out = Vec::with_capacity(self.sources.len());
        let mut at = 0;
        for src in &self.sources {
            let end = (at + src.entries).min(self.entries.len());
            let ids = self.entries[at..end]
                .iter()
                .map(|e| {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    (&e.list, &e.id, e.primary_name().to_lowercase()).hash(&mut h);
                    h.finish()
                })
                .collect();
            out.push(SourceIdentity {
                file: src.file.clone(),
                entries: end - at,
                ids,
            });
            at = end;
        }
        out
    }
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of `n` entries numbered from `from`.
    fn src(file: &str, from: u64, n: u64) -> SourceIdentity {
        SourceIdentity {
            file: file.into(),
            entries: n as usize,
            ids: (from..from + n).collect(),
        }
    }

    #[test]
    fn a_list_cut_at_a_row_boundary_is_refused_with_its_counts() {
        let e = check_loss(
            &[src("csl.csv", 0, 36)],
            &[src("csl.csv", 0, 11)],
            DEFAULT_MAX_LOSS,
        )
        .unwrap_err();
        assert_eq!((e.before, e.after, e.lost), (36, 11, 25));
        let msg = e.to_string();
        assert!(msg.contains("csl.csv: 36 -> 11 entries, 25 gone"), "{msg}");
    }

    #[test]
    fn one_source_losing_too_much_is_refused_even_when_the_total_grows() {
        let before = [src("sdn.csv", 0, 100), src("csl.csv", 1000, 1000)];
        let after = [src("sdn.csv", 0, 80), src("csl.csv", 1000, 1200)];
        let e = check_loss(&before, &after, DEFAULT_MAX_LOSS).unwrap_err();
        assert_eq!(e.sources.len(), 1);
        assert_eq!(e.sources[0].file, "sdn.csv");
        // A source that is gone lost all its entries.
        let e = check_loss(&before, &[src("csl.csv", 1000, 1300)], DEFAULT_MAX_LOSS).unwrap_err();
        assert_eq!(e.sources[0].after, 0);
    }

    #[test]
    fn entries_replaced_by_as_many_others_are_lost() {
        let e = check_loss(
            &[src("own.csv", 0, 34)],
            &[src("own.csv", 100, 34)],
            DEFAULT_MAX_LOSS,
        )
        .unwrap_err();
        assert_eq!(e.lost, 34);
    }

    #[test]
    fn small_losses_growth_and_new_sources_pass() {
        let before = [src("csl.csv", 0, 1000)];
        assert!(check_loss(&before, &[src("csl.csv", 0, 950)], DEFAULT_MAX_LOSS).is_ok());
        assert!(check_loss(&before, &[src("csl.csv", 0, 949)], DEFAULT_MAX_LOSS).is_err());
        assert!(check_loss(
            &before,
            &[src("csl.csv", 0, 5000), src("un.xml", 9000, 10)],
            0.0
        )
        .is_ok());
        assert!(check_loss(&[], &[src("csl.csv", 0, 1)], 0.0).is_ok());
    }
}
