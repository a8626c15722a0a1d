//! BIS Denied Persons List, tab-separated with a header row.

use super::{check_name, csv_error, nonempty, synthetic_id, CountryResolver, ParseError};
use crate::model::{EntityType, Entry, Strength};

pub fn parse_dpl(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(file, &e))?.clone();
    let idx = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let name_col = idx("Name").ok_or_else(|| {
        ParseError::new(file, Some(1), "header has no `Name` column; not a DPL file")
    })?;
    let col = |name: &str| idx(name);
    let (street, city, state, country, postal) = (
        col("Street_Address"),
        col("City"),
        col("State"),
        col("Country"),
        col("Postal_Code"),
    );
    let (effective, expiration, fr, action) = (
        col("Effective_Date"),
        col("Expiration_Date"),
        col("FR_Citation"),
        col("Action"),
    );
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(file, &e))?;
        let line = rec.position().map(|p| p.line() as usize);
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let name = get(Some(name_col));
        check_name(file, line, name)?;
        let address: Vec<&str> = [street, city, state, postal, country]
            .into_iter()
            .map(get)
            .filter(|s| !s.is_empty())
            .collect();
        let id = synthetic_id(&[name, &address.join(", "), get(effective)]);
        let mut e = Entry::new(
            "DPL",
            "Denied Persons List (DPL) - Bureau of Industry and Security",
            &id,
        );
        e.add_name(name, Strength::Strong, true);
        e.entity_type = EntityType::Unknown;
        if !address.is_empty() {
            e.addresses.push(address.join(", "));
        }
        if let Some(c) = countries(get(country)) {
            e.add_country(&c);
        }
        e.federal_register_notice = nonempty(get(fr));
        // The file states no licence requirement; what a denial order
        // means is the rule pack's (packs/us/parties.toml), not the parser's.
        let dates = format!(
            "effective {}, expires {}; {}",
            get(effective),
            get(expiration),
            get(action)
        );
        e.remarks = Some(dates);
        out.push(e);
    }
    Ok(out)
}
