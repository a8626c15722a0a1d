//! UN Security Council consolidated list, XML.

use super::{check_name, nonempty, CountryResolver, ParseError};
use crate::model::{EntityType, Entry, Strength};

fn text<'a>(n: roxmltree::Node<'a, 'a>, tag: &str) -> Option<&'a str> {
    n.children()
        .find(|c| c.has_tag_name(tag))
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Parses the XML; returns the entries and the list's `dateGenerated`.
pub fn parse_un_xml(
    file: &str,
    xml: &str,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        let pos = e.pos();
        ParseError::new(
            file,
            Some(pos.row as usize),
            format!("not well-formed XML: {e}"),
        )
    })?;
    let root = doc.root_element();
    if !root.has_tag_name("CONSOLIDATED_LIST") {
        return Err(ParseError::new(
            file,
            Some(doc.text_pos_at(root.range().start).row as usize),
            format!(
                "root element is <{}>, expected <CONSOLIDATED_LIST>",
                root.tag_name().name()
            ),
        ));
    }
    let date = root
        .attribute("dateGenerated")
        .map(|d| d.chars().take(10).collect());
    let mut out = Vec::new();
    for node in root
        .descendants()
        .filter(|n| n.has_tag_name("INDIVIDUAL") || n.has_tag_name("ENTITY"))
    {
        let line = doc.text_pos_at(node.range().start).row as usize;
        let individual = node.has_tag_name("INDIVIDUAL");
        let id = text(node, "DATAID")
            .ok_or_else(|| ParseError::new(file, Some(line), "record has no DATAID"))?;
        let parts: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
            .iter()
            .filter_map(|t| text(node, t))
            .collect();
        let name = parts.join(" ");
        check_name(file, Some(line), &name)?;
        let list_type = text(node, "UN_LIST_TYPE").unwrap_or("");
        let mut e = Entry::new("UN", "UN Security Council Consolidated List", id);
        e.entity_type = if individual {
            EntityType::Individual
        } else {
            EntityType::Entity
        };
        e.add_name(&name, Strength::Strong, true);
        if let Some(orig) = text(node, "NAME_ORIGINAL_SCRIPT") {
            e.add_name(orig, Strength::Strong, false);
        }
        let alias_tag = if individual {
            "INDIVIDUAL_ALIAS"
        } else {
            "ENTITY_ALIAS"
        };
        for a in node.children().filter(|c| c.has_tag_name(alias_tag)) {
            if let Some(alias) = text(a, "ALIAS_NAME") {
                let low = text(a, "QUALITY").is_some_and(|q| q.eq_ignore_ascii_case("low"));
                e.add_name(
                    alias,
                    if low {
                        Strength::Weak
                    } else {
                        Strength::Strong
                    },
                    false,
                );
            }
        }
        for nat in node.children().filter(|c| c.has_tag_name("NATIONALITY")) {
            for v in nat.children().filter(|c| c.has_tag_name("VALUE")) {
                if let Some(c) = v.text().and_then(|t| countries(t.trim())) {
                    e.add_country(&c);
                }
            }
        }
        let addr_tag = if individual {
            "INDIVIDUAL_ADDRESS"
        } else {
            "ENTITY_ADDRESS"
        };
        for a in node.children().filter(|c| c.has_tag_name(addr_tag)) {
            let parts: Vec<&str> = ["STREET", "CITY", "STATE_PROVINCE", "COUNTRY"]
                .iter()
                .filter_map(|t| text(a, t))
                .collect();
            if !parts.is_empty() {
                e.addresses.push(parts.join(", "));
            }
            if let Some(c) = text(a, "COUNTRY").and_then(countries) {
                e.add_country(&c);
            }
        }
        for d in node
            .children()
            .filter(|c| c.has_tag_name("INDIVIDUAL_DATE_OF_BIRTH"))
        {
            let date = ["DATE", "YEAR", "FROM_YEAR", "TO_YEAR"]
                .iter()
                .filter_map(|t| text(d, t))
                .collect::<Vec<_>>()
                .join(" to ");
            if !date.is_empty() {
                e.birth_dates.push(date);
            }
        }
        for d in node
            .children()
            .filter(|c| c.has_tag_name("INDIVIDUAL_DOCUMENT"))
        {
            if let (Some(kind), Some(number)) = (text(d, "TYPE_OF_DOCUMENT"), text(d, "NUMBER")) {
                if let Some(id) = crate::model::PartyId::new(kind, number) {
                    e.add_id(id);
                }
            }
        }
        if !list_type.is_empty() {
            e.programs.push(list_type.to_string());
        }
        if let Some(r) = text(node, "REFERENCE_NUMBER") {
            e.programs.push(r.to_string());
        }
        e.remarks = text(node, "COMMENTS1").and_then(nonempty);
        out.push(e);
    }
    Ok((out, date))
}
