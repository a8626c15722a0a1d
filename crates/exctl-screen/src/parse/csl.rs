//! trade.gov Consolidated Screening List: CSV (both layouts) and JSON.

use super::{
    check_name, csv_error, list_code, nonempty, split_multi, synthetic_id, CountryResolver,
    ParseError,
};
use crate::model::{EntityType, Entry, Strength};
use std::collections::HashMap;

/// Parses the CSL CSV, with or without the leading `_id` column.
pub fn parse_csl_csv(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(file, &e))?.clone();
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    for required in ["source", "name"] {
        if !col.contains_key(required) {
            return Err(ParseError::new(
                file,
                Some(1),
                format!("header has no `{required}` column; not a CSL CSV"),
            ));
        }
    }
    let mut out = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| csv_error(file, &e))?;
        let line = rec.position().map(|p| p.line() as usize);
        let get = |c: &str| col.get(c).and_then(|&i| rec.get(i)).unwrap_or("");
        let name = get("name");
        check_name(file, line, name)?;
        let source = get("source").trim();
        if source.is_empty() {
            return Err(ParseError::new(
                file,
                line,
                "row has no `source` (list name)",
            ));
        }
        let id = nonempty(get("_id"))
            .or_else(|| nonempty(get("id")))
            .or_else(|| nonempty(get("entity_number")))
            .unwrap_or_else(|| synthetic_id(&[source, name, get("addresses"), &row.to_string()]));
        let mut e = Entry::new(&list_code(source), source, &id);
        e.entity_type = EntityType::parse(get("type"));
        e.add_name(name, Strength::Strong, true);
        for alt in split_multi(get("alt_names")) {
            check_name(file, line, alt)?;
            e.add_name(alt, Strength::Strong, false);
        }
        for addr in split_multi(get("addresses")) {
            e.addresses.push(addr.to_string());
            // Addresses end in the country (ISO code or name).
            if let Some(last) = addr.rsplit(',').next() {
                if let Some(c) = countries(last.trim()) {
                    e.add_country(&c);
                }
            }
        }
        for c in split_multi(get("citizenships")).chain(split_multi(get("nationalities"))) {
            if let Some(c) = countries(c) {
                e.add_country(&c);
            }
        }
        e.programs = split_multi(get("programs")).map(str::to_string).collect();
        e.license_requirement = nonempty(get("license_requirement"));
        e.license_policy = nonempty(get("license_policy"));
        e.federal_register_notice = nonempty(get("federal_register_notice"));
        e.remarks = nonempty(get("remarks"));
        e.source_url = nonempty(get("source_list_url"));
        for id in csl_ids(get("ids")) {
            e.add_id(id);
        }
        e.birth_dates = split_multi(get("dates_of_birth"))
            .map(str::to_string)
            .collect();
        out.push(e);
    }
    Ok(out)
}

/// The identifiers of a CSL `ids` cell: items separated by `;`, each a label,
/// a number and sometimes a country, in the order of the CSL's era
/// ("Passport, 836238033, KP" or "US, 80-0890696, Tax ID No."). Items that
/// are not identifiers (gender, website, directives) are left out.
pub fn csl_ids(cell: &str) -> Vec<crate::model::PartyId> {
    let mut out = Vec::new();
    for item in cell.split(';') {
        let parts: Vec<&str> = item
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let Some(label) = parts
            .iter()
            .find(|p| crate::model::PartyId::kind_of(p).is_some())
        else {
            continue;
        };
        let number = parts.iter().find(|p| {
            *p != label
                && p.chars().any(|c| c.is_ascii_digit())
                && !(p.len() == 2 && p.chars().all(|c| c.is_ascii_uppercase()))
        });
        // "IMO 8898831": the label holds the number.
        let number = number
            .copied()
            .or_else(|| label.chars().any(|c| c.is_ascii_digit()).then_some(*label));
        if let Some(id) = number.and_then(|n| crate::model::PartyId::new(label, n)) {
            out.push(id);
        }
    }
    out
}

/// Parses the CSL JSON: `{"results": [...]}` (bulk file or API page) or a bare array.
pub fn parse_csl_json(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ParseError::new(file, Some(e.line()), format!("not valid JSON: {e}")))?;
    let results = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("results") {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                return Err(ParseError::new(
                    file,
                    None,
                    "JSON object has no `results` array; not a CSL JSON",
                ))
            }
        },
        _ => return Err(ParseError::new(file, None, "not a CSL JSON document")),
    };
    let s = |r: &serde_json::Value, k: &str| -> String {
        match r.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let list = |r: &serde_json::Value, k: &str| -> Vec<String> {
        match r.get(k) {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(s)) => split_multi(s).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let at = format!("results[{i}]");
        if !r.is_object() {
            return Err(ParseError::new(
                file,
                None,
                format!("{at} is not an object"),
            ));
        }
        let name = s(r, "name");
        check_name(file, None, &name).map_err(|e| ParseError {
            reason: format!("{at}: {}", e.reason),
            ..e
        })?;
        let source = s(r, "source");
        if source.is_empty() {
            return Err(ParseError::new(file, None, format!("{at}: no `source`")));
        }
        let id = nonempty(&s(r, "id"))
            .or_else(|| nonempty(&s(r, "entity_number")))
            .unwrap_or_else(|| synthetic_id(&[&source, &name, &i.to_string()]));
        let mut e = Entry::new(&list_code(&source), &source, &id);
        e.entity_type = EntityType::parse(&s(r, "type"));
        e.add_name(&name, Strength::Strong, true);
        for alt in list(r, "alt_names") {
            e.add_name(&alt, Strength::Strong, false);
        }
        if let Some(serde_json::Value::Array(addrs)) = r.get("addresses") {
            for a in addrs {
                let parts: Vec<String> = ["address", "city", "state", "postal_code", "country"]
                    .iter()
                    .map(|k| s(a, k))
                    .filter(|x| !x.is_empty())
                    .collect();
                if !parts.is_empty() {
                    e.addresses.push(parts.join(", "));
                }
                if let Some(c) = countries(&s(a, "country")) {
                    e.add_country(&c);
                }
            }
        }
        for c in list(r, "citizenships")
            .iter()
            .chain(list(r, "nationalities").iter())
        {
            if let Some(c) = countries(c) {
                e.add_country(&c);
            }
        }
        e.programs = list(r, "programs");
        e.license_requirement = nonempty(&s(r, "license_requirement"));
        e.license_policy = nonempty(&s(r, "license_policy"));
        e.federal_register_notice = nonempty(&s(r, "federal_register_notice"));
        e.remarks = nonempty(&s(r, "remarks"));
        e.source_url = nonempty(&s(r, "source_list_url"));
        out.push(e);
    }
    Ok(out)
}
