//! The packs against the law's published text: the bundled CCL and country
//! groups are what the importers make of the eCFR snapshots in
//! `../shared/data/eccn-mcp-seelpeed/`, the dated group history ends in the
//! published table, and a rule whose paragraph or numbers leave the text
//! does not load.
//!
//! The snapshot tests need `../shared/data`: under `CI=true` its absence
//! fails them; elsewhere they skip with a message.

use chrono::NaiveDate;
use exctl_data::{load, Files};
use std::path::PathBuf;

fn snapshot(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/eccn-mcp-seelpeed")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{}: {e} (CI needs ../shared/data)",
                path.display()
            );
            eprintln!("skipping: ../shared/data/eccn-mcp-seelpeed/{name} is absent");
            None
        }
    }
}

#[test]
fn the_bundled_ccl_is_the_importers_reading_of_the_published_snapshot() {
    let Some(json) = snapshot("ccl.json") else {
        return;
    };
    let made = exctl_data::import::ccl_from_ecfr_json("ccl.json", &json).expect("imports");
    let bundled = Files::bundled();
    let ours = bundled.get("packs/us/ccl.json").expect("bundled");
    assert!(
        made == ours,
        "packs/us/ccl.json differs from `exctl data import-ccl ../shared/data/eccn-mcp-seelpeed/ccl.json`: regenerate it"
    );
}

#[test]
fn the_importer_keeps_note_lists_out_of_the_entrys_paragraphs() {
    let Some(json) = snapshot("ccl.json") else {
        return;
    };
    let made = exctl_data::import::ccl_from_ecfr_json("ccl.json", &json).expect("imports");
    let ccl = exctl_core::law::Ccl::from_json("ccl.json", &made).expect("reads back");
    // 3A090's Note 1 has its own a.–d.; the entry's paragraphs are a, b, c.
    let e = ccl.entry("3A090").expect("3A090");
    let labels: Vec<&str> = e.paragraphs.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["a", "a.1", "a.2", "b", "b.1", "b.2", "c"]);
    assert!(ccl
        .paragraph_text("3A090.b.1")
        .unwrap()
        .contains("2400 or more and less than 4800"));
    // 3A991.p's technical notes carry a. and b. of their own.
    assert!(ccl.resolve("3A991.p.2").is_some());
    assert!(ccl
        .paragraph_text("3A991.p")
        .unwrap()
        .contains("150 Gbyte/s"));
    // The run-on 3E001/3E002 entry is split in two.
    assert!(ccl.entry("3E002").is_some());
    assert!(ccl.entry("3E001").unwrap().paragraphs.is_empty());
    assert!(ccl.resolve("3E001.a").is_none());
}

#[test]
fn group_history_on_the_snapshot_date_is_the_published_table() {
    let Some(json) = snapshot("country-groups.json") else {
        return;
    };
    let data = load(&Files::bundled()).expect("bundled data loads");
    let published: serde_json::Value = serde_json::from_str(&json).expect("json");
    let date = NaiveDate::parse_from_str(
        published["ecfrIssueDate"].as_str().expect("ecfrIssueDate"),
        "%Y-%m-%d",
    )
    .expect("date");
    let groups = published["groups"].as_object().expect("groups");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (group, names) in groups {
        let listed: Vec<String> = names
            .as_array()
            .expect("names")
            .iter()
            .map(|n| {
                let n = n.as_str().expect("name");
                data.engine
                    .countries
                    .resolve(n)
                    .unwrap_or_else(|| panic!("{n:?} is not in countries.toml"))
                    .code
                    .clone()
            })
            .collect();
        for country in data.engine.countries.iter() {
            // Hong Kong has no row of its own: it is treated as China.
            if country.code == "HK" {
                continue;
            }
            checked += 1;
            let member = data
                .engine
                .groups
                .groups_of(&country.code, date)
                .contains(group);
            if member != listed.contains(&country.code) {
                mismatches.push(format!(
                    "{} in {group} on {date}: history says {member}, the table says {}",
                    country.code, !member
                ));
            }
        }
    }
    assert!(checked > 1000, "only {checked} memberships checked");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn dated_group_changes_apply_on_their_effective_dates() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let on = |code: &str, date: &str| {
        data.engine
            .groups
            .groups_of(code, NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap())
    };
    let has = |code: &str, date: &str, group: &str| on(code, date).iter().any(|g| g == group);
    // Cambodia: D:5 from 2021-12-09 (86 FR 70015) until 2026-02-03.
    assert!(!has("KH", "2021-12-08", "D:5"));
    assert!(has("KH", "2021-12-09", "D:5"));
    assert!(has("KH", "2026-02-02", "D:5"));
    assert!(!has("KH", "2026-02-03", "D:5"));
    assert!(has("KH", "2026-02-03", "D:1"));
    // Nicaragua: B to D:1 and D:5 on 2024-03-15 (89 FR 18780).
    assert!(has("NI", "2024-03-14", "B") && !has("NI", "2024-03-14", "D:5"));
    assert!(!has("NI", "2024-03-15", "B") && has("NI", "2024-03-15", "D:5"));
    // The UAE: out of D:3 and D:4, into A:5 on 2026-07-10 (FR Doc 2026-14132).
    assert!(has("AE", "2026-07-09", "D:3") && has("AE", "2026-07-09", "D:4"));
    assert!(!has("AE", "2026-07-10", "D:3") && !has("AE", "2026-07-10", "D:4"));
    assert!(has("AE", "2026-07-10", "A:5"));
}

/// The us pack with one rule file replaced.
fn with_rule_edit(file: &str, from: &str, to: &str) -> Result<exctl_data::Data, String> {
    let mut files = Files::bundled();
    let text = files.get(file).expect("rule file").to_string();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    files.insert(file, &text.replacen(from, to, 1));
    load(&files).map_err(|e| e.to_string())
}

#[test]
fn a_rule_naming_a_paragraph_the_ccl_lacks_does_not_load() {
    let err = with_rule_edit(
        "packs/us/rules/classification.toml",
        "ccl = \"3A090.a.1\"",
        "ccl = \"3A090.a.9\"",
    )
    .unwrap_err();
    assert!(
        err.contains("3A090.a.9") && err.contains("nearest"),
        "{err}"
    );
}

#[test]
fn a_threshold_the_text_does_not_state_does_not_load() {
    let err = with_rule_edit(
        "packs/us/rules/classification.toml",
        // (The declared chart threshold follows the condition.)
        "when = \"datacenter && tpp >= 1600 && pd >= 5.92\"\nthresholds = [{ tpp = { min = 1600 }, pd = { min = 5.92 } }]",
        "when = \"datacenter && tpp >= 1600 && pd >= 5.29\"\nthresholds = [{ tpp = { min = 1600 }, pd = { min = 5.29 } }]",
    )
    .unwrap_err();
    assert!(err.contains("5.29") && err.contains("3A090.a.2"), "{err}");
}

#[test]
fn a_historical_rule_is_checked_against_its_federal_register_quote() {
    // The 2022 rule's 600 GB/s is not in today's CCL; its FR quote carries it.
    let err = with_rule_edit(
        "packs/us/rules/classification.toml",
        "when = \"tpp >= 4800 && io_bw >= 600\"\nthresholds = [{ tpp = { min = 4800 }, io_bw = { min = 600 } }]",
        "when = \"tpp >= 4800 && io_bw >= 500\"\nthresholds = [{ tpp = { min = 4800 }, io_bw = { min = 500 } }]",
    )
    .unwrap_err();
    assert!(err.contains("500") && err.contains("source_text"), "{err}");
}

#[test]
fn a_control_rule_without_its_paragraph_does_not_load() {
    let err = with_rule_edit(
        "packs/us/rules/classification.toml",
        "ccl = \"3A090.c\"\n",
        "",
    )
    .unwrap_err();
    assert!(
        err.contains("names its paragraph") || err.contains("names no CCL paragraph"),
        "{err}"
    );
}

#[test]
fn a_quote_that_is_not_the_laws_words_does_not_load() {
    let err = with_rule_edit(
        "packs/us/rules/classification.toml",
        "ccl = \"3A090.a.2\"\n",
        "ccl = \"3A090.a.2\"\nsource_text = \"A 'total processing performance' of 1600 or more and a 'performance density' of 5.29 or more.\"\n",
    )
    .unwrap_err();
    assert!(err.contains("not words of"), "{err}");
}

#[test]
fn a_secondary_rule_must_say_what_primary_text_is_missing() {
    let file = "packs/us/rules/notices.toml";
    let text = Files::bundled().get(file).expect("rule file").to_string();
    let start = text
        .find("\nsource_gap = ")
        .expect("a secondary rule with a gap");
    let end = start + 1 + text[start + 1..].find('\n').expect("line end");
    let err = with_rule_edit(file, &text[start..end], "").unwrap_err();
    assert!(err.contains("needs source_gap"), "{err}");
}

#[test]
fn korean_quotes_are_words_of_the_foreign_trade_act() {
    let Some(json) = snapshot("korean-law.json") else {
        return;
    };
    let law: serde_json::Value = serde_json::from_str(&json).expect("json");
    // Every string in the file, normalised: the quote must be inside one.
    let mut texts = Vec::new();
    let mut stack = vec![&law];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => texts.push(exctl_core::law::normalise(s)),
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    let data = load(&Files::bundled()).expect("bundled data loads");
    let kr = data.engine.pack("kr").expect("kr pack");
    let mut quoted = 0;
    for rule in &kr.rules {
        if let Some(q) = &rule.def.source_text {
            quoted += 1;
            let q = exctl_core::law::normalise(q);
            assert!(
                texts.iter().any(|t| t.contains(&q)),
                "rule {}: source_text is not words of the Foreign Trade Act as published",
                rule.def.id
            );
        }
    }
    assert!(quoted >= 2, "only {quoted} Korean rules quote the Act");
}

#[test]
fn every_licence_requirement_states_its_review_policy_or_says_there_is_none() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let mut silent = Vec::new();
    for pack in &data.engine.packs {
        let covered: Vec<&String> = pack
            .rules
            .iter()
            .filter(|r| r.def.kind == exctl_core::RuleKind::ReviewPolicy)
            .flat_map(|r| &r.def.covers)
            .collect();
        for r in &pack.rules {
            if r.def.kind == exctl_core::RuleKind::Requirement
                && r.outcome == exctl_core::Outcome::LicenseRequired
                && r.def
                    .review_policy
                    .as_deref()
                    .is_none_or(|p| p.trim().is_empty())
                && !covered.contains(&&r.def.id)
            {
                silent.push(format!("{}: {}", pack.meta.id, r.def.id));
            }
        }
    }
    assert!(
        silent.is_empty(),
        "requirements with no review policy: {silent:?}"
    );
}

fn equipment(eccn: &str) -> exctl_core::Item {
    let mut extra = std::collections::BTreeMap::new();
    extra.insert(
        "equipment_type".to_string(),
        exctl_core::FactValue::Str("etch".into()),
    );
    extra.insert("eccn".to_string(), exctl_core::FactValue::Str(eccn.into()));
    exctl_core::Item {
        id: "e".into(),
        name: "Etcher".into(),
        vendor: None,
        family: None,
        origin: None,
        release_date: None,
        release_date_partial: false,
        kind: exctl_core::item::ItemKind::Other {
            name: "equipment".into(),
        },
        extra,
        product: None,
    }
}

#[test]
fn a_stated_eccn_is_read_as_the_ccl_writes_it_and_must_be_one_of_its_paragraphs() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let date = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let outcome = |eccn: &str| {
        let item = equipment(eccn);
        let q = exctl_core::Query {
            item: &item,
            as_of: date,
            destination: Some("CN".into()),
            end_use: Some("civil".into()),
            facts: exctl_core::Facts::default(),
            jurisdictions: vec!["us".into()],
            explain: false,
        };
        data.engine.validate(&q).map_err(|e| e.to_string())?;
        Ok::<_, String>(data.engine.decide(&q).overall)
    };
    let exact = outcome("3B001.c.1.a").expect("accepted");
    assert_eq!(exact, Some(exctl_core::Outcome::LicenseRequired));
    // Case and spaces do not change what the law says.
    assert_eq!(outcome("3b001.C.1.A").unwrap(), exact);
    assert_eq!(outcome(" 3B001.c.1.a ").unwrap(), exact);
    // A paragraph the CCL does not have is refused with the nearest ones.
    let err = outcome("3B001.z.9").unwrap_err();
    assert!(
        err.contains("not a paragraph") && err.contains("3B001."),
        "{err}"
    );
    let err = outcome("3B0O1.c").unwrap_err();
    assert!(err.contains("not an ECCN"), "{err}");
}

#[test]
fn item_parameters_are_declared_typed_and_in_their_set() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let date = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let refused = |name: &str, value: exctl_core::FactValue| {
        let mut item = equipment("3B001.f.1.b");
        item.extra.insert(name.to_string(), value);
        let q = exctl_core::Query::classify(&item, date);
        data.engine.validate(&q).map_err(|e| e.to_string()).err()
    };
    use exctl_core::FactValue::{Num, Str};
    let e = refused("mrf_nm", Str("forty".into())).expect("text for a number");
    assert!(e.contains("expects a number"), "{e}");
    let e = refused("mrf_nn", Num(38.0)).expect("misspelt name");
    assert!(e.contains("mrf_nm"), "{e}");
    let e = refused("mrf_nm", Num(-5.0)).expect("negative figure");
    assert!(e.contains("non-negative"), "{e}");
    let e = refused("equipment_type", Str("EUV-Lithography".into())).expect("outside the set");
    assert!(e.contains("euv-lithography"), "{e}");
    let e = refused("end_user_hq", Str("CN".into())).expect("a transaction fact on an item");
    assert!(e.contains("fact of the transaction"), "{e}");
    assert_eq!(refused("mrf_nm", Num(38.0)), None);
}

#[test]
fn a_primary_threshold_with_no_text_behind_it_does_not_load() {
    // The 2026 band without its quotation: its 21,000 would rest on nothing.
    let file = "packs/us/rules/licensing.toml";
    let text = Files::bundled().get(file).expect("rule file").to_string();
    let at = text
        .find("id = \"us.policy.china-band.2026\"")
        .expect("the band rule");
    let start = at + text[at..].find("\nsource_text = ").expect("its quotation");
    let end = start + 1 + text[start + 1..].find('\n').expect("line end");
    let err = with_rule_edit(file, &text[start..end], "").unwrap_err();
    assert!(err.contains("quotes no text"), "{err}");
}

#[test]
fn item_fields_and_derived_figures_cannot_be_restated_as_params() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let mut item = data.catalog.resolve("H100").expect("H100").item.clone();
    item.extra
        .insert("tpp".into(), exctl_core::FactValue::Num(10.0));
    let q = exctl_core::Query::classify(&item, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    let err = data
        .engine
        .validate(&q)
        .expect_err("a stated TPP")
        .to_string();
    assert!(err.contains("derived"), "{err}");
    let mut tech = equipment("EAR99");
    tech.kind = exctl_core::item::ItemKind::Other {
        name: "technology".into(),
    };
    tech.extra.clear();
    tech.extra.insert(
        "for_control".into(),
        exctl_core::FactValue::Str("3E001".into()),
    );
    let q = exctl_core::Query::classify(&tech, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    let err = data
        .engine
        .validate(&q)
        .expect_err("a technology ECCN")
        .to_string();
    assert!(err.contains("technology ECCN"), "{err}");
}
