//! JSON views shared by the command line's `--json` and the server: one
//! documented shape for each.

use chrono::NaiveDate;
use exctl_core::{Decision, Rule, RulePack, RuleStatus};
use exctl_data::Data;
use serde_json::{json, Value};

/// The catalog: each entry with its metrics (TPP, PD, H100-equivalents…).
pub fn catalog_json(data: &Data) -> Value {
    Value::Array(
        data.catalog
            .entries()
            .iter()
            .map(|e| {
                let m = e.item.metrics_with(data.engine.h100_tpp);
                json!({
                    "id": e.item.id,
                    "name": e.item.name,
                    "kind": e.item.kind.name(),
                    "vendor": e.item.vendor,
                    "family": e.item.family,
                    "release_date": e.item.release_date,
                    "aliases": e.aliases,
                    "metrics": m,
                    "sources": e.sources,
                    "notes": e.notes,
                })
            })
            .collect(),
    )
}

/// The facts a transaction may state, with their closed sets of values:
/// what a form offers, so that nothing outside the vocabulary is sent.
/// The rule packs a check may answer for; an opt-in pack answers only when
/// named.
pub fn jurisdictions_json(data: &Data) -> Value {
    Value::Array(
        data.engine
            .packs
            .iter()
            .map(|p| {
                json!({
                    "id": p.meta.id,
                    "name": p.meta.name,
                    "authority": p.meta.short_authority.clone().unwrap_or_else(|| p.meta.id.to_uppercase()),
                    "version": p.meta.version,
                    "opt_in": p.meta.opt_in,
                    "notice": p.meta.notice,
                    "scope": p.meta.scope,
                })
            })
            .collect(),
    )
}

pub fn vocabulary_json(data: &Data) -> Value {
    Value::Array(
        data.engine
            .vocab
            .iter()
            .filter(|p| p.scope == exctl_core::vocab::Scope::Transaction)
            .map(|p| {
                json!({
                    "name": p.name,
                    "type": p.type_name,
                    "label": p.label,
                    "description": p.description,
                    "question": p.question,
                    "values": p.values,
                    "answer": data.engine.vocab.answer(&p.name),
                })
            })
            .collect(),
    )
}

/// The countries and territories a check may name, by code and name.
pub fn countries_json(data: &Data) -> Value {
    let mut all: Vec<_> = data.engine.countries.iter().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Value::Array(
        all.into_iter()
            .map(|c| json!({ "code": c.code, "name": c.name }))
            .collect(),
    )
}

/// `a / base`, when both are known and `base` is not zero.
pub fn ratio(a: Option<f64>, base: Option<f64>) -> Option<f64> {
    match (a, base) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// Items side by side, with ratios to the first.
pub fn compare_json(decisions: &[Decision]) -> Value {
    let base = &decisions[0].item.metrics;
    Value::Array(
        decisions
            .iter()
            .map(|d| {
                let m = &d.item.metrics;
                json!({
                    "item": d.item,
                    "ratios_to_first": {
                        "tpp": ratio(m.tpp, base.tpp),
                        "pd": ratio(m.pd, base.pd),
                        "int8_tops": ratio(m.int8_tops, base.int8_tops),
                        "training_flop": ratio(m.training_flop, base.training_flop),
                    },
                    "controls": d.determinations.iter().map(|x| json!({"jurisdiction": x.jurisdiction, "controls": x.controls})).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// The rules in force (or noted) on a date, with citations and status.
pub fn rules_json(
    as_of: NaiveDate,
    rules: &[(&RulePack, &Rule, RuleStatus)],
    vocab: &exctl_core::Vocabulary,
) -> Value {
    // Each threshold box as a list of bounds with the parameter's label and unit.
    let boxes = |r: &Rule| -> Vec<Vec<Value>> {
        r.def
            .thresholds
            .iter()
            .map(|b| {
                b.iter()
                    .map(|(var, bound)| {
                        json!({"parameter": var, "label": vocab.label(var), "unit": vocab.unit(var),
                               "min": bound.min, "max": bound.max})
                    })
                    .collect()
            })
            .collect()
    };
    json!({
        "as_of": as_of,
        "rules": rules.iter().map(|(p, r, st)| json!({
            "jurisdiction": p.meta.id,
            "id": r.def.id,
            "kind": r.def.kind,
            "title": r.def.title,
            "citation": r.def.citation,
            "control": r.def.control,
            "paragraph": r.def.paragraph,
            "outcome": matches!(r.def.kind, exctl_core::RuleKind::Requirement).then(|| r.outcome),
            "exception": r.def.exception,
            "review_policy": r.def.review_policy,
            "effective_from": r.from,
            "effective_to": r.to,
            "compliance_from": r.compliance_from,
            "not_enforced_from": r.not_enforced_from,
            "status": st,
            "when": r.def.when,
            "thresholds": boxes(r),
            "ccl": r.def.ccl,
            "source_quality": r.def.source_quality.as_deref().unwrap_or("primary"),
            "source_gap": r.def.source_gap,
            "law": r.law_text,
        })).collect::<Vec<_>>(),
    })
}
