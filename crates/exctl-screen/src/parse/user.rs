//! The user's own list: CSV with a header `name,aliases,country,list,note`
//! (also optional `type` and `id`). Aliases and countries are `;`-separated.

use super::{
    check_name, csv_error, nonempty, split_multi, synthetic_id, CountryResolver, ParseError,
};
use crate::model::{EntityType, Entry, Strength};

pub fn parse_user_csv(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(file, &e))?.clone();
    let idx = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let name_col =
        idx("name").ok_or_else(|| ParseError::new(file, Some(1), "header has no `name` column"))?;
    for h in headers.iter() {
        if ![
            "name", "aliases", "country", "list", "note", "type", "id", "source",
        ]
        .contains(&h.to_ascii_lowercase().as_str())
        {
            return Err(ParseError::new(file, Some(1), format!("unknown column {h:?} (known: name, aliases, country, list, note, type, id, source)")));
        }
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(file, &e))?;
        let line = rec.position().map(|p| p.line() as usize);
        let get = |n: &str| idx(n).and_then(|i| rec.get(i)).unwrap_or("");
        let name = rec.get(name_col).unwrap_or("");
        check_name(file, line, name)?;
        let list = nonempty(get("list")).unwrap_or_else(|| "OWN".to_string());
        let id = nonempty(get("id")).unwrap_or_else(|| synthetic_id(&[&list, name]));
        let mut e = Entry::new(&list, &list, &id);
        e.add_name(name, Strength::Strong, true);
        for a in split_multi(get("aliases")) {
            check_name(file, line, a)?;
            e.add_name(a, Strength::Strong, false);
        }
        for c in split_multi(get("country")) {
            match countries(c) {
                Some(code) => e.add_country(&code),
                None => {
                    return Err(ParseError::new(
                        file,
                        line,
                        format!("unknown country {c:?}"),
                    ))
                }
            }
        }
        e.entity_type = EntityType::parse(get("type"));
        e.remarks = nonempty(get("note"));
        e.source_url = nonempty(get("source"));
        out.push(e);
    }
    Ok(out)
}
