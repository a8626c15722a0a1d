//! Ownership files: who holds whom, as sources publish it.
//!
//! - `csv`: the user's own declarations, one holding per row, with a header
//!   (`owner_name`, `owned_name`, `percent`, and optionally `owner_id`,
//!   `owned_id`, `owner_lei`, `owned_lei`, `owner_country`, `owned_country`,
//!   `kind` = `owns` | `controls`, `start_date`, `end_date`).
//! - `ftm`: FollowTheMoney entities, one JSON object per line; `Ownership`
//!   entities are the holdings (`owner`, `asset`, `percentage`, `startDate`,
//!   `endDate`), the legal entities and people they name are the entities.
//! - `gleif-rr`: GLEIF Level 2 relationship records (the golden copy CSV):
//!   a child (`StartNode`) consolidated by its direct or ultimate parent
//!   (`EndNode`), which is control; an international branch, which is the
//!   same legal person (100 %).
//! - `gleif-lei`: GLEIF Level 1 records (the golden copy CSV): the names and
//!   countries of LEIs.
//!
//! A file is read whole or refused with its line and the reason: never part
//! of it. A share that is missing or unreadable is unstated, never zero.

use exctl_core::ownership::{name_key, EntityRecord, LinkKind, LinkRecord};
use std::collections::HashMap;

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnersFormat {
    Csv,
    Ftm,
    GleifRr,
    GleifLei,
}

impl OwnersFormat {
    pub const ALL: [OwnersFormat; 4] = [
        OwnersFormat::Csv,
        OwnersFormat::Ftm,
        OwnersFormat::GleifRr,
        OwnersFormat::GleifLei,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OwnersFormat::Csv => "csv",
            OwnersFormat::Ftm => "ftm",
            OwnersFormat::GleifRr => "gleif-rr",
            OwnersFormat::GleifLei => "gleif-lei",
        }
    }

    pub fn parse(s: &str) -> Option<OwnersFormat> {
        OwnersFormat::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Recognises a file by its first line.
    pub fn detect(head: &str) -> Option<OwnersFormat> {
        let first = head
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches('\u{feff}');
        if first.trim_start().starts_with('{') {
            Some(OwnersFormat::Ftm)
        } else if first.contains("Relationship.StartNode.NodeID") {
            Some(OwnersFormat::GleifRr)
        } else if first.contains("Entity.LegalName") {
            Some(OwnersFormat::GleifLei)
        } else if first.contains("owner_name") && first.contains("owned_name") {
            Some(OwnersFormat::Csv)
        } else {
            None
        }
    }
}

/// What a file states.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnersFile {
    pub entities: Vec<EntityRecord>,
    pub links: Vec<LinkRecord>,
    /// Records read and left out on purpose (inactive relationships, other
    /// schemas), counted.
    pub skipped: usize,
}

/// An ownership file refused: where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct OwnersError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

fn err(file: &str, line: Option<usize>, reason: impl Into<String>) -> OwnersError {
    OwnersError {
        file: file.to_string(),
        line,
        reason: reason.into(),
    }
}

/// Reads a file of `format` from `text`; `source` scopes ids that are not LEIs.
pub fn read_owners(
    file: &str,
    text: &str,
    format: OwnersFormat,
    source: &str,
) -> Result<OwnersFile, OwnersError> {
    let text = text.trim_start_matches('\u{feff}');
    let out = match format {
        OwnersFormat::Csv => read_csv(file, text, source)?,
        OwnersFormat::Ftm => read_ftm(file, text)?,
        OwnersFormat::GleifRr => read_gleif_rr(file, text)?,
        OwnersFormat::GleifLei => read_gleif_lei(file, text)?,
    };
    if out.entities.is_empty() && out.links.is_empty() {
        return Err(err(file, None, "no entity and no holding in the file"));
    }
    Ok(out)
}

/// Entities by key, first statement kept, in the order first seen.
#[derive(Default)]
struct Entities {
    index: HashMap<String, usize>,
    list: Vec<EntityRecord>,
}

impl Entities {
    fn add(&mut self, e: EntityRecord) -> String {
        let key = e.key.clone();
        match self.index.get(&key) {
            Some(&i) => {
                let known = &mut self.list[i];
                if known.country.is_none() {
                    known.country = e.country;
                }
            }
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push(e);
            }
        }
        key
    }
}

fn lei_ok(lei: &str) -> bool {
    lei.len() == 20 && lei.chars().all(|c| c.is_ascii_alphanumeric())
}

fn country_ok(
    file: &str,
    line: usize,
    field: &str,
    c: &str,
) -> Result<Option<String>, OwnersError> {
    let c = c.trim();
    if c.is_empty() {
        return Ok(None);
    }
    if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(Some(c.to_ascii_uppercase()));
    }
    Err(err(
        file,
        Some(line),
        format!("{field}: {c:?} is not an ISO alpha-2 country code"),
    ))
}

fn date_ok(file: &str, line: usize, field: &str, d: &str) -> Result<Option<String>, OwnersError> {
    let d = d.trim();
    if d.is_empty() {
        return Ok(None);
    }
    let day = d.get(..10).unwrap_or(d);
    if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
        return Err(err(
            file,
            Some(line),
            format!("{field}: {d:?} is not a date (YYYY-MM-DD)"),
        ));
    }
    Ok(Some(day.to_string()))
}

/// A percentage as sources write it (`50`, `50.5`, `50%`): `None` when there
/// is none, an error when there is one that is not a share.
fn percent(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.replace(',', ".").parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(Some(p)),
        _ => Err(format!("{text:?} is not a percentage between 0 and 100")),
    }
}

fn read_csv(file: &str, text: &str, source: &str) -> Result<OwnersFile, OwnersError> {
    const COLUMNS: [&str; 12] = [
        "owner_name",
        "owned_name",
        "percent",
        "kind",
        "owner_id",
        "owned_id",
        "owner_lei",
        "owned_lei",
        "owner_country",
        "owned_country",
        "start_date",
        "end_date",
    ];
    let (mut rdr, headers) = csv_reader(file, text, false)?;
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        let Some(known) = COLUMNS.iter().find(|c| **c == h) else {
            return Err(err(
                file,
                Some(1),
                format!("unknown column {h:?} (columns: {})", COLUMNS.join(", ")),
            ));
        };
        if col.insert(known, i).is_some() {
            return Err(err(file, Some(1), format!("column {h:?} comes twice")));
        }
    }
    for needed in ["owner_name", "owned_name", "percent"] {
        if !col.contains_key(needed) {
            return Err(err(file, Some(1), format!("no column {needed:?}")));
        }
    }
    let mut entities = Entities::default();
    let mut links = Vec::new();
    let mut seen_pairs: HashMap<(String, String, bool), usize> = HashMap::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| err(file, Some(line), e.to_string()))?;
        let get = |c: &str| col.get(c).and_then(|&i| row.get(i)).unwrap_or("").trim();
        let mut side = |who: &str| -> Result<String, OwnersError> {
            let name = get(&format!("{who}_name"));
            if name.is_empty() {
                return Err(err(file, Some(line), format!("{who}_name is empty")));
            }
            let lei = get(&format!("{who}_lei")).to_ascii_uppercase();
            let id = get(&format!("{who}_id"));
            let key = if !lei.is_empty() {
                if !lei_ok(&lei) {
                    return Err(err(
                        file,
                        Some(line),
                        format!("{who}_lei: {lei:?} is not an LEI (20 letters and digits)"),
                    ));
                }
                format!("lei:{lei}")
            } else if !id.is_empty() {
                format!("{source}:{id}")
            } else {
                let k = name_key(name);
                if k.is_empty() {
                    return Err(err(
                        file,
                        Some(line),
                        format!("{who}_name {name:?} has no letter or digit"),
                    ));
                }
                format!("name:{k}")
            };
            let country = country_ok(
                file,
                line,
                &format!("{who}_country"),
                get(&format!("{who}_country")),
            )?;
            Ok(entities.add(EntityRecord {
                key,
                name: name.to_string(),
                country,
            }))
        };
        let owner_key = side("owner")?;
        let owned_key = side("owned")?;
        if owner_key == owned_key {
            return Err(err(file, Some(line), "an entity cannot own itself"));
        }
        let share =
            percent(get("percent")).map_err(|e| err(file, Some(line), format!("percent: {e}")))?;
        let kind = match get("kind") {
            "" | "owns" => {
                if share.is_some() {
                    LinkKind::Owns
                } else {
                    LinkKind::OwnsUnstated
                }
            }
            "controls" if share.is_some() => {
                return Err(err(
                    file,
                    Some(line),
                    "kind controls with a percent: a share is ownership (kind owns); leave percent blank for control alone, or give two rows",
                ))
            }
            "controls" => LinkKind::Controls,
            other => {
                return Err(err(
                    file,
                    Some(line),
                    format!("kind: {other:?} is not one of owns, controls"),
                ))
            }
        };
        let control = kind == LinkKind::Controls;
        if let Some(first) =
            seen_pairs.insert((owner_key.clone(), owned_key.clone(), control), line)
        {
            return Err(err(
                file,
                Some(line),
                format!("this holding was stated on line {first} already: give each owner and owned entity once per kind (a share, and control)"),
            ));
        }
        let start_date = date_ok(file, line, "start_date", get("start_date"))?;
        let end_date = date_ok(file, line, "end_date", get("end_date"))?;
        if let (Some(s), Some(e)) = (&start_date, &end_date) {
            if e < s {
                return Err(err(file, Some(line), "end_date is before start_date"));
            }
        }
        links.push(LinkRecord {
            owner_key,
            owned_key,
            kind,
            percent: share,
            relation: "declared".into(),
            start_date,
            end_date,
        });
    }
    Ok(OwnersFile {
        entities: entities.list,
        links,
        skipped: 0,
    })
}

/// FtM schemata that are parties: they can own and be owned.
const FTM_PARTIES: [&str; 6] = [
    "LegalEntity",
    "Organization",
    "Company",
    "PublicBody",
    "Person",
    "Vessel",
];

fn read_ftm(file: &str, text: &str) -> Result<OwnersFile, OwnersError> {
    let mut entities = Entities::default();
    // FtM id → entity key (an LEI where the entity states one).
    let mut keys: HashMap<String, String> = HashMap::new();
    let mut holdings: Vec<(usize, serde_json::Value)> = Vec::new();
    let mut skipped = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| err(file, Some(line), format!("not a JSON object: {e}")))?;
        let schema = v.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        let id = v.get("id").and_then(|s| s.as_str()).unwrap_or("");
        if id.is_empty() || schema.is_empty() {
            return Err(err(file, Some(line), "an entity without `id` or `schema`"));
        }
        if schema == "Ownership" {
            holdings.push((line, v));
            continue;
        }
        if !FTM_PARTIES.contains(&schema) {
            skipped += 1;
            continue;
        }
        let props = v.get("properties");
        let first = |p: &str| ftm_first(props, p);
        let Some(name) = first("name") else {
            return Err(err(
                file,
                Some(line),
                format!("{schema} {id:?} has no name"),
            ));
        };
        let key = match first("leiCode").map(str::to_ascii_uppercase) {
            Some(lei) if lei_ok(&lei) => format!("lei:{lei}"),
            _ => format!("ftm:{id}"),
        };
        let country = first("jurisdiction")
            .or_else(|| first("country"))
            .filter(|c| c.len() == 2)
            .map(str::to_ascii_uppercase);
        keys.insert(id.to_string(), key.clone());
        entities.add(EntityRecord {
            key,
            name: name.to_string(),
            country,
        });
    }
    let mut links = Vec::new();
    for (line, v) in holdings {
        let props = v.get("properties");
        let first = |p: &str| ftm_first(props, p);
        let side = |p: &str| -> Result<String, OwnersError> {
            let id = first(p)
                .ok_or_else(|| err(file, Some(line), format!("Ownership without `{p}`")))?;
            keys.get(id).cloned().ok_or_else(|| {
                err(
                    file,
                    Some(line),
                    format!("Ownership names {p} {id:?}, which the file does not hold as a legal entity or person"),
                )
            })
        };
        let owner_key = side("owner")?;
        let owned_key = side("asset")?;
        if owner_key == owned_key {
            return Err(err(file, Some(line), "an entity cannot own itself"));
        }
        // FtM writes shares as text ("50", "50%", "majority"): what is not a
        // number is an unstated share, never zero.
        let share = match first("percentage") {
            // A number out of range is an error; words are an unstated share.
            Some(p) if p.trim().trim_end_matches('%').trim().parse::<f64>().is_ok() => {
                percent(p).map_err(|e| err(file, Some(line), format!("percentage: {e}")))?
            }
            _ => None,
        };
        links.push(LinkRecord {
            owner_key,
            owned_key,
            kind: if share.is_some() {
                LinkKind::Owns
            } else {
                LinkKind::OwnsUnstated
            },
            percent: share,
            relation: "Ownership".into(),
            start_date: first("startDate")
                .map(|d| ftm_date(file, line, "startDate", d))
                .transpose()?,
            end_date: first("endDate")
                .map(|d| ftm_date(file, line, "endDate", d))
                .transpose()?,
        });
    }
    Ok(OwnersFile {
        entities: entities.list,
        links,
        skipped,
    })
}

/// An FtM property's first non-empty value.
fn ftm_first<'a>(props: Option<&'a serde_json::Value>, p: &str) -> Option<&'a str> {
    props
        .and_then(|x| x.get(p))
        .and_then(|x| x.as_array())
        .and_then(|a| a.iter().find_map(|s| s.as_str()))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An FtM date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, read as the first day it
/// names; anything else is refused, never dropped (a dropped end date would
/// make a past holding count today).
fn ftm_date(file: &str, line: usize, field: &str, d: &str) -> Result<String, OwnersError> {
    let full = match d.len() {
        4 => format!("{d}-01-01"),
        7 => format!("{d}-01"),
        _ => d.get(..10).unwrap_or(d).to_string(),
    };
    date_ok(file, line, field, &full)?
        .ok_or_else(|| err(file, Some(line), format!("{field}: empty")))
}

/// A CSV reader past its header, and the header.
fn csv_reader<'a>(
    file: &str,
    text: &'a str,
    flexible: bool,
) -> Result<(csv::Reader<&'a [u8]>, csv::StringRecord), OwnersError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(flexible)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| err(file, Some(1), format!("header: {e}")))?
        .clone();
    Ok((rdr, headers))
}

fn csv_columns(
    file: &str,
    headers: &csv::StringRecord,
    needed: &[&str],
) -> Result<HashMap<String, usize>, OwnersError> {
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    for n in needed {
        if !col.contains_key(*n) {
            return Err(err(file, Some(1), format!("no column {n:?}")));
        }
    }
    Ok(col)
}

fn read_gleif_rr(file: &str, text: &str) -> Result<OwnersFile, OwnersError> {
    let (mut rdr, headers) = csv_reader(file, text, true)?;
    const START: &str = "Relationship.StartNode.NodeID";
    const END: &str = "Relationship.EndNode.NodeID";
    const TYPE: &str = "Relationship.RelationshipType";
    const STATUS: &str = "Relationship.RelationshipStatus";
    let col = csv_columns(file, &headers, &[START, END, TYPE])?;
    // Period columns: the relationship period's dates where the file has them.
    let periods: Vec<(usize, usize, usize)> = (1..=5)
        .filter_map(|n| {
            let c = |f: &str| col.get(&format!("Relationship.Period.{n}.{f}")).copied();
            Some((c("startDate")?, c("endDate")?, c("periodType")?))
        })
        .collect();
    let mut entities = Entities::default();
    let mut links = Vec::new();
    let mut skipped = 0;
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| err(file, Some(line), e.to_string()))?;
        let get = |c: &str| col.get(c).and_then(|&i| row.get(i)).unwrap_or("").trim();
        if get(STATUS).eq_ignore_ascii_case("INACTIVE") {
            skipped += 1;
            continue;
        }
        let child = get(START).to_ascii_uppercase();
        let parent = get(END).to_ascii_uppercase();
        for (f, lei) in [(START, &child), (END, &parent)] {
            if !lei_ok(lei) {
                return Err(err(file, Some(line), format!("{f}: {lei:?} is not an LEI")));
            }
        }
        let relation = get(TYPE).to_string();
        let (kind, share) = match relation.as_str() {
            "IS_DIRECTLY_CONSOLIDATED_BY" | "IS_ULTIMATELY_CONSOLIDATED_BY" => {
                (LinkKind::Controls, None)
            }
            "IS_INTERNATIONAL_BRANCH_OF" => (LinkKind::Owns, Some(100.0)),
            other => {
                return Err(err(
                    file,
                    Some(line),
                    format!("{TYPE}: {other:?} is not IS_DIRECTLY_CONSOLIDATED_BY, IS_ULTIMATELY_CONSOLIDATED_BY or IS_INTERNATIONAL_BRANCH_OF"),
                ))
            }
        };
        let (mut start_date, mut end_date) = (None, None);
        for &(s, e, t) in &periods {
            if row.get(t).map(str::trim) == Some("RELATIONSHIP_PERIOD") {
                start_date = date_ok(file, line, "startDate", row.get(s).unwrap_or(""))?;
                end_date = date_ok(file, line, "endDate", row.get(e).unwrap_or(""))?;
            }
        }
        // The records carry LEIs only: Level 1 records name them.
        for lei in [&child, &parent] {
            entities.add(EntityRecord {
                key: format!("lei:{lei}"),
                name: lei.to_string(),
                country: None,
            });
        }
        links.push(LinkRecord {
            owner_key: format!("lei:{parent}"),
            owned_key: format!("lei:{child}"),
            kind,
            percent: share,
            relation,
            start_date,
            end_date,
        });
    }
    Ok(OwnersFile {
        entities: entities.list,
        links,
        skipped,
    })
}

fn read_gleif_lei(file: &str, text: &str) -> Result<OwnersFile, OwnersError> {
    let (mut rdr, headers) = csv_reader(file, text, true)?;
    let col = csv_columns(file, &headers, &["LEI", "Entity.LegalName"])?;
    let mut entities = Entities::default();
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| err(file, Some(line), e.to_string()))?;
        let get = |c: &str| col.get(c).and_then(|&i| row.get(i)).unwrap_or("").trim();
        let lei = get("LEI").to_ascii_uppercase();
        if !lei_ok(&lei) {
            return Err(err(file, Some(line), format!("LEI: {lei:?} is not an LEI")));
        }
        let name = get("Entity.LegalName");
        if name.is_empty() {
            return Err(err(file, Some(line), "Entity.LegalName is empty"));
        }
        let country = country_ok(
            file,
            line,
            "Entity.LegalAddress.Country",
            get("Entity.LegalAddress.Country"),
        )?;
        entities.add(EntityRecord {
            key: format!("lei:{lei}"),
            name: name.to_string(),
            country,
        });
    }
    Ok(OwnersFile {
        entities: entities.list,
        links: Vec::new(),
        skipped: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_read_with_their_keys_and_refuse_bad_rows() {
        let text = "owner_name,owned_name,percent,owner_lei,owner_country\n\
                    Blocked Holding Ltd,Acme Trading,40,,ru\n\
                    Parent Co,Acme Trading,,529900T8BM49AURSDO55,\n";
        // A share and control of the same entity are two holdings.
        let both = "owner_name,owned_name,percent,kind\nA,B,10,owns\nA,B,,controls\n";
        let f = read_owners("o.csv", both, OwnersFormat::Csv, "mine").unwrap();
        assert_eq!(f.links.len(), 2);
        let f = read_owners("o.csv", text, OwnersFormat::Csv, "mine").unwrap();
        assert_eq!(f.entities.len(), 3);
        assert_eq!(f.entities[0].key, "name:blockedholdingltd");
        assert_eq!(f.entities[0].country.as_deref(), Some("RU"));
        assert_eq!(f.links[0].kind, LinkKind::Owns);
        assert_eq!(f.links[0].percent, Some(40.0));
        assert_eq!(f.links[1].owner_key, "lei:529900T8BM49AURSDO55");
        assert_eq!(
            f.links[1].kind,
            LinkKind::OwnsUnstated,
            "a blank share is unstated"
        );
        for (bad, why) in [
            (
                "owner_name,owned_name,percent\nA,B,120\n",
                "line 2: percent",
            ),
            (
                "owner_name,owned_name,percent\nA,A,10\n",
                "cannot own itself",
            ),
            (
                "owner_name,owned_name,percent,colour\nA,B,1,red\n",
                "unknown column \"colour\"",
            ),
            ("owner_name,owned_name\nA,B\n", "no column \"percent\""),
            (
                "owner_name,owned_name,percent,kind\nA,B,1,rents\n",
                "kind: \"rents\"",
            ),
            (
                "owner_name,owned_name,percent\n,B,1\n",
                "owner_name is empty",
            ),
            (
                "owner_name,owned_name,percent\nA,B,10\nA,B,20\n",
                "stated on line 2 already",
            ),
        ] {
            let e = read_owners("o.csv", bad, OwnersFormat::Csv, "mine").unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn ftm_ownerships_link_the_entities_they_name() {
        let text = r#"{"id":"x","schema":"Company","properties":{"name":["X Holding"],"jurisdiction":["ru"]}}
{"id":"a","schema":"Company","properties":{"name":["A Trading"],"leiCode":["529900T8BM49AURSDO55"]}}
{"id":"o1","schema":"Ownership","properties":{"owner":["x"],"asset":["a"],"percentage":["50%"],"startDate":["2020-01-01"]}}
{"id":"o2","schema":"Ownership","properties":{"owner":["a"],"asset":["x"],"percentage":["majority"]}}
{"id":"s","schema":"Sanction","properties":{"entity":["x"]}}
"#;
        let f = read_owners("e.ftm.json", text, OwnersFormat::Ftm, "os").unwrap();
        assert_eq!(f.entities[1].key, "lei:529900T8BM49AURSDO55");
        assert_eq!(f.links[0].owner_key, "ftm:x");
        assert_eq!(f.links[0].percent, Some(50.0));
        assert_eq!(f.links[0].start_date.as_deref(), Some("2020-01-01"));
        assert_eq!(
            f.links[1].kind,
            LinkKind::OwnsUnstated,
            "words are not a share"
        );
        assert_eq!(f.skipped, 1);
        let dangling =
            r#"{"id":"o1","schema":"Ownership","properties":{"owner":["x"],"asset":["a"]}}"#;
        let e = read_owners("e.json", dangling, OwnersFormat::Ftm, "os").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn gleif_relationships_are_control_and_branches_the_same_person() {
        let text = "Relationship.StartNode.NodeID,Relationship.EndNode.NodeID,Relationship.RelationshipType,Relationship.RelationshipStatus,Relationship.Period.1.startDate,Relationship.Period.1.endDate,Relationship.Period.1.periodType\n\
            5493001KJTIIGC8Y1R12,529900T8BM49AURSDO55,IS_DIRECTLY_CONSOLIDATED_BY,ACTIVE,2019-03-01T00:00:00Z,,RELATIONSHIP_PERIOD\n\
            5493001KJTIIGC8Y1R17,529900T8BM49AURSDO55,IS_INTERNATIONAL_BRANCH_OF,ACTIVE,,,\n\
            5493001KJTIIGC8Y1R19,529900T8BM49AURSDO55,IS_ULTIMATELY_CONSOLIDATED_BY,INACTIVE,,,\n";
        assert_eq!(OwnersFormat::detect(text), Some(OwnersFormat::GleifRr));
        let f = read_owners("rr.csv", text, OwnersFormat::GleifRr, "gleif").unwrap();
        assert_eq!(f.links.len(), 2);
        assert_eq!(f.skipped, 1);
        assert_eq!(
            f.links[0].owner_key, "lei:529900T8BM49AURSDO55",
            "the parent holds the child"
        );
        assert_eq!(f.links[0].kind, LinkKind::Controls);
        assert_eq!(f.links[0].start_date.as_deref(), Some("2019-03-01"));
        assert_eq!(f.links[1].percent, Some(100.0));
        let lei =
            "LEI,Entity.LegalName,Entity.LegalAddress.Country\n529900T8BM49AURSDO55,Parent AG,DE\n";
        let f = read_owners("lei.csv", lei, OwnersFormat::GleifLei, "gleif").unwrap();
        assert_eq!(f.entities[0].name, "Parent AG");
        let bad = "LEI,Entity.LegalName\nNOTALEI,X\n";
        assert!(read_owners("lei.csv", bad, OwnersFormat::GleifLei, "g")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
    }
}
