//! Every list format, read from the real samples in ../shared/data, and the
//! ways a list can be broken.

mod support;

use exctl_screen::parse::{
    parse_csl_csv, parse_csl_json, parse_dpl, parse_ftm, parse_un_xml, parse_user_csv,
};
use exctl_screen::{load_path, EntityType, Format, Strength};
use std::path::Path;
use support::country;

#[test]
fn csl_csv_both_layouts() {
    let Some(old) = support::load("watchman-moov/csl/csl_sample_2019-12.csv") else {
        return;
    };
    assert_eq!(old.entries.len(), 115);
    let el = old.entries.iter().filter(|e| e.list == "EL").count();
    assert_eq!(el, 22, "22 Entity List rows in the 2019 sample");
    assert_eq!(old.entries.iter().filter(|e| e.list == "DPL").count(), 8);
    let Some(new) = support::load("watchman-moov/csl/csl_sample_2025-06.csv") else {
        return;
    };
    assert_eq!(new.entries.len(), 13);
    assert_eq!(
        new.entries[0].id, "233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b",
        "the _id column is the entry id"
    );
    let Some(full) = support::load("csl-2026-07/consolidated.csv") else {
        return;
    };
    assert_eq!(full.entries.len(), 25_921);
    assert_eq!(
        full.entries.iter().filter(|e| e.list == "EL").count(),
        3_420
    );
    let huawei = full
        .entries
        .iter()
        .find(|e| {
            e.list == "EL"
                && e.primary_name()
                    .starts_with("Huawei Technologies Co., Ltd. (Huawei)")
        })
        .expect("Huawei on the Entity List");
    assert!(huawei
        .license_requirement
        .as_deref()
        .unwrap_or("")
        .contains("EAR"));
    assert!(huawei
        .federal_register_notice
        .as_deref()
        .unwrap_or("")
        .contains("84 FR 22963"));
    assert!(huawei.countries.contains(&"CN".to_string()));
    assert!(huawei
        .names
        .iter()
        .any(|n| n.text == "Shenzhen Huawei Technologies"));
    let v = full.version();
    assert_eq!(v.entries, 25_921);
    assert_eq!(v.sources[0].sha256.len(), 64);
}

#[test]
fn ofac_sdn_quartet_and_consolidated() {
    let Some(dir) = support::shared("watchman-moov/ofac_sdn_2021-07") else {
        return;
    };
    let set = load_path(&dir, None, &country).unwrap();
    assert_eq!(set.entries.len(), 8_976);
    let bnc = set.entries.iter().find(|e| e.id == "306").unwrap();
    assert_eq!(bnc.primary_name(), "BANCO NACIONAL DE CUBA");
    assert!(
        bnc.names
            .iter()
            .any(|n| n.text == "BNC" && n.strength == Strength::Weak),
        "weak a.k.a. from remarks"
    );
    let aero = set.entries.iter().find(|e| e.id == "36").unwrap();
    assert!(
        aero.countries.contains(&"CU".to_string()),
        "country from add.csv"
    );
    assert!(!bnc.addresses.is_empty());
    let aliases: usize = set.entries.iter().map(|e| e.names.len()).sum();
    assert!(aliases > 8_976 + 11_000, "alt.csv joined: {aliases}");
    let persons = set
        .entries
        .iter()
        .filter(|e| e.entity_type == EntityType::Individual)
        .count();
    assert!(persons > 3_000);
    let Some(cons) = support::shared("watchman-moov/ofac_consolidated_2025-12/cons_prim.csv")
    else {
        return;
    };
    let set = load_path(&cons, None, &country).unwrap();
    assert_eq!(set.entries.len(), 442);
    // HANIYA, on the Palestinian Legislative Council list.
    assert_eq!(set.entries[0].list, "NS-PLC");
    assert!(set.entries.iter().any(|e| e.list == "SSI"));
    assert!(set.entries.iter().any(|e| e.list == "CMIC"));
}

#[test]
fn un_xml() {
    let Some(set) = support::load("watchman-moov/un/un_consolidated_2026-02-27.xml") else {
        return;
    };
    assert_eq!(set.entries.len(), 730 + 273);
    assert_eq!(set.sources[0].date.as_deref(), Some("2026-02-27"));
    let badege = set.entries.iter().find(|e| e.id == "6907993").unwrap();
    assert_eq!(badege.primary_name(), "ERIC BADEGE");
    assert!(badege.countries.contains(&"RW".to_string()));
    let low = set
        .entries
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| n.strength == Strength::Weak)
        .count();
    assert!(low > 500, "low-quality aliases are weak: {low}");
    let original_script = set
        .entries
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| !n.text.is_ascii())
        .count();
    assert!(original_script > 300);
}

#[test]
fn bis_dpl_tab_file() {
    let Some(set) = support::load("watchman-moov/bis_dpl/dpl_2022-09.txt") else {
        return;
    };
    assert_eq!(set.entries.len(), 581);
    let ash = &set.entries[0];
    assert_eq!(ash.primary_name(), "I. ASH", "leading spaces trimmed");
    assert!(ash
        .federal_register_notice
        .as_deref()
        .unwrap()
        .contains("68 F.R. 38290"));
    assert_eq!(ash.countries, ["US"]);
}

#[test]
fn ftm_entities_and_deltas() {
    let Some(set) = support::load("yente-opensanctions/ftm_samples/t1_entities.ftm.json") else {
        return;
    };
    assert_eq!(set.entries.len(), 6, "7 entities, one an Address");
    assert!(set
        .entries
        .iter()
        .any(|e| e.entity_type == EntityType::Individual));
    let Some(p) = support::shared(
        "yente-opensanctions/ftm_samples/t2_20240527194702-wnk_entities.delta.json",
    ) else {
        return;
    };
    let set = load_path(&p, Some(Format::Ftm), &country).unwrap();
    assert!(!set.entries.is_empty());
}

#[test]
fn csl_json_and_own_csv() {
    let json = r#"{"total": 1, "results": [{"id": "abc", "source": "Entity List (EL) - Bureau of Industry and Security",
        "name": "Example Co., Ltd.", "alt_names": ["Example"], "type": "Entity",
        "addresses": [{"address": "1 Road", "city": "Shenzhen", "country": "CN"}],
        "license_requirement": "For all items subject to the EAR.", "federal_register_notice": "90 FR 1"}]}"#;
    let e = parse_csl_json("x.json", json, &country).unwrap();
    assert_eq!(e[0].list, "EL");
    assert_eq!(e[0].id, "abc");
    assert_eq!(e[0].countries, ["CN"]);
    assert_eq!(e[0].names.len(), 2);
    let csv = "name,aliases,country,list,note\nAcme Trading,Acme;ACME Ltd,CN;HK,OWN,our note\n";
    let e = parse_user_csv("own.csv", csv, &country).unwrap();
    assert_eq!(e[0].names.len(), 3);
    assert_eq!(e[0].countries, ["CN", "HK"]);
    assert_eq!(e[0].remarks.as_deref(), Some("our note"));
}

fn err(r: Result<impl std::fmt::Debug, exctl_screen::ParseError>) -> String {
    r.expect_err("must fail").to_string()
}

#[test]
fn broken_lists_are_rejected_whole_with_file_line_and_reason() {
    let header = "source,entity_number,type,programs,name,alt_names\n";
    let e = err(parse_csl_csv(
        "csl.csv",
        &format!("{header}Entity List (EL),1,Entity,,Good Co,\nEntity List (EL),2,Entity,,,\n"),
        &country,
    ));
    assert!(e.contains("csl.csv:3") && e.contains("empty name"), "{e}");
    let e = err(parse_csl_csv(
        "csl.csv",
        &format!("{header}Entity List (EL),1,Entity\n"),
        &country,
    ));
    assert!(e.contains("csl.csv:2") && e.contains("fields"), "{e}");
    let e = err(parse_csl_csv("csl.csv", "name,foo\nx,y\n", &country));
    assert!(e.contains("no `source` column"), "{e}");
    let e = err(parse_un_xml("un.xml", "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>\n<FIRST_NAME>X</FIRST_NAME></INDIVIDUAL>\n</INDIVIDUALS", &country));
    assert!(e.contains("un.xml:") && e.contains("XML"), "{e}");
    let e = err(parse_un_xml("un.xml", "<OTHER/>", &country));
    assert!(e.contains("CONSOLIDATED_LIST"), "{e}");
    let e = err(parse_ftm(
        "f.json",
        "{\"id\": \"a\", \"schema\": \"Person\", \"properties\": {\"name\": [\"A\"]}}\nnot json\n",
        &country,
    ));
    assert!(e.contains("f.json:2"), "{e}");
    let e = err(parse_dpl("dpl.txt", "Foo\tBar\nx\ty\n", &country));
    assert!(e.contains("`Name`"), "{e}");
    let e = err(parse_user_csv(
        "own.csv",
        "name,country\nAcme,Atlantis\n",
        &country,
    ));
    assert!(e.contains("own.csv:2") && e.contains("Atlantis"), "{e}");
    let long = "x".repeat(10 * 1024 * 1024);
    let e = err(parse_user_csv(
        "own.csv",
        &format!("name\n{long}\n"),
        &country,
    ));
    assert!(e.contains("longer than"), "{e}");
}

#[test]
fn encodings_bom_and_windows_line_ends() {
    let dir = std::env::temp_dir().join(format!("exctl-lists-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bom = dir.join("bom.csv");
    std::fs::write(
        &bom,
        b"\xef\xbb\xbfname,country\r\nAcme Trading,CN\r\nBeta,HK\r\n",
    )
    .unwrap();
    let set = load_path(&bom, None, &country).unwrap();
    assert_eq!(set.entries.len(), 2);
    assert_eq!(set.entries[1].primary_name(), "Beta");
    let bad = dir.join("latin1.csv");
    std::fs::write(&bad, b"name\nAcme\nM\xfcller GmbH\n").unwrap();
    let e = load_path(&bad, None, &country).unwrap_err().to_string();
    assert!(e.contains("latin1.csv:3") && e.contains("UTF-8"), "{e}");
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, b"name,country\n").unwrap();
    assert!(load_path(&empty, None, &country)
        .unwrap_err()
        .to_string()
        .contains("no entries"));
    let unknown = dir.join("mystery.bin");
    std::fs::write(&unknown, b"\x00\x01\x02").unwrap();
    assert!(load_path(&unknown, None, &country)
        .unwrap_err()
        .to_string()
        .contains("unrecognised"));
    assert!(load_path(Path::new("/nonexistent/list.csv"), None, &country).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_overlong_alias_is_refused_in_every_format() {
    let long = "A".repeat(exctl_screen::parse::MAX_NAME_BYTES + 1);
    let dir = std::env::temp_dir().join(format!("exctl-alias-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, format, text) in [
        (
            "csl.json",
            Format::CslJson,
            format!(r#"{{"results":[{{"source":"Entity List (EL)","name":"Short Name","alt_names":["{long}"]}}]}}"#),
        ),
        (
            "un.xml",
            Format::UnXml,
            format!("<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID><FIRST_NAME>Short Name</FIRST_NAME><ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>{long}</ALIAS_NAME></ENTITY_ALIAS></ENTITY></ENTITIES></CONSOLIDATED_LIST>"),
        ),
        (
            "ftm.json",
            Format::Ftm,
            format!(r#"{{"id":"x1","schema":"Company","properties":{{"name":["Short Name"],"alias":["{long}"]}}}}"#),
        ),
        (
            "own.csv",
            Format::UserCsv,
            format!("name,aliases,country,list,note\nShort Name,{long},CN,EL,test\n"),
        ),
        (
            "sdn.xml",
            Format::OfacXml,
            format!("<sdnList><publshInformation><Record_Count>1</Record_Count></publshInformation><sdnEntry><uid>1</uid><lastName>Short Name</lastName><akaList><aka><category>strong</category><lastName>{long}</lastName></aka></akaList></sdnEntry></sdnList>"),
        ),
        (
            "eu.xml",
            Format::EuXml,
            format!(r#"<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-01-01"><sanctionEntity logicalId="1"><nameAlias wholeName="Short Name" strong="true"/><nameAlias wholeName="{long}" strong="false"/></sanctionEntity></export>"#),
        ),
        (
            "uk.xml",
            Format::UkXml,
            format!("<Designations><Designation><UniqueID>X1</UniqueID><Names><Name><Name6>Short Name</Name6><NameType>Primary Name</NameType></Name><Name><Name6>{long}</Name6><NameType>Alias</NameType></Name></Names></Designation></Designations>"),
        ),
        (
            "uk.csv",
            Format::UkCsv,
            format!("Report Date: 08-Oct-2026\nUnique ID,Name 6,Name type,Designation Type\nX1,Short Name,Primary Name,Entity\nX1,{long},Alias,Entity\n"),
        ),
        (
            "ConList.csv",
            Format::OfsiCsv,
            format!("Last Updated,13/05/2022\nName 6,Group Type,Alias Type,Group ID\nShort Name,Entity,Primary name,1\n{long},Entity,AKA,1\n"),
        ),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, &text).unwrap();
        let e = load_path(&p, Some(format), &country).unwrap_err().to_string();
        assert!(e.contains("longer than 4096"), "{name}: {e}");
    }
}

/// Every format from the small samples committed in docs/examples/lists (real
/// rows of the published lists; the FtM and own-CSV files are made up; see
/// the README there for each file's source), so the parsers are tested on a
/// clean clone without ../shared. Each is recognised without naming its format.
#[test]
fn every_format_reads_the_committed_examples() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/lists");
    for (file, format, entries, name) in [
        (
            "csl.csv",
            "csl-csv",
            3,
            "Huawei Technologies Co., Ltd. (Huawei)",
        ),
        (
            "csl.json",
            "csl-json",
            1,
            "Huawei Technologies Co., Ltd. (Huawei)",
        ),
        ("sdn", "ofac", 3, "BANCO NACIONAL DE CUBA"),
        ("un.xml", "un-xml", 2, "ERIC BADEGE"),
        ("sdn.xml", "ofac-xml", 5, "BANCO NACIONAL DE CUBA"),
        (
            "cons.xml",
            "ofac-cons-xml",
            9,
            "OJSC RUSSIAN REGIONAL DEVELOPMENT BANK",
        ),
        ("eu.xml", "eu-xml", 6, "Saddam Hussein Al-Tikriti"),
        ("uk.xml", "uk-xml", 5, "MOHAMMAD HASSAN AKHUND"),
        ("uk.csv", "uk-csv", 5, "KOROLEV PROSPECT"),
        ("ConList.csv", "ofsi-csv", 5, "Vladimir PUTIN"),
        ("dpl.txt", "dpl", 2, "I. ASH"),
        ("entities.ftm.json", "ftm", 2, "Ivan Petrovich Sidorov"),
        ("own.csv", "csv", 2, "Northwind Photonics Co. Ltd."),
    ] {
        let set =
            load_path(&dir.join(file), None, &country).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(set.sources[0].format, format, "{file}");
        assert_eq!(set.entries.len(), entries, "{file}");
        assert!(
            set.entries.iter().any(|e| e.primary_name() == name),
            "{file}: {name} in {:?}",
            set.entries
                .iter()
                .map(|e| e.primary_name())
                .collect::<Vec<_>>()
        );
    }
}
