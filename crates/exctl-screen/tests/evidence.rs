//! Identifiers and dates of birth beside the name: an equal identifier is
//! decisive, another number of the same kind or a birth year far from the
//! list's lowers the score, each with its explanation line.

mod support;

use exctl_screen::{PartyId, Query, Screener, DEFAULT_THRESHOLD};

const LIST: &str = "source,entity_number,type,programs,name,alt_names,addresses,ids,dates_of_birth
Specially Designated Nationals (SDN) - Treasury Department,1,Individual,X,\"IVANOV, Ivan Ivanovich\",,RU,\"Passport, 7512345678, RU; Gender, Male\",1961-10-01
Specially Designated Nationals (SDN) - Treasury Department,2,Entity,X,ACME TRADING LLC,,RU,\"Public Registration Number, 1027739108649; Website, acme.ru\",
Specially Designated Nationals (SDN) - Treasury Department,3,Entity,X,OLD STYLE CO,,US,\"US, 80-0890696, Tax ID No.; Subject to Secondary Sanctions, Additional Sanctions Information -\",
";

fn screener() -> Screener {
    support::csl_screener(LIST)
}

fn query(name: &str, dob: Option<&str>, ids: &[&str]) -> Query {
    Query {
        name: name.to_string(),
        birth_date: dob.map(str::to_string),
        ids: ids.iter().filter_map(|s| PartyId::parse(s)).collect(),
        ..Query::default()
    }
}

#[test]
fn list_identifiers_are_read_in_both_csl_layouts() {
    let s = screener();
    let ids: Vec<(String, String)> = s
        .entries()
        .iter()
        .flat_map(|e| e.ids.iter().map(|i| (i.kind.clone(), i.number.clone())))
        .collect();
    assert!(
        ids.contains(&("passport".into(), "7512345678".into())),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("registration".into(), "1027739108649".into())),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("tax-id".into(), "800890696".into())),
        "{ids:?}"
    );
    assert_eq!(
        ids.len(),
        3,
        "gender, website and directives are not identifiers: {ids:?}"
    );
    assert_eq!(s.entries()[0].birth_dates, ["1961-10-01"]);
}

#[test]
fn an_equal_identifier_is_decisive_whatever_the_name() {
    let s = screener();
    let m = s.screen(
        &query(
            "Totally Other Name",
            None,
            &["registration:1027-7391-08649"],
        ),
        5,
        DEFAULT_THRESHOLD,
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].entry_id, "2");
    assert!(m[0].score >= 0.99);
    assert!(m[0].explanation.evidence[0].contains("the same party"));
}

#[test]
fn an_identifier_decides_even_when_the_name_is_only_a_legal_form() {
    let s = screener();
    // "LLC" alone leaves no name to compare: without an identifier nothing
    // is found, with the entry's registration number the entry is.
    assert!(s.screen(&query("LLC", None, &[]), 5, 0.0).is_empty());
    let m = s.screen(
        &query("LLC", None, &["registration:1027739108649"]),
        5,
        DEFAULT_THRESHOLD,
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].entry_id, "2");
    assert!(m[0].score >= 0.99);
    assert_eq!(m[0].explanation.name_score, 0.0);
    assert!(m[0].explanation.evidence[0].contains("the same party"));
    // A number no entry holds finds nothing.
    assert!(s
        .screen(&query("LLC", None, &["registration:999999999"]), 5, 0.0)
        .is_empty());
}

#[test]
fn another_number_of_the_same_kind_or_a_distant_birth_year_lowers_the_score() {
    let s = screener();
    let plain = s.screen(&query("Ivan Ivanov", None, &[]), 5, 0.0)[0].score;
    let near = s.screen(&query("Ivan Ivanov", Some("1962"), &[]), 5, 0.0)[0].clone();
    assert_eq!(near.score, plain, "a year apart agrees");
    assert!(near.explanation.evidence[0].starts_with("born 1962"));
    let far = s.screen(&query("Ivan Ivanov", Some("1975-03-02"), &[]), 5, 0.0)[0].clone();
    assert!(
        (plain - far.score - 0.1).abs() < 1e-9,
        "{plain} {}",
        far.score
    );
    let other = s.screen(&query("Ivan Ivanov", None, &["passport:1111111"]), 5, 0.0)[0].clone();
    assert!((plain - other.score - 0.15).abs() < 1e-9);
    assert!(other.explanation.evidence[0].contains("differs"));
    // A number of another kind says nothing.
    let unrelated = s.screen(
        &query("Ivan Ivanov", None, &["lei:5493001KJTIIGC8Y1R12"]),
        5,
        0.0,
    )[0]
    .score;
    assert_eq!(unrelated, plain);
}

#[test]
fn identifier_kinds_are_recognised_and_numbers_need_a_digit() {
    assert_eq!(PartyId::kind_of("Passport"), Some("passport"));
    assert_eq!(
        PartyId::kind_of("Unified Social Credit Code (USCC)"),
        Some("uscc")
    );
    assert_eq!(PartyId::kind_of("Gender"), None);
    assert!(PartyId::new("passport", "ABCDE").is_none());
    assert!(PartyId::new("passport", "12").is_none());
    assert_eq!(PartyId::parse("imo:IMO 8898831").unwrap().number, "8898831");
    let vessel = PartyId::new("Vessel Registration Identification", "IMO 9187629").unwrap();
    assert_eq!(
        (vessel.kind.as_str(), vessel.number.as_str()),
        ("imo", "9187629")
    );
    for kind in [
        "passport",
        "national-id",
        "tax-id",
        "registration",
        "uscc",
        "lei",
        "imo",
        "swift",
        "vat",
    ] {
        assert_eq!(
            PartyId::kind_of(kind),
            Some(kind),
            "every documented kind is read"
        );
    }
    assert_eq!(
        PartyId::kind_of("Tax Identification Number"),
        Some("tax-id")
    );
    assert_eq!(PartyId::kind_of("Legal Entity Number"), Some("lei"));
}
