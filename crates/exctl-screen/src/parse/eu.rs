//! EU Financial Sanctions Files (FSF): the consolidated list in XML
//! (`xmlFullSanctionsList_1_1`, schema 1.1), root `<export>` in the namespace
//! `http://eu.europa.ec/fpi/fsd/export`. Everything is in attributes: one
//! `<sanctionEntity>` per listed party with its `<regulation>`s,
//! `<subjectType>`, `<nameAlias>`es (`strong="false"` marks a weak alias),
//! `<citizenship>`, `<birthdate>`, `<address>` and `<identification>`.

use super::{
    check_name, child_text, children, expect_root, parse_xml, xml_line, CountryResolver, ParseError,
};
use crate::model::{EntityType, Entry, PartyId, Strength};

/// The namespace of the FSF export.
pub(crate) const NAMESPACE: &str = "http://eu.europa.ec/fpi/fsd/export";

const LIST: &str = "EU";
const LIST_NAME: &str = "EU Financial Sanctions (consolidated list)";

/// An attribute's trimmed, non-empty value.
fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute(name).map(str::trim).filter(|v| !v.is_empty())
}

/// The country of a node: `countryIso2Code`, where it is not the file's
/// `00` ("UNKNOWN"), else `countryDescription`, through the resolver.
fn country(n: roxmltree::Node<'_, '_>, countries: CountryResolver<'_>) -> Option<String> {
    attr(n, "countryIso2Code")
        .filter(|c| *c != "00")
        .and_then(countries)
        .or_else(|| {
            attr(n, "countryDescription")
                .filter(|d| *d != "UNKNOWN")
                .and_then(countries)
        })
}

/// The label [`PartyId`] reads for an `identificationTypeCode`.
fn id_label(code: &str) -> &str {
    match code {
        "passport" => "passport",
        "id" | "NRN" | "nationcert" => "national id",
        "regnumber" => "registration",
        "fiscalcode" | "ssn" => "tax",
        "swiftbic" => "swift",
        "imo" => "imo",
        _ => "other",
    }
}

/// Parses the XML; returns the entries and the export's `generationDate`
/// (`YYYY-MM-DD`).
pub fn parse_eu_xml(
    file: &str,
    xml: &str,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    let doc = parse_xml(file, xml)?;
    let root = expect_root(file, &doc, "export", &[Some(NAMESPACE)])?;
    let date = attr(root, "generationDate").map(|d| d.chars().take(10).collect());
    let mut out = Vec::new();
    for node in children(root, "sanctionEntity") {
        let line = Some(xml_line(&doc, node));
        let id = attr(node, "logicalId")
            .ok_or_else(|| ParseError::new(file, line, "sanctionEntity has no logicalId"))?;
        let mut e = Entry::new(LIST, LIST_NAME, id);
        e.entity_type = match children(node, "subjectType")
            .next()
            .and_then(|s| attr(s, "code"))
        {
            Some("person") => EntityType::Individual,
            Some("enterprise") => EntityType::Entity,
            Some(other) => EntityType::parse(other),
            None => EntityType::Unknown,
        };
        // The first strong name is the primary one; weak ones never are.
        let mut names: Vec<(String, Strength, usize)> = Vec::new();
        for a in children(node, "nameAlias") {
            let name = attr(a, "wholeName").map(str::to_string).unwrap_or_else(|| {
                ["firstName", "middleName", "lastName"]
                    .iter()
                    .filter_map(|k| attr(a, k))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            if name.is_empty() {
                continue;
            }
            let weak = attr(a, "strong").is_some_and(|s| s.eq_ignore_ascii_case("false"));
            names.push((
                name,
                if weak {
                    Strength::Weak
                } else {
                    Strength::Strong
                },
                xml_line(&doc, a),
            ));
        }
        let primary = names
            .iter()
            .position(|(_, s, _)| *s == Strength::Strong)
            .unwrap_or(0);
        let Some((first, _, first_line)) = names.get(primary) else {
            return Err(ParseError::new(
                file,
                line,
                format!("sanctionEntity {id} has no name (no nameAlias with a name)"),
            ));
        };
        check_name(file, Some(*first_line), first)?;
        e.add_name(first, Strength::Strong, true);
        for (name, strength, l) in &names {
            check_name(file, Some(*l), name)?;
            e.add_name(name, *strength, false);
        }
        for r in children(node, "regulation") {
            if let Some(p) = attr(r, "programme") {
                if !e.programs.iter().any(|x| x == p) {
                    e.programs.push(p.to_string());
                }
            }
            if e.source_url.is_none() {
                e.source_url = child_text(r, "publicationUrl").map(str::to_string);
            }
        }
        for c in children(node, "citizenship") {
            if let Some(c) = country(c, countries) {
                e.add_country(&c);
            }
        }
        for a in children(node, "address") {
            let parts: Vec<&str> = ["street", "poBox", "city", "zipCode", "region", "place"]
                .iter()
                .filter_map(|k| attr(a, k))
                .chain(attr(a, "countryDescription").filter(|d| *d != "UNKNOWN"))
                .collect();
            if !parts.is_empty() {
                let joined = parts.join(", ");
                if !e.addresses.contains(&joined) {
                    e.addresses.push(joined);
                }
            }
            if let Some(c) = country(a, countries) {
                e.add_country(&c);
            }
        }
        for b in children(node, "birthdate") {
            let circa = attr(b, "circa").is_some_and(|c| c == "true");
            let date = attr(b, "birthdate")
                .map(str::to_string)
                .or_else(|| attr(b, "year").map(str::to_string))
                .or_else(
                    || match (attr(b, "yearRangeFrom"), attr(b, "yearRangeTo")) {
                        (Some(f), Some(t)) => Some(format!("{f} to {t}")),
                        (Some(y), None) | (None, Some(y)) => Some(y.to_string()),
                        (None, None) => None,
                    },
                );
            if let Some(d) = date {
                let d = if circa { format!("circa {d}") } else { d };
                if !e.birth_dates.contains(&d) {
                    e.birth_dates.push(d);
                }
            }
        }
        for i in children(node, "identification") {
            let number = attr(i, "number").or_else(|| attr(i, "latinNumber"));
            let code = attr(i, "identificationTypeCode").unwrap_or("other");
            if let Some(id) = number.and_then(|n| PartyId::new(id_label(code), n)) {
                e.add_id(id);
            }
        }
        let remarks: Vec<&str> = children(node, "remark")
            .filter_map(|r| r.text().map(str::trim))
            .filter(|r| !r.is_empty())
            .collect();
        if !remarks.is_empty() {
            e.remarks = Some(remarks.join("; "));
        }
        out.push(e);
    }
    Ok((out, date))
}

#[cfg(test)]
mod tests {
    use super::parse_eu_xml;
    use crate::model::{EntityType, PartyId, Strength};
    use crate::parse::testing::{country, example, read};
    use crate::parse::{load_path, Format};
    use std::path::Path;

    #[test]
    fn reads_persons_and_enterprises_with_their_details() {
        let (entries, date) = parse_eu_xml("eu.xml", &read("eu.xml"), &country).unwrap();
        assert_eq!(date.as_deref(), Some("2024-12-11"));
        assert_eq!(entries.len(), 6);
        assert!(entries.iter().all(|e| e.list == "EU"));
        assert_eq!(
            entries[0].list_name,
            "EU Financial Sanctions (consolidated list)"
        );
        let saddam = entries.iter().find(|e| e.id == "13").unwrap();
        assert_eq!(saddam.primary_name(), "Saddam Hussein Al-Tikriti");
        assert_eq!(saddam.entity_type, EntityType::Individual);
        assert_eq!(saddam.programs, ["IRQ"]);
        assert_eq!(saddam.countries, ["IQ"]);
        assert_eq!(saddam.birth_dates, ["1937-04-28"]);
        assert_eq!(saddam.remarks.as_deref(), Some("UNSC RESOLUTION 1483"));
        assert!(saddam.names.iter().any(|n| n.text == "Abou Ali"));
        let mugabe = entries.iter().find(|e| e.id == "1").unwrap();
        assert_eq!(mugabe.ids, [PartyId::new("passport", "AD001095").unwrap()]);
        assert!(
            mugabe.countries.is_empty(),
            "00 is the file's unknown country"
        );
        let ibda = entries.iter().find(|e| e.id == "207").unwrap();
        assert_eq!(ibda.entity_type, EntityType::Entity);
        assert_eq!(ibda.primary_name(), "İslami Büyük Doğu Akıncılar Cephesi");
        assert!(ibda
            .names
            .iter()
            .any(|n| n.text == "Фронт на великите ислямски източни воини"));
        assert!(ibda.names.iter().any(|n| n.text == "IBDA-C"));
        let komid = entries.iter().find(|e| e.id == "9000001").unwrap();
        assert!(komid
            .names
            .iter()
            .any(|n| n.text == "KOMID" && n.strength == Strength::Weak && !n.primary));
        assert_eq!(komid.countries, ["KP"]);
        assert_eq!(
            komid.addresses,
            ["Central District, Pyongyang, NORTH KOREA"]
        );
        assert_eq!(komid.programs, ["PRK"]);
        let omm = entries.iter().find(|e| e.id == "9000020").unwrap();
        assert!(omm
            .ids
            .iter()
            .any(|i| i.kind == "imo" && i.number == "1790183"));
        let putin = entries.iter().find(|e| e.id == "135909").unwrap();
        assert_eq!(putin.programs, ["UKR"]);
        assert_eq!(putin.birth_dates, ["1952-10-07"]);
        assert!(putin
            .source_url
            .as_deref()
            .unwrap()
            .contains("eur-lex.europa.eu"));
    }

    #[test]
    fn the_fixture_is_detected_by_its_root_and_namespace() {
        let head = read("eu.xml");
        let head = &head.as_bytes()[..4096];
        assert_eq!(
            Format::detect(Path::new("eu.xml"), head),
            Some(Format::EuXml)
        );
        // Any name: the root decides.
        assert_eq!(
            Format::detect(Path::new("download"), head),
            Some(Format::EuXml)
        );
        let set = load_path(&example("eu.xml"), None, &country).unwrap();
        assert_eq!(set.sources[0].format, "eu-xml");
        assert_eq!(set.sources[0].date.as_deref(), Some("2024-12-11"));
    }

    fn err(xml: &str) -> String {
        parse_eu_xml("eu.xml", xml, &country)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn broken_files_are_refused_with_the_line() {
        let good = read("eu.xml");
        let half = good.char_indices().nth(good.chars().count() / 2).unwrap().0;
        let cut = &good[..half];
        let e = err(cut);
        assert!(
            e.starts_with("eu.xml:") && e.contains("not well-formed XML"),
            "{e}"
        );
        let e = err("<?xml version=\"1.0\"?>\n<sdnList/>");
        assert!(
            e.contains("eu.xml:2:") && e.contains("expected <export>"),
            "{e}"
        );
        let e = err("<export generationDate=\"2024-01-01\"/>");
        assert!(e.contains("namespace none"), "{e}");
        // An entity whose only name alias is empty.
        let e = err(&format!(
            "<export xmlns=\"{}\" generationDate=\"2024-12-11T21:24:35\">\n\
             <sanctionEntity logicalId=\"1\"><subjectType code=\"person\"/></sanctionEntity>\n\
             <sanctionEntity logicalId=\"13\">\n<subjectType code=\"person\"/>\n\
             <nameAlias wholeName=\"\" strong=\"true\"/>\n</sanctionEntity>\n</export>",
            super::NAMESPACE
        ));
        assert!(
            e.contains("eu.xml:2:") && e.contains("sanctionEntity 1 has no name"),
            "{e}"
        );
    }

    #[test]
    fn bad_utf8_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("exctl-eu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("eu.xml");
        let mut bytes = read("eu.xml").into_bytes();
        let at = bytes.windows(6).position(|w| w == b"Mugabe").unwrap();
        bytes[at] = 0xff;
        std::fs::write(&p, &bytes).unwrap();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let e = load_path(&p, Some(Format::EuXml), &country)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("eu.xml:{line}:")) && e.contains("UTF-8"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
