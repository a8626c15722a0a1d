//! List parsers. Each reads one real published format into [`Entry`]s and
//! rejects the whole file, with file, line and reason, when anything is off:
//! a list never half-loads.

mod csl;
mod dpl;
mod eu;
mod ftm;
mod ofac;
mod ofac_xml;
#[cfg(test)]
mod testing;
mod uk;
mod un;
mod user;

use crate::model::{sha256, Entry, ListSet, SourceInfo};
use std::path::Path;

pub use csl::{parse_csl_csv, parse_csl_json};
pub use dpl::parse_dpl;
pub use eu::parse_eu_xml;
pub use ftm::parse_ftm;
pub use ofac::{consolidated_list, parse_ofac, OfacFiles};
pub use ofac_xml::parse_ofac_xml;
pub use uk::{parse_ofsi_csv, parse_uk_csv, parse_uk_xml};
pub use un::parse_un_xml;
pub use user::parse_user_csv;

/// Maps a country name or code as a list writes it ("Iran", "China", "CN")
/// to ISO 3166 alpha-2; the caller supplies the country table.
pub type CountryResolver<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {reason}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ParseError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl ParseError {
    pub fn new(file: &str, line: Option<usize>, reason: impl Into<String>) -> ParseError {
        ParseError {
            file: file.to_string(),
            line,
            reason: reason.into(),
        }
    }
}

/// The formats exctl reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// trade.gov Consolidated Screening List CSV (with or without `_id`).
    CslCsv,
    /// trade.gov Consolidated Screening List JSON.
    CslJson,
    /// OFAC legacy CSV set: `sdn.csv` (+ `alt.csv`, `add.csv`, `sdn_comments.csv`)
    /// or the non-SDN `cons_prim.csv` set.
    Ofac,
    /// OFAC SDN list in its classic XML (`sdn.xml`, root `<sdnList>`).
    OfacXml,
    /// OFAC consolidated non-SDN list in the same XML (`consolidated.xml`).
    /// Its file looks like the SDN list's: it is recognised by a file name
    /// containing `cons`, else it must be named.
    OfacConsXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// EU Financial Sanctions Files, consolidated list XML (root `<export>`).
    EuXml,
    /// UK Sanctions List (FCDO) XML (root `<Designations>`).
    UkXml,
    /// UK Sanctions List (FCDO) CSV: a `Report Date` line, then one row per name.
    UkCsv,
    /// OFSI Consolidated List CSV (`ConList.csv`): a `Last Updated` line, then
    /// one row per name of each group.
    OfsiCsv,
    /// BIS Denied Persons List, tab-separated.
    Dpl,
    /// FollowTheMoney entities, JSON lines (plain or delta feed).
    Ftm,
    /// The user's own CSV: name, aliases, country, list, note.
    UserCsv,
}

impl Format {
    /// Every format, in the order they are listed to a person.
    pub const ALL: [Format; 13] = [
        Format::CslCsv,
        Format::CslJson,
        Format::Ofac,
        Format::OfacXml,
        Format::OfacConsXml,
        Format::UnXml,
        Format::EuXml,
        Format::UkXml,
        Format::UkCsv,
        Format::OfsiCsv,
        Format::Dpl,
        Format::Ftm,
        Format::UserCsv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::CslCsv => "csl-csv",
            Format::CslJson => "csl-json",
            Format::Ofac => "ofac",
            Format::OfacXml => "ofac-xml",
            Format::OfacConsXml => "ofac-cons-xml",
            Format::UnXml => "un-xml",
            Format::EuXml => "eu-xml",
            Format::UkXml => "uk-xml",
            Format::UkCsv => "uk-csv",
            Format::OfsiCsv => "ofsi-csv",
            Format::Dpl => "dpl",
            Format::Ftm => "ftm",
            Format::UserCsv => "csv",
        }
    }

    pub fn parse_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The names of every format, comma-separated, for messages.
    pub fn names() -> String {
        Format::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Recognises a format from the file name and its first bytes. XML lists
    /// are told apart by their root element (and the EU's by its namespace),
    /// the UK and OFSI CSVs by their first line and header.
    pub fn detect(path: &Path, head: &[u8]) -> Option<Format> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if path.is_dir() || name == "sdn.csv" || name == "cons_prim.csv" {
            return Some(Format::Ofac);
        }
        let head = String::from_utf8_lossy(head);
        let head = head.trim_start_matches('\u{feff}').trim_start();
        let first_line = head.lines().next().unwrap_or("").to_ascii_lowercase();
        if head.starts_with('<') || name.ends_with(".xml") {
            match xml_root(head) {
                Some((root, tag)) => {
                    return match root {
                        "CONSOLIDATED_LIST" => Some(Format::UnXml),
                        "sdnList" if name.contains("cons") => Some(Format::OfacConsXml),
                        "sdnList" => Some(Format::OfacXml),
                        "export" if tag.contains(eu::NAMESPACE) => Some(Format::EuXml),
                        "Designations" => Some(Format::UkXml),
                        _ => None,
                    }
                }
                // No root element in the first bytes: the UN list, as before.
                None if head.starts_with("<?xml") || name.ends_with(".xml") => {
                    return Some(Format::UnXml)
                }
                None => {}
            }
        }
        let second_line = head.lines().nth(1).unwrap_or("").to_ascii_lowercase();
        let has = |line: &str, cols: &[&str]| {
            let cells: Vec<String> = line
                .split(',')
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            cols.iter().all(|c| cells.iter().any(|x| x == c))
        };
        for line in [first_line.as_str(), second_line.as_str()] {
            if has(line, &["unique id", "name 6", "designation type"]) {
                return Some(Format::UkCsv);
            }
            if has(line, &["group id", "name 6", "group type"]) {
                return Some(Format::OfsiCsv);
            }
        }
        if head.starts_with('{')
            && (first_line.contains("\"schema\"") || first_line.contains("\"op\""))
        {
            return Some(Format::Ftm);
        }
        if head.starts_with('{') || head.starts_with('[') {
            return Some(Format::CslJson);
        }
        if first_line.contains("street_address") && first_line.contains('\t') {
            return Some(Format::Dpl);
        }
        if first_line.contains("entity_number") && first_line.contains("source") {
            return Some(Format::CslCsv);
        }
        if first_line
            .split(',')
            .any(|c| c.trim().trim_matches('"') == "name")
        {
            return Some(Format::UserCsv);
        }
        None
    }
}

/// The local name of the root element of an XML document and its whole start
/// tag, from the document's first bytes: the XML declaration, comments,
/// processing instructions and a DOCTYPE are skipped.
fn xml_root(head: &str) -> Option<(&str, &str)> {
    let mut rest = head;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else if rest.starts_with('<') {
            let tag = &rest[..rest.find('>')? + 1];
            let qname = tag[1..]
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()?;
            let local = qname.rsplit(':').next()?;
            return (!local.is_empty()).then_some((local, tag));
        } else {
            return None;
        }
    }
}

/// Decodes a list file: UTF-8 with an optional BOM. Invalid bytes are an
/// error naming the line, never a silent replacement.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ParseError::new(
            file,
            Some(line),
            format!(
                "invalid UTF-8 at byte {} (lists must be UTF-8)",
                e.valid_up_to()
            ),
        )
    })
}

/// Longest name accepted; longer ones are rejected as malformed data.
pub const MAX_NAME_BYTES: usize = 4096;

pub(crate) fn check_name(file: &str, line: Option<usize>, name: &str) -> Result<(), ParseError> {
    if name.trim().is_empty() {
        return Err(ParseError::new(file, line, "entry has an empty name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(ParseError::new(
            file,
            line,
            format!(
                "name of {} bytes is longer than {MAX_NAME_BYTES}",
                name.len()
            ),
        ));
    }
    Ok(())
}

/// Every name of every entry (aliases, weak aliases and previous names
/// included, in every format) within [`MAX_NAME_BYTES`]: one limit for all
/// formats, whatever each parser checked on the way.
pub(crate) fn check_all_names(file: &str, entries: &[Entry]) -> Result<(), ParseError> {
    for e in entries {
        for n in &e.names {
            if n.text.len() > MAX_NAME_BYTES {
                let shown: String = e.primary_name().chars().take(60).collect();
                return Err(ParseError::new(
                    file,
                    None,
                    format!(
                        "entry {} ({shown:?}): a name of {} bytes is longer than {MAX_NAME_BYTES}",
                        e.id,
                        n.text.len()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Reads a list from a path in the given (or detected) format, into a new
/// [`ListSet`] that the caller swaps in only when everything parsed.
pub fn load_path(
    path: &Path,
    format: Option<Format>,
    countries: CountryResolver<'_>,
) -> Result<ListSet, ParseError> {
    let file = path.display().to_string();
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| {
            ParseError::new(&p.display().to_string(), None, format!("cannot read: {e}"))
        })
    };
    let head = if path.is_file() {
        read(path)?
    } else {
        Vec::new()
    };
    let format = match format.or_else(|| Format::detect(path, &head[..head.len().min(4096)])) {
        Some(f) => f,
        None => {
            return Err(ParseError::new(
                &file,
                None,
                format!(
                    "unrecognised list format: name its format, one of {}",
                    Format::names()
                ),
            ))
        }
    };
    let mut set = ListSet::default();
    let (entries, date, hash) = match format {
        Format::Ofac => {
            let files = OfacFiles::locate(path).map_err(|r| ParseError::new(&file, None, r))?;
            let mut all = Vec::new();
            let mut bytes = Vec::new();
            for p in files.paths() {
                let b = read(p)?;
                bytes.extend_from_slice(&b);
                all.push((p.display().to_string(), b));
            }
            let entries = parse_ofac(&files, &all, countries)?;
            (entries, None, sha256(&bytes))
        }
        _ => {
            let text = decode(&file, &head)?;
            let (entries, date) = match format {
                Format::CslCsv => (parse_csl_csv(&file, text, countries)?, None),
                Format::CslJson => (parse_csl_json(&file, text, countries)?, None),
                Format::UnXml => parse_un_xml(&file, text, countries)?,
                Format::OfacXml => parse_ofac_xml(&file, text, false, countries)?,
                Format::OfacConsXml => parse_ofac_xml(&file, text, true, countries)?,
                Format::EuXml => parse_eu_xml(&file, text, countries)?,
                Format::UkXml => parse_uk_xml(&file, text, countries)?,
                Format::UkCsv => parse_uk_csv(&file, text, countries)?,
                Format::OfsiCsv => parse_ofsi_csv(&file, text, countries)?,
                Format::Dpl => (parse_dpl(&file, text, countries)?, None),
                Format::Ftm => (parse_ftm(&file, text, countries)?, None),
                Format::UserCsv => (parse_user_csv(&file, text, countries)?, None),
                Format::Ofac => unreachable!("handled above"),
            };
            (entries, date, sha256(&head))
        }
    };
    if entries.is_empty() {
        return Err(ParseError::new(&file, None, "list has no entries"));
    }
    check_all_names(&file, &entries)?;
    set.add(
        SourceInfo {
            file,
            format: format.name().to_string(),
            entries: entries.len(),
            date,
            sha256: hash,
        },
        entries,
    );
    Ok(set)
}

/// Splits a `;`-separated cell into trimmed, non-empty parts.
pub(crate) fn split_multi(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// The short code in a CSL source name: "Entity List (EL) - Bureau …" → "EL".
pub(crate) fn list_code(source: &str) -> String {
    if let (Some(a), Some(b)) = (source.find('('), source.find(')')) {
        if a < b {
            let code = source[a + 1..b].trim();
            if !code.is_empty() && code.len() <= 12 {
                return code.to_string();
            }
        }
    }
    source
        .split_whitespace()
        .next()
        .unwrap_or("LIST")
        .to_ascii_uppercase()
}

/// Stable id for entries whose source gives none.
pub(crate) fn synthetic_id(parts: &[&str]) -> String {
    sha256(parts.join("|").as_bytes())[..16].to_string()
}

pub(crate) fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && t != "-0-").then(|| t.to_string())
}

pub(crate) fn csv_error(file: &str, e: &csv::Error) -> ParseError {
    let line = e.position().map(|p| p.line() as usize);
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("row has {len} fields, expected {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    };
    ParseError::new(file, line, reason)
}

/// Parses an XML list: not well-formed XML is an error naming the line.
pub(crate) fn parse_xml<'a>(
    file: &str,
    xml: &'a str,
) -> Result<roxmltree::Document<'a>, ParseError> {
    roxmltree::Document::parse(xml).map_err(|e| {
        ParseError::new(
            file,
            Some(e.pos().row as usize),
            format!("not well-formed XML: {e}"),
        )
    })
}

/// The line a node starts on.
pub(crate) fn xml_line(doc: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> usize {
    doc.text_pos_at(node.range().start).row as usize
}

/// Refuses a document whose root element is not `name` (in `namespaces`, when
/// given; `None` in the list allows no namespace).
pub(crate) fn expect_root<'a, 'i>(
    file: &str,
    doc: &'a roxmltree::Document<'i>,
    name: &str,
    namespaces: &[Option<&str>],
) -> Result<roxmltree::Node<'a, 'i>, ParseError> {
    let root = doc.root_element();
    let line = Some(xml_line(doc, root));
    if root.tag_name().name() != name {
        return Err(ParseError::new(
            file,
            line,
            format!(
                "root element is <{}>, expected <{name}>",
                root.tag_name().name()
            ),
        ));
    }
    let ns = root.tag_name().namespace();
    if !namespaces.is_empty() && !namespaces.contains(&ns) {
        let wanted: Vec<&str> = namespaces.iter().map(|n| n.unwrap_or("none")).collect();
        return Err(ParseError::new(
            file,
            line,
            format!(
                "root element <{name}> is in namespace {}, expected {}",
                ns.unwrap_or("none"),
                wanted.join(" or ")
            ),
        ));
    }
    Ok(root)
}

/// The trimmed, non-empty text of the first child element named `tag`.
pub(crate) fn child_text<'a>(n: roxmltree::Node<'a, '_>, tag: &str) -> Option<&'a str> {
    n.children()
        .find(|c| c.has_tag_name(tag))
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Child elements named `tag`.
pub(crate) fn children<'a, 'i: 'a>(
    n: roxmltree::Node<'a, 'i>,
    tag: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    n.children().filter(move |c| c.has_tag_name(tag))
}

/// `DD/MM/YYYY` (the UK's) or `MM/DD/YYYY` (OFAC's, `us`) as `YYYY-MM-DD`.
pub(crate) fn slash_date(s: &str, us: bool) -> Option<String> {
    let parts: Vec<&str> = s.trim().split('/').collect();
    if parts.len() != 3
        || parts[2].len() != 4
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (m, d) = if us {
        (parts[0], parts[1])
    } else {
        (parts[1], parts[0])
    };
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{}-{m:02}-{d:02}", parts[2]))
}

/// A CSV reader for a file that has one line before its header (a date
/// line): it starts on the second line, see [`csv_error_after_first_line`].
pub(crate) fn csv_after_first_line(text: &str) -> csv::Reader<&[u8]> {
    let rest = text.find('\n').map_or("", |i| &text[i + 1..]);
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(rest.as_bytes())
}

/// [`csv_error`] for a reader that started on the file's second line.
pub(crate) fn csv_error_after_first_line(file: &str, e: &csv::Error) -> ParseError {
    let mut err = csv_error(file, e);
    err.line = err.line.map(|l| l + 1);
    err
}
