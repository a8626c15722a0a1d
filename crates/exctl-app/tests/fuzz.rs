//! Property-based fuzzing of what the API and the command line take for a
//! check: JSON bodies (as `POST /api/v1/check` deserialises them), party
//! specs and `--fact` values. Each is refused as the user's input or decided;
//! none may panic or fail as a system error. `EXCTL_FUZZ_CASES` raises the
//! number of cases for the long run of `scripts/fuzz`.

use exctl_app::check::{prepare, CheckRequest, PartyIn};
use exctl_app::{parse_fact, BadInput};
use exctl_core::parties::Role;
use exctl_data::Data;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn cases(n: u32) -> u32 {
    std::env::var("EXCTL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| exctl_data::load(&exctl_data::Files::bundled()).expect("bundled data"))
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("H100")),
        Just(json!("CN")),
        Just(json!("civil")),
        Just(json!(["transshipment-route"])),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies shaped like a check, each field possibly hostile.
fn check_body() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        any_json().prop_map(|v| ("item", v)),
        any_json().prop_map(|v| ("to", v)),
        any_json().prop_map(|v| ("as_of", v)),
        any_json().prop_map(|v| ("end_use", v)),
        any_json().prop_map(|v| ("end_user_hq", v)),
        any_json().prop_map(|v| ("facts", v)),
        any_json().prop_map(|v| ("end_user", v)),
        any_json().prop_map(|v| ("intermediates", v)),
        any_json().prop_map(|v| ("quantity", v)),
        any_json().prop_map(|v| ("jurisdictions", v)),
        Just(("facts", json!({"red_flags": "nope", "deemed": "maybe"}))),
        Just((
            "end_user",
            json!({"name": "X", "owners": [{"name": "Y", "percent": 1e308}]})
        )),
        Just(("as_of", json!("2026-02-30"))),
    ];
    prop::collection::vec(field, 0..6).prop_map(|fields| {
        let mut body = serde_json::Map::new();
        body.insert("item".into(), json!("H100"));
        body.insert("to".into(), json!("CN"));
        for (k, v) in fields {
            body.insert(k.into(), v);
        }
        Value::Object(body)
    })
}

fn decide(body: &Value) -> Result<(), TestCaseError> {
    let Ok(request) = serde_json::from_value::<CheckRequest>(body.clone()) else {
        return Ok(());
    };
    let d = data();
    let Ok(entry) = d.catalog.resolve(&request.item) else {
        return Ok(());
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).expect("date");
    if let Err(e) = prepare(d, &entry.item.clone(), request, today) {
        prop_assert!(
            e.downcast_ref::<BadInput>().is_some(),
            "a refusal must be the user's input (400), not a failure (500): {e}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn check_bodies_are_refused_or_decided(body in check_body()) {
        decide(&body)?;
    }

    #[test]
    fn any_json_body_is_refused_or_decided(body in any_json()) {
        decide(&body)?;
    }

    #[test]
    fn party_specs_and_facts_never_panic(spec in "\\PC{0,60}", fact in "\\PC{0,40}") {
        let _ = PartyIn::parse(Role::EndUser, &spec);
        let _ = PartyIn::parse(Role::Intermediate, &format!("{spec};owner={spec}:50;country={spec}"));
        let _ = parse_fact(&fact);
    }
}
