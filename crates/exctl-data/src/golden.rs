//! Golden cases: expected determinations kept as data beside each rule pack.
//!
//! Each case names an item (catalog name or inline definition), a date and
//! optionally a destination, and states what the pack must answer. A case
//! only checks the fields it states.

use crate::itemfile::{build_item, ItemDef, Origin};
use crate::Data;
use exctl_core::{DataError, FactValue, Facts, Outcome, Query};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoldenFile {
    case: Vec<GoldenCase>,
}

/// One expected determination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    pub name: String,
    /// Catalog name of the item.
    pub item: Option<String>,
    /// Or an inline item in the item-file schema.
    pub item_def: Option<ItemDef>,
    /// Destination; absent means a classification.
    pub to: Option<String>,
    pub as_of: String,
    pub end_use: Option<String>,
    #[serde(default)]
    pub facts: BTreeMap<String, FactValue>,
    /// Expected outcome of this pack.
    pub outcome: Option<String>,
    /// Expected controls, exactly.
    pub controls: Option<Vec<String>>,
    /// Expected paragraphs, exactly.
    pub paragraphs: Option<Vec<String>>,
    /// Text the review policy must contain.
    pub review_policy: Option<String>,
    /// Licence exception symbol that must be offered.
    pub exception: Option<String>,
    /// A fact that must be asked for.
    pub question: Option<String>,
    /// A rule id that must appear among the reasons.
    pub reason: Option<String>,
    /// A rule id that must appear among the notes (matched, not binding).
    pub note: Option<String>,
    /// Rule ids of the obligations listed, exactly (`[]`: none).
    pub obligations: Option<Vec<String>>,
    /// A party the case weighs under the pack's party rules (`parties.toml`).
    pub party: Option<String>,
    /// Its role: `end_user` unless stated.
    pub role: Option<String>,
    /// Entities on a list, as screening would find them (the party itself
    /// or any of its owners).
    #[serde(default)]
    pub listed: Vec<GoldenListed>,
    /// The holdings above the party, as the ownership records would hold them.
    #[serde(default)]
    pub holding: Vec<GoldenHolding>,
}

/// An entity a case puts on a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenListed {
    pub name: String,
    /// List code as screening reports it (`SDN`, `EL`, `EU`, `UK`…).
    pub list: String,
}

/// One holding: `owner` owns `share` percent of `owned` (no share: unstated),
/// or controls it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenHolding {
    pub owner: String,
    pub owned: String,
    pub share: Option<f64>,
    #[serde(default)]
    pub controls: bool,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub file: String,
    pub name: String,
    /// Empty when the case passed.
    pub failures: Vec<String>,
}

/// Parses a golden file.
pub fn parse(file: &str, text: &str) -> Result<Vec<GoldenCase>, DataError> {
    let parsed: GoldenFile = toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
    Ok(parsed.case)
}

/// Runs every golden case of a pack.
pub fn run_pack(data: &Data, pack: &str) -> Result<Vec<CaseResult>, DataError> {
    let mut out = Vec::new();
    for (file, text) in data.golden.get(pack).cloned().unwrap_or_default() {
        for case in parse(&file, &text)? {
            out.push(run_case(data, pack, &file, &text, &case)?);
        }
    }
    Ok(out)
}

/// What a case asks: its item, date and stated facts.
#[derive(Debug, Clone)]
pub struct CaseInput {
    pub item: exctl_core::Item,
    pub as_of: chrono::NaiveDate,
    pub facts: Facts,
}

/// Builds a case's item, date and facts (for properties run over the cases).
pub fn case_input(
    data: &Data,
    file: &str,
    text: &str,
    case: &GoldenCase,
) -> Result<CaseInput, DataError> {
    let bad = |m: String| DataError::in_entry(file, &format!("case {:?}", case.name), m);
    let item = match (&case.item, &case.item_def) {
        (Some(name), None) => data
            .catalog
            .resolve(name)
            .map_err(|e| bad(e.to_string()))?
            .item
            .clone(),
        (None, Some(def)) => {
            let resolve = |n: &str| {
                data.catalog
                    .resolve(n)
                    .map(|e| e.item.clone())
                    .map_err(|e| e.to_string())
            };
            build_item(def, &Origin { file, text }, &resolve)?
        }
        _ => return Err(bad("give exactly one of `item` and `item_def`".into())),
    };
    let as_of = chrono::NaiveDate::parse_from_str(&case.as_of, "%Y-%m-%d")
        .map_err(|_| bad(format!("as_of {:?} is not YYYY-MM-DD", case.as_of)))?;
    let mut facts = Facts::default();
    for (k, v) in &case.facts {
        facts.set(k, v.clone());
    }
    Ok(CaseInput { item, as_of, facts })
}

/// The screening hits and ownership view a case's parties amount to.
fn case_parties(
    case: &GoldenCase,
    known_lists: &[&str],
) -> Result<
    (
        Vec<exctl_core::parties::ListHit>,
        exctl_core::parties::OwnershipView,
    ),
    String,
> {
    use exctl_core::ownership::{name_key, Link, OwnershipGraph, Share};
    let name = case
        .party
        .clone()
        .ok_or("`listed` and `holding` need the `party` they are about")?;
    let role = match &case.role {
        None => exctl_core::parties::Role::EndUser,
        Some(r) => {
            exctl_core::parties::Role::parse(r).ok_or_else(|| format!("unknown role {r:?}"))?
        }
    };
    let mut graph = OwnershipGraph::new();
    let mut nodes: BTreeMap<String, u32> = BTreeMap::new();
    let root = graph.add_entity(name.clone());
    nodes.insert(name_key(&name), root);
    let mut node = |graph: &mut OwnershipGraph, n: &str| {
        *nodes
            .entry(name_key(n))
            .or_insert_with(|| graph.add_entity(n.to_string()))
    };
    let mut owned_nodes = Vec::new();
    for h in &case.holding {
        let link = match (h.share, h.controls) {
            (Some(_), true) => {
                return Err(format!(
                    "holding {} → {}: give a share or `controls`, not both",
                    h.owner, h.owned
                ))
            }
            (Some(p), false) => Link::Owns(Share::from_percent(p).map_err(|e| e.to_string())?),
            (None, true) => Link::Controls,
            (None, false) => Link::OwnsUnstated,
        };
        let (o, d) = (node(&mut graph, &h.owner), node(&mut graph, &h.owned));
        graph.merge_link(o, d, link).map_err(|e| e.to_string())?;
        owned_nodes.push(d);
    }
    // Every listed entity and holding must bear on the party: a misspelt
    // name would otherwise leave a case that passes for the wrong reason.
    let mut above: std::collections::HashSet<u32> = graph.ancestors(root).into_iter().collect();
    above.insert(root);
    for (h, owned) in case.holding.iter().zip(&owned_nodes) {
        if !above.contains(owned) {
            return Err(format!(
                "holding {} → {}: {:?} is not {name:?} nor one of its owners",
                h.owner, h.owned, h.owned
            ));
        }
    }
    let mut hits = Vec::new();
    let mut view_hits = Vec::new();
    for l in &case.listed {
        if !known_lists.iter().any(|k| k.eq_ignore_ascii_case(&l.list)) {
            return Err(format!(
                "listed {}: list {:?} is not one any pack weighs nor a list screening reads ({})",
                l.name,
                l.list,
                known_lists.join(", ")
            ));
        }
        let n = node(&mut graph, &l.name);
        if !above.contains(&n) {
            return Err(format!(
                "listed {}: not {name:?} nor one of its owners in the case's holdings",
                l.name
            ));
        }
        let hit = exctl_core::parties::ListHit {
            role,
            party: name.clone(),
            owner: (n != root).then(|| l.name.clone()),
            owner_share: None,
            list: l.list.clone(),
            list_name: l.list.clone(),
            entry_id: l.name.clone(),
            entry_name: l.name.clone(),
            score: 1.0,
            license_requirement: None,
            license_policy: None,
            federal_register_notice: None,
        };
        if n == root {
            hits.push(hit);
        } else {
            view_hits.push((n, hit));
        }
    }
    let view = exctl_core::parties::OwnershipView {
        role,
        party: name.clone(),
        label: format!("{role} {name:?}"),
        graph,
        node: root,
        hits: view_hits,
    };
    Ok((hits, view))
}

fn run_case(
    data: &Data,
    pack: &str,
    file: &str,
    text: &str,
    case: &GoldenCase,
) -> Result<CaseResult, DataError> {
    let bad = |m: String| DataError::in_entry(file, &format!("case {:?}", case.name), m);
    let CaseInput { item, as_of, facts } = case_input(data, file, text, case)?;
    let query = Query {
        item: &item,
        as_of,
        destination: case.to.clone(),
        end_use: case.end_use.clone(),
        facts,
        jurisdictions: vec![pack.to_string()],
        explain: false,
    };
    data.engine
        .validate(&query)
        .map_err(|e| bad(e.to_string()))?;
    let mut decision = data.engine.decide(&query);
    if case.party.is_some() || !case.listed.is_empty() || !case.holding.is_empty() {
        // Lists a pack weighs, and the UN's, which screening reads and no
        // pack weighs.
        let mut known: Vec<&str> = data.parties.iter().flat_map(|r| r.lists()).collect();
        known.push("UN");
        known.sort_unstable();
        known.dedup();
        let (hits, view) = case_parties(case, &known).map_err(bad)?;
        let rules = data
            .parties
            .iter()
            .find(|r| r.pack == pack)
            .ok_or_else(|| {
                bad(format!(
                    "the case names parties, but pack {pack:?} has no parties.toml"
                ))
            })?;
        rules.apply(&mut decision, &hits, &[view], &query.facts);
    }
    let d = decision
        .determinations
        .first()
        .ok_or_else(|| bad("pack gave no determination".into()))?;
    let mut failures = Vec::new();
    if let Some(o) = &case.outcome {
        let expected = Outcome::parse(o).ok_or_else(|| bad(format!("unknown outcome {o:?}")))?;
        if d.outcome != Some(expected) {
            failures.push(format!(
                "outcome: expected {expected}, got {}",
                d.outcome
                    .map_or("none (classification)".into(), |o| o.to_string())
            ));
        }
    }
    let mut sorted = |label: &str, expected: &Option<Vec<String>>, got: &[String]| {
        if let Some(e) = expected {
            let mut e = e.clone();
            e.sort();
            let mut g = got.to_vec();
            g.sort();
            if e != g {
                failures.push(format!("{label}: expected {e:?}, got {g:?}"));
            }
        }
    };
    sorted("controls", &case.controls, &d.controls);
    sorted("paragraphs", &case.paragraphs, &d.paragraphs);
    if let Some(p) = &case.review_policy {
        if !d
            .review_policy
            .as_deref()
            .is_some_and(|r| r.contains(p.as_str()))
        {
            failures.push(format!(
                "review_policy: expected text {p:?}, got {:?}",
                d.review_policy
            ));
        }
    }
    if let Some(x) = &case.exception {
        if !d.exceptions.iter().any(|e| &e.exception == x) {
            failures.push(format!(
                "exception: expected {x}, got {:?}",
                d.exceptions
                    .iter()
                    .map(|e| &e.exception)
                    .collect::<Vec<_>>()
            ));
        }
    }
    if let Some(qf) = &case.question {
        if !d.questions.iter().any(|q| &q.fact == qf) {
            failures.push(format!(
                "question: expected one about {qf}, got {:?}",
                d.questions.iter().map(|q| &q.fact).collect::<Vec<_>>()
            ));
        }
    }
    if let Some(r) = &case.reason {
        if !d.reasons.iter().any(|x| &x.rule == r) {
            failures.push(format!(
                "reason: expected rule {r}, got {:?}",
                d.reasons.iter().map(|x| &x.rule).collect::<Vec<_>>()
            ));
        }
    }
    if let Some(r) = &case.note {
        if !d.notes.iter().any(|x| &x.rule == r) {
            failures.push(format!(
                "note: expected rule {r}, got {:?}",
                d.notes.iter().map(|x| &x.rule).collect::<Vec<_>>()
            ));
        }
    }
    if let Some(want) = &case.obligations {
        let got: Vec<&String> = d.obligations.iter().map(|x| &x.rule).collect();
        if got.len() != want.len() || want.iter().any(|w| !got.contains(&w)) {
            failures.push(format!("obligations: expected {want:?}, got {got:?}"));
        }
    }
    Ok(CaseResult {
        file: file.to_string(),
        name: case.name.clone(),
        failures,
    })
}
