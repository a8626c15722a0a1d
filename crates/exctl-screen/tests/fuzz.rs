//! Property-based fuzzing: every list parser (OFAC's four files included),
//! the normaliser and the screener take arbitrary input without panicking.
//! Bounded by the number of cases: `EXCTL_FUZZ_CASES` raises it for the long
//! run of `scripts/fuzz`. A failing case is kept: proptest writes its seed to a
//! `proptest-regressions` file, and a minimised input goes in `tests/regressions/`,
//! which [`kept_regressions_still_parse_without_panicking`] replays.

use exctl_screen::parse::{
    decode, parse_csl_csv, parse_csl_json, parse_dpl, parse_eu_xml, parse_ftm, parse_ofac,
    parse_ofac_xml, parse_ofsi_csv, parse_uk_csv, parse_uk_xml, parse_un_xml, parse_user_csv,
    OfacFiles,
};
use exctl_screen::{EntityType, Entry, ListSet, Query, Screener, SourceInfo, Strength};
use proptest::prelude::*;

fn country(s: &str) -> Option<String> {
    (s.len() == 2).then(|| s.to_ascii_uppercase())
}

/// Cases per property: `EXCTL_FUZZ_CASES`, else `n`.
fn cases(n: u32) -> u32 {
    std::env::var("EXCTL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

/// OFAC's quartet (primary, alternate names, addresses, comments) from four blobs.
fn ofac(primary: &[u8], alt: &[u8], add: &[u8], comments: &[u8]) {
    let files = OfacFiles {
        primary: "sdn.csv".into(),
        alt: Some("alt.csv".into()),
        add: Some("add.csv".into()),
        comments: Some("sdn_comments.csv".into()),
        consolidated: false,
    };
    let blobs = [
        ("sdn.csv".to_string(), primary.to_vec()),
        ("alt.csv".to_string(), alt.to_vec()),
        ("add.csv".to_string(), add.to_vec()),
        ("sdn_comments.csv".to_string(), comments.to_vec()),
    ];
    let _ = parse_ofac(&files, &blobs, &country);
    let only = OfacFiles {
        alt: None,
        add: None,
        comments: None,
        consolidated: true,
        ..files
    };
    let _ = parse_ofac(&only, &blobs[..1], &country);
}

fn all_parsers(bytes: &[u8]) {
    ofac(bytes, bytes, bytes, bytes);
    if let Ok(text) = decode("fuzz", bytes) {
        let _ = parse_csl_csv("fuzz", text, &country);
        let _ = parse_csl_json("fuzz", text, &country);
        let _ = parse_un_xml("fuzz", text, &country);
        let _ = parse_dpl("fuzz", text, &country);
        let _ = parse_ftm("fuzz", text, &country);
        let _ = parse_user_csv("fuzz", text, &country);
        let _ = parse_ofac_xml("fuzz", text, false, &country);
        let _ = parse_ofac_xml("fuzz", text, true, &country);
        let _ = parse_eu_xml("fuzz", text, &country);
        let _ = parse_uk_xml("fuzz", text, &country);
        let _ = parse_uk_csv("fuzz", text, &country);
        let _ = parse_ofsi_csv("fuzz", text, &country);
    }
}

/// Text that looks like the formats, so the fuzzer gets past the headers.
fn near_format() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("source,entity_number,type,programs,name,alt_names\n".to_string()),
        Just("name,aliases,country,list,note\n".to_string()),
        Just("\"Name\"\t\"Street_Address\"\t\"Country\"\n".to_string()),
        Just(
            "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>"
                .to_string()
        ),
        Just("{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"name\":[".to_string()),
        Just("{\"results\":[{\"source\":\"EL\",\"name\":".to_string()),
        Just(
            "<sdnList><publshInformation><Record_Count>1</Record_Count></publshInformation><sdnEntry><uid>1</uid><lastName>"
                .to_string()
        ),
        Just(
            "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\"><sanctionEntity logicalId=\"1\"><nameAlias wholeName=\""
                .to_string()
        ),
        Just("<Designations><Designation><UniqueID>1</UniqueID><Names><Name><Name6>".to_string()),
        Just("Report Date: 08-Oct-2026\nUnique ID,Name 6,Name type,Designation Type\n".to_string()),
        Just("Last Updated,13/05/2022\nName 6,Group Type,Alias Type,Group ID\n".to_string()),
        "[^\u{0}]{0,40}",
        Just(",".to_string()),
        Just("\"".to_string()),
        Just(";".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn parsers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_near_formats(text in near_format()) {
        all_parsers(text.as_bytes());
    }

    #[test]
    fn ofac_never_panics_on_near_rows(
        primary in ofac_rows(12),
        alt in ofac_rows(5),
        add in ofac_rows(6),
        comments in ofac_rows(2),
    ) {
        ofac(primary.as_bytes(), alt.as_bytes(), add.as_bytes(), comments.as_bytes());
    }

    #[test]
    fn screening_any_name_never_panics(name in "\\PC{0,60}", listed in "\\PC{1,40}") {
        let mut e = Entry::new("T", "test", "1");
        e.add_name(&listed, Strength::Strong, true);
        e.entity_type = EntityType::Entity;
        if e.names.is_empty() {
            return Ok(());
        }
        let mut set = ListSet::default();
        set.add(SourceInfo { file: "t".into(), format: "t".into(), entries: 1, date: None, sha256: String::new() }, vec![e]);
        let s = Screener::new(set);
        for m in s.screen(&Query::name(&name), 5, 0.0) {
            prop_assert!((0.0..=1.0).contains(&m.score), "score {} out of range", m.score);
        }
        // A name always matches itself fully.
        let own = s.screen(&Query::name(&listed), 1, 0.0);
        if exctl_screen::normalize::forms(&listed).iter().any(|f| f.native.is_none()) {
            prop_assert!(own.first().is_some_and(|m| m.score >= 0.99), "{listed:?} did not match itself: {own:?}");
        }
    }
}

/// OFAC-like CSV rows of `width` fields: numbers, `-0-`, quotes and
/// remarks with `a.k.a.` fragments, so the fuzzer reaches the joins.
fn ofac_rows(width: usize) -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("-0-".to_string()),
        "[0-9]{1,4}",
        Just("\"a.k.a. 'X'; a.k.a. 'Y'.\"".to_string()),
        Just("\"\"".to_string()),
        Just("[SDGT] [IRGC]".to_string()),
        "[^\u{0}\n]{0,20}",
    ];
    let row =
        prop::collection::vec(field, width.saturating_sub(1)..=width + 1).prop_map(|v| v.join(","));
    prop::collection::vec(row, 0..8).prop_map(|rows| rows.join("\n"))
}

#[test]
fn kept_regressions_still_parse_without_panicking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("tests/regressions") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        all_parsers(&std::fs::read(&p).expect("readable"));
        n += 1;
    }
    assert!(n > 0, "no kept cases in {}", dir.display());
}
