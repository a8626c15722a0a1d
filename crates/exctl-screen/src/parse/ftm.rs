//! FollowTheMoney entities as JSON lines: plain entity files and delta feeds
//! (`{"op": "ADD"|"MOD"|"DEL", "entity": {...}}`).

use super::{check_name, CountryResolver, ParseError};
use crate::model::{EntityType, Entry, Strength};

const PARTY_SCHEMAS: [&str; 8] = [
    "Person",
    "Company",
    "Organization",
    "LegalEntity",
    "PublicBody",
    "Vessel",
    "Airplane",
    "Security",
];

pub fn parse_ftm(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| ParseError::new(file, Some(line), format!("not a JSON object: {e}")))?;
        let (op, ent) = match v.get("op").and_then(|o| o.as_str()) {
            Some(op) => (op.to_string(), v.get("entity").cloned().unwrap_or_default()),
            None => ("ADD".to_string(), v),
        };
        let id = ent
            .get("id")
            .and_then(|x| x.as_str())
            .ok_or_else(|| ParseError::new(file, Some(line), "entity has no `id`"))?
            .to_string();
        if op == "DEL" {
            out.retain(|e| e.id != id);
            continue;
        }
        if !matches!(op.as_str(), "ADD" | "MOD") {
            return Err(ParseError::new(
                file,
                Some(line),
                format!("unknown op {op:?}"),
            ));
        }
        let schema = ent
            .get("schema")
            .and_then(|x| x.as_str())
            .ok_or_else(|| ParseError::new(file, Some(line), "entity has no `schema`"))?;
        if !PARTY_SCHEMAS.contains(&schema) {
            continue;
        }
        let props = ent.get("properties").cloned().unwrap_or_default();
        let values = |k: &str| -> Vec<String> {
            props
                .get(k)
                .and_then(|x| x.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let datasets = ent
            .get("datasets")
            .and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        let list = if datasets.is_empty() {
            "FTM".to_string()
        } else {
            datasets.to_ascii_uppercase()
        };
        let mut e = Entry::new(&list, &format!("FollowTheMoney ({datasets})"), &id);
        e.entity_type = match schema {
            "Person" => EntityType::Individual,
            "Vessel" => EntityType::Vessel,
            "Airplane" => EntityType::Aircraft,
            _ => EntityType::Entity,
        };
        let names = values("name");
        let caption = ent.get("caption").and_then(|x| x.as_str()).unwrap_or("");
        let primary = names
            .first()
            .cloned()
            .unwrap_or_else(|| caption.to_string());
        check_name(file, Some(line), &primary)?;
        e.add_name(&primary, Strength::Strong, true);
        for n in names
            .iter()
            .skip(1)
            .chain(values("alias").iter())
            .chain(values("previousName").iter())
        {
            e.add_name(n, Strength::Strong, false);
        }
        for n in values("weakAlias") {
            e.add_name(&n, Strength::Weak, false);
        }
        for c in values("country")
            .iter()
            .chain(values("nationality").iter())
            .chain(values("jurisdiction").iter())
        {
            if let Some(code) = countries(c) {
                e.add_country(&code);
            }
        }
        e.addresses = values("address");
        e.programs = values("program");
        e.remarks = values("notes").into_iter().next();
        out.retain(|x| x.id != id);
        out.push(e);
    }
    Ok(out)
}
