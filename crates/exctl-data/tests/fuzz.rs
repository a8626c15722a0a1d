//! Property-based fuzzing of every data parser a user can hand exctl: item
//! files (TOML and JSON), licence files, rule packs (metadata, rules and CEL
//! conditions), the vocabulary, country tables and party rules. Each returns
//! a value or an error naming the file; none may panic, and an item that
//! parses can always be decided. `EXCTL_FUZZ_CASES` raises the number of
//! cases for the long run of `scripts/fuzz`; failing seeds are kept in
//! a `proptest-regressions` file.

use chrono::NaiveDate;
use exctl_core::{Licence, Query, RulePack, Vocabulary};
use exctl_data::itemfile::parse_item_file;
use exctl_data::{load, Data, Files};
use proptest::prelude::*;
use std::sync::OnceLock;

fn cases(n: u32) -> u32 {
    std::env::var("EXCTL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| load(&Files::bundled()).expect("bundled data"))
}

fn resolve(name: &str) -> Result<exctl_core::Item, String> {
    data()
        .catalog
        .resolve(name)
        .map(|e| e.item.clone())
        .map_err(|e| e.to_string())
}

/// A number as TOML writes it, hostile ones included.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("1e308".to_string()),
        Just("\"12\"".to_string()),
        (0u32..100_000).prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

/// Item files close to the schema, so the fuzzer reaches the checks.
fn item_toml() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just("ic"),
        Just("computer"),
        Just("model"),
        Just("hbm"),
        Just("equipment"),
        Just("quantum-computer"),
        Just("nonsense"),
    ];
    let field = prop_oneof![
        number().prop_map(|n| format!("die_area_mm2 = {n}")),
        number().prop_map(|n| format!("io_bandwidth_gbps = {n}")),
        number().prop_map(|n| format!("memory_bandwidth_gbps = {n}")),
        number().prop_map(|n| format!("throughput = {{ int8 = {n}, fp16 = {n} }}")),
        number().prop_map(|n| format!("training_flop = {n}")),
        number().prop_map(|n| format!("bandwidth_gbps = {n}")),
        number().prop_map(|n| format!("area_mm2 = {n}")),
        (0u64..5_000_000_000).prop_map(|n| format!("ic_count = {n}")),
        Just("ic = \"H100\"".to_string()),
        Just("ic = \"no such chip\"".to_string()),
        Just("datacenter = true".to_string()),
        Just("release_date = \"2024-13-40\"".to_string()),
        Just("origin = \"ZZ\"".to_string()),
        number().prop_map(|n| format!("[params]\nqubits = {n}")),
        "[a-z_]{1,12} = [^\n\u{0}]{0,12}",
    ];
    (kind, prop::collection::vec(field, 0..6)).prop_map(|(k, fields)| {
        format!("kind = \"{k}\"\nname = \"fuzzed\"\n{}\n", fields.join("\n"))
    })
}

/// Rule files with arbitrary conditions and fields.
fn rule_toml() -> impl Strategy<Value = String> {
    let when = prop_oneof![
        Just("tpp >= 4800".to_string()),
        Just("tpp >= 'x'".to_string()),
        Just("end_use in ['civil', 'nope']".to_string()),
        Just("'D:5' in dest_groups && pd > 1.0 / 0.0".to_string()),
        Just("[1,2,3].all(x, x > tpp)".to_string()),
        Just("unknown_name == 1".to_string()),
        "[a-z_ '()=<>&|!.0-9\\[\\],]{0,40}",
    ];
    let kind = prop_oneof![
        Just("control"),
        Just("requirement"),
        Just("exception"),
        Just("review_policy"),
        Just("other"),
    ];
    let date = prop_oneof![
        Just("2023-11-17".to_string()),
        Just("2020-02-30".to_string()),
        Just("not a date".to_string()),
        Just(String::new()),
    ];
    (when, kind, date.clone(), date, any::<bool>()).prop_map(|(w, k, from, to, otherwise)| {
        format!(
            "[[rule]]\nid = \"fuzz.rule\"\nkind = \"{k}\"\ntitle = \"t\"\ncitation = \"c\"\n\
             effective_from = \"{from}\"\neffective_to = \"{to}\"\ncontrol = \"3A090.a\"\n\
             otherwise = {otherwise}\nwhen = {w:?}\n"
        )
    })
}

fn licence_toml() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("number = \"D123\"".to_string()),
        Just("jurisdiction = \"us\"".to_string()),
        Just("items = [\"H100\"]".to_string()),
        Just("destinations = [\"AE\"]".to_string()),
        number().prop_map(|n| format!("quantity = {n}")),
        number().prop_map(|n| format!("value = {n}")),
        Just("valid_from = \"2026-01-01\"".to_string()),
        Just("valid_to = \"2025-01-01\"".to_string()),
        "[a-z_]{1,12} = [^\n\u{0}]{0,12}",
    ];
    prop::collection::vec(field, 0..9).prop_map(|v| v.join("\n"))
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 1).expect("date")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn item_files_never_panic_and_parsed_items_can_be_decided(text in item_toml()) {
        if let Ok(item) = parse_item_file("fuzz.toml", &text, &resolve) {
            let engine = &data().engine;
            let q = Query::check(&item, "CN", as_of());
            if engine.validate(&q).is_ok() {
                let d = engine.decide(&q);
                prop_assert!(!d.determinations.is_empty());
            }
        }
        let as_json = text.replace(" = ", "\": ");
        let _ = parse_item_file("fuzz.json", &as_json, &resolve);
    }

    #[test]
    fn item_files_never_panic_on_any_text(text in "\\PC{0,200}") {
        let _ = parse_item_file("fuzz.toml", &text, &resolve);
        let _ = parse_item_file("fuzz.json", &text, &resolve);
    }

    #[test]
    fn rule_packs_never_panic(rules in prop::collection::vec(rule_toml(), 1..4), meta in "\\PC{0,80}") {
        let vocab = &data().engine.vocab;
        let good_meta = "id = \"fuzz\"\nname = \"n\"\nauthority = \"a\"\nversion = \"1\"\ndescription = \"d\"\n";
        let files: Vec<(String, String)> = rules.iter().enumerate().map(|(i, r)| (format!("r{i}.toml"), r.clone())).collect();
        let _ = RulePack::build("pack.toml", good_meta, &files, vocab);
        let _ = RulePack::build("pack.toml", &meta, &files, vocab);
    }

    #[test]
    fn licence_files_never_panic(text in licence_toml(), raw in "\\PC{0,120}") {
        let _ = Licence::from_text("fuzz.toml", &text);
        let _ = Licence::from_text("fuzz.toml", &raw);
        let _ = Licence::from_text("fuzz.json", &raw);
    }

    #[test]
    fn vocabulary_countries_and_party_rules_never_panic(text in "\\PC{0,200}") {
        let _ = Vocabulary::from_toml("parameters.toml", &text);
        let _ = exctl_core::CountryTable::from_toml("countries.toml", &text);
        let _ = exctl_core::parties::PartyRules::from_toml("us", "parties.toml", &text);
    }
}
