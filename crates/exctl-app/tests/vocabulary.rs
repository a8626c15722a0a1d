//! Closed vocabularies: no value outside a parameter's declared set may make
//! an answer more lenient than `needs_info`. Every such value is refused
//! before any rule reads it; every value inside the set is accepted.

use exctl_app::check::{prepare, CheckRequest};
use exctl_app::BadInput;
use exctl_core::Outcome;
use exctl_data::Data;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| exctl_data::load(&exctl_data::Files::bundled()).expect("bundled data"))
}

/// Parameters with a closed set that some rule (or the engine, for the end
/// use) reads, with their type.
fn closed_parameters() -> Vec<(String, String, Vec<String>)> {
    let d = data();
    let read: std::collections::BTreeSet<&str> = d
        .engine
        .packs
        .iter()
        .flat_map(|p| p.rules.iter())
        .flat_map(|r| r.references.iter().map(String::as_str))
        .collect();
    let out: Vec<_> = d
        .engine
        .vocab
        .iter()
        .filter(|p| read.contains(p.name.as_str()))
        // Item parameters come from item files, checked on their own (below).
        .filter(|p| p.scope != exctl_core::vocab::Scope::Item)
        .filter_map(|p| {
            p.values
                .clone()
                .map(|v| (p.name.clone(), p.type_name.clone(), v))
        })
        .collect();
    assert!(
        out.iter().any(|(n, ..)| n == "end_use") && out.iter().any(|(n, ..)| n == "red_flags"),
        "end_use and red_flags have closed sets"
    );
    out
}

const ITEMS: [&str; 4] = ["H100", "H20", "RTX 4090", "MI300X"];
const DESTINATIONS: [&str; 5] = ["DE", "CN", "AE", "MY", "RU"];

fn request(item: &str, to: &str, name: &str, ty: &str, value: &str) -> CheckRequest {
    let mut r = CheckRequest {
        item: item.into(),
        to: to.into(),
        end_user_hq: Some(to.into()),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 7, 1),
        ..CheckRequest::default()
    };
    // Red flags reviewed, so that an accepted value would decide the answer.
    r.facts
        .insert("red_flags".into(), serde_json::json!("none"));
    if name == "end_use" {
        r.end_use = Some(value.into());
    } else if ty == "list" {
        r.facts
            .insert(name.into(), serde_json::json!([value.to_string()]));
    } else {
        r.facts.insert(name.into(), serde_json::json!(value));
    }
    r
}

fn outcome_of(r: CheckRequest) -> Result<Outcome, String> {
    let d = data();
    let item = d
        .catalog
        .resolve(&r.item)
        .expect("catalog item")
        .item
        .clone();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).expect("date");
    match prepare(d, &item, r, today) {
        Ok(p) => Ok(p.decision.overall.expect("a destination gives an outcome")),
        Err(e) => {
            assert!(
                e.downcast_ref::<BadInput>().is_some(),
                "a refusal is the user's input, not a failure: {e}"
            );
            Err(e.to_string())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("EXCTL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn a_value_outside_the_vocabulary_is_never_lenient(
        value in "[a-zA-Z0-9 _-]{1,30}",
        item in 0..ITEMS.len(),
        to in 0..DESTINATIONS.len(),
        which in 0usize..16,
    ) {
        let params = closed_parameters();
        let (name, ty, allowed) = &params[which % params.len()];
        let folded = value.trim().to_lowercase();
        prop_assume!(!allowed.contains(&folded) && folded != "none" && !folded.is_empty());
        match outcome_of(request(ITEMS[item], DESTINATIONS[to], name, ty, &value)) {
            Err(msg) => {
                // The refusal names the allowed values.
                prop_assert!(msg.contains(&allowed[0]), "{msg}");
            }
            Ok(o) => prop_assert!(
                o.rank() >= Outcome::NeedsInfo.rank(),
                "{name}={value:?} gave {o:?}"
            ),
        }
    }

    #[test]
    fn every_value_inside_the_vocabulary_is_accepted(
        item in 0..ITEMS.len(),
        to in 0..DESTINATIONS.len(),
        which in 0usize..16,
        pick in 0usize..64,
        upper in any::<bool>(),
    ) {
        let params = closed_parameters();
        let (name, ty, allowed) = &params[which % params.len()];
        let mut value = allowed[pick % allowed.len()].clone();
        if upper && name == "end_use" {
            value = format!("  {}  ", value.to_uppercase());
        }
        let r = request(ITEMS[item], DESTINATIONS[to], name, ty, &value);
        prop_assert!(outcome_of(r).is_ok());
    }
}

#[test]
fn the_examples_that_failed_open_are_refused_with_the_nearest_value() {
    let facts = |k: &str, v: serde_json::Value| BTreeMap::from([(k.to_string(), v)]);
    let base = CheckRequest {
        item: "H100".into(),
        to: "DE".into(),
        end_user_hq: Some("DE".into()),
        ..CheckRequest::default()
    };
    let e = outcome_of(CheckRequest {
        to: "CN".into(),
        end_user_hq: Some("CN".into()),
        end_use: Some("super-computer".into()),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("did you mean \"supercomputer\""), "{e}");
    let e = outcome_of(CheckRequest {
        end_use: Some("supercomputer development".into()),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("allowed: civil"), "{e}");
    let e = outcome_of(CheckRequest {
        facts: facts("red_flags", serde_json::json!("transhipment-route")),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("did you mean \"transshipment-route\""), "{e}");
    let e = outcome_of(CheckRequest {
        facts: facts("red_flags", serde_json::json!("nope")),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("\"none\" states that none applies"), "{e}");
    // The free-text note is kept but never read.
    let noted = outcome_of(CheckRequest {
        end_use: Some("civil".into()),
        end_use_note: Some("supercomputer development for a university".into()),
        facts: facts("red_flags", serde_json::json!("none")),
        ..base.clone()
    })
    .unwrap();
    let plain = outcome_of(CheckRequest {
        end_use: Some("civil".into()),
        facts: facts("red_flags", serde_json::json!("none")),
        ..base
    })
    .unwrap();
    assert_eq!(noted, plain);
}

#[test]
fn a_pack_rule_comparing_with_a_value_outside_the_vocabulary_does_not_load() {
    let mut files = exctl_data::Files::bundled();
    let path = "packs/us/rules/red-flags.toml";
    let text = files.get(path).expect("bundled").replace(
        "'transshipment-route' in red_flags",
        "'transhipment-route' in red_flags",
    );
    files.insert(path, &text);
    let e = exctl_data::load(&files).unwrap_err().to_string();
    assert!(e.contains(path) && e.contains("transhipment-route"), "{e}");
    assert!(e.contains("did you mean \"transshipment-route\""), "{e}");
    // Read anywhere but in a comparison with a literal, no check could tell
    // a misspelling: such rules do not load, however far off the text is.
    for form in [
        "red_flags.exists(f, f == 'Residential-Adress')",
        "['transhipment-route'].exists(x, x in red_flags)",
        "red_flags.exists(f, f.startsWith('resid'))",
        "('tranship' + 'ment-route') in red_flags",
        "['resid-addr'][0] in red_flags",
        "(true ? 'resid-addr' : 'x') in red_flags",
        "{'k': 'resid-addr'}.k in red_flags",
        "red_flags.filter(f, f == 'x').size() > 0",
    ] {
        let mut files = exctl_data::Files::bundled();
        let text = files
            .get(path)
            .expect("bundled")
            .replace("'transshipment-route' in red_flags", form);
        files.insert(path, &text);
        let e = exctl_data::load(&files).unwrap_err().to_string();
        assert!(e.contains("compare it only with literals"), "{form}: {e}");
    }
}

#[test]
fn empty_ambiguous_or_repeated_answers_are_refused() {
    let base = CheckRequest {
        item: "H100".into(),
        to: "DE".into(),
        end_use: Some("civil".into()),
        end_user_hq: Some("DE".into()),
        ..CheckRequest::default()
    };
    let with = |v: serde_json::Value| CheckRequest {
        facts: BTreeMap::from([("red_flags".to_string(), v)]),
        ..base.clone()
    };
    // Silence is not "none": an empty or blank answer, an empty item, or
    // "none" beside a flag is refused.
    for v in [
        serde_json::json!(""),
        serde_json::json!(" , "),
        serde_json::json!("transshipment-route,,evasive-end-use"),
        serde_json::json!("none,transshipment-route"),
        serde_json::json!(["none", "transshipment-route"]),
        serde_json::json!([]),
    ] {
        let e = outcome_of(with(v.clone())).unwrap_err();
        assert!(e.contains("red_flags"), "{v}: {e}");
    }
    // "none" alone, as text or as the one element, is the empty list.
    let none = outcome_of(with(serde_json::json!("none"))).unwrap();
    assert_eq!(none, outcome_of(with(serde_json::json!(["none"]))).unwrap());
    assert_eq!(none, Outcome::NoLicenseRequired);
    // A fact given twice in a body is refused before anything is read.
    let body = r#"{"item": "H100", "to": "DE",
        "facts": {"red_flags": ["transshipment-route"], "red_flags": "none"}}"#;
    let e = serde_json::from_str::<CheckRequest>(body).unwrap_err();
    assert!(e.to_string().contains("stated twice"), "{e}");
    // The end use is stated as the end use only.
    let e = outcome_of(CheckRequest {
        end_use: None,
        facts: BTreeMap::from([("end_use".to_string(), serde_json::json!("military"))]),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("not as a fact"), "{e}");
    // The headquarters given two ways must agree.
    let e = outcome_of(CheckRequest {
        facts: BTreeMap::from([("end_user_hq".to_string(), serde_json::json!("CN"))]),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.contains("end_user_hq: given twice"), "{e}");
    let agreeing = CheckRequest {
        facts: BTreeMap::from([
            ("end_user_hq".to_string(), serde_json::json!("de")),
            ("red_flags".to_string(), serde_json::json!("none")),
        ]),
        ..base
    };
    assert_eq!(outcome_of(agreeing).unwrap(), Outcome::NoLicenseRequired);
}

#[test]
fn a_closed_item_parameter_outside_its_set_is_refused_with_the_nearest_value() {
    let d = data();
    let mut item = exctl_core::Item {
        id: "qc".into(),
        name: "QC".into(),
        vendor: None,
        family: None,
        origin: None,
        release_date: None,
        release_date_partial: false,
        kind: exctl_core::item::ItemKind::Other {
            name: "quantum-computer".into(),
        },
        extra: BTreeMap::new(),
        product: None,
    };
    item.extra.insert(
        "quantum_model".into(),
        exctl_core::FactValue::Str("anealing".into()),
    );
    item.extra
        .insert("qubits".into(), exctl_core::FactValue::Num(5000.0));
    let q = exctl_core::Query::classify(
        &item,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
    );
    let err = d
        .engine
        .validate(&q)
        .expect_err("a misspelt model is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("quantum_model") && msg.contains("annealing"),
        "{msg}"
    );
    item.extra.insert(
        "quantum_model".into(),
        exctl_core::FactValue::Str("annealing".into()),
    );
    let q = exctl_core::Query::classify(
        &item,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
    );
    assert!(d.engine.validate(&q).is_ok());
}
