//! List parsers. Each reads one real published format into [`Entry`]s and
//! rejects the whole file, with file, line and reason, when anything is off:
//! a list never half-loads.

mod csl;
mod dpl;
mod ftm;
mod ofac;
mod un;
mod user;

use crate::model::{sha256, Entry, ListSet, SourceInfo};
use std::path::Path;

pub use csl::{parse_csl_csv, parse_csl_json};
pub use dpl::parse_dpl;
pub use ftm::parse_ftm;
pub use ofac::{parse_ofac, OfacFiles};
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
    /// UN Security Council consolidated list XML.
    UnXml,
    /// BIS Denied Persons List, tab-separated.
    Dpl,
    /// FollowTheMoney entities, JSON lines (plain or delta feed).
    Ftm,
    /// The user's own CSV: name, aliases, country, list, note.
    UserCsv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::CslCsv => "csl-csv",
            Format::CslJson => "csl-json",
            Format::Ofac => "ofac",
            Format::UnXml => "un-xml",
            Format::Dpl => "dpl",
            Format::Ftm => "ftm",
            Format::UserCsv => "csv",
        }
    }

    pub fn parse_name(s: &str) -> Option<Format> {
        [
            Format::CslCsv,
            Format::CslJson,
            Format::Ofac,
            Format::UnXml,
            Format::Dpl,
            Format::Ftm,
            Format::UserCsv,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }

    /// Recognises a format from the file name and its first bytes.
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
        if name.ends_with(".xml")
            || head.starts_with("<?xml")
            || head.starts_with("<CONSOLIDATED_LIST")
        {
            return Some(Format::UnXml);
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
                "unrecognised list format: name its format, one of csl-csv, csl-json, ofac, un-xml, dpl, ftm, csv",
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
