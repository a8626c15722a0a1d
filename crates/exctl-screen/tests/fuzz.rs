//! Property-based fuzzing: every list parser, the normaliser and the
//! screener take arbitrary input without panicking. Bounded in time by the
//! number of cases (`PROPTEST_CASES` raises it for a longer run).

use exctl_screen::parse::{
    decode, parse_csl_csv, parse_csl_json, parse_dpl, parse_ftm, parse_un_xml, parse_user_csv,
};
use exctl_screen::{EntityType, Entry, ListSet, Query, Screener, SourceInfo, Strength};
use proptest::prelude::*;

fn country(s: &str) -> Option<String> {
    (s.len() == 2).then(|| s.to_ascii_uppercase())
}

fn all_parsers(bytes: &[u8]) {
    if let Ok(text) = decode("fuzz", bytes) {
        let _ = parse_csl_csv("fuzz", text, &country);
        let _ = parse_csl_json("fuzz", text, &country);
        let _ = parse_un_xml("fuzz", text, &country);
        let _ = parse_dpl("fuzz", text, &country);
        let _ = parse_ftm("fuzz", text, &country);
        let _ = parse_user_csv("fuzz", text, &country);
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
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_near_formats(text in near_format()) {
        all_parsers(text.as_bytes());
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
