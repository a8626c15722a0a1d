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
    replace: bool,
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
    if source.is_some_and(|s| s.trim().is_empty()) {
        return Err(bad_field(
            "source",
            "empty: name the source, or leave it out for the format's default",
        ));
    }
    let source = match source.map(str::trim) {
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
            replace,
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
    /// The party's own list hits (`LIST entry-id "name" (score)`): a party
    /// on a list is listed whatever its owners.
    pub listed: Vec<String>,
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
    let mut screened = parties::screen_parties_owned(
        screener,
        std::slice::from_ref(&party),
        &clearances,
        &ancestries,
        as_of,
    );
    // Shown on its own, the party has no role in a transaction.
    screened.views[0].label = format!("party {name:?}");
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
    let listed = screened
        .hits
        .iter()
        .filter(|h| h.owner.is_none())
        .map(|h| {
            format!(
                "{} {} {:?} ({:.2})",
                h.list, h.entry_id, h.entry_name, h.score
            )
        })
        .collect();
    Ok(Some(OwnersAnswer {
        listed,
        party: name.to_string(),
        as_of,
        found: ancestry.roots.clone(),
        owners,
        links,
        findings,
        lists: screener.version().hash.clone(),
    }))
}

/// What the ownership rules make of the whole graph in use.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub as_of: NaiveDate,
    pub entities: usize,
    pub links: usize,
    /// Entities on a list: an entry of the same folded name or the same LEI.
    pub listed: usize,
    pub rules: Vec<RuleEvaluation>,
    /// The lists' version.
    pub lists: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleEvaluation {
    pub jurisdiction: String,
    pub rule: String,
    pub rule_name: String,
    /// Why the rule does not bind on the date, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Entities on the rule's lists.
    pub listed: usize,
    /// Entities the rule catches through ownership.
    pub caught: usize,
    /// The first caught entities (by name), each with its paths.
    pub sample: Vec<CaughtEntity>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaughtEntity {
    pub name: String,
    pub paths: String,
}

/// The whole graph in use, with which entities are listed, as the core
/// computes on it. Entities are one node per key (LEI, source id or name).
pub struct WholeGraph {
    pub graph: exctl_core::ownership::OwnershipGraph,
    /// Per node, the list codes it is on.
    pub lists: Vec<Vec<String>>,
    pub links: usize,
}

/// Builds the graph in use on `as_of` and marks the listed entities: those
/// that share a folded name with an entry's name (primary or alias) or an
/// LEI with an entry's. Exact, not fuzzy: a whole graph of millions is
/// weighed in seconds this way; a party checked or shown is weighed with
/// its owners screened fuzzily.
pub fn whole_graph(
    entities: &[exctl_records::StoredEntity],
    links: &[exctl_records::StoredLink],
    screener: &Screener,
    as_of: NaiveDate,
) -> WholeGraph {
    use exctl_core::ownership::{name_key, OwnershipGraph};
    use std::collections::HashMap;
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    let mut by_lei: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in screener.entries() {
        for n in &e.names {
            let k = name_key(&n.text);
            if !k.is_empty() {
                by_name.entry(k).or_default().push(&e.list);
            }
        }
        for id in e.ids.iter().filter(|i| i.kind == "lei") {
            by_lei.entry(&id.number).or_default().push(&e.list);
        }
    }
    let mut graph = OwnershipGraph::with_capacity(entities.len());
    let mut node: HashMap<&str, u32> = HashMap::with_capacity(entities.len());
    let mut lists: Vec<Vec<String>> = Vec::with_capacity(entities.len());
    for e in entities {
        if node.contains_key(e.key.as_str()) {
            continue;
        }
        let n = graph.add_entity(e.name.clone());
        node.insert(&e.key, n);
        let mut on: Vec<String> = Vec::new();
        let hits = by_name.get(&name_key(&e.name)).into_iter().flatten().chain(
            e.key
                .strip_prefix("lei:")
                .and_then(|l| by_lei.get(l))
                .into_iter()
                .flatten(),
        );
        for l in hits {
            if !on.iter().any(|x| x == l) {
                on.push(l.to_string());
            }
        }
        lists.push(on);
    }
    let date = as_of.format("%Y-%m-%d").to_string();
    let mut count = 0;
    for l in links.iter().filter(|l| l.link.holds_on(&date)) {
        let (Some(&o), Some(&d)) = (
            node.get(l.link.owner_key.as_str()),
            node.get(l.link.owned_key.as_str()),
        ) else {
            continue;
        };
        if let Ok(link) = l.link.link() {
            if graph.merge_link(o, d, link).is_ok() {
                count += 1;
            }
        }
    }
    WholeGraph {
        graph,
        lists,
        links: count,
    }
}

/// Weighs every pack's ownership rules over the whole graph.
pub fn evaluate_graph(
    whole: &WholeGraph,
    data: &exctl_data::Data,
    as_of: NaiveDate,
    lists: String,
) -> Evaluation {
    use exctl_core::ownership::{propagate, verdict, Standing};
    let mut rules = Vec::new();
    for pack in &data.parties {
        for rule in &pack.ownership {
            let on_rule = |n: u32| {
                whole.lists[n as usize]
                    .iter()
                    .any(|l| rule.lists.iter().any(|r| r.eq_ignore_ascii_case(l)))
            };
            let seeds: Vec<u32> = (0..whole.graph.len() as u32)
                .filter(|&n| on_rule(n))
                .collect();
            let terms = rule.terms();
            let standing = propagate(&whole.graph, seeds.iter().copied(), &terms, None);
            let mut caught: Vec<u32> = standing
                .iter()
                .filter(|(_, s)| matches!(s, Standing::Caught { .. }))
                .map(|(n, _)| *n)
                .collect();
            let total = caught.len();
            caught.sort_by(|a, b| whole.graph.name(*a).cmp(whole.graph.name(*b)));
            let sample = caught
                .iter()
                .take(20)
                .map(|&n| {
                    let v = verdict(&whole.graph, n, &on_rule, &terms);
                    let label = |m: u32| whole.lists[m as usize].join(", ");
                    CaughtEntity {
                        name: whole.graph.name(n).to_string(),
                        paths: v.words(&label),
                    }
                })
                .collect();
            rules.push(RuleEvaluation {
                jurisdiction: pack.pack.clone(),
                rule: rule.id.clone(),
                rule_name: rule.name.clone(),
                status: rule.status(as_of),
                listed: seeds.len(),
                caught: total,
                sample,
            });
        }
    }
    Evaluation {
        as_of,
        entities: whole.graph.len(),
        links: whole.links,
        listed: whole.lists.iter().filter(|l| !l.is_empty()).count(),
        rules,
        lists,
    }
}

/// Loads the graph in use and weighs every pack's ownership rules over it.
pub async fn evaluate(
    store: &Store,
    data: &exctl_data::Data,
    screener: &Screener,
    as_of: NaiveDate,
) -> Result<Evaluation> {
    let (entities, links) = store
        .ownership_graph()
        .await
        .map_err(crate::instance::store_error)?;
    let whole = whole_graph(&entities, &links, screener, as_of);
    Ok(evaluate_graph(
        &whole,
        data,
        as_of,
        screener.version().hash.clone(),
    ))
}
