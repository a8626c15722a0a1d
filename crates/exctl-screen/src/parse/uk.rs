//! The UK's lists: the UK Sanctions List published by the FCDO (the single
//! UK list from 28 January 2026) in its XML (root `<Designations>`, one
//! `<Designation>` per party) and CSV (a `Report Date: DD-Mon-YYYY` line, a
//! header, then one row per name of each designation, keyed by `Unique ID`),
//! and OFSI's former Consolidated List CSV (`ConList.csv`: a
//! `Last Updated,DD/MM/YYYY` line, a header, then one row per name of each
//! group, keyed by `Group ID`).
//!
//! Names are written in parts: `Name 1` to `Name 5` are given and middle
//! names, `Name 6` the family name (or an organisation's whole name); the
//! whole name is the parts in that order.

use super::{
    check_name, child_text, children, csv_error, csv_error_after_first_line, expect_root,
    parse_xml, slash_date, xml_line, CountryResolver, ParseError,
};
use crate::model::{EntityType, Entry, PartyId, Strength};
use std::collections::HashMap;

const LIST: &str = "UK";
const UK_LIST_NAME: &str = "UK Sanctions List (FCDO)";
const OFSI_LIST_NAME: &str = "UK OFSI Consolidated List of Financial Sanctions Targets";

fn entity_type(s: &str) -> EntityType {
    match s.trim().to_ascii_lowercase().as_str() {
        "ship" => EntityType::Vessel,
        other => EntityType::parse(other),
    }
}

/// How a name counts, from its name type ("Primary Name", "Primary name
/// variation", "Alias", "AKA", in any case) and alias strength or quality
/// ("Good quality a.k.a", "Low quality a.k.a", "Good", "Low"): the primary
/// name, or an alias strong or weak.
fn name_kind(name_type: &str, strength: &str) -> (Strength, bool) {
    let t = name_type.trim().to_ascii_lowercase();
    let weak = strength.to_ascii_lowercase().contains("low");
    if t == "primary name" {
        (Strength::Strong, true)
    } else if weak {
        (Strength::Weak, false)
    } else {
        (Strength::Strong, false)
    }
}

/// Countries in a cell that may hold several ("(1) Iraq (2) Syria",
/// "Iraq; Syria"): the whole cell if the resolver knows it, else its parts.
/// Parts the resolver does not know are left out.
fn countries_in(cell: &str, countries: CountryResolver<'_>) -> Vec<String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Vec::new();
    }
    if let Some(c) = countries(cell) {
        return vec![c];
    }
    let mut cleaned = String::with_capacity(cell.len());
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        // "(1)", "(2)" … separate items.
        if c == '(' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.next().is_some_and(|d| d != ')') {}
            cleaned.push(';');
        } else {
            cleaned.push(c);
        }
    }
    cleaned
        .split([';', ',', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter_map(countries)
        .collect()
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// A business registration number: its kind from its own label ("INN
/// 7706810730", "OGRN: …"), else a registration.
fn registration(cell: &str) -> Option<PartyId> {
    PartyId::new(PartyId::kind_of(cell).unwrap_or("registration"), cell)
}

/// Parses the FCDO's XML; returns the entries and its `DateGenerated`
/// (`YYYY-MM-DD`).
pub fn parse_uk_xml(
    file: &str,
    xml: &str,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    let doc = parse_xml(file, xml)?;
    let root = expect_root(file, &doc, "Designations", &[None])?;
    let date = match children(root, "DateGenerated").next() {
        None => None,
        Some(d) => {
            let text = d.text().unwrap_or("").trim();
            Some(slash_date(text, false).ok_or_else(|| {
                ParseError::new(
                    file,
                    Some(xml_line(&doc, d)),
                    format!("DateGenerated {text:?} is not DD/MM/YYYY"),
                )
            })?)
        }
    };
    let mut out = Vec::new();
    for node in children(root, "Designation") {
        let line = Some(xml_line(&doc, node));
        let id = child_text(node, "UniqueID")
            .ok_or_else(|| ParseError::new(file, line, "Designation has no UniqueID"))?;
        let mut e = Entry::new(LIST, UK_LIST_NAME, id);
        e.entity_type =
            child_text(node, "IndividualEntityShip").map_or(EntityType::Unknown, entity_type);
        let mut names: Vec<(String, Strength, bool, usize)> = Vec::new();
        for n in children(node, "Names").flat_map(|l| children(l, "Name")) {
            let name = ["Name1", "Name2", "Name3", "Name4", "Name5", "Name6"]
                .iter()
                .filter_map(|t| child_text(n, t))
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() {
                continue;
            }
            let (strength, primary) = name_kind(
                child_text(n, "NameType").unwrap_or(""),
                child_text(n, "AliasStrength").unwrap_or(""),
            );
            names.push((name, strength, primary, xml_line(&doc, n)));
        }
        // Non-Latin names: `<NonLatinNames><NameNonLatinScript>` (one
        // element per name) or `<NonLatinNames><NonLatinName><NameNonLatinScript>`.
        for n in children(node, "NonLatinNames")
            .flat_map(|l| l.descendants())
            .filter(|d| d.has_tag_name("NameNonLatinScript"))
        {
            if let Some(t) = n.text().map(str::trim).filter(|t| !t.is_empty()) {
                names.push((t.to_string(), Strength::Strong, false, xml_line(&doc, n)));
            }
        }
        add_names(file, line, id, &mut e, names)?;
        if let Some(r) = child_text(node, "RegimeName") {
            e.programs.push(r.to_string());
        }
        for a in children(node, "Addresses").flat_map(|l| children(l, "Address")) {
            let parts: Vec<&str> = [
                "AddressLine1",
                "AddressLine2",
                "AddressLine3",
                "AddressLine4",
                "AddressLine5",
                "AddressLine6",
                "AddressPostalCode",
                "AddressCountry",
            ]
            .iter()
            .filter_map(|t| child_text(a, t))
            .collect();
            if !parts.is_empty() {
                push_unique(&mut e.addresses, &parts.join(", "));
            }
            for c in countries_in(child_text(a, "AddressCountry").unwrap_or(""), countries) {
                e.add_country(&c);
            }
        }
        for i in children(node, "IndividualDetails").flat_map(|l| children(l, "Individual")) {
            for d in i.descendants().filter(|d| d.has_tag_name("DOB")) {
                push_unique(&mut e.birth_dates, d.text().unwrap_or(""));
            }
            for n in i.descendants().filter(|d| d.has_tag_name("Nationality")) {
                for c in countries_in(n.text().unwrap_or(""), countries) {
                    e.add_country(&c);
                }
            }
            for p in i.descendants().filter(|d| d.has_tag_name("PassportNumber")) {
                if let Some(id) = PartyId::new("passport", p.text().unwrap_or("")) {
                    e.add_id(id);
                }
            }
            for p in i
                .descendants()
                .filter(|d| d.has_tag_name("NationalIdentifierNumber"))
            {
                if let Some(id) = PartyId::new("national id", p.text().unwrap_or("")) {
                    e.add_id(id);
                }
            }
        }
        for r in children(node, "EntityDetails")
            .flat_map(|l| l.descendants())
            .filter(|d| d.has_tag_name("BusinessRegistrationNumber"))
        {
            if let Some(id) = registration(r.text().unwrap_or("")) {
                e.add_id(id);
            }
        }
        for m in children(node, "ShipDetails")
            .flat_map(|l| l.descendants())
            .filter(|d| d.has_tag_name("IMONumber"))
        {
            if let Some(id) = PartyId::new("imo", m.text().unwrap_or("")) {
                e.add_id(id);
            }
        }
        e.remarks = child_text(node, "OtherInformation").map(str::to_string);
        out.push(e);
    }
    Ok((out, date))
}

/// Adds the names of one entry: its primary name first (the first name typed
/// primary, else its first strong name), then the rest in order.
fn add_names(
    file: &str,
    line: Option<usize>,
    id: &str,
    e: &mut Entry,
    names: Vec<(String, Strength, bool, usize)>,
) -> Result<(), ParseError> {
    let primary = names
        .iter()
        .position(|n| n.2)
        .or_else(|| names.iter().position(|n| n.1 == Strength::Strong))
        .unwrap_or(0);
    let Some((first, _, _, first_line)) = names.get(primary) else {
        return Err(ParseError::new(
            file,
            line,
            format!("designation {id} has no name"),
        ));
    };
    check_name(file, Some(*first_line), first)?;
    e.add_name(first, Strength::Strong, true);
    for (name, strength, _, l) in &names {
        check_name(file, Some(*l), name)?;
        e.add_name(name, *strength, false);
    }
    Ok(())
}

/// Which columns of a grouped CSV (one row per name) mean what.
struct Columns {
    list_name: &'static str,
    /// What the line before the header starts with.
    preamble: &'static str,
    id: &'static str,
    kind: &'static str,
    name_type: &'static str,
    strength: &'static str,
    non_latin: &'static str,
    regime: &'static str,
    address: [&'static str; 6],
    postal: &'static str,
    country: &'static str,
    dob: &'static str,
    nationality: &'static str,
    passport: &'static str,
    national_id: &'static str,
    registration: Option<&'static str>,
    imo: Option<&'static str>,
}

const UK_COLUMNS: Columns = Columns {
    list_name: UK_LIST_NAME,
    preamble: "Report Date",
    id: "Unique ID",
    kind: "Designation Type",
    name_type: "Name type",
    strength: "Alias strength",
    non_latin: "Name non-latin script",
    regime: "Regime Name",
    address: [
        "Address Line 1",
        "Address Line 2",
        "Address Line 3",
        "Address Line 4",
        "Address Line 5",
        "Address Line 6",
    ],
    postal: "Address Postal Code",
    country: "Address Country",
    dob: "D.O.B",
    nationality: "Nationality(/ies)",
    passport: "Passport number",
    national_id: "National Identifier number",
    registration: Some("Business registration number (s)"),
    imo: Some("IMO number"),
};

const OFSI_COLUMNS: Columns = Columns {
    list_name: OFSI_LIST_NAME,
    preamble: "Last Updated",
    id: "Group ID",
    kind: "Group Type",
    name_type: "Alias Type",
    strength: "Alias Quality",
    non_latin: "Name Non-Latin Script",
    regime: "Regime",
    address: [
        "Address 1",
        "Address 2",
        "Address 3",
        "Address 4",
        "Address 5",
        "Address 6",
    ],
    postal: "Post/Zip Code",
    country: "Country",
    dob: "DOB",
    nationality: "Nationality",
    passport: "Passport Number",
    national_id: "National Identification Number",
    registration: None,
    imo: None,
};

/// `13-Feb-2026` as `2026-02-13`.
fn month_date(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [d, m, y] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = MONTHS
        .iter()
        .position(|x| m.to_ascii_lowercase().starts_with(x))?
        + 1;
    let d: u32 = d.parse().ok()?;
    (y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) && (1..=31).contains(&d))
        .then(|| format!("{y}-{m:02}-{d:02}"))
}

/// The date of the line before the header: `Report Date: 13-Feb-2026` or
/// `Last Updated,03/06/2026` (also `Last Updated:,03/06/2026,,,`).
fn preamble_date(line: &str) -> Option<String> {
    let rest = line.split_once(':').map(|(_, r)| r).unwrap_or(line);
    let cells: Vec<&str> = rest
        .split(',')
        .map(|c| c.trim().trim_matches('"').trim())
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("last updated"))
        .collect();
    let value = cells.first()?;
    month_date(value).or_else(|| slash_date(value, false))
}

/// Reads a grouped CSV: rows of the same id are one entry.
fn parse_grouped_csv(
    file: &str,
    text: &str,
    cols: &Columns,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    let first = text.lines().next().unwrap_or("");
    let bare = first.trim_start_matches('\u{feff}').trim_start_matches('"');
    // The date line may have been taken off: then the header comes first.
    let (date, mut rdr, shifted) = if bare
        .to_ascii_lowercase()
        .starts_with(&cols.preamble.to_ascii_lowercase())
    {
        let date = preamble_date(bare).ok_or_else(|| {
            ParseError::new(
                file,
                Some(1),
                format!("first line {first:?} has no readable date"),
            )
        })?;
        (Some(date), super::csv_after_first_line(text), true)
    } else {
        let rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        (None, rdr, false)
    };
    let err = |e: &csv::Error| {
        if shifted {
            csv_error_after_first_line(file, e)
        } else {
            csv_error(file, e)
        }
    };
    let header_line = if shifted { 2 } else { 1 };
    let headers = rdr.headers().map_err(|e| err(&e))?.clone();
    let norm = |h: &str| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
    };
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (norm(h), i))
        .collect();
    let col = |name: &str| index.get(&norm(name)).copied();
    for required in [cols.id, "Name 6", cols.kind] {
        if col(required).is_none() {
            return Err(ParseError::new(
                file,
                Some(header_line),
                format!("header has no `{required}` column"),
            ));
        }
    }
    let name_cols: Vec<Option<usize>> =
        ["Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6"]
            .iter()
            .map(|n| col(n))
            .collect();
    let mut entries: Vec<Entry> = Vec::new();
    let mut names: Vec<Vec<(String, Strength, bool, usize)>> = Vec::new();
    let mut first_lines: Vec<usize> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(&e))?;
        let line = rec.position().map_or(0, |p| p.line() as usize) + usize::from(shifted);
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
        let id = get(col(cols.id));
        if id.is_empty() {
            return Err(ParseError::new(
                file,
                Some(line),
                format!("row has no `{}`", cols.id),
            ));
        }
        let i = *by_id.entry(id.to_string()).or_insert_with(|| {
            let mut e = Entry::new(LIST, cols.list_name, id);
            e.entity_type = entity_type(get(col(cols.kind)));
            entries.push(e);
            names.push(Vec::new());
            first_lines.push(line);
            entries.len() - 1
        });
        let e = &mut entries[i];
        let name = name_cols
            .iter()
            .map(|c| get(*c))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            let (strength, primary) = name_kind(get(col(cols.name_type)), get(col(cols.strength)));
            names[i].push((name, strength, primary, line));
        }
        let non_latin = get(col(cols.non_latin));
        if !non_latin.is_empty() {
            names[i].push((non_latin.to_string(), Strength::Strong, false, line));
        }
        let regime = get(col(cols.regime));
        if !regime.is_empty() && !e.programs.iter().any(|p| p == regime) {
            e.programs.push(regime.to_string());
        }
        let address: Vec<&str> = cols
            .address
            .iter()
            .chain([&cols.postal, &cols.country])
            .map(|c| get(col(c)))
            .filter(|p| !p.is_empty())
            .collect();
        if !address.is_empty() {
            push_unique(&mut e.addresses, &address.join(", "));
        }
        for c in countries_in(get(col(cols.country)), countries)
            .into_iter()
            .chain(countries_in(get(col(cols.nationality)), countries))
        {
            e.add_country(&c);
        }
        push_unique(&mut e.birth_dates, get(col(cols.dob)));
        if let Some(id) = PartyId::new("passport", get(col(cols.passport))) {
            e.add_id(id);
        }
        if let Some(id) = PartyId::new("national id", get(col(cols.national_id))) {
            e.add_id(id);
        }
        if let Some(id) = cols.registration.and_then(|c| registration(get(col(c)))) {
            e.add_id(id);
        }
        if let Some(id) = cols.imo.and_then(|c| PartyId::new("imo", get(col(c)))) {
            e.add_id(id);
        }
        if e.remarks.is_none() {
            e.remarks = Some(get(col("Other Information")))
                .filter(|r| !r.is_empty())
                .map(str::to_string);
        }
    }
    for ((e, n), line) in entries.iter_mut().zip(names).zip(first_lines) {
        let id = e.id.clone();
        add_names(file, Some(line), &id, e, n)?;
    }
    Ok((entries, date))
}

/// Parses the FCDO's UK Sanctions List CSV; returns the entries and its
/// report date (`YYYY-MM-DD`).
pub fn parse_uk_csv(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    parse_grouped_csv(file, text, &UK_COLUMNS, countries)
}

/// Parses OFSI's Consolidated List CSV (`ConList.csv`); returns the entries
/// and its last-updated date (`YYYY-MM-DD`).
pub fn parse_ofsi_csv(
    file: &str,
    text: &str,
    countries: CountryResolver<'_>,
) -> Result<(Vec<Entry>, Option<String>), ParseError> {
    parse_grouped_csv(file, text, &OFSI_COLUMNS, countries)
}

#[cfg(test)]
mod tests {
    use super::{countries_in, month_date, parse_ofsi_csv, parse_uk_csv, parse_uk_xml};
    use crate::model::{EntityType, Entry, PartyId, Strength};
    use crate::parse::testing::{country, example, read};
    use crate::parse::{load_path, Format};
    use std::path::Path;

    fn find<'a>(entries: &'a [Entry], id: &str) -> &'a Entry {
        entries.iter().find(|e| e.id == id).unwrap()
    }

    /// What the XML and the CSV of the UK list say alike.
    fn check_uk(entries: &[Entry]) {
        assert!(entries.iter().all(|e| e.list == "UK"));
        let hk = find(entries, "AFG0001");
        assert_eq!(
            hk.primary_name(),
            "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
        );
        assert_eq!(hk.entity_type, EntityType::Entity);
        assert!(hk
            .names
            .iter()
            .any(|n| n.text == "Haji Alim Hawala" && n.strength == Strength::Strong));
        assert!(hk
            .names
            .iter()
            .any(|n| n.text == "Haji Hakim Hawala" && n.strength == Strength::Weak));
        assert!(hk
            .names
            .iter()
            .any(|n| n.text == "حاجی خيرالله و حاجی ستار صرافی"));
        assert_eq!(hk.countries, ["AF", "AE"]);
        assert_eq!(
            hk.programs,
            ["The Afghanistan (Sanctions) (EU Exit) Regulations 2020"]
        );
        assert_eq!(
            hk.remarks.as_deref(),
            Some("Afghan Money Service Provider License Number: 044.")
        );
        let akhund = find(entries, "AFG0006");
        assert_eq!(akhund.primary_name(), "MOHAMMAD HASSAN AKHUND");
        assert_eq!(akhund.entity_type, EntityType::Individual);
        assert_eq!(akhund.birth_dates, ["dd/mm/1945", "dd/mm/1946"]);
        assert_eq!(akhund.countries, ["AF"]);
        assert!(akhund.names.iter().any(|n| n.text == "محمد حسن آخوند"));
        let aouadi = find(entries, "AQD0239");
        assert_eq!(
            aouadi.primary_name(),
            "MOHAMED BEN BELGACEM BEN ABDALLAH AL-AOUADI"
        );
        assert_eq!(aouadi.birth_dates, ["11/12/1974"]);
        assert_eq!(aouadi.countries, ["TN"]);
        assert!(aouadi
            .ids
            .contains(&PartyId::new("passport", "L191609").unwrap()));
        assert!(aouadi
            .ids
            .contains(&PartyId::new("national id", "04643632").unwrap()));
        let ship = find(entries, "RUS2176");
        assert_eq!(ship.primary_name(), "KOROLEV PROSPECT");
        assert_eq!(ship.entity_type, EntityType::Vessel);
        assert_eq!(ship.ids, [PartyId::new("imo", "IMO9826902").unwrap()]);
        assert_eq!(ship.ids[0].number, "9826902");
        assert_eq!(
            ship.programs,
            ["The Russia (Sanctions) (EU Exit) Regulations 2019"]
        );
    }

    #[test]
    fn uk_xml_reads_designations() {
        let (entries, date) = parse_uk_xml("uk.xml", &read("uk.xml"), &country).unwrap();
        assert_eq!(date.as_deref(), Some("2026-09-02"));
        assert_eq!(entries.len(), 5);
        check_uk(&entries);
        let petrel = find(&entries, "DPR0075");
        assert_eq!(petrel.ids[0].kind, "imo");
        assert!(petrel.names.iter().any(|n| n.text == "Jal Vahini"));
    }

    #[test]
    fn uk_csv_groups_rows_by_unique_id() {
        let (entries, date) = parse_uk_csv("uk.csv", &read("uk.csv"), &country).unwrap();
        assert_eq!(date.as_deref(), Some("2026-10-08"));
        assert_eq!(entries.len(), 5);
        check_uk(&entries);
        assert_eq!(find(&entries, "DPR0075").entity_type, EntityType::Vessel);
        let hk = find(&entries, "AFG0001");
        assert_eq!(
            hk.addresses.len(),
            2,
            "one per address row: {:?}",
            hk.addresses
        );
    }

    #[test]
    fn ofsi_conlist_groups_rows_by_group_id() {
        let (entries, date) =
            parse_ofsi_csv("ConList.csv", &read("ConList.csv"), &country).unwrap();
        assert_eq!(date.as_deref(), Some("2022-05-13"));
        assert_eq!(entries.len(), 5);
        assert!(entries.iter().all(|e| e.list == "UK"));
        let hk = find(&entries, "12703");
        assert!(hk
            .names
            .iter()
            .any(|n| n.text == "Haji Hakim Hawala" && n.strength == Strength::Weak));
        assert_eq!(find(&entries, "14196").primary_name(), "Vladimir PUTIN");
        let gen = find(&entries, "12431");
        assert_eq!(
            gen.primary_name(),
            "(GENERAL) ORGANIZATION FOR ENGINEERING INDUSTRIES"
        );
        assert_eq!(gen.entity_type, EntityType::Entity);
        assert_eq!(gen.countries, ["SY"]);
        assert_eq!(gen.addresses, ["PO Box 21120, Baramkeh, Damascus, Syria"]);
        let aouadi = find(&entries, "7024");
        assert_eq!(
            aouadi.primary_name(),
            "MOHAMED BEN BELGACEM BEN ABDALLAH AL-AOUADI"
        );
        assert!(aouadi.names.iter().any(|n| n.text == "Fathi HANNACHI"));
        assert!(aouadi
            .ids
            .contains(&PartyId::new("passport", "L191609").unwrap()));
        assert_eq!(aouadi.birth_dates, ["11/12/1974"]);
        assert!(aouadi
            .names
            .iter()
            .any(|n| n.text == "محمد بن بلقاسم بن عبد الله العوادي"));
        let akhund = find(&entries, "7172");
        assert!(akhund
            .names
            .iter()
            .any(|n| n.text == "Mohammad Hassan AKHUND" && n.strength == Strength::Strong));
    }

    #[test]
    fn every_fixture_is_detected() {
        for (name, format) in [
            ("uk.xml", Format::UkXml),
            ("uk.csv", Format::UkCsv),
            ("ConList.csv", Format::OfsiCsv),
        ] {
            let head = read(name);
            let head = &head.as_bytes()[..head.len().min(4096)];
            assert_eq!(
                Format::detect(Path::new(name), head),
                Some(format),
                "{name}"
            );
            let set = load_path(&example(name), None, &country).unwrap();
            assert_eq!(set.sources[0].format, format.name());
            assert!(set.sources[0].date.is_some(), "{name}");
        }
    }

    #[test]
    fn broken_files_are_refused_with_the_line() {
        let xml = read("uk.xml");
        let e = parse_uk_xml("uk.xml", &xml[..xml.len() - 40], &country)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("uk.xml:") && e.contains("not well-formed XML"),
            "{e}"
        );
        let e = parse_uk_xml("uk.xml", "<?xml version=\"1.0\"?>\n<export/>", &country)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("uk.xml:2:") && e.contains("expected <Designations>"),
            "{e}"
        );
        let nameless = "<Designations>\n<Designation>\n<UniqueID>X1</UniqueID>\n\
            <Names><Name><NameType>Primary Name</NameType></Name></Names>\n</Designation>\n</Designations>";
        let e = parse_uk_xml("uk.xml", nameless, &country)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("uk.xml:2:") && e.contains("designation X1 has no name"),
            "{e}"
        );

        let csv = read("uk.csv");
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        // A row cut short.
        let cut = lines[4].split(',').take(10).collect::<Vec<_>>().join(",");
        let mut broken = lines.clone();
        broken[4] = cut;
        let e = parse_uk_csv("uk.csv", &broken.join("\n"), &country)
            .unwrap_err()
            .to_string();
        assert!(e.contains("uk.csv:5:") && e.contains("fields"), "{e}");
        // A designation whose only row has no name.
        let header: Vec<&str> = lines[1].split(',').collect();
        let mut row = vec![""; header.len()];
        row[1] = "ZZZ0001";
        row[17] = "Entity";
        lines.push(row.join(","));
        let n = lines.len();
        let e = parse_uk_csv("uk.csv", &lines.join("\n"), &country)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("uk.csv:{n}:")) && e.contains("ZZZ0001 has no name"),
            "{e}"
        );
        // Not the UK list's header.
        let e = parse_uk_csv("uk.csv", "Report Date: 08-Oct-2026\nfoo,bar\n", &country)
            .unwrap_err()
            .to_string();
        assert!(e.contains("uk.csv:2:") && e.contains("`Unique ID`"), "{e}");
        let e = parse_uk_csv("uk.csv", "Report Date: someday\nUnique ID\n", &country)
            .unwrap_err()
            .to_string();
        assert!(e.contains("uk.csv:1:") && e.contains("date"), "{e}");
    }

    #[test]
    fn bad_utf8_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("exctl-uk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["uk.xml", "uk.csv", "ConList.csv"] {
            let p = dir.join(name);
            let mut bytes = read(name).into_bytes();
            let at = bytes.windows(6).position(|w| w == b"AKHUND").unwrap();
            bytes[at] = 0xc3;
            std::fs::write(&p, &bytes).unwrap();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let e = load_path(&p, None, &country).unwrap_err().to_string();
            assert!(
                e.contains(&format!("{name}:{line}:")) && e.contains("UTF-8"),
                "{e}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn dates_and_country_cells() {
        assert_eq!(month_date("13-Feb-2026").as_deref(), Some("2026-02-13"));
        assert_eq!(month_date("8-Oct-2026").as_deref(), Some("2026-10-08"));
        assert_eq!(month_date("13-Foo-2026"), None);
        assert_eq!(countries_in("(1) Iraq (2) Syria", &country), ["IQ", "SY"]);
        assert_eq!(countries_in("Tunisia", &country), ["TN"]);
        assert!(countries_in("Atlantis", &country).is_empty());
    }
}
