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
    let decision = data.engine.decide(&query);
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
