//! Countries (ISO 3166 alpha-2) and country groups with membership history.
//!
//! Groups such as the EAR's A:5 or D:5 are data: a snapshot of members plus
//! dated changes. Membership is asked *as of a date*, never "now".

use crate::error::DataError;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One country or territory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: String,
    pub name: String,
    /// Other names, including the EAR's spelling ("Korea, South").
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountriesFile {
    country: Vec<Country>,
}

/// The known countries, by code.
#[derive(Debug, Clone, Default)]
pub struct CountryTable {
    by_code: BTreeMap<String, Country>,
}

impl CountryTable {
    /// Parses `countries.toml` text. `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<CountryTable, DataError> {
        let parsed: CountriesFile =
            toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
        let mut by_code = BTreeMap::new();
        for c in parsed.country {
            if c.code.len() != 2 || !c.code.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(DataError::new(
                    file,
                    format!("country code {:?} is not ISO 3166 alpha-2", c.code),
                ));
            }
            if by_code.insert(c.code.clone(), c.clone()).is_some() {
                return Err(DataError::new(
                    file,
                    format!("country code {} appears twice", c.code),
                ));
            }
        }
        Ok(CountryTable { by_code })
    }

    pub fn get(&self, code: &str) -> Option<&Country> {
        self.by_code.get(code)
    }

    /// Resolves a code (any case) or a name/alias to its country.
    pub fn resolve(&self, text: &str) -> Option<&Country> {
        let t = text.trim();
        if t.len() == 2 {
            if let Some(c) = self.by_code.get(&t.to_ascii_uppercase()) {
                return Some(c);
            }
        }
        let folded = t.to_lowercase();
        self.by_code.values().find(|c| {
            c.name.to_lowercase() == folded || c.aliases.iter().any(|a| a.to_lowercase() == folded)
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Country> {
        self.by_code.values()
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}

/// A group's definition.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub id: String,
    pub name: String,
    /// Members as of the snapshot date.
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsFile {
    snapshot: String,
    citation: String,
    #[allow(dead_code)]
    source: Option<String>,
    group: Vec<GroupDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ChangeAction {
    Add,
    Remove,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    group: String,
    country: String,
    action: ChangeAction,
    date: String,
    citation: String,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreatAsDef {
    country: String,
    #[serde(rename = "as")]
    as_country: String,
    from: String,
    citation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesFile {
    #[serde(default)]
    change: Vec<Change>,
    #[serde(default)]
    treat_as: Vec<TreatAsDef>,
}

/// One dated change: when, what, and its citation.
type DatedChange = (NaiveDate, ChangeAction, String);

/// A period of membership, both ends inclusive, open where `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub citation: Option<String>,
}

impl Membership {
    fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// "Treat this territory as that country" (e.g. Hong Kong as China), from a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatAs {
    pub as_country: String,
    pub from: NaiveDate,
    pub citation: String,
}

/// Country groups with their membership history.
#[derive(Debug, Clone, Default)]
pub struct CountryGroups {
    pub snapshot: Option<NaiveDate>,
    /// SHA-256 over the snapshot and changes files.
    pub hash: String,
    pub citation: String,
    groups: BTreeMap<String, String>,
    by_country: HashMap<String, Vec<Membership>>,
    treat_as: HashMap<String, TreatAs>,
}

impl CountryGroups {
    /// Builds the history from the generated snapshot file and the
    /// hand-kept changes file, checking both against the country table.
    pub fn from_toml(
        snapshot_file: &str,
        snapshot_text: &str,
        changes_file: &str,
        changes_text: &str,
        countries: &CountryTable,
    ) -> Result<CountryGroups, DataError> {
        let snap: GroupsFile = toml::from_str(snapshot_text)
            .map_err(|e| DataError::toml(snapshot_file, &e, snapshot_text))?;
        let changes: ChangesFile = toml::from_str(changes_text)
            .map_err(|e| DataError::toml(changes_file, &e, changes_text))?;
        let snapshot_date = parse_date(snapshot_file, "snapshot", &snap.snapshot)?;
        let known = |file: &str, code: &str| -> Result<(), DataError> {
            if countries.get(code).is_none() {
                Err(DataError::new(
                    file,
                    format!("unknown country code {code:?}"),
                ))
            } else {
                Ok(())
            }
        };
        let mut groups = BTreeMap::new();
        let mut snapshot_members: BTreeSet<(String, String)> = BTreeSet::new();
        for g in &snap.group {
            groups.insert(g.id.clone(), g.name.clone());
            for m in &g.members {
                known(snapshot_file, m)?;
                snapshot_members.insert((g.id.clone(), m.clone()));
            }
        }
        // Changes per (group, country), in date order.
        let mut dated: BTreeMap<(String, String), Vec<DatedChange>> = BTreeMap::new();
        for (i, c) in changes.change.iter().enumerate() {
            let field = format!("change[{i}].date");
            let date = parse_date(changes_file, &field, &c.date)?;
            known(changes_file, &c.country)?;
            if !groups.contains_key(&c.group) {
                return Err(DataError::new(
                    changes_file,
                    format!("change[{i}]: unknown group {:?}", c.group),
                ));
            }
            if date > snapshot_date {
                return Err(DataError::new(
                    changes_file,
                    format!(
                        "change[{i}]: {} is after the snapshot date {snapshot_date}; update the snapshot instead",
                        c.date
                    ),
                ));
            }
            dated
                .entry((c.group.clone(), c.country.clone()))
                .or_default()
                .push((date, c.action, c.citation.clone()));
        }
        let mut by_country: HashMap<String, Vec<Membership>> = HashMap::new();
        for (group, country) in &snapshot_members {
            if !dated.contains_key(&(group.clone(), country.clone())) {
                by_country
                    .entry(country.clone())
                    .or_default()
                    .push(Membership {
                        group: group.clone(),
                        from: None,
                        to: None,
                        citation: None,
                    });
            }
        }
        for ((group, country), mut list) in dated {
            list.sort_by_key(|(d, _, _)| *d);
            let add = |map: &mut HashMap<String, Vec<Membership>>,
                       from: Option<NaiveDate>,
                       to: Option<NaiveDate>,
                       citation: Option<String>| {
                map.entry(country.clone()).or_default().push(Membership {
                    group: group.clone(),
                    from,
                    to,
                    citation,
                });
            };
            // Before the first change the state is the opposite of that change.
            let mut member = list[0].1 == ChangeAction::Remove;
            let mut since: Option<NaiveDate> = None;
            let mut since_citation: Option<String> = None;
            for (date, action, citation) in &list {
                let becomes = *action == ChangeAction::Add;
                if becomes == member {
                    return Err(DataError::new(
                        changes_file,
                        format!("{country} in {group}: change on {date} repeats the current state"),
                    ));
                }
                if member {
                    add(
                        &mut by_country,
                        since,
                        date.pred_opt(),
                        since_citation.clone(),
                    );
                }
                member = becomes;
                since = Some(*date);
                since_citation = Some(citation.clone());
            }
            let in_snapshot = snapshot_members.contains(&(group.clone(), country.clone()));
            if member != in_snapshot {
                return Err(DataError::new(
                    changes_file,
                    format!(
                        "{country} in {group}: the changes end with {} but the {snapshot_date} snapshot says {}",
                        if member { "member" } else { "not a member" },
                        if in_snapshot { "member" } else { "not a member" }
                    ),
                ));
            }
            if member {
                add(&mut by_country, since, None, since_citation);
            }
        }
        let mut treat_as = HashMap::new();
        for t in changes.treat_as {
            known(changes_file, &t.country)?;
            known(changes_file, &t.as_country)?;
            let from = parse_date(changes_file, "treat_as.from", &t.from)?;
            treat_as.insert(
                t.country,
                TreatAs {
                    as_country: t.as_country,
                    from,
                    citation: t.citation,
                },
            );
        }
        let hash =
            crate::pack::content_hash(&[snapshot_file, snapshot_text, changes_file, changes_text]);
        Ok(CountryGroups {
            hash,
            snapshot: Some(snapshot_date),
            citation: snap.citation,
            groups,
            by_country,
            treat_as,
        })
    }

    /// Adds the groups of another regime from a file in the snapshot format
    /// (e.g. Korea's destination zones). Their ids must be new.
    pub fn add_groups(
        &mut self,
        file: &str,
        text: &str,
        countries: &CountryTable,
    ) -> Result<(), DataError> {
        let parsed: GroupsFile =
            toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
        parse_date(file, "snapshot", &parsed.snapshot)?;
        for g in parsed.group {
            if self.groups.contains_key(&g.id) {
                return Err(DataError::new(
                    file,
                    format!("group {:?} is already defined", g.id),
                ));
            }
            for m in &g.members {
                if countries.get(m).is_none() {
                    return Err(DataError::new(
                        file,
                        format!("group {}: unknown country code {m:?}", g.id),
                    ));
                }
                self.by_country
                    .entry(m.clone())
                    .or_default()
                    .push(Membership {
                        group: g.id.clone(),
                        from: None,
                        to: None,
                        citation: Some(parsed.citation.clone()),
                    });
            }
            self.groups.insert(g.id.clone(), g.name.clone());
        }
        self.hash = crate::pack::content_hash(&[&self.hash, file, text]);
        Ok(())
    }

    /// The group ids and names.
    pub fn groups(&self) -> impl Iterator<Item = (&String, &String)> {
        self.groups.iter()
    }

    /// The country whose groups apply to `code` on `date` (Hong Kong → China).
    pub fn effective_country<'a>(&'a self, code: &'a str, date: NaiveDate) -> &'a str {
        match self.treat_as.get(code) {
            Some(t) if date >= t.from => &t.as_country,
            _ => code,
        }
    }

    /// The groups `code` belongs to on `date`, sorted.
    pub fn groups_of(&self, code: &str, date: NaiveDate) -> Vec<String> {
        let code = self.effective_country(code, date);
        let mut out: Vec<String> = self
            .by_country
            .get(code)
            .map(|ms| {
                ms.iter()
                    .filter(|m| m.contains(date))
                    .map(|m| m.group.clone())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out.dedup();
        out
    }
}

pub(crate) fn parse_date(file: &str, field: &str, text: &str) -> Result<NaiveDate, DataError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        DataError::new(
            file,
            format!("{field}: {text:?} is not a date (expected YYYY-MM-DD)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTRIES: &str = r#"
[[country]]
code = "AE"
name = "United Arab Emirates"
[[country]]
code = "CN"
name = "China"
[[country]]
code = "HK"
name = "Hong Kong"
[[country]]
code = "DE"
name = "Germany"
"#;
    const SNAP: &str = r#"
snapshot = "2026-07-23"
citation = "test"
[[group]]
id = "A:5"
name = "A5"
members = ["DE", "AE"]
[[group]]
id = "D:4"
name = "D4"
members = ["CN"]
"#;
    const CHANGES: &str = r#"
[[change]]
group = "A:5"
country = "AE"
action = "add"
date = "2026-07-10"
citation = "FR Doc 2026-14132"
[[change]]
group = "D:4"
country = "AE"
action = "remove"
date = "2026-07-10"
citation = "FR Doc 2026-14132"
[[treat_as]]
country = "HK"
as = "CN"
from = "2020-12-23"
citation = "85 FR 83765"
"#;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn membership_follows_history() {
        let t = CountryTable::from_toml("c.toml", COUNTRIES).unwrap();
        let g = CountryGroups::from_toml("g.toml", SNAP, "ch.toml", CHANGES, &t).unwrap();
        assert_eq!(g.groups_of("AE", d("2026-07-09")), vec!["D:4"]);
        assert_eq!(g.groups_of("AE", d("2026-07-10")), vec!["A:5"]);
        assert_eq!(g.groups_of("DE", d("2000-01-01")), vec!["A:5"]);
        assert_eq!(g.groups_of("HK", d("2024-01-01")), vec!["D:4"]);
        assert!(g.groups_of("HK", d("2019-01-01")).is_empty());
    }

    #[test]
    fn inconsistent_history_is_rejected() {
        let t = CountryTable::from_toml("c.toml", COUNTRIES).unwrap();
        let bad = CHANGES.replace("action = \"remove\"", "action = \"add\"");
        let err = CountryGroups::from_toml("g.toml", SNAP, "ch.toml", &bad, &t).unwrap_err();
        assert!(err.to_string().contains("ch.toml"), "{err}");
        assert!(err.to_string().contains("AE in D:4"), "{err}");
        let unknown = CHANGES.replace("\"AE\"", "\"XX\"");
        let err = CountryGroups::from_toml("g.toml", SNAP, "ch.toml", &unknown, &t).unwrap_err();
        assert!(
            err.to_string().contains("unknown country code \"XX\""),
            "{err}"
        );
    }
}
