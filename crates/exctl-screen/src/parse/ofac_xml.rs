//! OFAC's SDN list and consolidated (non-SDN) list in their classic XML:
//! `sdn.xml` and `consolidated.xml`, root `<sdnList>` in the namespace
//! `http://tempuri.org/sdnList.xsd` or, as the Sanctions List Service
//! publishes them, `https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML`.
//! The file states its publication date and its number of entries
//! (`<publshInformation>`, OFAC's spelling); a file whose count disagrees
//! with the entries in it is cut or padded and is refused.

use super::{
    check_name, child_text, children, consolidated_list, expect_root, parse_xml, slash_date,
    xml_line, CountryResolver, ParseError,
};
use crate::model::{EntityType, Entry, PartyId, Strength};

/// The namespaces OFAC's classic XML has been published in.
pub(crate) const NAMESPACES: [Option<&str>; 4] = [
    Some("http://tempuri.org/sdnList.xsd"),
    Some("https://tempuri.org/sdnList.xsd"),
    Some("https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"),
    None,
];

/// `idType`s that identify a party without naming a kind [`PartyId`] knows.
const OTHER_IDS: [&str; 4] = ["MMSI", "BIK (RU)", "Trade License No.", "License"];

fn full_name(n: roxmltree::Node<'_, '_>) -> String {
    [child_text(n, "firstName"), child_text(n, "lastName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses `sdn.xml` (`consolidated` false: every entry is on the SDN list)
/// or `consolidated.xml` (each entry's list from its programmes, see
/// [`consolidated_list`]); returns the entries and the publication date
/// (`YYYY-MM-DD`).
pub fn parse_ofac_xml(
    file: &str,
    xml: &str,
    consolidated: bool,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    let doc = parse_xml(file, xml)?;
    let root = expect_root(file, &doc, "sdnList", &NAMESPACES)?;
    let info = children(root, "publshInformation").next().ok_or_else(|| {
        ParseError::new(
            file,
            Some(xml_line(&doc, root)),
            "no <publshInformation>: the file does not state its entry count, so it cannot be checked whole",
        )
    })?;
    let info_line = Some(xml_line(&doc, info));
    let date = match child_text(info, "Publish_Date") {
        None => None,
        Some(d) => Some(slash_date(d, true).ok_or_else(|| {
            ParseError::new(
                file,
                info_line,
                format!("Publish_Date {d:?} is not MM/DD/YYYY"),
            )
        })?),
    };
    let count = child_text(info, "Record_Count").ok_or_else(|| {
        ParseError::new(
            file,
            info_line,
            "no Record_Count: the file does not state its entry count, so it cannot be checked whole",
        )
    })?;
    let count: usize = count.parse().map_err(|_| {
        ParseError::new(
            file,
            info_line,
            format!("Record_Count {count:?} is not a number"),
        )
    })?;
    let mut out = Vec::new();
    for node in children(root, "sdnEntry") {
        let line = Some(xml_line(&doc, node));
        let id = child_text(node, "uid")
            .ok_or_else(|| ParseError::new(file, line, "sdnEntry has no uid"))?;
        let name = full_name(node);
        check_name(file, line, &name)?;
        let programs: Vec<String> = children(node, "programList")
            .flat_map(|l| children(l, "program"))
            .filter_map(|p| p.text().map(str::trim))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let (list, list_name) = if consolidated {
            consolidated_list(&programs)
        } else {
            (
                "SDN",
                "Specially Designated Nationals (SDN) - Treasury Department",
            )
        };
        let mut e = Entry::new(list, list_name, id);
        e.programs = programs;
        e.entity_type = child_text(node, "sdnType").map_or(EntityType::Unknown, EntityType::parse);
        e.add_name(&name, Strength::Strong, true);
        for aka in children(node, "akaList").flat_map(|l| children(l, "aka")) {
            let alias = full_name(aka);
            if alias.is_empty() {
                continue;
            }
            check_name(file, Some(xml_line(&doc, aka)), &alias)?;
            let weak = child_text(aka, "category").is_some_and(|c| c.eq_ignore_ascii_case("weak"));
            e.add_name(
                &alias,
                if weak {
                    Strength::Weak
                } else {
                    Strength::Strong
                },
                false,
            );
        }
        for a in children(node, "addressList").flat_map(|l| children(l, "address")) {
            let parts: Vec<&str> = [
                "address1",
                "address2",
                "address3",
                "city",
                "stateOrProvince",
                "postalCode",
                "country",
            ]
            .iter()
            .filter_map(|t| child_text(a, t))
            .collect();
            if !parts.is_empty() {
                let joined = parts.join(", ");
                if !e.addresses.contains(&joined) {
                    e.addresses.push(joined);
                }
            }
            if let Some(c) = child_text(a, "country").and_then(countries) {
                e.add_country(&c);
            }
        }
        for (list, item) in [
            ("nationalityList", "nationality"),
            ("citizenshipList", "citizenship"),
        ] {
            for n in children(node, list).flat_map(|l| children(l, item)) {
                if let Some(c) = child_text(n, "country").and_then(countries) {
                    e.add_country(&c);
                }
            }
        }
        for d in children(node, "dateOfBirthList").flat_map(|l| children(l, "dateOfBirthItem")) {
            if let Some(dob) = child_text(d, "dateOfBirth") {
                e.birth_dates.push(dob.to_string());
            }
        }
        for i in children(node, "idList").flat_map(|l| children(l, "id")) {
            let (Some(kind), Some(number)) = (child_text(i, "idType"), child_text(i, "idNumber"))
            else {
                continue;
            };
            // Only identifiers: the list also files websites, e-mail, gender,
            // directives and former flags under idList.
            if PartyId::kind_of(kind).is_some() || OTHER_IDS.contains(&kind) {
                if let Some(id) = PartyId::new(kind, number) {
                    e.add_id(id);
                }
            }
        }
        e.remarks = child_text(node, "remarks").map(str::to_string);
        out.push(e);
    }
    if out.len() != count {
        return Err(ParseError::new(
            file,
            info_line,
            format!(
                "Record_Count says {count} entries but the file has {}: refused as cut or padded",
                out.len()
            ),
        ));
    }
    Ok((out, date))
}

#[cfg(test)]
mod tests {
    use super::parse_ofac_xml;
    use crate::model::{EntityType, PartyId, Strength};
    use crate::parse::testing::{country, example, read};
    use crate::parse::{load_path, Format};
    use std::path::Path;

    #[test]
    fn sdn_xml_reads_names_strengths_ids_dates_and_countries() {
        let (entries, date) = parse_ofac_xml("sdn.xml", &read("sdn.xml"), false, &country).unwrap();
        assert_eq!(date.as_deref(), Some("2026-08-07"));
        assert_eq!(entries.len(), 5);
        assert!(entries.iter().all(|e| e.list == "SDN"));
        let bnc = entries.iter().find(|e| e.id == "306").unwrap();
        assert_eq!(bnc.primary_name(), "BANCO NACIONAL DE CUBA");
        assert_eq!(bnc.entity_type, EntityType::Entity);
        assert_eq!(bnc.programs, ["CUBA"]);
        assert!(bnc
            .names
            .iter()
            .any(|n| n.text == "BNC" && n.strength == Strength::Weak));
        assert!(bnc
            .names
            .iter()
            .any(|n| n.text == "NATIONAL BANK OF CUBA" && n.strength == Strength::Strong));
        assert_eq!(bnc.countries, ["CH", "ES"]);
        assert_eq!(
            bnc.addresses[0],
            "Zweierstrasse 35, Zurich, CH-8022, Switzerland"
        );
        let m = entries.iter().find(|e| e.id == "26235").unwrap();
        assert_eq!(m.primary_name(), "Alexander Aleksandrovich MALKEVICH");
        assert_eq!(m.entity_type, EntityType::Individual);
        assert_eq!(m.birth_dates, ["14 Jun 1975"]);
        assert_eq!(m.countries, ["RU"]);
        assert_eq!(m.programs, ["CYBER2"]);
        assert!(m
            .ids
            .contains(&PartyId::new("passport", "717637093").unwrap()));
        assert!(m
            .ids
            .contains(&PartyId::new("national id", "781005202108").unwrap()));
        assert_eq!(m.ids.len(), 2, "Gender is not an identifier: {:?}", m.ids);
        assert_eq!(m.remarks.as_deref(), Some("(Linked To: USA REALLY)"));
    }

    #[test]
    fn consolidated_xml_files_each_entry_under_its_list() {
        let (entries, date) =
            parse_ofac_xml("cons.xml", &read("cons.xml"), true, &country).unwrap();
        assert_eq!(date.as_deref(), Some("2018-04-06"));
        assert_eq!(entries.len(), 9);
        let list = |id: &str| entries.iter().find(|e| e.id == id).unwrap().list.clone();
        assert_eq!(list("18298"), "SSI");
        assert_eq!(list("18782"), "SSI", "SYRIA and UKRAINE-EO13662");
        assert_eq!(list("9639"), "NS-PLC");
        assert_eq!(list("15268"), "CAPTA");
        assert_eq!(list("17526"), "FSE");
        assert_eq!(list("15961"), "OFAC-CONS", "EO 13599 IRAN entry");
        let vbrr = entries.iter().find(|e| e.id == "18298").unwrap();
        assert!(vbrr
            .names
            .iter()
            .any(|n| n.text == "VBRR" && n.strength == Strength::Weak));
        assert!(vbrr
            .ids
            .contains(&PartyId::new("registration", "3287").unwrap()));
        assert_eq!(vbrr.ids.len(), 1, "directives and websites are not ids");
        let shona = entries.iter().find(|e| e.id == "15036").unwrap();
        assert_eq!(shona.entity_type, EntityType::Vessel);
        assert!(shona
            .ids
            .iter()
            .any(|i| i.kind == "imo" && i.number == "9187629"));
        let seyyedi = entries.iter().find(|e| e.id == "16134").unwrap();
        assert_eq!(seyyedi.countries, ["IR"], "citizenship");
        assert_eq!(seyyedi.birth_dates, ["21 Apr 1963"]);
    }

    #[test]
    fn both_fixtures_are_detected_by_root_element_and_file_name() {
        for (name, format) in [
            ("sdn.xml", Format::OfacXml),
            ("cons.xml", Format::OfacConsXml),
        ] {
            let head = read(name);
            assert_eq!(
                Format::detect(Path::new(name), &head.as_bytes()[..head.len().min(4096)]),
                Some(format),
                "{name}"
            );
        }
        let set = load_path(&example("cons.xml"), None, &country).unwrap();
        assert_eq!(set.sources[0].format, "ofac-cons-xml");
        assert_eq!(set.sources[0].date.as_deref(), Some("2018-04-06"));
    }

    fn err(xml: &str) -> String {
        parse_ofac_xml("sdn.xml", xml, false, &country)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn broken_files_are_refused_with_the_line() {
        let good = read("sdn.xml");
        // Cut in the middle of an entry.
        let cut = &good[..good.find("<uid>306</uid>").unwrap()];
        let e = err(cut);
        assert!(
            e.starts_with("sdn.xml:") && e.contains("not well-formed XML"),
            "{e}"
        );
        // A count that disagrees with the entries.
        let line_of = |s: &str| good[..good.find(s).unwrap()].lines().count();
        let e = err(&good.replace("<Record_Count>5<", "<Record_Count>19199<"));
        let info = line_of("<publshInformation>");
        assert!(
            e.contains(&format!("sdn.xml:{info}:"))
                && e.contains("Record_Count says 19199 entries but the file has 5"),
            "{e}"
        );
        let e = err(&good.replace("<Record_Count>5</Record_Count>", ""));
        assert!(e.contains("no Record_Count"), "{e}");
        // An entry with no name.
        let e = err(&good.replace("<lastName>BOUTIQUE LA MAISON</lastName>", ""));
        let line = line_of("<sdnEntry>\n    <uid>424</uid>");
        assert!(
            e.contains(&format!("sdn.xml:{line}:")) && e.contains("empty name"),
            "{e}"
        );
        // Another list's root.
        let e = err("<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST/>");
        assert!(
            e.contains("sdn.xml:2:") && e.contains("expected <sdnList>"),
            "{e}"
        );
        let e = err("<sdnList xmlns=\"urn:other\"/>");
        assert!(e.contains("namespace urn:other"), "{e}");
    }

    #[test]
    fn bad_utf8_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("exctl-ofac-xml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("sdn.xml");
        let mut bytes = read("sdn.xml").into_bytes();
        let at = bytes.windows(7).position(|w| w == b"Zweiers").unwrap();
        bytes[at] = 0xfc;
        std::fs::write(&p, &bytes).unwrap();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let e = load_path(&p, None, &country).unwrap_err().to_string();
        assert!(
            e.contains(&format!("sdn.xml:{line}:")) && e.contains("UTF-8"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
