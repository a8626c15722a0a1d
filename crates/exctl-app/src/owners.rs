//! Ownership: importing who holds whom, and showing a party's owners with
//! what each pack's 50 % rules make of them.

use crate::parties::{self, Ancestries, Clearances};
use crate::{bad, bad_field};
use anyhow::Result;
use chrono::NaiveDate;
use exctl_core::parties::{OwnershipFinding, Party, Role};
use exctl_data::owners::{read_owners, OwnersFormat};
use exctl_records::{ImportReport, NewImport, Store};
use exctl_screen::Screener;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The formats `owners import` reads, for messages.
pub fn formats() -> String {
    OwnersFormat::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads an ownership file and records it as `source`'s new import.
/// Nothing is recorded unless the whole file reads.
pub async fn import(
    store: &Store,
    file_name: &str,
    bytes: Vec<u8>,
    format: Option<&str>,
    source: Option<&str>,
) -> Result<ImportReport> {
    let file_sha256 = hex::encode(Sha256::digest(&bytes));
    let text = exctl_core::error::utf8_text(file_name, bytes).map_err(|e| bad(e.to_string()))?;
    let format = match format {
        Some(f) => OwnersFormat::parse(f).ok_or_else(|| {
            bad_field(
                "format",
                format!("{f:?} is not an ownership format (one of {})", formats()),
            )
        })?,
        None => OwnersFormat::detect(&text).ok_or_else(|| {
            bad_field(
                "format",
                format!(
                    "{file_name}: not recognised as an ownership file: name its format (one of {})",
                    formats()
                ),
            )
        })?,
    };
    // By default a file is the latest reading of its format's source (your
    // declarations: `declared`), so a GLEIF file never replaces them.
    let source = match source.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None if format == OwnersFormat::Csv => "declared".to_string(),
        None => format.name().to_string(),
    };
    let source = source.as_str();
    let read = read_owners(file_name, &text, format, source).map_err(|e| bad(e.to_string()))?;
    let report = store
        .import_ownership(NewImport {
            source,
            format: format.name(),
            file_name,
            file_sha256: &file_sha256,
            entities: &read.entities,
            links: &read.links,
        })
        .await
        .map_err(crate::instance::store_error)?;
    Ok(report)
}

/// A party's owners and what the rules make of them.
#[derive(Debug, Clone, Serialize)]
pub struct OwnersAnswer {
    pub party: String,
    pub as_of: NaiveDate,
    /// The records' entities of that name.
    pub found: Vec<exctl_records::StoredEntity>,
    /// Every owner up the chains, with the list hits on each.
    pub owners: Vec<OwnerLine>,
    /// The holdings in force on the date, as `OWNER holds SHARE of OWNED (source)`.
    pub links: Vec<LinkLine>,
    /// Per pack and ownership rule, what it makes of the party.
    pub findings: Vec<PackFinding>,
    /// The lists screened against.
    pub lists: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnerLine {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `LIST entry-id "entry name" (score)` for each uncleared hit.
    pub hits: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkLine {
    pub owner: String,
    pub owned: String,
    pub holding: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackFinding {
    pub jurisdiction: String,
    #[serde(flatten)]
    pub finding: OwnershipFinding,
}

/// The records' ancestry of `name` and what every pack's ownership rules
/// make of it on `as_of`, its owners screened against `screener` with the
/// clearances on file. The item is taken to be one the packs control: an
/// owner on a list that reaches only controlled items counts.
pub async fn show(
    store: &Store,
    data: &exctl_data::Data,
    screener: &Screener,
    name: &str,
    as_of: NaiveDate,
) -> Result<OwnersAnswer> {
    let name = name.trim();
    if name.is_empty() {
        return Err(bad_field("party", "the name is empty"));
    }
    answer(store, data, screener, name, as_of).await?.ok_or_else(|| {
        anyhow::Error::from(exctl_records::Error::NotFound(format!(
            "{name:?} is not in the ownership records (names are compared folded: case, spaces and punctuation aside); import its owners first"
        )))
    })
}

/// [`show`], or `None` when the records do not know the name.
pub async fn answer(
    store: &Store,
    data: &exctl_data::Data,
    screener: &Screener,
    name: &str,
    as_of: NaiveDate,
) -> Result<Option<OwnersAnswer>> {
    let name = name.trim();
    let ancestry = store
        .ancestry(name)
        .await
        .map_err(crate::instance::store_error)?;
    if ancestry.roots.is_empty() {
        return Ok(None);
    }
    let party = Party {
        role: Role::EndUser,
        name: name.to_string(),
        country: None,
        owners: Vec::new(),
    };
    let mut ancestries = Ancestries::new();
    ancestries.insert(name.to_string(), ancestry.clone());
    let names = parties::screened_names_with(std::slice::from_ref(&party), &ancestries, as_of);
    let clearances: Clearances = crate::licences::clearances(store, &names).await?;
    let screened = parties::screen_parties_owned(
        screener,
        std::slice::from_ref(&party),
        &clearances,
        &ancestries,
        as_of,
    );
    let view = &screened.views[0];
    let mut owners = Vec::new();
    for n in 0..view.graph.len() as u32 {
        if n == view.node {
            continue;
        }
        let owner = view.graph.name(n);
        owners.push(OwnerLine {
            name: owner.to_string(),
            country: names
                .iter()
                .find(|(x, _)| x == owner)
                .and_then(|(_, c)| c.clone()),
            hits: view
                .hits
                .iter()
                .filter(|(m, _)| *m == n)
                .map(|(_, h)| {
                    format!(
                        "{} {} {:?} ({:.2})",
                        h.list, h.entry_id, h.entry_name, h.score
                    )
                })
                .collect(),
        });
    }
    let mut links = Vec::new();
    let date = as_of.format("%Y-%m-%d").to_string();
    for l in ancestry.links.iter().filter(|l| l.link.holds_on(&date)) {
        let who = |k: &str| {
            ancestry
                .entity(k)
                .map(|e| e.name.clone())
                .unwrap_or_else(|| k.to_string())
        };
        let holding = match l.link.link() {
            Ok(h) => h.to_string(),
            Err(e) => format!("unreadable ({e})"),
        };
        links.push(LinkLine {
            owner: who(&l.link.owner_key),
            owned: who(&l.link.owned_key),
            holding,
            source: l.source.clone(),
        });
    }
    let mut findings = Vec::new();
    for rules in &data.parties {
        for rule in &rules.ownership {
            if let Some(f) = rules.ownership_finding(rule, view, true, as_of, None) {
                findings.push(PackFinding {
                    jurisdiction: rules.pack.clone(),
                    finding: f,
                });
            }
        }
    }
    Ok(Some(OwnersAnswer {
        party: name.to_string(),
        as_of,
        found: ancestry.roots.clone(),
        owners,
        links,
        findings,
        lists: screener.version().hash.clone(),
    }))
}
